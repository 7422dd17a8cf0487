public import Foundation
public import Logging
import NIOPosix
import SQLKit
import Synchronization
public import WriterAssistantAPI

/// The writer's library: stories, every version of each, the answers given on them, and search.
/// Every call is scoped to one writer; another writer's story is not found, never forbidden, so
/// ids tell nothing. The same statements run on SQLite and PostgreSQL.
public struct StoryLibrary: Sendable {
    let database: any LibraryDatabase
    let logger: Logger
    private let health = LibraryProblems()

    init(database: any LibraryDatabase, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Why the last change failed (a full disk, a read-only file), until one succeeds again.
    public var problem: String? { health.problem }

    /// Where a library is kept.
    public enum Location: Sendable, Equatable {
        /// The embedded default: one SQLite file, created with its folder when missing.
        case sqlite(path: String)
        /// A PostgreSQL database every replica shares, by URL.
        case postgres(url: String)
    }

    /// The library at `location`, not yet brought up to date: `run()` must run beside it and
    /// `prepare()` before it is used.
    public static func connect(_ location: Location, logger: Logger) async throws -> StoryLibrary {
        switch location {
        case .sqlite(let path): StoryLibrary(database: try await SQLiteLibraryDatabase.open(path: path, logger: logger), logger: logger)
        case .postgres(let url): StoryLibrary(database: try PostgresLibraryDatabase(url: url, logger: logger), logger: logger)
        }
    }

    /// Keeps the database's connections until the calling task is cancelled.
    public func run() async {
        await database.run()
    }

    /// Brings the database up to the newest schema (once per database, whoever comes first).
    public func prepare() async throws {
        try await LibrarySchema.migrate(database)
    }

    /// The embedded library in the SQLite file at `path`, created and brought up to date.
    public static func openSQLite(path: String, logger: Logger) async throws -> StoryLibrary {
        let library = try await connect(.sqlite(path: path), logger: logger)
        do {
            try await library.prepare()
        } catch {
            await library.close()
            throw error
        }
        return library
    }

    public func close() async {
        await database.close()
    }

    /// Folds SQLite's write-ahead log into the database file, so that the file alone holds
    /// everything (a size measured, a copy taken); PostgreSQL needs nothing.
    package func checkpoint() async throws {
        guard database.dialect == .sqlite else { return }
        try await database.withConnection { db in try await db.raw("PRAGMA wal_checkpoint(TRUNCATE)").run() }
    }

    /// A story's current state, its row and its newest manifest.
    struct Head: Sendable {
        var id: String
        var version: Int
        var createdAt: Int64
        var updatedAt: Int64
        var deletedAt: Int64?
    }

    // MARK: Stories

    public func create(_ document: StoryDocument, writer: String) async throws(LibraryFailure) -> StoredStory {
        let id = UUID().uuidString.lowercased()
        let pieces = try await Self.cut(document)
        let now = LibraryClock.now()
        try await change { db in
            try await db.raw("""
                INSERT INTO stories (id, writer, title, version, word_count, created_at, updated_at)
                VALUES (\(bind: id), \(bind: writer), \(bind: Self.column(document.title)), 1, \(bind: pieces.manifest.wordCount), \(bind: now), \(bind: now))
                """).run()
            try await Self.write(pieces, previous: nil, story: id, version: 1, at: now, restoredFrom: nil, document: document, db)
        }
        return StoredStory(
            id: id, version: 1, createdAt: LibraryClock.text(now), updatedAt: LibraryClock.text(now), wordCount: pieces.manifest.wordCount,
            document: document)
    }

    public func list(writer: String, trash: Bool = false) async throws(LibraryFailure) -> [StoryListing] {
        try await read { db in
            let rows = try await db.raw("""
                SELECT \(unsafeRaw: Self.listingColumns) FROM stories
                WHERE writer = \(bind: writer) AND deleted_at IS \(unsafeRaw: trash ? "NOT NULL" : "NULL")
                ORDER BY updated_at DESC, id
                """).all()
            return try rows.map(Self.listing)
        }
    }

    /// The story as it is now, or as it was at `version`.
    public func story(_ id: String, writer: String, version: Int? = nil) async throws(LibraryFailure) -> StoredStory {
        let story = try Self.storyID(id)
        let (head, manifest, createdAt, contents) = try await read { db in
            let head = try await Self.head(story, writer: writer, db)
            let wanted = version ?? head.version
            guard let (manifest, createdAt) = try await Self.manifest(story, version: wanted, db) else {
                throw LibraryFailure.notFound("This story has no version \(wanted).")
            }
            return (head, manifest, createdAt, try await Self.contents(of: manifest, story: story, db))
        }
        // Put together once the connection is free for others.
        let document: StoryDocument
        do {
            document = try await Self.offThePool { try StoryPieces.document(manifest, contents: contents) }
        } catch {
            throw failure(error)
        }
        return StoredStory(
            id: story, version: version ?? head.version, createdAt: LibraryClock.text(head.createdAt),
            updatedAt: LibraryClock.text(version == nil ? head.updatedAt : createdAt),
            deletedAt: head.deletedAt.map(LibraryClock.text), wordCount: manifest.wordCount, document: document)
    }

    /// Saves `document` as the story's next version. With `expectedVersion`, a story saved since
    /// then is left as it is and the failure carries it. Saving what is already there makes no
    /// new version.
    public func update(
        _ id: String, writer: String, document: StoryDocument, expectedVersion: Int?
    ) async throws(LibraryFailure) -> StoredStory {
        try await save(id, writer: writer, document: document, expectedVersion: expectedVersion, restoredFrom: nil)
    }

    /// Makes an older version the newest, as a new version: nothing is overwritten.
    public func restore(_ id: String, writer: String, version: Int) async throws(LibraryFailure) -> StoredStory {
        let old = try await story(id, writer: writer, version: version)
        return try await save(id, writer: writer, document: old.document, expectedVersion: nil, restoredFrom: version, alwaysNewVersion: true)
    }

    private func save(
        _ id: String, writer: String, document: StoryDocument, expectedVersion: Int?, restoredFrom: Int?, alwaysNewVersion: Bool = false
    ) async throws(LibraryFailure) -> StoredStory {
        let story = try Self.storyID(id)
        let pieces = try await Self.cut(document)
        enum Outcome: Sendable {
            case saved(StoredStory)
            case conflict
        }
        let outcome = try await change { db -> Outcome in
            let head = try await Self.head(story, writer: writer, db, forUpdate: true)
            guard head.deletedAt == nil else { throw LibraryFailure.inTrash }
            if let expectedVersion, expectedVersion != head.version { return .conflict }
            let previous = try await Self.manifest(story, version: head.version, db)?.0
            if previous == pieces.manifest, !alwaysNewVersion {
                return .saved(StoredStory(
                    id: story, version: head.version, createdAt: LibraryClock.text(head.createdAt), updatedAt: LibraryClock.text(head.updatedAt),
                    wordCount: pieces.manifest.wordCount, document: document))
            }
            let now = max(LibraryClock.now(), head.updatedAt)
            let version = head.version + 1
            try await db.raw("""
                UPDATE stories SET title = \(bind: Self.column(document.title)), version = \(bind: version), word_count = \(bind: pieces.manifest.wordCount),
                updated_at = \(bind: now) WHERE id = \(bind: story)
                """).run()
            try await Self.write(pieces, previous: previous, story: story, version: version, at: now, restoredFrom: restoredFrom, document: document, db)
            return .saved(StoredStory(
                id: story, version: version, createdAt: LibraryClock.text(head.createdAt), updatedAt: LibraryClock.text(now),
                wordCount: pieces.manifest.wordCount, document: document))
        }
        switch outcome {
        case .saved(let saved): return saved
        case .conflict: throw .versionConflict(current: try await self.story(story, writer: writer))
        }
    }

    /// Moves the story to the trash (`true`) or brings it back.
    public func setTrashed(_ id: String, writer: String, _ trashed: Bool) async throws(LibraryFailure) -> StoryListing {
        let story = try Self.storyID(id)
        return try await change { db in
            _ = try await Self.head(story, writer: writer, db)
            try await db.raw("""
                UPDATE stories SET deleted_at = \(unsafeRaw: trashed ? "\(LibraryClock.now())" : "NULL") WHERE id = \(bind: story)
                """).run()
            guard let row = try await db.raw("SELECT \(unsafeRaw: Self.listingColumns) FROM stories WHERE id = \(bind: story)").first() else {
                throw LibraryFailure.notFound("No story has the id '\(story)'.")
            }
            return try Self.listing(row)
        }
    }

    /// What a line of the story list reads, and how it reads it.
    private static let listingColumns = "id, title, version, word_count, created_at, updated_at, deleted_at"

    private static func listing(_ row: any SQLRow) throws -> StoryListing {
        StoryListing(
            id: try row.decode(column: "id", as: String.self), title: try row.decode(column: "title", as: String.self),
            version: try row.decode(column: "version", as: Int.self),
            createdAt: LibraryClock.text(try row.decode(column: "created_at", as: Int64.self)),
            updatedAt: LibraryClock.text(try row.decode(column: "updated_at", as: Int64.self)),
            deletedAt: try row.decode(column: "deleted_at", as: Int64?.self).map(LibraryClock.text),
            wordCount: try row.decode(column: "word_count", as: Int.self))
    }

    /// Deletes for good every story of the writer's trash, with its versions, answers and
    /// summaries.
    public func emptyTrash(writer: String) async throws(LibraryFailure) -> Int {
        try await change { db in
            let rows = try await db.raw("SELECT id FROM stories WHERE writer = \(bind: writer) AND deleted_at IS NOT NULL").all()
            let ids = try rows.map { try $0.decode(column: "id", as: String.self) }
            for id in ids {
                // Each table by hand rather than by cascade, so that the search index's own
                // trigger sees every entry go.
                for table in ["search_entries", "chapter_summaries", "story_conversations", "story_answers", "story_versions", "story_pieces"] {
                    try await db.raw("DELETE FROM \(ident: table) WHERE story_id = \(bind: id)").run()
                }
                try await db.raw("DELETE FROM stories WHERE id = \(bind: id)").run()
            }
            return ids.count
        }
    }

    // MARK: Versions

    /// The story's versions, newest first: at most `limit`, older than `before` when given, so
    /// that a story saved for years is read a page at a time.
    public func versions(_ id: String, writer: String, limit: Int = 100, before: Int? = nil) async throws(LibraryFailure) -> [StoryVersionInfo] {
        let story = try Self.storyID(id)
        let limit = max(1, min(limit, 1_000))
        return try await read { db in
            _ = try await Self.head(story, writer: writer, db)
            let rows = try await db.raw("""
                SELECT version, created_at, title, word_count, changes, restored_from FROM story_versions
                WHERE story_id = \(bind: story) AND version < \(bind: before ?? Int.max)
                ORDER BY version DESC LIMIT \(unsafeRaw: String(limit))
                """).all()
            return try rows.map { row in
                StoryVersionInfo(
                    version: try row.decode(column: "version", as: Int.self),
                    createdAt: LibraryClock.text(try row.decode(column: "created_at", as: Int64.self)),
                    title: try row.decode(column: "title", as: String.self), wordCount: try row.decode(column: "word_count", as: Int.self),
                    changes: try JSONDecoder().decode([StoryChange].self, from: Data(try row.decode(column: "changes", as: String.self).utf8)),
                    restoredFrom: try row.decode(column: "restored_from", as: Int?.self))
            }
        }
    }

    /// How chapter `chapter` changed from version `from` to version `to`.
    public func chapterDiff(_ id: String, writer: String, chapter: Int, from: Int, to: Int) async throws(LibraryFailure) -> ChapterDiff {
        let older = try await story(id, writer: writer, version: from)
        let newer = try await story(id, writer: writer, version: to)
        func text(_ story: StoredStory) -> String {
            let chapters = story.document.structuredContext.previousChapters ?? []
            return chapters.enumerated().first { ($0.element.number ?? $0.offset + 1) == chapter }?.element.content ?? ""
        }
        let old = text(older), new = text(newer)
        do {
            return try await Self.offThePool {
                ChapterDiff(
                    chapter: chapter, from: from, to: to, fromWordCount: StoryDocument.words(in: old),
                    toWordCount: StoryDocument.words(in: new), runs: TextDiff.runs(from: old, to: new))
            }
        } catch {
            throw failure(error)
        }
    }

    // MARK: Answers

    /// Keeps an operation's answer in the story's history and, for a chat, its turn in the
    /// conversation (`turn`), both or neither.
    public func recordAnswer(
        story id: String, writer: String, version: Int, operation: String, chapter: Int?, rater: String?, model: String,
        processingTime: Double, request: Data, result: Data, turn: KeptTurn? = nil
    ) async throws(LibraryFailure) -> String {
        let story = try Self.storyID(id)
        let answer = UUID().uuidString.lowercased()
        let now = LibraryClock.now()
        try await change { db in
            _ = try await Self.head(story, writer: writer, db, forUpdate: turn != nil)
            try await db.raw("""
                INSERT INTO story_answers (id, story_id, version, operation, chapter, rater, model, created_at, processing_time, request, result)
                VALUES (\(bind: answer), \(bind: story), \(bind: version), \(bind: operation), \(bind: chapter), \(bind: rater.map(Self.column)), \(bind: model),
                \(bind: now), \(bind: processingTime), \(bind: String(decoding: request, as: UTF8.self)),
                \(bind: String(decoding: result, as: UTF8.self)))
                """).run()
            if let turn { _ = try await Self.keep(turn, story: story, db, at: now) }
        }
        return answer
    }

    public struct AnswerFilter: Sendable {
        public var operation: String?
        public var chapter: Int?
        public var rater: String?
        public var limit: Int

        public init(operation: String? = nil, chapter: Int? = nil, rater: String? = nil, limit: Int = 100) {
            self.operation = operation
            self.chapter = chapter
            self.rater = rater
            self.limit = limit
        }
    }

    /// The story's answers, newest first.
    public func answers(_ id: String, writer: String, filter: AnswerFilter = .init()) async throws(LibraryFailure) -> [StoredAnswer] {
        let story = try Self.storyID(id)
        return try await read { db in
            _ = try await Self.head(story, writer: writer, db)
            var query = SQLQueryString("SELECT * FROM story_answers WHERE story_id = \(bind: story)")
            if let operation = filter.operation { query.appendInterpolation(unsafeRaw: " AND operation = "); query.appendInterpolation(bind: operation) }
            if let chapter = filter.chapter { query.appendInterpolation(unsafeRaw: " AND chapter = "); query.appendInterpolation(bind: chapter) }
            if let rater = filter.rater { query.appendInterpolation(unsafeRaw: " AND rater = "); query.appendInterpolation(bind: Self.column(rater)) }
            query.appendInterpolation(unsafeRaw: " ORDER BY created_at DESC, id LIMIT \(max(1, min(filter.limit, 1_000)))")
            return try await db.raw(query).all().map { row in
                func json(_ column: String) throws -> JSONValue {
                    try JSONDecoder().decode(JSONValue.self, from: Data(try row.decode(column: column, as: String.self).utf8))
                }
                return StoredAnswer(
                    id: try row.decode(column: "id", as: String.self), storyId: story, version: try row.decode(column: "version", as: Int.self),
                    operation: try row.decode(column: "operation", as: String.self), chapter: try row.decode(column: "chapter", as: Int?.self),
                    rater: try row.decode(column: "rater", as: String?.self), model: try row.decode(column: "model", as: String.self),
                    createdAt: LibraryClock.text(try row.decode(column: "created_at", as: Int64.self)),
                    processingTime: try row.decode(column: "processing_time", as: Double.self), request: try json("request"),
                    result: try json("result"))
            }
        }
    }

    // MARK: Chapter summaries

    /// Of `keys`, the summaries kept with the story, by key.
    public func chapterSummaries(story id: String, writer: String, keys: [String]) async throws(LibraryFailure) -> [String: String] {
        let story = try Self.storyID(id)
        guard !keys.isEmpty else { return [:] }
        return try await read { db in
            _ = try await Self.head(story, writer: writer, db)
            var found: [String: String] = [:]
            // In batches, within every database's limit on bound values.
            for batch in stride(from: 0, to: keys.count, by: 500).map({ Array(keys[$0..<min($0 + 500, keys.count)]) }) {
                let rows = try await db.raw("""
                    SELECT summary_key, summary FROM chapter_summaries
                    WHERE story_id = \(bind: story) AND summary_key IN (\(binds: batch))
                    """).all()
                for row in rows {
                    found[try row.decode(column: "summary_key", as: String.self)] = try row.decode(column: "summary", as: String.self)
                }
            }
            return found
        }
    }

    /// Keeps a chapter's summary with the story. A story keeps its newest summaries only
    /// (`mostChapterSummaries`): those of chapter texts long since edited go first.
    public func keepChapterSummary(story id: String, writer: String, key: String, summary: String) async throws(LibraryFailure) {
        let story = try Self.storyID(id)
        try await change { db in
            _ = try await Self.head(story, writer: writer, db)
            try await db.raw("""
                INSERT INTO chapter_summaries (story_id, summary_key, summary, created_at)
                VALUES (\(bind: story), \(bind: key), \(bind: summary), \(bind: LibraryClock.now()))
                ON CONFLICT (story_id, summary_key) DO UPDATE SET summary = excluded.summary, created_at = excluded.created_at
                """).run()
            try await db.raw("""
                DELETE FROM chapter_summaries WHERE story_id = \(bind: story) AND summary_key NOT IN (
                    SELECT summary_key FROM chapter_summaries WHERE story_id = \(bind: story)
                    ORDER BY created_at DESC, summary_key LIMIT \(unsafeRaw: "\(Self.mostChapterSummaries)"))
                """).run()
        }
    }

    /// Summaries kept per story: a long novel's chapters, with room for their edits.
    static let mostChapterSummaries = 2_000

    // MARK: Search

    /// The writer's best places for `text`, across every story outside the trash: places holding
    /// all its words, or with `anyWord` (a question) any of them.
    public func search(_ text: String, writer: String, limit: Int = 20, anyWord: Bool = false) async throws(LibraryFailure) -> [LibrarySearchHit] {
        let query = SearchQuery(text, anyWord: anyWord)
        guard !query.isEmpty else { return [] }
        let limit = max(1, min(limit, 100))
        let open = String(SnippetMarks.open), close = String(SnippetMarks.close)
        return try await read { [dialect = database.dialect] db in
            let rows: [any SQLRow]
            switch dialect {
            case .sqlite:
                // The best matches first, then snippets of those alone: a snippet for every match
                // of a common word would cost as much as reading the library.
                rows = try await db.raw("""
                    SELECT e.story_id, s.title, e.place, e.chapter, e.name,
                    snippet(search_text, 0, \(bind: open), \(bind: close), '…', 24) AS snippet
                    FROM search_text JOIN search_entries e ON e.id = search_text.rowid JOIN stories s ON s.id = e.story_id
                    WHERE search_text MATCH \(bind: query.fts5) AND search_text.rowid IN (
                        SELECT search_text.rowid FROM search_text JOIN search_entries e2 ON e2.id = search_text.rowid
                        JOIN stories s2 ON s2.id = e2.story_id
                        WHERE search_text MATCH \(bind: query.fts5) AND s2.writer = \(bind: writer) AND s2.deleted_at IS NULL
                        ORDER BY bm25(search_text) LIMIT \(unsafeRaw: String(limit)))
                    ORDER BY bm25(search_text)
                    """).all()
            case .postgres:
                rows = try await db.raw("""
                    SELECT e.story_id, s.title, e.place, e.chapter, e.name,
                    ts_headline('simple', e.text, q, \(bind: "StartSel=\(open), StopSel=\(close), MaxWords=35, MinWords=15, MaxFragments=1, FragmentDelimiter=…")) AS snippet
                    FROM search_entries e JOIN stories s ON s.id = e.story_id, to_tsquery('simple', \(bind: query.tsquery)) q
                    WHERE e.words @@ q AND s.writer = \(bind: writer) AND s.deleted_at IS NULL
                    ORDER BY ts_rank_cd(e.words, q) DESC LIMIT \(unsafeRaw: String(limit))
                    """).all()
            }
            // The score is the place in the ranking: the databases' own scores weigh a word by how
            // rare it is across every writer's stories, which would tell one writer of another's.
            return try rows.enumerated().map { rank, row in
                let marked = try row.decode(column: "snippet", as: String.self)
                let fragments = SnippetMarks.fragments(marked).map { SnippetFragment(text: $0.text, match: $0.match) }
                return LibrarySearchHit(
                    storyId: try row.decode(column: "story_id", as: String.self), title: try row.decode(column: "title", as: String.self),
                    place: LibrarySearchHit.Place(rawValue: try row.decode(column: "place", as: String.self)) ?? .chapter,
                    chapter: try row.decode(column: "chapter", as: Int?.self), name: try row.decode(column: "name", as: String?.self),
                    snippet: fragments.map(\.text).joined(), fragments: fragments, score: 1 / Double(rank + 1))
            }
        }
    }

    // MARK: Plumbing

    /// Text for a column that lists or searches (a title, an indexed chapter): PostgreSQL's text
    /// cannot hold NUL, so it shows as U+FFFD there, on both databases alike. The story itself is
    /// kept in JSON pieces, where NUL is escaped, and comes back byte for byte.
    static func column(_ text: String) -> String {
        text.contains("\u{0}") ? text.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : text
    }

    /// A story id is a UUID; anything else names no story, without asking the database.
    static func storyID(_ id: String) throws(LibraryFailure) -> String {
        guard let uuid = UUID(uuidString: id) else { throw .notFound("No story has the id '\(id.prefix(64))'.") }
        return uuid.uuidString.lowercased()
    }

    private static func cut(_ document: StoryDocument) async throws(LibraryFailure) -> StoryPieces {
        do {
            return try await offThePool { try StoryPieces(document) }
        } catch {
            throw .corrupt("the story could not be encoded")
        }
    }

    /// CPU work on a whole story (cutting and hashing it, putting it together again, comparing
    /// chapters) runs on NIO's thread pool: a multi-megabyte novel must not hold up the
    /// cooperative pool that serves every other request.
    static func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(work)
    }

