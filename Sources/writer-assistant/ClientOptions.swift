import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import WriterAssistantAPI
import WriterAssistantClient

/// Options every client subcommand shares.
struct ClientOptions: ParsableArguments {
    @Option(help: "The Writer Assistant server.")
    var server: String = "http://127.0.0.1:8000"

    @Option(help: ArgumentHelp("A JSON file with the story, shaped like the API's structured_context.", valueName: "story.json"))
    var story: String?

    func loadStory() throws -> StructuredContext? {
        guard let story else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: story))
        } catch {
            throw ValidationError("Cannot read \(story): \(error.localizedDescription)")
        }
        do {
            return try JSONDecoder().decode(StructuredContext.self, from: data)
        } catch {
            throw ValidationError("\(story) is not a story in the API's structured_context shape: \(error)")
        }
    }

    /// Runs `body` with a client that fails at once when the server refuses the connection,
    /// instead of retrying until the call times out.
    func withClient<T>(_ body: (WriterAssistantClient) async throws -> T) async throws -> T {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let result = try await body(WriterAssistantClient(baseURL: server, httpClient: httpClient))
            try? await httpClient.shutdown()
            return result
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
    }
}

/// The documented exit codes of the client subcommands.
enum ClientExit {
    static let serverError = ExitCode(3)
    static let unreachable = ExitCode(4)

    /// Reports `error` on standard error and returns the exit code it stands for.
    static func report(_ error: any Error) -> ExitCode {
        let message: String
        let code: ExitCode
        switch error as? WriterAssistantClientError {
        case .server(let errorCode, let text, _):
            (message, code) = ("\(text) [\(errorCode)]", serverError)
        case .invalidRequest, .unexpectedResponse:
            (message, code) = ("\(error)", serverError)
        case .transport:
            (message, code) = ("\(error)", unreachable)
        case nil:
            (message, code) = ("\(error)", .failure)
        }
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return code
    }
}
