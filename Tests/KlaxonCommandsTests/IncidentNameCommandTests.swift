import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonTestSupport
import Testing

/// Names checked against the workspace (issue 26, point 3): runbooks linked must exist, people and
/// services nothing knows are warned of with "did you mean", and key times cannot be in the future.
extension IncidentCommandTests {
    /// A workspace knowing people alice and bob, runbook registry-5xx and the services registry (a check)
    /// and ci (a comms route). Its clock says 2026-11-20T09:00:00Z.
    static func namedWorkspace() -> TemporaryDirectory {
        let ws = makeWorkspace(
            """
            name: test-platform
            checks:
              - {name: registry-api, url: "https://registry.test/healthz", service: registry}
            channels:
              email: {server: "smtp://127.0.0.1:2525", from: klaxon@forge.test}
            comms:
              destinations: {eng: {email: [eng@forge.test]}}
              routes: [{services: [ci], to: [eng]}]
            """)
        ws.write(
            "Escalation/people.yaml",
            """
            people:
              - {id: alice, contacts: [{type: email, address: alice@forge.test}]}
              - {id: bob, contacts: [{type: email, address: bob@forge.test}]}
            """)
        ws.write(
            "Runbooks/registry-5xx.md",
            "---\ntitle: Registry 5xx\nservices: [registry]\nowner: alice\nlast_reviewed: 2026-11-01\n---\n# Registry 5xx\n"
        )
        return ws
    }

