import Foundation
import KlaxonCore

/// The intake's tokens, their secrets resolved: which token a request presents, found without the
/// comparison's time telling how much of a secret was right (each secret's SHA-256 is compared in full,
/// against every token). The secrets are never written anywhere; records name the token.
struct IntakeTokens: Sendable {
    private let digests: [(name: String, digest: [UInt8])]

    /// `secrets`: each token's name and its secret.
    init(_ secrets: [String: String]) {
        digests = secrets.sorted { $0.key < $1.key }.map { ($0.key, Self.digest(Array($0.value.utf8))) }
    }

    /// The name of the token whose secret is `secret`, or nil.
    func name(of secret: some Collection<UInt8>) -> String? {
        let presented = Self.digest(Array(secret))
        var found: String?
        for (name, digest) in digests {
            var difference: UInt8 = 0
            for (a, b) in zip(digest, presented) { difference |= a ^ b }
            if difference == 0 && found == nil { found = name }
        }
        return found
    }

    /// What a request presented: no credential at all, one that is no token of this intake (its
    /// secret is never repeated, nor which tokens there are), or the token of this name.
    enum Presented: Equatable {
        case nothing
        case unknown
        case token(String)

        var name: String? {
            guard case .token(let name) = self else { return nil }
            return name
        }
    }

    /// The token an `Authorization` header presents: `Bearer SECRET`, or `Basic` with the secret as its
    /// password (any user name, as Alertmanager's `basic_auth` sends one). A header in another form is
    /// `unknown`, as a wrong secret is.
    func presented(authorization: String?) -> Presented {
        guard let authorization else { return .nothing }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2 else { return .unknown }
        let credentials = parts[1].trimmingCharacters(in: .whitespaces)
        let name: String?
        switch parts[0].lowercased() {
        case "bearer": name = self.name(of: credentials.utf8)
        case "basic":
            guard let decoded = Data(base64Encoded: credentials), let colon = decoded.firstIndex(of: 0x3A) else {
                return .unknown
            }
            name = self.name(of: decoded[decoded.index(after: colon)...])
        default: name = nil
        }
        return name.map { .token($0) } ?? .unknown
    }

    /// SHA-256 of `bytes`, as the journal's hash makes it.
    private static func digest(_ bytes: [UInt8]) -> [UInt8] { Array(RecordHash.of(bytes).hex.utf8) }
}
