import Foundation
import KlaxonCore
import KlaxonTestSupport
import Testing

@testable import KlaxonStore

/// Issue 24: a drill rehearses the update cadence (its reminders reach the drill's sink, as its pages
/// do) and sends no status update anywhere: the drill's workspace names no comms destinations.
struct DrillCommsTests {
    @Test func aDrillKeepsTheCadenceAndHasNoDestinations() throws {
        let ws = makeWorkspace(
            """
            name: t
            channels: {email: {server: "smtp://127.0.0.1:1", from: klaxon@example.com}}
            comms:
              cadence: {SEV1: 30m, SEV2: 1h}
              destinations:
                eng-all: {email: [eng-all@example.com]}
              routes:
                - {to: [eng-all]}
            """)
        let root = try DrillFiles.prepare(
            workspace: try Workspace.load(directory: ws.path),
            scenario: DrillScenario(name: "outage", title: "Outage", events: [], recovery: .init()),
            platform: DrillFiles.Platform(endpoints: [:], checks: .sequence([])), address: "http://127.0.0.1:1",
            at: Timestamp(milliseconds: 0))
        let drill = try Workspace.load(directory: root)
        #expect(drill.config.drill == "outage")
        #expect(drill.config.comms.cadence == [.sev1: 1800, .sev2: 3600])
        #expect(drill.config.comms.destinations.isEmpty && drill.config.comms.routes.isEmpty)
    }
}
