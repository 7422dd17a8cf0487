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

    @Option(help: ArgumentHelp(
        "A story the server keeps (see 'writer-assistant stories list'): read in place of --story, and the answer kept in its history.",
        valueName: "id"))
    var storyId: String?

    @Option(help: "With --story-id: the number of the chapter the request is about, for the story's history.")
    var chapterNumber: Int?

    @Option(help: ArgumentHelp(
        "A file holding the server's API key (else \(Self.apiKeyVariable) is read; a key is never given on the command line).",
        valueName: "file"))
    var apiKeyFile: String?

    static let apiKeyVariable = "WRITER_ASSISTANT_API_KEY"

    /// The stored story the request names, if any.
    var storyReference: StoryReference? {
        storyId.map { StoryReference(storyId: $0, chapter: chapterNumber) }
    }

    /// The key to send: from `--api-key-file`, else from the environment.
    func apiKey() throws -> String? {
        if let apiKeyFile {
            guard let text = try? String(contentsOfFile: apiKeyFile, encoding: .utf8) else {
                throw ValidationError("Cannot read the key file \(apiKeyFile).")
            }
            let key = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !key.isEmpty else { throw ValidationError("The key file \(apiKeyFile) is empty.") }
            return key
        }
        return ProcessInfo.processInfo.environment[Self.apiKeyVariable].flatMap { $0.isEmpty ? nil : $0 }
    }

    func loadStory() throws -> StructuredContext? {
        guard let story else { return nil }
        guard storyId == nil else { throw ValidationError("Give --story or --story-id, not both.") }
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
        let key = try apiKey()
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let result = try await body(WriterAssistantClient(baseURL: server, apiKey: key, httpClient: httpClient))
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
