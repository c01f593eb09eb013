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

    public init(environment: [String: String], currentDirectory: String,
                standardOutput: @escaping @Sendable (String) -> Void, standardError: @escaping @Sendable (String) -> Void,
                readStandardInput: @escaping @Sendable () -> String, now: @escaping @Sendable () -> Timestamp,
                processID: Int) {
        self.environment = environment; self.currentDirectory = currentDirectory
        self.standardOutput = standardOutput; self.standardError = standardError
        self.readStandardInput = readStandardInput; self.now = now; self.processID = processID
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
            processID: Int(ProcessInfo.processInfo.processIdentifier))
    }

    @TaskLocal public static var current = CommandContext.process

    func print(_ line: String = "") { standardOutput(line + "\n") }
    func warn(_ line: String) { standardError("klaxon: warning: " + line + "\n") }
}
