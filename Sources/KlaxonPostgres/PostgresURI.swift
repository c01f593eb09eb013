internal import CLibpq
import Foundation
import KlaxonCore

#if canImport(Glibc)
    import Glibc
#endif

/// A libpq connection URI (`postgresql://USER@HOST:PORT/DATABASE?param=value`) as Klaxon reads, shows
/// and completes it. libpq itself parses it (`PQconninfoParse`), so what is accepted here is exactly
/// what `PQconnectdb` accepts; whatever the URI leaves out libpq's usual conventions fill (`PGPASSWORD`,
/// `~/.pgpass`, `PGSSLMODE`, `PGSERVICE` and service files, `PGHOST`…).
public enum PostgresURI {
    /// Whether `text` is a connection URI (`postgresql://` or `postgres://`, as libpq spells them).
    public static func isURI(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
    }

    /// The connection options `uri` sets (keyword → value: `host`, `port`, `dbname`, `user`, `sslmode`,
    /// `password`…), decoded by libpq. Throws, as bad input, libpq's reason when it cannot read `uri`
    /// (with every secret of `uri` replaced by `***`).
    public static func options(_ uri: String) throws(KlaxonError) -> [String: String] {
        guard isURI(uri) else {
            throw .badInput(
                "\(redacted(uri)) is not a PostgreSQL connection URI; write postgresql://USER@HOST:PORT/DATABASE")
        }
        var problem: UnsafeMutablePointer<CChar>?
        guard let parsed = PQconninfoParse(uri, &problem) else {
            let reason = problem.map { oneLine(String(cString: $0)) } ?? "libpq cannot read it"
            if let problem { PQfreemem(problem) }
            throw .badInput(
                "\(redacted(uri)) is not a connection URI libpq reads: \(scrub(reason, secretsOf: uri)); write postgresql://USER@HOST:PORT/DATABASE?PARAMETER=VALUE"
            )
        }
        defer { PQconninfoFree(parsed) }
        let options = values(of: parsed)
        if let refusal = refusal(in: options) { throw .badInput("\(redacted(uri)): \(refusal)") }
        return options
    }

    /// The settings libpq connects with taking only whole numbers.
    static let wholeNumberKeys = [
        "connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
        "tcp_user_timeout"
    ]

    /// The settings libpq takes only a few values of, and those values.
    static let knownValues: KeyValuePairs<String, [String]> = [
        "sslmode": ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"],
        "gssencmode": ["disable", "prefer", "require"], "channel_binding": ["disable", "prefer", "require"],
        "target_session_attrs": ["any", "read-write", "read-only", "primary", "standby", "prefer-standby"],
        "ssl_min_protocol_version": ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"],
        "ssl_max_protocol_version": ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
    ]

    /// What libpq, having read the options, would refuse when connecting, before sending anything (the
    /// checks of libpq 15): a port not in 1...65535, more ports than hosts, a whole-number setting that
    /// is not one, a value a setting does not take. Said where the URI is written (klaxon.yaml's line),
    /// not at each connection as if the server were down.
    static func refusal(in options: [String: String]) -> String? {
        func shown(_ value: String) -> String { "\"" + TerminalText.printable(value) + "\"" }
        let hosts = (options["host"] ?? options["hostaddr"] ?? "").split(
            separator: ",", omittingEmptySubsequences: false)
        let ports = (options["port"] ?? "").split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        for port in ports where !port.isEmpty && !(Int(port).map { (1...65535).contains($0) } ?? false) {
            return "its port \(shown(port)) is not a port number (1 to 65535); write the server's port, such as 5432"
        }
        if ports.count > 1, ports.count != max(hosts.count, 1) {
            return
                "it names \(ports.count) ports for \(Plural.count(max(hosts.count, 1), "host")); write one port, or one for each host"
        }
        for key in wholeNumberKeys {
            if let value = options[key], !value.isEmpty, Int(value.trimmingCharacters(in: .whitespaces)) == nil {
                return "its \(key) \(shown(value)) is not a whole number; write one, such as 10"
            }
        }
        for (key, known) in knownValues {
            guard let value = options[key], !value.isEmpty else { continue }
            // libpq compares the TLS versions without case, the others exactly.
            let found =
                key.hasSuffix("_protocol_version")
                ? known.contains { $0.lowercased() == value.lowercased() } : known.contains(value)
            if !found {
                return
                    "its \(key) \(shown(value)) is not one libpq knows; write one of \(known.joined(separator: ", "))"
            }
        }
        return nil
    }

