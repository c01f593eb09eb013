import ArgumentParser
import Foundation
import KlaxonCore
import KlaxonStore

/// `klaxon oncall …`: who is on call, their shifts, gaps, calendars and overrides.
struct OnCallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oncall",
        abstract: "Who is on call: now, shifts, gaps, calendars, overrides (schedules in Escalation/).",
        discussion:
            "Times without an offset are wall times in the schedule's zone. JSON times are RFC 3339 with the schedule's offset.",
        subcommands: [Now.self, Shifts.self, Gaps.self, ICS.self, Override.self])

    /// The workspace's escalation files, refusing to go on when they cannot be read.
    static func load(_ global: GlobalOptions) throws(KlaxonError) -> (Workspace, EscalationFiles) {
        let workspace = try global.loadWorkspace()
        let files = EscalationFiles.load(workspaceRoot: workspace.root)
        try files.requireReadable()
        // Unknown people do not stop an answer (it may be needed now), but they are said.
        for schedule in files.schedules {
            let named = schedule.layers.flatMap(\.participants) + schedule.overrides.map(\.user)
            for person in Set(named).subtracting(files.peopleIDs).sorted() {
                global.context.warn(
                    "\(person) is on schedule \(schedule.name) but not in Escalation/people.yaml; run klaxon config validate"
                )
            }
        }
        return (workspace, files)
    }

    /// A TIME argument read in `zone` (the schedule's), floored to the minute.
    static func time(_ text: String, in zone: TimeZone, global: GlobalOptions) throws(KlaxonError) -> Timestamp {
        minute(try TimeExpression.parse(text, now: global.context.now(), timeZone: zone))
    }

    /// Schedules work at minute resolution.
    static func minute(_ t: Timestamp) -> Timestamp { ScheduleOverride.minute(t) }

    struct Now: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Who is on call now (or --at TIME) in each schedule, and until when.")
        @Argument(help: "One schedule (default: all).") var schedule: String?
        @Option(help: ArgumentHelp("Ask about this time instead of now.", valueName: "time")) var at: String?
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            let context = global.context
            let (_, files) = try OnCallCommand.load(global)
            let schedules =
                try schedule.map { name throws(KlaxonError) in [try files.schedule(named: name)] } ?? files.schedules
            guard !schedules.isEmpty else {
                throw KlaxonError.badInput(
                    "there are no schedules in \(files.directory)/schedules; see docs/escalation-format.md")
            }
            var json: [JSONValue] = []
            var rows = [["SCHEDULE", "ON CALL", "UNTIL"]]
            for schedule in schedules {
                let calendar = try OnCallCalendar(schedule)
                let t =
                    try at.map { text throws(KlaxonError) in
                        try OnCallCommand.time(text, in: calendar.timeZone, global: global)
                    } ?? context.now()
                let now = calendar.onCall(at: t)
                let format = LocalTimeFormatter(timeZone: calendar.timeZone)
                json.append(
                    .object([
                        "schedule": .string(schedule.name), "users": .array(now.users.map(JSONValue.string)),
                        "until": now.until.map { .string(format.rfc3339($0)) } ?? .null
                    ]))
                rows.append([
                    schedule.name, now.users.isEmpty ? "nobody (gap)" : now.users.joined(separator: ", "),
                    now.until.map {
                        "\(format.weekdayDateTime($0)) (in \(DurationText.short(seconds: t.seconds(until: $0))))"
                    } ?? "no change within a year"
                ])
            }
            output.json ? context.print(json: JSONValue.array(json)) : context.print(TextTable.render(rows))
        }
    }

    struct Shifts: WindowCommand {
        static let configuration = CommandConfiguration(
            abstract: "The shifts of a schedule between two times, gaps left out.")
        @Argument(help: "The schedule.") var schedule: String
        @Option(name: WindowOption.from, help: ArgumentHelp("Start of the window.", valueName: "time"))
        var from: String
        @Option(name: WindowOption.to, help: ArgumentHelp("End of the window.", valueName: "time"))
        var to: String
        @Option(help: ArgumentHelp("Only shifts this person is on.", valueName: "id")) var user: String?
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            let (_, files) = try OnCallCommand.load(global)
            let calendar = try OnCallCalendar(try files.schedule(named: schedule))
            let start = try OnCallCommand.time(from, in: calendar.timeZone, global: global)
            let end = try OnCallCommand.time(to, in: calendar.timeZone, global: global)
            try InputLimits.checkWindow(from: start, to: end, "--from (\(from))", "--to (\(to))")
            if let user, !files.peopleIDs.contains(user) {
                throw KlaxonError.badInput("\(user) is not in Escalation/people.yaml")
            }
            let shifts = calendar.shifts(from: start, to: end).filter { user == nil || $0.users.contains(user!) }
            global.context.print(OnCallCommand.render(shifts, zone: calendar.timeZone, json: output.json))
        }
    }

    static func render(_ shifts: [Shift], zone: TimeZone, json: Bool, schedule: String? = nil) -> String {
        let format = LocalTimeFormatter(timeZone: zone)
        if json {
            // JSON's C1 escaped as everywhere the commands print JSON (CommandContext.print(json:)).
            return TerminalText.json(
                JSONValue.array(
                    shifts.map { s in
                        var fields: [String: JSONValue] = [
                            "start": .string(format.rfc3339(s.start)), "end": .string(format.rfc3339(s.end))
                        ]
                        if let schedule { fields["schedule"] = .string(schedule) }
                        if !s.isGap { fields["users"] = .array(s.users.map(JSONValue.string)) }
                        return .object(fields)
                    }
                ).canonicalJSON)
        }
        var rows = [["START", "END", "LENGTH", shifts.first?.isGap == true ? "" : "ON CALL"]]
        for s in shifts {
            rows.append([
                format.weekdayDateTime(s.start), format.weekdayDateTime(s.end),
                DurationText.short(seconds: s.start.seconds(until: s.end)), s.users.joined(separator: ", ")
            ])
        }
        return shifts.isEmpty ? "(none)" : TextTable.render(rows)
    }

    struct Gaps: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stretches with nobody on call, per schedule, from now on.")
        @Option(help: "How many days ahead to look.") var days = 30
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            let context = global.context
            try InputLimits.checkDays(days, option: "--days")
            let (_, files) = try OnCallCommand.load(global)
            let now = OnCallCommand.minute(context.now())
            var json: [JSONValue] = []
            var text: [String] = []
            for schedule in files.schedules {
                let calendar = try OnCallCalendar(schedule)
                let gaps = calendar.gaps(from: now, to: now.adding(seconds: Int64(days) * 86400))
                let format = LocalTimeFormatter(timeZone: calendar.timeZone)
                json += gaps.map {
                    .object([
                        "schedule": .string(schedule.name), "start": .string(format.rfc3339($0.start)),
                        "end": .string(format.rfc3339($0.end))
                    ])
                }
                text.append(
                    "\(schedule.name) (\(schedule.timeZone)): "
                        + (gaps.isEmpty
                            ? "covered for the next \(Plural.count(days, "day"))" : Plural.count(gaps.count, "gap")))
                if !gaps.isEmpty {
                    text.append(
                        render(gaps, zone: calendar.timeZone, json: false).split(separator: "\n").map { "  " + $0 }
                            .joined(separator: "\n"))
                }
            }
            output.json ? context.print(json: JSONValue.array(json)) : context.print(text.joined(separator: "\n"))
        }
    }

    struct ICS: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ics",
            abstract: "An iCalendar (RFC 5545) file of the coming shifts of a schedule or a person.",
            discussion: "Prints to standard output: klaxon oncall ics platform-primary > primary.ics")
        @Argument(help: "The schedule (or give --user).") var schedule: String?
        @Option(help: ArgumentHelp("A person's shifts across every schedule.", valueName: "id")) var user: String?
        @Option(help: "How many days ahead.") var days = 90
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let context = global.context
            guard (schedule == nil) != (user == nil) else {
                throw KlaxonError.badInput("give a schedule or --user ID (one of them)")
            }
            try InputLimits.checkDays(days, option: "--days")
            let (_, files) = try OnCallCommand.load(global)
            let now = OnCallCommand.minute(context.now())
            let end = now.adding(seconds: Int64(days) * 86400)
            var events: [OnCallICS.Event] = []
            if let schedule {
                let calendar = try OnCallCalendar(try files.schedule(named: schedule))
                events = OnCallCommand.comingShifts(calendar, now: now, until: end).map {
                    OnCallICS.Event(schedule: schedule, shift: $0)
                }
            } else if let user {
                guard files.peopleIDs.contains(user) else {
                    throw KlaxonError.badInput("\(user) is not in Escalation/people.yaml")
                }
                for s in files.schedules {
                    let shifts = OnCallCommand.comingShifts(try OnCallCalendar(s), now: now, until: end).filter {
                        $0.users.contains(user)
                    }
                    events += shifts.map { OnCallICS.Event(schedule: s.name, shift: $0) }
                }
                events.sort { ($0.shift.start, $0.schedule) < ($1.shift.start, $1.schedule) }
            }
            context.write(
                document: OnCallICS.calendar(named: "On call: " + (schedule ?? user!), events: events, stamp: now))
        }
    }

    /// Shifts that end after `now`, the current one whole (not cut at `now`), so that calendar events
    /// keep their times and ids from one export to the next.
    static func comingShifts(_ calendar: OnCallCalendar, now: Timestamp, until end: Timestamp) -> [Shift] {
        calendar.shifts(from: now.adding(seconds: -32 * 86400), to: end).filter { $0.end > now }
    }

    struct Override: WindowCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Put someone on call for a while: appended to Escalation/overrides.yaml with who made it and when.",
            discussion:
                "Without --replaces, USER replaces whoever is on call (and covers a gap); with --add, USER joins them.")
        @Argument(help: "The schedule.") var schedule: String
        @Option(help: ArgumentHelp("Who goes on call.", valueName: "id")) var user: String
        @Option(
            name: WindowOption.from,
            help: ArgumentHelp(
                "Start (a wall time in the schedule's zone, or any TIME).", valueName: "time"))
        var from: String
        @Option(name: WindowOption.to, help: ArgumentHelp("End.", valueName: "time")) var to: String
        @Option(help: ArgumentHelp("Only where this person is on call.", valueName: "id")) var replaces: String?
        @Flag(help: "Add USER alongside whoever is on call instead of replacing them.") var add = false
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let context = global.context
            let (workspace, files) = try OnCallCommand.load(global)
            let target = try files.schedule(named: schedule)
            let calendar = try OnCallCalendar(target)
            for person in [user] + (replaces.map { [$0] } ?? []) where !files.peopleIDs.contains(person) {
                throw KlaxonError.badInput(
                    "\(person) is not in Escalation/people.yaml (known: \(files.people.map(\.id).joined(separator: ", ")))"
                )
            }
            guard !(add && replaces != nil) else {
                throw KlaxonError.badInput("--add and --replaces do not go together: --add keeps whoever is on call")
            }
            let start = try OnCallCommand.time(from, in: calendar.timeZone, global: global)
            let end = try OnCallCommand.time(to, in: calendar.timeZone, global: global)
            try InputLimits.checkWindow(from: start, to: end, "--from (\(from))", "--to (\(to))")
            let writer = try global.writer()
            let o = ScheduleOverride(
                from: start, to: end, user: user, replaces: replaces, mode: add ? .add : .replace,
                madeBy: writer.actor, madeAt: context.now())
            try OverridesFile.record(o, scheduleName: target.name, files: files, workspaceRoot: workspace.root)
            let format = LocalTimeFormatter(timeZone: calendar.timeZone)
            let what =
                add ? "joins whoever is on call" : replaces.map { "replaces \($0)" } ?? "replaces whoever is on call"
            context.print(
                "\(user) \(what) in \(schedule) from \(format.weekdayDateTime(start)) to \(format.weekdayDateTime(end)); recorded in \(files.overridesPath)"
            )
        }
    }
}
