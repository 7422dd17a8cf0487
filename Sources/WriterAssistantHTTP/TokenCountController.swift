import Hummingbird
import Logging
import WriterAssistantAPI
import WriterAssistantCore

/// `POST /api/v1/tokens`: how many tokens texts take with the active model, for a client that
/// budgets a story before sending it.
struct TokenCountController {
    typealias Context = ServerRequestContext

    let pipeline: OperationPipeline
    let validation: RequestValidation

    func addRoutes(to group: RouterGroup<Context>) {
        group.post("tokens", use: count)
    }

    @Sendable func count(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let body = try await validation.decode(TokenCountRequest.self, from: &request) { $0.validate() }
        return try await answerWhileConnected(request, logger: context.logger, logging: "Token count failed") { [pipeline] in
            try await pipeline.countTokens(body)
        }
    }
}