    /// `uri` as it may be shown: the password of its user information and the values of its
    /// `password` and `sslpassword` parameters replaced by `***`; everything else as written.
    public static func redacted(_ uri: String) -> String {
        guard let scheme = uri.range(of: "://") else { return uri }
        var out = String(uri[..<scheme.upperBound])
        var rest = uri[scheme.upperBound...]
        // libpq ends the user information at the first `@` before the path or the parameters.
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        if let at = authority.firstIndex(of: "@") {
            let userinfo = authority[..<at]
            out += userinfo.firstIndex(of: ":").map { userinfo[..<$0] + ":***" } ?? String(userinfo)
            rest = rest[at...]
        }
        guard let question = rest.firstIndex(of: "?") else { return out + rest }
        out += rest[...question]
        let parameters = rest[rest.index(after: question)...].split(separator: "&", omittingEmptySubsequences: false)
        out += parameters.map { parameter -> String in
            let key = parameter.prefix { $0 != "=" }
            return secretKeys.contains(String(key).removingPercentEncoding ?? String(key))
                ? key + "=***" : String(parameter)
        }.joined(separator: "&")
        return out
    }

    /// `uri` connecting as `user`: its user information (a password with it) and a `user` parameter
    /// replaced; everything else as written.
    public static func asUser(_ user: String, _ uri: String) -> String {
        guard let scheme = uri.range(of: "://") else { return uri }
        var rest = uri[scheme.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        if let at = authority.firstIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        guard let question = rest.firstIndex(of: "?") else { return uri[..<scheme.upperBound] + user + "@" + rest }
        let parameters = rest[rest.index(after: question)...].split(separator: "&", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("user=") }
        return uri[..<scheme.upperBound] + user + "@" + rest[..<question]
            + (parameters.isEmpty ? "" : "?" + parameters.joined(separator: "&"))
    }

    /// The parameters whose values are secrets.
    public static let secretKeys: Set<String> = ["password", "sslpassword"]

    /// The secrets `uri` holds (as written and as decoded), longest first, for scrubbing messages.
    static func secrets(of uri: String) -> [String] {
        var found: Set<String> = []
        if let scheme = uri.range(of: "://") {
            let authority = uri[scheme.upperBound...].prefix { $0 != "/" && $0 != "?" }
            if let at = authority.firstIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                found.insert(String(authority[authority.index(after: colon)..<at]))
            }
        }
        if let question = uri.firstIndex(of: "?") {
            for parameter in uri[uri.index(after: question)...].split(separator: "&") {
                let parts = parameter.split(separator: "=", maxSplits: 1)
                if parts.count == 2, secretKeys.contains(String(parts[0])) { found.insert(String(parts[1])) }
            }
        }
        for secret in Array(found) { if let decoded = secret.removingPercentEncoding { found.insert(decoded) } }
        found.remove("")
        return found.sorted { $0.count > $1.count }
    }

    /// `text` with every secret of `uri` replaced by `***`.
    static func scrub(_ text: String, secretsOf uri: String) -> String {
        secrets(of: uri).reduce(text) { $0.replacingOccurrences(of: $1, with: "***") }
    }

    /// libpq's multi-line messages on one line (`PostgresError.joiningLines`).
    static func oneLine(_ text: String) -> String {
        PostgresError.joiningLines(text.split(whereSeparator: \.isNewline).map(String.init))
    }

    /// The options set in a libpq option array (the unset ones left out).
    static func values(of options: UnsafeMutablePointer<PQconninfoOption>) -> [String: String] {
        var result: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { result[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        return result
    }

    /// The `sslmode` Klaxon adds to a connection: `verify-full` (TLS, the server's certificate checked
    /// against the host name) when neither the URI nor `PGSSLMODE` names one, no service file is used,
    /// and a host is not this machine; nil otherwise (a loopback address 127.0.0.0/8 or ::1, `localhost`,
    /// a Unix socket's directory, or no host: the local socket), leaving libpq's default.
    public static func defaultSSLMode(options: [String: String], environment: [String: String]) -> String? {
        func named(_ value: String?) -> Bool { !(value ?? "").isEmpty }
        if named(options["sslmode"]) || named(environment["PGSSLMODE"]) { return nil }
        // A service file says what it says, sslmode and hosts included.
        if named(options["service"]) || named(environment["PGSERVICE"]) { return nil }
        let hosts = options["host"] ?? options["hostaddr"] ?? environment["PGHOST"] ?? environment["PGHOSTADDR"] ?? ""
        for host in hosts.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            let trimmed = host.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("/") || trimmed.hasPrefix("@") || trimmed == "localhost" {
                continue
            }
            if let address = IPAddress(trimmed), address.isLoopback { continue }
            return "verify-full"
        }
        return nil
    }
}