    @Test func aLinkToARunbookThatDoesNotExistIsRefusedWithTheClosestName() {
        let ws = Self.namedWorkspace()
        let k = Klaxon(workspace: ws.path)
        k.run("incident", "declare", "Registry returns 503", "--severity", "SEV3", "--service", "registry")
        let before = ws.read("journals/INC-1.jsonl")
        let run = k.run("incident", "link", "1", "registr-5xx")
        #expect(run.status == 2)
        #expect(
            run.errors
                == "klaxon: error: no runbook named \"registr-5xx\" in Runbooks/, and it is not a URL (http:// or https://); did you mean 'registry-5xx'?\n"
        )
        #expect(ws.read("journals/INC-1.jsonl") == before)
        // Nothing close: where to look instead. Another scheme than http(s) is not a link either.
        #expect(k.run("incident", "link", "1", "zzz").errors.contains("klaxon runbook list shows the runbooks"))
        #expect(k.run("incident", "link", "1", "ftp://files.test/x").errors.contains("is not an http or https URL"))
        #expect(ws.read("journals/INC-1.jsonl") == before)
    }

    @Test func aURLOrAKnownRunbookIsLinkedAndARunbookPathIsLinkedByName() {
        let ws = Self.namedWorkspace()
        let k = Klaxon(workspace: ws.path)
        k.run("incident", "declare", "Registry returns 503", "--severity", "SEV3")
        for target in ["https://grafana.test/d/registry", "registry-5xx", "Runbooks/registry-5xx.md"] {
            let run = k.run("incident", "link", "1", target)
            #expect(run.status == 0 && run.errors.isEmpty, "\(target): \(run.errors)")
        }
        let links = k.run("incident", "show", "1", "--json").json?["timeline"]?.arrayValue?.dropFirst()
            .map { $0["data"]?["target"] }
        #expect(links == ["https://grafana.test/d/registry", "registry-5xx", "registry-5xx"])
    }

    @Test func declaringWithAnUnknownRunbookDeclaresNothing() {
        let ws = Self.namedWorkspace()
        let run = Klaxon(workspace: ws.path).run(
            "incident", "declare", "x", "--severity", "SEV3", "--runbook", "registry-5xxx")
        #expect(run.status == 2)
        #expect(run.errors.contains("no runbook named \"registry-5xxx\" in Runbooks/"), "\(run.errors)")
        #expect(run.errors.contains("did you mean 'registry-5xx'?"))
        #expect(!FileManager.default.fileExists(atPath: ws.path + "/journals/INC-1.jsonl"))
    }

    @Test func aCommanderOrAssigneeNotInPeopleIsWarnedOfAndRecorded() {
        let ws = Self.namedWorkspace()
        let k = Klaxon(workspace: ws.path)
        let declared = k.run("incident", "declare", "x", "--severity", "SEV3", "--commander", "alcie")
        #expect(declared.status == 0)
        #expect(
            declared.errors
                == "klaxon: warning: INC-1: commander \"alcie\" is not a person of Escalation/people.yaml (recorded as given, but nobody can page them); did you mean 'alice'?\n"
        )
        #expect(k.run("incident", "show", "1", "--json").json?["roles"] == ["commander": "alcie"])
        let assigned = k.run("incident", "assign", "1", "scribe", "bbo")
        #expect(assigned.status == 0)
        #expect(assigned.errors.contains("warning: scribe \"bbo\" is not a person of Escalation/people.yaml"))
        #expect(assigned.errors.contains("did you mean 'bob'?"))
        // Someone listed: nothing to say.
        #expect(k.run("incident", "assign", "1", "commander", "alice").errors.isEmpty)
        #expect(k.run("incident", "declare", "y", "--severity", "SEV3", "--commander", "bob").errors.isEmpty)
    }

    @Test func aServiceNothingNamesIsWarnedOfAndAKnownOneIsNot() {
        let ws = Self.namedWorkspace()
        let k = Klaxon(workspace: ws.path)
        let typo = k.run("incident", "declare", "x", "--severity", "SEV3", "--service", "regsitry")
        #expect(typo.status == 0)
        #expect(
            typo.errors
                == "klaxon: warning: INC-1: service \"regsitry\" is named by no check, alert route, comms route or runbook of this workspace (recorded as given); did you mean 'registry'?\n"
        )
        #expect(k.run("incident", "show", "1", "--json").json?["services"] == ["regsitry"])
        // A check names registry, a comms route ci.
        let known = k.run("incident", "declare", "y", "--severity", "SEV3", "--service", "registry", "--service", "ci")
        #expect(known.status == 0 && known.errors.isEmpty, "\(known.errors)")
    }

    /// Issue 26: `--service registry-api`, the name of the check whose service is registry, says so;
    /// the incident is declared with the service as given, as for any unknown service.
    @Test func aChecksNameGivenAsAServiceNamesTheChecksService() {
        let ws = Self.namedWorkspace()
        let k = Klaxon(workspace: ws.path)
        let run = k.run("incident", "declare", "x", "--severity", "SEV3", "--service", "registry-api")
        #expect(run.status == 0)
        #expect(
            run.errors
                == "klaxon: warning: INC-1: service \"registry-api\" is the name of a check, whose service is \"registry\" (recorded as given); did you mean 'registry'?\n"
        )
        #expect(k.run("incident", "show", "1", "--json").json?["services"] == ["registry-api"])
    }

    @Test func aKeyTimeInTheFutureIsRefusedAndAMinuteOfSkewIsNot() {
        let ws = Self.namedWorkspace()
        let k = Klaxon(workspace: ws.path)  // 2026-11-20T09:00:00Z
        let future = k.run("incident", "declare", "x", "--severity", "SEV3", "--impact-start", "2026-11-20T09:05:00Z")
        #expect(future.status == 2)
        #expect(
            future.errors
                == "klaxon: error: --impact-start 2026-11-20T09:05:00.000Z is in the future (it is 2026-11-20T09:00:00.000Z now); key times are when things happened: give the time it happened, or wait until it has\n"
        )
        #expect(!FileManager.default.fileExists(atPath: ws.path + "/journals/INC-1.jsonl"))
        #expect(
            k.run("incident", "declare", "x", "--severity", "SEV3", "--detected", "2026-11-20T10:00:00Z").status == 2)
        #expect(!FileManager.default.fileExists(atPath: ws.path + "/journals/INC-1.jsonl"))
        // Another machine's clock a little ahead: taken.
        #expect(
            k.run("incident", "declare", "x", "--severity", "SEV3", "--impact-start", "2026-11-20T09:00:50Z").status
                == 0)
        let before = ws.read("journals/INC-1.jsonl")
        let amend = k.run("incident", "amend", "1", "mitigated", "2026-11-20T09:30:00Z")
        #expect(amend.status == 2)
        #expect(amend.errors.contains("klaxon: error: mitigated 2026-11-20T09:30:00.000Z is in the future"))
        #expect(ws.read("journals/INC-1.jsonl") == before)
    }
}
