import ArgumentParser
import Foundation
import KlaxonCore
import KlaxonEngine
import KlaxonHTTP
import KlaxonStore

/// `klaxon status …`: the checks of `klaxon.yaml`.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Poll the platform's checks (klaxon.yaml checks:).",
        subcommands: [Check.self, Watch.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Poll every check once (again, at the retry interval, only where a threshold or a missing required alert's silent_for needs confirming) and print the states.",
            discussion:
                "Exit status 0 when no check is down, 1 when one is, 3 when none is but one is unknown (its source cannot be read, or what it reads cannot say)."
        )
        @Argument(help: "Only these checks (default: all).") var names: [String] = []
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            let context = global.context
            let files = try loadChecks(try global.loadWorkspace(), context)
            var checks = files.checks
            if !names.isEmpty {
                for name in names where !checks.contains(where: { $0.name == name }) {
                    throw KlaxonError.badInput(
                        "no check named \"\(name)\" in klaxon.yaml (known: \(checks.map(\.name).joined(separator: ", ")))"
                    )
                }
                checks = checks.filter { names.contains($0.name) }
            }
            let results = StatusRound.run(
                checks, maintenance: files.maintenance,
                secrets: SecretResolver(environment: context.environment, role: "polls"),
                now: context.now)
            if output.json {
                context.print(json: JSONValue.array(results.map(\.json)))
            } else {
                context.print(StatusRound.table(results))
            }
            if results.contains(where: { $0.machine.state == .down }) { throw ExitCode(1) }
            if results.contains(where: { $0.machine.state == .unknown }) { throw ExitCode(3) }
        }
    }
}

/// Polls checks until their states are settled: once, then again at the retry interval for those
/// whose thresholds are still being confirmed.
enum StatusRound {
    struct Result {
        var check: CheckDefinition
        var machine: CheckStateMachine
        var evaluation: CheckEvaluation
        var response: ProbeResponse

        var json: JSONValue {
            let p = response.phases
            var fields: [String: JSONValue] = [
                "name": .string(check.name), "group": .string(check.group), "state": .string(machine.state.rawValue),
                "latency_ms": response.statusCode == nil ? .null : .number(p.total.rounded()),
                "phases": .object([
                    "dns_ms": .number(p.dns), "connect_ms": .number(p.connect), "tls_ms": .number(p.tls),
                    "first_byte_ms": .number(p.firstByte), "total_ms": .number(p.total)
                ]),
                "detail": .string(evaluation.observation.detail),
                "url": .string(URLCredentials.redacted(CheckEvaluation.requestURL(check)))
            ]
            if check.kind == .statuspage {
                fields["components"] = .array(
                    evaluation.items.map { .object(["name": .string($0.name), "status": .string($0.status)]) })
                fields["incidents"] = .array(evaluation.incidents.map(JSONValue.string))
            }
            if check.kind == .prometheus || check.kind == .alertmanager {
                fields["alerts"] = .array(evaluation.items.map(Self.alertJSON))
            }
            if SystemHealth.reads(check.kind) {
                fields["reads"] = .array(
                    CheckEvaluation.requestURLs(check).map { .string(URLCredentials.redacted($0)) })
                // What the system listed: failing checks, queue items and nodes, series, features.
                fields["items"] = .array(
                    evaluation.items.map { item in
                        var entry: [String: JSONValue] = ["name": .string(item.name), "status": .string(item.status)]
                        if !item.labels.isEmpty { entry["labels"] = .object(item.labels.mapValues(JSONValue.string)) }
                        if !item.annotations.isEmpty {
                            entry["annotations"] = .object(item.annotations.mapValues(JSONValue.string))
                        }
                        return .object(entry)
                    })
            }
            if !check.verifyTLS { fields["tls_verify"] = .bool(false) }
            return .object(fields)
        }

