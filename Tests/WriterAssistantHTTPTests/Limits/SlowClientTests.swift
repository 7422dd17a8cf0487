import AsyncHTTPClient
import Foundation
import NIOHTTP1
import Testing
import WriterAssistantCore
import WriterAssistantHTTP
import WriterAssistantTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP connection to the test server, for clients no HTTP library would imitate. Its
/// blocking calls run on a thread of their own, never on the cooperative pool.
final class RawConnection: @unchecked Sendable {
    private let socket: Int32

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    deinit { close(socket) }

    /// Sends `text` a byte every `interval` until it is sent or the server closes; returns how
    /// long the server kept the connection, or nil when all was sent.
    func trickle(_ text: String, every interval: Duration) async -> Duration? {
        await withCheckedContinuation { continuation in
            Thread {
                let started = ContinuousClock.now
                for byte in Array(text.utf8) {
                    if self.closedByPeer(waiting: interval) {
                        return continuation.resume(returning: ContinuousClock.now - started)
                    }
                    var byte = byte
                    _ = Glibc.send(self.socket, &byte, 1, Int32(MSG_NOSIGNAL))
                }
                continuation.resume(returning: nil)
            }.start()
        }
    }

    /// Sends all of `text` at once and reads nothing back.
    func sendAll(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// What the server sends within `interval` (up to 64 KiB), read on a thread of its own.
    func receive(waiting interval: Duration) async -> String {
        await withCheckedContinuation { continuation in
            Thread {
                var received: [UInt8] = []
                let deadline = ContinuousClock.now + interval
                while ContinuousClock.now < deadline, received.count < 1 << 16 {
                    var descriptor = pollfd(fd: self.socket, events: Int16(POLLIN), revents: 0)
                    guard poll(&descriptor, 1, 50) > 0 else { continue }
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    let count = recv(self.socket, &buffer, buffer.count, 0)
                    guard count > 0 else { break }
                    received += buffer.prefix(count)
                    if String(decoding: received, as: UTF8.self).contains("\r\n\r\n") { break }
                }
                continuation.resume(returning: String(decoding: received, as: UTF8.self))
            }.start()
        }
    }

    /// Waits up to `interval` for the peer to close.
    private func closedByPeer(waiting interval: Duration) -> Bool {
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(interval.components.seconds * 1000 + interval.components.attoseconds / 1_000_000_000_000_000)
        guard poll(&descriptor, 1, milliseconds) > 0 else { return false }
        var buffer = [UInt8](repeating: 0, count: 4096)
        return recv(socket, &buffer, buffer.count, 0) <= 0
    }
}

@Suite struct SlowClientTests {
    /// A client that sends its request a byte at a time cannot hold a connection: the whole
    /// request must arrive within the read timeout, however often single bytes come.
    @Test func aClientTricklingItsRequestIsCutOff() async throws {
        let model = ScriptedModel(script: .wellFormed())
        var configuration = ServerConfiguration()
        configuration.requestReadTimeout = .seconds(1)
        try await TestServer.with(host: ModelHost(.ready(model)), configuration: configuration) { server in
            let connection = try RawConnection(port: server.port)
            let request = "POST /api/v1/rater-feedback HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: 60\r\n\r\n" + String(repeating: " ", count: 60)
            let kept = try #require(await connection.trickle(request, every: .milliseconds(50)))
            #expect(kept >= .milliseconds(900) && kept < .seconds(3))
            #expect(model.observed.started == 0)
            #expect(try await server.get("/health").status == .ok)
        }
    }

    /// An answer sent before its request was read in full (an early error) does not switch the
    /// deadline off for the next request on the same connection.
    @Test func theDeadlineHoldsAfterAnEarlyAnswer() async throws {
        let model = ScriptedModel(script: .wellFormed())
        var configuration = ServerConfiguration()
        configuration.requestReadTimeout = .seconds(1)
        try await TestServer.with(host: ModelHost(.ready(model)), configuration: configuration) { server in
            let connection = try RawConnection(port: server.port)
            // Refused (415) before its body is read; then a second request that trickles.
            let first = "POST /api/v1/rater-feedback HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n"
                + "Content-Length: 2\r\n\r\nab"
            #expect(await connection.trickle(first, every: .zero) == nil)
            try await Task.sleep(for: .milliseconds(200))
            let second = "GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + String(repeating: "z", count: 200) + "\r\n\r\n"
            let kept = try #require(await connection.trickle(second, every: .milliseconds(50)))
            #expect(kept < .seconds(3))
        }
    }
}
