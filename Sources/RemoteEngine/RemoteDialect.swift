/// How a peer wants the answer's shape and sampling said, beyond what every OpenAI-compatible
/// server understands.
public enum RemoteDialect: String, Sendable, CaseIterable {
    /// OpenAI, vLLM, llama.cpp's own server: `response_format` of type `json_schema`, and only
    /// the sampling parameters OpenAI defines (it refuses others).
    case openai
    /// llama-cpp-python's server: it refuses `json_schema` (422) but takes a GBNF `grammar`, the
    /// tighter form of the shape, and llama.cpp's own sampling parameters.
    case llamaCpp = "llama-cpp"
}
