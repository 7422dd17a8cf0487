import Foundation
package import Logging
import NIOPosix
import SQLiteKit
package import SQLKit

/// The embedded library: one SQLite file in write-ahead-log mode, synced at every commit so that a
/// save the client was told of survives a crash or a power cut. Its statements run on NIO's thread
/// pool, never on the cooperative pool.
package final class SQLiteLibraryDatabase: LibraryDatabase {
    package let dialect = LibraryDialect.sqlite
    private let connection: SQLiteConnection
    private let database: any SQLDatabase
    private let turnstile = Turnstile()

    private init(connection: SQLiteConnection, logger: Logger) {
        self.connection = connection
        database = connection.sql(queryLogLevel: nil)
    }

    /// Opens (creating it when missing) the library at `path`; its folder is created too, readable
    /// by its owner only.
    package static func open(path: String, logger: Logger) async throws -> SQLiteLibraryDatabase {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let connection: SQLiteConnection
        do {
            if !FileManager.default.fileExists(atPath: folder) {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            }
            connection = try await SQLiteConnection.open(
                storage: .file(path: path), threadPool: .singleton, logger: logger, on: MultiThreadedEventLoopGroup.singleton.any())
        } catch {
            logger.error("The library's database cannot be opened", metadata: ["path": "\(path)", "error": "\(String(reflecting: error))"])
            throw LibraryFailure.unavailable("the library's database cannot be opened")
        }
        let library = SQLiteLibraryDatabase(connection: connection, logger: logger)
        do {
            for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = 10000"] {
                try await library.database.raw(SQLQueryString(pragma)).run()
            }
        } catch {
            try? await connection.close().get()
            throw error
        }
        return library
    }

    package func withConnection<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        await turnstile.enter()
        do {
            let result = try await body(database)
            await turnstile.leave()
            return result
        } catch {
            await turnstile.leave()
            throw error
        }
    }

    /// SQLite needs nothing in the background.
    package func run() async {}

    package func close() async {
        await turnstile.enter()
        // The future, unlike the async call, runs even when this task is being cancelled: a
        // connection must be closed whatever stops the server.
        try? await connection.close().get()
        await turnstile.leave()
    }
}