    /// The story's row; with `forUpdate`, locked to the end of the transaction on PostgreSQL, so
    /// that two replicas saving one story at once take turns (SQLite's write lock already does).
    static func head(_ story: String, writer: String, _ db: any SQLDatabase, forUpdate: Bool = false) async throws -> Head {
        let lock = forUpdate && db.dialect.name == "postgresql" ? " FOR UPDATE" : ""
        guard let row = try await db.raw("""
            SELECT version, created_at, updated_at, deleted_at FROM stories WHERE id = \(bind: story) AND writer = \(bind: writer)\(unsafeRaw: lock)
            """).first()
        else { throw LibraryFailure.notFound("No story has the id '\(story)'.") }
        return Head(
            id: story, version: try row.decode(column: "version", as: Int.self), createdAt: try row.decode(column: "created_at", as: Int64.self),
            updatedAt: try row.decode(column: "updated_at", as: Int64.self), deletedAt: try row.decode(column: "deleted_at", as: Int64?.self))
    }

    private static func manifest(_ story: String, version: Int, _ db: any SQLDatabase) async throws -> (StoryManifest, Int64)? {
        guard let row = try await db.raw("""
            SELECT manifest, created_at FROM story_versions WHERE story_id = \(bind: story) AND version = \(bind: version)
            """).first()
        else { return nil }
        let manifest = try JSONDecoder().decode(StoryManifest.self, from: Data(try row.decode(column: "manifest", as: String.self).utf8))
        return (manifest, try row.decode(column: "created_at", as: Int64.self))
    }

