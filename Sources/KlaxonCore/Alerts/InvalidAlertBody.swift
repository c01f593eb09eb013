/// Why a pushed alert's body was refused: each problem names its field (`alerts[2].fingerprint: …`),
/// so the sender's log says what to fix. The intake answers it as 400 (a sender must not retry it:
/// Alertmanager drops a 4xx for good, a PagerDuty client expects 400 with the errors), and nothing of
/// the body is recorded.
public struct InvalidAlertBody: Error, Equatable, Sendable {
    /// The problems found, in the order of the body's fields.
    public var problems: [String]

    public init(_ problems: [String]) { self.problems = problems }

    /// One line: the problems joined.
    public var message: String { problems.joined(separator: "; ") }
}

/// The fields of one JSON object read by name, each problem collected with its path: what the body
/// parsers of the intake share.
struct AlertBodyReader {
    private(set) var problems: [String] = []

    mutating func problem(_ path: String, _ text: String) { problems.append("\(path): \(text)") }

    /// The object at `value`, or a problem.
    mutating func object(_ value: JSONValue?, _ path: String) -> [String: JSONValue]? {
        switch value {
        case .object(let fields)?: return fields
        case nil, .null?:
            problem(path, "missing")
            return nil
        default:
            problem(path, "must be an object")
            return nil
        }
    }

    /// The string at `fields[key]`: a problem when it is missing (and `required`), not a string, empty
    /// when `required`, or longer than `maximum` characters.
    mutating func string(
        _ fields: [String: JSONValue], _ key: String, at path: String, required: Bool, maximum: Int = 65_536
    ) -> String? {
        let name = path.isEmpty ? key : path + "." + key
        switch fields[key] {
        case nil, .null?:
            if required { problem(name, "missing") }
            return nil
        case .string(let text)?:
            if required && text.isEmpty {
                problem(name, "empty")
                return nil
            }
            if text.utf8.count > maximum, text.count > maximum {
                problem(name, "longer than \(maximum) characters")
                return nil
            }
            return text
        default:
            problem(name, "must be a string")
            return nil
        }
    }

    /// A map of strings (labels, annotations): a problem for a value that is not a string; a missing
    /// map is empty unless `required`.
    mutating func strings(
        _ fields: [String: JSONValue], _ key: String, at path: String, required: Bool
    ) -> [String: String] {
        let name = path.isEmpty ? key : path + "." + key
        switch fields[key] {
        case nil, .null?:
            if required { problem(name, "missing") }
            return [:]
        case .object(let map)?:
            var result: [String: String] = [:]
            for (label, value) in map {
                guard case .string(let text) = value else {
                    problem("\(name).\(label)", "must be a string")
                    continue
                }
                guard text.utf8.count <= Self.labelBytes else {
                    problem("\(name).\(label)", "longer than \(Self.labelBytes) bytes")
                    continue
                }
                result[label] = text
            }
            return result
        default:
            problem(name, "must be an object of strings")
            return [:]
        }
    }

    /// The largest label or annotation value taken (64 KiB: a description or a runbook URL, not a log).
    static let labelBytes = 65_536
}
