public import WriterAssistantAPI

/// Why a call failed, in the terms a caller acts on.
public enum WriterAssistantClientError: Error, Sendable, CustomStringConvertible {
    /// The server handled the request and reported a failure (an `error` event or an error body).
    case server(code: ErrorCode, message: String, httpStatus: Int?)
    /// The request did not match the API's schema (HTTP 422); each issue names its field.
    case invalidRequest([ValidationIssue])
    /// The server answered with something this client does not understand.
    case unexpectedResponse(httpStatus: Int, body: String)
    /// The server could not be reached, or the connection broke.
    case transport(any Error)

    public var description: String {
        switch self {
        case .server(let code, let message, _): "\(message) (\(code))"
        case .invalidRequest(let issues):
            "Invalid request: " + issues.map { issue in
                let location = issue.loc.map { component in
                    switch component {
                    case .key(let key): key
                    case .index(let index): String(index)
                    }
                }.joined(separator: ".")
                return "\(location): \(issue.msg)"
            }.joined(separator: "; ")
        case .unexpectedResponse(let status, let body): "Unexpected HTTP \(status): \(body.prefix(200))"
        case .transport(let error): "Could not reach the server: \(error)"
        }
    }
}
