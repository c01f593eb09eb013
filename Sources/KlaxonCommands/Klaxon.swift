import ArgumentParser
import Foundation
import KlaxonCore
import KlaxonStore
import KlaxonTerminal

/// The `klaxon` command.
public struct Klaxon: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "klaxon",
        abstract: "Incident response for platform on-call: the console, incident timelines and their journals.",
        discussion: """
            Exit status: 0 ok, 1 the checked thing failed (or the operation did), 2 bad usage or input, 3 not known (status check: a check is unknown and none is down).
            TIME is one of: \(TimeExpression.forms).
            A window of times is --from TIME --to TIME in every command (--since and --until are accepted for them), each given once.
            """,
        subcommands: [
            Console.self, InitCommand.self, IncidentCommand.self, JournalCommand.self, OnCallCommand.self,
            RunbookCommand.self,
            StatusCommand.self, EscalationCommand.self, ReviewCommand.self, DrillCommand.self, WatchCommand.self,
            ConfigCommand.self, AlertCommand.self, StatusPageCommand.self, SLOCommand.self
        ],
        defaultSubcommand: Console.self)

    public init() {}

    /// `klaxon --workspace DIR oncall now` means `klaxon oncall now --workspace DIR`: the options every
    /// command takes may come before the subcommand (the argument parser would otherwise read them as
    /// the console's, the default subcommand, and refuse the rest).
    static func movingLeadingGlobalOptions(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if a == "--workspace" || a == "--as", i + 1 < arguments.count {
                leading += [a, arguments[i + 1]]
                i += 2
            } else if a.hasPrefix("--workspace=") || a.hasPrefix("--as=") {
                leading.append(a)
                i += 1
            } else {
                break
            }
        }
        let names = Set(configuration.subcommands.compactMap { $0.configuration.commandName })
        guard !leading.isEmpty, i < arguments.count, names.contains(arguments[i]) else { return arguments }
        var rest = Array(arguments[i...])
        rest.insert(contentsOf: leading, at: rest.firstIndex(of: "--") ?? rest.endIndex)
        return rest
    }

    /// `--days -5` would be read as `--days` without its value and an unknown option `-5` ("Missing
    /// value for '--days'"): a negative number right after a long option is passed on as its value
    /// (`--days=-5`), so that the command says what is wrong with it. Not after `--`.
    static func joiningNegativeNumbers(_ arguments: [String]) -> [String] {
        var out: [String] = []
        for argument in arguments {
            if !out.contains("--"), let option = out.last, option.count > 2, option.hasPrefix("--"),
                !option.contains("="),
                argument.count > 1, argument.hasPrefix("-"),
                argument.dropFirst().allSatisfy({ ("0"..."9").contains($0) || $0 == "." })
            {
                out[out.count - 1] = option + "=" + argument
            } else {
                out.append(argument)
            }
        }
        return out
    }
}

/// `klaxon` with no subcommand: the full-screen console on the workspace.
struct Console: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console", abstract: "Open the console (what `klaxon` does with no subcommand).",
        discussion: "Press ? in the console for every key. For scripts, use the incident commands with --json.")
    @Flag(name: .long, help: "Show incidents but offer no action that writes.") var readOnly = false
    @Flag(
        name: .long,
        help:
            "Leave the mouse to the terminal (its own text selection): no clicks, no wheel. So does KLAXON_NO_MOUSE=1."
    ) var noMouse = false
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let context = global.context
        let workspace = try global.loadWorkspace()
        let writer = try global.writer()
        let screen = try Self.terminalScreen(context, noMouse: noMouse)
        let runtime = try ConsoleRuntime(
            workspace: workspace, writer: writer, context: context, screen: screen, readOnly: readOnly)
        let status = try runtime.run()
        if status != 0 { throw ExitCode(status) }
    }
}

extension Console {
    /// The terminal the console draws on: refused clearly when there is none or `TERM` says nothing.
    static func terminalScreen(_ context: CommandContext, noMouse: Bool = false) throws -> TerminalScreen {
        guard isatty(0) == 1, isatty(1) == 1 else {
            throw KlaxonError.badInput(
                "the console needs a terminal; for scripts use klaxon incident list --json (klaxon --help lists every command)"
            )
        }
        guard let term = context.environment["TERM"], !term.isEmpty, term != "dumb" else {
            throw KlaxonError.badInput(
                "TERM is not set to a terminal type; set it (e.g. TERM=xterm-256color) to open the console")
        }
        let noColor = context.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        return try TerminalScreen(
            term: term, outputPath: "/dev/tty", inputPath: "/dev/tty", noColor: noColor,
            hyperlinks: TerminalScreen.hyperlinksWanted(environment: context.environment),
            mouse: TerminalScreen.mouseWanted(disabled: noMouse, environment: context.environment))
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
        let arguments = Klaxon.movingLeadingGlobalOptions(
            Klaxon.joiningNegativeNumbers(
                arguments.enumerated().map { index, argument in
                    index < literalFrom && TimeExpression.isNegativeRelative(argument)
                        ? String(argument.dropFirst()) + " ago" : argument
                }))
        // `klaxon help incidnet` would print the root's help, and exit 0.
        if let unknown = UsageMessage.unknownHelpTopic(arguments) {
            context.sayError(unknown)
            return 2
        }
        do {
            command = try Klaxon.parseAsRoot(arguments)
            if command is any WindowCommand, let repeated = WindowOption.repeatedEnd(in: arguments) {
                throw ValidationError(repeated)
            }
        } catch {
            let code = Klaxon.exitCode(for: error)
            if code == .success {
                context.print(Klaxon.fullMessage(for: error))
                return 0
            }
            context.sayError(UsageMessage.line(for: error, arguments: arguments))
            return 2
        }
        do {
            try command.run()
            return 0
        } catch let error as KlaxonError {
            context.sayError(error.message)
            return error.exitStatus
        } catch let exit as ExitCode {
            return exit.rawValue
        } catch {
            // `--help` parses to a help command whose run throws the help text as a clean exit.
            let code = Klaxon.exitCode(for: error)
            let message = Klaxon.fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { context.print(message) }
                return 0
            }
            if !message.isEmpty { context.sayError(UsageMessage.line(for: error, arguments: arguments)) }
            return code == .validationFailure ? 2 : code.rawValue
        }
    }
}
