/// "Did you mean …?": the known names closest to one typed, for commands, options, people, services and
/// runbooks. Close means a few typing slips away (a letter missed, doubled, swapped or wrong), or the
/// typed word starting the name (`inc` for `incident`).
public enum NameSuggestion {
    /// The names among `candidates` closest to `typed`, best first (at most `limit`); none when nothing
    /// is close. Case is ignored.
    public static func closest(to typed: String, among candidates: [String], limit: Int = 3) -> [String] {
        let word = Array(typed.lowercased())
        guard !word.isEmpty else { return [] }
        // One slip per three letters, at least one and at most three: `lst` → `list`, not `ls` → `ack`.
        let allowed = min(3, max(1, word.count / 3))
        var scored: [(name: String, distance: Int)] = []
        for name in Set(candidates) where name != typed {
            let target = Array(name.lowercased())
            // The same letters in another case (`Example` for `example`) is the closest of all.
            let distance = slips(word, target)
            if distance <= allowed {
                scored.append((name, distance))
            } else if word.count >= 3, target.starts(with: word) {
                scored.append((name, allowed + 1))
            }
        }
        return scored.sorted { ($0.distance, $0.name) < ($1.distance, $1.name) }.prefix(limit).map(\.name)
    }

    /// `; did you mean "x"?` (or `"x" or "y"`), or "" when nothing is close.
    public static func hint(for typed: String, among candidates: [String]) -> String {
        let close = closest(to: typed, among: candidates, limit: 2)
        guard !close.isEmpty else { return "" }
        return "; did you mean " + close.map { "'\($0)'" }.joined(separator: " or ") + "?"
    }

    /// The optimal string alignment distance: insertions, deletions, substitutions and swaps of two
    /// neighbours, each one slip.
    static func slips(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
