/// Figures across the incidents declared in a window: how many, of what severity and service, how
/// fast they were acknowledged and resolved, who was paged how often, and incidents per week.
/// Built from incident summaries (no timelines needed), so it is cheap over a year of journals.
public struct ReviewReport: Sendable {
    /// Incidents declared at or after `since` and before `until` count.
    public var since: Timestamp
    public var until: Timestamp
    /// Only incidents of this service, when set.
    public var service: String?
    /// The zone weeks begin in (Monday 00:00).
    public var timeZone: String
    public var incidentCount: Int
    public var openCount: Int
    /// Every severity, most severe first, with its count (zeros included).
    public var bySeverity: [(severity: Severity, count: Int)]
    /// Services by count, then name; an incident of two services counts for both, and one of none for `(none)`.
    public var byService: [(service: String, count: Int)]
    public var timeToAcknowledge: Spread
    public var timeToResolve: Spread
    /// People by pages received, then name.
    public var load: [PersonLoad]
    /// Every week (Monday to Sunday, in `timeZone`) that overlaps the window, with its incidents.
    public var perWeek: [(weekStarting: CivilDateTime, count: Int)]

    /// Mean, median and 90th percentile of one duration over the incidents that recorded it.
    public struct Spread: Hashable, Sendable {
        /// Incidents that recorded both times in order.
        public var measured: Int
        /// Incidents that lack one of the times (still open, never acknowledged, …).
        public var notRecorded: Int
        /// Incidents whose times are out of order (left out of the figures).
        public var outOfOrder: Int
        public var meanSeconds: Int64?
        /// The middle value; with an even count, the mean of the two middle ones.
        public var medianSeconds: Int64?
        /// Nearest rank: the smallest value with at least 90 % of the values at or below it.
        public var p90Seconds: Int64?

        public init(_ durations: [DerivedDuration]) {
            var values: [Int64] = []
            var notRecorded = 0
            var outOfOrder = 0
            for d in durations {
                switch d.value {
                case .seconds(let s): values.append(s)
                case .notRecorded: notRecorded += 1
                case .outOfOrder: outOfOrder += 1
                }
            }
            values.sort()
            measured = values.count
            self.notRecorded = notRecorded
            self.outOfOrder = outOfOrder
            guard !values.isEmpty else { return }
            let total = values.reduce(0, +)
            meanSeconds = (total + Int64(values.count) / 2) / Int64(values.count)
            let middle = values.count / 2
            medianSeconds = values.count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle] + 1) / 2
            let rank = (values.count * 9 + 9) / 10  // ceil(0.9 × n)
            p90Seconds = values[rank - 1]
        }
    }

    /// How much paging one person took.
    public struct PersonLoad: Hashable, Sendable {
        public var person: String
        /// Pages sent to them: one per contact per step, retries not counted.
        public var pages: Int
        /// Incidents they were paged for.
        public var incidents: Int
        /// Incidents they acknowledged.
        public var acknowledged: Int
    }

    /// The report over `incidents` (summaries will do) declared in [`since`, `until`).
    public init(
        incidents: [Incident], since: Timestamp, until: Timestamp, service: String? = nil, timeZone: LocalTimeFormatter
    ) {
        self.since = since
        self.until = until
        self.service = service
        self.timeZone = timeZone.timeZone.identifier
        let chosen = incidents.filter { i in
            i.declaredAt >= since && i.declaredAt < until && (service.map(i.services.contains) ?? true)
        }.sorted { $0.declaredAt < $1.declaredAt }
        incidentCount = chosen.count
        openCount = chosen.filter(\.isOpen).count
        bySeverity = Severity.allCases.map { severity in (severity, chosen.filter { $0.severity == severity }.count) }

        var services: [String: Int] = [:]
        for i in chosen {
            for s in i.services.isEmpty ? ["(none)"] : Array(Set(i.services)) { services[s, default: 0] += 1 }
        }
        byService = services.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map {
            ($0.key, $0.value)
        }

        timeToAcknowledge = Spread(chosen.map { DerivedDuration.of(.timeToAcknowledge, $0.keyTimes) })
        timeToResolve = Spread(chosen.map { DerivedDuration.of(.timeToResolve, $0.keyTimes) })

        var pages: [String: Int] = [:]
        var pagedFor: [String: Set<String>] = [:]
        var acked: [String: Set<String>] = [:]
        for i in chosen {
            for event in i.escalationEvents {
                switch event.kind {
                case .attempt(_, let attempt, let user, _, _) where attempt == 1:
                    pages[user, default: 0] += 1
                    pagedFor[user, default: []].insert(i.id)
                case .acknowledged:
                    acked[event.actor, default: []].insert(i.id)
                default:
                    continue
                }
            }
        }
        load = Set(pages.keys).union(acked.keys).map { person in
            PersonLoad(
                person: person, pages: pages[person] ?? 0, incidents: pagedFor[person]?.count ?? 0,
                acknowledged: acked[person]?.count ?? 0)
        }.sorted { $0.pages != $1.pages ? $0.pages > $1.pages : $0.person < $1.person }

        perWeek = Self.weeks(of: chosen.map(\.declaredAt), since: since, until: until, timeZone: timeZone)
    }

    /// Beyond this many weeks, leading weeks with no incidents are left out of `perWeek`.
    static let maximumEmptyLeadingWeeks: Int64 = 106

    /// Monday-to-Sunday weeks in `timeZone` from the one holding `since` to the one holding the last
    /// instant before `until`, with how many of `times` fall in each.
    static func weeks(of times: [Timestamp], since: Timestamp, until: Timestamp, timeZone: LocalTimeFormatter) -> [(
        weekStarting: CivilDateTime, count: Int
    )] {
        func weekStart(_ t: Timestamp) -> Int64 {
            let civil = CivilDateTime.from(milliseconds: t.milliseconds, offsetSeconds: timeZone.offsetSeconds(at: t)).0
            let day = CivilDateTime.days(year: civil.year, month: civil.month, day: civil.day)
            return day - floorMod(day + 3, 7)  // 1970-01-01 was a Thursday: +3 makes Monday 0
        }
        guard since < until else { return [] }
        var first = weekStart(since)
        let last = weekStart(until.adding(seconds: -1))
        // A window of years (`--since 2000-01-01`) starts its rows at the first incident, not decades of zeros.
        if last - first > 7 * maximumEmptyLeadingWeeks, let earliest = times.min() {
            first = max(first, weekStart(earliest))
        }
        var counts: [Int64: Int] = [:]
        for t in times { counts[weekStart(t), default: 0] += 1 }
        return stride(from: first, through: last, by: 7).map { day in
            (CivilDateTime.from(milliseconds: day * 86_400_000, offsetSeconds: 0).0, counts[day] ?? 0)
        }
    }
}
