import Testing

@testable import KlaxonCore

/// `config validate`'s checks of `intake.routes`: each problem one line at klaxon.yaml naming the route
/// by its place.
struct IntakeRouteCheckTests {
    static func route(
        match: [String: String] = [:], matchRE: [String: String] = [:], policy: String? = nil, runbook: String? = nil
    ) -> IntakeRoute {
        var route = IntakeRoute()
        route.match = match
        route.matchRE = matchRE
        route.policy = policy
        route.runbook = runbook
        route.declaration = .declare(.sev2)
        return route
    }

    func findings(_ routes: [IntakeRoute], unread: Set<String> = []) -> [String] {
        IntakeRouteCheck.findings(
            routes, place: "/ws/klaxon.yaml", policies: ["platform", "ci"], unreadPolicy: unread.contains,
            runbooks: ["registry-5xx"]
        ).map(\.description)
    }

    @Test func aGoodListHasNoFinding() {
        let routes = [
            Self.route(match: ["severity": "critical"], policy: "platform", runbook: "registry-5xx"),
            Self.route(matchRE: ["alertname": "Registry.*"], policy: "ci"),
            Self.route(match: ["severity": "warning"]),
            Self.route()
        ]
        #expect(findings(routes).isEmpty, "\(findings(routes))")
    }

    @Test func anUnknownPolicyOrRunbookIsNamedWithItsRoute() {
        #expect(
            findings([Self.route(match: ["a": "b"]), Self.route(policy: "platfrom", runbook: "registry")]) == [
                "/ws/klaxon.yaml: error: intake route 2: policy \"platfrom\" is not in Escalation/policies/ (known: ci, platform): its incidents would page nobody; correct the name or add the policy",
                "/ws/klaxon.yaml: error: intake route 2: runbook \"registry\" is not in Runbooks/; correct the name or add registry.md"
            ])
        // A policy whose file did not read is said by that file's error, not again here.
        #expect(findings([Self.route(policy: "broken")], unread: ["broken"]).isEmpty)
    }

    @Test func aMatchREThatDoesNotCompileIsNamed() {
        let found = findings([Self.route(matchRE: ["alertname": "Registry(", "job": "ok"])])
        #expect(found.count == 1, "\(found)")
        #expect(
            found.first?.hasPrefix(
                "/ws/klaxon.yaml: error: intake route 1: match_re alertname: \"Registry(\" is not a regular expression")
                == true, "\(found)")
    }

    @Test func aRouteAnEarlierOneShadowsIsNamedWithIt() {
        let found = findings([
            Self.route(match: ["severity": "critical"]), Self.route(match: ["severity": "critical", "team": "ci"]),
            Self.route(matchRE: ["job": "x("]), Self.route(), Self.route(match: ["team": "web"])
        ])
        #expect(
            found.filter { $0.contains("never matches") } == [
                "/ws/klaxon.yaml: error: intake route 2: never matches: route 1 before it takes every alert this one would (its match is part of this one's, and it has no match_re); move this route before it, or remove it",
                "/ws/klaxon.yaml: error: intake route 5: never matches: route 4 before it matches every alert (it has neither match nor match_re: a catch-all); move this route before it, or remove it"
            ], "\(found)")
        #expect(found.count == 3, "and route 3's expression: \(found)")
    }

    /// Each finding is at the place of what it is about: the policy's or runbook's value, the route
    /// that never matches; a route with `match: {}` written is the catch-all, said as such.
    @Test func findingsAreAtTheirPlaces() {
        var catchAll = Self.route()
        catchAll.place = "/ws/klaxon.yaml:9:7"
        catchAll.places = ["match": "/ws/klaxon.yaml:9:14", "policy": "/ws/klaxon.yaml:10:15"]
        catchAll.policy = "platfrom"
        var after = Self.route(match: ["team": "ci"], runbook: "nope")
        after.place = "/ws/klaxon.yaml:12:7"
        after.places = ["match": "/ws/klaxon.yaml:12:14", "runbook": "/ws/klaxon.yaml:13:16"]
        #expect(
            findings([catchAll, after]) == [
                "/ws/klaxon.yaml:10:15: error: intake route 1: policy \"platfrom\" is not in Escalation/policies/ (known: ci, platform): its incidents would page nobody; correct the name or add the policy",
                "/ws/klaxon.yaml:13:16: error: intake route 2: runbook \"nope\" is not in Runbooks/; correct the name or add nope.md",
                "/ws/klaxon.yaml:12:7: error: intake route 2: never matches: route 1 before it matches every alert (its match: {} is the catch-all); move this route before it, or remove it"
            ])
    }
}
