import KlaxonCore
import Testing

struct JSONParserTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONParser.parse(#" {"a": [1, -2.5, 3e2, true, false, null], "b": {"c": "d"}, "e": ""} "#)
        #expect(value == .object(["a": [1, .number(-2.5), 300, true, false, .null], "b": ["c": "d"], "e": ""]))
    }

    @Test func resolvesEscapesAndSurrogatePairs() throws {
        let value = try JSONParser.parse(#"["a\"b\\c\/d\n\t\u00e9\ud83d\udea8"]"#)
        #expect(value == ["a\"b\\c/d\n\té🚨"])
    }

    @Test func writesEscapesExactlyAndRoundTripsEveryAwkwardCharacter() throws {
        let awkward = "q\"b\\n\nr\rt\tnul\u{0}us\u{1F}del\u{7F}ls\u{2028}ps\u{2029}arrow→dot·é🚨"
        #expect(
            JSONValue.string(awkward).canonicalJSON
                == #""q\"b\\n\nr\rt\tnul\u0000us\u001fdel\u007fls\u2028ps\u2029arrow→dot·é🚨""#)
        for text in [awkward, "plain", "→ only", "\u{E2}", "ends with \u{2028}", String(repeating: "·\n", count: 1000)]
        {
            #expect(try JSONParser.parse("[" + JSONValue.string(text).canonicalJSON + "]") == [.string(text)])
        }
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "tru", "\"unterminated", "[1] x", "{\"a\" 1}",
        "\"\u{01}\"", "\"\\x\"", "\"\\ud800\"", "{\"a\":1,\"a\":2}", "[1e999]", "nul"
    ])
    func rejectsWhatIsNotJSON(_ text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(text) }
    }

    @Test func rejectsInvalidUTF8InStrings() {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xFF, 0xFE, 0x22]) }
    }

    @Test func refusesHostileNestingInsteadOfOverflowingTheStack() {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(String(repeating: "[", count: 100_000)) }
    }

    @Test func canonicalJSONRoundTrips() throws {
        let value: JSONValue = [
            "text": "line one\nline \"two\" — ünïcode 漢字 🚨 \u{7}", "n": 42, "list": [true, .null, "x"],
            "nested": ["z": 1, "a": 2]
        ]
        let text = value.canonicalJSON
        #expect(try JSONParser.parse(text) == value)
        // Keys are sorted, so equal values always have equal bytes.
        #expect(text.contains(#"{"a":2,"z":1}"#))
    }
}
