import ArgumentParser
import Foundation
import KlaxonCore
import KlaxonStore

struct IncidentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incident",
        abstract: "Declare incidents, record what happens, and read their timelines.",
        subcommands: [
            Declare.self, Note.self, Update.self, Status.self, SeverityCommand.self, Assign.self, Ack.self,
            Mitigate.self,
            Resolve.self, Reopen.self, Amend.self, Todo.self, Done.self, Link.self, Tag.self, Page.self,
            Escalate.self, List.self, Show.self
        ])
}

/// Opens an incident, performs `action`, prints what was recorded; shared by every write command.
func record(_ action: IncidentAction, on idText: String, global: GlobalOptions, json: Bool) throws(KlaxonError) {
    let context = global.context
    let workspace = try global.loadWorkspace()
    let writer = try global.writer()
    let journal = try workspace.incidents.open(idText)
    journal.lockWait.notice = { context.say("klaxon: " + $0) }
    let fileWarnings = journal.warnings
    for warning in fileWarnings { context.warn(warning) }
    let warningsBefore = Set(journal.incident.timeOrderWarnings)
    let written = try journal.perform(action, by: writer, now: context.now)
    // What the write itself did to the file (a torn tail cut aside) is said too.
    for warning in journal.warnings where !fileWarnings.contains(warning) { context.warn(warning) }
    if json {
        context.print(
            json: JSONValue.object([
                "id": .string(journal.id), "seq": .number(Double(written.sequence)),
                "type": .string(written.type), "hash": .string(written.hash.hex)
            ]))
    } else {
        let formatter = LocalTimeFormatter(timeZone: workspace.displayTimeZone(environment: context.environment))
        let kind = TimelineText.kind(of: written)
        var text = TimelineText.text(of: written, formatter: formatter)
        // A text that names its kind first ("resolved: web back") does not say it twice.
        if text.hasPrefix(kind + ": ") { text.removeFirst(kind.count + 2) }
        context.print("\(journal.id) #\(written.sequence) \(kind): \(text)")
    }
    for warning in journal.incident.timeOrderWarnings where !warningsBefore.contains(warning) {
        context.warn(
            "\(journal.id): \(warning); recorded as given — correct it with klaxon incident amend if it is wrong")
    }
}

extension IncidentCommand {
    struct Declare: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Declare a new incident and print its id.")

