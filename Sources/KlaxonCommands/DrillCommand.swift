import ArgumentParser
import Foundation
import KlaxonCore
import KlaxonEngine
import KlaxonStore

/// `klaxon drill`: the console on a live outage of a simulated platform.
struct DrillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "Rehearse an outage: the console on a simulated platform that breaks as a scenario says.",
        discussion: """
            Starts an HTTP server on 127.0.0.1 that plays the platform of Drills/platform.yaml, makes a drill \
            workspace in drill-runs/ (its own journals; every person's only contact is the drill's sink, so no page \
            reaches anyone) and opens the console on it. The checks go red through the real poller, the \
            incident is declared with its policy, pages arrive in the sink; acknowledge, follow the runbook, \
            resolve, and export the review (e). Scenarios are the other files of Drills/ (--list shows them).
            """)
    @Argument(help: "The scenario (default: the first of Drills/).") var scenario: String?
    @Option(name: .long, help: "Play the scenario's script this many times faster (1 to 100).") var speed: Double = 1
    @Flag(name: .long, help: "List the scenarios and stop.") var list = false
    @Flag(
        name: .long,
        help:
            "Ring the bell and raise desktop notifications as the console does (klaxon.yaml's notify:); off in drills by default."
    )
    var notify = false
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let context = global.context
        let workspace = try global.loadWorkspace()
        let names = DrillFiles.scenarioNames(workspaceRoot: workspace.root)
        if list {
            let rows = names.map { name in
                [
                    name,
                    (try? DrillFiles.loadScenario(workspaceRoot: workspace.root, name: name).title)
                        ?? "(cannot be read: klaxon drill \(name) says why)"
                ]
            }
            if !rows.isEmpty { context.print(TextTable.render(rows)) }
            return
        }
        guard (1...100).contains(speed) else {
            throw KlaxonError.badInput("--speed is \(speed); give a number from 1 to 100")
        }
        guard let name = scenario ?? names.first else {
            throw KlaxonError.badInput(
                "\(DrillFiles.directory(workspaceRoot: workspace.root)) has no scenarios; see docs/drills.md")
        }
        let platform = try DrillFiles.loadPlatform(workspaceRoot: workspace.root)
        let scenario = try DrillFiles.loadScenario(
            workspaceRoot: workspace.root, name: name, endpoints: Set(platform.endpoints.keys))
        let writer = try global.writer()
        let screen = try Console.terminalScreen(context)
        let server = try DrillPlatformServer(responses: platform.endpoints)
        defer { server.stop() }
        let root = try DrillFiles.prepare(
            workspace: workspace, scenario: scenario, platform: platform, address: server.address, at: context.now())
        let drillWorkspace = try Workspace.load(directory: root)
        let director = DrillDirector(
            scenario: scenario, platform: platform.endpoints, server: server, speed: speed, start: context.now())
        let runtime = try ConsoleRuntime(
            workspace: drillWorkspace, writer: writer, context: context, screen: screen, readOnly: false,
            drill: director, notifyInDrill: notify)
        let status = try runtime.run()
        context.say("klaxon: the drill's journals and exported reviews are in \(root)")
        if status != 0 { throw ExitCode(status) }
    }
}
