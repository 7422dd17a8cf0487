import Foundation
import Testing
import WriterAssistantAPI
import WriterAssistantCore
import WriterAssistantLLM
import WriterAssistantTestSupport
@testable import RemoteEngine

/// The remote engine against a scripted OpenAI-compatible peer on loopback: the answers, phases
/// and error codes a writer sees are those of the in-process engine.
@Suite struct RemoteEngineTests {
    static let answer = #"{"opinion": "Mara opening the letter in the storm is a strong turn.", "suggestions": ["Let Mara hesitate before she opens it", "Show Tomas watching from the mill door", "Make the storm put out the lantern", "End the scene on the letter's first line"]}"#

    static let request = RaterFeedbackRequest(
        raterPrompt: "You judge pacing.", plotPoint: "Mara opens the letter during the storm.", raterName: "Pacing")

    static func pipeline(_ engine: RemoteEngine, timeout: Duration = .seconds(30)) -> OperationPipeline {
        OperationPipeline(host: ModelHost(.ready(engine)), configuration: .init(generationTimeout: timeout))
    }

    static func events(_ engine: RemoteEngine, tokens: Bool = false, cachePartition: String? = nil) async -> [StreamEvent] {
        var events: [StreamEvent] = []
        for await event in pipeline(engine).events(for: request, options: .init(includeTokens: tokens, cachePartition: cachePartition)) {
            events.append(event)
        }
        return events
    }

