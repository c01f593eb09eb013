/// Turns the bytes a terminal sends into characters, a byte at a time, so input split across reads
/// still decodes, and garbage costs only itself: an invalid byte, or a sequence cut short, is
/// dropped (its maximal invalid part, as Unicode recommends) and the byte that ended it is read
/// afresh. ncurses' own decoding (`get_wch`) drops the valid characters that follow in the same read.
public struct UTF8InputDecoder: Sendable {
    private var pending: [UInt8] = []
    private var expected = 0
    /// The range the next continuation byte must fall in (narrower after E0, ED, F0 and F4).
    private var nextRange: ClosedRange<UInt8> = 0x80...0xBF

    public init() {}

    /// Feeds one byte; returns the scalars it completes (none, one, or, after a sequence cut short
    /// by an ASCII byte, that one).
    public mutating func feed(_ byte: UInt8) -> [Unicode.Scalar] {
        if !pending.isEmpty {
            if nextRange.contains(byte) {
                pending.append(byte)
                nextRange = 0x80...0xBF
                guard pending.count == expected else { return [] }
                defer { pending = [] }
                return String(decoding: pending, as: UTF8.self).unicodeScalars.map { $0 }
            }
            pending = []  // cut short: drop what came so far, and read this byte as a new start
        }
        switch byte {
        case 0x00...0x7F: return [Unicode.Scalar(byte)]
        case 0xC2...0xDF: start(byte, length: 2, next: 0x80...0xBF)
        case 0xE0: start(byte, length: 3, next: 0xA0...0xBF)       // no overlong forms
        case 0xED: start(byte, length: 3, next: 0x80...0x9F)       // no surrogates
        case 0xE1...0xEF: start(byte, length: 3, next: 0x80...0xBF)
        case 0xF0: start(byte, length: 4, next: 0x90...0xBF)       // no overlong forms
        case 0xF4: start(byte, length: 4, next: 0x80...0x8F)       // nothing past U+10FFFF
        case 0xF1...0xF3: start(byte, length: 4, next: 0x80...0xBF)
        default: break                                             // 80–C1, F5–FF never start a character
        }
        return []
    }

    private mutating func start(_ byte: UInt8, length: Int, next: ClosedRange<UInt8>) {
        pending = [byte]
        expected = length
        nextRange = next
    }
}
