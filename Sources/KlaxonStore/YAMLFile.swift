import Foundation
import KlaxonCore
import Yams

/// A YAML file read into Yams' node tree, so every error can name `file:line:column`.
public struct YAMLFile {
    public let path: String
    public let root: Node

    /// Reads and parses `path`; a syntax error names the place.
    public static func load(path: String) throws(KlaxonError) -> YAMLFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .badInput("cannot read \(path): \(error.localizedDescription)")
        }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws(KlaxonError) -> YAMLFile {
        do {
            guard let root = try Yams.compose(yaml: text) else { return YAMLFile(path: path, root: .mapping([:])) }
            return YAMLFile(path: path, root: root)
        } catch let error as YamlError {
            switch error {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
                throw .badInput("\(path):\(mark.line):\(mark.column): invalid YAML: \(problem)")
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
        guard case .mapping(let mapping) = node else { throw error(node, "\(what) must be a mapping of keys to values") }
        var pairs: [(String, Node, Node)] = []
        for (key, value) in mapping {
            guard let name = key.scalar?.string else { throw error(key, "keys must be plain strings") }
            if pairs.contains(where: { $0.0 == name }) { throw error(key, "\"\(name)\" is given twice") }
            pairs.append((name, key, value))
        }
        return pairs
    }

    public func string(_ node: Node, what: String) throws(KlaxonError) -> String {
        guard let scalar = node.scalar else { throw error(node, "\(what) must be a single value, not a list or mapping") }
        return scalar.string
    }

    public func duration(_ node: Node, what: String) throws(KlaxonError) -> Int64 {
        let text = try string(node, what: what)
        guard let ms = DurationSyntax.milliseconds(text) else { throw error(node, "\(what) is \"\(text)\"; expected \(DurationSyntax.expected)") }
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
            throw error(node, "\(what) is \"\(text)\"; expected a whole number from \(range.lowerBound) to \(range.upperBound)")
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
    public func choice<T: RawRepresentable>(_ node: Node, what: String, _ choices: [T]) throws(KlaxonError) -> T where T.RawValue == String {
        let text = try string(node, what: what)
        guard let value = choices.first(where: { $0.rawValue == text }) else {
            throw error(node, "\(what) is \"\(text)\"; expected one of \(choices.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    /// Turns an error thrown while reading this file into a finding with its place.
    public func finding(_ error: KlaxonError) -> ConfigFinding { Self.finding(error, path: path) }

    /// Turns an error about the file at `path` into a finding with its place.
    public static func finding(_ error: KlaxonError, path: String) -> ConfigFinding {
        let message = error.message
        if message.hasPrefix(path), let colon = message.range(of: ": ", range: message.index(message.startIndex, offsetBy: path.count)..<message.endIndex) {
            return ConfigFinding(.error, String(message[..<colon.lowerBound]), String(message[colon.upperBound...]))
        }
        return ConfigFinding(.error, path, message)
    }
}
