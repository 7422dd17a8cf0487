import Testing
@testable import RemoteEngine

/// When the pool takes an upstream out and brings it back: a plain state, tested without a peer.
@Suite struct UpstreamHealthTests {
    @Test func anUpstreamIsTakenOutByARefusedConnectionAtOnceAndByTwoMissedChecks() {
        var health = UpstreamHealth()
        health.missedCheck("slow")
        #expect(health.isUp, "one slow answer while reading a long story is no outage")
        health.missedCheck("HTTP 503")
        #expect(!health.isUp)
        #expect(health.reason == "HTTP 503")
        health.answered()
        #expect(health.isUp && health.reason == nil)
        health.unreachable("connection refused")
        #expect(!health.isUp && health.reason == "connection refused")
        health.answered()
        health.missedCheck("slow")
        #expect(health.isUp, "an answer starts the count again")
    }
}
