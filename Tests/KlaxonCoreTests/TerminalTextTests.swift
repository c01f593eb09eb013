import KlaxonCore
import Testing

/// The control-character rule the console and every command share (docs/security.md).
struct TerminalTextTests {
    @Test func everyControlCharacterIsShownAsAReplacementButTabsAndLineBreaks() {
        for value in Array(0x00..<0x20) + Array(0x7F..<0xA0) where value != 0x09 {
            let scalar = Unicode.Scalar(UInt32(value))!
            #expect(TerminalText.isControl(scalar))
            #expect(TerminalText.printable("a\(scalar)b") == "a\u{FFFD}b", "U+\(String(value, radix: 16))")
        }
        #expect(!TerminalText.isControl(" ") && !TerminalText.isControl("\u{A0}") && !TerminalText.isControl("é"))
        #expect(TerminalText.printable("a\tb") == "a\tb")
        #expect(
            TerminalText.printable("one\ntwo\r\nthree\rfour", keepingLineBreaks: true)
                == "one\ntwo\r\nthree\u{FFFD}four")
        #expect(TerminalText.printable("one\ntwo\r\n") == "one\u{FFFD}two\u{FFFD}\u{FFFD}")
        #expect(TerminalText.printable("\u{1B}]52;c;ZXZpbA==\u{7}") == "\u{FFFD}]52;c;ZXZpbA==\u{FFFD}")
        #expect(TerminalText.printable("naïve © 界 🚨") == "naïve © 界 🚨")
    }

    @Test func jsonForATerminalEscapesC1AndMeansTheSame() throws {
        let value = JSONValue.object(["text": .string("csi \u{9B}2J osc \u{9D}0;x\u{9C} esc \u{1B}[2J nbsp\u{A0}é")])
        let json = TerminalText.json(value.canonicalJSON)
        #expect(json == "{\"text\":\"csi \\u009b2J osc \\u009d0;x\\u009c esc \\u001b[2J nbsp\u{A0}é\"}")
        #expect(!json.unicodeScalars.contains(where: TerminalText.isControl))
        #expect(try JSONParser.parse(json) == value)
    }
}

/// Issue 26, point 4: an error quoting what someone typed stays one line.
@Test func oneLineWritesLineBreaksAsEscapesAndOtherControlsAsReplacement() {
    #expect(TerminalText.oneLine("INC-1\nx\r\ty") == "INC-1\\nx\\r\\ty")
    #expect(TerminalText.oneLine("a\u{1B}[2Jb\u{9B}c") == "a\u{FFFD}[2Jb\u{FFFD}c")
    #expect(TerminalText.oneLine("plain – text") == "plain – text")
}