    /// The content of every piece the manifest names.
    private static func contents(of manifest: StoryManifest, story: String, _ db: any SQLDatabase) async throws -> [String: String] {
        let wanted = Array(manifest.pieces)
        var contents: [String: String] = [:]
        // In slices, within every database's limit on bound values.
        for start in stride(from: 0, to: wanted.count, by: 500) {
            let slice = wanted[start..<min(start + 500, wanted.count)].map { $0 as any Encodable & Sendable }
            let rows = try await db.raw("""
                SELECT hash, content FROM story_pieces WHERE story_id = \(bind: story) AND hash IN (\(binds: slice))
                """).all()
            for row in rows {
                contents[try row.decode(column: "hash", as: String.self)] = try row.decode(column: "content", as: String.self)
            }
        }
        return contents
    }

    /// Writes a version: the pieces the previous one did not have, the manifest, what changed, and
    /// the search index's changed places.
    private static func write(
        _ pieces: StoryPieces, previous: StoryManifest?, story: String, version: Int, at time: Int64, restoredFrom: Int?,
        document: StoryDocument, _ db: any SQLDatabase
    ) async throws {
        let known = previous?.pieces ?? []
        for (hash, content) in pieces.contents where !known.contains(hash) {
            try await db.raw("""
                INSERT INTO story_pieces (story_id, hash, content) VALUES (\(bind: story), \(bind: hash), \(bind: content))
                ON CONFLICT DO NOTHING
                """).run()
        }
        let changes = String(decoding: try JSONEncoder().encode(StoryChanges.between(previous, pieces.manifest)), as: UTF8.self)
        let manifest = String(decoding: try StoryPieces.encoder.encode(pieces.manifest), as: UTF8.self)
        try await db.raw("""
            INSERT INTO story_versions (story_id, version, created_at, title, word_count, manifest, changes, restored_from)
            VALUES (\(bind: story), \(bind: version), \(bind: time), \(bind: Self.column(pieces.manifest.title)), \(bind: pieces.manifest.wordCount),
            \(bind: manifest), \(bind: changes), \(bind: restoredFrom))
            """).run()

        let entries = SearchEntry.entries(of: document, manifest: pieces.manifest)
        let wanted = Set(entries.map(\.key))
        let indexed = try await db.raw("SELECT id, entry_key FROM search_entries WHERE story_id = \(bind: story)").all()
        var present = Set<String>()
        for row in indexed {
            let key = try row.decode(column: "entry_key", as: String.self)
            if wanted.contains(key) {
                present.insert(key)
            } else {
                try await db.raw("DELETE FROM search_entries WHERE id = \(bind: try row.decode(column: "id", as: Int64.self))").run()
            }
        }
        for entry in entries where !present.contains(entry.key) {
            try await db.raw("""
                INSERT INTO search_entries (story_id, entry_key, place, chapter, name, text)
                VALUES (\(bind: story), \(bind: entry.key), \(bind: entry.place.rawValue), \(bind: entry.chapter), \(bind: entry.name.map(Self.column)),
                \(bind: Self.column(entry.text)))
                """).run()
        }
    }

