import Foundation
import KlaxonCore
import KlaxonTestSupport
import KlaxonUI
import Testing

/// Issue 21, point 6: a journal store that does not answer is said on the top bar in red, in the
/// display zone, until it answers; what was read stays shown; writes are refused with what was typed
/// kept.
struct StoreOutageTests {
    /// 09:12:04 UTC, 10:12:04 in the sample's Berlin.
    let since = Timestamp.parseRFC3339("2026-11-22T09:12:04Z")!
    let reason =
        "PostgreSQL at 127.0.0.1:5432, database klaxon: connection refused; check that the server runs and that the URI's host, port, database and user are right"

    func unreachable(_ model: inout ConsoleModel) {
        _ = ConsoleUpdate.update(&model, .storeUnreachable(since: since, reason: reason))
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func theTopBarSaysSoInRedAndTheIncidentsStay(columns: Int, rows: Int) throws {
        var model = sampleModel(columns: columns, rows: rows)
        let before = ConsoleView.render(model).text
        unreachable(&model)
        let frame = ConsoleView.render(model)
        let top = frame.text(ofRow: 0)
        let banner = "store unreachable since 10:12:04, retrying"
        let found = try #require(top.range(of: banner), "\(top)")
        let column = top.distance(from: top.startIndex, to: found.lowerBound)  // one column per character here
        #expect((0..<banner.count).allSatisfy { frame[0, column + $0].style == .barAlarm }, "\(top)")
        #expect(model.message?.text == reason && model.message?.isError == true)
        // Below the top bar, what was read is still there (the bottom line, and the rows above it that a
        // long reason wraps onto, say why).
        let messageRows = min(3, TextWidth.wrap(reason, to: columns).count)
        let rowsBelow = { (text: String) in
            text.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().dropLast(messageRows)
        }
        #expect(Array(rowsBelow(frame.text)) == Array(rowsBelow(before)))
        if let mismatch = Snapshot.mismatch(frame, named: "store-unreachable-\(columns)x\(rows)") {
            Issue.record(Comment(rawValue: mismatch))
        }
        _ = ConsoleUpdate.update(&model, .storeReachable)
        #expect(!ConsoleView.render(model).text(ofRow: 0).contains("unreachable"))
        #expect(model.message?.text == "the journal store answers again (unreachable since 10:12:04)")
    }

    /// A console that has read no incident while the store does not answer (started during an outage)
    /// says it does not know, never "No open incidents" nor "0 open" (the walkthrough saw both, with
    /// four incidents open, one of them SEV1).
    @Test func anEmptyListDuringAnOutageIsNotKnownToBeEmpty() {
        var model = ConsoleModel(
            workspaceName: "forge-platform", user: "alice", readOnly: false,
            timeZone: TimeZone(identifier: "Europe/Berlin")!, staleAfterSeconds: 1800, glyphs: .unicode,
            now: Timestamp.parseRFC3339("2026-11-22T09:30:00Z")!, columns: 120, rows: 40)
        #expect(ConsoleView.render(model).text.contains("No open incidents"), "before: nothing read, store fine")
        unreachable(&model)
        let text = ConsoleView.render(model).text
        #expect(!text.contains("No open incidents") && !text.contains("0 open"), "\(text)")
        #expect(text.contains("? open") && text.contains("Open incidents (?)"), "\(text)")
        #expect(text.contains("Not known: the journal store does not answer"), "\(text)")
        #expect(text.contains("Resolved in the last 7 days (?)") && !text.contains("None."), "\(text)")
        _ = ConsoleUpdate.update(&model, .storeReachable)
        #expect(ConsoleView.render(model).text.contains("No open incidents"), "known again once the store answers")
    }

    /// A note saved while the store does not answer is not sent: the dialog stays open with its text,
    /// and once the store answers the same ctrl-s saves it.
    @Test func aNoteIsRefusedAndItsTextStaysInTheDialog() {
        var model = sampleModel()
        press([.enter], &model)
        unreachable(&model)
        press([.character("n")] + type("rolled back registry"), &model)
        #expect(press([.control("s")], &model).isEmpty)
        #expect(model.savesInFlight == 0 && model.savingNotes.isEmpty)
        guard case .form(let form)? = model.overlay else {
            Issue.record("the note's dialog closed")
            return
        }
        #expect(form.rawText(.note) == "rolled back registry")
        #expect(
            model.message?.text
                == "NOT SAVED: the journal store is unreachable since 10:12:04, nothing was written; what you typed is kept here: save again once it answers (esc keeps a note as a draft)"
        )
        #expect(model.message?.isError == true)
        // esc sets it aside as any draft.
        press([.escape], &model)
        #expect(model.drafts["INC-12"] == "rolled back registry")
        _ = ConsoleUpdate.update(&model, .storeReachable)
        press([.character("n")], &model)
        #expect(press([.control("s")], &model) == [.perform(.note("rolled back registry"), incidentID: "INC-12")])
    }

