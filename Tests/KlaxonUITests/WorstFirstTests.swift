import KlaxonCore
import KlaxonTestSupport
import KlaxonUI
import Testing

/// Issue 26, point 8: one key from any screen opens the most urgent thing, and the status board can
/// put its failures first (a red check six rows down was `3`, five `j` and `o`).
struct WorstFirstTests {
    @Test func bangOpensTheMostSevereUnacknowledgedIncident() {
        var model = sampleModel()
        press([.character("4")], &model)
        // INC-12 (SEV1) is acknowledged; INC-11 (SEV3) is not.
        press([.character("!")], &model)
        #expect(model.screen == .incident && model.currentIncidentID == "INC-11")
        #expect(model.message?.text == "INC-11: the most severe incident nobody has acknowledged")
    }

    @Test func withEveryIncidentAcknowledgedItOpensTheCheckDownLongest() {
        var model = StatusBoardTests().boardModel()
        var ci = IncidentFixture(
            id: "INC-11", title: "CI queue backed up", severity: .sev3, by: "bob", at: "2026-11-22T07:10:00Z")
        ci.perform(.acknowledge, by: "bob")
        model.setIncident(ci.incident, readOnly: false)
        press([.character("2"), .character("!")], &model)
        #expect(model.screen == .status && model.showingCheckDetail)
        #expect(model.boardRows[model.checkSelection].definition.name == "registry-api")
        #expect(model.message?.text == "registry-api: down longest")
    }

    @Test func withNothingUrgentItSaysSo() {
        var model = sampleModel()
        var ci = IncidentFixture(
            id: "INC-11", title: "CI queue backed up", severity: .sev3, by: "bob", at: "2026-11-22T07:10:00Z")
        ci.perform(.acknowledge, by: "bob")
        model.setIncident(ci.incident, readOnly: false)
        press([.character("!")], &model)
        #expect(model.screen == .dashboard)
        #expect(model.message?.text == "nothing urgent: every open incident is acknowledged and no check is down")
    }

    @Test func theBoardPutsFailuresFirstAndKeepsTheSelection() {
        var model = StatusBoardTests().boardModel()
        press([.character("3"), .character("j")], &model)
        #expect(model.boardRows.map(\.definition.name) == ["registry-api", "ci-queue", "kube-apiserver"])
        #expect(model.boardRows[model.checkSelection].definition.name == "ci-queue")
        press([.character("F")], &model)
        // The group with the down check first, the unknown one next, the up one last.
        #expect(model.boardRows.map(\.definition.name) == ["registry-api", "kube-apiserver", "ci-queue"])
        #expect(model.boardRows[model.checkSelection].definition.name == "ci-queue")
        let text = ConsoleView.render(model).text
        let kubernetes = text.range(of: "Kubernetes")
        let cicd = text.range(of: "CI/CD")
        #expect(kubernetes != nil && cicd != nil && kubernetes!.lowerBound < cicd!.lowerBound, "\(text)")
        press([.character("F")], &model)
        #expect(model.boardRows.map(\.definition.name) == ["registry-api", "ci-queue", "kube-apiserver"])
    }
}

/// Issue 26, point 10: a new SEV1 rings (as an effect the runtime carries out), unless notify is off.
@Test func aNewSEV1RingsUnlessNotifyIsOff() {
    var model = sampleModel()
    let sev1 = IncidentFixture(
        id: "INC-20", title: "Registry down", severity: .sev1, at: "2026-11-22T09:29:00Z"
    ).incident
    var quiet = model
    model.notify = .bell
    #expect(
        ConsoleUpdate.update(&model, .incidentChanged(sev1, readOnly: false)) == [
            .notify(ConsoleNotice(title: "SEV1 INC-20 declared", body: "Registry down"))
        ])
    quiet.notify = .off
    #expect(ConsoleUpdate.update(&quiet, .incidentChanged(sev1, readOnly: false)).isEmpty)
}
