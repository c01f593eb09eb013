import Foundation

/// Runs a program directly (`posix_spawn`, never a shell), with a clean signal mask, standard input
/// from /dev/null and its output captured; kills it when it runs past a time limit.
public enum ChildProcess {
    public struct Exit: Sendable {
        /// The exit status, or nil when it was killed (by the time limit or a signal).
        public var status: Int32?
        public var timedOut: Bool
        /// The last of what it wrote to stdout and stderr (at most 4 KiB).
        public var output: String
    }

    /// Runs `argv` (`argv[0]` is looked up on PATH when it has no slash) with exactly `environment`.
    public static func run(_ argv: [String], environment: [String: String], timeoutSeconds: Double) -> Result<
        Exit, KlaxonErrorText
    > {
        guard let program = argv.first, !program.isEmpty else {
            return .failure(KlaxonErrorText("the command is empty"))
        }
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else {
            return .failure(KlaxonErrorText("cannot create a pipe: \(String(cString: strerror(errno)))"))
        }
        let spawned = spawn(argv, environment: environment) { actions in
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 2)
            posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
        }
        close(pipeEnds[1])
        let pid: pid_t
        switch spawned {
        case .success(let started): pid = started
        case .failure(let error):
            close(pipeEnds[0])
            return .failure(KlaxonErrorText("cannot run \(program): \(String(cString: strerror(error.code)))"))
        }
        _ = fcntl(pipeEnds[0], F_SETFL, O_NONBLOCK)
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        var status: Int32 = 0
        var timedOut = false
        while true {
            let n = read(pipeEnds[0], &buffer, buffer.count)
            if n > 0 {
                output += buffer[..<n]
                if output.count > 4096 { output.removeFirst(output.count - 4096) }
            }
            let done = waitpid(pid, &status, WNOHANG)
            if done == pid { break }
            if Date() > deadline {
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                timedOut = true
                break
            }
            if n <= 0 { usleep(10_000) }
        }
        while case let n = read(pipeEnds[0], &buffer, buffer.count), n > 0 { output += buffer[..<n] }
        close(pipeEnds[0])
        let exited = (status & 0x7f) == 0
        return .success(
            Exit(
                status: exited && !timedOut ? (status >> 8) & 0xff : nil, timedOut: timedOut,
                output: String(decoding: output.suffix(4096), as: UTF8.self)))
    }
}

extension ChildProcess {
    /// An `errno` from `posix_spawn`.
    public struct SpawnError: Error { public var code: Int32 }

    /// Starts `argv` (looked up on PATH when `argv[0]` has no slash) with `environment` (nil: this
    /// process's) and a clean signal mask and dispositions: a child must not inherit the signals this
    /// process blocks (klaxon watch takes SIGTERM with sigwait; a Dispatch worker blocks most).
    /// `fileActions` sets up its standard streams.
    public static func spawn(
        _ argv: [String], environment: [String: String]?,
        fileActions: (inout posix_spawn_file_actions_t) -> Void
    ) -> Result<pid_t, SpawnError> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        fileActions(&actions)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        var allSignals = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let args = argv.map { strdup($0) } + [nil]
        let env = environment.map { $0.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer {
            for arg in args { free(arg) }
            for variable in env ?? [] { free(variable) }
        }
        var pid: pid_t = 0
        let code =
            env.map { env in spawn(&pid, argv[0], &actions, &attributes, args, env) }
            ?? spawn(&pid, argv[0], &actions, &attributes, args, environ)
        return code == 0 ? .success(pid) : .failure(SpawnError(code: code))
    }

    /// `posix_spawn` for a path, `posix_spawnp` (a PATH lookup) for a bare name.
    private static func spawn(
        _ pid: inout pid_t, _ program: String, _ actions: inout posix_spawn_file_actions_t,
        _ attributes: inout posix_spawnattr_t, _ args: [UnsafeMutablePointer<CChar>?],
        _ env: UnsafePointer<UnsafeMutablePointer<CChar>?>?
    ) -> Int32 {
        program.contains("/")
            ? posix_spawn(&pid, program, &actions, &attributes, args, env)
            : posix_spawnp(&pid, program, &actions, &attributes, args, env)
    }
}
