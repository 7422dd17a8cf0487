/// Which upstream of a pool a generation goes to, and where it goes next if that one cannot take
/// it: a plain decision over what the pool knows, kept apart from the HTTP that carries it out.
///
/// Story-aware routing ranks the upstreams by rendezvous hashing of the story's key with each
/// upstream's address, so that every rater of one story, and later requests on it, go to the
/// same upstream, whose prefix cache already holds the story. The hash is the same in every
/// process (not Swift's seeded `Hasher`), so replicas of the server that list the same upstreams,
/// in any order and spelt alike, rank them alike without talking to each other; removing one
/// upstream moves only the stories it held.
public struct UpstreamRouter: Sendable {
    public enum Policy: String, Sendable, CaseIterable {
        /// One story to one upstream, overflowing to the next when it is saturated or down.
        case story
        /// Each generation to the next upstream in turn, as a load balancer without affinity
        /// would: the comparison the benchmark measures story-aware routing against.
        case roundRobin = "round-robin"
    }

    /// What the pool knows of one upstream when a generation arrives.
    public struct Upstream: Sendable, Equatable {
        /// Its address, the same in every replica's configuration.
        public var address: String
        public var isUp: Bool
        /// Generations sent to it and not yet finished.
        public var inFlight: Int
        /// Generations it serves at once; more wait, up to `queueLimit`.
        public var parallel: Int
        public var queueLimit: Int

        public init(address: String, isUp: Bool = true, inFlight: Int = 0, parallel: Int, queueLimit: Int) {
            self.address = address
            self.isUp = isUp
            self.inFlight = inFlight
            self.parallel = parallel
            self.queueLimit = queueLimit
        }

        var isSaturated: Bool { inFlight >= parallel }
        var isFull: Bool { inFlight >= parallel + queueLimit }
    }

    public var policy: Policy

    public init(policy: Policy = .story) {
        self.policy = policy
    }

    /// The upstreams to try, best first; empty when every one is full.
    ///
    /// First those up with a free place, in the story's order (or, for round-robin, starting at
    /// `turn`); then those up whose places are taken but whose queue has room, the least loaded
    /// first; last those down, whose failure may be over (a refused connection costs little).
    public func order(key: String, turn: Int = 0, _ upstreams: [Upstream]) -> [Int] {
        let ranked: [Int]
        switch policy {
        case .story:
            let scores = upstreams.map { Self.score(key, $0.address) }
            ranked = upstreams.indices.sorted { a, b in
                scores[a] != scores[b] ? scores[a] > scores[b] : upstreams[a].address < upstreams[b].address
            }
        case .roundRobin:
            let count = upstreams.count
            ranked = count == 0 ? [] : (0..<count).map { (($0 + turn) % count + count) % count }
        }
        let free = ranked.filter { upstreams[$0].isUp && !upstreams[$0].isSaturated }
        let queued = ranked.filter { upstreams[$0].isUp && upstreams[$0].isSaturated && !upstreams[$0].isFull }
            .enumerated().sorted { a, b in
                let (left, right) = (upstreams[a.element].inFlight, upstreams[b.element].inFlight)
                return left != right ? left < right : a.offset < b.offset
            }.map(\.element)
        let down = ranked.filter { !upstreams[$0].isUp && !upstreams[$0].isFull }
        return free + queued + down
    }

    /// The rendezvous weight of an upstream for a key: FNV-1a over both, then a 64-bit finalizer
    /// so that addresses differing in one digit spread apart.
    static func score(_ key: String, _ address: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        hash = (hash ^ 0xff) &* 0x100_0000_01b3
        for byte in address.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        hash ^= hash >> 33
        hash &*= 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        hash &*= 0xc4ce_b9fe_1a85_ec53
        hash ^= hash >> 33
        return hash
    }
}
