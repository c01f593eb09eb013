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

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "tru", "\"unterminated", "[1] x", "{\"a\" 1}",
        "\"\u{01}\"", "\"\\x\"", "\"\\ud800\"", "{\"a\":1,\"a\":2}", "[1e999]", "nul",
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
        let value: JSONValue = ["text": "line one\nline \"two\" — ünïcode 漢字 🚨 \u{7}", "n": 42, "list": [true, .null, "x"],
                                "nested": ["z": 1, "a": 2]]
        let text = value.canonicalJSON
        #expect(try JSONParser.parse(text) == value)
        // Keys are sorted, so equal values always have equal bytes.
        #expect(text.contains(#"{"a":2,"z":1}"#))
    }
}
