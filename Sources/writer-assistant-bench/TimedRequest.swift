import Foundation
import WriterAssistantAPI
import WriterAssistantClient
import WriterAssistantLLM

/// When each part of one streamed answer reached the client.
struct TimedRun: Sendable {
    var firstEvent: Duration
    var firstToken: Duration
    var total: Duration
    var completionTokens: Int
    var promptTokens: Int
    var cachedTokens: Int
    /// Seconds the request waited for the engine, as the server reports it.
    var queueSeconds: Double
    var serverDecodeRate: Double?
    /// Client-side: completion tokens after the first, over the time between the first and last token.
    var clientDecodeRate: Double?

    static func run(_ request: some OperationRequest, on client: WriterAssistantClient) async throws -> TimedRun {
        let started = ContinuousClock.now
        var firstEvent: Duration?
        var firstToken: Duration?
        var lastToken: Duration?
        let result = try await client.events(request, includeTokens: true).result { event in
            let now = ContinuousClock.now - started
            if firstEvent == nil { firstEvent = now }
            if case .token = event {
                if firstToken == nil { firstToken = now }
                lastToken = now
            }
        }
        let total = ContinuousClock.now - started
        let metadata = result.contextMetadata
        let completion = metadata.completionTokens ?? 0
        var clientRate: Double?
        if let firstToken, let lastToken, lastToken > firstToken, completion > 1 {
            clientRate = Double(completion - 1) / (lastToken - firstToken).inSeconds
        }
        return TimedRun(
            firstEvent: firstEvent ?? total, firstToken: firstToken ?? total, total: total,
            completionTokens: completion, promptTokens: metadata.promptTokens ?? 0, cachedTokens: metadata.cachedTokens ?? 0,
            queueSeconds: metadata.queueTime ?? 0,
            serverDecodeRate: metadata.decodeTokensPerSecond, clientDecodeRate: clientRate)
    }
}