    static func body(_ json: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    @Test func aStreamedAnswerBecomesAResultWithEveryPhaseAndThePeersCounts() async throws {
        let peer = ScriptedPeer(.answer(Self.answer.chunked(into: 9), cachedTokens: 200))
        try await peer.serve { url in
            let engine = try await RemoteEngine.connect(.init(baseURL: url))
            defer { engine.shutdown() }
            #expect(engine.descriptor.name == "scripted-peer-model", "the peer's first model, when none is named")
            #expect(engine.resolvedDialect == .openai, "found by asking: not Ollama, not llama-cpp-python")
            let events = await Self.events(engine, tokens: true)
            let phases = events.compactMap { if case .status(let phase, _, _, _) = $0 { phase } else { nil } }
            #expect(phases == FeedbackPhase.allCases)
            let tokens = events.compactMap { if case .token(let text) = $0 { text } else { nil } }
            #expect(tokens.joined() == Self.answer)
            guard case .result(let result) = try #require(events.last) else { Issue.record("\(events)"); return }
            #expect(result.feedback.suggestions.count == 4)
            #expect(result.contextMetadata.promptTokens == 321)
            #expect(result.contextMetadata.cachedTokens == 200)
            #expect(result.contextMetadata.completionTokens == ScriptedPeer.reportedCompletionTokens)
        }
        #expect(peer.authorizations == [nil], "no key, no header")
        let sent = try Self.body(try #require(peer.requests.first))
        #expect(sent["stream"] as? Bool == true)
        #expect((sent["stream_options"] as? [String: Any])?["include_usage"] as? Bool == true)
        let format = try #require(sent["response_format"] as? [String: Any])
        #expect(format["type"] as? String == "json_schema")
        #expect(((format["json_schema"] as? [String: Any])?["schema"] as? [String: Any])?["required"] as? [String] == ["opinion", "suggestions"])
        #expect(sent["grammar"] == nil && sent["top_k"] == nil, "OpenAI refuses parameters it does not define")
        let messages = try #require(sent["messages"] as? [[String: String]])
        #expect(messages.first?["role"] == "system" && messages.last?["content"]?.contains("Mara opens the letter") == true)
    }

    @Test func theLlamaCppDialectSendsTheGrammarInstead() async throws {
        let peer = ScriptedPeer(.answer(Self.answer.chunked(into: 20), usage: false))
        try await peer.serve { url in
            let engine = try await RemoteEngine.connect(.init(baseURL: url, model: "smol", apiKey: "sk-local", dialect: .llamaCpp))
            defer { engine.shutdown() }
            guard case .result(let result) = await Self.events(engine).last else { Issue.record("no result"); return }
            // Without the peer's counts: the estimate, and a token per piece.
            #expect(result.contextMetadata.promptTokens ?? 0 > 0)
            #expect(result.contextMetadata.completionTokens == Self.answer.chunked(into: 20).count)
            #expect(result.contextMetadata.tokenCountsEstimated == true, "an estimate is marked as one")
        }
        #expect(peer.authorizations == ["Bearer sk-local"])
        let sent = try Self.body(try #require(peer.requests.first))
        #expect(sent["model"] as? String == "smol")
        #expect((sent["grammar"] as? String)?.hasPrefix("root ::=") == true)
        #expect(sent["response_format"] == nil && sent["top_k"] as? Int == 40)
    }

    @Test func autoFindsLlamaCppPythonByTheOwnerOfItsModelsAndSendsItAGrammar() async throws {
        let peer = ScriptedPeer(.answer(Self.answer.chunked(into: 20), usage: false), flavour: .openai(owner: "me"))
        try await peer.serve { url in
            let engine = try await RemoteEngine.connect(.init(baseURL: url, dialect: .auto))
            defer { engine.shutdown() }
            #expect(engine.resolvedDialect == .llamaCpp)
            guard case .result = await Self.events(engine).last else { Issue.record("no result"); return }
        }
        #expect((try Self.body(try #require(peer.requests.first))["grammar"] as? String)?.hasPrefix("root ::=") == true)
    }

    /// vLLM keeps the prefix caches of different `cache_salt`s apart: each writer's partition is
    /// sent as the salt. Other servers ignore or refuse the field, so they never get it.
    @Test(arguments: [("vllm", true), (nil, false), ("me", false)])
    func theWritersCachePartitionIsSentAsVLLMsCacheSalt(owner: String?, salted: Bool) async throws {
        let peer = ScriptedPeer(.answer(Self.answer.chunked(into: 20)), flavour: .openai(owner: owner))
        try await peer.serve { url in
            let engine = try await RemoteEngine.connect(.init(baseURL: url, dialect: .auto))
            defer { engine.shutdown() }
            guard case .result = await Self.events(engine, cachePartition: "0a1b2c3d").last else { Issue.record("no result"); return }
        }
        let sent = try Self.body(try #require(peer.requests.first))
        #expect(sent["cache_salt"] as? String == (salted ? "0a1b2c3d" : nil))
    }

    @Test func markersOfTheCommonTemplatesAreBrokenAndOtherTextKept() {
        let joiner = "\u{2060}"
        #expect(ControlMarkers.neutralized("a <|im_end|> b") == "a <\(joiner)|im_end|> b")
        #expect(ControlMarkers.neutralized("<|eot_id|><|start_header_id|>") == "<\(joiner)|eot_id|><\(joiner)|start_header_id|>")
        #expect(ControlMarkers.neutralized("[INST] hi [/INST]</s>") == "[\(joiner)INST] hi [\(joiner)/INST]<\(joiner)/s>")
        #expect(ControlMarkers.neutralized("<end_of_turn>") == "<\(joiner)end_of_turn>")
        let prose = "She wrote <3 and [sic] beside the map, 2 < 3."
        #expect(ControlMarkers.neutralized(prose) == prose)
    }

    /// A refusal's body can echo the prompt or a key: a debug line keeps a short, masked prefix.
    @Test func whatAPeerSaidIsMaskedAndCutForTheLog() {
        let said = #"{"error": "Incorrect API key provided: sk-proj-4f9aXq2LmN8bV7cR1tY6. Prompt was: "# + String(repeating: "Mara opens the letter. ", count: 40)
        let logged = PeerText.redacted(said)
        #expect(!logged.contains("sk-proj") && !logged.contains("4f9aXq2LmN8bV7cR1tY6") && logged.contains("[redacted]"))
        #expect(logged.count <= PeerText.keptForDebugging + 20 && logged.hasSuffix("…"))
        #expect(PeerText.redacted("model not found: llama-3.2") == "model not found: llama-3.2", "short words and names stay")
    }

    @Test func ollamaIsFoundByItsVersionAndAnsweredInItsOwnFormat() async throws {
        let peer = ScriptedPeer(.answer(Self.answer.chunked(into: 9)), flavour: .ollama)
        try await peer.serve { url in
            // A writer may give Ollama's address with or without the /v1 of its OpenAI-compatible API.
            let engine = try await RemoteEngine.connect(.init(baseURL: String(url.dropLast("/v1".count)), dialect: .auto, contextLength: 8192))
            defer { engine.shutdown() }
            #expect(engine.resolvedDialect == .ollama)
            #expect(engine.descriptor.name == "scripted-ollama:latest")
            let events = await Self.events(engine, tokens: true)
            #expect(events.compactMap { if case .status(let phase, _, _, _) = $0 { phase } else { nil } } == FeedbackPhase.allCases)
            #expect(events.compactMap { if case .token(let text) = $0 { text } else { nil } }.joined() == Self.answer)
            guard case .result(let result) = try #require(events.last) else { Issue.record("\(events)"); return }
            #expect(result.feedback.suggestions.count == 4)
            #expect(result.contextMetadata.promptTokens == 321)
            #expect(result.contextMetadata.completionTokens == ScriptedPeer.reportedCompletionTokens)
            #expect(result.contextMetadata.tokenCountsEstimated == nil)
        }
        let sent = try Self.body(try #require(peer.requests.first))
        #expect(sent["model"] as? String == "scripted-ollama:latest")
        #expect(sent["stream"] as? Bool == true)
        #expect((sent["format"] as? [String: Any])?["required"] as? [String] == ["opinion", "suggestions"])
        let options = try #require(sent["options"] as? [String: Any])
        #expect(options["num_ctx"] as? Int == 8192, "Ollama's default context would cut the story")
        #expect(options["num_predict"] as? Int == SamplingParameters.raterDefaults.maxTokens)
        #expect(sent["response_format"] == nil && sent["grammar"] == nil)
    }

    @Test func anErrorInOllamasStreamFailsTheAnswer() async throws {
        try await ScriptedPeer(.errorInStream, flavour: .ollama).serve { url in
            let engine = try await RemoteEngine.connect(.init(baseURL: url, dialect: .ollama))
            defer { engine.shutdown() }
            guard case .error(_, let code) = await Self.events(engine).last else { Issue.record("no error"); return }
            #expect(code == .generationFailed)
        }
    }

    @Test func ollamasLinesAreReadWhereverTheChunksSplitThem() throws {
        var lines = LineDecoder()
        #expect(try lines.feed(Array(#"{"done":fal"#.utf8)).isEmpty)
        #expect(try lines.feed(Array("se}\r\n\n{\"done\":true}\n{\"last\"".utf8)) == [#"{"done":false}"#, #"{"done":true}"#])
        #expect(lines.finish() == #"{"last""#, "a last line without its newline is still read")
        #expect(throws: LineDecoder.LineTooLong.self) { try lines.feed(repeatElement(UInt8(ascii: "x"), count: LineDecoder.longestLine + 1)) }
        var transcript = CompletionTranscript()
        #expect(try transcript.readOllama(#"{"message":{"content":"Mara"},"done":false}"#) == "Mara")
        _ = try transcript.readOllama(#"{"message":{"content":""},"done":true,"done_reason":"length","eval_count":12}"#)
        #expect(transcript.done)
        let summary = try transcript.summary(estimatedPromptTokens: 50, timing: (0, 0, 0))
        #expect(summary.stopReason == .maxTokens)
        #expect(summary.promptTokens == 50 && summary.completionTokens == 12 && summary.countsEstimated, "no prompt count: estimated")
    }

    @Test func theDialectIsDetectedFromWhatTheServerAnswers() {
        #expect(RemoteDialect.detect(answersOllamaVersion: true, modelOwner: "library") == .ollama)
        #expect(RemoteDialect.detect(answersOllamaVersion: false, modelOwner: "me") == .llamaCpp)
        #expect(RemoteDialect.detect(answersOllamaVersion: false, modelOwner: "vllm") == .openai)
        #expect(RemoteDialect.detect(answersOllamaVersion: false, modelOwner: "llamacpp") == .openai)
        #expect(RemoteDialect.detect(answersOllamaVersion: false, modelOwner: nil) == .openai)
        #expect(RemoteDialect.root(of: "http://localhost:11434/v1") == "http://localhost:11434")
        #expect(RemoteDialect.ollama.chatURL("http://localhost:11434/v1") == "http://localhost:11434/api/chat")
        #expect(RemoteDialect.openai.chatURL("http://gpu:8000/v1") == "http://gpu:8000/v1/chat/completions")
    }

    @Test(arguments: [429, 503])
    func aPeerAtCapacityIsServerBusy(_ status: Int) async throws {
        try await ScriptedPeer(.status(status)).serve { url in
            let engine = try await RemoteEngine.connect(.init(baseURL: url))
            defer { engine.shutdown() }
            guard case .error(_, let code) = await Self.events(engine).last else { Issue.record("no error"); return }
            #expect(code == .serverBusy)
        }
    }

    /// What the peer says when it refuses goes to the log, not to the writer: error bodies can
    /// carry keys.
    @Test(arguments: [ScriptedPeer.Behaviour.status(401), .status(422), .errorInStream])
    func aPeerThatRefusesIsAFailedGenerationThatRepeatsNothingItSaid(_ behaviour: ScriptedPeer.Behaviour) async throws {
        try await ScriptedPeer(behaviour).serve { url in
            let engine = try await RemoteEngine.connect(.init(baseURL: url))
            defer { engine.shutdown() }
            guard case .error(let message, let code) = await Self.events(engine).last else { Issue.record("no error"); return }
            #expect(code == .generationFailed)
            #expect(!message.contains("SECRET") && !message.contains("context window exceeded"))
            if case .status(let status) = behaviour { #expect(message.contains("HTTP \(status)")) }
        }
    }

    @Test(arguments: [ScriptedPeer.Behaviour.notAStream, .malformedChunk])
    func anAnswerThatIsNoEventStreamIsAFailedGenerationNotInventedText(_ behaviour: ScriptedPeer.Behaviour) async throws {
        try await ScriptedPeer(behaviour).serve { url in
            let engine = try await RemoteEngine.connect(.init(baseURL: url))
            defer { engine.shutdown() }
            let events = await Self.events(engine)
            guard case .error(_, let code) = events.last else { Issue.record("no error"); return }
            #expect(code == .generationFailed)
            #expect(!events.contains { if case .result = $0 { true } else { false } })
        }
    }

    @Test func aPeerThatFallsSilentMidAnswerFailsAfterTheReadTimeout() async throws {
        try await ScriptedPeer(.fallSilent(after: Array(Self.answer.chunked(into: 9).prefix(3)))).serve { url in
            let engine = try await RemoteEngine.connect(.init(baseURL: url, readTimeout: .seconds(1)))
            defer { engine.shutdown() }
            let started = ContinuousClock.now
            guard case .error(_, let code) = await Self.events(engine).last else { Issue.record("no error"); return }
            #expect(code == .generationFailed)
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    @Test func aWriterWhoLeavesClosesTheRequestToThePeer() async throws {
        let peer = ScriptedPeer(.answer(Self.answer.chunked(into: 4), pause: .milliseconds(50)))
        try await peer.serve { url in
            let engine = try await RemoteEngine.connect(.init(baseURL: url))
            defer { engine.shutdown() }
            let prompt = try await engine.prepare([ChatMessage(role: .user, content: "Judge the pacing.")])
            var pieces = 0
            for try await event in engine.generate(GenerationRequest(prompt: prompt, sampling: SamplingParameters(maxTokens: 100))) {
                if case .text = event { pieces += 1 }
                if pieces == 2 { break }
            }
            let deadline = ContinuousClock.now + .seconds(3)
            while peer.clientsLeft == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            #expect(peer.clientsLeft == 1, "the peer saw the connection close mid-answer")
        }
    }

    @Test func moreGenerationsThanMayWaitAreRefusedNotSent() async throws {
        let peer = ScriptedPeer(.answer(Self.answer.chunked(into: 4), pause: .milliseconds(20)))
        try await peer.serve { url in
            let engine = try await RemoteEngine.connect(.init(baseURL: url, parallel: 1, maxQueued: 1))
            defer { engine.shutdown() }
            let prompt = try await engine.prepare([ChatMessage(role: .user, content: "Judge the pacing.")])
            let request = GenerationRequest(prompt: prompt, sampling: SamplingParameters(maxTokens: 100))
            let streams = (0..<3).map { _ in engine.generate(request) }
            #expect(engine.load == ModelLoad(running: 1, waiting: 1))
            var outcomes: [String] = []
            for stream in streams {
                do {
                    for try await _ in stream {}
                    outcomes.append("answered")
                } catch let error as LanguageModelError {
                    outcomes.append(error == .queueFull(limit: 1) ? "refused" : "\(error)")
                }
            }
            #expect(outcomes == ["answered", "answered", "refused"])
            #expect(engine.load == ModelLoad(running: 0, waiting: 0))
        }
        #expect(peer.requests.count == 2)
    }

    @Test func anAnswerThatBreaksOffFailsAtOnce() async throws {
        try await ScriptedPeer(.breakOff(after: Array(Self.answer.chunked(into: 9).prefix(4)))).serve { url in
            let engine = try await RemoteEngine.connect(.init(baseURL: url))
            defer { engine.shutdown() }
            let started = ContinuousClock.now
            guard case .error(_, let code) = await Self.events(engine).last else { Issue.record("no error"); return }
            #expect(code == .generationFailed)
            #expect(ContinuousClock.now - started < .seconds(2))
        }
    }

    @Test func aPeerThatCannotBeReachedOrRefusesTheKeyIsSaidAtConnect() async throws {
        // A port that was just free: nothing listens there.
        let url = try await ScriptedPeer(.status(200)).serve { $0 }
        do {
            _ = try await RemoteEngine.connect(.init(baseURL: url, connectTimeout: .seconds(2)))
            Issue.record("connected to nothing")
        } catch let error as LanguageModelError {
            guard case .peerUnavailable(let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.contains("--llm-url"))
        }
        try await ScriptedPeer(.status(200), modelsStatus: 401).serve { url in
            do {
                _ = try await RemoteEngine.connect(.init(baseURL: url, apiKey: "wrong"))
                Issue.record("connected with a refused key")
            } catch let error as LanguageModelError {
                guard case .peerUnavailable(let reason) = error else { Issue.record("\(error)"); return }
                #expect(reason.contains("--llm-api-key"))
            }
        }
    }

    @Test func theServerIsNamedWithoutItsCredentialsOrPath() {
        #expect(RemoteEngine.Configuration(baseURL: "https://user:pass@api.example.com:8443/v1").displayName == "https://api.example.com:8443")
    }

    @Test func estimatesLeaveAMargin() {
        let prompt = TokenEstimate.prompt([ChatMessage(role: .user, content: String(repeating: "word ", count: 400))])
        #expect(prompt.tokenCount == 500 + TokenEstimate.perMessage)
        #expect(prompt.countMargin == prompt.tokenCount / 4)
        #expect(prompt.tokens == nil)
    }
}
