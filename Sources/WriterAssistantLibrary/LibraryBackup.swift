import Foundation
import SQLKit

/// A whole library copied out and back in while the server that keeps it runs. Both use SQLite's
/// own means, which take the database's locks like any other writer: a backup is a consistent
/// snapshot, a restore replaces everything in one transaction, and the server sees the restored
/// library at its next request.
extension StoryLibrary {
    /// The tables a backup holds, parents first.
    private static let tables: [(name: String, columns: String)] = [
        ("stories", "id, writer, title, version, word_count, created_at, updated_at, deleted_at"),
        ("story_pieces", "story_id, hash, content"),
        ("story_versions", "story_id, version, created_at, title, word_count, manifest, changes, restored_from"),
        ("story_answers", "id, story_id, version, operation, chapter, rater, model, created_at, processing_time, request, result"),
        ("search_entries", "id, story_id, entry_key, place, chapter, name, text"),
    ]

    /// Writes a copy of the whole library to `path`, which must not exist yet.
    public func backup(to path: String) async throws {
        guard database.dialect == .sqlite else {
            throw LibraryFailure.unavailable("a PostgreSQL library is backed up with PostgreSQL's own tools (pg_dump)")
        }
        guard !FileManager.default.fileExists(atPath: path) else {
            throw LibraryFailure.unavailable("\(path) exists already; a backup never overwrites a file")
        }
        try await database.withConnection { db in try await db.raw("VACUUM INTO \(bind: path)").run() }
        // The stories are the writer's alone, as the library's own folder is.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    }

    /// Replaces the whole library with the backup at `path`, brought up to the current schema
    /// first. The backup itself is not changed.
    public func restore(from path: String) async throws {
        guard database.dialect == .sqlite else {
            throw LibraryFailure.unavailable("a PostgreSQL library is restored with PostgreSQL's own tools (pg_restore)")
        }
        guard FileManager.default.fileExists(atPath: path) else { throw LibraryFailure.unavailable("there is no backup at \(path)") }
        // A copy, migrated like any library, so that a backup from an older version restores too.
        let staging = FileManager.default.temporaryDirectory.appendingPathComponent("library-restore-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: staging) }
        try FileManager.default.copyItem(atPath: path, toPath: staging)
        let backup = try await StoryLibrary.openSQLite(path: staging, logger: logger)
        try await backup.checkpoint()
        await backup.close()

        try await database.withConnection { db in
            try await db.raw("ATTACH DATABASE \(bind: staging) AS backup").run()
            do {
                try await db.raw("BEGIN IMMEDIATE").run()
                do {
                    for table in Self.tables.reversed() {
                        try await db.raw("DELETE FROM main.\(ident: table.name)").run()
                    }
                    for table in Self.tables {
                        try await db.raw("""
                            INSERT INTO main.\(ident: table.name) (\(unsafeRaw: table.columns))
                            SELECT \(unsafeRaw: table.columns) FROM backup.\(ident: table.name)
                            """).run()
                    }
                    try await db.raw("COMMIT").run()
                } catch {
                    try? await db.raw("ROLLBACK").run()
                    throw error
                }
                try await db.raw("DETACH DATABASE backup").run()
            } catch {
                try? await db.raw("DETACH DATABASE backup").run()
                throw error
            }
        }
    }
}
