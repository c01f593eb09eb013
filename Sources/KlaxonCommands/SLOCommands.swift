import ArgumentParser
import KlaxonCore
import KlaxonStore

/// `klaxon slo …`: the checks' objectives (`slo:` in klaxon.yaml), from the outcomes the recorder
/// keeps in the store (docs/slo.md).
struct SLOCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slo", abstract: "Objectives: error budgets and burn rates of the checks with an slo:.",
        subcommands: [Status.self, Report.self])

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Where each objective stands now: availability and budget left over its window, burn rates, the alert they make.",
            discussion:
                "Reads the outcomes the recording process (the console or klaxon watch) saves each minute. Exit status 0, 1 when a burn pages, 3 when none does but an objective has no figures yet."
        )
        @Argument(help: "Only these checks (default: every check with an slo:).") var names: [String] = []
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            let context = global.context
            let workspace = try global.loadWorkspace()
            let (checks, ledgers) = try SLOCommand.load(names, workspace, context)
            let now = context.now()
            let statuses = checks.map { check in
                (check, ledgers[check.name].map { SLOStatus.compute(check.slo!, $0, now: now) })
            }
            if output.json {
                context.print(json: .array(statuses.map { SLOCommand.json($0.0, $0.1) }))
            } else {
                var rows = [["CHECK", "OBJECTIVE", "AVAILABILITY", "BUDGET LEFT", "1h", "6h", "3d", "ALERT"]]
                for (check, status) in statuses {
                    let objective = "\(SLOText.objective(check.slo!.objective)) \(check.slo!.windowDays)d"
                    guard let status else {
                        rows.append([check.name, objective, "—", "unknown: nothing recorded yet", "—", "—", "—", "?"])
                        continue
                    }
                    rows.append(
                        [
                            check.name, objective, SLOText.availability(status.availability),
                            SLOText.budgetLeft(status)
                        ] + [60, 360, 4320].map { SLOText.rate(status.burn(overMinutes: $0)?.rate) }
                            + [status.level == .none ? "—" : status.level.rawValue])
                }
                context.print(TextTable.render(rows))
                for (check, status) in statuses {
                    for rule in status?.firing ?? [] {
                        context.print("\(check.name): \(SLOText.rule(rule, in: status!))")
                    }
                }
                if statuses.contains(where: { $0.1?.burns.contains { $0.rate == nil } ?? false }) {
                    context.print(
                        "— : too few events in the window (minimum_events), or not recorded that long yet (a window is judged once the objective has recorded for as long as it lasts)"
                    )
                }
                // The store holds what the recording process saved: each minute, and as a burn pages.
                if let newest = statuses.compactMap({ $0.1?.lastEvent }).max() {
                    let formatter = LocalTimeFormatter(
                        timeZone: workspace.displayTimeZone(environment: context.environment))
                    context.print(
                        "as of \(formatter.dateTime(newest)), the newest minute saved (the recording process saves each minute)"
                    )
                }
            }
            if statuses.contains(where: { $0.1?.level == .page }) { throw ExitCode(1) }
            if statuses.contains(where: { $0.1?.budgetLeft == nil }) { throw ExitCode(3) }
        }
    }

    struct Report: WindowCommand {
        static let configuration = CommandConfiguration(
            abstract: "What each objective met over a span, for a review: events, availability, budget spent.",
            discussion:
                "Outcomes are kept for each objective's window (28 or 30 days), by the minute for the last six hours and by the hour before: a span reaching further back is counted from the oldest hour kept, and by the hour."
        )
        @Option(
            name: WindowOption.from,
            help: ArgumentHelp("From this time (default: 7 days before --to).", valueName: "time"))
        var from: String?
        @Option(
            name: WindowOption.to,
            help: ArgumentHelp("Until this time (default: now).", valueName: "time"))
        var to: String?
        @Argument(help: "Only these checks (default: every check with an slo:).") var names: [String] = []
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            let context = global.context
            let workspace = try global.loadWorkspace()
            let now = context.now()
            let (start, end) = try global.window(from: from, to: to, defaultDays: 7, workspace: workspace)
            let (checks, ledgers) = try SLOCommand.load(names, workspace, context)
            let formatter = LocalTimeFormatter(timeZone: workspace.displayTimeZone(environment: context.environment))
            let reports = checks.map { check in
                (check, ledgers[check.name].map { SLOReport.compute(check.slo!, $0, from: start, to: end, now: now) })
            }
            if output.json {
                context.print(json: .array(reports.map { SLOCommand.json($0.0, $0.1) }))
                return
            }
            context.print("Objectives from \(formatter.dateTime(start)) to \(formatter.dateTime(end))")
            var rows = [["CHECK", "OBJECTIVE", "EVENTS", "BAD", "AVAILABILITY", "BUDGET SPENT", "BUDGET LEFT NOW"]]
            var notes: [String] = []
            for (check, report) in reports {
                let objective = "\(SLOText.objective(check.slo!.objective)) \(check.slo!.windowDays)d"
                guard let report else {
                    rows.append([check.name, objective, "—", "—", "—", "—", "unknown: nothing recorded yet"])
                    continue
                }
                rows.append([
                    check.name, objective, "\(report.counts.total)", "\(report.counts.bad)",
                    SLOText.availability(report.availability),
                    report.budgetSpent.map { "\(SLOText.percent($0)) (\(SLOText.minutes(report.budgetMinutesSpent!)))" }
                        ?? "—",
                    SLOText.budgetLeft(report.now)
                ])
                let from = Timestamp(milliseconds: report.fromMinute * 60_000)
                if from > start {
                    notes.append(
                        "\(check.name): counted from \(formatter.dateTime(from)), the oldest outcome kept (its \(check.slo!.windowDays)d window)"
                    )
                } else if report.byHour {
                    notes.append("\(check.name): counted by the hour (the span reaches back more than six hours)")
                }
            }
            context.print(TextTable.render(rows))
            for note in notes { context.print(note) }
        }
    }

    /// The checks with an objective (those named, when any are) and their ledgers from the store.
    static func load(_ names: [String], _ workspace: Workspace, _ context: CommandContext) throws(KlaxonError) -> (
        [CheckDefinition], [String: OutcomeLedger]
    ) {
        let files = loadChecksPolling(workspace, context)
        var checks = files.checks.filter { $0.slo != nil }
        guard !checks.isEmpty else {
            // A check whose slo: (or anything else) does not read is not among them: said above, with its place.
            if !files.unpolled.isEmpty {
                throw .badInput(
                    "no check with an slo: reads: \(files.unpolled.map(\.name).joined(separator: ", ")) could not be read (the errors above); klaxon config validate lists every problem"
                )
            }
            throw .badInput(
                "no check in klaxon.yaml has an slo:; give one an slo: {objective: 99.9, window: 28d} (docs/slo.md)")
        }
        for name in names where !checks.contains(where: { $0.name == name }) {
            if files.unpolled.contains(where: { $0.name == name }) {
                throw .badInput(
                    "check \"\(name)\" could not be read (the error above); klaxon config validate lists every problem")
            }
            throw .badInput(
                "no check named \"\(name)\" has an slo: in klaxon.yaml (those that do: \(checks.map(\.name).joined(separator: ", ")))"
            )
        }
        if !names.isEmpty { checks = checks.filter { names.contains($0.name) } }
        let store = try workspace.journalStore
        let stored = try store.outcomeLedgers()
        var ledgers: [String: OutcomeLedger] = [:]
        for check in checks {
            guard let bytes = stored[check.name] else { continue }
            guard let ledger = OutcomeLedger(bytes: bytes, windowDays: check.slo!.windowDays) else {
                throw .failed(
                    "the outcomes kept for \(check.name) in \(store.location) are not an outcome ledger (damaged, or written by something else); the recorder starts them afresh once they are removed"
                )
            }
            ledgers[check.name] = ledger
        }
        return (checks, ledgers)
    }

    static func json(_ check: CheckDefinition, _ status: SLOStatus?) -> JSONValue {
        var fields = objectiveJSON(check)
        guard let status else { return .object(fields.merging(unknownJSON) { $1 }) }
        fields["known"] = .bool(true)
        fields["as_of"] = status.lastEvent.map { .string($0.rfc3339) } ?? .null
        fields["events"] = countsJSON(status.window)
        fields["availability"] = rounded(status.availability)
        fields["budget_left"] = rounded(status.budgetLeft)
        fields["budget_minutes_left"] = rounded(status.budgetMinutesLeft)
        fields["burns"] = .array(
            status.burns.map { burn in
                .object([
                    "window_minutes": .number(Double(burn.minutes)), "events": countsJSON(burn.counts),
                    "covered": .bool(burn.covered),
                    "rate": rounded(burn.rate)
                ])
            })
        fields["firing"] = .array(
            status.firing.map { rule in
                .object([
                    "level": .string(rule.level.rawValue), "long_minutes": .number(Double(rule.longMinutes)),
                    "short_minutes": .number(Double(rule.shortMinutes)), "factor": .number(rule.factor)
                ])
            })
        fields["alert"] = .string(status.level.rawValue)
        fields["budget_line"] = .array(status.budgetLine.map(rounded))
        return .object(fields)
    }

    static func json(_ check: CheckDefinition, _ report: SLOReport?) -> JSONValue {
        var fields = objectiveJSON(check)
        guard let report else { return .object(fields.merging(unknownJSON) { $1 }) }
        fields["known"] = .bool(true)
        fields["from"] = .string(Timestamp(milliseconds: report.fromMinute * 60_000).rfc3339)
        fields["to"] = .string(Timestamp(milliseconds: report.toMinute * 60_000).rfc3339)
        fields["by_hour"] = .bool(report.byHour)
        fields["events"] = countsJSON(report.counts)
        fields["availability"] = rounded(report.availability)
        fields["budget_spent"] = rounded(report.budgetSpent)
        fields["budget_minutes_spent"] = rounded(report.budgetMinutesSpent)
        fields["budget_left_now"] = rounded(report.now.budgetLeft)
        return .object(fields)
    }

    /// An objective with nothing recorded, and why.
    private static let unknownJSON: [String: JSONValue] = [
        "known": .bool(false),
        "reason": .string(
            "nothing recorded yet: the console or klaxon watch records the polls and saves them each minute")
    ]

    private static func objectiveJSON(_ check: CheckDefinition) -> [String: JSONValue] {
        let objective = check.slo!
        return [
            "check": .string(check.name), "objective": .number(objective.objective),
            "window_days": .number(Double(objective.windowDays)), "method": .string(objective.method.rawValue),
            "minimum_events": .number(Double(objective.minimumEvents)),
            "budget_minutes": rounded(objective.budgetMinutes)
        ]
    }

    /// A figure to six decimals (40.32, not 40.31999999999556); null when there is none.
    private static func rounded(_ value: Double?) -> JSONValue {
        value.map { .number(($0 * 1_000_000).rounded() / 1_000_000) } ?? .null
    }

    private static func countsJSON(_ counts: OutcomeLedger.Counts) -> JSONValue {
        .object(["good": .number(Double(counts.good)), "total": .number(Double(counts.total))])
    }
}
