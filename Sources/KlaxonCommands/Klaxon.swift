import ArgumentParser
import KlaxonCore
import KlaxonStore

/// The `klaxon` command.
public struct Klaxon: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "klaxon",
        abstract: "Incident response for platform on-call: timelines, journals, and (soon) the console.",
        discussion: """
        Exit status: 0 ok, 1 the checked thing failed (or the operation did), 2 bad usage or input.
        TIME is RFC 3339 (2026-11-22T16:46:04Z), HH:MM (today, local), YYYY-MM-DD HH:MM (local) or relative (-15m, -2h, -1d).
        """,
        subcommands: [Overview.self, IncidentCommand.self, JournalCommand.self],
        defaultSubcommand: Overview.self)

    public init() {}
}

/// What `klaxon` does with no subcommand until the console lands: the open incidents at a glance.
struct Overview: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "overview", abstract: "Show the open incidents of the workspace.")
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let context = global.context
        let workspace = try global.loadWorkspace()
        let listing = try IncidentListing.load(workspace: workspace, includeResolved: false, warn: context.warn)
        context.print("Klaxon · \(workspace.config.name) · \(workspace.root)")
        context.print()
        context.print(IncidentListing.table(listing, workspace: workspace, now: context.now(), showResolved: false))
        context.print()
        context.print("Declare: klaxon incident declare \"What is wrong\" --severity SEV2   ·   All commands: klaxon --help")
    }
}

/// Runs `klaxon` with `arguments` (without the program name) in `context`; returns the exit status.
/// The executable and the in-process tests both come through here.
public func runKlaxon(_ arguments: [String], context: CommandContext) -> Int32 {
    CommandContext.$current.withValue(context) {
        var command: ParsableCommand
        // `-15m` would be read as the flags -1, -5, -m: pass such times on as `15m ago` (not after `--`,
        // which is how a note says "-15m" literally).
        let literalFrom = arguments.firstIndex(of: "--") ?? arguments.endIndex
        let arguments = arguments.enumerated().map { index, argument in
            index < literalFrom && TimeExpression.isNegativeRelative(argument) ? String(argument.dropFirst()) + " ago" : argument
        }
        do {
            command = try Klaxon.parseAsRoot(arguments)
        } catch {
            let code = Klaxon.exitCode(for: error)
            if code == .success {
                context.standardOutput(Klaxon.fullMessage(for: error) + "\n")
                return 0
            }
            context.standardError("klaxon: " + Klaxon.fullMessage(for: error) + "\n")
            return 2
        }
        do {
            try command.run()
            return 0
        } catch let error as KlaxonError {
            context.standardError("klaxon: error: \(error.message)\n")
            return error.exitStatus
        } catch let exit as ExitCode {
            return exit.rawValue
        } catch {
            // `--help` parses to a help command whose run throws the help text as a clean exit.
            let code = Klaxon.exitCode(for: error)
            let message = Klaxon.fullMessage(for: error)
            if code == .success {
                context.standardOutput(message.isEmpty ? "" : message + "\n")
                return 0
            }
            if !message.isEmpty { context.standardError("klaxon: " + message + "\n") }
            return code == .validationFailure ? 2 : code.rawValue
        }
    }
}
