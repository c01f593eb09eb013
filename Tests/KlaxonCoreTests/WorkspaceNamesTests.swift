import KlaxonCore
import Testing

struct WorkspaceNamesTests {
    let names = WorkspaceNames(
        people: ["alice", "bob"], services: ["registry", "ci", "ci-runners"],
        runbooks: ["registry-5xx", "registry-error-ratio"], policies: ["platform"])

    @Test func tabCompletesAsFarAsTheNamesAgreeAndKeepsWhatWasTyped() {
        #expect(WorkspaceNames.completion(of: "reg", among: names.runbooks)?.text == "registry-")
        #expect(
            WorkspaceNames.completion(of: "reg", among: names.runbooks)?.candidates == [
                "registry-5xx", "registry-error-ratio"
            ])
        #expect(WorkspaceNames.completion(of: "REGISTRY-5", among: names.runbooks)?.text == "REGISTRY-5xx")
        #expect(WorkspaceNames.completion(of: "ci", among: names.services)?.text == "ci")
        #expect(WorkspaceNames.completion(of: "zed", among: names.people) == nil)
        #expect(WorkspaceNames.completion(of: "", among: names.people) == nil)
    }

    @Test func warningsOnlyForNamesTheWorkspaceCouldHaveKnown() {
        #expect(names.personWarning("alice", as: "commander") == nil)
        #expect(names.personWarning("alcie", as: "commander")?.hasSuffix("; did you mean 'alice'?") == true)
        #expect(WorkspaceNames().personWarning("anyone", as: "commander") == nil)
        #expect(names.serviceWarning("ci-runners") == nil)
        #expect(names.serviceWarning("regsitry")?.hasSuffix("; did you mean 'registry'?") == true)
        #expect(WorkspaceNames().serviceWarning("anything") == nil)
    }

    @Test func aLinkIsAKnownRunbookOrAnHTTPURL() throws {
        #expect(try names.linkTarget(" Runbooks/registry-5xx.md ") == "registry-5xx")
        #expect(try names.linkTarget("HTTPS://grafana.test/d") == "HTTPS://grafana.test/d")
        for refused in ["registr-5xx", "https://", "ftp://x.test", "http://a b"] {
            #expect(throws: KlaxonError.self, "\(refused)") { try names.linkTarget(refused) }
        }
    }

    @Test func aKeyTimeMayBeAMinuteAheadAndNoMore() throws {
        let now = Timestamp(milliseconds: 1_000_000_000)
        try KeyTime.requirePast(now.adding(seconds: 60), "--impact-start", now: now)
        #expect(throws: KlaxonError.self) {
            try KeyTime.requirePast(now.adding(seconds: 61), "--impact-start", now: now)
        }
    }
}