        /// An alert as its source told it: state, severity, what it says, since when and where from.
        static func alertJSON(_ item: StatusPayloads.Item) -> JSONValue {
            var fields: [String: JSONValue] = [
                "name": .string(item.name), "state": .string(item.status), "counted": .bool(item.counted),
                "required": .bool(item.required),
                "labels": .object(item.labels.mapValues(JSONValue.string)),
                "annotations": .object(item.annotations.mapValues(JSONValue.string)),
                "severity": item.severity.map(JSONValue.string) ?? .null,
                "starts_at": item.startsAt.map { .string($0.rfc3339) } ?? .null,
                "generator_url": item.generatorURL.map(JSONValue.string) ?? .null,
                "effect": item.effect.map { .string($0.rawValue) } ?? .null
            ]
            for key in ["summary", "description", "runbook_url"] {
                fields[key] = item.annotations[key].map(JSONValue.string) ?? .null
            }
            return .object(fields)
        }
    }

    static func run(
        _ checks: [CheckDefinition], maintenance: [MaintenanceWindow], secrets: SecretResolver, now: () -> Timestamp
    ) -> [Result] {
        var results = checks.map {
            Result(
                check: $0, machine: CheckStateMachine($0), evaluation: CheckEvaluation(observation: .ok()),
                response: ProbeResponse())
        }
        // A heartbeat check is not polled: it is judged from the pings the intake records, which this
        // command does not read.
        for i in results.indices where results[i].check.kind == .heartbeat {
            let t = now()
            var evaluation = CheckEvaluation(
                observation: .unknown(CheckEvaluation.heartbeatElsewhere(results[i].check)))
            results[i].machine.observe(&evaluation, of: results[i].check, at: t, maintenance: maintenance)
            results[i].evaluation = evaluation
        }
        var due = results.indices.filter { results[$0].check.kind != .heartbeat }
        for round in 0..<100 where !due.isEmpty {
            if round > 0 {
                // The shortest retry interval among those still confirming.
                let wait = due.map { results[$0].check.nextPollSeconds(confirming: true) }.min() ?? 1
                Thread.sleep(forTimeInterval: Double(wait))
            }
            // A check's requests are one or more (a system kind reads two endpoints), in a row here.
            let requests = due.map { ProbeRequest.poll(results[$0].check, resolve: secrets.resolve) }
            var answered = HTTPProber.round(requests.flatMap { $0 })[...]
            let t = now()
            for (i, made) in zip(due, requests) {
                let responses = Array(answered.prefix(made.count))
                answered = answered.dropFirst(made.count)
                var evaluation = CheckEvaluation.evaluate(results[i].check, responses: responses, now: t)
                results[i].machine.observe(&evaluation, of: results[i].check, at: t, maintenance: maintenance)
                results[i].evaluation = evaluation
                results[i].response = ProbeResponse.combined(responses)
            }
            due = due.filter { results[$0].machine.isConfirming }
        }
        return results
    }

    static func table(_ results: [Result]) -> String {
        var groups: [String] = []
        for r in results where !groups.contains(r.check.group) { groups.append(r.check.group) }
        // One table for every group, so that the columns line up down the whole list; each group's
        // heading on a line of its own above its rows.
        var rows: [[String]] = []
        var headings: [Int: String] = [:]
        for group in groups {
            headings[rows.count] = group.isEmpty ? "(no group)" : group
            for r in results where r.check.group == group {
                let latency = r.response.statusCode == nil ? "—" : "\(Int(r.response.phases.total.rounded())) ms"
                rows.append([
                    "  " + r.check.name, r.machine.state.displayName.uppercased(), latency,
                    r.evaluation.observation.detail + (r.check.verifyTLS ? "" : " [TLS not verified]")
                ])
            }
        }
        var lines: [String] = []
        for (index, line) in TextTable.render(rows).split(separator: "\n", omittingEmptySubsequences: false)
            .enumerated()
        {
            if let heading = headings[index] { lines.append(heading) }
            lines.append(String(line))
        }
        let down = results.filter { $0.machine.state == .down }.count
        let unknown = results.filter { $0.machine.state == .unknown }.count
        lines.append(
            (down == 0 ? "nothing down" : "\(down) check\(down == 1 ? "" : "s") down")
                + (unknown == 0
                    ? ""
                    : "; \(unknown) check\(unknown == 1 ? "" : "s") unknown (the detail says why)")
        )
        return lines.joined(separator: "\n")
    }
}
