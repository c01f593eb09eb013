/// A strict RFC 8259 JSON parser over UTF-8 bytes.
///
/// Why not Foundation: `JSONDecoder` and `JSONSerialization` decode 75,000–170,000 journal records
/// a second on the reference machine, and replay must reach 500,000 (see README, "Performance").
/// This parser does one pass over the bytes with no intermediate objects.
public struct JSONParser {
    /// Why a text is not JSON, and the byte offset where that was found.
    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        public var offset: Int
        public var reason: String
        public var description: String { "\(reason) at byte \(offset)" }
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index: Int
    private var depth = 0
    /// Deeper nesting is refused rather than risking the stack on hostile input.
    static let maximumDepth = 128

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        self.index = 0
    }

    /// Parses one complete JSON text; trailing non-whitespace is an error.
    public static func parse<Bytes: Collection<UInt8>>(_ input: Bytes) throws(Failure) -> JSONValue {
        let result: Result<JSONValue, Failure>? = input.withContiguousStorageIfAvailable { buffer in
            var parser = JSONParser(bytes: buffer)
            return Result { () throws(Failure) in try parser.parseDocument() }
        }
        if let result { return try result.get() }
        let copy = Array(input)
        return try copy.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(bytes: buffer)
            return Result { () throws(Failure) in try parser.parseDocument() }
        }.get()
    }

    public static func parse(_ text: String) throws(Failure) -> JSONValue {
        try parse(Array(text.utf8))
    }

    mutating func parseDocument() throws(Failure) -> JSONValue {
        let value = try parseValue()
        skipWhitespace()
        guard index == bytes.count else { throw fail("unexpected text after the JSON value") }
        return value
    }

    // MARK: - Object iteration, used by the record decoder to avoid building a dictionary.

    /// Parses an object, handing each key to `field`, which must consume the value with one of the
    /// `parse…` methods.
    mutating func parseObject(_ field: (inout JSONParser, String) throws(Failure) -> Void) throws(Failure) {
        try parseObject(
            rawKeys: { (parser: inout JSONParser, raw: UnsafeBufferPointer<UInt8>?) throws(Failure) in
                // nil: the key had escapes and was left unread.
                let key: String
                if let raw { key = String(decoding: raw, as: UTF8.self) } else { key = try parser.parseString() }
                parser.skipWhitespace()
                try parser.expect(UInt8(ascii: ":"))
                try field(&parser, key)
            }, readsColon: true)
    }

    /// Parses an object handing each key to `field` as raw bytes when it has no escapes (and is valid
    /// UTF-8), which lets the record decoder dispatch on keys without building strings.
    mutating func parseObject(
        rawKeys field: (inout JSONParser, UnsafeBufferPointer<UInt8>?) throws(Failure) -> Void,
        readsColon: Bool = false
    ) throws(Failure) {
        skipWhitespace()
        guard peek() == UInt8(ascii: "{") else { throw fail("expected an object") }
        index += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            let keyStart = index
            let raw = try parsePlainKeyBytes()
            if raw == nil { index = keyStart }
            if readsColon {
                try field(&self, raw)
            } else {
                if raw == nil { _ = try parseString() }
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                try field(&self, raw)
            }
            skipWhitespace()
            if peek() == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if peek() == UInt8(ascii: "}") {
                index += 1
                return
            }
            throw fail("expected ',' or '}' in an object")
        }
    }

    /// A key without escapes and in ASCII, as raw bytes; nil (position unspecified) for any other string.
    private mutating func parsePlainKeyBytes() throws(Failure) -> UnsafeBufferPointer<UInt8>? {
        try plainStringBytes(asciiOnly: true)
    }

    mutating func finish() throws(Failure) {
        skipWhitespace()
        guard index == bytes.count else { throw fail("unexpected text after the JSON value") }
    }

    // MARK: - Values

    mutating func parseValue() throws(Failure) -> JSONValue {
        skipWhitespace()
        guard let byte = peek() else { throw fail("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"):
            depth += 1
            guard depth <= Self.maximumDepth else { throw fail("nesting deeper than \(Self.maximumDepth)") }
            var fields: [String: JSONValue] = [:]
            try parseObject { (parser: inout JSONParser, key: String) throws(Failure) in
                let value = try parser.parseValue()
                guard fields.updateValue(value, forKey: key) == nil else {
                    throw parser.fail("duplicate key \"\(key)\"")
                }
            }
            depth -= 1
            return .object(fields)
        case UInt8(ascii: "["):
            depth += 1
            guard depth <= Self.maximumDepth else { throw fail("nesting deeper than \(Self.maximumDepth)") }
            index += 1
            var items: [JSONValue] = []
            skipWhitespace()
            if peek() == UInt8(ascii: "]") {
                index += 1
            } else {
                while true {
                    items.append(try parseValue())
                    skipWhitespace()
                    if peek() == UInt8(ascii: ",") {
                        index += 1
                        continue
                    }
                    if peek() == UInt8(ascii: "]") {
                        index += 1
                        break
                    }
                    throw fail("expected ',' or ']' in an array")
                }
            }
            depth -= 1
            return .array(items)
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        default:
            return .number(try parseNumber())
        }
    }

    mutating func parseInteger() throws(Failure) -> Int {
        skipWhitespace()
        let start = index
        let value = try parseNumber()
        guard value.rounded() == value, abs(value) < 9e15 else {
            index = start
            throw fail("expected an integer")
        }
        return Int(value)
    }

    mutating func parseNumber() throws(Failure) -> Double {
        skipWhitespace()
        let start = index
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), isDigit(first) else { throw fail("expected a value") }
        var integer: Int64 = 0
        var simple = true
        if first == UInt8(ascii: "0") {
            index += 1
        } else {
            var count = 0
            while let d = peek(), isDigit(d) {
                if count < 17 { integer = integer * 10 + Int64(d - 48) } else { simple = false }
                count += 1
                index += 1
            }
        }
        if peek() == UInt8(ascii: ".") {
            simple = false
            index += 1
            guard let d = peek(), isDigit(d) else { throw fail("expected a digit after '.'") }
            while let d = peek(), isDigit(d) { index += 1 }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            simple = false
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard let d = peek(), isDigit(d) else { throw fail("expected a digit in the exponent") }
            while let d = peek(), isDigit(d) { index += 1 }
        }
        let negative = bytes[start] == UInt8(ascii: "-")
        if simple { return Double(negative ? -integer : integer) }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            index = start
            throw fail("number out of range")
        }
        return value
    }

    /// A string without escapes, as its raw bytes (for fixed-format fields: hashes, timestamps).
    mutating func parsePlainStringBytes() throws(Failure) -> UnsafeBufferPointer<UInt8> {
        skipWhitespace()
        guard let raw = try plainStringBytes(asciiOnly: false) else {
            throw fail("unexpected character in a fixed-format string")
        }
        return raw
    }

    /// The bytes of the string starting here when it has no escapes or control characters (and, with
    /// `asciiOnly`, no non-ASCII bytes); nil, with the position left inside the string, otherwise.
    private mutating func plainStringBytes(asciiOnly: Bool) throws(Failure) -> UnsafeBufferPointer<UInt8>? {
        try expect(UInt8(ascii: "\""))
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return UnsafeBufferPointer(rebasing: bytes[start..<(index - 1)])
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 || (asciiOnly && byte >= 0x80) { return nil }
            index += 1
        }
        throw fail("unterminated string")
    }

    mutating func parseString() throws(Failure) -> String {
        skipWhitespace()
        try expect(UInt8(ascii: "\""))
        let start = index
        // Fast path: no escapes; the bytes are copied once into the String. ASCII needs no validation
        // (and `String(validating:)`, being generic, costs a runtime metadata lookup per call).
        var isASCII = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                if isASCII { return String(decoding: slice, as: UTF8.self) }
                guard let s = String(validating: slice, as: UTF8.self) else {
                    throw Failure(offset: start, reason: "invalid UTF-8 in a string")
                }
                return s
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw fail("unescaped control character in a string") }
            if byte >= 0x80 { isASCII = false }
            index += 1
        }
        // Slow path: resolve escapes.
        var scalars = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while true {
            guard let byte = peek() else { throw fail("unterminated string") }
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let s = String(validating: scalars, as: UTF8.self) else {
                    throw Failure(offset: start, reason: "invalid UTF-8 in a string")
                }
                return s
            case UInt8(ascii: "\\"):
                guard let escape = peek() else { throw fail("unterminated escape") }
                index += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append(0x22)
                case UInt8(ascii: "\\"): scalars.append(0x5C)
                case UInt8(ascii: "/"): scalars.append(0x2F)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800...0xDBFF).contains(code) {
                        guard peek() == UInt8(ascii: "\\"), index + 1 < bytes.count,
                            bytes[index + 1] == UInt8(ascii: "u")
                        else { throw fail("unpaired surrogate in \\u escape") }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw fail("unpaired surrogate in \\u escape") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(code) {
                        throw fail("unpaired surrogate in \\u escape")
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw fail("invalid \\u escape") }
                    scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
                default:
                    throw fail("invalid escape")
                }
            default:
                if byte < 0x20 {
                    index -= 1
                    throw fail("unescaped control character in a string")
                }
                scalars.append(byte)
            }
        }
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = peek() else { throw fail("short \\u escape") }
            let digit: UInt32
            switch byte {
            case 48...57: digit = UInt32(byte - 48)
            case 65...70: digit = UInt32(byte - 55)
            case 97...102: digit = UInt32(byte - 87)
            default: throw fail("bad hex digit in \\u escape")
            }
            value = value * 16 + digit
            index += 1
        }
        return value
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw fail("expected a value") }
        for i in 0..<count where bytes[index + i] != word.utf8Start[i] { throw fail("expected a value") }
        index += count
    }

    mutating func expect(_ byte: UInt8) throws(Failure) {
        guard peek() == byte else {
            throw fail("expected '\(Character(Unicode.Scalar(byte)))'")
        }
        index += 1
    }

    @inline(__always) private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    @inline(__always) private func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }

    @inline(__always) mutating func skipWhitespace() {
        while index < bytes.count {
            let b = bytes[index]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            index += 1
        }
    }

    func fail(_ reason: String) -> Failure { Failure(offset: index, reason: reason) }
}
