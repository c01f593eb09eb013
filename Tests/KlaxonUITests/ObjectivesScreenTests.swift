import Foundation
import KlaxonCore
import KlaxonTestSupport
import KlaxonUI
import Testing

/// Issue 25, point 2: the objectives screen (8): each check held to an objective, worst first, with its
/// budget left and burn rates; the selected check's figures and its budget's line over the window below.
struct ObjectivesScreenTests {
    /// Three checks with objectives: `registry` burning fast (its last 20 minutes down), `ci` fine,
    /// `search` with nothing recorded yet; and `web`, which has none.
    func objectivesModel(columns: Int = 120, rows: Int = 30) -> ConsoleModel {
        var model = sampleModel(columns: columns, rows: rows)
        func check(_ name: String, slo: Double?) -> CheckDefinition {
            var check = CheckDefinition(name: name, group: "platform", url: "https://\(name).example/")
            check.slo = slo.map { ServiceLevelObjective(objective: $0) }
            return check
        }
        _ = ConsoleUpdate.update(
            &model,
            .checksConfigured(
                [
                    check("web", slo: nil), check("ci", slo: 99.5), check("search", slo: 99.9),
                    check("registry", slo: 99.9)
                ],
                unpolled: [], problems: []))
        // 28 days of polls every 30 s ending now; registry's last 20 minutes failed, ci's never did.
        let start = model.now.adding(seconds: -28 * 86_400)
        var registry = OutcomeLedger(windowDays: 28)
        var ci = OutcomeLedger(windowDays: 28)
        for i in stride(from: Int64(30), through: 28 * 86_400, by: 30) {
            registry.record(good: i <= 28 * 86_400 - 20 * 60, at: start.adding(seconds: i))
            ci.record(good: true, at: start.adding(seconds: i))
        }
        _ = ConsoleUpdate.update(
            &model,
            .objectivesChanged([
                "registry": SLOStatus.compute(ServiceLevelObjective(objective: 99.9), registry, now: model.now),
                "ci": SLOStatus.compute(ServiceLevelObjective(objective: 99.5), ci, now: model.now)
            ]))
        press([.character("8")], &model)
        return model
    }

    @Test func theScreenListsTheWorstFirstWithTheSelectedChecksFigures() {
        let model = objectivesModel()
        #expect(model.screen == .objectives)
        #expect(model.objectiveRows.map(\.check.name) == ["registry", "ci", "search"], "burning, fine, not known")
        let status = model.objectives!["registry"]!
        // The figures SLOTests works by hand, as the screen words them.
        let (hour, left) = (SLOText.rate(status.burn(overMinutes: 60)?.rate), SLOText.budgetLeft(status))
        #expect(status.level == .page && left.hasPrefix("50.4 % ("))
        let frame = ConsoleView.render(model)
        let lines = frame.text.split(separator: "\n").map(String.init)
        let registry = lines.first { $0.hasPrefix("  registry") } ?? ""
        #expect(registry.contains("99.9 %") && registry.contains("99.950 %") && registry.contains("50.4 % "))
        #expect(
            registry.contains(hour) && registry.trimmingCharacters(in: .whitespaces).hasSuffix("page"), "\(registry)")
        let search = lines.first { $0.hasPrefix("  search") } ?? ""
        #expect(
            search.trimmingCharacters(in: .whitespaces).hasSuffix("?"),
            "no figure yet is unknown, never fine: \(search)")
        #expect(lines.contains { $0.contains("Budget left") && $0.contains(left + " of 40.3 min") })
        #expect(
            lines.contains { $0.contains("Alert") && $0.contains("page: \(hour) over 1h and 1000× over 5m (≥ 14.4×)") })
        #expect(lines.contains { $0.contains("Budget by day") && $0.contains("████████") })
        if let mismatch = Snapshot.mismatch(frame, named: "objectives-120x30") {
            Issue.record(Comment(rawValue: mismatch))
        }
    }

    @Test func itFitsEightyColumnsAndMovesWithJK() {
        var model = objectivesModel(columns: 80, rows: 24)
        let frame = ConsoleView.render(model)
        #expect(!frame.text.contains("AVAILABILITY"), "availability gives way at 80 columns")
        #expect(frame.text.contains("BUDGET LEFT"))
        press([.character("j")], &model)
        #expect(model.objectiveSelection == 1)
        #expect(ConsoleView.render(model).text.contains("ci · 99.5 % over 28d, occurrences"))
        press([.character("j")], &model)
        #expect(ConsoleView.render(model).text.contains("No figures yet: this check's outcomes are not known"))
        if let mismatch = Snapshot.mismatch(frame, named: "objectives-80x24") {
            Issue.record(Comment(rawValue: mismatch))
        }
    }

    @Test func withoutObjectivesTheScreenSaysHowToSetOne() {
        var model = sampleModel(columns: 100, rows: 30)
        press([.character("8")], &model)
        #expect(ConsoleView.render(model).text.contains("No check has an objective. Give one an slo:"))
    }
}
