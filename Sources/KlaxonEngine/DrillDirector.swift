import KlaxonCore

/// The simulated platform a drill plays (`klaxon drill` serves it over HTTP on 127.0.0.1).
public protocol DrillPlatform: AnyObject, Sendable {
    /// Replaces what every path answers.
    func serve(_ responses: [String: DrillResponse])
    /// Every page the drill's sink received so far.
    var pages: [DrillStatus.SinkPage] { get }
}

/// Plays a scenario, driven by the responder's pass each second: what the platform answers by now,
/// whether it has recovered (at the scripted time or after the responder's named action on the
/// incidents the responder follows), and the sink's pages.
public final class DrillDirector {
    let scenario: DrillScenario
    let platform: [String: DrillResponse]
    let server: any DrillPlatform
    let speed: Double
    let start: Timestamp
    private(set) var recovered = false

    /// `platform` is what each path answers before the scenario breaks it; `speed` plays the script
    /// that many times faster; `start` is when the drill began.
    public init(
        scenario: DrillScenario, platform: [String: DrillResponse], server: any DrillPlatform, speed: Double,
        start: Timestamp
    ) {
        self.scenario = scenario
        self.platform = platform
        self.server = server
        self.speed = speed
        self.start = start
    }

    /// Serves what the platform answers at `now`; returns the drill's status.
    func tick(now: Timestamp, incidents: [Incident]) -> DrillStatus {
        let elapsed = Double(now.milliseconds - start.milliseconds) / 1000 * speed
        if !recovered { recovered = scenario.isRecovered(elapsed: elapsed, incidents: incidents) }
        server.serve(scenario.responses(platform: platform, elapsed: elapsed, recovered: recovered))
        return DrillStatus(
            scenario: scenario.name, title: scenario.title, elapsedSeconds: elapsed, speed: speed,
            recovered: recovered, pages: server.pages)
    }
}
