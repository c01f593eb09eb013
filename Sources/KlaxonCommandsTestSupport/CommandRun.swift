import Foundation
import KlaxonCommands
import KlaxonCore
import KlaxonTestSupport
import Synchronization

/// The outcome of running `klaxon` in-process.
public struct CommandRun: Sendable {
    public var status: Int32
    public var output: String
    public var errors: String

    /// The output parsed as JSON.
    public var json: JSONValue? { try? JSONParser.parse(output) }
}

/// Runs `klaxon` commands in-process against one workspace, as one person, on a fixed clock.
public struct Klaxon: Sendable {
    public var workspace: String
    public var user: String
    public var clock: FixedClock
    public var environment: [String: String]
    /// Columns of the terminal standard output is, or nil for a pipe (the default).
    public var terminalColumns: Int?

    public init(
        workspace: String, user: String = "alice", clock: FixedClock = FixedClock("2026-11-20T09:00:00Z"),
        environment: [String: String] = ["TZ": "UTC"]
    ) {
        self.workspace = workspace
        self.user = user
        self.clock = clock
        self.environment = environment
    }

    /// Runs `klaxon ARGUMENTS…` with standard input `input`.
    @discardableResult
    public func run(_ arguments: String..., input: String = "") -> CommandRun { run(arguments, input: input) }

    public func run(_ arguments: [String], input: String = "") -> CommandRun {
        let out = Buffer()
        let err = Buffer()
        var env = environment
        env["KLAXON_WORKSPACE"] = workspace
        env["KLAXON_USER"] = user
        let clock = self.clock
        let context = CommandContext(
            environment: env, currentDirectory: "/", standardOutput: out.append,
            standardError: err.append,
            readStandardInput: { limit in String(decoding: input.utf8.prefix(limit), as: UTF8.self) },
            now: { clock.now },
            processID: 4242, outputTerminalColumns: terminalColumns)
        let status = runKlaxon(arguments, context: context)
        return CommandRun(status: status, output: out.text, errors: err.text)
    }

    private final class Buffer: Sendable {
        private let storage = Mutex("")
        func append(_ s: String) { storage.withLock { $0 += s } }
        var text: String { storage.withLock { $0 } }
    }
}
