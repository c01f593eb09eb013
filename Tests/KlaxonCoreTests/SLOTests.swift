import KlaxonCore
import KlaxonTestSupport
import Testing

/// The SLO arithmetic on a fixed clock against figures worked by hand (docs/slo.md does the same
/// sums): an outage of known length gives known availability, budget and burn rates for each window;
/// the minimum-events guard holds with few polls; the window rolls.
struct SLOTests {
    /// Midnight UTC, 1 November 2026: the ledgers start here.
    static let start = Timestamp.parseRFC3339("2026-11-01T00:00:00Z")!
    static let day: Int64 = 86_400

    /// Polls every `interval` seconds for `days` days from `start`; those `failing` says are bad. Returns
    /// the ledger and the moment the minute after the last poll's begins (its windows then hold whole
    /// minutes only, as worked by hand).
    static func ledger(
        windowDays: Int = 28, interval: Int64 = 30, days: Int64 = 28, failing: (Int64) -> Bool = { _ in false }
    ) -> (ledger: OutcomeLedger, now: Timestamp) {
        var ledger = OutcomeLedger(windowDays: windowDays)
        var seconds: Int64 = 0
        while seconds < days * day {
            ledger.record(good: !failing(seconds), at: start.adding(seconds: seconds))
            seconds += interval
        }
        return (ledger, start.adding(seconds: days * day))
    }

    static func close(_ a: Double?, _ b: Double, within: Double = 1e-9) -> Bool {
        guard let a else { return false }
        return abs(a - b) <= within
    }

    /// 99.9 % over 28 days, polled every 30 s (80,640 polls; the budget is 80.64 bad polls, or 40.32
    /// minutes), and the last 20 minutes down (40 bad polls).
    @Test func aTwentyMinuteOutageSpendsTwentyOfTheFortyMinutes() {
        let (ledger, now) = Self.ledger { $0 >= 28 * Self.day - 20 * 60 }
        let status = SLOStatus.compute(ServiceLevelObjective(objective: 99.9), ledger, now: now)
        #expect(status.window == OutcomeLedger.Counts(good: 80_600, total: 80_640))
        #expect(Self.close(status.availability, 80_600.0 / 80_640))  // 99.9504 %
        #expect(Self.close(status.budgetLeft, 1 - 40.0 / 80.64))  // 50.4 % of the budget
        #expect(Self.close(status.budgetMinutesLeft, 20.32, within: 1e-6))  // 40.32 − 20
        let expected: [(minutes: Int, bad: Int, total: Int)] = [
            (5, 10, 10), (30, 40, 60), (60, 40, 120), (360, 40, 720), (4320, 40, 8640)
        ]
        #expect(status.burns.map(\.minutes) == expected.map(\.minutes))
        for (minutes, bad, total) in expected {
            let burn = status.burn(overMinutes: minutes)
            #expect(burn?.counts == OutcomeLedger.Counts(good: total - bad, total: total), "\(minutes) m")
            // (bad ÷ total) ÷ 0.001: 1000, 666.7, 333.3, 55.6, 4.63
            #expect(Self.close(burn?.rate, Double(bad) / Double(total) / 0.001, within: 1e-6), "\(minutes) m")
        }
        #expect(status.firing == BurnRateRule.workbook, "both pages and the ticket fire")
        #expect(status.level == .page)
    }

