import Foundation

/// What one HTTP request of a check got back (from libcurl, in the HTTP adapter), or why it got nothing.
public struct ProbeResponse: Hashable, Sendable {
    /// Milliseconds from the start to: name resolved, connected, TLS done, first byte, the end.
    public struct Phases: Hashable, Sendable {
        public var dns: Double = 0, connect: Double = 0, tls: Double = 0, firstByte: Double = 0, total: Double = 0
        public init(dns: Double = 0, connect: Double = 0, tls: Double = 0, firstByte: Double = 0, total: Double = 0) {
            self.dns = dns
            self.connect = connect
            self.tls = tls
            self.firstByte = firstByte
            self.total = total
        }
    }

    /// nil when no response came (see `error`).
    public var statusCode: Int?
    /// The transfer's failure in words (`Couldn't connect to server`, `Timeout was reached`), if any.
    public var error: String?
    public var phases = Phases()
    /// The body, up to the cap.
    public var body: [UInt8] = []
    /// Whether the body was longer than the cap (and cut).
    public var truncated = false
    /// When the server's TLS certificate expires, for HTTPS.
    public var certificateExpiry: Timestamp?

    public init(statusCode: Int? = nil, error: String? = nil) {
        self.statusCode = statusCode
        self.error = error
    }
}

extension ProbeResponse {
    /// One response standing for a poll's several (a system kind reads two endpoints): the first failed
    /// one, else the slowest, whose time is the poll's (the requests run side by side).
    public static func combined(_ responses: [ProbeResponse]) -> ProbeResponse {
        if let failed = responses.first(where: { $0.error != nil || !(200..<400).contains($0.statusCode ?? 0) }) {
            return failed
        }
        return responses.max { $0.phases.total < $1.phases.total } ?? ProbeResponse(error: "no request was made")
    }
}

/// Judges an `http` check's response against what the check expects.
public enum HTTPExpectation {
    public static func evaluate(_ check: CheckDefinition, _ response: ProbeResponse, now: Timestamp) -> CheckObservation
    {
        if let error = response.error { return .failed(error) }
        guard let code = response.statusCode else { return .failed("no response") }
        let expect = check.expect
        let statusOK = expect.statuses.isEmpty ? (200..<400).contains(code) : expect.statuses.contains(code)
        guard statusOK else { return .failed("HTTP \(code)") }
        if let needle = expect.bodyContains, !contains(response.body, Array(needle.utf8)) {
            return .failed(
                "HTTP \(code), but the body lacks \"\(needle)\""
                    + (response.truncated ? " (in its first \(ByteSize.text(check.bodyLimit)))" : ""))
        }
        if let path = expect.jsonPath {
            guard let json = try? JSONParser.parse(response.body) else {
                return .failed("HTTP \(code), but the body is not JSON")
            }
            let found = JSONPath.value(at: path, in: json)
            // Compared with the type the value has in klaxon.yaml: "true" is a string, true a boolean.
            if let wanted = expect.jsonEquals, found != wanted {
                let got = found.map { "\($0.canonicalJSON) (\($0.typeDescription))" } ?? "missing"
                return .failed("\(path) is \(got), expected \(wanted.canonicalJSON) (\(wanted.typeDescription))")
            }
        }
        let latency = Int64(response.phases.total.rounded())
        if let days = expect.certificateDaysLeft, let expiry = response.certificateExpiry {
            let secondsLeft = now.seconds(until: expiry)
            // Expired is an outage for every client that verifies, not a warning.
            if secondsLeft <= 0 {
                let ago = -secondsLeft / 86400
                return .failed(
                    "TLS certificate expired on \(expiry.rfc3339.prefix(10))"
                        + (ago > 0 ? " (\(ago) day\(ago == 1 ? "" : "s") ago)" : ""))
            }
            let left = secondsLeft / 86400
            if left < Int64(days) {
                return .degraded(
                    left == 0
                        ? "TLS certificate expires in less than a day"
                        : "TLS certificate expires in \(left) day\(left == 1 ? "" : "s")")
            }
        }
        if let limit = expect.maxLatencyMilliseconds, latency > limit {
            return .degraded("slow: \(latency) ms > \(limit) ms")
        }
        return .ok("HTTP \(code) in \(latency) ms")
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard haystack.count >= needle.count else { return false }
        let first = needle[0]
        var i = 0
        while i <= haystack.count - needle.count {
            if haystack[i] == first && haystack[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }
}

extension JSONValue {
    /// `a string`, `a number`, `a boolean`, `null`, `a list` or `an object`, for messages.
    public var typeDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "an object"
        }
    }
}

/// The small JSONPath the checks need: `$`, `.key`, `['key']` and `[index]`.
public enum JSONPath {
    public static func value(at path: String, in root: JSONValue) -> JSONValue? {
        var current: JSONValue? = root
        var rest = Substring(path)
        guard rest.hasPrefix("$") else { return nil }
        rest = rest.dropFirst()
        while !rest.isEmpty, let value = current {
            if rest.hasPrefix(".") {
                rest = rest.dropFirst()
                let key = rest.prefix { $0 != "." && $0 != "[" }
                rest = rest.dropFirst(key.count)
                current = value[String(key)]
            } else if rest.hasPrefix("[") {
                guard let close = rest.firstIndex(of: "]") else { return nil }
                let inside = rest[rest.index(after: rest.startIndex)..<close]
                rest = rest[rest.index(after: close)...]
                if let index = Int(inside) {
                    guard let items = value.arrayValue, items.indices.contains(index) else { return nil }
                    current = items[index]
                } else {
                    current = value[String(inside.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")))]
                }
            } else {
                return nil
            }
        }
        return current
    }
}
