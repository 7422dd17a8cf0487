import Tracing
import NIOHTTP1

/// Writes the active trace's context (W3C `traceparent`, `tracestate`) into a request to a model
/// server, so that a server that traces joins its work to the request that asked for it.
struct TraceHeaders: Injector {
    func inject(_ value: String, forKey key: String, into headers: inout HTTPHeaders) {
        headers.replaceOrAdd(name: key, value: value)
    }

    /// The headers of the task's active span; none without a tracer.
    static func inject(into headers: inout HTTPHeaders) {
        guard let context = ServiceContext.current else { return }
        InstrumentationSystem.instrument.inject(context, into: &headers, using: TraceHeaders())
    }
}
