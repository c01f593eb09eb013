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

    /// The token an `Authorization` header presents: `Bearer SECRET`, or `Basic` with the secret as its
    /// password (any user name, as Alertmanager's `basic_auth` sends one); nil for none or a wrong one.
    func name(authorization: String?) -> String? {
        guard let authorization else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2 else { return nil }
        let credentials = parts[1].trimmingCharacters(in: .whitespaces)
        switch parts[0].lowercased() {
        case "bearer": return name(of: credentials.utf8)
        case "basic":
            guard let decoded = Data(base64Encoded: credentials), let colon = decoded.firstIndex(of: 0x3A) else {
                return nil
            }
            return name(of: decoded[decoded.index(after: colon)...])
        default: return nil
        }
    }

    /// SHA-256 of `bytes`, as the journal's hash makes it.
    private static func digest(_ bytes: [UInt8]) -> [UInt8] { Array(RecordHash.of(bytes).hex.utf8) }
}
