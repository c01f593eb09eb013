/// `config validate`'s checks of the intake's routes (`intake.routes` in klaxon.yaml): each finding one
/// line, at the place of the route's key it is about (`klaxon.yaml:14:15` for its policy), else of the
/// route, else `place` (klaxon.yaml), naming the route by its place in the list, from 1. Services are not
/// checked: the workspace keeps no list of its services (a check's `service:` and a runbook's
/// `services:` name them freely).
public enum IntakeRouteCheck {
    /// Errors: a policy that is not in `policies` (and that `unreadPolicy` does not cover: its file did
    /// not read, and that error is the one said), a runbook not in `runbooks`, a `match_re` that is not a
    /// regular expression, and a route that can never match because an earlier one takes everything it
    /// would.
    public static func findings(
        _ routes: [IntakeRoute], place: String, policies: [String], unreadPolicy: (String) -> Bool = { _ in false },
        runbooks: Set<String>
    ) -> [ConfigFinding] {
        var findings: [ConfigFinding] = []
        func say(_ route: Int, at key: String?, _ message: String) {
            let at = key.flatMap { routes[route - 1].place(of: $0) } ?? routes[route - 1].place ?? place
            findings.append(ConfigFinding(.error, at, "intake route \(route): \(message)"))
        }
        let knownPolicies =
            policies.isEmpty ? "there are none" : "known: " + policies.sorted().joined(separator: ", ")
        for (index, route) in routes.enumerated() {
            if let policy = route.policy, !policies.contains(policy), !unreadPolicy(policy) {
                say(
                    index + 1, at: "policy",
                    "policy \"\(policy)\" is not in Escalation/policies/ (\(knownPolicies)): its incidents would page nobody; correct the name or add the policy"
                )
            }
            if let runbook = route.runbook, !runbooks.contains(runbook) {
                say(
                    index + 1, at: "runbook",
                    "runbook \"\(runbook)\" is not in Runbooks/; correct the name or add \(runbook).md")
            }
            for (label, pattern) in route.matchRE.sorted(by: { $0.key < $1.key }) {
                do { _ = try Regex(pattern) } catch {
                    say(
                        index + 1, at: "match_re",
                        "match_re \(label): \"\(pattern)\" is not a regular expression (\(error)); correct it, or use match for equality"
                    )
                }
            }
        }
        // Which routes shadow which depends on their matchers, not on their expressions compiling: one
        // that does not is checked as one that does (said above).
        let compilable = routes.map { route in
            var route = route
            route.matchRE = route.matchRE.mapValues { (try? Regex($0)) == nil ? "" : $0 }
            return route
        }
        if let router = try? IntakeRouter(compilable) {
            for (route, earlier) in router.unreachable {
                let other = routes[earlier - 1]
                // `match: {}` is the catch-all as docs/intake.md writes it; a route with no matcher at all
                // takes everything too.
                let why =
                    !other.matchesEverything
                    ? "takes every alert this one would (its match is part of this one's, and it has no match_re)"
                    : other.places["match"] != nil
                        ? "matches every alert (its match: {} is the catch-all)"
                        : "matches every alert (it has neither match nor match_re: a catch-all)"
                say(
                    route, at: nil,
                    "never matches: route \(earlier) before it \(why); move this route before it, or remove it")
            }
        }
        return findings
    }
}
