/// Where the engine spills stories that leave its cache pool, and how much room they may take.
public struct StoryCacheSettings: Sendable, Equatable {
    /// The cache's root; each model (and cache layout) gets a directory of its own inside it.
    public var directory: String
    /// Bytes one model's entries may take together; least recently used entries go first.
    public var sizeLimit: Int

    public init(directory: String, sizeLimit: Int) {
        self.directory = directory
        self.sizeLimit = sizeLimit
    }
}
