package import SQLKit

/// The SQL a library runs on, and the two places its dialects differ: full-text search and the
/// start of a transaction. Everything else is the same statement on SQLite and PostgreSQL.
package enum LibraryDialect: Sendable {
    case sqlite, postgres
}

/// A database the library may use one statement at a time or one transaction at a time.
package protocol LibraryDatabase: Sendable {
    var dialect: LibraryDialect { get }
    /// Runs `body` with a connection of its own, which no other caller uses meanwhile.
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// Keeps what the database needs in the background (a pool's connections) until cancelled.
    func run() async
    func close() async
}

extension LibraryDatabase {
    /// Runs `body` in a transaction: all of it is kept, or, when it throws, none of it.
    package func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await withConnection { [dialect] database in
            // SQLite's IMMEDIATE takes the write lock at once, so two saves cannot both read the
            // same version and then both write.
            try await database.raw(dialect == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN").run()
            do {
                let result = try await body(database)
                try await database.raw("COMMIT").run()
                return result
            } catch {
                try? await database.raw("ROLLBACK").run()
                throw error
            }
        }
    }
}
