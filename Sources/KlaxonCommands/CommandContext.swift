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
    /// Standard input, at most `maximumBytes` of it (what is past that is left unread).
    public var readStandardInput: @Sendable (_ maximumBytes: Int) -> String
    public var now: @Sendable () -> Timestamp
    public var processID: Int
    /// Whether standard output is a terminal (styled output), and its width in columns.
    public var outputTerminalColumns: Int?

    public init(
        environment: [String: String], currentDirectory: String,
        standardOutput: @escaping @Sendable (String) -> Void, standardError: @escaping @Sendable (String) -> Void,
        readStandardInput: @escaping @Sendable (_ maximumBytes: Int) -> String,
        now: @escaping @Sendable () -> Timestamp,
        processID: Int, outputTerminalColumns: Int? = nil
    ) {
        self.environment = environment
        self.currentDirectory = currentDirectory
        self.standardOutput = standardOutput
        self.standardError = standardError
        self.readStandardInput = readStandardInput
        self.now = now
        self.processID = processID
        self.outputTerminalColumns = outputTerminalColumns
    }

    /// The running process's environment, directory, standard streams and clock.
    public static var process: CommandContext {
        CommandContext(
            environment: ProcessInfo.processInfo.environment,
            currentDirectory: FileManager.default.currentDirectoryPath,
            standardOutput: { text in FileHandle.standardOutput.write(Data(text.utf8)) },
            standardError: { text in FileHandle.standardError.write(Data(text.utf8)) },
            readStandardInput: { limit in
                String(decoding: (try? FileHandle.standardInput.read(upToCount: limit)) ?? Data(), as: UTF8.self)
            },
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

    // What commands print goes through one of these, so that no text from a journal, a config file,
    // a runbook or the network reaches a terminal as control sequences (TerminalText; docs/security.md).

    /// Prints human text: control characters shown as `�`, line breaks and tabs kept.
    func print(_ line: String = "") { standardOutput(TerminalText.printable(line, keepingLineBreaks: true) + "\n") }

    /// Prints JSON: exact (C1 characters escaped too, which leaves the value unchanged).
    func print(json value: JSONValue) { standardOutput(TerminalText.json(value.canonicalJSON) + "\n") }

    /// Writes a document (an export, a calendar, a report): exact into a file or a pipe, which is its
    /// data; on a terminal with control characters shown as `�` (JSON escaped instead).
    func write(document text: String, json: Bool = false) {
        if json { return standardOutput(TerminalText.json(text)) }
        standardOutput(outputTerminalColumns == nil ? text : TerminalText.printable(text, keepingLineBreaks: true))
    }

    /// Says something on standard error (a message, a warning, an error), its control characters shown as `�`.
    func say(_ line: String) { standardError(TerminalText.printable(line, keepingLineBreaks: true) + "\n") }

    func warn(_ line: String) { say("klaxon: warning: " + line) }

    /// The one line of an error: `klaxon: error: ` and `message`, whatever it quotes kept on that line.
    func sayError(_ message: String) { standardError("klaxon: error: " + TerminalText.oneLine(message) + "\n") }
}
