/// `POST /api/v1/tokens`: how many tokens each text takes with the active model.
public struct TokenCountRequest: Codable, Sendable, Equatable {
    public var texts: [String]

    public init(texts: [String]) {
        self.texts = texts
    }

    /// The most texts one request may count.
    public static let maxTexts = 1_000

    /// What is wrong with the request, located at its field; empty when nothing is.
    public func validate() -> [ValidationIssue] {
        if texts.isEmpty {
            return [ValidationIssue(loc: ["body", "texts"], msg: "List should have at least 1 item", type: "too_short")]
        }
        return [ValidationIssue.tooLong(texts.count, at: ["body", "texts"], limit: Self.maxTexts)].compactMap { $0 }
    }
}

public struct TokenCountResult: Codable, Sendable, Equatable {
    /// One count per text, in the request's order, as plain content (no chat template).
    public var counts: [Int]
    public var model: String
    /// Present and true when the counts are estimates (a model server that cannot count).
    public var tokenCountsEstimated: Bool?

    public init(counts: [Int], model: String, tokenCountsEstimated: Bool? = nil) {
        self.counts = counts
        self.model = model
        self.tokenCountsEstimated = tokenCountsEstimated
    }

    enum CodingKeys: String, CodingKey {
        case counts, model
        case tokenCountsEstimated = "token_counts_estimated"
    }
}
