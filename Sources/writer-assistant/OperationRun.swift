import ArgumentParser
import Foundation
import WriterAssistantAPI
import WriterAssistantClient

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the client subcommands run one operation: as JSON from the synchronous endpoint, or
/// streamed with its progress on standard error, and for prose on a terminal its text as it is
/// written. Piped, the prose printed is the result's: a file gets the chapter the server made of
/// the answer (its title taken off, an unfinished sentence cut), not the raw stream.
struct OperationRun {
    var client: ClientOptions
    /// Print only the result object, as JSON.
    var json: Bool

    /// Runs `request` and prints its result with `show`. With `prose`, the result's prose is
    /// printed too: as the model writes it on a terminal, else once it is complete; `show` adds
    /// what follows it.
    @discardableResult
    func run<Request: OperationRequest>(
        _ request: Request, label: String, prose: ((Request.Result) -> String)? = nil, show: (Request.Result) -> String
    ) async throws -> Request.Result {
        let streamsProse = prose != nil && isatty(STDOUT_FILENO) == 1
        let result: Request.Result
        do {
            result = try await client.withClient { api in
                if json { return try await api.perform(request, on: client.storyReference) }
                let display = ProgressDisplay(names: [label])
                var writing = false
                return try await api.events(request, on: client.storyReference, includeTokens: streamsProse).result { event in
                    if case .token(let text) = event {
                        if !writing { FileHandle.standardError.write(Data("\n".utf8)) }
                        writing = true
                        FileHandle.standardOutput.write(Data(text.utf8))
                    } else if !writing {
                        display.update(0, with: event)
                    }
                }
            }
        } catch {
            throw ClientExit.report(error)
        }
        if json {
            print(try FeedbackPrinter.json(result))
        } else if let prose, !streamsProse {
            print(prose(result) + "\n\n" + show(result))
        } else {
            print("\n" + show(result))
        }
        return result
    }
}

extension ClientOptions {
    /// The text of `path`, or `-` for standard input.
    static func text(of path: String, option: String) throws -> String {
        let data: Data?
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            data = FileManager.default.contents(atPath: path)
        }
        guard let data, let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("Cannot read \(option) \(path) as UTF-8 text.")
        }
        guard !text.allSatisfy(\.isWhitespace) else { throw ValidationError("\(option) \(path) is empty.") }
        return text
    }
}
