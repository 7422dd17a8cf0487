public struct GenerationRequest: Sendable {
    /// The full prompt, already templated and tokenized by the same model.
    public var prompt: [Token]
    public var sampling: SamplingParameters
    /// A GBNF grammar the answer must follow, or nil for free text.
    public var grammar: String?

    public init(prompt: [Token], sampling: SamplingParameters, grammar: String? = nil) {
        self.prompt = prompt
        self.sampling = sampling
        self.grammar = grammar
    }
}

public struct SamplingParameters: Sendable, Equatable {
    /// 0 selects greedy decoding.
    public var temperature: Double
    /// Only the k likeliest tokens are drawn from; 0 draws from all.
    public var topK: Int
    public var topP: Double
    public var maxTokens: Int
    /// Fixes the random sequence so that runs can be repeated; nil draws a fresh seed.
    public var seed: UInt32?

    public init(temperature: Double = 0.7, topK: Int = 40, topP: Double = 0.9, maxTokens: Int = 600, seed: UInt32? = nil) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.maxTokens = maxTokens
        self.seed = seed
    }

    /// The original service's defaults for raters.
    public static let raterDefaults = SamplingParameters()
}
