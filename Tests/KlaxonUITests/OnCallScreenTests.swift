import Foundation
import KlaxonCore
import KlaxonTestSupport
import KlaxonUI
import Testing

/// Issue 26, point 12: the on-call screen shows people, not ids (their names and how they are reached,
/// never the secret), says "until" where it means until, and offers "take the pager".
struct OnCallScreenTests {
    @Test func theScreenNamesPeopleAndHowTheyAreReachedNeverTheAddress() {
        var model = sampleModel(columns: 120, rows: 40)
        press([.character("4")], &model)
        let text = ConsoleView.render(model).text
        let lines = text.split(separator: "\n").map(String.init)
        func line(startingWith id: String) -> String? {
            lines.first { $0.hasPrefix("  " + id + " ") && !$0.contains("platform-primary") }
        }
        #expect(line(startingWith: "bob")?.contains("Bob Okafor") == true, "\(text)")
        #expect(line(startingWith: "bob")?.contains("slack, email") == true, "\(text)")
        #expect(line(startingWith: "alice")?.contains("Alice Moreau (you)") == true, "\(text)")
        #expect(line(startingWith: "alice")?.contains("webhook, email") == true, "\(text)")
        // carol has no name in people.yaml; dave is on the rotation by an override and not there at all.
        #expect(line(startingWith: "carol")?.contains("email") == true, "\(text)")
        #expect(line(startingWith: "dave")?.contains("not in people.yaml") == true, "\(text)")
        for secret in ["@forge.example.com", "hooks.slack.com", "env:ALICE_WEBHOOK", "page-phone"] {
            #expect(!text.contains(secret), "\(secret) is shown")
        }
    }

    /// Someone paged only through `logger` (as `klaxon init` writes) is reached by nobody: said, in red.
    @Test func aPersonPagedOnlyThroughLoggerReadsAsReachingNobody() throws {
        var model = sampleModel(columns: 120, rows: 40)
        let logger = Person(
            id: "bob", name: "Bob Okafor", timeZone: "UTC",
            contacts: [Contact(kind: .command, target: ["/usr/bin/logger", "-t", "klaxon", "page for bob"])])
        model.onCall?.people["bob"] = OnCallBoard.Reach(logger)
        press([.character("4")], &model)
        let frame = ConsoleView.render(model)
        let row = try #require((0..<model.rows).first { frame.text(ofRow: $0).hasPrefix("  bob ") })
        let text = frame.text(ofRow: row)
        let said = try #require(text.range(of: "logger only: reaches nobody"), "\(text)")
        #expect(frame[row, said.lowerBound.utf16Offset(in: text)].style == .critical)
        // A real contact beside it: its kinds, as before.
        model.onCall?.people["bob"] = OnCallBoard.Reach(
            Person(
                id: "bob", name: "Bob Okafor", timeZone: "UTC",
                contacts: logger.contacts + [Contact(kind: .email, target: ["bob@forge.example.com"])]))
        #expect(!ConsoleView.render(model).text.contains("reaches nobody"))
    }

    /// `erin → Sun 23:00` read as "from" and meant "until": every handoff says until when.
    @Test func theNextHandoffsSayUntil() {
        var model = sampleModel(columns: 120, rows: 40)
        press([.character("4")], &model)
        let text = ConsoleView.render(model).text
        #expect(!text.contains("→"), "\(text)")
        let primary = text.split(separator: "\n").first { $0.contains("platform-primary") && $0.contains("bob") }
        #expect(primary?.contains("carol until Mon 16:00, then alice until Tue 16:00") == true, "\(text)")
    }

    /// Right after alice takes the pager from bob, the strip's cell under `^ now` is hers, though bob had
    /// most of that slot.
    @Test func theStripsNowCellIsWhoeverIsOnCallNow() throws {
        var model = sampleModel()
        var board = try #require(model.onCall)
        let shifts = board.entries[0].strip
        let i = try #require(shifts.firstIndex { $0.start <= model.now && model.now < $0.end })
        #expect(shifts[i].users == ["bob"])
        board.entries[0].strip.replaceSubrange(
            i...i,
            with: [
                Shift(start: shifts[i].start, end: model.now, users: ["bob"]),
                Shift(start: model.now, end: shifts[i].end, users: ["alice"])
            ])
        board.entries[0].users = ["alice"]
        model.onCall = board
        press([.character("4")], &model)
        let lines = ConsoleView.render(model).text.split(separator: "\n").map(String.init)
        let marker = try #require(lines.firstIndex { $0.contains("^ now") })
        let column = try #require(lines[marker].range(of: "^ now")).lowerBound.utf16Offset(in: lines[marker])
        let strip = try #require(lines[..<marker].last { $0.hasPrefix("  platform-primary ") })
        #expect(Array(strip)[column] == "a", "\(strip)")
    }

