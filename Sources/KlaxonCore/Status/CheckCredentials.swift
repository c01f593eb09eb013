import Foundation

/// What a check sends to say who it is (`headers:`, `bearer_token:`, `basic_auth:` of a check). Secrets
/// are only ever references (`env:NAME`, `file:PATH`), read by the process that polls each time it
/// polls; config, journals and the screen hold the reference.
public struct CheckCredentials: Hashable, Sendable {
    /// A header's value as written: plain text (a header that is no secret) or a reference to a secret.
    public enum Value: Hashable, Sendable {
        case plain(String)
        case secret(SecretReference)
    }

    public struct Header: Hashable, Sendable {
        public var name: String
        public var value: Value
        public init(name: String, value: Value) {
            self.name = name
            self.value = value
        }
    }

    public struct BasicAuth: Hashable, Sendable {
        public var username: Value
        public var password: SecretReference
        public init(username: Value, password: SecretReference) {
            self.username = username
            self.password = password
        }
    }

    public var headers: [Header] = []
    public var bearerToken: SecretReference?
    public var basicAuth: BasicAuth?

    public init() {}

    public var isEmpty: Bool { headers.isEmpty && bearerToken == nil && basicAuth == nil }

    /// Header names whose value is a credential whatever it is: never written in the file, and never
    /// sent on a redirect to another origin.
    public static func isCredentialName(_ name: String) -> Bool {
        let lower = name.lowercased()
        return ["authorization", "proxy-authorization", "cookie"].contains(lower)
            || ["token", "secret", "password", "passwd", "api-key", "apikey", "api_key", "auth"].contains {
                lower.contains($0)
            }
    }

    /// One header line to send. A credential (a secret's value, an `Authorization`) goes only to the
    /// check's own origin; `secret` is what to scrub from anything reported.
    public struct Line: Hashable, Sendable {
        public var text: String
        public var isCredential: Bool
        public var secrets: [String]
    }

    /// The header lines, the secrets read through `resolve` (which names what it could not read). A
    /// value with a line break or another control character is refused: it could add headers.
    /// `tokenScheme` is the word before `bearer_token`'s secret (`CheckDefinition.Kind.tokenScheme`).
    public func lines(resolve: (SecretReference) throws(KlaxonError) -> String, tokenScheme: String = "Bearer")
        throws(KlaxonError) -> [Line]
    {
        func read(_ reference: SecretReference, _ what: String) throws(KlaxonError) -> String {
            let value: String
            do { value = try resolve(reference) } catch { throw KlaxonError(error.kind, "\(what) \(error.message)") }
            guard !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                throw .badInput(
                    "\(what) \(reference) holds a line break or another control character; a header value is one line")
            }
            return value
        }
        var result: [Line] = []
        for header in headers {
            switch header.value {
            case .plain(let text):
                result.append(
                    Line(text: "\(header.name): \(text)", isCredential: Self.isCredentialName(header.name), secrets: [])
                )
            case .secret(let reference):
                let value = try read(reference, "headers: \(header.name)")
                result.append(Line(text: "\(header.name): \(value)", isCredential: true, secrets: [value]))
            }
        }
        if let bearerToken {
            let token = try read(bearerToken, "bearer_token")
            result.append(Line(text: "Authorization: \(tokenScheme) \(token)", isCredential: true, secrets: [token]))
        }
        if let basicAuth {
            var secrets: [String] = []
            let username: String
            switch basicAuth.username {
            case .plain(let text): username = text
            case .secret(let reference):
                username = try read(reference, "basic_auth username")
                secrets.append(username)
            }
            let password = try read(basicAuth.password, "basic_auth password")
            let encoded = Data("\(username):\(password)".utf8).base64EncodedString()
            result.append(
                Line(
                    text: "Authorization: Basic \(encoded)", isCredential: true, secrets: secrets + [password, encoded])
            )
        }
        return result
    }

    /// Why `path` (a check's `ca_file:`) cannot serve as its CA certificates, in words for the config's
    /// warning and the poll's error; nil when it is a readable file holding a PEM certificate. Read
    /// only: the file is opened to look at, never changed. Without `readingContents` (before each poll:
    /// the file is libcurl's to read) only whether it is there and a file is looked at.
    public static func caFileProblem(_ path: String, readingContents: Bool = true) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return "ca_file \(path) does not exist"
        }
        if isDirectory.boolValue { return "ca_file \(path) is a directory; give the PEM file of the CA certificates" }
        guard readingContents else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else { return "ca_file \(path) cannot be read" }
        guard String(decoding: data.prefix(1 << 20), as: UTF8.self).contains("-----BEGIN CERTIFICATE-----") else {
            return "ca_file \(path) holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
        }
        return nil
    }
}
