import ArgumentParser
import Foundation
import KlaxonCore
import KlaxonStore

/// `klaxon escalation …`: plan a policy without sending, see what escalates now, stop an escalation.
struct EscalationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "escalation",
        abstract: "Escalation policies (Escalation/policies/): simulate one, see what is paging, stop an escalation.",
        discussion: "Pages are sent by the process that runs the engine: klaxon watch, or a console.",
        subcommands: [Simulate.self, StatusList.self, Stop.self])

    struct Simulate: WindowCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Print the pages a policy would send from a time (default: now), as if nobody (or someone, --ack-at) acknowledged. Nothing is sent."
        )
        @Argument(help: "The policy.") var policy: String
        @Option(
            name: WindowOption.from,
            help: ArgumentHelp("When the incident is declared (default: now).", valueName: "time"))
        var from: String?
        @Option(name: .customLong("ack-at"), help: ArgumentHelp("When someone acknowledges.", valueName: "time"))
        var ackAt: String?
        @Option(name: .customLong("ack-by"), help: ArgumentHelp("Who acknowledges (with --ack-at).", valueName: "id"))
        var ackBy: String?
        @Option(
            name: WindowOption.to,
            help: ArgumentHelp(
                "The end of the simulation (default: a week after --from).", valueName: "time"))
        var to: String?
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func validate() throws {
            if ackBy != nil && ackAt == nil { throw ValidationError("--ack-by needs --ack-at") }
        }

        func run() throws {
            let context = global.context
            let workspace = try global.loadWorkspace()
            let files = EscalationFiles.load(workspaceRoot: workspace.root)
            try files.requireReadable()
            let steps = try files.policy(named: policy).steps
            // Someone Escalation/people.yaml does not list acknowledges as given, with a word (issue 26).
            if let ackBy,
                let warning = WorkspaceNames(people: files.people.map(\.id)).personWarning(
                    ackBy, as: "--ack-by", then: "the simulation takes it as given")
            {
                context.warn(warning)
            }
            let start =
                try from.map { text throws(KlaxonError) in try global.parseTime(text, workspace: workspace) }
                ?? context.now()
            var events = [EscalationEvent(sequence: 1, at: start, actor: "simulation", kind: .started(policy: policy))]
            if let ackAt {
                let t = try global.parseTime(ackAt, workspace: workspace)
                guard t >= start else {
                    // In the words typed, as the window's ends are said.
                    throw KlaxonError.badInput("--ack-at (\(ackAt)) is before --from (\(from ?? "now"))")
                }
                events.append(
                    EscalationEvent(
                        sequence: 2, at: t, actor: ackBy ?? (try? global.writer().actor) ?? "someone",
                        kind: .acknowledged))
            }
            let end =
                try to.map { text throws(KlaxonError) in try global.parseTime(text, workspace: workspace) }
                ?? start.adding(seconds: 7 * 86400)
            try InputLimits.checkWindow(
                from: start, to: end, "--from (\(from ?? "now"))", "--to (\(to ?? "a week after --from"))")
            let simulation = files.engine().simulation(events, until: end)
            let pages = simulation.pages
            // Someone paged by a step and again by the next (on both schedules this week): "escalating"
            // would reach nobody new (issue 19). To standard error, so the JSON stays exact.
            struct Paged: Hashable { var cycle: Int, step: Int, user: String }
            let paged = Set(pages.map { Paged(cycle: $0.cycle, step: $0.step, user: $0.user) })
            var warned = Set<Paged>()
            for page in pages
            where paged.contains(Paged(cycle: page.cycle, step: page.step - 1, user: page.user))
                && warned.insert(Paged(cycle: page.cycle, step: page.step, user: page.user)).inserted
            {
                let place =
                    steps.indices.contains(page.step - 1) && !steps[page.step - 1].place.isEmpty
                    ? steps[page.step - 1].place + ": " : ""
                context.warn(
                    "\(place)\(page.user) is paged by step \(page.step - 1) and again by step \(page.step) (round \(page.cycle)): escalating there reaches nobody new"
                )
            }
            let formatter = LocalTimeFormatter(timeZone: workspace.displayTimeZone(environment: context.environment))
            let entries = Self.entries(simulation)
            if output.json {
                context.print(json: .array(entries.map { $0.json(formatter) }))
                return
            }
            guard !pages.isEmpty else {
                return context.print("no pages: nobody would be paged by \(policy) in that time")
            }
            // NOTE only when some row has one (an acknowledgement), and only on those rows: no trailing blanks.
            let notes = entries.map { $0.note(formatter, end: end) }
            var rows = [
                ["AT", "STEP", "ROUND", "USER", "CONTACT", "AFTER"] + (notes.contains { !$0.isEmpty } ? ["NOTE"] : [])
            ]
            for (entry, note) in zip(entries, notes) {
                rows.append(
                    [formatter.dateTime(entry.at)] + entry.cells
                        + ["+" + DurationText.short(seconds: start.seconds(until: entry.at))]
                        + (note.isEmpty ? [] : [note]))
            }
            context.print(TextTable.render(rows))
        }

        /// A row of the simulation: a page, an acknowledgement, or paging restarted by its ack timeout.
        enum Entry {
            /// `first`: the first page of paging restarted by an ack timeout.
            case page(EscalationEngine.Simulation.Page, first: Bool)
            case acknowledged(EscalationEngine.Simulation.Acknowledged)
            case restarted(EscalationEngine.Simulation.Restart, after: EscalationEngine.Acknowledgement)

            var at: Timestamp {
                switch self {
                case .page(let page, _): page.at
                case .acknowledged(let ack): ack.acknowledgement.at
                case .restarted(let restart, _): restart.at
                }
            }

            /// At one time: the acknowledgement, then the restart, then the pages.
            var rank: Int {
                switch self {
                case .acknowledged: 0
                case .restarted: 1
                case .page: 2
                }
            }

            /// STEP, ROUND, USER, CONTACT.
            var cells: [String] {
                switch self {
                case .page(let page, _): ["\(page.step)", "\(page.cycle)", page.user, page.contact.kind.rawValue]
                case .acknowledged(let ack): ["-", "-", ack.acknowledgement.by, "-"]
                case .restarted: ["-", "-", "-", "-"]
                }
            }

            /// The NOTE: what an acknowledgement does and when paging resumes, as the engine has it.
            func note(_ formatter: LocalTimeFormatter, end: Timestamp) -> String {
                switch self {
                case .page(_, let first): return first ? "first page after the restart" : ""
                case .acknowledged(let ack):
                    let a = ack.acknowledgement
                    guard a.acknowledgedPaging else { return "acknowledged, but nothing was paging" }
                    guard let timeout = a.timeoutSeconds else {
                        return "acknowledged; the policy has no ack timeout: it pages nobody again"
                    }
                    let after = "ack times out after \(DurationText.short(seconds: timeout))"
                    if let restart = ack.restart {
                        return "acknowledged; \(after): paging restarts at \(Self.position(restart.from))"
                    }
                    let due = a.at.adding(seconds: timeout)
                    return due > end
                        ? "acknowledged; \(after), at \(formatter.dateTime(due)), after the end of the simulation"
                        : "acknowledged; \(after), but something newer came first"
                case .restarted(let restart, let ack):
                    let timeout = ack.timeoutSeconds.map { " (\(DurationText.short(seconds: $0)))" } ?? ""
                    return
                        "\(ack.by)'s ack timed out\(timeout): paging restarts here, at \(Self.position(restart.from))"
                }
            }

            static func position(_ p: EscalationPlan.Position) -> String { "step \(p.step), round \(p.cycle)" }

            /// `--json`: each entry with its `kind`: `page` (`at`, `step`, `round`, `user`, `contact`, and
            /// `first_after_restart` on the first page of paging an ack timeout restarted), `acknowledged` (`at`,
            /// `user`, `ack_timeout_seconds`, null without one), `restarted` (`at`, `step` and `round` it restarts at).
            func json(_ formatter: LocalTimeFormatter) -> JSONValue {
                var fields: [String: JSONValue] = ["at": .string(formatter.rfc3339(at))]
                switch self {
                case .page(let page, let first):
                    fields["kind"] = .string("page")
                    fields["step"] = .number(Double(page.step))
                    fields["round"] = .number(Double(page.cycle))
                    fields["user"] = .string(page.user)
                    fields["contact"] = .string(page.contact.kind.rawValue)
                    if first { fields["first_after_restart"] = .bool(true) }
                case .acknowledged(let ack):
                    fields["kind"] = .string("acknowledged")
                    fields["user"] = .string(ack.acknowledgement.by)
                    fields["ack_timeout_seconds"] =
                        ack.acknowledgement.timeoutSeconds.map { .number(Double($0)) } ?? .null
                case .restarted(let restart, _):
                    fields["kind"] = .string("restarted")
                    fields["step"] = .number(Double(restart.from.step))
                    fields["round"] = .number(Double(restart.from.cycle))
                }
                return .object(fields)
            }
        }

        /// The simulation's pages, acknowledgements and restarts, by time.
        static func entries(_ simulation: EscalationEngine.Simulation) -> [Entry] {
            var entries: [Entry] = []
            for ack in simulation.acknowledgements {
                entries.append(.acknowledged(ack))
                if let restart = ack.restart { entries.append(.restarted(restart, after: ack.acknowledgement)) }
            }
            // The first page of each restarted paging (everyone paged at that moment).
            var firstAt: [Int: Timestamp] = [:]
            for page in simulation.pages {
                if let ack = page.restartedBy, firstAt[ack] == nil { firstAt[ack] = page.at }
            }
            for page in simulation.pages {
                entries.append(.page(page, first: page.restartedBy.map { firstAt[$0] == page.at } ?? false))
            }
            return entries.enumerated().sorted {
                ($0.element.at, $0.element.rank, $0.offset) < ($1.element.at, $1.element.rank, $1.offset)
            }.map(\.element)
        }
    }

    struct StatusList: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract:
                "Each open incident's paging state (paging, failing, acknowledged, not paging), and which process sends the pages."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            let context = global.context
            let workspace = try global.loadWorkspace()
            let files = EscalationFiles.load(workspaceRoot: workspace.root)
            let engine = files.engine(retry: workspace.config.pagingRetry)
            let store = try workspace.incidents
            let now = context.now()
            let formatter = LocalTimeFormatter(timeZone: workspace.displayTimeZone(environment: context.environment))
            let holder = (try? EngineLock(store: store.journals, forRunning: false))?.holder()
            var rows = [["INCIDENT", "PAGING"]]
            var json: [JSONValue] = []
            // The action links opened (on the journal alerts, where the intake notes each GET).
            let book =
                store.journals.stamp(of: AlertJournal.name) == nil
                ? AlertBook() : AlertBook(records: try store.journals.journal(AlertJournal.name).readNewRecords())
            var unusedLines: [String] = []
            for (id, item) in try store.overview(wanted: { _, _ in false }, updatingIndex: true).items {
                guard case .journal(let journal) = item, journal.incident.isOpen else { continue }
                let status = engine.decide(journal.incident, now: now, engine: ("", 0)).status
                let paging = PagingState(incident: journal.incident, status: status)
                let summary = paging.detail(now: now, formatter: formatter)
                rows.append([id, summary])
                let unused = Self.unusedLinks(book.linkOpenings[id] ?? [], journal.incident)
                for opening in unused {
                    unusedLines.append(
                        TerminalText.printable(
                            "  \(id)  \(opening.user) opened the \(opening.action == .acknowledge ? "acknowledge" : "escalate") link at \(PagingState.when(opening.at, now: now, formatter: formatter)) (from \(opening.client)) and did not press it"
                        ))
                }
                json.append(
                    .object([
                        "id": .string(id), "policy": status.map { .string($0.policy) } ?? .null,
                        "summary": .string(summary),
                        "paging": paging.json(now: now, formatter: formatter),
                        "links_opened_unused": .array(
                            unused.map {
                                .object([
                                    "user": .string($0.user), "action": .string($0.action.rawValue),
                                    "page": .string($0.page), "at": .string(formatter.rfc3339($0.at)),
                                    "client": .string($0.client)
                                ])
                            })
                    ]))
            }
            if output.json {
                context.print(
                    json: JSONValue.object(["engine": holder.map(JSONValue.string) ?? .null, "incidents": .array(json)])
                )
                return
            }
            context.print(
                "engine: " + (holder ?? "none running — pages are not sent until klaxon watch or a console runs"))
            context.print(rows.count == 1 ? "no open incidents" : TextTable.render(rows))
            if !unusedLines.isEmpty {
                context.print("action links opened and not used (a person who looked, or a mail scanner):")
                for line in unusedLines { context.print(line) }
            }
        }

        /// The acknowledge and escalate links of `incident` opened and not pressed: no acknowledgement or
        /// escalation via link by the same person at or after the opening. Each link once, first opening.
        static func unusedLinks(_ openings: [ActionLink.Opening], _ incident: Incident) -> [ActionLink.Opening] {
            var seen: Set<String> = []
            return openings.filter { opening in
                guard opening.action != .view, seen.insert("\(opening.page) \(opening.action)").inserted else {
                    return false
                }
                return !incident.escalationEvents.contains { event in
                    guard event.via == "link", event.actor == opening.user, event.at >= opening.at else { return false }
                    switch (event.kind, opening.action) {
                    case (.acknowledged, .acknowledge), (.advanced, .escalate): return true
                    default: return false
                    }
                }
            }
        }
    }

    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop every escalation of an incident: no more pages until someone pages again.")
        @Argument(help: "The incident.") var id: String
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws { try record(.stopEscalation, on: id, global: global, json: output.json) }
    }
}
