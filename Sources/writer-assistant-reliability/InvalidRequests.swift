import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Requests the server must refuse (a blank rater prompt: 422), sent as any client could.
struct InvalidRequests: Sendable {
    let httpClient: HTTPClient
    let baseURL: String

    /// The status the server answered, or 0 when it did not answer.
    func post() async -> Int {
        var request = HTTPClientRequest(url: baseURL + "/api/v1/rater-feedback")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"raterPrompt": "  ", "plotPoint": "A door."}"#))
        guard let response = try? await httpClient.execute(request, timeout: .seconds(30)) else { return 0 }
        _ = try? await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }
}
