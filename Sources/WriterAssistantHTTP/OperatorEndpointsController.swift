import Foundation
import Hummingbird
import WriterAssistantLLM
import Logging
import NIOCore
import WriterAssistantCore

/// What operators and integrators read: `GET /metrics` for Prometheus and `GET /api/v1/openapi.json`,
/// the API's description.
struct OperatorEndpointsController {
    typealias Context = ServerRequestContext

    let metrics: ServerMetrics
    let host: ModelHost
    /// The bundled OpenAPI document, nil when the binary was copied without its resources.
    let openAPIDocument: ByteBuffer?

    static func bundledOpenAPIDocument() -> ByteBuffer? {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
              let data = try? Data(contentsOf: url) else { return nil }
        return ByteBuffer(bytes: data)
    }

    func addRoutes(to router: Router<Context>) {
        router.get("metrics") { _, _ in
            let model: (any LanguageModel)? = if case .ready(let model) = host.status { model } else { nil }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.render(load: model?.load, servers: (model as? any ModelServerPool)?.servers ?? []))))
        }
        router.get("api/v1/openapi.json") { _, context in
            guard let openAPIDocument else {
                context.logger.error("The OpenAPI document is missing from the server's resources")
                throw HTTPError(.notFound, message: "This build of the server has no API description.")
            }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: openAPIDocument))
        }
    }
}
