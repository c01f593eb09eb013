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

    /// Issue 26: a check's name given as a service (`registry-api` for `registry`) says so, with the
    /// check's service, even in a workspace that names no other service; still only a warning.
    @Test func aChecksNameGivenAsAServiceSaysTheChecksService() {
        let names = WorkspaceNames(
            services: ["registry", "ci"], checkServices: ["registry-api": "registry", "smoke": nil, "ci": "ci"])
        #expect(
            names.serviceWarning("registry-api")
                == "service \"registry-api\" is the name of a check, whose service is \"registry\" (recorded as given); did you mean 'registry'?"
        )
        #expect(
            names.serviceWarning("smoke")
                == "service \"smoke\" is the name of a check, which names no service (recorded as given)")
        // A check named as its own service is that service.
        #expect(names.serviceWarning("ci") == nil)
        // A slip of a check's name, close to no service: that check's service is meant.
        #expect(
            names.serviceWarning("registry-apii")
                == "service \"registry-apii\" is named by no check, alert route, comms route or runbook of this workspace (recorded as given); did you mean 'registry' (the service of check registry-api)?"
        )
        #expect(
            WorkspaceNames(checkServices: ["smoke": nil]).serviceWarning("smoke")
                == "service \"smoke\" is the name of a check, which names no service (recorded as given)")
        #expect(
            WorkspaceNames.checkServices([
                CheckDefinition(name: "a", url: "https://a.test/"), CheckDefinition(name: "b", url: "https://b.test/")
            ]) == ["a": nil, "b": nil])
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
