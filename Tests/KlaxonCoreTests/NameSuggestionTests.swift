import KlaxonCore
import Testing

/// "Did you mean …?" (issue 26, points 1 and 3): the names a typo is close to, and only those.
struct NameSuggestionTests {
    @Test(arguments: [
        ("incidnet", ["incident", "journal", "oncall"], ["incident"]),
        ("lst", ["list", "show", "ls-files"], ["list"]),
        ("regsitry", ["registry", "ci", "kubernetes"], ["registry"]),
        ("--sevrity", ["--severity", "--all", "--json"], ["--severity"]),
        ("inc", ["incident", "init"], ["incident"]),
        ("INCIDENT", ["incident"], ["incident"]),
        ("Example", ["example", "ci"], ["example"]),
        ("incident", ["incident"], []),
        ("zed", ["alice", "bob", "carol"], []),
        ("x", ["ack", "list"], [])
    ])
    func aTypoIsCloseToWhatWasMeantAndNothingElse(typed: String, names: [String], expected: [String]) {
        #expect(NameSuggestion.closest(to: typed, among: names) == expected)
    }

    @Test func theClosestComesFirst() {
        #expect(
            NameSuggestion.closest(to: "stat", among: ["statuspage", "status", "slo"]) == ["status", "statuspage"])
        #expect(NameSuggestion.hint(for: "stauts", among: ["status"]) == "; did you mean 'status'?")
        #expect(NameSuggestion.hint(for: "qqqq", among: ["status"]) == "")
    }
}
