import Crypto
import Foundation

/// What the public status page says (docs/comms.md, "The status page"): the components (the checks'
/// groups) with their state now and 90 days of daily uptime, the active incidents with their public
/// updates, the maintenance windows to come, and when it was made. Built by `build(from:)` out of public
/// facts only: nothing here can carry an internal note, a person's name, a page or a drill, so neither
/// renderer (`html`, `summaryJSON`) can leak one.
public struct StatusPage: Hashable, Sendable {
    /// The workspace's name: the page's title.
    public var name: String
    /// Where the page is published (`intake.public_url` + `/status`), if known.
    public var url: String?
    /// The zone the days are counted in and times are shown in (`time_zone:` of klaxon.yaml).
    public var timeZone: TimeZone
    public var generatedAt: Timestamp
    /// When no poller records now (a page built from the journals alone while no `klaxon watch` or
    /// console runs): the end of the last poller's life, or nil when none ever recorded. Every check is
    /// then unknown, and the page says why. Nil while a poller runs.
    public var notPolledSince: NotPolled?
    public var components: [Component]
    public var incidents: [PublicIncident]
    public var maintenances: [Maintenance]

    /// A check group (or an ungrouped check alone): what people who depend on the platform know it by.
    public struct Component: Hashable, Sendable {
        public var id: String
        public var name: String
        public var status: ComponentStatus
        /// The words of the page: `Operational`, `Unknown`, `Down`…, truer than Atlassian's status for
        /// states it has no word for (`unknown`).
        public var statusText: String
        public var checks: [Check]
        /// The last `StatusPage.days` local days, oldest first; the last is today (so far).
        public var days: [DayUptime]

        public struct Check: Hashable, Sendable {
            public var id: String
            public var name: String
            public var state: CheckState
            public var status: ComponentStatus
            /// Since when it is in `state`, when known.
            public var since: Timestamp?
        }
    }

    /// No poller records now; since when nothing was checked (nil: nothing ever was).
    public struct NotPolled: Hashable, Sendable {
        public var lastPolled: Timestamp?
    }

    /// A maintenance window of klaxon.yaml that has not ended.
    public struct Maintenance: Hashable, Sendable {
        public var id: String
        /// The components it covers (all of them when the window names no check).
        public var components: [String]
        public var from: Timestamp
        public var to: Timestamp
        public var inProgress: Bool
    }

    /// Days of uptime shown per component.
    public static let days = 90

    /// What a page is built from: the checks as configured, their states now, the platform journal's
    /// changes, the maintenance windows, the public side of the open incidents, and the clock.
    public struct Input: Sendable {
        public var name: String
        public var url: String?
        public var timeZone: TimeZone
        public var checks: [CheckDefinition]
        /// Each check's state now and since when (the live poller's, else the platform journal's last
        /// record); a check not here is unknown, and every check is while no poller runs.
        public var current: [String: CheckStateMachine.Recorded]
        /// The platform journal's `check.changed` records, in journal order.
        public var changes: [CheckChange]
        /// Its `poller.*` records: with the changes, when a poller was recording (`PollerLife`).
        public var signs: [PollerLife.Sign]
        /// Whether a poller records now (this process's, or another holding the store's hold `poller`).
        public var pollerRunning: Bool
        public var maintenance: [MaintenanceWindow]
        /// The open incidents (drills are left out by `build`).
        public var incidents: [PublicIncident]
        public var now: Timestamp

        public init(
            name: String, url: String? = nil, timeZone: TimeZone, checks: [CheckDefinition],
            current: [String: CheckStateMachine.Recorded], changes: [CheckChange], signs: [PollerLife.Sign],
            pollerRunning: Bool, maintenance: [MaintenanceWindow], incidents: [PublicIncident], now: Timestamp
        ) {
            self.name = name
            self.url = url
            self.timeZone = timeZone
            self.checks = checks
            self.current = current
            self.changes = changes
            self.signs = signs
            self.pollerRunning = pollerRunning
            self.maintenance = maintenance
            self.incidents = incidents
            self.now = now
        }
    }

