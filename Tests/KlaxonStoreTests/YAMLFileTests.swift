import KlaxonCore
import KlaxonStore
import KlaxonTestSupport
import Testing

/// How the configuration's scalars read: each as the text it is written as, whatever a YAML 1.1
/// resolver would make of it (a plain `0755` is no octal 493, `09:00` no sexagesimal 540, `~` no null),
/// and the readers (`integer`, `bool`, `string`) judge that text. YAMLFile parses without Yams' default
/// tag resolver since issue 20; all of this read the same with it.
struct YAMLFileTests {
    static let forms = """
        plain_int: 42
        quoted_int: "42"
        single_quoted: '7'
        octal_looking: 0755
        octal_yaml11: 0o17
        hex: 0x1F
        underscored: 1_000
        signed: -3
        float: 1e3
        infinity: .inf
        time: 09:00
        sexagesimal: 1:30
        date: 2026-01-05
        yes_plain: yes
        on_plain: on
        off_plain: off
        true_capital: True
        true_quoted: "true"
        tilde: ~
        null_word: null
        empty:
        block: |
          09:00
        """

    @Test func scalarsReadAsTheirTextWhateverAResolverWouldMakeOfThem() throws {
        let file = try YAMLFile.parse(Self.forms, path: "forms.yaml")
        let values = Dictionary(
            uniqueKeysWithValues: try file.mapping(file.root, what: "forms").map { ($0.key, $0.value) })
        let text = try values.mapValues { value throws(KlaxonError) in try file.string(value, what: "a form") }
        #expect(
            text == [
                "plain_int": "42", "quoted_int": "42", "single_quoted": "7", "octal_looking": "0755",
                "octal_yaml11": "0o17", "hex": "0x1F", "underscored": "1_000", "signed": "-3", "float": "1e3",
                "infinity": ".inf", "time": "09:00", "sexagesimal": "1:30", "date": "2026-01-05", "yes_plain": "yes",
                "on_plain": "on", "off_plain": "off", "true_capital": "True", "true_quoted": "true", "tilde": "~",
                "null_word": "null", "empty": "", "block": "09:00"
            ])

        // Whole numbers: decimal digits only, a leading zero read as decimal, quoted or not.
        func integer(_ key: String) -> Result<Int, KlaxonError> {
            Result { () throws(KlaxonError) in try file.integer(values[key]!, what: key, in: -10...10_000) }
        }
        #expect(try integer("plain_int").get() == 42 && integer("quoted_int").get() == 42)
        #expect(try integer("single_quoted").get() == 7 && integer("signed").get() == -3)
        #expect(try integer("octal_looking").get() == 755)
        for key in ["octal_yaml11", "hex", "underscored", "float", "time", "sexagesimal", "tilde", "empty"] {
            guard case .failure(let error) = integer(key) else {
                Issue.record("\(key) read as a whole number")
                continue
            }
            #expect(error.message.hasPrefix("forms.yaml:") && error.message.contains("expected a whole number"))
        }
        #expect(
            integer("time").failure?.message
                == #"forms.yaml:11:7: time is "09:00"; expected a whole number from -10 to 10000"#)

        // true/false, yes/no, on/off in any case, quoted or not; nothing else.
        func bool(_ key: String) -> Bool? { try? file.bool(values[key]!, what: key) }
        #expect(["yes_plain", "on_plain", "true_capital", "true_quoted"].map(bool) == [true, true, true, true])
        #expect(bool("off_plain") == false)
        #expect(["tilde", "null_word", "empty", "plain_int"].map(bool) == [nil, nil, nil, nil])
    }

    /// Keys a YAML 1.1 resolver would make a bool, a number or null are the names they are written as,
    /// and a lookup by name finds them.
    @Test func keysAreTheirNames() throws {
        let file = try YAMLFile.parse("on: a\nyes: b\n1: c\n~: d\nnull: e\n0755: f\n", path: "keys.yaml")
        #expect(try file.mapping(file.root, what: "keys").map(\.key) == ["on", "yes", "1", "~", "null", "0755"])
        #expect(file.root.mapping?["on"]?.scalar?.string == "a")
        #expect(file.root.mapping?["0755"]?.scalar?.string == "f")
    }

    /// A key given twice is said with its place on one line, as the readers say it (it was Yams' text of
    /// several lines, its place last and no file:line:column).
    @Test func aKeyGivenTwiceIsSaidWithItsPlace() {
        let refusal = #expect(throws: KlaxonError.self) {
            try YAMLFile.parse("name: a\nchecks: []\nname: b\n", path: "klaxon.yaml")
        }
        #expect(refusal?.message == #"klaxon.yaml:1:1: "name" is given twice in one mapping; keep one"#)
        let nested = #expect(throws: KlaxonError.self) {
            try YAMLFile.parse("people:\n  - id: alice\n    id: bob\n", path: "people.yaml")
        }
        #expect(nested?.message == #"people.yaml:2:5: "id" is given twice in one mapping; keep one"#)
    }
}

extension Result {
    fileprivate var failure: Failure? {
        guard case .failure(let error) = self else { return nil }
        return error
    }
}
