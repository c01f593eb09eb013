import KlaxonCore

/// Turns the bytes a terminal sends into characters and pastes, a byte at a time, so input split
/// across reads still decodes, and garbage costs only itself: an invalid byte, or a sequence cut
/// short, is dropped (its maximal invalid part, as Unicode recommends) and the byte that ended it is
/// read afresh. ncurses' own decoding (`get_wch`) drops the valid characters that follow in the same read.
///
/// A bracketed paste (ESC[200~ … ESC[201~, which the terminal sends once the console has asked with
/// ESC[?2004h) comes out as one `.paste`, so pasted text is never taken for keys, even with its
/// markers split across reads. Its text is bounded as typed text is (`InputLimits.textBytes`), and a
/// paste whose end never comes ends once its bytes have stopped for `pasteStallMilliseconds`, so it
/// cannot swallow the console.
///
/// A mouse report in SGR mode (ESC[<b;x;yM, or `m` for a release, which the terminal sends once the
/// console has asked with ESC[?1000h ESC[?1006h) comes out as one `.mouse`. A report that goes wrong
/// (a byte that is not a digit or `;`, more than `mouseReportBytes`, too few numbers, or cut short
/// for `markerWaitMilliseconds`) is dropped whole, never typed: its digits would be keys.
public struct UTF8InputDecoder: Sendable {
    /// What the bytes say.
    public enum Input: Equatable, Sendable {
        case scalar(Unicode.Scalar)
        /// A bracketed paste's text; `cut` when some of it was left out: it was longer than
        /// `InputLimits.textBytes`, or it never ended.
        case paste(String, cut: Bool)
        /// A mouse report (outside a paste only: inside one, its bytes are pasted text).
        case mouse(MouseEvent)
    }

    static let pasteStart = Array("\u{1B}[200~".utf8)
    static let pasteEnd = Array("\u{1B}[201~".utf8)
    /// How an SGR mouse report begins.
    public static let mouseStart = Array("\u{1B}[<".utf8)
    /// The longest SGR mouse report read (ESC[<, three numbers of up to five digits, two `;` and the
    /// final byte come to 21); longer is garbage.
    public static let mouseReportBytes = 24
    /// How long bytes that may begin a marker wait for the rest (as ncurses waits for the rest of an
    /// escape sequence, `set_escdelay`): after that, an ESC is the escape key.
    public static let markerWaitMilliseconds: Int64 = 25
    /// How long a paste may pause before it is taken as ended: a terminal sends a paste at once.
    public static let pasteStallMilliseconds: Int64 = 1000

    /// Bytes are Latin-1 characters, one each (a locale that is not UTF-8).
    private let latin1: Bool
    private var pending: [UInt8] = []
    private var expected = 0
    /// The range the next continuation byte must fall in (narrower after E0, ED, F0 and F4).
    private var nextRange: ClosedRange<UInt8> = 0x80...0xBF
    /// Bytes that may be the start of a paste marker, held until the marker completes or fails.
    private var held: [UInt8] = []
    /// The paste being read, if any, with its size in bytes and whether some was left out.
    private var paste: (text: String.UnicodeScalarView, bytes: Int, cut: Bool)?
    private var fedSinceRead = false
    /// A mouse report too long to be one is being dropped, to its end.
    private var skippingReport = false
    /// When the last read that brought bytes ended.
    private var lastInput: Timestamp?

    public init(latin1: Bool = false) { self.latin1 = latin1 }

    /// Whether a paste has begun and not yet ended.
    public var isPasting: Bool { paste != nil }

    /// Whether the decoder waits for more bytes before it can say what came (a marker begun, a paste
    /// not ended): the caller reads again within `markerWaitMilliseconds` even when no byte arrives.
    public var isWaiting: Bool { !held.isEmpty || paste != nil }

    /// Feeds one byte; returns what it completes: nothing, a character, or, after a sequence cut short
    /// by an ASCII byte, that one (or what a marker that failed held back); or a paste, or a mouse report.
    public mutating func feed(_ byte: UInt8) -> [Input] {
        fedSinceRead = true
        if skippingReport {
            if Self.isReportByte(byte) { return [] }
            skippingReport = false
            if byte == UInt8(ascii: "M") || byte == UInt8(ascii: "m") { return [] }  // its end, dropped too
        }
        if held.isEmpty && byte != 0x1B { return take(byte) }  // every marker begins with ESC
        held.append(byte)
        if paste == nil, held.starts(with: Self.mouseStart) {
            return held.count == Self.mouseStart.count ? [] : mouseReport(byte)
        }
        let markers = paste == nil ? [Self.pasteStart, Self.pasteEnd] : [Self.pasteEnd]
        if markers.contains(where: { $0.starts(with: held) }) {
            guard held.count == Self.pasteStart.count else { return [] }  // a marker so far: wait for the rest
            let marker = held
            held = []
            pending = []  // a character cut short by the marker is dropped
            if marker == Self.pasteStart {
                paste = ("".unicodeScalars, 0, false)
                return []
            }
            return endPaste(cut: false)  // an end with no start (a paste that was ended already) is nothing
        }
        // Not a marker: the bytes held are input after all; an ESC last may begin a marker again.
        let again = byte == 0x1B
        let bytes = again ? held.dropLast() : held[...]
        held = again ? [0x1B] : []
        return bytes.flatMap { take($0) }
    }