    /// The hint is offered where the pager can be taken: not to whoever has it.
    @Test func theTakeThePagerHintIsNotOfferedToWhoeverHasIt() {
        var model = sampleModel()
        press([.character("4")], &model)
        #expect(ConsoleView.render(model).text(ofRow: model.rows - 1).contains("t take the pager"))
        model.user = "bob"  // on call in platform-primary
        #expect(!ConsoleView.render(model).text(ofRow: model.rows - 1).contains("t take the pager"))
    }

    @Test func takingThePagerAsksThenOverridesUntilTheEndOfTheShift() throws {
        var model = sampleModel()
        press([.character("4")], &model)
        let entry = try #require(model.selectedOnCallEntry)
        #expect(entry.schedule == "platform-primary" && entry.users == ["bob"])
        let until = try #require(entry.until)
        #expect(press([.character("t")], &model).isEmpty)
        guard case .confirm(let question)? = model.overlay else {
            Issue.record("t should ask first: \(String(describing: model.overlay))")
            return
        }
        #expect(question == .takePager(schedule: "platform-primary", until: until, replacing: ["bob"]))
        let shown = ConsoleView.render(model).text
        #expect(shown.contains("Take the pager of platform-primary?"), "\(shown)")
        #expect(shown.contains("instead of bob"), "\(shown)")
        // Any other key than y cancels, and nothing is recorded.
        #expect(press([.character("n")], &model).isEmpty)
        #expect(model.overlay == nil && model.message?.text == "cancelled")
        // y: from now (to the minute) until the end of bob's shift, for this console's user.
        model.now = model.now.adding(seconds: 25)
        let effects = press([.character("t"), .character("y")], &model)
        #expect(
            effects == [
                .takePager(
                    schedule: "platform-primary", user: "alice", from: ScheduleOverride.minute(model.now), to: until)
            ])
        #expect(ScheduleOverride.minute(model.now).milliseconds % 60_000 == 0)
        #expect(until == Timestamp.parseRFC3339("2026-11-22T15:00:00Z"), "bob's shift ends at 09:00 in Chicago")
    }

    @Test func jAndKChooseTheScheduleAndAGapIsCovered() throws {
        var model = sampleModel()
        press([.character("4"), .character("j")], &model)
        let entry = try #require(model.selectedOnCallEntry)
        #expect(entry.schedule == "office-hours" && entry.users.isEmpty)
        press([.character("t")], &model)
        #expect(model.overlay.map { "\($0)" }?.contains("office-hours") == true)
        #expect(ConsoleView.render(model).text.contains("covering a gap"))
        let effects = press([.character("y")], &model)
        #expect(
            effects == [
                .takePager(
                    schedule: "office-hours", user: "alice", from: ScheduleOverride.minute(model.now), to: entry.until!)
            ])
        // k goes back, and never past the first.
        press([.character("k"), .character("k")], &model)
        #expect(model.selectedOnCallEntry?.schedule == "platform-primary")
    }

    @Test func refusedWhenAlreadyOnCallUnknownOrReadOnly() {
        var bob = sampleModel()
        bob.user = "bob"
        press([.character("4")], &bob)
        #expect(press([.character("t")], &bob).isEmpty)
        #expect(bob.overlay == nil)
        #expect(bob.message?.text == "you (bob) are already on call in platform-primary until 16:00")
        #expect(bob.message?.isError == true)

        var dave = sampleModel()
        dave.user = "dave"
        press([.character("4"), .character("t")], &dave)
        #expect(dave.overlay == nil)
        #expect(dave.message?.text.hasPrefix("you (dave) are not in Escalation/people.yaml") == true)

        var reader = sampleModel(readOnly: true)
        press([.character("4")], &reader)
        #expect(press([.character("t")], &reader).isEmpty)
        #expect(reader.overlay == nil)
        #expect(
            reader.message?.text.hasPrefix("read-only console: take the pager") == true, "\(reader.message?.text ?? "")"
        )
        #expect(!ConsoleView.render(reader).text.contains("t take the pager"))
    }

    /// Elsewhere `t` keeps its meaning (an action item on the incident screen); on the on-call screen it
    /// is the pager, and the hints say so.
    @Test func tIsThePagerOnlyOnTheOnCallScreen() {
        var model = sampleModel()
        press([.character("4")], &model)
        #expect(ConsoleView.render(model).text.contains("t take the pager"))
        press([.character("1"), .character("t")], &model)
        guard case .form(let form)? = model.overlay else {
            Issue.record("t on the dashboard adds an action item")
            return
        }
        #expect(form.purpose == .actionItem("INC-12"))
    }
}

/// Issue 26, point 13: declaring for a service that an open incident already has asks whether to note it
/// there instead.
struct SecondIncidentTests {
    @discardableResult
    static func declareForRegistry(_ model: inout ConsoleModel, service: String = "registry") -> [ConsoleEffect] {
        press([.character("d")] + type("Uploads failing") + [.tab, .tab] + type(service) + [.enter], &model)
    }

