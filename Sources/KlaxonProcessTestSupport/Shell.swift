import Foundation

/// Runs `command` with /bin/sh and returns what it printed.
public func shell(_ command: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    return try runCapturingOutput(process)
}

/// Starts `process` with its standard output piped, and returns that output once it has exited.
public func runCapturingOutput(_ process: Process) throws -> String {
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return output
}
