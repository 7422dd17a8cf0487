public import WriterAssistantAPI

/// Why the library could not do what it was asked.
public enum LibraryFailure: Error, Sendable {
    /// No story of this writer has the id (or the version): another writer's is not found either.
    case notFound(String)
    /// The story has no conversation of that name.
    case conversationNotFound(String)
    /// The story was saved since the version the client read; nothing was changed.
    case versionConflict(current: StoredStory)
    /// The story is in the trash: restore it before changing it.
    case inTrash
    /// What the library holds cannot be read back.
    case corrupt(String)
    /// The database failed or is out of reach: not there, read-only, full.
    case unavailable(String)
}