    static let declaration = Declaration(
        title: "Uploads failing", severity: .sev3, services: ["registry"], commander: "alice")

    @Test func itAsksAndNNotesTheTitleOnTheOpenIncident() {
        var model = sampleModel()
        #expect(Self.declareForRegistry(&model).isEmpty)
        guard case .confirm(let question)? = model.overlay else {
            Issue.record("no question: \(String(describing: model.overlay))")
            return
        }
        #expect(
            question
                == .declareBeside(
                    OpenIncidentForService(
                        id: "INC-12", title: "Artifact registry returns 503 on uploads", service: "registry"),
                    Self.declaration, alert: nil))
        let shown = ConsoleView.render(model).text
        #expect(shown.contains("INC-12 is open for registry"), "\(shown)")
        #expect(shown.contains("n note it there · d declare anyway · esc back"), "\(shown)")
        #expect(press([.character("n")], &model).isEmpty)
        #expect(model.screen == .incident && model.currentIncidentID == "INC-12")
        guard case .form(let form)? = model.overlay else {
            Issue.record("n should open the note dialog")
            return
        }
        #expect(form.purpose == .note("INC-12"))
        #expect(form.rawText(.note) == "Uploads failing")
        #expect(model.declaring == nil)
        #expect(press([.enter], &model) == [.perform(.note("Uploads failing"), incidentID: "INC-12")])
    }

    @Test func dDeclaresAnyway() {
        var model = sampleModel()
        Self.declareForRegistry(&model)
        #expect(press([.character("d")], &model) == [.declare(Self.declaration)])
        #expect(model.overlay == nil)
        _ = ConsoleUpdate.update(&model, .declared("INC-13"))
        #expect(model.declaring == nil)
    }

    @Test func escGoesBackToTheDialogAndOtherKeysKeepTheQuestion() {
        var model = sampleModel()
        Self.declareForRegistry(&model)
        #expect(press([.character("y")], &model).isEmpty)
        guard case .confirm(.declareBeside)? = model.overlay else {
            Issue.record("another key should leave the question up")
            return
        }
        #expect(
            model.message?.text == "INC-12 is open for registry: n notes it there, d declares anyway, esc goes back")
        press([.escape], &model)
        guard case .form(let form)? = model.overlay else {
            Issue.record("esc should give the dialog back")
            return
        }
        #expect(form.purpose == .declare(attaching: nil))
        #expect(form.text(.title) == "Uploads failing" && form.text(.service) == "registry")
        #expect(model.declaring == nil)
        // Another service, or the same one once its incident is resolved, declares at once.
        press([.escape], &model)
        var other = sampleModel()
        #expect(
            Self.declareForRegistry(&other, service: "mirror") == [
                .declare(
                    Declaration(title: "Uploads failing", severity: .sev3, services: ["mirror"], commander: "alice"))
            ])
    }

    @Test func theServiceIsMatchedWithoutRegardToCaseOrOtherServices() {
        var model = sampleModel()
        #expect(Self.declareForRegistry(&model, service: "mirror, Registry").isEmpty)
        guard case .confirm(.declareBeside(let open, _, _))? = model.overlay else {
            Issue.record("no question: \(String(describing: model.overlay))")
            return
        }
        #expect(open.id == "INC-12" && open.service == "registry")
        // A resolved incident's service asks nothing: INC-10 (kubernetes) is resolved.
        var resolved = sampleModel()
        #expect(Self.declareForRegistry(&resolved, service: "kubernetes").count == 1)
    }

    /// From the status board, `d` takes the selected check's service, so a check whose service has an
    /// open incident asks too.
    @Test func fromACheckWhoseServiceHasAnOpenIncident() {
        var model = sampleModel()
        var check = CheckDefinition(name: "registry-api", url: "https://registry.forge.internal/v2/")
        check.service = "registry"
        model.setChecks([check])
        press([.character("3"), .character("d")], &model)
        guard case .form(let form)? = model.overlay else {
            Issue.record("d on the status board should open the dialog")
            return
        }
        #expect(form.text(.service) == "registry")
        press(type("Registry API down") + [.enter], &model)
        guard case .confirm(.declareBeside(let open, let declaration, nil))? = model.overlay else {
            Issue.record("no question: \(String(describing: model.overlay))")
            return
        }
        #expect(open.id == "INC-12" && declaration.services == ["registry"])
    }
}

/// Times as the on-call screen says them: a clock today, a weekday within the week, a month's name
/// beyond (`12-02` read as the 12th as often as December).
@Test func shortTimesNameTheDayUnambiguously() {
    let model = sampleModel()  // Sunday 2026-11-22 10:30 in Berlin
    #expect(model.shortTime(model.now.adding(seconds: 3600)) == "11:30")
    #expect(model.shortTime(model.now.adding(seconds: 86_400)) == "Mon 10:30")
    #expect(model.shortTime(model.now.adding(seconds: 10 * 86_400)) == "Dec 2 10:30")
}
