import ArgumentParser
import Foundation
import Logging
import WriterAssistantLibrary

/// The library's file, copied out and back in, while a server keeps using it.
struct LibraryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "library",
        abstract: "Back up or restore the whole library (the SQLite file), also while the server runs.",
        discussion: "A PostgreSQL library is backed up and restored with pg_dump and pg_restore.",
        subcommands: [Backup.self, Restore.self])

    struct Location: ParsableArguments {
        @Option(help: ArgumentHelp("The library's SQLite file, as given to 'serve' (default \(ServeKey.libraryPath.setting.shownDefault)).",
                                    valueName: "FILE"))
        var libraryPath: String?

        var path: String { libraryPath ?? ServeDefaults.libraryPath }

        /// Runs `body` on the library, closing it after; a failure is reported as `failure` says,
        /// with the reason a writer can act on.
        func withLibrary(failure: String, _ body: (StoryLibrary) async throws -> Void) async throws {
            guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("There is no library at \(path).") }
            var logger = Logger(label: "writer-assistant.library")
            logger.logLevel = .warning
            let library = try await StoryLibrary.openSQLite(path: path, logger: logger)
            do {
                try await body(library)
                await library.close()
            } catch {
                await library.close()
                throw ValidationError("\(failure): \(StoryLibrary.reason(error)).")
            }
        }
    }

    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Copy the whole library into a new file.")

        @OptionGroup var location: Location

        @Option(help: ArgumentHelp("The backup to write; it must not exist.", valueName: "file"))
        var to: String

        func run() async throws {
            try await location.withLibrary(failure: "The backup failed") { try await $0.backup(to: to) }
            print("Backed up to \(to)")
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the whole library with a backup; what it held is backed up beside it first.")

        @OptionGroup var location: Location

        @Option(help: ArgumentHelp("The backup to restore.", valueName: "file"))
        var from: String

        func run() async throws {
            let previous = location.path + ".before-restore-"
                + ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
            try await location.withLibrary(failure: "The restore failed, and the library is as it was") { library in
                try await library.backup(to: previous)
                try await library.restore(from: from)
            }
            print("Restored from \(from); the library as it was is in \(previous)")
        }
    }
}