    /// The page of `input`.
    public static func build(from input: Input) -> StatusPage {
        let calendar = DayUptime.Calendar(timeZone: input.timeZone, days: days, now: input.now)
        // Components in the order their first check is written in klaxon.yaml.
        var order: [String] = []
        var members: [String: [CheckDefinition]] = [:]
        for check in input.checks {
            let key = check.group.isEmpty ? check.name : check.group
            if members[key] == nil { order.append(key) }
            members[key, default: []].append(check)
        }
        var changesByCheck: [String: [CheckChange]] = [:]
        for change in input.changes where change.at <= input.now {
            changesByCheck[change.check, default: []].append(change)
        }
        let lives = PollerLife.lives(
            of: input.signs + input.changes.map { PollerLife.Sign(.alive, at: $0.at) },
            runningNow: input.pollerRunning, now: input.now)
        // With no poller, what was last recorded is no longer known: every check is unknown since then.
        let current = input.pollerRunning ? input.current : [:]
        let components = order.map { name -> Component in
            let checks = members[name] ?? []
            let listed = checks.map { check -> Component.Check in
                let now = current[check.name]
                let state = now?.state ?? .unknown
                return Component.Check(
                    id: identifier("check", check.name), name: check.name, state: state,
                    status: ComponentStatus(state), since: input.pollerRunning ? now?.since : lives.last?.to)
            }
            let timelines = checks.map { check in
                CheckTimeline(changes: changesByCheck[check.name] ?? [], lives: lives, current: current[check.name])
            }
            let status = ComponentStatus.of(listed.map(\.state))
            return Component(
                id: identifier("component", name), name: name, status: status,
                statusText: ComponentStatus.text(of: listed.map(\.state)), checks: listed,
                days: DayUptime.days(of: timelines, calendar: calendar, now: input.now))
        }
        let componentOf = Dictionary(
            input.checks.map { ($0.name, $0.group.isEmpty ? $0.name : $0.group) }, uniquingKeysWith: { a, _ in a })
        let maintenances = input.maintenance.filter { $0.to > input.now }.sorted { $0.from < $1.from }.map { window in
            let covered =
                window.checks.isEmpty
                ? order
                : order.filter { name in window.checks.contains { componentOf[$0] == name } }
            return Maintenance(
                id: identifier("maintenance", "\(window.from.milliseconds)-\(window.to.milliseconds)-\(covered)"),
                components: covered, from: window.from, to: window.to, inProgress: window.from <= input.now)
        }
        return StatusPage(
            name: input.name, url: input.url, timeZone: input.timeZone, generatedAt: input.now,
            notPolledSince: input.pollerRunning ? nil : NotPolled(lastPolled: lives.last?.to),
            components: components,
            incidents: input.incidents.filter { $0.isOpen && !$0.isDrill }.sorted(by: PublicIncident.pageOrder).map {
                var incident = $0
                incident.components = order.filter { name in
                    (members[name] ?? []).contains { $0.service.map(incident.services.contains) ?? false }
                }
                return incident
            },
            maintenances: maintenances)
    }

    /// The page's overall state, in Atlassian's words: the worst of the components' states and of the
    /// active incidents' impacts; `maintenance` when nothing is wrong but some is under maintenance.
    public var indicator: Indicator {
        var worst = Indicator.none
        for component in components {
            switch component.status {
            case .operational, .underMaintenance: break
            case .degradedPerformance: worst = max(worst, .minor)
            case .partialOutage: worst = max(worst, .major)
            case .majorOutage: worst = max(worst, .critical)
            }
        }
        for incident in incidents { worst = max(worst, incident.impact) }
        if worst == .none && components.contains(where: { $0.status == .underMaintenance }) { return .maintenance }
        return worst
    }

    /// A stable id of a name, in the form of Atlassian's (12 lowercase letters and digits), so that a
    /// reader following a component by id finds it again on the next build.
    static func identifier(_ kind: String, _ name: String) -> String {
        let digest = SHA256.hash(data: Array("\(kind)\u{0}\(name)".utf8))
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String(digest.prefix(12).map { alphabet[Int($0) % alphabet.count] })
    }
}

