import KlaxonTestSupport
import Testing

@testable import KlaxonCore

func twoDayReview() -> IncidentReview {
    let (f, platform) = ReviewFixture.twoDayIncident()
    let seal = IncidentReview.JournalSeal(
        file: "INC-1.jsonl", recordCount: f.records.count, finalHash: f.records.last!.hash, problem: nil)
    return IncidentReview(
        incident: f.incident, journal: seal, platformRecords: platform, checks: ["registry-api"],
        runbookTitles: ["registry-5xx": "Artifact registry returning 5xx"],
        exportedAt: Timestamp.parseRFC3339("2026-11-23T09:00:00Z")!)
}

@Suite struct ReviewExportTests {
    @Test func theTwoDayIncidentExportsAsTheGoldens() {
        let review = twoDayReview()
        #expect(Snapshot.mismatch(ReviewMarkdown.render(review), named: "review-two-day.md") == nil)
        #expect(Snapshot.mismatch(ReviewJSON.render(review), named: "review-two-day.json") == nil)
        #expect(Snapshot.mismatch(ReviewCSV.render(review), named: "review-two-day.csv") == nil)
    }

    @Test func theTimelineMergesTheChecksBeforeTheDeclarationAndKeepsJournalOrder() {
        let review = twoDayReview()
        let platform = review.timeline.filter { $0.source == .platform }
        // The change two days before, and prometheus (another service), are left out; the recovery at
        // 00:10 is on the incident's own journal, so it is not taken from the platform journal again.
        #expect(platform.map(\.record.timestamp.rfc3339) == ["2026-11-21T23:10:00.000Z", "2026-11-21T23:25:00.000Z"])
        let incident = review.timeline.filter { $0.source == .incident }
        #expect(incident.map(\.record.sequence) == Array(1...review.incident.recordCount))
        #expect(review.timeline.count == 2 + review.journal.recordCount)
    }

    @Test func everyDateGetsOneDateRowInTheMarkdownTimeline() {
        let markdown = ReviewMarkdown.render(twoDayReview())
        #expect(markdown.components(separatedBy: "| **Sat 2026-11-21** |").count == 2)
        #expect(markdown.components(separatedBy: "| **Sun 2026-11-22** |").count == 2)
        let saturday = markdown.range(of: "**Sat 2026-11-21**")!
        let sunday = markdown.range(of: "**Sun 2026-11-22**")!
        let unticked = markdown.range(of: "step 3 undone")!
        #expect(saturday.upperBound < sunday.lowerBound && sunday.upperBound < unticked.lowerBound)
    }

    @Test func pagesSumUpAttemptsAndTheirLastOutcome() {
        let pages = twoDayReview().pages
        #expect(pages.count == 1)
        #expect(
            pages[0].user == "bob" && pages[0].contact == "slack" && pages[0].attempts == 2
                && pages[0].outcome == "delivered")
        #expect(pages[0].firstAttemptAt == Timestamp.parseRFC3339("2026-11-21T23:31:01Z"))
    }

    @Test func runbooksShowTheLastStateOfEachStep() {
        let runbooks = twoDayReview().runbooks
        #expect(runbooks.map(\.name) == ["registry-5xx"])
        #expect(runbooks[0].steps.map(\.done) == [true, true, false])
        #expect(runbooks[0].linked && runbooks[0].title == "Artifact registry returning 5xx")
    }

    @Test func aJournalThatDidNotVerifySaysSoInTheFooter() {
        var review = twoDayReview()
        review.journal.problem = "damaged at record 12 (hash mismatch)"
        let markdown = ReviewMarkdown.render(review)
        #expect(markdown.contains("**the chain did not verify: damaged at record 12 (hash mismatch)**"))
        #expect(ReviewJSON.value(review)["journal"]?["verified"] == .bool(false))
    }

    @Test func markdownCellsCannotBreakTheTableOrBecomeHTML() {
        #expect(ReviewMarkdown.inline("a | b\nc <script>") == "a \\| b<br>c &lt;script>")
        #expect(ReviewMarkdown.inline("plain text") == "plain text")
    }

    @Test func csvFieldsAreQuotedAndFormulasDisarmed() {
        #expect(ReviewCSV.field("plain") == "plain")
        #expect(ReviewCSV.field("a,b") == "\"a,b\"")
        #expect(ReviewCSV.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(ReviewCSV.field("two\nlines") == "\"two\nlines\"")
        #expect(ReviewCSV.field("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"")
        #expect(ReviewCSV.field("-15m") == "'-15m")
        #expect(ReviewCSV.field("@sum") == "'@sum")
    }
}

