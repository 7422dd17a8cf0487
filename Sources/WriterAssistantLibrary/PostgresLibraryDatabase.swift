import Foundation
package import Logging
import NIOSSL
import PostgresKit
import PostgresNIO
package import SQLKit

/// The library for a team of replicas: one PostgreSQL database that every replica reads and
/// writes, through PostgresNIO's connection pool. Each caller leases a connection of its own, so
/// transactions of different requests never mix.
package final class PostgresLibraryDatabase: LibraryDatabase {
    package let dialect = LibraryDialect.postgres
    private let client: PostgresClient

    /// A database given by a URL: `postgres://user:password@host:5432/database?sslmode=require`.
    /// Nothing is connected until `run()` runs.
    package init(url: String, logger: Logger) throws {
        let parsed: SQLPostgresConfiguration
        do {
            parsed = try SQLPostgresConfiguration(url: url)
        } catch {
            throw LibraryFailure.unavailable("the database URL cannot be read (postgres://user:password@host:port/database)")
        }
        let core = parsed.coreConfiguration
        let tls: PostgresClient.Configuration.TLS =
            core.tls.isEnforced ? .require(.makeClientConfiguration()) : core.tls.isAllowed ? .prefer(.makeClientConfiguration()) : .disable
        let configuration: PostgresClient.Configuration
        if let host = core.host {
            configuration = .init(
                host: host, port: core.port ?? SQLPostgresConfiguration.ianaPortNumber, username: core.username, password: core.password,
                database: core.database, tls: tls)
        } else if let socket = core.unixSocketPath {
            configuration = .init(unixSocketPath: socket, username: core.username, password: core.password, database: core.database)
        } else {
            throw LibraryFailure.unavailable("the database URL names no host")
        }
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    }

    /// Keeps the pool's connections until the task running it is cancelled.
    package func run() async {
        await client.run()
    }

    package func withConnection<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            try await body(connection.sql(queryLogLevel: nil))
        }
    }

    /// The pool closes when the task running it is cancelled.
    package func close() async {}
}
