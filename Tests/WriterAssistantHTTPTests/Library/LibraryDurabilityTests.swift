import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import WriterAssistantAPI
import WriterAssistantCore
import WriterAssistantHTTP
import WriterAssistantLibrary
import WriterAssistantTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Nothing a writer was told is saved is lost: not to a crash, a full disk or a read-only file.
@Suite(.serialized) struct LibraryDurabilityTests {
    /// The server killed with SIGKILL while a client saves as fast as it can, eight times over:
    /// after each restart the story opens at the last version the client was told of (or one
    /// whose answer the kill cut off), with that version's text, and no version is missing.
    @Test func killNineDuringSavesLosesNoAcknowledgedSave() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("library-kill-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("library.sqlite").path
        var storyID: String?
        var acknowledged: StoredStory?
        for cycle in 0..<8 {
            let server = try await LibraryServer.start(libraryPath: path)
            if let storyID, let told = acknowledged {
                let opened = try await server.story(storyID)
                #expect(opened.version >= told.version, "cycle \(cycle)")
                if opened.version == told.version { #expect(opened.document == told.document, "cycle \(cycle)") }
                let versions = try await server.versions(storyID)
                #expect(versions == Array((1...opened.version).reversed()), "cycle \(cycle)")
                acknowledged = opened
            } else {
                let created = try await server.create(StoryDocument(title: "Durable", structuredContext: StructuredContext(
                    previousChapters: [Chapter(number: 1, content: "It began.")])))
                storyID = created.id
                acknowledged = created
            }
            guard let id = storyID, var current = acknowledged else { return }
            // Saves until the kill: each acknowledged one is remembered.
            let deadline = ContinuousClock.now + .milliseconds(150 + 70 * cycle)
            let killer = Task {
                try await Task.sleep(until: deadline)
                server.kill()
            }
            var saves = 0
            while true {
                var next = current.document
                next.structuredContext.previousChapters?[0].content += " Save \(cycle).\(saves)."
                guard let saved = try? await server.save(id, next, expecting: current.version) else { break }
                current = saved
                acknowledged = saved
                saves += 1
            }
            _ = try? await killer.value
            #expect(saves > 0, "cycle \(cycle) saved nothing before the kill")
        }
    }

    /// A disk that fills: the save that does not fit is refused with a reason, nothing of it is
    /// kept, what was saved before still opens, /health says why, and operations that carry their
    /// story still work.
    @Test(.enabled(if: SmallDisk.canMount, "mounting a small tmpfs needs root"))
    func aFullDiskRefusesTheSaveAndKeepsEverythingElse() async throws {
        try await SmallDisk.with(megabytes: 2) { folder in
            let library = LibraryHost()
            let opener = LibraryService(host: library, logger: TestServer.quietLogger) {
                try await StoryLibrary.connect(.sqlite(path: folder + "/library.sqlite"), logger: TestServer.quietLogger)
            }
            let host = ModelHost(.ready(ScriptedModel(script: .wellFormed())))
            try await TestServer.with(host: host, library: library, libraryOpener: opener) { server in
                try await LibraryServer.waitUntilReady(library)
                let first = try await server.send(.POST, "/api/v1/stories", json: #"{"title": "Small"}"#)
                #expect(first.status == .created)
                let small = try JSONDecoder().decode(StoredStory.self, from: try await first.bodyData())
                let page = String(repeating: "The tide came in over the salt flats. ", count: 2_000)
                var refusal: HTTPClientResponse?
                for index in 0..<40 {
                    let body = #"{"title": "Big \#(index)", "structured_context": {"previousChapters": [{"content": "\#(page) \#(index)"}]}}"#
                    let response = try await server.send(.POST, "/api/v1/stories", json: body)
                    if response.status != .created {
                        refusal = response
                        break
                    }
                }
                let refused = try #require(refusal, "the disk never filled")
                #expect(refused.status == .serviceUnavailable)
                let error = try JSONDecoder().decode(ErrorResponse.self, from: try await refused.bodyData())
                #expect(error.errorCode == .libraryNotAvailable)
                #expect(error.detail.contains("full"), "\(error.detail)")
                let health = try JSONDecoder().decode(HealthStatus.self, from: try await server.get("/health").bodyData())
                #expect(health.library?.error?.contains("full") == true)

                let reopened = try await server.get("/api/v1/stories/\(small.id)")
                #expect(reopened.status == .ok)
                let titles = try JSONDecoder().decode(StoryList.self, from: try await server.get("/api/v1/stories").bodyData()).stories.map(\.title)
                #expect(titles.contains("Small"))
                let request = RaterFeedbackRequest(raterPrompt: "Judge.", plotPoint: "P.", structuredContext: StructuredContext())
                #expect(try await server.post("/api/v1/rater-feedback", json: request).status == .ok)
            }
        }
    }

    /// A library on a read-only file system (a remount under a running server is refused while
    /// it has the files open, so the server starts on it): the server says why it cannot keep
    /// stories, refuses saves with that reason, and operations that carry their story still work.
    @Test(.enabled(if: SmallDisk.canMount, "mounting a small tmpfs needs root"))
    func aReadOnlyLibraryRefusesSavesWithAReason() async throws {
        try await SmallDisk.with(megabytes: 8) { folder in
            let path = folder + "/library.sqlite"
            let writable = try await StoryLibrary.openSQLite(path: path, logger: TestServer.quietLogger)
            let story = try await writable.create(StoryDocument(title: "Kept"), writer: "local")
            await writable.close()
            try SmallDisk.remount(folder, readOnly: true)
            defer { try? SmallDisk.remount(folder, readOnly: false) }

            let library = LibraryHost()
            let opener = LibraryService(host: library, logger: TestServer.quietLogger) {
                try await StoryLibrary.connect(.sqlite(path: path), logger: TestServer.quietLogger)
            }
            let host = ModelHost(.ready(ScriptedModel(script: .wellFormed())))
            try await TestServer.with(host: host, library: library, libraryOpener: opener) { server in
                for _ in 0..<1_000 where { if case .opening = library.status { true } else if case .off = library.status { true } else { false } }() {
                    try await Task.sleep(for: .milliseconds(20))
                }
                let save = try await server.send(.PUT, "/api/v1/stories/\(story.id)", json: #"{"title": "Changed"}"#)
                #expect(save.status == .serviceUnavailable)
                let error = try JSONDecoder().decode(ErrorResponse.self, from: try await save.bodyData())
                #expect(error.errorCode == .libraryNotAvailable)
                let health = try JSONDecoder().decode(HealthStatus.self, from: try await server.get("/health").bodyData())
                let reason = try #require(health.library?.error, "/health gives no reason")
                #expect(error.detail.contains(reason), "\(error.detail) / \(reason)")
                #expect(reason.contains("read-only") || reason.contains("cannot be opened"), "\(reason)")
                let request = RaterFeedbackRequest(raterPrompt: "Judge.", plotPoint: "P.", structuredContext: StructuredContext())
                #expect(try await server.post("/api/v1/rater-feedback", json: request).status == .ok)
            }
        }
    }
}

/// A real `writer-assistant serve` process with a library and no model, for killing.
struct LibraryServer {
    let process: Process
    let port: Int
    var baseURL: String { "http://127.0.0.1:\(port)" }

    static let executable: String = {
        PackagePaths.root.appendingPathComponent(".build/debug/writer-assistant").path
    }()

    static func start(libraryPath: String) async throws -> LibraryServer {
        let port = try freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["serve", "--port", String(port), "--library-path", libraryPath, "--no-disk-cache", "--log-level", "error"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let server = LibraryServer(process: process, port: port)
        for _ in 0..<300 {
            if let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: server.baseURL + "/health"), timeout: .seconds(2)),
                let health = try? JSONDecoder().decode(HealthStatus.self, from: try await response.bodyData()), health.library?.available == true
            {
                return server
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        server.kill()
        throw CancellationError()
    }

    /// SIGKILL: no shutdown, no flush, nothing.
    func kill() {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func create(_ document: StoryDocument) async throws -> StoredStory {
        try await call(.POST, "/api/v1/stories", body: document, headers: [], expecting: .created)
    }

    func save(_ id: String, _ document: StoryDocument, expecting version: Int) async throws -> StoredStory {
        try await call(.PUT, "/api/v1/stories/\(id)", body: document, headers: [("If-Match", "\"v\(version)\"")], expecting: .ok)
    }

    func story(_ id: String) async throws -> StoredStory {
        try await call(.GET, "/api/v1/stories/\(id)", body: Optional<String>.none, headers: [], expecting: .ok)
    }

    func versions(_ id: String) async throws -> [Int] {
        let list: StoryVersionList = try await call(.GET, "/api/v1/stories/\(id)/versions?limit=1000", body: Optional<String>.none, headers: [], expecting: .ok)
        return list.versions.map(\.version)
    }

    private func call<T: Decodable>(
        _ method: HTTPMethod, _ path: String, body: (some Encodable)?, headers: [(String, String)], expecting status: HTTPResponseStatus
    ) async throws -> T {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let data = try await response.bodyData()
        guard response.status == status else { throw CancellationError() }
        return try JSONDecoder().decode(T.self, from: data)
    }

    static func waitUntilReady(_ library: LibraryHost) async throws {
        for _ in 0..<250 {
            if case .ready = library.status { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("the library did not open")
    }

    /// A loopback port nobody is listening on right now.
    static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw CancellationError() }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A small tmpfs, mounted for one test: the only honest way to fill a disk or make one read-only
/// under a running server (as root, file permissions stop nothing).
enum SmallDisk {
    static let canMount: Bool = {
        guard getuid() == 0 else { return false }
        let probe = FileManager.default.temporaryDirectory.appendingPathComponent("tmpfs-probe-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard (try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)) != nil else { return false }
        guard run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", probe]) else { return false }
        return run(["umount", probe])
    }()

    static func with(megabytes: Int, _ body: (String) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tmpfs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        guard run(["mount", "-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", folder]) else {
            Issue.record("could not mount a tmpfs")
            return
        }
        defer {
            _ = run(["umount", "-l", folder])
            try? FileManager.default.removeItem(atPath: folder)
        }
        try await body(folder)
    }

    static func remount(_ folder: String, readOnly: Bool) throws {
        guard run(["mount", "-o", "remount,\(readOnly ? "ro" : "rw")", folder]) else { throw CancellationError() }
    }

    @discardableResult
    private static func run(_ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
