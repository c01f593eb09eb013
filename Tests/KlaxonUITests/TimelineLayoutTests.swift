import Foundation
import KlaxonCore
import KlaxonTestSupport
import KlaxonUI
import Testing

/// The incident screen with big records: what it shows of them, and that it lays out only what is on
/// screen, once (the console draws again each second for its clock).
struct TimelineLayoutTests {
    static let logLine = "2026-11-22T09:14:03Z registry-2 blob upload failed: 503 Service Unavailable (attempt 3/5)\n"

    /// INC-12 of the sample with a note of `bytes` bytes of pasted log as its newest record, written as
    /// another writer (or an older Klaxon) could have: not through the command line and its limit.
    static func modelWithHugeNote(bytes: Int, columns: Int = 80, rows: Int = 24) -> (
        model: ConsoleModel, record: JournalRecord
    ) {
        var fixture = IncidentFixture(
            id: "INC-12", title: "Artifact registry returns 503 on uploads", severity: .sev2,
            services: ["registry"], at: "2026-11-21T22:40:00Z")
        fixture.perform(.note("Upload error rate 40% since 23:30; pulls fine"), after: 120)
        let text = String(repeating: logLine, count: bytes / logLine.utf8.count + 1)
        let draft = RecordDraft(
            type: RecordType.note.rawValue, data: ["text": .string(text)],
            timestamp: fixture.clock.adding(seconds: 600), actor: "bob", host: "elsewhere", pid: 7)
        let record = JournalCodec.encode(
            draft, sequence: fixture.records.count + 1, previousHash: fixture.records.last!.hash
        ).record
        var model = sampleModel(columns: columns, rows: rows)
        model.setIncident(try! IncidentReplay.replay(fixture.records + [record]), readOnly: false)
        press([.enter], &model)
        #expect(model.currentIncidentID == "INC-12")
        return (model, record)
    }

    /// A 20 MB note shows its first lines and how much of it is left out, on the timeline's last line.
    @Test func aHugeNoteShowsItsStartAndHowMuchIsLeftOut() {
        let (model, _) = Self.modelWithHugeNote(bytes: 20_000_000)
        if let mismatch = Snapshot.mismatch(ConsoleView.render(model), named: "incident-huge-note-80x24") {
            Issue.record(Comment(rawValue: mismatch))
        }
        let frame = ConsoleView.render(model)
        let layout = IncidentLayout(model)
        #expect(frame.text.contains("… 19.9 MB more not shown; klaxon incident show"))
        #expect(frame.text(ofRow: layout.timelineTop + layout.timelineRows - 1).contains("it all"))
        #expect(frame.text(ofRow: layout.timelineTop).contains("bob   note      2026-11-22T09:14:03Z registry-2"))
    }

    /// An incident whose records wrap (three or four lines each at 80 columns), the newest a short one.
    static func modelWithWrappingRecords(columns: Int = 80, rows: Int = 24) -> ConsoleModel {
        var fixture = IncidentFixture(
            id: "INC-12", title: "Artifact registry returns 503 on uploads", severity: .sev2,
            services: ["registry"], at: "2026-11-21T22:40:00Z")
        for n in 1...12 {
            fixture.perform(
                .note(
                    "Update \(n): "
                        + String(
                            repeating: "uploads to registry-2 still fail with 503 while the blob store is full; ",
                            count: 3)),
                by: n % 2 == 0 ? "bob" : "alice", after: 300)
        }
        fixture.perform(.note("NEWEST: uploads succeed again"), by: "bob", after: 60)
        var model = sampleModel(columns: columns, rows: rows)
        model.setIncident(fixture.incident, readOnly: false)
        return model
    }

    /// The last row of the timeline that has text.
    static func lastTimelineLine(_ model: ConsoleModel) -> String {
        let frame = ConsoleView.render(model)
        let layout = IncidentLayout(model)
        let row = (layout.timelineTop..<(layout.timelineTop + layout.timelineRows)).last {
            !frame.text(ofRow: $0).allSatisfy(\.isWhitespace)
        }
        return row.map { frame.text(ofRow: $0) } ?? ""
    }

