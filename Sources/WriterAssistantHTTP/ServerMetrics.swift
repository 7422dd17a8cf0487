import Metrics
import NIOCore
import Prometheus
import WriterAssistantAPI
import WriterAssistantLLM

/// The server's metrics through swift-metrics, kept in a Prometheus registry of the server's own
/// (so several servers in one process never mix their figures) and served at `GET /metrics`.
final class ServerMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let queueDepth: Metrics.Gauge
    private let preparing: Metrics.Gauge
    private let activeSlots: Metrics.Gauge

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        // Answers take seconds to minutes on a CPU, not the milliseconds of the defaults.
        factory.defaultDurationHistogramBuckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]
            .map { Duration.milliseconds(Int64($0 * 1000)) }
        factory.valueHistogramBuckets["writer_assistant_decode_tokens_per_second"] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
        self.factory = factory
        queueDepth = Metrics.Gauge(label: "writer_assistant_queue_depth", factory: factory)
        preparing = Metrics.Gauge(label: "writer_assistant_preparing_prompts", factory: factory)
        activeSlots = Metrics.Gauge(label: "writer_assistant_active_slots", factory: factory)
    }

    /// Everything one request did, once its response is written.
    func record(endpoint: String, status: Int, summary: RequestRecord.Summary, duration: Duration) {
        Counter(label: "writer_assistant_requests_total", dimensions: [
            ("endpoint", endpoint), ("status", "\(status)"),
            ("outcome", summary.outcome.rawValue), ("error_code", summary.errorCode ?? ""),
        ], factory: factory).increment()
        Timer(label: "writer_assistant_request_duration_seconds", dimensions: [("endpoint", endpoint)], factory: factory)
            .recordNanoseconds(TimeAmount(duration).nanoseconds)
        if summary.outcome == .clientLeft {
            Counter(label: "writer_assistant_client_disconnects_total", dimensions: [("endpoint", endpoint)], factory: factory).increment()
        }
        if summary.errorCode == ErrorCode.generationTimeout.rawValue || (summary.outcome == .clientLeft && !summary.phases.isEmpty) {
            let reason = summary.outcome == .clientLeft ? "client_left" : "timeout"
            Counter(label: "writer_assistant_cancellations_total", dimensions: [("reason", reason)], factory: factory).increment()
        }
        for (phase, length) in summary.phaseDurations {
            Timer(label: "writer_assistant_phase_duration_seconds", dimensions: [("phase", phase.rawValue)], factory: factory)
                .recordNanoseconds(TimeAmount(length).nanoseconds)
        }
        if let firstToken = summary.timeToFirstToken {
            Timer(label: "writer_assistant_time_to_first_token_seconds", factory: factory).recordNanoseconds(TimeAmount(firstToken).nanoseconds)
        }
        guard let metadata = summary.metadata else { return }
        for (name, value) in [("prompt", metadata.promptTokens), ("cached", metadata.cachedTokens), ("completion", metadata.completionTokens)] {
            Counter(label: "writer_assistant_\(name)_tokens_total", factory: factory).increment(by: value ?? 0)
        }
        if let queueTime = metadata.queueTime {
            Timer(label: "writer_assistant_queue_wait_seconds", factory: factory).recordSeconds(queueTime)
        }
        if let rate = metadata.decodeTokensPerSecond {
            Recorder(label: "writer_assistant_decode_tokens_per_second", factory: factory).record(rate)
        }
    }

    /// The exposition text, with the model's load and its model servers' state read now.
    func render(load: ModelLoad?, servers: [ModelServerStatus] = []) -> String {
        queueDepth.record(load?.waiting ?? 0)
        activeSlots.record(load?.running ?? 0)
        preparing.record(load?.preparing ?? 0)
        for server in servers {
            let dimensions = [("server", server.address)]
            Metrics.Gauge(label: "writer_assistant_model_server_up", dimensions: dimensions, factory: factory)
                .record(server.isAvailable ? 1 : 0)
            // A count the pool keeps, read now: a gauge, since it is set rather than added to.
            Metrics.Gauge(label: "writer_assistant_model_server_generations", dimensions: dimensions, factory: factory)
                .record(server.generations)
            Metrics.Gauge(label: "writer_assistant_model_server_active", dimensions: dimensions, factory: factory)
                .record(server.load.running)
        }
        return registry.emitToString()
    }
}
