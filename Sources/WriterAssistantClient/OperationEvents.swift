import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ServerSentEventDecoding
public import WriterAssistantAPI

/// The events of one streaming request, decoded as they arrive.
///
/// Iteration drives the connection directly (no background task), so cancelling the consuming
/// task, or simply stopping iteration, ends the request.
public struct OperationEvents<Request: OperationRequest>: AsyncSequence, Sendable {
    public typealias Element = OperationEvent<Request.Result>

    let client: WriterAssistantClient
    let request: Request
    let story: StoryReference?
    let includeTokens: Bool

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(events: self)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        private enum State {
            case notStarted(OperationEvents)
            case streaming(HTTPClientResponse.Body.AsyncIterator)
            case finished
        }

        private var state: State
        private var decoder = ServerSentEventDecoder()
        private var ready: [Element] = []

        init(events: OperationEvents) {
            state = .notStarted(events)
        }

        public mutating func next() async throws -> Element? {
            while true {
                if !ready.isEmpty {
                    let event = ready.removeFirst()
                    if event.isTerminal {
                        ready.removeAll()
                        state = .finished
                    }
                    return event
                }
                switch state {
                case .finished:
                    return nil
                case .notStarted(let events):
                    // Marked finished first so a failed open is not retried by the next call.
                    state = .finished
                    state = .streaming(try await Self.open(events))
                case .streaming(var body):
                    let chunk: ByteBuffer?
                    do {
                        chunk = try await body.next()
                    } catch {
                        state = .finished
                        throw WriterAssistantClientError.transport(error)
                    }
                    guard let chunk else {
                        state = .finished
                        return nil
                    }
                    state = .streaming(body)
                    for event in decoder.feed(chunk.readableBytesView) {
                        ready.append(try Self.decode(event))
                    }
                }
            }
        }

        private static func open(_ events: OperationEvents) async throws -> HTTPClientResponse.Body.AsyncIterator {
            let path = "/api/v1/\(Request.operationName)/stream" + (events.includeTokens ? "?tokens=true" : "")
            let response = try await events.client.send(
                OnStory(request: events.request, story: events.story), to: path, accept: "text/event-stream")
            guard response.status == .ok else {
                let body = try await events.client.readBody(of: response)
                throw WriterAssistantClient.failure(status: response.status, body: body)
            }
            return response.body.makeAsyncIterator()
        }

        private static func decode(_ event: ServerSentEventDecoder.Event) throws -> Element {
            do {
                return try JSONDecoder().decode(Element.self, from: Data(event.data.utf8))
            } catch {
                throw WriterAssistantClientError.unexpectedResponse(httpStatus: 200, body: event.data)
            }
        }
    }
}

/// The events of rater feedback.
public typealias RaterFeedbackEvents = OperationEvents<RaterFeedbackRequest>

extension OperationEvents {
    /// The result at the end of the stream; an `error` event is thrown as
    /// `WriterAssistantClientError.server`. `onEvent` sees every event first, e.g. to show progress.
    public func result(onEvent: (Element) -> Void = { _ in }) async throws -> Request.Result {
        for try await event in self {
            onEvent(event)
            switch event {
            case .result(let result): return result
            case .error(let message, let code): throw WriterAssistantClientError.server(code: code, message: message, httpStatus: 200)
            case .status, .token: continue
            }
        }
        throw WriterAssistantClientError.unexpectedResponse(httpStatus: 200, body: "The stream ended without a result.")
    }
}