    /// Keys read together (as a terminal may hand over `n`, the text and ctrl-s) open the dialog and
    /// submit it in one message: it stays open all the same. (Under tmux it closed, and the note went
    /// to the drafts.)
    @Test func aNoteTypedInOneReadStaysInItsDialog() {
        var model = sampleModel()
        press([.enter], &model)
        unreachable(&model)
        let effects = ConsoleUpdate.update(
            &model, .input([.character("n")] + type("in one read") + [.control("s")], at: Timestamp(milliseconds: 0)))
        #expect(effects.isEmpty && model.savesInFlight == 0)
        guard case .form(let form)? = model.overlay else {
            Issue.record("the note's dialog closed")
            return
        }
        #expect(form.rawText(.note) == "in one read")
    }

    /// A mitigation, a resolve with its summary, a declaration and a note from $EDITOR: none is sent; the
    /// resolve's and the declaration's dialogs stay open, the editor's note goes to the drafts.
    @Test func everyWriteIsRefusedAndNothingTypedIsLost() {
        var model = sampleModel()
        press([.enter], &model)
        unreachable(&model)
        press([.character("m")], &model)
        #expect(press([.character("y")], &model).isEmpty)
        #expect(
            model.message?.text
                == "NOT SAVED: the journal store is unreachable since 10:12:04, nothing was written; do it again once it answers"
        )
        press([.character("r")] + type("blob store full"), &model)
        #expect(press([.enter], &model).isEmpty)
        guard case .form(let resolve)? = model.overlay else {
            Issue.record("the resolve dialog closed")
            return
        }
        #expect(resolve.text(.summary) == "blob store full")
        press([.escape, .character("d")] + type("Runner fleet exhausted"), &model)
        #expect(press([.enter], &model).isEmpty)
        guard case .form(let declare)? = model.overlay else {
            Issue.record("the declare dialog closed")
            return
        }
        #expect(declare.text(.title) == "Runner fleet exhausted")
        press([.escape], &model)
        #expect(ConsoleUpdate.update(&model, .editorFinished(incidentID: "INC-12", text: "from vim")).isEmpty)
        #expect(model.drafts["INC-12"] == "from vim")
        #expect(model.message?.text.hasSuffix("; the note is kept as a draft (n)") == true)
        #expect(model.savesInFlight == 0)
    }

    /// A store that keeps a call waiting (a locked table, a stopped server) is said as waiting, not as
    /// refusing: the top bar, the refusal of a write and the end say "not answering"; a wait during an
    /// outage already said changes nothing.
    @Test func aStoreThatKeepsACallWaitingIsSaidAsNotAnswering() {
        var model = sampleModel(columns: 120, rows: 40)
        _ = ConsoleUpdate.update(&model, .storeNotAnswering(since: since))
        let top = ConsoleView.render(model).text(ofRow: 0)
        #expect(top.contains("store not answering since 10:12:04, waiting"), "\(top)")
        #expect(
            model.message?.text
                == "the journal store has not answered since 10:12:04: what is shown was read before; nothing is written until it answers"
        )
        press([.enter], &model)
        press([.character("m")], &model)
        #expect(press([.character("y")], &model).isEmpty)
        #expect(
            model.message?.text
                == "NOT SAVED: the journal store has not answered since 10:12:04, nothing was written; do it again once it answers"
        )
        _ = ConsoleUpdate.update(&model, .storeReachable)
        #expect(model.message?.text == "the journal store answers again (it did not answer from 10:12:04)")
        #expect(!ConsoleView.render(model).text(ofRow: 0).contains("not answering"))

        unreachable(&model)
        _ = ConsoleUpdate.update(&model, .storeNotAnswering(since: since.adding(seconds: 60)))
        #expect(ConsoleView.render(model).text(ofRow: 0).contains("store unreachable since 10:12:04, retrying"))
        #expect(model.message?.text == reason)
    }

    /// An incident asked for by id that could not be read because the store does not answer is not
    /// said to be missing.
    @Test func anIncidentNotReadDuringAnOutageIsNotSaidToBeMissing() {
        var model = sampleModel(columns: 120, rows: 40)
        _ = ConsoleUpdate.update(&model, .storeNotAnswering(since: since))
        _ = ConsoleUpdate.update(&model, .incidentRead("INC-404"))
        #expect(
            model.message?.text
                == "INC-404 cannot be read while the journal store does not answer; try again once it does")
        _ = ConsoleUpdate.update(&model, .storeReachable)
        _ = ConsoleUpdate.update(&model, .incidentRead("INC-404"))
        #expect(model.message?.text.hasPrefix("there is no incident INC-404") == true)
    }

    /// A refusal's remedy is its end: at 80 and 100 columns it was cut ("what you typed is …"). A long
    /// error takes the rows above the bottom line it needs (up to three), and says all of it.
    @Test(arguments: [80, 100])
    func aRefusalIsReadToItsEnd(columns: Int) {
        var model = sampleModel(columns: columns, rows: 24)
        press([.enter], &model)
        unreachable(&model)
        press([.character("n")] + type("rolled back") + [.control("s")], &model)
        let message = model.message?.text ?? ""
        #expect(message.hasSuffix("save again once it answers (esc keeps a note as a draft)"), "\(message)")
        let frame = ConsoleView.render(model)
        let bottom = (21..<24).map { frame.text(ofRow: $0).trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        #expect(bottom.hasSuffix("save again once it answers (esc keeps a note as a draft)"), "\(bottom)")
        #expect(bottom.contains("NOT SAVED: the journal store is unreachable since 10:12:04"), "\(bottom)")
    }

    /// An incident opened while only its summary is read (its records asked for, or not readable while
    /// the store does not answer) does not say it has no records of that kind.
    @Test func aTimelineNotYetReadIsNotAnEmptyOne() throws {
        var fixture = IncidentFixture(
            id: "INC-13", title: "Runner fleet exhausted", severity: .sev2, services: ["ci"], at: "2026-11-22T08:00:00Z"
        )
        fixture.perform(.note("queue at 400 jobs"), after: 60)
        let summary = try IncidentReplay.replay(fixture.records, keepingTimeline: false)
        var model = sampleModel(columns: 100, rows: 30)
        model.setIncident(summary, readOnly: false)
        _ = ConsoleUpdate.update(&model, .incidentRead(summary.id))  // opens it
        var text = ConsoleView.render(model).text
        #expect(text.contains("Timeline") && text.contains("Reading the timeline…"), "\(text)")
        #expect(!text.contains("No records of that kind"), "\(text)")
        _ = ConsoleUpdate.update(&model, .storeNotAnswering(since: since))
        text = ConsoleView.render(model).text
        #expect(text.contains("Not read yet: the journal store does not answer"), "\(text)")
    }

    /// A note whose COMMIT was sent and whose answer was lost with the network may be saved: the console
    /// says so (not "NOT SAVED") and keeps the draft, to be checked against the timeline before it is
    /// saved again.
    @Test func aNoteWhoseAnswerWasLostIsSaidToBeMaybeSaved() {
        var model = sampleModel(columns: 120, rows: 40)
        _ = ConsoleUpdate.update(
            &model,
            .saveFailed(
                incidentID: "INC-12", action: .note("rolled back"), reason: "the COMMIT was sent and its answer lost",
                mayBeSaved: true))
        #expect(
            model.message?.text
                == "INC-12: MAY BE SAVED (the store's answer was lost), note kept as a draft (n): check the timeline once the store answers before saving it again: the COMMIT was sent and its answer lost"
        )
        #expect(model.drafts["INC-12"] == "rolled back")
        _ = ConsoleUpdate.update(
            &model, .saveFailed(incidentID: "INC-12", action: .acknowledge, reason: "lost", mayBeSaved: true))
        #expect(model.message?.text == "INC-12: may be recorded (the store's answer was lost): lost")
    }

    /// Incidents that could not be read for a reason other than an outage (a password refused) are not
    /// known either: the walkthrough's console said "0 open / No open incidents" with seven open.
    @Test func incidentsThatCouldNotBeReadAreNotKnownToBeNone() {
        var model = ConsoleModel(
            workspaceName: "forge-platform", user: "alice", readOnly: false,
            timeZone: TimeZone(identifier: "Europe/Berlin")!, staleAfterSeconds: 1800, glyphs: .unicode,
            now: Timestamp.parseRFC3339("2026-11-22T09:30:00Z")!, columns: 120, rows: 40)
        _ = ConsoleUpdate.update(&model, .incidentsUnread("password authentication failed for user \"klaxon\""))
        var text = ConsoleView.render(model).text
        #expect(text.contains("? open") && text.contains("Open incidents (?)"), "\(text)")
        #expect(text.contains("Not known: the incidents could not be read"), "\(text)")
        #expect(!text.contains("No open incidents") && !text.contains("0 open"), "\(text)")
        _ = ConsoleUpdate.update(&model, .incidentsUnread(nil))
        text = ConsoleView.render(model).text
        #expect(text.contains("No open incidents") && text.contains("0 open"), "read now, and none: \(text)")
    }

    /// A declaration the store refused gives the dialog back with what was typed (it closed, its title
    /// lost).
    @Test func aDeclarationThatFailedComesBackInItsDialog() {
        var model = sampleModel(columns: 120, rows: 40)
        let effects = press([.character("d")] + type("Registry down") + [.enter], &model)
        #expect(effects.contains { if case .declare = $0 { true } else { false } }, "\(effects)")
        #expect(model.overlay == nil)
        _ = ConsoleUpdate.update(&model, .declareFailed("permission denied for table journals"))
        guard case .form(let form)? = model.overlay else {
            Issue.record("the dialog did not come back")
            return
        }
        #expect(form.text(.title) == "Registry down")
        #expect(
            model.message?.text
                == "NOT DECLARED: permission denied for table journals; what you typed is kept here")
    }

    /// An incident this process may not write says both reasons it may be so, not only damage (a
    /// database role without INSERT was sent to `journal verify`, which said the journal was fine).
    @Test func aReadOnlyIncidentSaysWhyItMayBe() throws {
        var model = sampleModel(columns: 120, rows: 40)
        let incident = try #require(model.incidents["INC-12"])
        model.setIncident(incident, readOnly: true)
        press([.enter, .character("a")], &model)
        let text = model.message?.text ?? ""
        #expect(text.hasPrefix("INC-12 is read-only here: its journal is damaged"), "\(text)")
        #expect(text.contains("the database role's privileges: klaxon journal init --grant"), "\(text)")
    }
}
