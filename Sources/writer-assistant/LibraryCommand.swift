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
        @Option(help: ServeDefaults.help("The library's SQLite file, as given to 'serve'", .libraryPath))
        var libraryPath: String?

        func open() async throws -> StoryLibrary {
            let path = libraryPath ?? ServeDefaults.libraryPath
            guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("There is no library at \(path).") }
            var logger = Logger(label: "writer-assistant.library")
            logger.logLevel = .warning
            return try await StoryLibrary.openSQLite(path: path, logger: logger)
        }
    }

    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Copy the whole library into a new file.")

        @OptionGroup var location: Location

        @Option(help: ArgumentHelp("The backup to write; it must not exist.", valueName: "file"))
        var to: String

        func run() async throws {
            let library = try await location.open()
            do {
                try await library.backup(to: to)
                await library.close()
            } catch {
                await library.close()
                throw ValidationError("The backup failed: \(StoryLibrary.reason(error)).")
            }
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
            let library = try await location.open()
            let path = location.libraryPath ?? ServeDefaults.libraryPath
            let previous = path + ".before-restore-" + ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
            do {
                try await library.backup(to: previous)
                try await library.restore(from: from)
                await library.close()
            } catch {
                await library.close()
                throw ValidationError("The restore failed, and the library is as it was: \(StoryLibrary.reason(error)).")
            }
            print("Restored from \(from); the library as it was is in \(previous)")
        }
    }
}
