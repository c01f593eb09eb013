import Foundation

/// What a runbook's optional YAML front matter says about it.
public struct RunbookMetadata: Hashable, Sendable {
    public var title: String?
    public var services: [String] = []
    /// The status checks it is for (names from `klaxon.yaml`).
    public var checks: [String] = []
    public var owner: String?
    /// The date it was last reviewed.
    public var lastReviewed: CivilDateTime?

    public init(
        title: String? = nil, services: [String] = [], checks: [String] = [], owner: String? = nil,
        lastReviewed: CivilDateTime? = nil
    ) {
        self.title = title
        self.services = services
        self.checks = checks
        self.owner = owner
        self.lastReviewed = lastReviewed
    }
}

/// A markdown runbook of the workspace's `Runbooks/`, parsed.
public struct Runbook: Sendable {
    /// The name a runbook is referred to by: `registry-5xx`, also written `registry-5xx.md` or
    /// `Runbooks/registry-5xx.md` (the command line's and a link's forms).
    public static func name(referredToAs reference: String) -> String {
        var name = reference
        if name.hasPrefix("Runbooks/") { name.removeFirst("Runbooks/".count) }
        if name.hasSuffix(".md") { name.removeLast(3) }
        return name
    }

    /// Its path under `Runbooks/` without `.md`: `registry-5xx`, `k8s/etcd-slow`.
    public var name: String
    /// The file, for messages.
    public var path: String
    public var metadata: RunbookMetadata
    /// The markdown after the front matter.
    public var document: MarkdownNode
    /// Problems with the front matter, with their places.
    public var problems: [ConfigFinding]
    /// Whether the file has front matter at all (lint says so once rather than per missing key).
    public var hasFrontMatter = true
    /// Why the file's text was not read (larger than `InputLimits.runbookBytes`, or not UTF-8): the
    /// document is then empty, and `problems` says the same with the file's path.
    public var notRead: String?

    public init(
        name: String, path: String, metadata: RunbookMetadata = .init(), document: MarkdownNode,
        problems: [ConfigFinding] = []
    ) {
        self.name = name
        self.path = path
        self.metadata = metadata
        self.document = document
        self.problems = problems
    }

    /// The front matter's title, else the first heading, else the name.
    public var title: String {
        if let title = metadata.title, !title.isEmpty { return title }
        for node in document.children { if case .heading = node.kind { return node.plainText } }
        return name
    }

    /// Days since the last review (nil when there is none recorded).
    public func daysSinceReview(now: Timestamp) -> Int? {
        guard let reviewed = metadata.lastReviewed else { return nil }
        return Int((now.milliseconds / 1000 - reviewed.secondsSinceEpoch) / 86400)
    }

    /// Not reviewed within `days` (a runbook with no `last_reviewed` is stale too).
    public func isStale(now: Timestamp, days: Int) -> Bool {
        guard let age = daysSinceReview(now: now) else { return true }
        return age > days
    }

    /// Splits `---`-fenced YAML front matter from the markdown body. Returns the front matter's text
    /// (nil when there is none) and the body's first line number (1-based), for messages.
    public static func splitFrontMatter(_ text: String) -> (frontMatter: String?, body: String, bodyLine: Int) {
        guard text.hasPrefix("---\n") || text.hasPrefix("---\r\n") else { return (nil, text, 1) }
        // Line by line up to the closing fence only: the body is not split.
        var lineStart = text.index(after: text.firstIndex(of: "\n")!)
        var number = 2
        let frontStart = lineStart
        while lineStart < text.endIndex {
            let lineEnd = text[lineStart...].firstIndex(of: "\n") ?? text.endIndex
            if text[lineStart..<lineEnd].trimmingCharacters(in: .whitespaces) == "---" {
                var front = String(text[frontStart..<lineStart])
                if front.hasSuffix("\n") { front.removeLast() }
                let bodyStart = lineEnd < text.endIndex ? text.index(after: lineEnd) : lineEnd
                return (front, String(text[bodyStart...]), number + 1)
            }
            guard lineEnd < text.endIndex else { break }
            lineStart = text.index(after: lineEnd)
            number += 1
        }
        // An opening fence that never closes is not front matter.
        return (nil, text, 1)
    }
}
