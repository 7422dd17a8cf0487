import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import WriterAssistantAPI
import WriterAssistantCore
import WriterAssistantHTTP
import WriterAssistantTestSupport
@testable import WriterAssistantHTTP

/// What many clients at once can hold of the server: the bodies it reads and decodes, and its
/// connections, are bounded; the excess is refused with a status at once, and the server goes on.
@Suite struct ResourceLimitTests {
    @Test func theBodyLedgerHoldsWhatFitsAndALoneLargeBody() {
        var ledger = BodyLedger(limit: 100)
        let (first, second, third) = (ledger.reserve(60), ledger.reserve(50), ledger.reserve(40))
        #expect(first && !second && third, "110 bytes do not fit in 100; 100 do")
        ledger.release(60)
        ledger.release(40)
        #expect(ledger.reserved == 0)
        let (alone, beside) = (ledger.reserve(500), ledger.reserve(1))
        #expect(alone && !beside, "a body larger than the budget is read when it is alone, and alone")
    }

    /// Before: every body was read as it came, so a few hundred clients each sending the largest
    /// body allowed held gigabytes at once.
    @Test func aBodyThatDoesNotFitBesideThoseBeingReadIsRefusedUntilThereIsRoom() async throws {
        let configuration = ServerConfiguration(maxBodySize: 1 << 20, maxBodyMemory: 1 << 20)
        try await TestServer.with(host: ModelHost(.ready(ScriptedModel(script: .wellFormed()))), configuration: configuration) { server in
            // A client that declared a large body and sends it slowly holds the budget.
            var slow: RawConnection? = try RawConnection(port: server.port)
            slow?.sendAll("POST /api/v1/rater-feedback HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: 1048576\r\n\r\n{\"raterPrompt\": \"")
            let body = ByteBuffer(string: #"{"raterPrompt": "x", "plotPoint": "y"}"#)
            var refused: HTTPClientResponse?
            for _ in 0..<50 {
                let response = try await server.post("/api/v1/rater-feedback", body: body)
                if response.status == .serviceUnavailable {
                    refused = response
                    break
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            let response = try #require(refused, "a second body was read beside one holding the whole budget")
            #expect(response.headers.first(name: "Retry-After") == "1")
            #expect(try await response.decode(ErrorResponse.self).errorCode == .serverBusy)
            // The slow client leaves: its reservation goes with it.
            slow = nil
            var answered = false
            for _ in 0..<100 where !answered {
                answered = try await server.post("/api/v1/rater-feedback", body: body).status == .ok
                if !answered { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(answered, "the budget was not given back when the client left")
        }
    }

    @Test func aConnectionBeyondTheLimitIsAnswered503AndTheServerGoesOn() async throws {
        let configuration = ServerConfiguration(maxConnections: 3)
        try await TestServer.with(host: ModelHost(.ready(ScriptedModel(script: .wellFormed()))), configuration: configuration) { server in
            var held = try (0..<3).map { _ in try RawConnection(port: server.port) }
            // Each served once (and kept alive), so all three are surely counted before the next.
            for connection in held {
                connection.sendAll("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                #expect(await connection.receive(waiting: .seconds(5)).hasPrefix("HTTP/1.1 200"))
            }
            let extra = try RawConnection(port: server.port)
            extra.sendAll("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let refusal = await extra.receive(waiting: .seconds(5))
            #expect(refusal.hasPrefix("HTTP/1.1 503"), "\(refusal)")
            #expect(refusal.contains("SERVER_BUSY"))
            // One of the held connections closes: a new one is served.
            held.removeFirst()
            var served = false
            for _ in 0..<100 where !served {
                let next = try RawConnection(port: server.port)
                next.sendAll("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                served = await next.receive(waiting: .seconds(5)).hasPrefix("HTTP/1.1 200")
                if !served { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(served)
            withExtendedLifetime(held) {}
        }
    }
}
