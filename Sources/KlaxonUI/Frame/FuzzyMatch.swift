/// Subsequence matching for the command palette and the runbook list's find: every character of the
/// query, in order, anywhere in the text. Of all the ways the query can be found, the best counts:
/// a character scores 1, 5 more at the start of a word (after a space, `-`, `_`, `/`, `.` or any other
/// non-alphanumeric character) and 3 more right after the previous one, so "rfe" finds
/// "runner-fleet-exhausted" by its initials before "registry … artifact … returns".
public enum FuzzyMatch {
    /// The best score of `query` in `text`, less a tenth of the text's length (shorter texts win ties);
    /// nil when the query is not a subsequence. Spaces in the query are ignored, case too.
    public static func score(_ query: String, in text: String) -> Int? {
        let q = Array(query.lowercased()).filter { $0 != " " }
        let t = Array(text.lowercased())
        let penalty = t.count / 10
        guard !q.isEmpty else { return -penalty }
        // best[j]: the best score of the query so far with its last character at t[j] (nil: impossible).
        var best = [Int?](repeating: nil, count: t.count)
        for (i, c) in q.enumerated() {
            var next = [Int?](repeating: nil, count: t.count)
            var earlier: Int?  // the best of best[0...j-2]: the previous character, not adjacent
            for j in t.indices {
                if j >= 2, let b = best[j - 2] { earlier = max(earlier ?? b, b) }
                guard t[j] == c else { continue }
                let gain = 1 + (j == 0 || !(t[j - 1].isLetter || t[j - 1].isNumber) ? 5 : 0)
                if i == 0 {
                    next[j] = gain
                    continue
                }
                let apart = earlier.map { $0 + gain }
                let adjacent = j >= 1 ? best[j - 1].map { $0 + gain + 3 } : nil
                next[j] = [apart, adjacent].compactMap { $0 }.max()
            }
            best = next
        }
        return best.compactMap { $0 }.max().map { $0 - penalty }
    }

    /// The items whose `text` matches `query`, best first; equal scores keep the items' order.
    public static func rank<Item>(_ items: [Item], by query: String, text: (Item) -> String) -> [Item] {
        items.enumerated()
            .compactMap { (offset, item) in score(query, in: text(item)).map { (item, $0, offset) } }
            .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.2 < $1.2 }
            .map(\.0)
    }
}
