/// Which of an outline's plot points each planned chapter covers: consecutive runs, every point
/// once and in order, the runs as even as the counts allow (the earlier chapters take the extra
/// points). The model writes each chapter's title and summary around its run; deciding the runs
/// here rather than asking for them keeps a small model from skipping or repeating a point.
package struct ChapterPlan: Sendable, Equatable {
    /// For each chapter, the indices of its plot points.
    package let runs: [Range<Int>]

    /// `points` plot points over `chapters` chapters; `chapters` is brought within 1...points.
    package init(points: Int, chapters: Int) {
        let points = max(points, 0)
        let chapters = max(1, min(chapters, max(points, 1)))
        let base = points / chapters
        let extra = points % chapters
        var runs: [Range<Int>] = []
        var start = 0
        for chapter in 0..<chapters {
            let length = base + (chapter < extra ? 1 : 0)
            runs.append(start..<(start + length))
            start += length
        }
        self.runs = runs
    }
}
