/// `klaxon runbook lint`: broken links and anchors, missing or bad front matter, stale runbooks, and
/// checks that name a runbook which does not exist.
public enum RunbookLint {
    /// A check from `klaxon.yaml` that names a runbook.
    public struct CheckReference: Sendable {
        public var check: String
        public var runbook: String
        public var place: String
        public init(check: String, runbook: String, place: String) {
            self.check = check
            self.runbook = runbook
            self.place = place
        }
    }

    public static func findings(_ runbooks: [Runbook], checks: [CheckReference], now: Timestamp, staleAfterDays: Int)
        -> [ConfigFinding]
    {
        var findings: [ConfigFinding] = []
        let byName = Dictionary(runbooks.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var anchorCache: [String: Set<String>] = [:]
        func anchors(_ name: String) -> Set<String> {
            if let cached = anchorCache[name] { return cached }
            let set = Set(byName[name].map { RunbookLinks.anchors(of: $0.document).map(\.anchor) } ?? [])
            anchorCache[name] = set
            return set
        }
        for runbook in runbooks {
            findings += runbook.problems
            if !runbook.hasFrontMatter {
                // Said once, by the loader.
            } else if runbook.metadata.lastReviewed == nil {
                findings.append(
                    .init(
                        .error, runbook.path,
                        "no last_reviewed in the front matter; add `last_reviewed: YYYY-MM-DD` when someone has checked it works"
                    ))
            } else if let age = runbook.daysSinceReview(now: now), age > staleAfterDays {
                findings.append(
                    .init(
                        .warning, runbook.path,
                        "stale: last reviewed \(Plural.count(age, "day")) ago (the limit is \(staleAfterDays)); review it and update last_reviewed"
                    ))
            }
            if runbook.hasFrontMatter && runbook.metadata.owner == nil {
                findings.append(.init(.warning, runbook.path, "no owner in the front matter"))
            }
            for node in runbook.document.allNodes {
                guard case .link(let url, _) = node.kind else { continue }
                switch RunbookLinks.resolve(url, from: runbook.name) {
                case .external: break
                case .anchor(let anchor):
                    if !anchors(runbook.name).contains(anchor) {
                        findings.append(
                            .init(.error, runbook.path, "link to #\(anchor): there is no such heading here"))
                    }
                case .runbook(let name, let anchor):
                    if byName[name] == nil {
                        findings.append(.init(.error, runbook.path, "link to \(url): there is no runbook \(name).md"))
                    } else if let anchor, !anchors(name).contains(anchor) {
                        findings.append(
                            .init(.error, runbook.path, "link to \(url): \(name).md has no heading #\(anchor)"))
                    }
                case .file(let path):
                    findings.append(
                        .init(
                            .error, runbook.path,
                            "link to \(path): only other runbooks (.md inside Runbooks/), #anchors and URLs can be followed"
                        ))
                }
            }
        }
        for reference in checks where byName[reference.runbook] == nil {
            findings.append(
                .init(
                    .error, reference.place,
                    "check \(reference.check) names runbook \"\(reference.runbook)\", which is not in Runbooks/"))
        }
        return findings
    }
}
