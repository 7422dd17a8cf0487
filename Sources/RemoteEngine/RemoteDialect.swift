/// How a peer wants the answer's shape and sampling said, and where its API lives.
public enum RemoteDialect: String, Sendable, CaseIterable {
    /// OpenAI, vLLM, llama.cpp's own server: `response_format` of type `json_schema`, and only
    /// the sampling parameters OpenAI defines (it refuses others).
    case openai
    /// llama-cpp-python's server: it refuses `json_schema` (422) but takes a GBNF `grammar`, the
    /// tighter form of the shape, and llama.cpp's own sampling parameters.
    case llamaCpp = "llama-cpp"
    /// Ollama's own API (`/api/chat`, one JSON object a line): the shape as its `format` schema,
    /// sampling as its `options`, the context size as `num_ctx` (its default is smaller than a
    /// story).
    case ollama
    /// Asked of the server when it is first reached (`detect`).
    case auto

    /// The dialect a server speaks, from what it answered: Ollama answers `GET /api/version`;
    /// llama-cpp-python names itself the owner of its models ("me"); others take OpenAI's.
    static func detect(answersOllamaVersion: Bool, modelOwner: String?) -> RemoteDialect {
        if answersOllamaVersion { return .ollama }
        return modelOwner == "me" ? .llamaCpp : .openai
    }

    /// Where the server's own API lives: `--llm-url` without the `/v1` of its OpenAI-compatible
    /// one (Ollama serves both; a writer may give either).
    static func root(of endpoint: String) -> String {
        endpoint.hasSuffix("/v1") ? String(endpoint.dropLast(3)) : endpoint
    }

    func modelsURL(_ endpoint: String) -> String {
        self == .ollama ? Self.root(of: endpoint) + "/api/tags" : endpoint + "/models"
    }

    func chatURL(_ endpoint: String) -> String {
        self == .ollama ? Self.root(of: endpoint) + "/api/chat" : endpoint + "/chat/completions"
    }

    /// Generations sent to a server of this dialect at once unless told otherwise. llama-cpp-python's
    /// server writes one answer at a time and by default cuts it off when another request (a
    /// health check included) arrives, so it gets one; the rest wait here or go to another server.
    public var defaultParallel: Int {
        self == .llamaCpp ? 1 : 4
    }

    /// The media type of the streamed answer.
    var streamType: String {
        self == .ollama ? "application/x-ndjson" : "text/event-stream"
    }
}
