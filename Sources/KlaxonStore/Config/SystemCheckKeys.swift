import Foundation
import KlaxonCore
import Yams

/// The keys of the checks that understand a system: `query:`, `down:`, `degraded:` and `empty:` of a
/// `prometheus_query` check, `thresholds:` of `jenkins`, `buildbot` and `buildkite`, `queues:` of
/// `buildkite`; and the rules between them and `type:`.
extension CheckFiles {
    /// The keys each belong to one kind (or to a few).
    static let systemKeys: [(key: String, kinds: [CheckDefinition.Kind])] = [
        ("query", [.prometheusQuery]), ("down", [.prometheusQuery]), ("degraded", [.prometheusQuery]),
        ("empty", [.prometheusQuery]), ("thresholds", [.jenkins, .buildbot, .buildkite]), ("queues", [.buildkite])
    ]

    /// Every kind's measures: `jenkins: queue_wait, offline_executors; buildbot: …`.
    static var knownMeasures: String {
        var kinds: [CheckDefinition.Kind] = []
        for measure in SystemMeasure.allCases where !kinds.contains(measure.kind) { kinds.append(measure.kind) }
        return kinds.map { kind in
            "\(kind.rawValue): " + SystemMeasure.measures(of: kind).map(\.rawValue).joined(separator: ", ")
        }.joined(separator: "; ")
    }

    /// `> 0.05`, `<= 3`: a comparison and a number.
    static func condition(_ node: Node, _ file: YAMLFile, what: String) throws(KlaxonError) -> QueryRules.Condition {
        let text = try file.string(node, what: what)
        guard let condition = QueryRules.Condition(parsing: text) else {
            throw file.error(
                node,
                "\(what) is \"\(text)\"; expected a comparison and a number, such as \"> 0.05\" (one of >, >=, <, <=, ==, !=), in quotes"
            )
        }
        return condition
    }

    /// `thresholds: {queue_wait: {degraded: 15m, down: 1h}, offline_executors: {degraded: 2}}`.
    static func thresholds(_ node: Node, _ file: YAMLFile) throws(KlaxonError) -> [SystemMeasure: SystemMeasure.Limit] {
        var result: [SystemMeasure: SystemMeasure.Limit] = [:]
        for (name, keyNode, value) in try file.mapping(node, what: "thresholds") {
            guard let measure = SystemMeasure(rawValue: name) else {
                throw file.error(
                    keyNode,
                    "unknown measure \"\(name)\" in thresholds (known: \(knownMeasures))"
                )
            }
            var limit = SystemMeasure.Limit()
            for (level, levelKey, amount) in try file.mapping(value, what: "thresholds: \(name)") {
                let number: Double
                if measure.isDuration {
                    number = Double(try seconds(amount, file, what: "\(name): \(level)"))
                } else {
                    number = Double(try file.integer(amount, what: "\(name): \(level)", in: 0...1_000_000))
                }
                switch level {
                case "degraded": limit.degraded = number
                case "down": limit.down = number
                default:
                    throw file.error(
                        levelKey, "unknown key \"\(level)\" in thresholds: \(name) (known: degraded, down)")
                }
            }
            if let degraded = limit.degraded, let down = limit.down, down < degraded {
                throw file.error(
                    value,
                    "thresholds: \(name): down is below degraded; down is the worse level, so give it the larger value")
            }
            result[measure] = limit
        }
        return result
    }

    /// The errors of the rules between a system check's keys: each key on its own kinds, a measure on
    /// the kind that reads it, and a `prometheus_query` check with its query and a condition.
    static func systemRules(_ check: CheckDefinition, _ node: Node, _ file: YAMLFile) -> [KlaxonError] {
        var errors: [KlaxonError] = []
        for (key, kinds) in systemKeys where keyed(node, key) && !kinds.contains(check.kind) {
            errors.append(
                file.error(
                    node.mapping?[key] ?? node,
                    "check \(check.name): \(key): is for \(kinds.map(\.rawValue).joined(separator: ", ")) checks (type: is \(check.kind.rawValue))"
                ))
        }
        // A system kind judges its answer itself: an `expect:` beside it would never be read.
        if SystemHealth.reads(check.kind) && keyed(node, "expect") {
            errors.append(
                file.error(
                    node.mapping?["expect"] ?? node,
                    "check \(check.name): expect: is for http checks; type: \(check.kind.rawValue) judges its answer itself (docs/checks.md, Systems by name)"
                ))
        }
        let own = SystemMeasure.measures(of: check.kind).map(\.rawValue)
        // A kind without measures has had its error for thresholds: above.
        for measure in check.thresholds.keys.sorted(by: { $0.rawValue < $1.rawValue })
        where measure.kind != check.kind && !own.isEmpty {
            errors.append(
                file.error(
                    node.mapping?["thresholds"] ?? node,
                    "check \(check.name): thresholds: \(measure.rawValue) is a \(measure.kind.rawValue) measure; type: \(check.kind.rawValue) has \(own.joined(separator: ", "))"
                ))
        }
        if check.slo?.events != nil && check.kind != .prometheusQuery {
            errors.append(
                file.error(
                    node.mapping?["slo"] ?? node,
                    "check \(check.name): slo: good: and total: are Prometheus counters: they need type: prometheus_query and the url of Prometheus"
                ))
        }
        if check.kind == .prometheusQuery, check.slo?.events != nil {
            // Its poll counts the objective's events: a query judged by conditions is another check's.
            for key in ["query", "down", "degraded", "empty"] {
                guard let given = node.mapping?[key] else { continue }
                errors.append(
                    file.error(
                        given,
                        "check \(check.name): \(key): is not read: this check counts its objective's events (slo: good: and total:); judge a query in a check of its own"
                    ))
            }
        } else if check.kind == .prometheusQuery {
            if check.query.query.trimmingCharacters(in: .whitespaces).isEmpty {
                errors.append(
                    file.error(node, "check \(check.name): a prometheus_query check needs query:, a PromQL expression"))
            }
            if let down = check.query.down, let degraded = check.query.degraded, down.shadows(degraded) {
                errors.append(
                    file.error(
                        node.mapping?["degraded"] ?? node,
                        "check \(check.name): degraded: \"\(degraded)\" can never apply: every value it holds for, down: \"\(down)\" holds for too, and down is judged first; give degraded: the milder bound (such as down: \"> 0.05\", degraded: \"> 0.01\")"
                    ))
            }
            if check.query.down == nil && check.query.degraded == nil {
                errors.append(
                    file.error(
                        node,
                        "check \(check.name): a prometheus_query check needs down: or degraded: (such as down: \"> 0.05\"), or it could never fail"
                    ))
            }
        }
        return errors
    }
}
