import KlaxonCore
import KlaxonTestSupport
import Testing

struct DrillScenarioTests {
    let platform = ["/healthz": DrillResponse(body: "ok"), "/alerts": DrillResponse(body: "[]")]
    let scenario = DrillScenario(
        name: "s", title: "t",
        events: [
            .init(atSeconds: 30, path: "/healthz", status: 503),
            .init(atSeconds: 20, path: "/healthz", latencyMilliseconds: 1200),
            .init(atSeconds: 40, path: "/alerts", body: "[{}]")
        ], recovery: .init(atSeconds: 600, afterRecord: .mitigated))

    @Test func eventsApplyInTimeOrderAndKeepWhatTheyDoNotChange() {
        #expect(scenario.responses(platform: platform, elapsed: 19.9, recovered: false) == platform)
        let at25 = scenario.responses(platform: platform, elapsed: 25, recovered: false)
        #expect(at25["/healthz"] == DrillResponse(body: "ok", latencyMilliseconds: 1200))
        let at45 = scenario.responses(platform: platform, elapsed: 45, recovered: false)
        #expect(at45["/healthz"] == DrillResponse(status: 503, body: "ok", latencyMilliseconds: 1200))
        #expect(at45["/alerts"]?.body == "[{}]")
        #expect(scenario.responses(platform: platform, elapsed: 45, recovered: true) == platform)
    }

    @Test func itRecoversAtItsTimeOrAfterTheNamedAction() {
        var incident = IncidentFixture(title: "registry down", at: "2026-11-22T10:00:00Z")
        incident.perform(.acknowledge)
        #expect(!scenario.isRecovered(elapsed: 599, incidents: [incident.incident]))
        #expect(scenario.isRecovered(elapsed: 600, incidents: []))
        incident.perform(.mitigate)
        #expect(scenario.isRecovered(elapsed: 10, incidents: [incident.incident]))
        let onTick = DrillScenario(
            name: "s", title: "t", events: scenario.events, recovery: .init(afterRecord: .runbookStep))
        var ticked = IncidentFixture(title: "ci slow", at: "2026-11-22T10:00:00Z")
        ticked.perform(.runbookStep(runbook: "r", step: 1, text: "Scale the fleet", done: false))
        #expect(!onTick.isRecovered(elapsed: 10_000, incidents: [ticked.incident]))
        ticked.perform(.runbookStep(runbook: "r", step: 1, text: "Scale the fleet", done: true))
        #expect(onTick.isRecovered(elapsed: 1, incidents: [ticked.incident]))
    }
}
