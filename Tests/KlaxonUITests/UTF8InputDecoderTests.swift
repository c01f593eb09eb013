import KlaxonCore
import KlaxonUI
import Testing

struct UTF8InputDecoderTests {
    func decode(_ bytes: [UInt8]) -> String {
        var text = ""
        text.unicodeScalars.append(contentsOf: decodeReads([bytes]).map(\.scalar))
        return text
    }

    /// Feeds `reads` as separate reads, `gap` milliseconds apart, then lets time pass; returns all it said.
    func decodeReads(_ reads: [[UInt8]], gap: Int64 = 5, decoder: inout UTF8InputDecoder) -> [UTF8InputDecoder.Input] {
        var time: Int64 = 1_000
        var out: [UTF8InputDecoder.Input] = []
        for read in reads {
            for byte in read { out += decoder.feed(byte) }
            out += decoder.endRead(at: Timestamp(milliseconds: time))
            time += gap
        }
        return out + decoder.endRead(at: Timestamp(milliseconds: time + 60_000))
    }

    func decodeReads(_ reads: [[UInt8]], gap: Int64 = 5) -> [UTF8InputDecoder.Input] {
        var decoder = UTF8InputDecoder()
        return decodeReads(reads, gap: gap, decoder: &decoder)
    }

    static let start = Array("\u{1B}[200~".utf8), end = Array("\u{1B}[201~".utf8)

    @Test func validTextComesThroughWhole() {
        let text = "ascii, é, 磁盘, ✓, 🧹, 한"
        #expect(decode(Array(text.utf8)) == text)
    }

    @Test func garbageCostsOnlyItself() {
        // A lead byte cut short by ASCII: the ASCII stays (ncurses' get_wch dropped "cd(e" here).
        #expect(decode([0x61, 0xE2, 0x82, 0x63, 0x64, 0xC3, 0x28, 0x65]) == "acd(e")
        // Stray continuations, bytes that never occur, overlong forms, surrogates, past U+10FFFF, five-byte forms.
        #expect(decode([0x80, 0xBF, 0xFF, 0xFE, 0xC0, 0xAF, 0xC1, 0xBF, 0x41]) == "A")
        #expect(decode([0xE0, 0x80, 0xAF, 0x42]) == "B")
        #expect(decode([0xED, 0xA0, 0x80, 0x43]) == "C")
        #expect(decode([0xF4, 0x90, 0x80, 0x80, 0x44]) == "D")
        #expect(decode([0xF8, 0x88, 0x80, 0x80, 0x80, 0x45]) == "E")
        // A sequence cut short by the start of another: the second one decodes.
        #expect(decode([0xE2, 0x9C, 0xE2, 0x9C, 0x93]) == "✓")
    }

    @Test func aCharacterSplitAcrossReadsStillDecodes() {
        var decoder = UTF8InputDecoder()
        #expect(decoder.feed(0xF0).isEmpty && decoder.feed(0x9F).isEmpty && decoder.feed(0xA7).isEmpty)
        #expect(decoder.feed(0xB9) == [.scalar("🧹")])
        #expect(decoder.feed(0x7A) == [.scalar("z")])
    }

    /// Swift's own decoder replaces each maximal invalid subpart with U+FFFD, the practice Unicode
    /// recommends; this decoder drops the same subparts. So on any bytes, this one gives what Swift's
    /// gives without its replacement characters.
    @Test func agreesWithSwiftsDecoderOnRandomBytes() {
        var state: UInt64 = 0x5EED_1234  // SplitMix64, seeded: the same inputs on every run
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        // Mostly the bytes that matter: lead bytes, continuations and the edges of their ranges.
        let interesting: [UInt8] = [
            0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF,
            0xE0, 0xE1, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF
        ]
        for round in 0..<20_000 {
            let count = Int(next() % 12)
            let bytes = (0..<count).map { _ -> UInt8 in
                let r = next()
                return r % 4 == 0
                    ? UInt8(truncatingIfNeeded: r >> 8) : interesting[Int((r >> 8) % UInt64(interesting.count))]
            }
            // A U+FFFD typed on purpose (EF BF BD) would be valid input; leave those out, so that
            // any replacement character in ours is one it made up.
            if bytes.count >= 3, (0...bytes.count - 3).contains(where: { bytes[$0..<$0 + 3] == [0xEF, 0xBF, 0xBD] }) {
                continue
            }
            let swift = String(decoding: bytes, as: UTF8.self).unicodeScalars.filter { $0 != "\u{FFFD}" }
            let ours = decode(bytes).unicodeScalars
            #expect(Array(ours) == Array(swift), "round \(round): \(bytes.map { String($0, radix: 16) })")
            if Array(ours) != Array(swift) { return }
        }
    }

