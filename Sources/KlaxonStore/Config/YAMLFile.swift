import Foundation
import KlaxonCore
import Yams

/// A YAML file read into Yams' node tree, so every error can name `file:line:column`.
public struct YAMLFile {
    public let path: String
    public let root: Node

    /// Reads and parses `path`; a syntax error names the place.
    public static func load(path: String) throws(KlaxonError) -> YAMLFile {
        try parse(try read(path), path: path)
    }

    static func read(_ path: String) throws(KlaxonError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .badInput("cannot read \(path): \(error.localizedDescription)")
        }
    }

    /// Reads a file whose top-level keys are parts of their own (`klaxon.yaml`: the settings, `checks:`,
    /// `maintenance:`). When the whole does not parse, each top-level key is parsed alone, so that a
    /// syntax error under one (a bad indent under `checks:`) leaves the others readable: `broken` holds
    /// the keys whose part does not parse, each with its error. With no part to blame, the error is thrown.
    public static func loadParts(path: String) throws(KlaxonError) -> (file: YAMLFile, broken: [String: KlaxonError]) {
        let text = try read(path)
        let whole: KlaxonError
        do throws(KlaxonError) { return (try parse(text, path: path), [:]) } catch { whole = error }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var pairs: [(Node, Node)] = []
        var broken: [String: KlaxonError] = [:]
        for (key, range) in topLevelParts(lines) {
            // A key given twice would be read twice; the whole file's error says it best.
            guard !pairs.contains(where: { $0.0.scalar?.string == key }), broken[key] == nil else { throw whole }
            do throws(KlaxonError) {
                guard case .mapping(let mapping) = try parse(lines, range, path: path).root else { throw whole }
                pairs += mapping.map { ($0.key, $0.value) }
            } catch { broken[key] = error }
        }
        guard !broken.isEmpty else { throw whole }
        return (YAMLFile(path: path, root: .mapping(Node.Mapping(pairs))), broken)
    }

    /// The items of the block sequence under the top-level `key` of the file at `path`, each parsed alone
    /// (for a part `loadParts` found broken): the item, or why it does not parse, with its text. Nil when
    /// the part is no block sequence of `- ` items.
    public static func sequenceItems(under key: String, path: String) -> [(
        text: String, item: Result<Node, KlaxonError>
    )]? {
        guard let text = try? read(path) else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let part = topLevelParts(lines).first(where: { $0.key == key })?.range else { return nil }
        func indentOfItem(_ line: Substring) -> Int? {
            let body = line.drop { $0 == " " }
            return body == "-" || body.hasPrefix("- ") ? line.count - body.count : nil
        }
        guard let first = part.dropFirst().first(where: { indentOfItem(lines[$0]) != nil }) else { return nil }
        let indent = indentOfItem(lines[first])
        let starts = (first..<part.upperBound).filter { indentOfItem(lines[$0]) == indent }
        return starts.enumerated().map { n, start in
            let range = start..<(n + 1 < starts.count ? starts[n + 1] : part.upperBound)
            let itemText = lines[range].joined(separator: "\n")
            do throws(KlaxonError) {
                let parsed = try parse(lines, range, path: path)
                guard case .sequence(let items) = parsed.root, items.count == 1 else {
                    throw .badInput(
                        "\(path):\(start + 1):\(indent! + 1): this item of \(key) does not read as one list item")
                }
                return (itemText, .success(items[0]))
            } catch { return (itemText, .failure(error)) }
        }
    }

    /// Each top-level key of a mapping, with the lines of its part: from its line (at column 1) to the
    /// next top-level key.
    static func topLevelParts(_ lines: [Substring]) -> [(key: String, range: Range<Int>)] {
        let starts = lines.indices.filter { i in
            guard let first = lines[i].first, first.isLetter || first.isNumber || "_\"'".contains(first) else {
                return false
            }
            return lines[i].contains(":")
        }
        return starts.enumerated().map { n, start in
            let key = lines[start].prefix { $0 != ":" }.trimmingCharacters(in: CharacterSet(charactersIn: " \"'"))
            return (key, start..<(n + 1 < starts.count ? starts[n + 1] : lines.count))
        }
    }

    /// `lines[range]` parsed alone, the other lines left blank so that places stay the file's.
    static func parse(_ lines: [Substring], _ range: Range<Int>, path: String) throws(KlaxonError) -> YAMLFile {
        let text = String(repeating: "\n", count: range.lowerBound) + lines[range].joined(separator: "\n")
        return try parse(text, path: path)
    }

    /// Parses `text`; every scalar is kept as the text it is written as (a plain `0755`, `09:00`, `yes`
    /// or `~` is that string): the readers below say what each key's value may be.
    public static func parse(_ text: String, path: String) throws(KlaxonError) -> YAMLFile {
        do {
            // Without Yams' default tag resolver, which sorts every plain scalar into bool, int, float,
            // null or timestamp with Foundation's regular expressions: nothing here reads those tags, and
            // compiling them pulls ICU's pages into every process that reads a YAML file (0.6 MB of the
            // console's resident memory, issue 20).
            guard let root = try Yams.compose(yaml: text, .basic) else {
                return YAMLFile(path: path, root: .mapping([:]))
            }
            return YAMLFile(path: path, root: root)
        } catch let error as YamlError {
            switch error {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
                .composer(_, let problem, let mark, _):
                throw .badInput(
                    "\(path):\(mark.line):\(mark.column): invalid YAML: \(problem)"
                        + unquotedConditionHint(text, line: mark.line))
            case .duplicatedKeysInMapping(let keys, let context):
                // As `mapping(_:what:)` says it; Yams' own text spans lines and puts the place last.
                let names = keys.map { "\"\($0)\"" }.joined(separator: ", ")
                let place = "\(path):\(context.mark.line):\(context.mark.column)"
                let verb = keys.count == 1 ? "is" : "are"
                throw .badInput("\(place): \(names) \(verb) given twice in one mapping; keep one")
            default:
                throw .badInput("\(path): invalid YAML: \(error)")
            }
        } catch {
            throw .badInput("\(path): invalid YAML: \(error)")
        }
    }

    /// `file:line:column` of `node`.
    public func place(_ node: Node) -> String {
        guard let mark = node.mark else { return path }
        return "\(path):\(mark.line):\(mark.column)"
    }

    public func error(_ node: Node, _ message: String) -> KlaxonError { .badInput("\(place(node)): \(message)") }

    /// The key/value pairs of a mapping node, with the key nodes (for their places).
    public func mapping(_ node: Node, what: String) throws(KlaxonError) -> [(key: String, keyNode: Node, value: Node)] {
        guard case .mapping(let mapping) = node else {
            throw error(node, "\(what) must be a mapping of keys to values")
        }
        var pairs: [(String, Node, Node)] = []
        for (key, value) in mapping {
            guard let name = key.scalar?.string else { throw error(key, "keys must be plain strings") }
            if pairs.contains(where: { $0.0 == name }) { throw error(key, "\"\(name)\" is given twice") }
            pairs.append((name, key, value))
        }
        return pairs
    }

    public func string(_ node: Node, what: String) throws(KlaxonError) -> String {
        guard let scalar = node.scalar else {
            throw error(node, "\(what) must be a single value, not a list or mapping")
        }
        return scalar.string
    }

    public func duration(_ node: Node, what: String) throws(KlaxonError) -> Int64 {
        let text = try string(node, what: what)
        guard let ms = DurationSyntax.milliseconds(text) else {
            throw error(node, "\(what) is \"\(text)\"; expected \(DurationSyntax.expected)")
        }
        return ms
    }

    /// The items of a sequence node.
    public func sequence(_ node: Node, what: String) throws(KlaxonError) -> [Node] {
        guard case .sequence(let items) = node else { throw error(node, "\(what) must be a list") }
        return Array(items)
    }

    /// A list of plain values (`[a, b]`).
    public func strings(_ node: Node, what: String) throws(KlaxonError) -> [String] {
        var result: [String] = []
        for item in try sequence(node, what: what) { result.append(try string(item, what: "each of \(what)")) }
        return result
    }

    /// A whole number within `range`.
    public func integer(_ node: Node, what: String, in range: ClosedRange<Int>) throws(KlaxonError) -> Int {
        let text = try string(node, what: what)
        guard let value = Int(text), range.contains(value) else {
            throw error(
                node, "\(what) is \"\(text)\"; expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// `true` or `false` (also `yes`/`no`).
    public func bool(_ node: Node, what: String) throws(KlaxonError) -> Bool {
        switch try string(node, what: what).lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let text: throw error(node, "\(what) is \"\(text)\"; expected true or false")
        }
    }

    /// One of `choices`.
    public func choice<T: RawRepresentable>(_ node: Node, what: String, _ choices: [T]) throws(KlaxonError) -> T
    where T.RawValue == String {
        let text = try string(node, what: what)
        guard let value = choices.first(where: { $0.rawValue == text }) else {
            throw error(
                node, "\(what) is \"\(text)\"; expected one of \(choices.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    /// A hint for the syntax error YAML gives on a bare comparison (`down: > 0.05`): `>` and `|` begin
    /// a block of text there, so the condition must be quoted. Empty unless the line has one.
    static func unquotedConditionHint(_ text: String, line: Int) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard line >= 1, line <= lines.count else { return "" }
        let here = lines[line - 1]
        // The two-character comparisons first: `>=` is not `>` before `= 0.05`.
        for comparison in QueryRules.Condition.Comparison.allCases.sorted(by: { $0.rawValue.count > $1.rawValue.count })
        {
            guard let found = here.range(of: ": " + comparison.rawValue) else { continue }
            let rest = here[found.upperBound...].drop { $0 == " " }
            if let first = rest.first, first.isNumber || first == "-" || first == "." {
                return
                    "; a condition such as \(comparison.rawValue) \(rest.prefix { $0 != "," && $0 != "}" && $0 != " " }) must be in quotes (down: \"> 0.05\"): YAML reads a bare > or < otherwise"
            }
        }
        return ""
    }

    /// Turns an error thrown while reading this file into a finding with its place.
    public func finding(_ error: KlaxonError) -> ConfigFinding { Self.finding(error, path: path) }

    /// Turns an error about the file at `path` into a finding with its place.
    public static func finding(_ error: KlaxonError, path: String) -> ConfigFinding {
        let message = error.message
        if message.hasPrefix(path),
            let colon = message.range(
                of: ": ", range: message.index(message.startIndex, offsetBy: path.count)..<message.endIndex)
        {
            return ConfigFinding(.error, String(message[..<colon.lowerBound]), String(message[colon.upperBound...]))
        }
        return ConfigFinding(.error, path, message)
    }
}
