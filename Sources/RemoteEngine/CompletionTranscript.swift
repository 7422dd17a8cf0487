import Foundation
import WriterAssistantLLM

/// What a streamed completion has said so far, and the summary it amounts to: a plain value,
/// so how a peer's stream is read is tested without a peer.
struct CompletionTranscript {
    private(set) var finishReason: String?
    private(set) var usage: ChatCompletionChunk.Usage?
    private(set) var pieces = 0
    private(set) var done = false
    /// One for the whole stream rather than one per chunk (a chunk per token).
    private let decoder = JSONDecoder()
    /// What the peer said of an error it reported in the stream.
    private(set) var peerMessage: String?

    /// Reads one server-sent event's data; returns the answer text it carries.
    mutating func read(_ data: String) throws(LanguageModelError) -> String {
        if data.trimmingCharacters(in: .whitespaces) == "[DONE]" {
            done = true
            return ""
        }
        let chunk: ChatCompletionChunk
        do {
            chunk = try decoder.decode(ChatCompletionChunk.self, from: Data(data.utf8))
        } catch {
            throw .peerFailed(reason: "it sent a chunk that is not a chat completion")
        }
        if let failure = chunk.error {
            // What it says goes to the log (see `RemoteEngine`), not to clients.
            peerMessage = String((failure.message ?? "no reason given").prefix(1000))
            throw .peerFailed(reason: "it reported an error while writing")
        }
        if let usage = chunk.usage { self.usage = usage }
        if let reason = chunk.finishReason { finishReason = reason }
        let text = chunk.text
        if !text.isEmpty { pieces += 1 }
        return text
    }

    /// Reads one line of Ollama's stream; returns the answer text it carries.
    mutating func readOllama(_ line: String) throws(LanguageModelError) -> String {
        let chunk: OllamaChatChunk
        do {
            chunk = try decoder.decode(OllamaChatChunk.self, from: Data(line.utf8))
        } catch {
            throw .peerFailed(reason: "it sent a line that is not a chat answer")
        }
        if let failure = chunk.error {
            peerMessage = String(failure.prefix(1000))
            throw .peerFailed(reason: "it reported an error while writing")
        }
        let text = chunk.message?.content ?? ""
        if !text.isEmpty { pieces += 1 }
        if chunk.done == true {
            done = true
            finishReason = chunk.done_reason ?? "stop"
            if chunk.prompt_eval_count != nil || chunk.eval_count != nil {
                usage = ChatCompletionChunk.Usage(prompt_tokens: chunk.prompt_eval_count, completion_tokens: chunk.eval_count)
            }
        }
        return text
    }

    /// The summary of a finished stream; a stream that stopped before saying why it ended was
    /// cut off, not finished.
    func summary(
        estimatedPromptTokens: Int, timing: (queue: Double, prompt: Double, generation: Double)
    ) throws(LanguageModelError) -> GenerationSummary {
        guard let finishReason else {
            throw .peerFailed(reason: "its stream ended before the answer did")
        }
        return GenerationSummary(
            promptTokens: usage?.prompt_tokens ?? estimatedPromptTokens,
            reusedPromptTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
            // Without the peer's count, each streamed piece is about a token.
            completionTokens: usage?.completion_tokens ?? pieces,
            stopReason: finishReason == "length" ? .maxTokens : .endOfGeneration,
            queueSeconds: timing.queue,
            promptEvaluationSeconds: timing.prompt,
            generationSeconds: timing.generation,
            countsEstimated: usage?.prompt_tokens == nil || usage?.completion_tokens == nil)
    }
}
