import Foundation
import KlaxonCommands
import KlaxonEngine
import KlaxonProcessTestSupport
import KlaxonTestSupport

/// A real terminal for end-to-end tests: a tmux session on a private server, running one command.
public final class TmuxSession: Sendable {
    /// The server's socket, in a directory of its own that goes with the session: tmux leaves its socket
    /// behind when its server is killed, and `-L` would leave one per session in /tmp/tmux-UID.
    public let socket: String
    public let name = "klaxon"
    let socketDirectory = TemporaryDirectory("klaxon-tmux")

    /// Starts `command` (run by /bin/sh) in a `columns`×`rows` terminal with UTF-8 and `environment`.
    public init(_ command: String, columns: Int = 100, rows: Int = 30, environment: [String: String] = [:]) throws {
        socket = socketDirectory.path + "/socket"
        var env = ["LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"]
        env.merge(environment) { _, new in new }
        let exports = env.sorted { $0.key < $1.key }.map { "\($0.key)=\(TmuxSession.quote($0.value))" }.joined(
            separator: " ")
        try tmux(
            capturing: false,
            [
                "-u", "-f", "/dev/null", "new-session", "-d", "-s", name, "-x", "\(columns)", "-y", "\(rows)",
                "env \(exports) /bin/sh -c \(TmuxSession.quote(command)); sleep 120"
            ])
    }

    deinit { _ = try? tmux(capturing: false, ["kill-server"]) }

    /// `text` as one word for /bin/sh: single-quoted, its own single quotes escaped.
    public static func quote(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// Runs a tmux command. Only commands that print may capture: a server started by
    /// `new-session` inherits the client's descriptors and would hold a pipe open for ever.
    @discardableResult
    func tmux(capturing: Bool = true, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["tmux", "-S", socket] + arguments
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        guard capturing else {
            TmuxSession.spawnAndWait(["tmux", "-S", socket] + arguments)
            return ""
        }
        return try runCapturingOutput(process)
    }

    /// Runs a program with /dev/null for its standard streams and waits for it with `waitpid`.
    /// (Foundation's Process waits through a descriptor that a daemon it starts inherits and keeps.)
    static func spawnAndWait(_ arguments: [String]) {
        // The calling thread (a Dispatch worker) blocks most signals, and a child inherits that mask:
        // a tmux server started so never sees SIGCHLD and cannot finish kill-server. ChildProcess starts it clean.
        let spawned = ChildProcess.spawn(["/usr/bin/env"] + arguments, environment: nil) { actions in
            for fd: Int32 in [0, 1, 2] {
                posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
            }
        }
        guard case .success(let pid) = spawned else { return }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    }

    /// Presses keys by tmux's names: "Enter", "Escape", "Tab", "C-s", "q".
    public func press(_ keys: String...) { _ = try? tmux(capturing: false, ["send-keys", "-t", name] + keys) }

    /// Types `text` literally.
    public func type(_ text: String) { _ = try? tmux(capturing: false, ["send-keys", "-t", name, "-l", text]) }

    /// Sends raw bytes, given in hexadecimal ("ff", "c3"), as if the terminal had read them: input
    /// that no key produces.
    public func sendBytes(_ hex: [String]) { _ = try? tmux(capturing: false, ["send-keys", "-t", name, "-H"] + hex) }

    /// Pastes `text` as a terminal does: all of it at once, line breaks as Enter. `bracketed` marks it
    /// as a paste (ESC[200~ … ESC[201~) when the program asked for bracketed paste, as terminals do.
    public func paste(_ text: String, through file: String, bracketed: Bool = false) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        _ = try? tmux(capturing: false, ["load-buffer", file])
        _ = try? tmux(capturing: false, ["paste-buffer", "-t", name] + (bracketed ? ["-p"] : []))
    }

    /// Appends everything the program writes to the terminal, escape sequences and all, to `path`
    /// (what tmux reads from the pane, before it interprets it).
    public func recordOutput(to path: String) {
        _ = try? tmux(capturing: false, ["pipe-pane", "-O", "-t", name, "cat >> " + TmuxSession.quote(path)])
    }

    /// The screen as text.
    public func screen() -> String { (try? tmux(["capture-pane", "-p", "-t", name])) ?? "" }

    public func resize(columns: Int, rows: Int) {
        _ = try? tmux(capturing: false, ["resize-window", "-t", name, "-x", "\(columns)", "-y", "\(rows)"])
    }

    /// What tmux says of the pane for `format` (e.g. `#{mouse_sgr_flag}`, 1 while the program in it
    /// has asked for SGR mouse reports), trimmed.
    public func paneFormat(_ format: String) -> String {
        ((try? tmux(["display-message", "-p", "-t", name, format])) ?? "").trimmingCharacters(
            in: .whitespacesAndNewlines)
    }

    /// Sends what a terminal in SGR mouse mode sends for button code `code` (0 the left button, 64
    /// and 65 the wheel) at the 0-based `row` and `column`: pressed, and for a button also released.
    public func sendMouse(_ code: Int, row: Int, column: Int) {
        func hex(_ text: String) -> [String] { text.utf8.map { String(format: "%02x", $0) } }
        var bytes = hex("\u{1B}[<\(code);\(column + 1);\(row + 1)M")
        if code < 64 { bytes += hex("\u{1B}[<\(code);\(column + 1);\(row + 1)m") }
        sendBytes(bytes)
    }

    /// The process id of the shell running the command.
    public var shellPID: Int32 {
        Int32(
            ((try? tmux(["display-message", "-p", "-t", name, "#{pane_pid}"])) ?? "").trimmingCharacters(
                in: .whitespacesAndNewlines)) ?? 0
    }

    /// Waits until the screen satisfies `condition`; returns the seconds it took, or nil on timeout.
    @discardableResult
    public func wait(timeout: Double = 10, _ condition: (String) -> Bool) -> Double? {
        let start = Date()
        while Date().timeIntervalSince(start) < timeout {
            if condition(screen()) { return Date().timeIntervalSince(start) }
            usleep(25_000)
        }
        return nil
    }

    /// Waits until the screen contains `text`.
    @discardableResult
    public func wait(for text: String, timeout: Double = 10) -> Double? { wait(timeout: timeout) { $0.contains(text) } }

    /// `wait(for:timeout:)` for async tests: it sleeps between looks instead of blocking a thread of the
    /// two-thread cooperative pool, where it would starve the loopback servers of tests running beside.
    @discardableResult
    public func until(_ text: String, timeout: Double = 10) async -> Double? {
        await until(timeout: timeout) { $0.contains(text) }
    }

    /// `wait(timeout:_:)` for async tests (see `until(_:timeout:)`).
    @discardableResult
    public func until(timeout: Double = 10, _ condition: (String) -> Bool) async -> Double? {
        let start = Date()
        while Date().timeIntervalSince(start) < timeout {
            if condition(screen()) { return Date().timeIntervalSince(start) }
            try? await Task.sleep(for: .milliseconds(25))
        }
        return nil
    }

    /// Whether tmux can run here.
    public static let available: Bool = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["tmux", "-V"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()
}

/// The process whose whole command line is `commandLine` (as `pgrep -f '^…$'` finds it), if one runs.
public func processID(commandLine: String) throws -> Int32? {
    try shell("pgrep -f " + TmuxSession.quote("^" + commandLine + "$")).split(separator: "\n").compactMap { Int32($0) }
        .first
}
