import Foundation
import WriterAssistantLLM

/// The JSON body of a streamed `/chat/completions` request, in the peer's dialect.
enum ChatCompletionBody {
    static func encode(_ request: GenerationRequest, model: String, dialect: RemoteDialect) throws -> Data {
        var body: [String: Any] = [
            "model": model,
            "messages": request.prompt.messages.map { ["role": $0.role.rawValue, "content": $0.content] },
            "stream": true,
            "max_tokens": request.sampling.maxTokens,
            "temperature": request.sampling.temperature,
            "top_p": request.sampling.topP,
        ]
        if let seed = request.sampling.seed { body["seed"] = Int(seed) }
        switch dialect {
        case .openai:
            // Token counts come in a last chunk only when asked for.
            body["stream_options"] = ["include_usage": true]
            if let schema = try request.constraint?.jsonSchema.map(parse) {
                // Not strict: OpenAI's strict mode refuses the length bounds that servers which
                // compile the schema to a grammar (vLLM, llama.cpp's) use to keep strings useful.
                body["response_format"] = ["type": "json_schema", "json_schema": ["name": "answer", "strict": false, "schema": schema]]
            }
        case .llamaCpp:
            body["top_k"] = request.sampling.topK
            body["min_p"] = request.sampling.minP
            body["repeat_penalty"] = request.sampling.repetition.repeatPenalty
            if let grammar = request.constraint?.grammar {
                body["grammar"] = grammar
            } else if let schema = try request.constraint?.jsonSchema.map(parse) {
                body["response_format"] = ["type": "json_object", "schema": schema]
            }
        }
        return try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
    }

    private static func parse(_ schema: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(schema.utf8))
    }
}
