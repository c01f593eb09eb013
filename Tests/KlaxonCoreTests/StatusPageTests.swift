import Foundation
import Testing

@testable import KlaxonCore

/// The status page's model: the daily uptime bars against hand-worked figures (across a DST change),
/// the components' states in Atlassian's words, and what the page leaves out.
struct StatusPageTests {
    static let paris = TimeZone(identifier: "Europe/Paris")!

    /// `2026-03-29T12:00` in Paris (CET before 02:00 that night, CEST after).
    static func paris(_ month: Int, _ day: Int, _ hour: Int, _ minute: Int = 0) -> Timestamp {
        ZoneRules.instant(of: CivilDateTime(year: 2026, month: month, day: day, hour: hour, minute: minute), in: paris)
    }

    /// A platform journal as the recorder writes it (hash-chained lines), read back record by record.
    static func journal(_ changes: [(String, CheckState, CheckState, Timestamp)]) throws -> [CheckChange] {
        var previous = RecordHash.genesis
        var read: [CheckChange] = []
        for (i, (check, from, to, at)) in changes.enumerated() {
            let draft = RecordDraft(
                type: RecordType.checkChanged.rawValue,
                data: [
                    "check": .string(check), "from": .string(from.rawValue), "to": .string(to.rawValue),
                    "detail": "HTTP 503 from 10.0.0.7"
                ], timestamp: at, actor: "status-poller", host: "ops-1", pid: 42)
            let (line, _) = JournalCodec.encode(draft, sequence: i + 1, previousHash: previous)
            let record = try line.withUnsafeBufferPointer {
                try JournalCodec.decode(line: UnsafeBufferPointer(rebasing: $0[..<($0.count - 1)]))
            }
            previous = record.hash
            read += CheckChange(record).map { [$0] } ?? []
        }
        return read
    }

    static let checks: [CheckDefinition] = [
        CheckDefinition(name: "ci-queue", group: "CI/CD", url: "https://ci.example/health"),
        CheckDefinition(name: "runner-fleet", group: "CI/CD", url: "https://ci.example/runners"),
        CheckDefinition(name: "registry-api", group: "Artifact registry", url: "https://registry.example/healthz")
    ]

    /// ci-queue: first seen down on the 27th 10:00–10:30 (nothing known before); maintenance across the
    /// night the clocks go forward (23:00 on the 28th to 04:00 CEST on the 29th, three real hours); down
    /// 12:00–14:00 CEST on the 29th. runner-fleet: down 13:00–15:00 CEST on the 29th (nothing known of
    /// it before). registry-api: nothing recorded; the live poller has seen it up since 06:00 on the 30th.
    static func page(live registry: Bool) throws -> StatusPage {
        let changes = try journal([
            ("ci-queue", .unknown, .down, paris(3, 27, 10)),
            ("ci-queue", .down, .up, paris(3, 27, 10, 30)),
            ("ci-queue", .up, .maintenance, paris(3, 28, 23)),
            ("ci-queue", .maintenance, .up, paris(3, 29, 4)),
            ("ci-queue", .up, .down, paris(3, 29, 12)),
            ("runner-fleet", .up, .down, paris(3, 29, 13)),
            ("ci-queue", .down, .up, paris(3, 29, 14)),
            ("runner-fleet", .down, .up, paris(3, 29, 15))
        ])
        var current: [String: CheckStateMachine.Recorded] = [
            "ci-queue": .init(state: .up, since: paris(3, 29, 14)),
            "runner-fleet": .init(state: .up, since: paris(3, 29, 15))
        ]
        if registry { current["registry-api"] = .init(state: .up, since: paris(3, 30, 6)) }
        return StatusPage.build(
            from: StatusPage.Input(
                name: "Forge", timeZone: paris, checks: checks, current: current, changes: changes, signs: [],
                pollerRunning: true, maintenance: [], incidents: [], now: paris(3, 31, 12)))
    }

    /// One day's hand-worked figures, in seconds.
    struct Figures: Equatable, CustomStringConvertible {
        var date: String, up: Int64, down: Int64, maintenance: Int64, noData: Int64, kind: DayUptime.Kind
        var description: String { "\(date) up \(up) down \(down) maintenance \(maintenance) no data \(noData) \(kind)" }
    }

