/// `intake:` of `klaxon.yaml`: where `klaxon watch` listens for pushed alerts (Alertmanager's webhook,
/// PagerDuty-style events, heartbeats), the tokens senders authenticate with, and the routes alert groups
/// take (docs/intake.md). Nothing listens unless `listen` is set.
public struct IntakeConfig: Hashable, Sendable {
    /// The address the listener binds: a host (an IPv4 or IPv6 literal, or `localhost`) and a port.
    public struct Listen: Hashable, Sendable, CustomStringConvertible {
        public var host: String
        /// 0 asks the system for a free port (the listener says which it got).
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// Why a text is no `listen` address.
        public enum Problem: Error, Equatable {
            /// Not `HOST:PORT` with an IP literal or `localhost`.
            case form
            /// `HOST:PORT`, but the port is over 65535.
            case port
        }

        /// `127.0.0.1:9095`, `[::1]:9095` or `localhost:9095`; a host name other than `localhost` is
        /// refused (the address bound must be the one written, not a lookup's answer), as is a port over
        /// 65535.
        public init(parsing text: String) throws(Problem) {
            let host: Substring
            let port: Substring
            if text.hasPrefix("[") {
                guard let close = text.firstIndex(of: "]"), text[close...].hasPrefix("]:") else { throw .form }
                host = text[text.index(after: text.startIndex)..<close]
                port = text[text.index(close, offsetBy: 2)...]
                guard Self.isIPv6(host) else { throw .form }
            } else {
                guard let colon = text.lastIndex(of: ":") else { throw .form }
                host = text[..<colon]
                port = text[text.index(after: colon)...]
                guard host == "localhost" || Self.isIPv4(host) else { throw .form }
            }
            guard !port.isEmpty, port.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw .form }
            guard port.count <= 5, let number = Int(port), number <= 65535 else { throw .port }
            self.init(host: String(host), port: number)
        }

        /// Whether only this machine can reach it: `localhost`, 127.0.0.0/8 or `::1`.
        public var isLoopback: Bool { host == "localhost" || IPAddress(host)?.isLoopback == true }

        /// Whether it is every interface of this machine: `0.0.0.0` or `::`.
        public var isEveryInterface: Bool { IPAddress(host)?.bytes.allSatisfy { $0 == 0 } == true }

        /// As written in `klaxon.yaml` (an IPv6 host in brackets).
        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

        /// The form `listen` takes, for messages.
        public static let expected = "HOST:PORT with an IP address or localhost, such as 127.0.0.1:9095 or [::1]:9095"
        /// The ports `listen` takes, for messages.
        public static let ports = "the port must be 1 to 65535, or 0 for a free port that klaxon watch then names"

        static func isIPv4(_ text: Substring) -> Bool {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            return parts.count == 4
                && parts.allSatisfy { part in
                    !part.isEmpty && part.count <= 3 && part.allSatisfy { $0.isASCII && $0.isNumber }
                        && Int(part)! <= 255 && (part.count == 1 || part.first != "0")
                }
        }

        static func isIPv6(_ text: Substring) -> Bool {
            guard text.count >= 2, text.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }),
                text.components(separatedBy: "::").count <= 2
            else { return false }
            let groups = text.split(separator: ":", omittingEmptySubsequences: true)
            return groups.count <= 8 && groups.allSatisfy { $0.count <= 4 || isIPv4($0) }
        }
    }

    public var listen: Listen?
    /// Where `listen` is written (`klaxon.yaml:3:11`), for messages; nil when it is not read from a file.
    public var listenPlace: String?
    /// Each token's name (what records say authenticated a request) and where its secret is kept; a
    /// sender gives the secret (`Authorization: Bearer`, Basic auth's password, or a PagerDuty event's
    /// `routing_key`).
    public var tokens: [String: SecretReference] = [:]
    public var routes: [IntakeRoute] = []
    /// The largest request body taken; a larger one is answered 413.
    public var maxBodyBytes = IntakeConfig.defaultMaxBodyBytes
    /// The address phones reach the listener at (`https://klaxon.example.com`, usually a reverse proxy),
    /// without a trailing slash: the base of the action links in pages. Nil: pages carry no links.
    public var publicURL: String?
    /// The key action links are signed with (docs/action-links.md); set whenever `publicURL` is.
    public var linkSecret: SecretReference?
    /// How long an action link works after its page was sent, unless the incident resolves first.
    public var linkExpirySeconds = IntakeConfig.defaultLinkExpirySeconds

    /// 24 hours.
    public static let defaultLinkExpirySeconds: Int64 = 86400
    /// The expiries `link_expiry` takes: a minute to 30 days.
    public static let linkExpiryRange: ClosedRange<Int64> = 60...(30 * 86400)

    /// 8 MiB: a group of 1,000 alerts is about 1.5 MB.
    public static let defaultMaxBodyBytes = 8 << 20
    /// The sizes `max_body` takes.
    public static let maxBodyRange = (1 << 10)...(256 << 20)

    public init() {}

    /// Whether `name` may name a token: 1 to 64 letters, digits, `-` and `_` (it is written in records
    /// and messages).
    public static func isTokenName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy {
                $0 == 0x2D || $0 == 0x5F || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0)
                    || (0x61...0x7A).contains($0)
            }
    }
}
