import Crypto

/// A SHA-256 digest as stored in a journal record (`prev`, `hash`): 64 lowercase hex digits on disk.
public struct RecordHash: Hashable, Sendable, CustomStringConvertible {
    // Four words instead of a String: replay keeps two of these per record.
    var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    /// The `prev` of a journal's first record.
    public static let genesis = RecordHash(w0: 0, w1: 0, w2: 0, w3: 0)

    init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0
        self.w1 = w1
        self.w2 = w2
        self.w3 = w3
    }

    /// The SHA-256 of `bytes`.
    public static func of(_ bytes: UnsafeRawBufferPointer) -> RecordHash {
        SHA256.hash(data: bytes).withUnsafeBytes(RecordHash.init(digest:))
    }

    /// The 32 bytes of a SHA-256 digest (or of an HMAC-SHA256, which `hex` then writes out).
    init(digest raw: UnsafeRawBufferPointer) {
        func word(_ i: Int) -> UInt64 {
            var w: UInt64 = 0
            for j in 0..<8 { w = w << 8 | UInt64(raw[i * 8 + j]) }
            return w
        }
        self.init(w0: word(0), w1: word(1), w2: word(2), w3: word(3))
    }

    public static func of(_ bytes: [UInt8]) -> RecordHash {
        bytes.withUnsafeBytes { of($0) }
    }

    /// Parses 64 lowercase hex digits.
    public init?(hex: String) {
        var text = hex
        guard let parsed = text.withUTF8({ RecordHash.parse(hexBytes: $0) }) else { return nil }
        self = parsed
    }

    static func parse(hexBytes: UnsafeBufferPointer<UInt8>) -> RecordHash? {
        guard hexBytes.count == 64 else { return nil }
        // Branch-free: decode every digit as if valid, and collect invalid ones in one mask.
        var invalid: UInt8 = 0
        func word(_ start: Int) -> UInt64? {
            var w: UInt64 = 0
            for i in start..<(start + 16) {
                let b = hexBytes[i]
                let notDigit: UInt8 = (b &- 48) >= 10 ? 1 : 0
                let notLetter: UInt8 = (b &- 97) >= 6 ? 1 : 0
                invalid |= notDigit & notLetter
                w = w << 4 | UInt64((b & 0x0F) &+ 9 &* (b >> 6))
            }
            return w
        }
        guard let w0 = word(0), let w1 = word(16), let w2 = word(32), let w3 = word(48), invalid == 0 else {
            return nil
        }
        return RecordHash(w0: w0, w1: w1, w2: w2, w3: w3)
    }

    public var hex: String {
        var out = [UInt8]()
        out.reserveCapacity(64)
        for word in [w0, w1, w2, w3] {
            for shift in stride(from: 60, through: 0, by: -4) {
                let nibble = UInt8((word >> UInt64(shift)) & 0xF)
                out.append(nibble < 10 ? 48 + nibble : 87 + nibble)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The first 12 hex digits, for display.
    public var short: String { String(hex.prefix(12)) }

    public var description: String { hex }
}
