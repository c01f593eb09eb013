import ArgumentParser
import Foundation
import KlaxonCore
import KlaxonStore

/// `klaxon config …`
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Check the workspace's files.", subcommands: [Validate.self])

    /// Prints findings (or their JSON) and a count; exit status 1 when one is an error.
    static func report(_ findings: [ConfigFinding], json: Bool, context: CommandContext) throws {
        let errors = findings.filter { $0.level == .error }.count
        let warnings = findings.count - errors
        if json {
            context.print(
                json: JSONValue.array(
                    findings.map { f in
                        .object([
                            "level": .string(f.level.rawValue), "place": .string(f.place), "message": .string(f.message)
                        ])
                    }))
        } else {
            for f in findings { context.print(f.place.isEmpty ? "\(f.level.rawValue): \(f.message)" : f.description) }
            context.print(
                errors + warnings == 0
                    ? "ok: no problems found"
                    : "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")")
        }
        if errors > 0 { throw ExitCode(1) }
    }

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Check klaxon.yaml (with its checks), Escalation/ (people, schedules, overrides), Runbooks/ and Drills/: errors and warnings with file:line:column.",
            discussion: "Exit status 1 when there is an error; warnings alone exit 0.")
        @Option(help: "How many days ahead to look for gaps in coverage.") var days = 30
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            let context = global.context
            try InputLimits.checkDays(days, option: "--days")
            var findings: [ConfigFinding] = []
            var workspace: Workspace?
            do {
                workspace = try global.loadWorkspace()
            } catch {
                // klaxon.yaml itself is broken: report it, and still check Escalation/ beside it.
                findings.append(Self.finding(.error, error.message))
            }
            let root = workspace?.root ?? global.workspace ?? context.currentDirectory
            let files = EscalationFiles.load(workspaceRoot: root)
            let policies = files.policies.map(\.name)
            var secretUses = (workspace?.secretUses ?? []) + files.secretUses
            if let workspace {
                let runbooks = RunbookCommand.load(workspace)
                findings += RunbookCommand.findings(workspace, runbooks, now: context.now())
                if let routes = workspace.config.intake?.routes {
                    findings += IntakeRouteCheck.findings(
                        routes, place: workspace.configPath, policies: policies,
                        unreadPolicy: files.unreadPolicies.covers, runbooks: Set(runbooks.map(\.name)))
                }
                let checks = CheckFiles.load(
                    workspaceRoot: workspace.root, timeZone: workspace.displayTimeZone(environment: context.environment)
                )
                findings += checks.findings
                secretUses += checks.secretUses
                // Every check as far as it read: one with an error still names its policy.
                findings += CheckFiles.policyFindings(
                    checks.definitions, policies: policies, unread: files.unreadPolicies)
                findings += workspace.warnings.map { Self.finding(.warning, $0) }
                if let comms = workspace.commsError { findings.append(Self.finding(.error, comms)) }
                findings += DrillFiles.findings(
                    workspaceRoot: workspace.root, policies: policies, unreadPolicies: files.unreadPolicies)
                if !policies.isEmpty, workspace.config.intake?.publicURL == nil {
                    findings.append(
                        ConfigFinding(
                            .warning, workspace.configPath,
                            "pages carry no action links (acknowledge or escalate from the phone the page reaches): intake: public_url is not set; set it, with link_secret, to the https:// address phones reach klaxon watch's listener at (docs/action-links.md)"
                        ))
                }
            }
            findings += files.check(
                now: context.now(), days: days,
                timeZone: workspace?.displayTimeZone(environment: context.environment) ?? TimeZone(identifier: "UTC")!)
            if let workspace, let main = workspace.config.mainSchedule,
                !files.schedules.contains(where: { $0.name == main }),
                !files.unreadSchedules.covers(main)
            {
                findings.append(
                    ConfigFinding(
                        .error, workspace.mainSchedulePlace ?? workspace.configPath,
                        "escalation: main_schedule names \"\(main)\", which is not a schedule in Escalation/schedules/\(EscalationFiles.known(Set(files.schedules.map(\.name))))"
                    ))
            }
            findings += Self.secretFindings(secretUses, context: context)
            try ConfigCommand.report(findings, json: output.json, context: context)
        }

        /// Warnings: secrets the process that reads them (the one that sends pages, or the one that polls
        /// the checks) could not read if it ran with this command's environment and directory: an `env:`
        /// variable unset (or empty), a `file:` that is missing.
        static func secretFindings(_ uses: [SecretReference.Use], context: CommandContext) -> [ConfigFinding] {
            uses.compactMap { use in
                let (process, when, otherwise) =
                    switch use.reader {
                    case .pager: ("sends pages (the console or klaxon watch)", "when it pages", "these pages fail")
                    case .poller:
                        ("polls (the console, klaxon watch or klaxon status check)", "at each poll", "the check fails")
                    case .intake: ("listens for alerts (klaxon watch)", "when it starts", "it does not start")
                    case .comms:
                        (
                            "sends status updates (the console or klaxon watch)", "when it sends one",
                            "these updates are not sent"
                        )
                    }
                switch use.reference {
                case .environment(let name):
                    guard context.environment[name]?.isEmpty ?? true else { return nil }
                    return ConfigFinding(
                        .warning, use.place,
                        "\(use.reference) (\(use.purpose)) is not set in this environment: the process that "
                            + "\(process) needs \(name) set, or \(otherwise)")
                case .file(let path):
                    let absolute = path.hasPrefix("/") ? path : context.currentDirectory + "/" + path
                    guard !FileManager.default.fileExists(atPath: absolute) else { return nil }
                    return ConfigFinding(
                        .warning, use.place,
                        "\(use.reference) (\(use.purpose)) does not exist: the process that \(process) "
                            + "reads it \(when), or \(otherwise)")
                }
            }
        }

        /// `path.yaml:3:7: message` split into its place and message.
        static func finding(_ level: ConfigFinding.Level, _ text: String) -> ConfigFinding {
            guard let file = text.range(of: ".yaml"),
                let colon = text.range(of: ": ", range: file.upperBound..<text.endIndex)
            else {
                return ConfigFinding(level, "", text)
            }
            return ConfigFinding(level, String(text[..<colon.lowerBound]), String(text[colon.upperBound...]))
        }
    }
}
