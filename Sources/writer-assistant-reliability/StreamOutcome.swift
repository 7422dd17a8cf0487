import Foundation
import WriterAssistantAPI
import WriterAssistantClient

/// How one streamed request ended, as a client sees it.
enum StreamOutcome: Hashable, Sendable, CustomStringConvertible {
    case result
    case error(ErrorCode)
    /// The connection failed or the stream ended without a last event.
    case transport(String)
    /// No last event within the deadline.
    case hung
    /// The client left on purpose.
    case left

    var description: String {
        switch self {
        case .result: "result"
        case .error(let code): code.rawValue
        case .transport(let reason): "transport failure (\(reason))"
        case .hung: "hung"
        case .left: "left"
        }
    }

    /// Streams `request` to its end or until `deadline`.
    static func stream(
        _ request: RaterFeedbackRequest, on client: WriterAssistantClient, deadline: Duration,
        onEvent: @escaping @Sendable (StreamEvent) -> Void = { _ in }
    ) async -> StreamOutcome {
        await withTaskGroup(of: StreamOutcome.self) { group in
            group.addTask {
                do {
                    for try await event in client.raterFeedbackEvents(request) {
                        onEvent(event)
                        switch event {
                        case .result: return .result
                        case .error(_, let code): return .error(code)
                        case .status, .token: continue
                        }
                    }
                    return .transport("ended early")
                } catch {
                    // The client library reports its own cancellation as a failure to connect.
                    if Task.isCancelled || error is CancellationError { return .left }
                    return .transport("\(error)".prefix(80).description)
                }
            }
            group.addTask {
                do {
                    try await Task.sleep(for: deadline)
                    return .hung
                } catch {
                    return .left
                }
            }
            let first = await group.next() ?? .hung
            group.cancelAll()
            return first
        }
    }
}