    /// Ends a read: the bytes fed since the last call arrived at `time`. Bytes held as a possible
    /// marker that nothing followed for `markerWaitMilliseconds` are input after all (a lone ESC is the
    /// escape key); a paste whose bytes stopped `pasteStallMilliseconds` ago ends, cut, with what came.
    public mutating func endRead(at time: Timestamp) -> [Input] {
        if fedSinceRead {
            lastInput = time
            fedSinceRead = false
        }
        let quiet = lastInput.map { time.milliseconds - $0.milliseconds } ?? 0
        if paste == nil { return quiet >= Self.markerWaitMilliseconds ? release() : [] }
        guard quiet >= Self.pasteStallMilliseconds else { return [] }
        _ = release()  // into the paste
        return endPaste(cut: true)
    }

    /// A key that ncurses decoded itself arrived (an arrow, a function key): what was held back came
    /// before it.
    public mutating func interrupt() -> [Input] {
        paste == nil ? release() : []
    }

    private mutating func release() -> [Input] {
        let bytes = held
        held = []
        // A mouse report cut short is dropped, not typed.
        if paste == nil, bytes.count >= Self.mouseStart.count, bytes.starts(with: Self.mouseStart) { return [] }
        return bytes.flatMap { take($0) }
    }

    /// Whether `byte` may be inside a mouse report's numbers: a digit or `;`.
    static func isReportByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ";")
    }

    /// `byte` has just been held after the start of a mouse report: the report so far, the report
    /// complete, or garbage (dropped; a byte that is no part of a report is read afresh).
    private mutating func mouseReport(_ byte: UInt8) -> [Input] {
        switch byte {
        case _ where Self.isReportByte(byte):
            if held.count >= Self.mouseReportBytes {  // far too long: garbage, to its end
                held = []
                skippingReport = true
            }
            return []
        case UInt8(ascii: "M"), UInt8(ascii: "m"):
            let fields = held.dropFirst(Self.mouseStart.count).dropLast().split(
                separator: UInt8(ascii: ";"), omittingEmptySubsequences: false
            )
            .map { Int(String(decoding: $0, as: UTF8.self)) }
            held = []
            guard fields.count == 3, let code = fields[0], let x = fields[1], let y = fields[2], x >= 1, y >= 1 else {
                return []
            }
            return [.mouse(MouseEvent(sgrCode: code, x: x, y: y, pressed: byte == UInt8(ascii: "M")))]
        default:
            held = []
            return feed(byte)
        }
    }

    private mutating func endPaste(cut: Bool) -> [Input] {
        guard let paste else { return [] }
        self.paste = nil
        pending = []
        return [.paste(String(paste.text), cut: paste.cut || cut)]
    }

    /// A byte of input that is not part of a marker: into the paste being read, or out as characters.
    private mutating func take(_ byte: UInt8) -> [Input] {
        let scalars = latin1 ? [Unicode.Scalar(byte)] : decode(byte)
        guard var current = paste else { return scalars.map { .scalar($0) } }
        for scalar in scalars {
            let size = UTF8.width(scalar)
            if current.bytes + size > InputLimits.textBytes {
                current.cut = true
                continue
            }
            current.text.append(scalar)
            current.bytes += size
        }
        paste = current
        return []
    }

    private mutating func decode(_ byte: UInt8) -> [Unicode.Scalar] {
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
        case 0xE0: start(byte, length: 3, next: 0xA0...0xBF)  // no overlong forms
        case 0xED: start(byte, length: 3, next: 0x80...0x9F)  // no surrogates
        case 0xE1...0xEF: start(byte, length: 3, next: 0x80...0xBF)
        case 0xF0: start(byte, length: 4, next: 0x90...0xBF)  // no overlong forms
        case 0xF4: start(byte, length: 4, next: 0x80...0x8F)  // nothing past U+10FFFF
        case 0xF1...0xF3: start(byte, length: 4, next: 0x80...0xBF)
        default: break  // 80–C1, F5–FF never start a character
        }
        return []
    }

    private mutating func start(_ byte: UInt8, length: Int, next: ClosedRange<UInt8>) {
        pending = [byte]
        expected = length
        nextRange = next
    }
}
