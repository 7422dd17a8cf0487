import Testing
@testable import RemoteEngine

/// Where the pool sends a generation: a plain decision, tested without any peer.
@Suite struct UpstreamRouterTests {
    static let addresses = ["http://gpu-a:8000/v1", "http://gpu-b:8000/v1", "http://gpu-c:8000/v1"]

    static func upstreams(_ addresses: [String] = addresses, parallel: Int = 2, queueLimit: Int = 2) -> [UpstreamRouter.Upstream] {
        addresses.map { UpstreamRouter.Upstream(address: $0, parallel: parallel, queueLimit: queueLimit) }
    }

    static func first(_ key: String, _ upstreams: [UpstreamRouter.Upstream], router: UpstreamRouter = .init()) -> String? {
        router.order(key: key, upstreams).first.map { upstreams[$0].address }
    }

    @Test func aStoryGoesToTheSameUpstreamInEveryReplicaWhateverOrderItListsThem() {
        let router = UpstreamRouter()
        for story in 0..<50 {
            let key = "story \(story)"
            let forward = Self.first(key, Self.upstreams(), router: router)
            #expect(Self.first(key, Self.upstreams(Self.addresses.reversed()), router: router) == forward)
            #expect(Self.first(key, Self.upstreams([Self.addresses[1], Self.addresses[2], Self.addresses[0]]), router: router) == forward)
        }
    }

    @Test func storiesSpreadOverTheUpstreams() {
        var counts: [String: Int] = [:]
        for story in 0..<3_000 {
            counts[Self.first("The story numbered \(story), chapter one.", Self.upstreams()) ?? "", default: 0] += 1
        }
        #expect(counts.count == 3)
        #expect(counts.values.allSatisfy { (800...1_200).contains($0) }, "\(counts)")
    }

    @Test func removingAnUpstreamMovesOnlyTheStoriesItHeld() {
        let all = Self.upstreams()
        let fewer = Self.upstreams(Array(Self.addresses.dropLast()))
        for story in 0..<500 {
            let key = "story \(story)"
            guard let before = Self.first(key, all) else { Issue.record("no order"); return }
            if before != Self.addresses[2] {
                #expect(Self.first(key, fewer) == before)
            }
        }
    }

    @Test func aSaturatedUpstreamOverflowsToTheNextAndTheLeastLoadedQueues() {
        var upstreams = Self.upstreams()
        let key = "the lighthouse story"
        let ranked = UpstreamRouter().order(key: key, upstreams)
        #expect(ranked.count == 3)

        upstreams[ranked[0]].inFlight = 2  // saturated: its two places are taken
        #expect(UpstreamRouter().order(key: key, upstreams) == [ranked[1], ranked[2], ranked[0]])

        for index in upstreams.indices { upstreams[index].inFlight = 2 }
        upstreams[ranked[2]].inFlight = 3
        upstreams[ranked[1]].inFlight = 4  // full: two served, two waiting
        #expect(UpstreamRouter().order(key: key, upstreams) == [ranked[0], ranked[2]], "the least waiting first; none beyond its queue")

        for index in upstreams.indices { upstreams[index].inFlight = 4 }
        #expect(UpstreamRouter().order(key: key, upstreams).isEmpty)
    }

    @Test func anUpstreamThatIsDownIsTriedLast() {
        var upstreams = Self.upstreams()
        let key = "the mill story"
        let ranked = UpstreamRouter().order(key: key, upstreams)
        upstreams[ranked[0]].isUp = false
        #expect(UpstreamRouter().order(key: key, upstreams) == [ranked[1], ranked[2], ranked[0]])
        for index in upstreams.indices { upstreams[index].isUp = false }
        #expect(UpstreamRouter().order(key: key, upstreams) == ranked, "with every one down, each is still worth a try")
    }

    @Test func roundRobinTakesTurnsWhateverTheStory() {
        let router = UpstreamRouter(policy: .roundRobin)
        let firsts = (0..<6).map { router.order(key: "one story", turn: $0, Self.upstreams()).first }
        #expect(firsts == [0, 1, 2, 0, 1, 2])
    }
}