    /// Opening an incident starts at its newest entry, and so does `G` from anywhere in the timeline,
    /// when the records above it wrap.
    @Test(arguments: [(80, 24), (120, 40)])
    func gAndOpeningShowTheNewestEntryWhenRecordsWrap(columns: Int, rows: Int) {
        var model = Self.modelWithWrappingRecords(columns: columns, rows: rows)
        press([.enter], &model)
        #expect(model.currentIncidentID == "INC-12")
        #expect(
            Self.lastTimelineLine(model).contains("NEWEST: uploads succeed again"),
            "opened: \(ConsoleView.render(model).text)")
        for keys in [
            [Key.character("k"), .character("k"), .character("k")], [.character("g")],
            [.character("g"), .character("j"), .character("j")]
        ] {
            press(keys + [.character("G")], &model)
            #expect(
                Self.lastTimelineLine(model).contains("NEWEST: uploads succeed again"),
                "\(keys) G: \(ConsoleView.render(model).text)")
        }
        // Back to the dashboard after scrolling up, and in again: the newest entry, not where it was left.
        press([.character("g"), .character("1"), .enter], &model)
        #expect(
            Self.lastTimelineLine(model).contains("NEWEST: uploads succeed again"),
            "reopened: \(ConsoleView.render(model).text)")
    }

    /// Idle seconds redraw the screen and lay nothing out: the records on screen were laid out once, and
    /// the huge one no taller than the timeline.
    @Test func idleSecondsLayNothingOutAgain() {
        var (model, record) = Self.modelWithHugeNote(bytes: 20_000_000)
        let first = ConsoleView.render(model)
        // Onto the note and back: the records scrolled over are laid out once too.
        press([.character("k"), .character("k"), .character("j"), .character("j"), .character("G")], &model)
        _ = ConsoleView.render(model)
        let laidOut = model.timelineCache.recordsLaidOut
        #expect(laidOut > 0 && laidOut <= model.visibleRecords.count)
        var last = first
        for _ in 1...90 {
            _ = ConsoleUpdate.update(&model, .tick(model.now.adding(seconds: 1)))
            last = ConsoleView.render(model)
        }
        #expect(model.timelineCache.recordsLaidOut == laidOut)
        #expect(last.text(ofRow: 0) != first.text(ofRow: 0), "the clock moved on")
        let layout = IncidentLayout(model)
        let timeline = layout.timelineTop..<(layout.timelineTop + layout.timelineRows)
        #expect(timeline.map { last.text(ofRow: $0) } == timeline.map { first.text(ofRow: $0) })
        let lines = layout.textLines(of: record, formatter: model.formatter, cache: model.timelineCache)
        #expect(lines.count == layout.timelineRows)
        #expect(model.timelineCache.recordsLaidOut == laidOut)
    }

    /// With 10,000 records, opening the incident and resizing lay out about a screenful of records each.
    @Test func onlyTheRecordsOnScreenAreLaidOut() {
        var fixture = IncidentFixture(
            id: "INC-12", title: "Artifact registry returns 503 on uploads", at: "2026-11-21T22:40:00Z")
        for n in 1..<10_000 {
            fixture.perform(.note("Note \(n): the error rate is still at 40% on registry-2"), after: 5)
        }
        var model = sampleModel(columns: 120, rows: 40)
        model.setIncident(fixture.incident, readOnly: false)
        press([.enter], &model)
        _ = ConsoleView.render(model)
        let rows = IncidentLayout(columns: 120, rows: 40).timelineRows
        #expect(model.timelineCache.recordsLaidOut <= rows + 1)
        let before = model.timelineCache.recordsLaidOut
        _ = ConsoleUpdate.update(&model, .resize(columns: 80, rows: 24))
        let frame = ConsoleView.render(model)
        #expect(model.timelineCache.recordsLaidOut - before <= IncidentLayout(columns: 80, rows: 24).timelineRows + 1)
        #expect(frame.text.contains("Note 9999: the error rate"))
        // Jumping to the top lays out the records there, not those between.
        let atEnd = model.timelineCache.recordsLaidOut
        press([.character("g")], &model)
        #expect(ConsoleView.render(model).text.contains("SEV2 \"Artifact registry returns 503 on uploads\""))
        #expect(model.timelineCache.recordsLaidOut - atEnd <= IncidentLayout(columns: 80, rows: 24).timelineRows + 1)
    }

    /// The cache is invisible: after resizes, a switch to UTC and a filter, each frame is the frame a
    /// console that never drew before draws from the same state.
    @Test func aFrameFromTheCacheIsTheFrameWithoutIt() {
        var model = sampleModel(columns: 120, rows: 40)
        press([.enter], &model)
        var steps: [(String, (inout ConsoleModel) -> Void)] = [
            ("80x24", { _ = ConsoleUpdate.update(&$0, .resize(columns: 80, rows: 24)) }),
            ("utc", { press([.character("u")], &$0) }),
            ("top", { press([.character("g")], &$0) }),
            ("150x50", { _ = ConsoleUpdate.update(&$0, .resize(columns: 150, rows: 50)) }),
            ("local", { press([.character("u")], &$0) }),
            ("120x40", { _ = ConsoleUpdate.update(&$0, .resize(columns: 120, rows: 40)) })
        ]
        steps.append(("end", { press([.character("G")], &$0) }))
        for (name, step) in steps {
            _ = ConsoleView.render(model)
            step(&model)
            var fresh = sampleModel(columns: model.columns, rows: model.rows)
            fresh.screen = model.screen
            fresh.currentIncidentID = model.currentIncidentID
            fresh.timeline = model.timeline
            #expect(
                Snapshot.text(of: ConsoleView.render(model)) == Snapshot.text(of: ConsoleView.render(fresh)),
                "after \(name)")
        }
    }

    /// The first lines of a wrap are the first lines of the whole wrap, and each says where the text
    /// after it starts: wrapping twelve lines of 20 MB reads about twelve lines' worth.
    @Test func aWrapOfTheFirstLinesStopsWithThem() {
        let paragraph =
            "Upload error rate 40% since the deploy; pulls fine. 磁盘已满 — cleaning up 🧹 https://grafana.example.com/d/registry?from=now-6h\n"
        let text = String(repeating: paragraph, count: 20_000_000 / paragraph.utf8.count)
        let lines = TextWidth.wrap(text[...], to: 50, maxLines: 12)
        let whole = TextWidth.wrap(String(repeating: paragraph, count: 10), to: 50)
        #expect(lines.map(\.text) == Array(whole.prefix(12)))
        // The 12th line ends a paragraph: what follows it is the 5th paragraph.
        #expect(text.utf8.distance(from: text.startIndex, to: lines[11].end) == 4 * paragraph.utf8.count)
        for sample in [
            "one two three four five six", "a\n\nb  c", "https://grafana.example.com/d/x ok", "漢字漢字漢字 🧹🧹 x", ""
        ] {
            let all = TextWidth.wrap(sample, to: 7)
            for count in 1...all.count + 1 {
                #expect(
                    TextWidth.wrap(sample[...], to: 7, maxLines: count).map(\.text) == Array(all.prefix(count)),
                    "\(sample) \(count)")
            }
        }
    }
}
