import Foundation
import Testing
import WriterAssistantAPI
import WriterAssistantClient
import WriterAssistantCore
import WriterAssistantHTTP
import WriterAssistantLLM
import WriterAssistantTestSupport

/// The Swift client against a live server.
@Suite(.serialized) struct ClientTests {
    @Test func streamsTypedEventsAndTheSynchronousResultFromTheRealModel() async throws {
        let host = ModelHost(.ready(try await TestModel.shared()))
        let configuration = ServerConfiguration(pipeline: .init(sampling: SamplingParameters(temperature: 0.7, maxTokens: 300, seed: 4)))
        try await TestServer.with(host: host, configuration: configuration) { server in
            let client = WriterAssistantClient(baseURL: server.baseURL)
            var phases: [FeedbackPhase] = []
            var tokens = ""
            var result: RaterFeedbackResult?
            for try await event in client.raterFeedbackEvents(minimalRequest, includeTokens: true) {
                switch event {
                case .status(let phase, _, _, _): phases.append(phase)
                case .token(let text): tokens += text
                case .result(let final): result = final
                case .error(let message, _): Issue.record("error event: \(message)")
                }
            }
            #expect(phases == FeedbackPhase.allCases)
            // The result is the streamed answer, less any suggestion that repeated an earlier one.
            let written = try FeedbackParser.parse(tokens)
            #expect(written.opinion == result?.feedback.opinion)
            #expect((result?.feedback.suggestions ?? []).allSatisfy(written.suggestions.contains))

            let synchronous = try await client.raterFeedback(minimalRequest)
            #expect(!synchronous.feedback.suggestions.isEmpty)
            #expect(try await client.health().llmAvailable)
        }
    }

    @Test func cancellingTheConsumerClosesTheConnectionAndStopsGeneration() async throws {
        let model = ScriptedModel(script: .wellFormed(pieceDelay: .milliseconds(500)))
        try await TestServer.with(host: ModelHost(.ready(model))) { server in
            let client = WriterAssistantClient(baseURL: server.baseURL)
            let consumer = Task {
                for try await event in client.raterFeedbackEvents(minimalRequest) where event.phase == .evaluating {
                    try await Task.sleep(for: .seconds(60))
                }
            }
            for _ in 0..<100 where model.observed.started == 0 { try await Task.sleep(for: .milliseconds(10)) }
            consumer.cancel()
            _ = await consumer.result
            for _ in 0..<200 where model.observed.cancelled == 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(model.observed.cancelled == 1)
        }
    }

    @Test func serverErrorsCarryTheirCode() async throws {
        try await TestServer.with(host: ModelHost(.notConfigured)) { server in
            let client = WriterAssistantClient(baseURL: server.baseURL)
            await #expect {
                _ = try await client.raterFeedback(minimalRequest)
            } throws: { error in
                guard case .server(let code, let message, let status) = error as? WriterAssistantClientError else { return false }
                return code == .llmNotAvailable && status == 503 && message.contains("--model-path")
            }
            await #expect {
                _ = try await client.raterFeedbackEvents(minimalRequest).result()
            } throws: { error in
                guard case .server(let code, _, _) = error as? WriterAssistantClientError else { return false }
                return code == .llmNotAvailable
            }
        }
    }

    @Test func validationErrorsListTheFields() async throws {
        try await TestServer.with(host: ModelHost(.ready(ScriptedModel(script: .wellFormed())))) { server in
            let client = WriterAssistantClient(baseURL: server.baseURL)
            let blank = RaterFeedbackRequest(raterPrompt: "Critic", plotPoint: " ")
            for call in [{ _ = try await client.raterFeedback(blank) }, { _ = try await client.raterFeedbackEvents(blank).result() }] {
                await #expect {
                    try await call()
                } throws: { error in
                    guard case .invalidRequest(let issues) = error as? WriterAssistantClientError else { return false }
                    return issues.first?.loc == ["body", "plotPoint"]
                }
            }
        }
    }

    @Test func anUnreachableServerIsATransportError() async {
        // The HTTP client retries refused connections until the call's deadline.
        let client = WriterAssistantClient(baseURL: "http://127.0.0.1:1", timeout: .seconds(2))
        await #expect {
            _ = try await client.raterFeedback(minimalRequest)
        } throws: { error in
            if case .transport = error as? WriterAssistantClientError { true } else { false }
        }
    }
}