    /// Runs a read, mapping the database's failures to the library's.
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws(LibraryFailure) -> T {
        do {
            return try await database.withConnection(body)
        } catch {
            throw failure(error)
        }
    }

    /// Runs a change in one transaction, mapping the database's failures to the library's.
    func change<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws(LibraryFailure) -> T {
        do {
            let result = try await database.transaction(body)
            health.problem = nil
            return result
        } catch {
            let failure = failure(error)
            // What the machine did (a full disk, a read-only file) is for /health to say; a
            // statement that failed on one request's data is that request's alone.
            if case .unavailable(let reason) = failure, reason != Self.genericReason { health.problem = reason }
            throw failure
        }
    }

    private func failure(_ error: any Error) -> LibraryFailure {
        if let failure = error as? LibraryFailure { return failure }
        logger.error("The library's database failed", metadata: ["error": "\(String(reflecting: error))"])
        return .unavailable(Self.reason(error))
    }

    /// What a client may be told of a database failure: the kind, never a path or a statement.
    public static func reason(_ error: any Error) -> String {
        if case .unavailable(let reason)? = error as? LibraryFailure { return reason }
        let text = "\(error)".lowercased()
        if text.contains("full") { return "the disk holding the library is full" }
        if text.contains("readonly") || text.contains("read-only") || text.contains("read only") { return "the library is read-only" }
        if text.contains("unable to open") || text.contains("cantopen") { return "the library's database cannot be opened" }
        if text.contains("locked") || text.contains("busy") { return "the library is busy" }
        return genericReason
    }

    static let genericReason = "the library's database failed"
}

/// The library's last failure to change, shared by every copy of the library value.
private final class LibraryProblems: Sendable {
    private let state = Mutex<String?>(nil)

    var problem: String? {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}