        @Argument(help: "What is wrong, in one line.") var title: String
        @Option(name: .long, help: "SEV1 (most severe) to SEV5.") var severity: String
        @Option(name: .long, help: "An affected service (repeat for more).") var service: [String] = []
        @Option(name: .long, help: "Who commands the response.") var commander: String?
        @Option(name: .customLong("impact-start"), help: "When the impact began (TIME).") var impactStart: String?
        @Option(name: .long, help: "When the problem was detected (TIME).") var detected: String?
        @Option(name: .long, help: "A tag (repeat for more).") var tag: [String] = []
        @Option(
            name: .long,
            help: "Page by this escalation policy (Escalation/policies/NAME.yaml) from the moment of declaring.")
        var policy: String?
        @Option(name: .long, help: "A runbook to link (repeat for more).") var runbook: [String] = []
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            let context = global.context
            try InputLimits.check(title, "the title")
            guard let severity = Severity(parsing: severity) else {
                throw KlaxonError.badInput("severity \"\(self.severity)\" is not one of \(Severity.expected)")
            }
            let workspace = try global.loadWorkspace()
            let writer = try global.writer()
            let now = context.now()
            func keyTime(_ text: String?, _ option: String) throws(KlaxonError) -> Timestamp? {
                guard let text else { return nil }
                let time = try global.parseTime(text, workspace: workspace)
                try KeyTime.requirePast(time, option, now: now)
                return time
            }
            // A runbook that does not exist is refused; a person or service nothing knows is said after.
            let names = WorkspaceNames.of(workspace, context: context)
            var runbooks: [String] = []
            for name in runbook { runbooks.append(try names.linkTarget(name)) }
            let declaration = Declaration(
                title: title, severity: severity, services: service, commander: commander,
                impactStarted: try keyTime(impactStart, "--impact-start"),
                detected: try keyTime(detected, "--detected"),
                tags: tag, policy: policy, runbooks: runbooks)
            if let policy { try requirePolicy(policy, workspace: workspace) }
            // A service that already has an open incident is said, and the incident still declared:
            // scripts rely on `declare` declaring (docs/incidents.md).
            let openForService = IncidentCommand.openIncident(for: service, workspace: workspace)
            let journal = try workspace.incidents.declare(declaration, by: writer, at: context.now())
            if output.json {
                context.print(json: JSONValue.object(["id": .string(journal.id)]))
            } else {
                context.print(journal.id)
            }
            for warning in journal.incident.timeOrderWarnings { context.warn("\(journal.id): \(warning)") }
            var warnings = service.compactMap(names.serviceWarning)
            if let commander, let warning = names.personWarning(commander, as: "commander") { warnings.append(warning) }
            for warning in warnings { context.warn("\(journal.id): \(warning)") }
            if let open = openForService {
                context.warn(
                    "\(open.id) is open for \(open.service) (\"\(TerminalText.oneLine(open.title))\"); \(journal.id) was declared beside it; to add to \(open.id) instead: klaxon incident note \(open.id) TEXT (and klaxon incident resolve \(journal.id) --summary \"duplicate of \(open.id)\")"
                )
            }
            if policy != nil { warnWithoutEngine(workspace, context) }
            // A serious incident that pages nobody is worth saying so: it shows "not paging" until someone pages.
            if policy == nil, severity <= .sev2 {
                context.warn(
                    "\(journal.id) is \(severity.name) and pages nobody: it has no escalation policy; page with klaxon incident page \(journal.id) --policy NAME (or --user ID)"
                )
            }
        }
    }

    /// The open incident that already has one of `services`, if one does; nothing when the incidents
    /// cannot be read (the declaration is not held up by a listing).
    static func openIncident(for services: [String], workspace: Workspace) -> OpenIncidentForService? {
        guard !services.isEmpty,
            let listing = try? IncidentListing.load(workspace: workspace, includeResolved: false, warn: { _ in })
        else { return nil }
        return OpenIncidentForService.find(for: services, among: listing.map(\.incident))
    }

    struct Page: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Page now: start an escalation policy (replacing any running), or page one person until someone acknowledges."
        )
        @Argument(help: "The incident.") var id: String
        @Option(name: .long, help: "An escalation policy (Escalation/policies/NAME.yaml).") var policy: String?
        @Option(name: .long, help: "A person (from Escalation/people.yaml).") var user: String?
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func validate() throws {
            guard (policy == nil) != (user == nil) else {
                throw ValidationError("give either --policy NAME or --user ID")
            }
        }

        func run() throws {
            let workspace = try global.loadWorkspace()
            if let policy {
                try requirePolicy(policy, workspace: workspace)
                try record(.startEscalation(policy: policy), on: id, global: global, json: output.json)
            } else if let user {
                let files = EscalationFiles.load(workspaceRoot: workspace.root)
                guard files.people.contains(where: { $0.id == user }) else {
                    let hint = NameSuggestion.hint(for: user, among: files.people.map(\.id))
                    throw KlaxonError.badInput(
                        "\(user) is not in \(files.directory)/people.yaml"
                            + (hint.isEmpty ? "; known: \(files.people.map(\.id).joined(separator: ", "))" : hint))
                }
                try record(.page(user: user), on: id, global: global, json: output.json)
            }
            warnWithoutEngine(workspace, global.context)
        }
    }

    struct Escalate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Escalate now: move the running policy on to its next step without waiting (whoever runs the engine pages it)."
        )
        @Argument(help: "The incident.") var id: String
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            let context = global.context
            let workspace = try global.loadWorkspace()
            let writer = try global.writer()
            let journal = try workspace.incidents.open(id)
            journal.lockWait.notice = { context.say("klaxon: " + $0) }
            for warning in journal.warnings { context.warn(warning) }
            // The engine's view from the files `escalation status` reads: nothing paging, a direct page or the
            // last step is refused with what to do instead. The record only says "move on"; the engine pages.
            let engine = EscalationFiles.load(workspaceRoot: workspace.root).engine(retry: workspace.config.pagingRetry)
            let formatter = LocalTimeFormatter(timeZone: workspace.displayTimeZone(environment: context.environment))
            if let refusal = engine.escalateNowRefusal(journal.incident, now: context.now(), formatter: formatter) {
                throw KlaxonError.badInput(refusal)
            }
            // Refused under the journal's lock if the escalation changed since it was looked at.
            let written = try journal.perform(
                .escalateNow(decidedAtRecord: journal.incident.recordCount, origin: nil), by: writer, now: context.now)
            let text = engine.escalatedNowText(journal.incident, now: written.timestamp)
            if output.json {
                context.print(
                    json: JSONValue.object([
                        "id": .string(journal.id), "seq": .number(Double(written.sequence)),
                        "type": .string(written.type), "hash": .string(written.hash.hex), "text": .string(text)
                    ]))
            } else {
                context.print("\(journal.id): \(text)")
            }
            warnWithoutEngine(workspace, context)
        }
    }

    struct Note: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a note to the timeline.")
        @Argument(help: "The incident (INC-12 or 12).") var id: String
        @Argument(help: "The note; - reads it from standard input.") var text: String
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            var note = text
            if text == "-" {
                // A byte past the limit is enough to refuse it: an endless input is never read whole.
                note = global.context.readStandardInput(InputLimits.textBytes + 1)
                while note.hasSuffix("\n") { note.removeLast() }
            }
            try InputLimits.check(note, "the note")
            try record(.note(note), on: id, global: global, json: output.json)
        }
    }

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Post a public status update (for the people who depend on the platform, unlike a note).",
            discussion: """
                The update goes to the status page and, through klaxon watch or the console that sends pages, \
                to where klaxon.yaml's comms: sends it. Unless --status says otherwise, its phase is the further \
                along of the incident's status and its last update's (resolved once it is resolved: the final \
                update). See docs/comms.md.
                """)
        @Argument(help: "The incident (INC-12 or 12).") var id: String
        @Argument(help: "The update's text, as the public reads it; - reads it from standard input.") var text: String
        @Option(help: "The phase: investigating, identified, monitoring or resolved (default: see above).")
        var status: String?
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            var update = text
            if text == "-" {
                update = global.context.readStandardInput(InputLimits.textBytes + 1)
                while update.hasSuffix("\n") { update.removeLast() }
            }
            try InputLimits.check(update, "the status update")
            var phase: IncidentStatus?
            if let status {
                guard let parsed = IncidentStatus(parsing: status) else {
                    throw KlaxonError.badInput("--status \"\(status)\" is not one of \(IncidentStatus.expected)")
                }
                phase = parsed
            }
            try record(.postUpdate(text: update, phase: phase), on: id, global: global, json: output.json)
            let workspace = try global.loadWorkspace()
            if let comms = workspace.commsError {
                global.context.warn(Workspace.commsIgnored(comms))
            } else if let incident = try? workspace.incidents.open(id, keepingTimeline: false).incident {
                if !workspace.config.comms.destinations(for: incident).isEmpty {
                    if !someoneSends(workspace) { warnWithoutSender(global.context, what: "this update") }
                } else if !workspace.config.comms.destinations.isEmpty {
                    // Destinations, but none for this one: said, so that nobody waits for a message that
                    // nothing sends. (Without any, updates are for the status page: nothing to say.)
                    global.context.warn(
                        "\(incident.id)'s update is sent nowhere: no comms: route of klaxon.yaml matches its services or severity (docs/comms.md); it is on "
                            + (incident.isOpen
                                ? "the status page and the timeline only"
                                : "the timeline only (a resolved incident is not on the status page)")
                    )
                }
            }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the status: investigating, identified, monitoring or resolved.")
        @Argument(help: "The incident.") var id: String
        @Argument(help: "investigating, identified, monitoring or resolved.") var status: String
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            guard let status = IncidentStatus(parsing: status) else {
                // Mitigated is a key time, not a status: the command that records it.
                let mitigate =
                    self.status.lowercased().hasPrefix("mitigat")
                    ? "; mitigated is a key time, not a status: klaxon incident mitigate \(id)"
                    : NameSuggestion.hint(for: self.status, among: IncidentStatus.allCases.map(\.rawValue))
                throw KlaxonError.badInput(
                    "status \"\(self.status)\" is not one of \(IncidentStatus.expected)" + mitigate)
            }
            try record(.setStatus(status), on: id, global: global, json: output.json)
        }
    }

    struct SeverityCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "severity", abstract: "Change the severity.")
        @Argument(help: "The incident.") var id: String
        @Argument(help: "SEV1 (most severe) to SEV5.") var severity: String
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            guard let severity = Severity(parsing: severity) else {
                throw KlaxonError.badInput("severity \"\(self.severity)\" is not one of \(Severity.expected)")
            }
            try record(.setSeverity(severity), on: id, global: global, json: output.json)
        }
    }

    struct Assign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a role (commander, scribe, comms, or any other) to a person.")
        @Argument(help: "The incident.") var id: String
        @Argument(help: "The role.") var role: String
        @Argument(help: "The person.") var user: String
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            try record(.assign(role: role, user: user), on: id, global: global, json: output.json)
            let names = WorkspaceNames.of(try global.loadWorkspace(), context: global.context)
            if let warning = names.personWarning(user, as: role.lowercased()) { global.context.warn(warning) }
            // Any role may be given; one a slip away from a usual one (`commandr`) is most likely that one.
            let usual = NameSuggestion.hint(for: role.lowercased(), among: Incident.standardRoles)
            if !Incident.standardRoles.contains(role.lowercased()), !usual.isEmpty {
                global.context.warn("role \"\(role)\" is recorded as given\(usual)")
            }
        }
    }

    struct Ack: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Acknowledge the incident (you are on it).")
        @Argument(help: "The incident.") var id: String
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            let context = global.context
            let workspace = try global.loadWorkspace()
            let journal = try workspace.incidents.open(id, keepingTimeline: false)
            let now = context.now()
            // Acknowledged since paging last started: a second ack changes nothing, so nothing is recorded
            // (exit 0: what was asked for holds). An ack after paging started again is recorded.
            let engine = EscalationFiles.load(workspaceRoot: workspace.root).engine(retry: workspace.config.pagingRetry)
            if case .acknowledged(let by, let at, let via, _) = engine.pagingState(of: journal.incident, now: now) {
                let formatter = LocalTimeFormatter(
                    timeZone: workspace.displayTimeZone(environment: context.environment))
                if output.json {
                    var fields: [String: JSONValue] = [
                        "id": .string(journal.id), "recorded": .bool(false),
                        "acknowledged_by": .string(by), "acknowledged_at": .string(at.rfc3339)
                    ]
                    if let via { fields["acknowledged_via"] = .string(via) }
                    context.print(json: JSONValue.object(fields))
                } else {
                    let how = via.map { " via \($0)" } ?? ""
                    context.print(
                        "\(journal.id) was already acknowledged by \(by)\(how) at \(PagingState.when(at, now: now, formatter: formatter)); nothing recorded"
                    )
                }
                return
            }
            try record(.acknowledge, on: id, global: global, json: output.json)
        }
    }

    struct Mitigate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record that the impact is mitigated.")
        @Argument(help: "The incident.") var id: String
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws { try record(.mitigate, on: id, global: global, json: output.json) }
    }

    struct Resolve: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resolve the incident.")
        @Argument(help: "The incident.") var id: String
        @Option(name: .long, help: "What happened and what fixed it, in a sentence or two.") var summary: String?
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            try record(.resolve(summary: summary), on: id, global: global, json: output.json)
            // The public was told of it: resolving posts nothing by itself, so the final update is offered.
            if let incident = try? global.loadWorkspace().incidents.open(id, keepingTimeline: false).incident,
                let last = incident.statusUpdates.last, last.phase != .resolved
            {
                global.context.say(
                    "klaxon: \(incident.id)'s last public update says \(last.phase); post the final one: klaxon incident update \(incident.id) \"TEXT\""
                )
            }
        }
    }

    struct Reopen: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reopen a resolved incident.")
        @Argument(help: "The incident.") var id: String
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws { try record(.reopen, on: id, global: global, json: output.json) }
    }

    struct Amend: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Correct a key time (the old value stays on the timeline).",
            discussion: "FIELD is one of impact_started, detected, declared, acknowledged, mitigated, resolved.")
        @Argument(help: "The incident.") var id: String
        @Argument(help: "The key time to correct.") var field: String
        @Argument(help: "The corrected TIME.") var time: String
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            guard let key = KeyTime(parsing: field) else {
                throw KlaxonError.badInput("\"\(field)\" is not a key time; use \(KeyTime.expected)")
            }
            let workspace = try global.loadWorkspace()
            let when = try global.parseTime(time, workspace: workspace)
            try KeyTime.requirePast(when, key.rawValue, now: global.context.now())
            try record(.amend(key, when), on: id, global: global, json: output.json)
        }
    }

    struct Todo: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an action item.")
        @Argument(help: "The incident.") var id: String
        @Argument(help: "What is to be done.") var text: String
        @Option(name: .long, help: "Who owns it.") var owner: String?
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            try record(.addActionItem(text: text, owner: owner), on: id, global: global, json: output.json)
            if let owner,
                let warning = WorkspaceNames.of(try global.loadWorkspace(), context: global.context)
                    .personWarning(owner, as: "owner")
            {
                global.context.warn(warning)
            }
        }
    }

    struct Done: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mark action item N done.")
        @Argument(help: "The incident.") var id: String
        @Argument(help: "The action item's number (see incident show).") var number: Int
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws { try record(.completeActionItem(number), on: id, global: global, json: output.json) }
    }

    struct Link: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Link a runbook (by name) or a URL.")
        @Argument(help: "The incident.") var id: String
        @Argument(help: "A runbook name or a URL.") var target: String
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            let names = WorkspaceNames.of(try global.loadWorkspace(), context: global.context)
            try record(.link(try names.linkTarget(target)), on: id, global: global, json: output.json)
        }
    }

    struct Tag: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Tag the incident.")
        @Argument(help: "The incident.") var id: String
        @Argument(help: "The tag.") var tag: String
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws { try record(.tag(tag), on: id, global: global, json: output.json) }
    }
}

