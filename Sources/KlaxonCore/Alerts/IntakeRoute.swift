/// One of `intake.routes` in `klaxon.yaml`: which alert groups it takes, by their labels, and what they
/// do. Routes are tried in order and the first that matches decides (`IntakeRouter`), as Alertmanager's
/// own routes once wrote their matchers: `match` for equality, `match_re` for regular expressions
/// anchored at both ends; a label an alert does not have reads as the empty string.
public struct IntakeRoute: Hashable, Sendable {
    /// What an alert group routed here does.
    public enum Declaration: Hashable, Sendable {
        /// Declares one incident for the group, of this severity unless a label maps it otherwise.
        case declare(Severity)
        /// Goes onto an open incident of the route's service (declares nothing when there is none).
        case attach
        /// Only shown.
        case none
    }

    /// What happens to the group's incident once every alert of the group is resolved: the timeline
    /// says so in any case; a machine marks it mitigated, or resolves it, only when the route says so.
    public enum OnResolve: String, CaseIterable, Hashable, Sendable {
        case note, mitigate, resolve
    }

    /// Label equality matchers.
    public var match: [String: String] = [:]
    /// Label regular expressions, as written (anchored when matched).
    public var matchRE: [String: String] = [:]
    public var service: String?
    /// The escalation policy that pages for a declared incident.
    public var policy: String?
    /// The runbook linked to the incident; else the alert's `runbook_url` annotation.
    public var runbook: String?
    public var declaration: Declaration = .none
    /// The alert label that names its severity, and what each of its values declares (`critical: SEV1`).
    public var severityLabel = "severity"
    public var severities: [String: Severity] = [:]
    public var onResolve = OnResolve.note
    /// Where the route is written (`klaxon.yaml:12:7`), and each key of it, by its name as written
    /// (`policy` → where its value is), for messages; empty for a route not read from a file.
    public var place: String?
    public var places: [String: String] = [:]

    public init() {}

    /// Where `key`'s value is written, else the route (nil when it was not read from a file).
    public func place(of key: String) -> String? { places[key] ?? place }

    /// The severity an alert with `labels` declares: its severity label's value as mapped, else the
    /// route's; nil when the route declares nothing.
    public func severity(of labels: [String: String]) -> Severity? {
        guard case .declare(let fallback) = declaration else { return nil }
        return labels[severityLabel].flatMap { severities[$0] } ?? fallback
    }

    /// Whether the route takes every alert (no matcher at all): any route after it is never reached.
    public var matchesEverything: Bool { match.isEmpty && matchRE.isEmpty }
}

/// The intake's routes, their expressions compiled: which route an alert group's labels take. (Not
/// `Sendable`: Swift's `Regex` is not; make one where it is used.)
public struct IntakeRouter {
    public let routes: [IntakeRoute]
    private let expressions: [[(label: String, regex: Regex<AnyRegexOutput>)]]

    /// Compiles `routes`' expressions; throws naming the route (by its place, from 1) and the label
    /// whose expression does not compile.
    public init(_ routes: [IntakeRoute]) throws(KlaxonError) {
        self.routes = routes
        var compiled: [[(label: String, regex: Regex<AnyRegexOutput>)]] = []
        for (index, route) in routes.enumerated() {
            var expressions: [(label: String, regex: Regex<AnyRegexOutput>)] = []
            for (label, pattern) in route.matchRE.sorted(by: { $0.key < $1.key }) {
                do {
                    expressions.append((label, try Regex(pattern)))
                } catch {
                    throw .badInput(
                        "intake route \(index + 1): match_re \(label): \"\(pattern)\" is not a regular expression (\(error))"
                    )
                }
            }
            compiled.append(expressions)
        }
        expressions = compiled
    }

    /// The first route whose matchers all hold for `labels`, with its place; nil when none does (the
    /// alert is then only shown).
    public func route(for labels: [String: String]) -> (index: Int, route: IntakeRoute)? {
        for (index, route) in routes.enumerated() {
            guard route.match.allSatisfy({ (labels[$0.key] ?? "") == $0.value }) else { continue }
            let matched = expressions[index].allSatisfy { expression in
                (try? expression.regex.wholeMatch(in: labels[expression.label] ?? "")) != nil
            }
            if matched { return (index, route) }
        }
        return nil
    }

    /// Routes that can never match because an earlier one takes everything they would (no
    /// expressions, and equality matchers that are a subset of theirs): each with the earlier one's
    /// place, both from 1.
    public var unreachable: [(route: Int, shadowedBy: Int)] {
        var found: [(route: Int, shadowedBy: Int)] = []
        for (index, route) in routes.enumerated() {
            let earlier = routes[..<index].firstIndex { other in
                other.matchRE.isEmpty
                    && other.match.allSatisfy { route.match[$0.key] == $0.value }
            }
            if let earlier { found.append((index + 1, earlier + 1)) }
        }
        return found
    }
}
