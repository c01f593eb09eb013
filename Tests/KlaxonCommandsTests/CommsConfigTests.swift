import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonStore
import KlaxonTestSupport
import Testing

/// Issue 24, point 2: `comms: destinations` and `routes` in klaxon.yaml; every mistake is an error at its
/// `file:line:column` saying what to write, and `klaxon config validate` shows it (exit 1); a destination
/// no route names is a warning.
struct CommsConfigTests {
    static let good = """
        name: t
        channels:
          email: {server: "smtp://127.0.0.1:2525", from: klaxon@example.com}
        comms:
          cadence: {SEV1: 30m}
          attempts: 3
          retry_backoff: 10s
          destinations:
            platform-status: {slack: env:SLACK_STATUS, channel: "#platform-status"}
            eng-all: {email: [eng-all@example.com]}
            bridge: {webhook: "https://hooks.example.com/k", secret: env:BRIDGE}
          routes:
            - {services: [ci], severities: [SEV1, sev2], to: [platform-status, eng-all]}
            - {to: [bridge]}

        """

    @Test func destinationsAndRoutesAreRead() throws {
        let ws = makeWorkspace(Self.good)
        let comms = try Workspace.load(directory: ws.path).config.comms
        #expect(comms.destinations.map(\.label) == ["#platform-status", "email eng-all", "webhook bridge"])
        #expect(comms.destinations[0].kind == .slack(url: .environment("SLACK_STATUS"), channel: "#platform-status"))
        #expect(comms.routes.count == 2)
        #expect(comms.routes[0].severities == [.sev1, .sev2] && comms.routes[0].services == ["ci"])
        #expect(comms.retry.attempts == 3 && comms.retry.backoffSeconds == 10)
        let run = Klaxon(workspace: ws.path, environment: ["SLACK_STATUS": "x", "BRIDGE": "y"]).run(
            "config", "validate")
        #expect(run.status == 0, "\(run.output)")
        // A secret the sending process lacks is said as the updates' own.
        let unset = Klaxon(workspace: ws.path).run("config", "validate").output
        #expect(
            unset.contains(
                "klaxon.yaml:9:30: warning: env:SLACK_STATUS (comms: destinations: platform-status: slack) is not set in this environment: the process that sends status updates (the console or klaxon watch) needs SLACK_STATUS set, or these updates are not sent"
            ), "\(unset)")
    }

    @Test func everyMistakeIsAnErrorAtItsPlace() throws {
        let ws = makeWorkspace(Self.good)
        for (from, to, message) in [
            (
                "slack: env:SLACK_STATUS", "slack: \"https://hooks.slack.com/services/T0/B0/XYZ\"",
                "klaxon.yaml:9:30: error: comms: destinations: platform-status: slack must be a reference, never the webhook's URL itself (it lets anyone post to the channel): write slack: env:NAME (a variable of klaxon watch) or slack: file:PATH (a file holding the URL)"
            ),
            (
                "to: [bridge]", "to: [brigde]",
                "klaxon.yaml:14:13: error: comms: routes name \"brigde\", which is not in comms: destinations (there are: platform-status, eng-all, bridge)"
            ),
            (
                ", secret: env:BRIDGE}", "}",
                "klaxon.yaml:11:13: error: comms: destinations: bridge needs secret: (env:NAME or file:PATH), the key its JSON is signed with, so the receiver can tell Klaxon's updates from anyone's"
            ),
            (
                "severities: [SEV1, sev2]", "severities: [SEV1, SEV7]",
                "klaxon.yaml:13:43: error: comms: routes: 1: severities: \"SEV7\" is not a severity; write SEV1 (most severe) to SEV5"
            ),
            (
                "- {to: [bridge]}", "- {to: [bridge], service: ci}",
                "klaxon.yaml:14:22: error: unknown key \"service\" in comms: routes: 2 (known: services, severities, to)"
            ),
            (
                "- {to: [bridge]}", "- {services: [ci]}",
                "klaxon.yaml:14:7: error: comms: routes: 2 sends to nobody; add to: [NAME, …], names of comms: destinations"
            ),
            (
                "{email: [eng-all@example.com]}", "{email: [\"eng-all@example.com, ops@x\"]}",
                "klaxon.yaml:10:22: error: comms: destinations: eng-all: email: \"eng-all@example.com, ops@x\" is not a plain email address"
            ),
            (
                "{email: [eng-all@example.com]}", "{email: [eng-all@example.com], channel: \"#x\"}",
                "klaxon.yaml:10:45: error: unknown key \"channel\" in comms: destinations: eng-all, an email destination (known: email)"
            ),
            (
                "bridge: {webhook", "bridge: {slack: env:X, webhook",
                "klaxon.yaml:11:13: error: comms: destinations: bridge needs exactly one of slack: (env:VAR holding the incoming webhook's URL), email: (a list of addresses) or webhook: (a URL), not several"
            ),
            (
                "  email: {server: \"smtp://127.0.0.1:2525\", from: klaxon@example.com}", "  timeout: 5s",
                "klaxon.yaml:10:14: error: comms: destinations: eng-all sends email, but klaxon.yaml has no channels: email; add channels: {email: {server: smtp://HOST:PORT, from: klaxon@example.com}}"
            ),
            (
                "retry_backoff: 10s", "retry_backoff: 11m",
                "klaxon.yaml:7:18: error: comms: retry_backoff must be from 1s to 10m (the wait before the second attempt; it doubles up to 10m)"
            )
        ] {
            let yaml = Self.good.replacingOccurrences(of: from, with: to)
            #expect(yaml != Self.good, "\(from)")
            ws.write("klaxon.yaml", yaml)
            let run = Klaxon(workspace: ws.path).run("config", "validate")
            #expect(run.status == 1, "\(to)")
            #expect(run.output.contains(message), "\(run.output)")
            // A mistake in comms: stops nothing else (paging, the console, watch): other commands go on.
            let list = Klaxon(workspace: ws.path).run("incident", "list")
            #expect(list.status == 0 && list.errors.isEmpty, "\(list.errors)")
        }
    }

    @Test func aDestinationNoRouteNamesIsAWarning() {
        let ws = makeWorkspace(Self.good.replacingOccurrences(of: "    - {to: [bridge]}\n", with: ""))
        let run = Klaxon(workspace: ws.path, environment: ["SLACK_STATUS": "x", "BRIDGE": "y"]).run(
            "config", "validate")
        #expect(run.status == 0)
        #expect(
            run.output.contains(
                "klaxon.yaml:11:13: warning: comms: destinations: bridge is never used: no route sends to it; add it to a route's to:"
            ), "\(run.output)")
    }
}
