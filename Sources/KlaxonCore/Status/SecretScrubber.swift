import Foundation

/// The secrets one request of a check sent, and their removal from whatever its answer brings back. A
/// service may quote what it was sent (an echo of the `Authorization` header, a debug page), and what a
/// check is answered becomes its detail, the body on the screen, alerts, JSON and journals: each secret
/// there becomes `[secret]`. The secrets are the values of the credentials' secrets, the base64 of a
/// basic-auth pair, and the URL's own password (as written and percent-decoded, and the base64 pair
/// libcurl sends for it); each is also found as JSON writes it (escaped, and with `/` as `\/`).
public struct SecretScrubber: Sendable {
    /// What replaces a secret.
    public static let marker = "[secret]"
    /// Every form of every secret, longest first: a secret inside a longer one is taken out with it.
    private let forms: [String]
    private let byteForms: [[UInt8]]

    public init(secrets: [String]) {
        var forms: Set<String> = []
        for secret in secrets where !secret.isEmpty {
            forms.insert(secret)
            let escaped = String(JSONValue.string(secret).canonicalJSON.dropFirst().dropLast())
            forms.insert(escaped)
            forms.insert(escaped.replacingOccurrences(of: "/", with: "\\/"))
        }
        self.forms = forms.sorted { ($0.utf8.count, $0) > ($1.utf8.count, $1) }
        byteForms = self.forms.map { Array($0.utf8) }
    }

    /// The secrets a request sends: those of its header lines, and of its URL's own credentials.
    public init(headers: [CheckCredentials.Line], url: String) {
        self.init(secrets: headers.flatMap(\.secrets) + Self.urlSecrets(url))
    }

    public var isEmpty: Bool { forms.isEmpty }

    /// The secrets of a URL's user information: `user:password@` sends the password (libcurl decodes
    /// `%40` and the like) as basic auth; `TOKEN@`, a user without a password, is a token and sent so.
    public static func urlSecrets(_ url: String) -> [String] {
        guard let scheme = url.range(of: "://") else { return [] }
        let authority = url[scheme.upperBound...].prefix { !"/?#".contains($0) }
        guard let at = authority.lastIndex(of: "@") else { return [] }
        let userinfo = authority[..<at]
        let (user, secret) =
            userinfo.firstIndex(of: ":").map {
                (String(userinfo[..<$0]), String(userinfo[userinfo.index(after: $0)...]))
            }
            ?? ("", String(userinfo))
        func decoded(_ text: String) -> String { text.removingPercentEncoding ?? text }
        let pair = userinfo.contains(":") ? decoded(user) + ":" + decoded(secret) : decoded(secret) + ":"
        return [secret, decoded(secret), Data(pair.utf8).base64EncodedString()]
    }

    /// `text` with every secret replaced.
    public func scrub(_ text: String) -> String {
        var result = text
        for form in forms where result.contains(form) {
            result = result.replacingOccurrences(of: form, with: Self.marker)
        }
        return result
    }

    /// `bytes` with every secret replaced (a body: it may be megabytes, and need not be UTF-8).
    public func scrub(_ bytes: [UInt8]) -> [UInt8] {
        var current = bytes
        let marker = Array(Self.marker.utf8)
        for form in byteForms where current.count >= form.count {
            var out: [UInt8] = []
            var found = false
            current.withUnsafeBufferPointer { buffer in
                var start = 0
                var i = 0
                let first = form[0]
                let last = buffer.count - form.count
                while i <= last {
                    if buffer[i] == first && form.indices.allSatisfy({ buffer[i + $0] == form[$0] }) {
                        if !found {
                            out.reserveCapacity(buffer.count)
                            found = true
                        }
                        out.append(contentsOf: buffer[start..<i])
                        out.append(contentsOf: marker)
                        i += form.count
                        start = i
                    } else {
                        i += 1
                    }
                }
                if found { out.append(contentsOf: buffer[start...]) }
            }
            if found { current = out }
        }
        return current
    }
}
