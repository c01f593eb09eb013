import Foundation
import KlaxonCore
import KlaxonStore

/// Everything a command takes from its surroundings. The executable passes the process's own; tests
/// pass their own, so every command runs in-process with its output captured.
public struct CommandContext: Sendable {
    public var environment: [String: String]
    public var currentDirectory: String
    public var standardOutput: @Sendable (String) -> Void
    public var standardError: @Sendable (String) -> Void
    public var readStandardInput: @Sendable () -> String
    public var now: @Sendable () -> Timestamp
    public var processID: Int
    /// Whether standard output is a terminal (styled output), and its width in columns.
    public var outputTerminalColumns: Int?

    public init(environment: [String: String], currentDirectory: String,
                standardOutput: @escaping @Sendable (String) -> Void, standardError: @escaping @Sendable (String) -> Void,
                readStandardInput: @escaping @Sendable () -> String, now: @escaping @Sendable () -> Timestamp,
                processID: Int, outputTerminalColumns: Int? = nil) {
        self.environment = environment; self.currentDirectory = currentDirectory
        self.standardOutput = standardOutput; self.standardError = standardError
        self.readStandardInput = readStandardInput; self.now = now; self.processID = processID
        self.outputTerminalColumns = outputTerminalColumns
    }

    /// The running process's environment, directory, standard streams and clock.
    public static var process: CommandContext {
        CommandContext(
            environment: ProcessInfo.processInfo.environment,
            currentDirectory: FileManager.default.currentDirectoryPath,
            standardOutput: { text in FileHandle.standardOutput.write(Data(text.utf8)) },
            standardError: { text in FileHandle.standardError.write(Data(text.utf8)) },
            readStandardInput: { String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) },
            now: { Timestamp(Date()) },
            processID: Int(ProcessInfo.processInfo.processIdentifier),
            outputTerminalColumns: terminalColumns())
    }

    @TaskLocal public static var current = CommandContext.process

    /// The width of the terminal on standard output, or nil when it is not a terminal.
    static func terminalColumns() -> Int? {
        guard isatty(1) == 1 else { return nil }
        var size = winsize()
        guard ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    func print(_ line: String = "") { standardOutput(line + "\n") }
    func warn(_ line: String) { standardError("klaxon: warning: " + line + "\n") }
}