    /// A URL pasted with no field open ran as keys: its `t` opened an action item saved as
    /// `tps://grafana…`. Bracketed, it is one paste, wherever the reads split it: inside the
    /// markers, inside the text, inside a character.
    @Test func aBracketedPasteIsOneInputWhereverTheReadsSplitIt() {
        let text = "https://grafana.example/d/磁盘?from=now-1h\rand more"
        let bytes = Array("a".utf8) + Self.start + Array(text.utf8) + Self.end + Array("j".utf8)
        let expected: [UTF8InputDecoder.Input] = [.scalar("a"), .paste(text, cut: false), .scalar("j")]
        #expect(decodeReads([bytes]) == expected)
        for i in 1..<bytes.count {
            #expect(decodeReads([Array(bytes[..<i]), Array(bytes[i...])]) == expected, "split at \(i)")
            for j in stride(from: i + 1, to: bytes.count, by: 3) {
                let reads = [Array(bytes[..<i]), Array(bytes[i..<j]), Array(bytes[j...])]
                #expect(decodeReads(reads) == expected, "split at \(i) and \(j)")
            }
        }
        // One byte a read.
        #expect(decodeReads(bytes.map { [$0] }) == expected)
    }

    @Test func escapeAndOtherSequencesThatAreNoMarkerStayKeys() {
        // A lone ESC is the escape key once nothing follows it; ESC [ 2 0 x is those five keys.
        #expect(decodeReads([[0x1B]]) == [.scalar("\u{1B}")])
        #expect(decodeReads([[0x1B, 0x1B, 0x6A]]) == [.scalar("\u{1B}"), .scalar("\u{1B}"), .scalar("j")])
        #expect(decodeReads([Array("\u{1B}[20x".utf8)]) == "\u{1B}[20x".unicodeScalars.map { .scalar($0) })
        // An end with no start (a paste already ended) is nothing; what follows is keys.
        #expect(decodeReads([Self.end + [0x71]]) == [.scalar("q")])
        // A held ESC waits for the rest of a marker, then goes.
        var decoder = UTF8InputDecoder()
        #expect(decoder.feed(0x1B).isEmpty && decoder.isWaiting)
        #expect(decoder.endRead(at: Timestamp(milliseconds: 0)).isEmpty)
        #expect(
            decoder.endRead(at: Timestamp(milliseconds: UTF8InputDecoder.markerWaitMilliseconds)) == [.scalar("\u{1B}")]
        )
        #expect(!decoder.isWaiting)
        // A key ncurses decoded itself comes after what was held.
        #expect(decoder.feed(0x1B).isEmpty && decoder.interrupt() == [.scalar("\u{1B}")])
    }

    /// A paste is bounded as typed text is, and one that never ends ends once its bytes stop, so it
    /// cannot swallow the console: keys after it are keys again.
    @Test func aPasteIsBoundedAndOneThatNeverEndsStillEnds() {
        let long = [UInt8](repeating: 0x78, count: InputLimits.textBytes + 10)
        let kept = String(repeating: "x", count: InputLimits.textBytes)
        #expect(decodeReads([Self.start + long + Self.end + [0x6B]]) == [.paste(kept, cut: true), .scalar("k")])
        // Characters are kept whole: four-byte ones up to the limit, none cut in half.
        let wide = Array(String(repeating: "🧹", count: InputLimits.textCharacters + 1).utf8)
        #expect(
            decodeReads([Self.start + wide + Self.end]) == [
                .paste(String(repeating: "🧹", count: InputLimits.textCharacters), cut: true)
            ])

        var decoder = UTF8InputDecoder()
        var out: [UTF8InputDecoder.Input] = []
        for byte in Self.start + Array("never ends".utf8) { out += decoder.feed(byte) }
        out += decoder.endRead(at: Timestamp(milliseconds: 0))
        out += decoder.endRead(at: Timestamp(milliseconds: UTF8InputDecoder.pasteStallMilliseconds - 1))
        #expect(out.isEmpty && decoder.isPasting)
        out += decoder.endRead(at: Timestamp(milliseconds: UTF8InputDecoder.pasteStallMilliseconds))
        #expect(out == [.paste("never ends", cut: true)] && !decoder.isPasting)
        #expect(decoder.feed(0x6A) == [.scalar("j")])
        // Reads that keep coming within the stall keep the paste open.
        #expect(
            decodeReads([Self.start, Array("slow ".utf8), Array("paste".utf8), Self.end], gap: 900)
                == [.paste("slow paste", cut: false)])
    }

    @Test func aLatin1TerminalsPasteIsOneInputToo() {
        var decoder = UTF8InputDecoder(latin1: true)
        #expect(
            decodeReads([[0xE9] + Self.start + [0x63, 0x61, 0x66, 0xE9] + Self.end], decoder: &decoder)
                == [.scalar("é"), .paste("café", cut: false)])
    }
}

extension UTF8InputDecoder.Input {
    /// The character, for tests that feed no markers.
    var scalar: Unicode.Scalar {
        if case .scalar(let scalar) = self { return scalar }
        Issue.record("a paste where a character was expected")
        return "\u{FFFD}"
    }
}
