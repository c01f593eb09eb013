import KlaxonUI
import Testing

struct UTF8InputDecoderTests {
    func decode(_ bytes: [UInt8]) -> String {
        var decoder = UTF8InputDecoder()
        var text = ""
        for byte in bytes { text.unicodeScalars.append(contentsOf: decoder.feed(byte)) }
        return text
    }

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
        #expect(decoder.feed(0xB9) == ["🧹"])
        #expect(decoder.feed(0x7A) == ["z"])
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
        let interesting: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF,
                                    0xE0, 0xE1, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]
        for round in 0..<20_000 {
            let count = Int(next() % 12)
            let bytes = (0..<count).map { _ -> UInt8 in
                let r = next()
                return r % 4 == 0 ? UInt8(truncatingIfNeeded: r >> 8) : interesting[Int((r >> 8) % UInt64(interesting.count))]
            }
            // A U+FFFD typed on purpose (EF BF BD) would be valid input; leave those out, so that
            // any replacement character in ours is one it made up.
            if bytes.count >= 3, (0...bytes.count - 3).contains(where: { bytes[$0..<$0 + 3] == [0xEF, 0xBF, 0xBD] }) { continue }
            let swift = String(decoding: bytes, as: UTF8.self).unicodeScalars.filter { $0 != "\u{FFFD}" }
            let ours = decode(bytes).unicodeScalars
            #expect(Array(ours) == Array(swift), "round \(round): \(bytes.map { String($0, radix: 16) })")
            if Array(ours) != Array(swift) { return }
        }
    }
}
