import KlaxonCore
import KlaxonTestSupport
import KlaxonUI
import Testing

struct ConsoleSnapshotTests {
    func check(_ model: ConsoleModel, _ name: String) {
        if let mismatch = Snapshot.mismatch(ConsoleView.render(model), named: name) { Issue.record(Comment(rawValue: mismatch)) }
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func dashboard(columns: Int, rows: Int) {
        check(sampleModel(columns: columns, rows: rows), "dashboard-\(columns)x\(rows)")
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func incidentScreen(columns: Int, rows: Int) {
        var model = sampleModel(columns: columns, rows: rows)
        press([.enter], &model)
        check(model, "incident-\(columns)x\(rows)")
    }

    @Test func incidentScrolledToTheTopInUTC() {
        var model = sampleModel()
        press([.enter, .character("g"), .character("j"), .character("u")], &model)
        check(model, "incident-top-utc-80x24")
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func onCallScreen(columns: Int, rows: Int) {
        var model = sampleModel(columns: columns, rows: rows)
        press([.character("4")], &model)
        check(model, "oncall-\(columns)x\(rows)")
    }

    @Test func onCallScreenWithProblemsAndNobodyOnCall() {
        var model = sampleModel()
        model.onCall?.problems = ["Escalation/people.yaml:3:16: error: unknown time zone \"Mars/Olympus\""]
        model.onCall?.entries[0].users = []
        press([.character("4")], &model)
        check(model, "oncall-problems-80x24")
    }

    @Test func declareForm() {
        var model = sampleModel()
        press([.character("d")] + type("Runner fleet exhausted"), &model)
        check(model, "declare-80x24")
    }

    @Test func helpScreen() {
        var model = sampleModel()
        press([.character("?")], &model)
        check(model, "help-80x24")
    }

    @Test func asciiDrawingForANonUTF8Locale() {
        var model = sampleModel()
        model.glyphs = .ascii
        press([.character("r")], &model)
        check(model, "resolve-ascii-80x24")
    }

    @Test func tooSmall() {
        check(sampleModel(columns: 60, rows: 20), "too-small-60x20")
    }
}