@Suite struct DerivedDurationTests {
    func times(_ pairs: [KeyTime: String]) -> [KeyTime: Timestamp] { pairs.mapValues { Timestamp.parseRFC3339($0)! } }

    @Test func everyTimeRecorded() {
        let d = DerivedDuration.all(
            times([
                .impactStarted: "2026-11-21T10:00:00Z", .detected: "2026-11-21T10:04:30Z",
                .declared: "2026-11-21T10:06:00Z",
                .acknowledged: "2026-11-21T10:07:00Z", .mitigated: "2026-11-21T11:00:00Z",
                .resolved: "2026-11-22T02:00:00Z"
            ]))
        #expect(d.map(\.value) == [.seconds(270), .seconds(150), .seconds(3330), .seconds(57330), .seconds(3600)])
        #expect(d.map(\.from) == [.impactStarted, .detected, .detected, .detected, .impactStarted])
        #expect(d.allSatisfy { $0.substitution == nil })
    }

    @Test func withoutDetectionTheResponseIsMeasuredFromTheDeclaration() {
        let d = DerivedDuration.all(
            times([
                .declared: "2026-11-21T10:06:00Z", .acknowledged: "2026-11-21T10:07:00Z",
                .resolved: "2026-11-21T10:36:00Z"
            ]))
        #expect(d[0].value == .notRecorded(.impactStarted))
        #expect(d[1].value == .seconds(60) && d[1].from == .declared && d[1].substitution != nil)
        #expect(d[2].value == .notRecorded(.mitigated))
        #expect(d[3].value == .seconds(1800))
        #expect(d[4].value == .notRecorded(.impactStarted))
    }

    @Test func withoutMitigationTheImpactEndsAtTheResolution() {
        let d = DerivedDuration.of(
            .impactDuration,
            times([
                .impactStarted: "2026-11-21T10:00:00Z", .declared: "2026-11-21T10:10:00Z",
                .resolved: "2026-11-21T12:00:00Z"
            ]))
        #expect(
            d.value == .seconds(7200) && d.to == .resolved
                && d.substitution == "mitigation not recorded: to the resolution")
    }

    @Test func anOpenIncidentHasNoImpactEndAndNoResolution() {
        let keyTimes = times([.impactStarted: "2026-11-21T10:00:00Z", .declared: "2026-11-21T10:10:00Z"])
        #expect(DerivedDuration.of(.impactDuration, keyTimes).value == .notRecorded(.mitigated))
        #expect(DerivedDuration.of(.timeToResolve, keyTimes).value == .notRecorded(.resolved))
    }

    @Test func timesOutOfOrderNeverGiveANegativeFigure() {
        let d = DerivedDuration.all(
            times([
                .impactStarted: "2026-11-21T10:30:00Z", .detected: "2026-11-21T10:00:00Z",
                .declared: "2026-11-21T10:05:00Z",
                .acknowledged: "2026-11-21T09:59:59Z", .mitigated: "2026-11-21T10:20:00Z",
                .resolved: "2026-11-21T10:40:00Z"
            ]))
        #expect(d.map(\.value) == [.outOfOrder, .outOfOrder, .seconds(1200), .seconds(2400), .outOfOrder])
        let text = ReviewMarkdown.text(
            of: d[1], keyTimes: times([.detected: "2026-11-21T10:00:00Z", .acknowledged: "2026-11-21T09:59:59Z"]))
        #expect(text == "out of order: acknowledged (2026-11-21 09:59:59) is before detected (2026-11-21 10:00:00)")
    }

    @Test func equalTimesAreZeroAndMillisecondsAreCutToTheSecond() {
        let d = DerivedDuration.all(
            times([
                .declared: "2026-11-21T10:00:00.900Z", .acknowledged: "2026-11-21T10:00:00.900Z",
                .resolved: "2026-11-21T10:01:00.899Z"
            ]))
        #expect(d[1].value == .seconds(0))
        #expect(d[3].value == .seconds(59))
    }

    @Test func preciseDurationText() {
        #expect(DurationText.precise(seconds: 0) == "0s")
        #expect(DurationText.precise(seconds: 45) == "45s")
        #expect(DurationText.precise(seconds: 725) == "12m 05s")
        #expect(DurationText.precise(seconds: 3 * 3600 + 5 * 60 + 12) == "3h 05m 12s")
        #expect(DurationText.precise(seconds: 2 * 86400 + 9) == "2d 00h 00m 09s")
    }
}

