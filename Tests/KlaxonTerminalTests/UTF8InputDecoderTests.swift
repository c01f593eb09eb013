import KlaxonTerminal
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
}