    static func figures(_ day: DayUptime) -> Figures {
        Figures(
            date: day.date.isoDate, up: day.upMilliseconds / 1000, down: day.downMilliseconds / 1000,
            maintenance: day.maintenanceMilliseconds / 1000, noData: day.noDataMilliseconds / 1000, kind: day.kind)
    }

    @Test func uptimeBarsMatchTheHandWorkedTableAcrossTheSpringForwardNight() throws {
        let page = try Self.page(live: true)
        let ci = try #require(page.components.first { $0.name == "CI/CD" })
        #expect(ci.days.count == 90)
        #expect(ci.days.first?.date.isoDate == "2026-01-01")
        #expect(ci.days.last?.date.isoDate == "2026-03-31")
        // Before the first record nothing is known: no data, whole days.
        for day in ci.days.prefix(85) {
            #expect(
                Self.figures(day)
                    == Figures(date: day.date.isoDate, up: 0, down: 0, maintenance: 0, noData: 86400, kind: .noData))
        }
        let table = [
            // 10 h unknown, 30 min down, 13 h 30 up.
            Figures(date: "2026-03-27", up: 48600, down: 1800, maintenance: 0, noData: 36000, kind: .minor),
            // Up until 23:00, then maintenance (runner-fleet unknown: the group is what is known).
            Figures(date: "2026-03-28", up: 82800, down: 0, maintenance: 3600, noData: 0, kind: .up),
            // A 23-hour day: maintenance 00:00–04:00 CEST is three real hours; ci-queue down 12–14, then
            // runner-fleet 14–15: three hours down; up 04–12 and 15–24.
            Figures(date: "2026-03-29", up: 61200, down: 10800, maintenance: 10800, noData: 0, kind: .major),
            Figures(date: "2026-03-30", up: 86400, down: 0, maintenance: 0, noData: 0, kind: .up),
            // Today, so far (to 12:00).
            Figures(date: "2026-03-31", up: 43200, down: 0, maintenance: 0, noData: 0, kind: .up)
        ]
        #expect(ci.days.suffix(5).map(Self.figures) == table)
        #expect(ci.days[87].end.milliseconds - ci.days[87].start.milliseconds == 23 * 3_600_000)
        #expect(ci.days[87].uptime == 0.85)
        #expect(ci.days[87].text == "2026-03-29: 85.00% up, down 3h00m, maintenance 3h00m")
        #expect(ci.days[85].text == "2026-03-27: 96.42% up, down 30m, no data 10h00m")
        #expect(ci.status == .operational)