@Suite struct ReviewReportTests {
    let incidents = ReportFixture.incidents().map(\.incident)

    @Test func theFiguresOfTheGeneratedIncidents() {
        let r = ReviewReport(
            incidents: incidents, since: ReportFixture.since, until: ReportFixture.until, timeZone: .utc)
        #expect(r.incidentCount == 11 && r.openCount == 3)
        #expect(r.bySeverity.map(\.count) == [1, 3, 6, 1, 0])
        #expect(r.byService.map { "\($0.service)=\($0.count)" } == ["registry=10", "ci=3", "(none)=1"])
        let tta = r.timeToAcknowledge
        #expect([tta.measured, tta.notRecorded, tta.outOfOrder] == [10, 0, 1])
        #expect([tta.meanSeconds, tta.medianSeconds, tta.p90Seconds] == [330, 330, 540])
        let ttr = r.timeToResolve
        #expect([ttr.measured, ttr.notRecorded, ttr.outOfOrder] == [8, 3, 0])
        #expect([ttr.meanSeconds, ttr.medianSeconds, ttr.p90Seconds] == [2700, 2700, 4800])
        #expect(
            r.load == [
                .init(person: "bob", pages: 10, incidents: 10, acknowledged: 6),
                .init(person: "carol", pages: 5, incidents: 5, acknowledged: 5)
            ])
        #expect(r.perWeek.map(\.weekStarting.isoDate) == ["2026-11-02", "2026-11-09", "2026-11-16"])
        #expect(r.perWeek.map(\.count) == [4, 3, 4])
    }

    @Test func aServiceNarrowsEveryFigure() {
        let r = ReviewReport(
            incidents: incidents, since: ReportFixture.since, until: ReportFixture.until, service: "ci", timeZone: .utc)
        #expect(r.incidentCount == 3)
        #expect(
            [r.timeToAcknowledge.meanSeconds, r.timeToAcknowledge.medianSeconds, r.timeToAcknowledge.p90Seconds] == [
                360, 360, 540
            ])
        #expect(r.load.map(\.pages) == [3, 1])  // bob on INC-3, 6, 9; carol on INC-6
    }

    @Test func weeksFollowTheZoneAndAnEmptyWindowHasNoFigures() {
        // 2026-11-09T02:00Z is still Sunday 2026-11-08 in New York: the week of 2026-11-02.
        let newYork = LocalTimeFormatter(timeZone: .init(identifier: "America/New_York")!)
        let weeks = ReviewReport.weeks(
            of: [Timestamp.parseRFC3339("2026-11-09T02:00:00Z")!], since: ReportFixture.since,
            until: ReportFixture.until, timeZone: newYork)
        #expect(
            weeks.first?.weekStarting.isoDate == "2026-10-26"
                && weeks.first(where: { $0.count == 1 })?.weekStarting.isoDate == "2026-11-02")
        let empty = ReviewReport(incidents: [], since: ReportFixture.since, until: ReportFixture.until, timeZone: .utc)
        #expect(empty.timeToResolve.meanSeconds == nil && empty.load.isEmpty && empty.perWeek.map(\.count) == [0, 0, 0])
        #expect(
            ReviewReportText.markdown(empty, formatter: .utc).contains("| Time to resolve | — | — | — | 0 | 0 | 0 |"))
    }

    @Test func percentilesByNearestRank() {
        func spread(_ values: [Int64]) -> ReviewReport.Spread {
            let t0 = Timestamp(milliseconds: 0)
            return .init(
                values.map {
                    DerivedDuration.of(.timeToAcknowledge, [.declared: t0, .acknowledged: t0.adding(seconds: $0)])
                })
        }
        let one = spread([42])
        #expect([one.meanSeconds, one.medianSeconds, one.p90Seconds] == [42, 42, 42])
        let ten = spread(Array(1...10).map { Int64($0) * 10 }.shuffled())
        #expect(ten.p90Seconds == 90 && ten.medianSeconds == 55 && ten.meanSeconds == 55)
        let eleven = spread(Array(1...11).map { Int64($0) })
        #expect(eleven.p90Seconds == 10 && eleven.medianSeconds == 6)
    }
}
