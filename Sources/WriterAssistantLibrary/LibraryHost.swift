import Synchronization

/// Where the library is in its life: the server answers from its first second, and keeps serving
/// operations that carry their story when the library cannot be opened.
public enum LibraryStatus: Sendable {
    case off
    case opening
    case ready(StoryLibrary)
    case failed(reason: String)
}

/// The one place that knows whether the library can serve requests right now.
public final class LibraryHost: Sendable {
    private let state: Mutex<LibraryStatus>

    public init(_ status: LibraryStatus = .off) {
        state = Mutex(status)
    }

    public var status: LibraryStatus {
        state.withLock { $0 }
    }

    public func update(_ status: LibraryStatus) {
        state.withLock { $0 = status }
    }

    /// The library, or why there is none.
    public func readyLibrary() throws(LibraryFailure) -> StoryLibrary {
        switch status {
        case .ready(let library): return library
        case .off: throw .unavailable("this server keeps no library")
        case .opening: throw .unavailable("the library is still opening")
        case .failed(let reason): throw .unavailable(reason)
        }
    }
}
