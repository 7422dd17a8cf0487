/// What revise-until-done does after each round's check: revise again for the changes still
/// missing, or stop, and which round's revision the writer gets.
///
/// The best round is the one that showed the most requested changes, whole revisions before those
/// the token limit cut short, the earliest of equals: a later round that shows no more has only
/// moved the chapter further from the writer's text. A new round revises the best round's chapter
/// for what it missed, so a round that made things worse is not built on.
package struct RevisionRounds: Sendable, Equatable {
    package enum Next: Sendable, Equatable {
        /// Revise round `from`'s chapter (nil: the writer's) again, asking for these changes.
        case revise(missing: [String], from: Int?)
        /// Stop and return this round's revision (0 is the first round).
        case finish(round: Int)
    }

    package struct Check: Sendable, Equatable {
        /// Whether each change was confirmed, in the order of `changes`.
        package var confirmed: [Bool]
        /// The token limit cut the revision short.
        package var cutShort: Bool
    }

    package let changes: [String]
    package let maxRounds: Int
    /// The check of each round written.
    package private(set) var checks: [Check] = []
    /// Rounds end early: the time ran out, or a later round could not be written.
    package private(set) var stopped = false

    package init(changes: [String], maxRounds: Int) {
        self.changes = changes
        self.maxRounds = max(1, maxRounds)
    }

    /// Records the check of the round just written; a check missing a change's verdict counts
    /// it as not confirmed.
    package mutating func record(confirmed: [Bool], cutShort: Bool = false) {
        checks.append(Check(confirmed: changes.indices.map { $0 < confirmed.count && confirmed[$0] }, cutShort: cutShort))
    }

    /// No more rounds: the next is not worth waiting for, or could not be written.
    package mutating func stop() {
        stopped = true
    }

    package var next: Next {
        guard let best else { return .revise(missing: changes, from: nil) }
        let missing = zip(changes, checks[best].confirmed).filter { !$0.1 }.map(\.0)
        guard missing.isEmpty || checks.count >= maxRounds || stopped else { return .revise(missing: missing, from: best) }
        return .finish(round: best)
    }

    /// The round with the most changes confirmed, a whole revision before a cut one, the earliest
    /// of equals; nil before the first.
    package var best: Int? {
        guard !checks.isEmpty else { return nil }
        let score = { (check: Check) in (check.cutShort ? 0 : 1, check.confirmed.count(where: \.self)) }
        var best = 0
        for (round, check) in checks.enumerated() where score(check) > score(checks[best]) { best = round }
        return best
    }
}