/// A component's state in Atlassian Statuspage's words (its public API's `components[].status`).
public enum ComponentStatus: String, CaseIterable, Comparable, Sendable {
    case operational
    case underMaintenance = "under_maintenance"
    case degradedPerformance = "degraded_performance"
    case partialOutage = "partial_outage"
    case majorOutage = "major_outage"

    /// A check's state. Atlassian has no word for a state Klaxon cannot know (`unknown`: not polled yet,
    /// or its source unreadable) nor for a failure being confirmed (`pending`): both say
    /// `degraded_performance`, never `operational`, so that a reader never takes what Klaxon cannot see
    /// for fine; the page's own text says `Unknown` and `Failing (confirming)`.
    public init(_ state: CheckState) {
        switch state {
        case .up: self = .operational
        case .degraded, .pending, .unknown: self = .degradedPerformance
        case .down: self = .majorOutage
        case .maintenance: self = .underMaintenance
        }
    }

    /// A group's state from its checks': all down is a major outage, some down a partial one; else the
    /// worst of the others (maintenance counts only when nothing is wrong).
    public static func of(_ states: [CheckState]) -> ComponentStatus {
        let down = states.filter { $0 == .down }.count
        if down > 0 { return down == states.count ? .majorOutage : .partialOutage }
        if states.contains(where: { $0 == .degraded || $0 == .pending || $0 == .unknown }) {
            return .degradedPerformance
        }
        if states.contains(.maintenance) { return .underMaintenance }
        return .operational
    }

    /// The page's words for a group of checks in `states`.
    static func text(of states: [CheckState]) -> String {
        switch of(states) {
        case .majorOutage: return "Major outage"
        case .partialOutage: return "Partial outage"
        case .degradedPerformance:
            if states.contains(.degraded) { return "Degraded performance" }
            if states.contains(.pending) { return "Failing (being confirmed)" }
            return "Unknown"
        case .underMaintenance: return "Under maintenance"
        case .operational: return "Operational"
        }
    }

    /// The words of one check's state on the page.
    static func text(of state: CheckState) -> String {
        switch state {
        case .up: "Operational"
        case .degraded: "Degraded performance"
        case .down: "Down"
        case .pending: "Failing (being confirmed)"
        case .maintenance: "Under maintenance"
        case .unknown: "Unknown"
        }
    }

    public static func < (a: ComponentStatus, b: ComponentStatus) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// The page's overall state: Atlassian's `status.indicator`.
public enum Indicator: String, Comparable, Sendable {
    case none, maintenance, minor, major, critical

    /// Atlassian's own descriptions of each indicator.
    public var description: String {
        switch self {
        case .none: "All Systems Operational"
        case .maintenance: "Service Under Maintenance"
        case .minor: "Minor Service Outage"
        case .major: "Partial System Outage"
        case .critical: "Major System Outage"
        }
    }

    private var rank: Int {
        switch self {
        case .none: 0
        case .maintenance: 1
        case .minor: 2
        case .major: 3
        case .critical: 4
        }
    }

    public static func < (a: Indicator, b: Indicator) -> Bool { a.rank < b.rank }
}

/// One `check.changed` record of the platform journal, as the page reads it.
public struct CheckChange: Hashable, Sendable {
    public var check: String
    public var from: CheckState
    public var to: CheckState
    public var at: Timestamp

    public init(check: String, from: CheckState, to: CheckState, at: Timestamp) {
        self.check = check
        self.from = from
        self.to = to
        self.at = at
    }

    /// The change a record says, or nil for another record (or a state this build does not know).
    public init?(_ record: JournalRecord) {
        guard record.type == RecordType.checkChanged.rawValue, let check = record.data["check"]?.stringValue,
            let to = record.data["to"]?.stringValue.flatMap(CheckState.init(rawValue:))
        else { return nil }
        self.init(
            check: check, from: record.data["from"]?.stringValue.flatMap(CheckState.init(rawValue:)) ?? .unknown,
            to: to,
            at: record.timestamp)
    }
}
