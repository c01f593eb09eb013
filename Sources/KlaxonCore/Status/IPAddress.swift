/// An IPv4 or IPv6 address as its bytes (4 or 16), read from text or from what a socket is about to
/// connect to, so that both are judged by one rule.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// A dotted IPv4 address (`169.254.169.254`) or an IPv6 one (`fd00:ec2::254`, `::ffff:10.0.0.1`),
    /// without brackets or a zone; nil for anything else, host names included.
    public init?(_ text: String) {
        if let v4 = Self.ipv4(Substring(text)) {
            bytes = v4
            return
        }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt8]? {
            if part.isEmpty { return [] }
            var result: [UInt8] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (n, piece) in pieces.enumerated() {
                if n == pieces.count - 1, piece.contains("."), let v4 = Self.ipv4(piece) {
                    result += v4
                    continue
                }
                guard (1...4).contains(piece.count), let value = UInt16(piece, radix: 16) else { return nil }
                result += [UInt8(value >> 8), UInt8(value & 0xFF)]
            }
            return result
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 {
            guard head.count == 16 else { return nil }
            bytes = head
        } else {
            guard let tail = groups(halves[1]), head.count + tail.count <= 14 else { return nil }
            bytes = head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
        }
    }

    private static func ipv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var result: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCII), let value = UInt8(part) else { return nil }
            result.append(value)
        }
        return result
    }

    /// Link-local (169.254.0.0/16, fe80::/10, the same as IPv4-mapped IPv6) or a cloud's metadata service
    /// (169.254.169.254, fd00:ec2::254): where a server that asks to be fetched from could point Klaxon at
    /// the credentials of the machine it runs on.
    public var isLinkLocalOrMetadata: Bool {
        if bytes.count == 4 { return bytes[0] == 169 && bytes[1] == 254 }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return IPAddress(bytes: Array(bytes[12...]))!.isLinkLocalOrMetadata
        }
        return (bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80) || self == Self.awsMetadataV6
    }

    static let awsMetadataV6 = IPAddress("fd00:ec2::254")!

    /// This machine's own: 127.0.0.0/8, ::1, or an IPv4-mapped 127.x.x.x.
    public var isLoopback: Bool {
        if bytes.count == 4 { return bytes[0] == 127 }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF { return bytes[12] == 127 }
        return bytes[0..<15].allSatisfy { $0 == 0 } && bytes[15] == 1
    }

    /// Dotted for IPv4; for IPv6, hexadecimal groups with the longest run of zero groups as `::`.
    public var description: String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        let groups = stride(from: 0, to: 16, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
        var best = (start: 0, count: 0)
        var run = (start: 0, count: 0)
        for (i, group) in groups.enumerated() {
            run = group == 0 ? (run.count == 0 ? (i, 1) : (run.start, run.count + 1)) : (0, 0)
            if run.count > best.count { best = run }
        }
        let text = groups.map { String($0, radix: 16) }
        guard best.count >= 2 else { return text.joined(separator: ":") }
        return text[..<best.start].joined(separator: ":") + "::"
            + text[(best.start + best.count)...].joined(separator: ":")
    }
}
