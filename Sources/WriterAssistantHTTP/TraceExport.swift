import Foundation
package import Logging
import OTel
package import ServiceLifecycle
package import Tracing

/// Traces of the server's requests, sent to an OpenTelemetry collector over OTLP/HTTP: a span per
/// request (its route, status and request id), the operation's span with its phases as events,
/// and the model's work beneath it (a model server's address and status in remote mode). Off
/// unless an endpoint is given; the usual `OTEL_*` variables (service name, headers, sampler)
/// apply on top.
package struct TraceExport: Sendable {
    package enum Encoding: Sendable {
        /// OTLP's default, which every collector takes.
        case protobuf
        case json
    }

    /// The collector's OTLP/HTTP address (`http://collector:4318`), or its traces path in full
    /// (`…/v1/traces`).
    package var endpoint: String
    package var encoding: Encoding
    /// How long finished spans wait to be sent together.
    package var batchDelay: Duration

    package init(endpoint: String, encoding: Encoding = .protobuf, batchDelay: Duration = .seconds(5)) {
        self.endpoint = endpoint
        self.encoding = encoding
        self.batchDelay = batchDelay
    }

    /// Where spans are posted: the traces path of the collector's address unless it was given.
    package var tracesURL: String {
        var base = endpoint
        while base.hasSuffix("/") { base.removeLast() }
        return base.hasSuffix("/v1/traces") ? base : base + "/v1/traces"
    }

    /// The collector's scheme, host and port, for logs: no credentials, path or query.
    package var displayName: String {
        guard let url = URL(string: endpoint), let host = url.host else { return "the collector" }
        return "\(url.scheme ?? "http")://\(host)\(url.port.map { ":\($0)" } ?? "")"
    }

    /// As `start`, saying in the log where the spans go; when the export cannot start
    /// (`OTEL_SDK_DISABLED`, an `OTEL_*` variable it cannot use) the server runs untraced, with a
    /// warning that says why.
    package func startOrWarn(logger: Logger) -> (tracer: any Tracer, service: any Service)? {
        do {
            let traces = try start(logger: logger)
            logger.info("Sending traces", metadata: ["collector": "\(displayName)"])
            return traces
        } catch {
            logger.warning("Traces are off", metadata: ["reason": "\(error)"])
            return nil
        }
    }

    /// The tracer to run the server under (`withTracer`) and the service that sends its spans,
    /// which flushes what is left when it stops. The process-wide tracer is left alone, so that
    /// several servers in one process (as in tests) each trace to their own collector.
    package func start(logger: Logger) throws -> (tracer: any Tracer, service: any Service) {
        var configuration = OTel.Configuration.default
        configuration.serviceName = "writer-assistant"
        configuration.diagnosticLogger = .custom(logger)
        configuration.traces.otlpExporter.endpoint = tracesURL
        configuration.traces.otlpExporter.protocol = encoding == .json ? .httpJSON : .httpProtobuf
        configuration.traces.batchSpanProcessor.scheduleDelay = batchDelay
        let (tracer, service) = try OTel.makeTracingBackend(configuration: configuration)
        return (tracer, service)
    }
}
