import Foundation
import KlaxonCore

/// Reads what an `env:NAME` or `file:PATH` reference points to, at the moment the process needs the
/// secret (to send a page, to poll a check), so config, journals and the screen hold only the reference.
public struct SecretResolver: Sendable {
    public var environment: [String: String]
    /// What the process does with it, for messages: `pages`, `polls`.
    public var role: String

    public init(environment: [String: String], role: String) {
        self.environment = environment
        self.role = role
    }

    /// The secret `reference` points to now, or why it cannot be read.
    public func resolve(_ reference: SecretReference) throws(KlaxonError) -> String {
        switch reference {
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw .badInput("\(reference) is not set in the environment of the process that \(role)")
            }
            return value
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
            else {
                throw .badInput("\(reference) cannot be read")
            }
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !value.isEmpty else { throw .badInput("\(reference) is empty") }
            return value
        }
    }
}