        // Never recorded, seen up live from 06:00 on the 30th: no data before, never up.
        let registry = try #require(page.components.first { $0.name == "Artifact registry" })
        #expect(registry.days.count == 90)
        #expect(
            registry.days.suffix(3).map(Self.figures) == [
                Figures(date: "2026-03-29", up: 0, down: 0, maintenance: 0, noData: 82800, kind: .noData),
                Figures(date: "2026-03-30", up: 64800, down: 0, maintenance: 0, noData: 21600, kind: .up),
                Figures(date: "2026-03-31", up: 43200, down: 0, maintenance: 0, noData: 0, kind: .up)
            ])
    }

    @Test func aFallBackDayHasTwentyFiveHoursDownWhenDownAllDay() throws {
        let newYork = TimeZone(identifier: "America/New_York")!
        let start = ZoneRules.instant(of: CivilDateTime(year: 2026, month: 10, day: 31, hour: 12), in: newYork)
        let page = StatusPage.build(
            from: StatusPage.Input(
                name: "Forge", timeZone: newYork, checks: [Self.checks[0]], current: [:],
                changes: [CheckChange(check: "ci-queue", from: .unknown, to: .down, at: start)], signs: [],
                pollerRunning: true, maintenance: [], incidents: [],
                now: ZoneRules.instant(of: CivilDateTime(year: 2026, month: 11, day: 2, hour: 1), in: newYork)))
        let days = page.components[0].days.suffix(3).map(Self.figures)
        #expect(
            days == [
                Figures(date: "2026-10-31", up: 0, down: 43200, maintenance: 0, noData: 43200, kind: .major),
                Figures(date: "2026-11-01", up: 0, down: 90000, maintenance: 0, noData: 0, kind: .major),
                Figures(date: "2026-11-02", up: 0, down: 3600, maintenance: 0, noData: 0, kind: .major)
            ])
        #expect(page.components[0].days.last?.text == "2026-11-02: 0.00% up, down 1h00m")
    }

    @Test func aStateKlaxonCannotKnowIsNeverOperational() throws {
        // The static page of a check never recorded: unknown, in no Atlassian word that reads as fine.
        let page = try Self.page(live: false)
        let registry = try #require(page.components.first { $0.name == "Artifact registry" })
        #expect(registry.checks[0].state == .unknown)
        #expect(registry.status == .degradedPerformance)
        #expect(registry.statusText.hasPrefix("Unknown"))
        #expect(registry.days.allSatisfy { $0.kind == .noData })
        #expect(page.indicator == .minor)
        #expect(ComponentStatus(.unknown) != .operational && ComponentStatus(.pending) != .operational)
        #expect(ComponentStatus.of([.down, .up]) == .partialOutage)
        #expect(ComponentStatus.of([.down, .down]) == .majorOutage)
        #expect(ComponentStatus.of([.maintenance, .up]) == .underMaintenance)
        #expect(ComponentStatus.of([.up, .up]) == .operational)
    }

    @Test func drillsAndResolvedIncidentsAreLeftOutAndTheRestShowOnlyTheirPublicUpdates() throws {
        let now = Self.paris(3, 31, 12)
        let real = PublicIncident(
            id: "INC-7", title: "CI jobs queue for <30 min>", severity: .sev2, status: .investigating,
            declaredAt: Self.paris(3, 31, 10), services: ["ci"],
            updates: [
                .init(sequence: 4, at: Self.paris(3, 31, 10, 5), phase: .investigating, text: "Jobs are queuing."),
                .init(
                    sequence: 9, at: Self.paris(3, 31, 11), phase: .identified,
                    text: "A runner pool is full & <b>stuck</b>.\nNext update by 12:00.")
            ])
        var checks = Self.checks
        checks[0].service = "ci"
        let page = StatusPage.build(
            from: StatusPage.Input(
                name: "Forge", timeZone: Self.paris, checks: checks,
                current: ["ci-queue": .init(state: .down, since: now), "runner-fleet": .init(state: .up, since: now)],
                changes: [], signs: [], pollerRunning: true,
                maintenance: [
                    MaintenanceWindow(
                        checks: ["registry-api"], from: now.adding(seconds: 3600), to: now.adding(seconds: 7200))
                ],
                incidents: [
                    real,
                    PublicIncident(
                        id: "INC-8", title: "DRILL registry", severity: .sev1, status: .investigating,
                        declaredAt: now, isDrill: true),
                    PublicIncident(
                        id: "INC-5", title: "old outage", severity: .sev1, status: .resolved, declaredAt: now)
                ], now: now))
        #expect(page.incidents.map(\.id) == ["INC-7"])
        #expect(page.incidents[0].components == ["CI/CD"])
        #expect(page.indicator == .major)  // a partial outage of CI/CD, and a SEV2
        let html = page.html
        #expect(!html.contains("DRILL") && !html.contains("old outage"))
        #expect(html.contains("CI jobs queue for &lt;30 min&gt;"))
        // Its lines kept as written (the style sheet keeps line breaks in an update's text).
        #expect(
            html.contains(
                "<p class=\"text\">A runner pool is full &amp; &lt;b&gt;stuck&lt;/b&gt;.\nNext update by 12:00.</p>"))
        #expect(StatusPage.style.contains(".text{white-space:pre-line}"))
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href="))
        #expect(html.contains(StatusPage.documentPolicy))
        // The newest update first, as Atlassian lists them.
        let identified = try #require(html.range(of: "A runner pool"))
        let investigating = try #require(html.range(of: "Jobs are queuing."))
        #expect(identified.lowerBound < investigating.lowerBound)
        // Two components' bars, and the legend.
        #expect(html.components(separatedBy: "<li class=\"d-").count - 1 == 2 * 90 + 5)

        let json = try JSONParser.parse(Array(page.summaryJSON.utf8))
        #expect(json["status"]?["indicator"]?.stringValue == "major")
        #expect(json["status"]?["description"]?.stringValue == "Partial System Outage")
        #expect(json["page"]?["time_zone"]?.stringValue == "Europe/Paris")
        let incidents = try #require(json["incidents"]?.arrayValue)
        #expect(incidents.count == 1)
        #expect(incidents[0]["impact"]?.stringValue == "major")
        // The phase of its last update, as Atlassian shows an incident, not its internal status.
        #expect(incidents[0]["status"]?.stringValue == "identified")
        #expect(
            incidents[0]["incident_updates"]?.arrayValue?.compactMap { $0["status"]?.stringValue } == [
                "identified", "investigating"
            ])
        #expect(
            incidents[0]["components"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == [
                "ci-queue", "runner-fleet"
            ])
        let components = try #require(json["components"]?.arrayValue)
        let byName = Dictionary(uniqueKeysWithValues: components.map { ($0["name"]?.stringValue ?? "", $0) })
        #expect(byName["CI/CD"]?["group"]?.boolValue == true)
        #expect(byName["CI/CD"]?["status"]?.stringValue == "partial_outage")
        #expect(byName["ci-queue"]?["status"]?.stringValue == "major_outage")
        #expect(byName["ci-queue"]?["group_id"] == byName["CI/CD"]?["id"])
        #expect(byName["registry-api"]?["status"]?.stringValue == "degraded_performance")
        let maintenance = try #require(json["scheduled_maintenances"]?.arrayValue?.first)
        #expect(maintenance["status"]?.stringValue == "scheduled")
        #expect(maintenance["components"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["registry-api"])

        // Klaxon's own reader of vendors' pages reads it: the indicator, the components, the incident.
        let reading = try StatusPayloads.statuspage(Array(page.summaryJSON.utf8))
        #expect(reading.observation.verdict == .failed)
        #expect(reading.items.contains(StatusPayloads.Item(name: "ci-queue", status: "major_outage")))
        #expect(reading.incidents == ["CI jobs queue for <30 min>"])
    }

    /// A check's known time is bounded by the lives of the pollers that recorded it: between a clean stop
    /// and the next start, and after a poller that died without a word (from its last sign of life), the
    /// day counts no data, not the state last recorded; a restart takes the last recorded state up again.
    /// With no poller running now, every state is unknown since the last sign, and the page says so.
    static func pollerLivesPage(running: Bool) -> StatusPage {
        let utc = TimeZone(identifier: "UTC")!
        func at(_ day: Int, _ hour: Int, _ minute: Int = 0) -> Timestamp {
            ZoneRules.instant(of: CivilDateTime(year: 2026, month: 3, day: day, hour: hour, minute: minute), in: utc)
        }
        let changes = [
            CheckChange(check: "ci-queue", from: .unknown, to: .up, at: at(29, 0)),  // its first poll
            CheckChange(check: "ci-queue", from: .up, to: .down, at: at(29, 10)),
            CheckChange(check: "ci-queue", from: .down, to: .up, at: at(30, 0, 1))
        ]
        var signs: [PollerLife.Sign] = [
            .init(.started, at: at(29, 0)), .init(.stopped, at: at(29, 6)),  // a clean stop
            .init(.started, at: at(29, 8)), .init(.alive, at: at(29, 11)),  // died after 11:00, unseen
            .init(.started, at: at(30, 0)), .init(.alive, at: at(30, 12)), .init(.stopped, at: at(30, 18))
        ]
        if running { signs.append(.init(.started, at: at(31, 9))) }
        return StatusPage.build(
            from: StatusPage.Input(
                name: "Forge", timeZone: utc, checks: [checks[0]],
                // As the journal last says (a restarted poller goes on from it, since its first time).
                current: ["ci-queue": .init(state: .up, since: at(30, 0, 1))], changes: changes, signs: signs,
                pollerRunning: running, maintenance: [], incidents: [], now: at(31, 12)))
    }

    @Test func whatIsKnownEndsWhereThePollersLivesEnd() throws {
        let stopped = Self.pollerLivesPage(running: false)
        let days = stopped.components[0].days
        #expect(days.prefix(87).allSatisfy { $0.kind == .noData })
        #expect(
            days.suffix(3).map(Self.figures) == [
                // Up 00–06, stopped 06–08, up again 08–10 (as last recorded), down 10–11, dead from 11.
                Figures(date: "2026-03-29", up: 28800, down: 3600, maintenance: 0, noData: 54000, kind: .major),
                // Down at the restart until its first poll (00:01), up to the stop at 18:00.
                Figures(date: "2026-03-30", up: 64740, down: 60, maintenance: 0, noData: 21600, kind: .minor),
                // Nothing since: no data, not up.
                Figures(date: "2026-03-31", up: 0, down: 0, maintenance: 0, noData: 43200, kind: .noData)
            ])
        let check = stopped.components[0].checks[0]
        #expect(check.state == .unknown && stopped.components[0].statusText == "Unknown")
        #expect(check.since == days[88].start.adding(seconds: 18 * 3600))
        #expect(stopped.notPolledSince == StatusPage.NotPolled(lastPolled: check.since))
        #expect(stopped.html.contains("<p id=\"not-polled\"><strong>No Klaxon poller is running</strong>"))
        #expect(stopped.html.contains("State unknown: no Klaxon poller is running</p>"))
        let json = try JSONParser.parse(Array(stopped.summaryJSON.utf8))
        #expect(json["components"]?.arrayValue?.first?["status"]?.stringValue == "degraded_performance")
        let description = try #require(json["status"]?["description"]?.stringValue)
        #expect(
            description.hasPrefix("State unknown: no Klaxon poller is running (nothing checked since 2026-03-30T18:00"))

        // A poller started again at 09:00 today: up from then (its restored state), not across the gap.
        let running = Self.pollerLivesPage(running: true)
        #expect(
            Self.figures(try #require(running.components[0].days.last))
                == Figures(date: "2026-03-31", up: 10800, down: 0, maintenance: 0, noData: 32400, kind: .up))
        #expect(running.components[0].checks[0].state == .up && running.notPolledSince == nil)
        #expect(!running.html.contains("not-polled") && running.indicator == .none)
    }

    /// Found by a walkthrough: a newer SEV3 was listed above an older SEV1.
    @Test func theMostSevereIncidentComesFirstThenTheNewest() {
        let now = Self.paris(3, 31, 12)
        func incident(_ id: String, _ severity: Severity, hoursAgo: Int64) -> PublicIncident {
            PublicIncident(
                id: id, title: id, severity: severity, status: .investigating,
                declaredAt: now.adding(seconds: -hoursAgo * 3600))
        }
        let page = StatusPage.build(
            from: StatusPage.Input(
                name: "Forge", timeZone: Self.paris, checks: [], current: [:], changes: [], signs: [],
                pollerRunning: true, maintenance: [],
                incidents: [
                    incident("INC-3", .sev3, hoursAgo: 1), incident("INC-1", .sev1, hoursAgo: 5),
                    incident("INC-4", .sev3, hoursAgo: 0), incident("INC-2", .sev1, hoursAgo: 2)
                ], now: now))
        #expect(page.incidents.map(\.id) == ["INC-2", "INC-1", "INC-4", "INC-3"])
    }

    /// Found by a walkthrough: a poller killed just after recording a check down left that down time
    /// unknown, and the day's bar turned green ("100% up"). A day a check was recorded going down is never
    /// up, however little of the outage is known.
    @Test func aDayACheckWentDownIsNeverUpEvenWhenHowLongIsNotKnown() throws {
        let utc = TimeZone(identifier: "UTC")!
        let start = ZoneRules.instant(of: CivilDateTime(year: 2026, month: 12, day: 6, hour: 8), in: utc)
        let page = StatusPage.build(
            from: StatusPage.Input(
                name: "Forge", timeZone: utc, checks: [Self.checks[0]], current: [:],
                changes: [
                    CheckChange(check: "ci-queue", from: .unknown, to: .up, at: start),
                    CheckChange(check: "ci-queue", from: .up, to: .down, at: start.adding(seconds: 3600))
                ],
                signs: [.init(.started, at: start)], pollerRunning: false, maintenance: [], incidents: [],
                now: start.adding(seconds: 4 * 3600)))
        let today = try #require(page.components[0].days.last)
        #expect(
            Self.figures(today)
                == Figures(date: "2026-12-06", up: 3600, down: 0, maintenance: 0, noData: 39600, kind: .minor))
        #expect(today.text == "2026-12-06: went down, for how long is not known, up 1h00m, no data 11h00m")
    }
}
