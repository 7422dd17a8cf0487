import Foundation
import SQLKit

/// The library's tables, as numbered migrations: each runs once, in its own transaction, at
/// start, and the database remembers the last one it ran. A migration, once released, is never
/// edited; a change is a new one.
enum LibrarySchema {
    struct Migration {
        var version: Int
        var sqlite: [String]
        var postgres: [String]
    }

    static let migrations: [Migration] = [
        Migration(
            version: 1,
            sqlite: common(id: "INTEGER PRIMARY KEY", real: "REAL") + [
                "CREATE VIRTUAL TABLE search_text USING fts5(text, content='search_entries', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
                "CREATE TRIGGER search_entries_added AFTER INSERT ON search_entries BEGIN INSERT INTO search_text(rowid, text) VALUES (new.id, new.text); END",
                "CREATE TRIGGER search_entries_removed AFTER DELETE ON search_entries BEGIN INSERT INTO search_text(search_text, rowid, text) VALUES ('delete', old.id, old.text); END",
            ],
            postgres: common(id: "BIGSERIAL PRIMARY KEY", real: "DOUBLE PRECISION") + [
                "ALTER TABLE search_entries ADD COLUMN words tsvector GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED",
                "CREATE INDEX search_entries_words ON search_entries USING GIN (words)",
            ]),
        // The model's summaries of a story's chapters, each named by a digest of the writer, the
        // model and the chapter's text; they go with the story.
        Migration(version: 2, sqlite: chapterSummaries, postgres: chapterSummaries),
        // The writer's conversations with the chat's agents about a story; they go with the story.
        Migration(version: 3, sqlite: conversations, postgres: conversations),
    ]

    private static let conversations = [
        """
        CREATE TABLE story_conversations (
            story_id TEXT NOT NULL REFERENCES stories (id) ON DELETE CASCADE, id TEXT NOT NULL, agent TEXT NOT NULL,
            character_name TEXT, title TEXT NOT NULL, turns INTEGER NOT NULL, messages TEXT NOT NULL,
            created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (story_id, id))
        """,
    ]

    private static let chapterSummaries = [
        """
        CREATE TABLE chapter_summaries (
            story_id TEXT NOT NULL REFERENCES stories (id) ON DELETE CASCADE, summary_key TEXT NOT NULL,
            summary TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (story_id, summary_key))
        """,
    ]

    /// The tables both databases share, in the types each names differently.
    private static func common(id: String, real: String) -> [String] {
        [
            """
            CREATE TABLE stories (
                id TEXT PRIMARY KEY, writer TEXT NOT NULL, title TEXT NOT NULL, version INTEGER NOT NULL,
                word_count INTEGER NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, deleted_at BIGINT)
            """,
            "CREATE INDEX stories_by_writer ON stories (writer, deleted_at, updated_at)",
            """
            CREATE TABLE story_pieces (
                story_id TEXT NOT NULL REFERENCES stories (id) ON DELETE CASCADE, hash TEXT NOT NULL, content TEXT NOT NULL,
                PRIMARY KEY (story_id, hash))
            """,
            """
            CREATE TABLE story_versions (
                story_id TEXT NOT NULL REFERENCES stories (id) ON DELETE CASCADE, version INTEGER NOT NULL,
                created_at BIGINT NOT NULL, title TEXT NOT NULL, word_count INTEGER NOT NULL, manifest TEXT NOT NULL,
                changes TEXT NOT NULL, restored_from INTEGER, PRIMARY KEY (story_id, version))
            """,
            """
            CREATE TABLE story_answers (
                id TEXT PRIMARY KEY, story_id TEXT NOT NULL REFERENCES stories (id) ON DELETE CASCADE, version INTEGER NOT NULL,
                operation TEXT NOT NULL, chapter BIGINT, rater TEXT, model TEXT NOT NULL, created_at BIGINT NOT NULL,
                processing_time \(real) NOT NULL, request TEXT NOT NULL, result TEXT NOT NULL)
            """,
            "CREATE INDEX story_answers_by_story ON story_answers (story_id, created_at)",
            """
            CREATE TABLE search_entries (
                id \(id), story_id TEXT NOT NULL REFERENCES stories (id) ON DELETE CASCADE, entry_key TEXT NOT NULL,
                place TEXT NOT NULL, chapter BIGINT, name TEXT, text TEXT NOT NULL)
            """,
            "CREATE INDEX search_entries_by_story ON search_entries (story_id)",
        ]
    }

    /// Brings the database up to the newest schema.
    static func migrate(_ database: any LibraryDatabase) async throws {
        // Replicas starting together take turns: PostgreSQL's advisory lock is held to the end of
        // each transaction; SQLite's write lock does the same by itself.
        let lock = database.dialect == .postgres ? "SELECT pg_advisory_xact_lock(\(advisoryLock))" : nil
        try await database.transaction { db in
            if let lock { try await db.raw(SQLQueryString(lock)).run() }
            try await db.raw("CREATE TABLE IF NOT EXISTS library_schema (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)").run()
        }
        for migration in migrations {
            try await database.transaction { [dialect = database.dialect] db in
                if let lock { try await db.raw(SQLQueryString(lock)).run() }
                let applied = try await db.raw("SELECT version FROM library_schema WHERE version = \(bind: migration.version)").first()
                guard applied == nil else { return }
                for statement in dialect == .sqlite ? migration.sqlite : migration.postgres {
                    try await db.raw(SQLQueryString(statement)).run()
                }
                try await db.raw("INSERT INTO library_schema (version, applied_at) VALUES (\(bind: migration.version), \(bind: LibraryClock.now()))").run()
            }
        }
    }

    static var newest: Int { migrations.map(\.version).max() ?? 0 }

    /// The key of the advisory lock migrations hold on PostgreSQL: any number other code is
    /// unlikely to pick.
    static let advisoryLock = 7_324_615_501
}

/// Times as the library stores them (milliseconds since 1970) and as it shows them (ISO 8601).
enum LibraryClock {
    static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    static func text(_ milliseconds: Int64) -> String {
        Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