/// Refuses a policy that `Escalation/policies/` does not have (or that does not read), and any while a
/// file of `Escalation/` does not read: a policy pages through people, schedules and overrides, and a
/// policy file that does not read is "no such policy" only in appearance.
func requirePolicy(_ name: String, workspace: Workspace) throws(KlaxonError) {
    let files = EscalationFiles.load(workspaceRoot: workspace.root)
    if let policy = files.policies.first(where: { $0.name == name }),
        let problem = files.findings.first(where: { $0.level == .error && $0.place.hasPrefix(policy.place) })
    {
        throw .badInput("\(problem); fix the policy first (klaxon config validate)")
    }
    try files.requireReadable()
    _ = try files.policy(named: name)
}

/// Pages go out only from a process running the engine; say so when none is.
func warnWithoutEngine(_ workspace: Workspace, _ context: CommandContext) {
    guard let lock = try? EngineLock(store: workspace.journalStore, forRunning: false) else { return }
    if lock.holder() == nil {
        context.warn(
            "no process runs escalations for this workspace, so nothing is sent yet: run klaxon watch (or open the console)"
        )
    }
}

/// Whether a process sends for `workspace` (it holds the engine lock), asked without creating the lock
/// file; true when it cannot be asked (better no warning than a false one).
func someoneSends(_ workspace: Workspace) -> Bool {
    guard let lock = try? EngineLock(store: workspace.journalStore, forRunning: false) else { return true }
    return lock.holder() != nil
}

/// Says that `what` (a status update) waits for a process that sends, while none does.
func warnWithoutSender(_ context: CommandContext, what: String) {
    context.warn(
        "no process sends for this workspace (klaxon watch, or a console), so \(what) is not sent yet: run klaxon watch (or open the console)"
    )
}