    @Test func timeslicesCountMinutesNotPolls() {
        let (ledger, now) = Self.ledger { $0 >= 28 * Self.day - 20 * 60 }
        let status = SLOStatus.compute(ServiceLevelObjective(objective: 99.9, method: .timeslices), ledger, now: now)
        #expect(status.window == OutcomeLedger.Counts(good: 40_300, total: 40_320))
        #expect(Self.close(status.budgetMinutesLeft, 20.32, within: 1e-6))
        #expect(status.burn(overMinutes: 5)?.counts == OutcomeLedger.Counts(good: 0, total: 5))
        #expect(Self.close(status.burn(overMinutes: 5)?.rate, 1000, within: 1e-6), "5 minutes are enough minutes")
        #expect(status.burn(overMinutes: 60)?.counts == OutcomeLedger.Counts(good: 40, total: 60))
        #expect(status.level == .page)
        // One failed poll of two makes its minute bad: a timeslice is good only when every poll was.
        var one = OutcomeLedger(windowDays: 28)
        one.record(good: true, at: Self.start)
        one.record(good: false, at: Self.start.adding(seconds: 30))
        one.record(good: true, at: Self.start.adding(seconds: 60))
        #expect(
            one.counts(overLast: 60, now: Self.start.adding(seconds: 61), method: .timeslices)
                == OutcomeLedger.Counts(good: 1, total: 2))
        #expect(
            one.counts(overLast: 60, now: Self.start.adding(seconds: 61), method: .occurrences)
                == OutcomeLedger.Counts(good: 2, total: 3))
    }

    /// A check polled every 5 minutes whose last poll failed: the 5- and 30-minute windows hold 1 and
    /// 6 polls, fewer than 10, so neither page fires (the 1-hour window alone burns 83×); over 3 days
    /// 1 bad of 864 is more than 0.1 %: a ticket.
    @Test func oneFailedProbeInAQuietWindowDoesNotPage() {
        let (ledger, now) = Self.ledger(interval: 300) { $0 == 28 * Self.day - 300 }
        let status = SLOStatus.compute(ServiceLevelObjective(objective: 99.9), ledger, now: now)
        #expect(status.burn(overMinutes: 5)?.counts.total == 1)
        #expect(status.burn(overMinutes: 5)?.rate == nil, "1 poll is fewer than the minimum")
        #expect(status.burn(overMinutes: 30)?.rate == nil)
        #expect(Self.close(status.burn(overMinutes: 60)?.rate, 1.0 / 12 / 0.001, within: 1e-6))
        #expect(Self.close(status.burn(overMinutes: 4320)?.rate, 1.0 / 864 / 0.001, within: 1e-6))
        #expect(status.level == .ticket)
        #expect(status.firing.map(\.level) == [.ticket])
        // With the guard lowered to one poll, the same failure pages.
        let eager = SLOStatus.compute(ServiceLevelObjective(objective: 99.9, minimumEvents: 1), ledger, now: now)
        #expect(eager.level == .page)
    }

    @Test func theWindowRollsAndTheBudgetLineDropsOnTheDayOfTheOutage() {
        // 20 minutes down on day 10 (counting from 0), then 28 days of polls in all.
        let outage = { (s: Int64) in s >= 10 * Self.day + 3600 && s < 10 * Self.day + 3600 + 1200 }
        let (ledger, now) = Self.ledger(failing: outage)
        let status = SLOStatus.compute(ServiceLevelObjective(objective: 99.9), ledger, now: now)
        #expect(Self.close(status.budgetLeft, 1 - 40.0 / 80.64))
        #expect(status.level == .none, "the outage is long over: no window but the objective's holds it")
        #expect(status.budgetLine.count == 28)
        #expect(status.budgetLine.prefix(10).allSatisfy { Self.close($0, 1) }, "\(status.budgetLine)")
        #expect(status.budgetLine.suffix(18).allSatisfy { Self.close($0, 1 - 40.0 / 80.64) })

        // 40 days of polls: the outage of day 10 has left the 28-day window.
        let (later, laterNow) = Self.ledger(days: 40, failing: outage)
        let rolled = SLOStatus.compute(ServiceLevelObjective(objective: 99.9), later, now: laterNow)
        #expect(rolled.window == OutcomeLedger.Counts(good: 80_640, total: 80_640))
        #expect(rolled.availability == 1 && rolled.budgetLeft == 1)
        // Nothing polled for a week: the window holds only what is left of it.
        let idle = SLOStatus.compute(
            ServiceLevelObjective(objective: 99.9), later, now: laterNow.adding(seconds: 7 * Self.day))
        #expect(idle.window.total == 80_640 - 7 * 2880)
        #expect(idle.burn(overMinutes: 5)?.counts.total == 0 && idle.burn(overMinutes: 5)?.rate == nil)
    }

    @Test func anEmptyLedgerKnowsNothing() {
        let status = SLOStatus.compute(
            ServiceLevelObjective(objective: 99.5, windowDays: 30), OutcomeLedger(windowDays: 30), now: Self.start)
        #expect(status.availability == nil && status.budgetLeft == nil && status.budgetMinutesLeft == nil)
        #expect(status.level == .none)
        #expect(Self.close(ServiceLevelObjective(objective: 99.5, windowDays: 30).budgetMinutes, 216))
    }

    /// What the store keeps reads back as the same ledger: every figure computed from it is the same.
    @Test func aLedgerReadsBackFromItsBytes() throws {
        let (ledger, now) = Self.ledger { $0 >= 28 * Self.day - 20 * 60 }
        let bytes = ledger.bytes
        #expect(bytes.count == 24 + 361 * 8 + 673 * 10, "six hours and a minute; 28 days and an hour")
        let back = try #require(OutcomeLedger(bytes: bytes, windowDays: 28))
        #expect(back == ledger)
        for method in ServiceLevelObjective.Method.allCases {
            let objective = ServiceLevelObjective(objective: 99.9, method: method)
            #expect(SLOStatus.compute(objective, back, now: now) == SLOStatus.compute(objective, ledger, now: now))
        }
        #expect(
            OutcomeLedger(bytes: OutcomeLedger(windowDays: 30).bytes, windowDays: 30) == OutcomeLedger(windowDays: 30))
        // Not a ledger: refused, never read as one.
        #expect(OutcomeLedger(bytes: Array(bytes.dropLast()), windowDays: 28) == nil)
        #expect(OutcomeLedger(bytes: Array("KXO1 and then nothing".utf8), windowDays: 28) == nil)
        #expect(OutcomeLedger(bytes: [], windowDays: 28) == nil)
    }

    /// An objective's window changed from 28 to 30 days: the 28 days kept are kept, and the two days
    /// more hold nothing; back to 28 days, the oldest two are dropped.
    @Test func aLedgerReadForAnotherWindowKeepsTheHoursBothHold() throws {
        let (ledger, now) = Self.ledger(days: 28) { $0 < 60 * 60 }  // the first hour down: 120 bad polls
        let wider = try #require(OutcomeLedger(bytes: ledger.bytes, windowDays: 30))
        let objective = ServiceLevelObjective(objective: 99.9, windowDays: 30)
        #expect(SLOStatus.compute(objective, wider, now: now).window == .init(good: 80_520, total: 80_640))
        // 28 days after the outage's hour, a 28-day ledger has rolled it out; the 30-day one has not.
        let later = now.adding(seconds: 3600)
        var narrow = ledger
        var wide = wider
        narrow.record(good: true, at: later)
        wide.record(good: true, at: later)
        #expect(narrow.counts(overLast: 28 * 1440, now: later, method: .occurrences).bad == 0)
        #expect(wide.counts(overLast: 30 * 1440, now: later, method: .occurrences).bad == 120)
        let back = try #require(OutcomeLedger(bytes: wide.bytes, windowDays: 28))
        #expect(
            back.counts(overLast: 28 * 1440, now: later, method: .occurrences)
                == narrow.counts(overLast: 28 * 1440, now: later, method: .occurrences))
    }

    /// `klaxon slo report`: a span within the last six hours is counted to the minute; one reaching
    /// further back by the hour; one older than the window from the oldest hour kept. The outage of
    /// `aTwentyMinuteOutage…`: 40 bad polls in the last 20 minutes, 80.64 the whole budget.
    @Test func aReportCountsTheSpanAndTheBudgetItSpent() {
        let (ledger, now) = Self.ledger { $0 >= 28 * Self.day - 20 * 60 }
        let objective = ServiceLevelObjective(objective: 99.9)
        let lastHalfHour = SLOReport.compute(objective, ledger, from: now.adding(seconds: -30 * 60), to: now, now: now)
        #expect(!lastHalfHour.byHour)
        // The 30 minutes before now's (which has no poll yet): 60 polls, the last 40 of them down.
        #expect(lastHalfHour.counts == .init(good: 20, total: 60))
        #expect(Self.close(lastHalfHour.budgetSpent, 40 / 80.64))
        #expect(Self.close(lastHalfHour.budgetMinutesSpent, 20, within: 1e-6))
        let beforeIt = SLOReport.compute(
            objective, ledger, from: now.adding(seconds: -3 * 86_400), to: now.adding(seconds: -86_400), now: now)
        #expect(beforeIt.byHour)
        #expect(beforeIt.counts.bad == 0 && beforeIt.counts.total == 49 * 120, "the 49 hours the span touches")
        #expect(beforeIt.budgetSpent == 0)
        let allOfIt = SLOReport.compute(objective, ledger, from: now.adding(seconds: -60 * 86_400), to: now, now: now)
        #expect(
            allOfIt.fromMinute == Self.start.milliseconds / 60_000 - 60,
            "from the oldest hour kept, before the first poll")
        #expect(allOfIt.counts == .init(good: 80_600, total: 80_640))
        #expect(Self.close(allOfIt.availability, 80_600.0 / 80_640))
    }

    @Test func theFiguresInWords() {
        let (ledger, now) = Self.ledger { $0 >= 28 * Self.day - 20 * 60 }
        let status = SLOStatus.compute(ServiceLevelObjective(objective: 99.9), ledger, now: now)
        #expect(SLOText.budgetLeft(status) == "50.4 % (20.3 min) left")
        #expect(SLOText.availability(status.availability) == "99.950 %")
        #expect(SLOText.objective(99.9) == "99.9 %" && SLOText.objective(99) == "99 %")
        #expect(SLOText.objective(99.99999) == "99.99999 %", "five nines and two: shown as given, not as 100 %")
        #expect(SLOText.minutes(ServiceLevelObjective(objective: 99.999).budgetMinutes) == "24.2 s")
        #expect(
            SLOText.burnTitle(status)
                == "error budget burning fast, page: 333× over 1h and 1000× over 5m (≥ 14.4×); 50.4 % (20.3 min) left")
        #expect(SLOText.rate(nil) == "—" && SLOText.rate(4.6296) == "4.6×")
        #expect(SLOText.window(4320) == "3d" && SLOText.window(30) == "30m" && SLOText.window(40_320) == "28d")
        let empty = SLOStatus.compute(ServiceLevelObjective(objective: 99.9), OutcomeLedger(windowDays: 28), now: now)
        #expect(SLOText.budgetLeft(empty) == "unknown: no events yet")
    }

    /// Walkthrough: an objective added a minute ago paged on its first failed poll (1 bad of 14 polls
    /// burned "71×" over an hour that held 70 seconds) and its budget showed "-15079.7 min" of a
    /// 40.3-minute budget. A window reaching back before the first record is not judged, and the
    /// events stand for the time since the first record, not for the whole window.
    @Test func aYoungObjectiveIsJudgedOnlyOverTheTimeItRecorded() {
        var ledger = OutcomeLedger(windowDays: 28)
        for i in 0..<14 { ledger.record(good: i != 13, at: Self.start.adding(seconds: Int64(i) * 5)) }
        let now = Self.start.adding(seconds: 70)
        let objective = ServiceLevelObjective(objective: 99.9)
        let young = SLOStatus.compute(objective, ledger, now: now)
        #expect(young.burns.allSatisfy { !$0.covered && $0.rate == nil }, "\(young.burns)")
        #expect(young.level == .none)
        // 1 bad of 14 over the 2 minutes recorded: (1 ÷ 14) × 2 minutes = 0.14 of the 40.32 minutes.
        #expect(Self.close(young.budgetMinutesLeft, 40.32 - 2.0 / 14, within: 1e-6))
        #expect(Self.close(young.budgetLeft, 1 - (2.0 / 14) / 40.32, within: 1e-9))
        #expect(young.lastEvent == Self.start.adding(seconds: 60))

        // An hour and a minute of good polls every 5 s later, 10 failed ones: the hour is covered and
        // judged (10 of 733 is 13.6×, under 14.4; the 5 minutes burn 168×, so 6 h / 30 m is not covered yet).
        for i in 14..<(14 + 61 * 12) { ledger.record(good: true, at: Self.start.adding(seconds: Int64(i) * 5)) }
        let failingFrom = Self.start.adding(seconds: Int64(14 + 61 * 12) * 5)
        for i in 0..<10 { ledger.record(good: false, at: failingFrom.adding(seconds: Int64(i) * 5)) }
        let later = SLOStatus.compute(objective, ledger, now: failingFrom.adding(seconds: 50))
        #expect(later.burn(overMinutes: 60)?.covered == true && later.burn(overMinutes: 60)?.rate != nil)
        #expect(later.burn(overMinutes: 360)?.covered == false && later.burn(overMinutes: 360)?.rate == nil)
        #expect(later.level == .none, "\(later.burns)")
        for i in 10..<14 { ledger.record(good: false, at: failingFrom.adding(seconds: Int64(i) * 5)) }
        #expect(SLOStatus.compute(objective, ledger, now: failingFrom.adding(seconds: 70)).level == .page)
    }

    /// The incident a fast burn declares: the objective's severity, else the check's `declare:`, else SEV2.
    @Test func aBurnsSeverityIsTheObjectivesTheChecksOrSEV2() {
        var check = CheckDefinition(name: "registry", url: "https://registry.example/")
        #expect(ServiceLevelObjective(objective: 99.9).severity(declaring: check) == .sev2)
        check.declare = .sev3
        #expect(ServiceLevelObjective(objective: 99.9).severity(declaring: check) == .sev3)
        #expect(ServiceLevelObjective(objective: 99.9, pageSeverity: .sev1).severity(declaring: check) == .sev1)
    }
}
