/// Where a link in a runbook goes.
public enum RunbookLinkTarget: Hashable, Sendable {
    /// Another runbook (by name), optionally at an anchor.
    case runbook(String, anchor: String?)
    /// A heading of the same runbook.
    case anchor(String)
    /// A URL with a scheme (`https:`, `mailto:`): shown, never fetched.
    case external(String)
    /// A relative path that is not a runbook (or leaves `Runbooks/`): never opened.
    case file(String)
}

/// Links and anchors of runbooks: GitHub's heading anchors, and relative links resolved inside
/// `Runbooks/` only.
public enum RunbookLinks {
    /// Whether `url` may be handed to a terminal as an OSC 8 hyperlink: `http:`, `https:` or `mailto:`
    /// (a `file:` link would open what the runbook has no business opening) and printable ASCII only
    /// (a control character in the address would end the escape sequence and inject another).
    public static func isWebAddress(_ url: String) -> Bool {
        let lowered = url.lowercased()
        guard lowered.hasPrefix("https://") || lowered.hasPrefix("http://") || lowered.hasPrefix("mailto:") else {
            return false
        }
        return url.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }

    /// Where `url`, written in the runbook `from`, points. Paths are resolved against `from`'s
    /// directory; one that climbs out of `Runbooks/` is a `.file`, which is never opened.
    public static func resolve(_ url: String, from: String) -> RunbookLinkTarget {
        if url.hasPrefix("#") { return .anchor(String(url.dropFirst()).removingPercentEncodingSafe) }
        if let colon = url.firstIndex(of: ":"),
            url[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }),
            url[..<colon].first?.isLetter == true
        {
            return .external(url)
        }
        var path = url
        var anchor: String?
        if let hash = url.firstIndex(of: "#") {
            path = String(url[..<hash])
            anchor = String(url[url.index(after: hash)...]).removingPercentEncodingSafe
        }
        if let query = path.firstIndex(of: "?") { path = String(path[..<query]) }
        path = path.removingPercentEncodingSafe
        guard path.hasSuffix(".md"), !path.hasPrefix("/") else { return .file(path) }
        var parts = from.split(separator: "/").dropLast().map(String.init)
        for part in path.split(separator: "/") {
            switch part {
            case ".": continue
            case "..":
                guard !parts.isEmpty else { return .file(path) }
                parts.removeLast()
            default: parts.append(String(part))
            }
        }
        let name = parts.joined(separator: "/")
        return .runbook(String(name.dropLast(3)), anchor: anchor.flatMap { $0.isEmpty ? nil : $0 })
    }

    /// GitHub's anchor for a heading: lowercased, punctuation dropped, spaces to hyphens.
    public static func slug(_ heading: String) -> String {
        if heading.utf8.allSatisfy({ $0 < 0x80 }) {
            // ASCII headings (most) byte by byte.
            var bytes: [UInt8] = []
            bytes.reserveCapacity(heading.utf8.count)
            for byte in heading.utf8 {
                switch byte {
                case UInt8(ascii: " "): bytes.append(UInt8(ascii: "-"))
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): bytes.append(byte + 32)
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"),
                    UInt8(ascii: "_"):
                    bytes.append(byte)
                default: break
                }
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        var result = ""
        for ch in heading.lowercased() {
            if ch == " " {
                result.append("-")
            } else if ch.isLetter || ch.isNumber || ch == "-" || ch == "_" {
                result.append(ch)
            }
        }
        return result
    }

    /// The anchors of a document's headings in order, with `-1`, `-2`… for repeats, as GitHub does.
    public static func anchors(of document: MarkdownNode) -> [(anchor: String, title: String, level: Int)] {
        var counts: [String: Int] = [:]
        var result: [(String, String, Int)] = []
        for node in document.allNodes {
            guard case .heading(let level) = node.kind else { continue }
            let title = node.plainText
            result.append((uniqueAnchor(slug(title), counts: &counts), title, level))
        }
        return result
    }

    /// `slug`, or `slug-N` when it was given N times before (`counts` keeps the tally).
    public static func uniqueAnchor(_ slug: String, counts: inout [String: Int]) -> String {
        let count = counts[slug, default: 0]
        counts[slug] = count + 1
        return count == 0 ? slug : "\(slug)-\(count)"
    }
}

extension String {
    /// `%20` and friends decoded; text that is not valid percent-encoding is kept as it is.
    var removingPercentEncodingSafe: String {
        guard contains("%") else { return self }
        var bytes: [UInt8] = []
        var iterator = Array(utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "%"), iterator.count >= 2,
                let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self) ?? self
    }
}
