import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Processes the test support starts without Foundation's `Process`, which needs a thread of the
/// cooperative pool to see a child end (tests waiting for a shared server may hold the whole pool).
enum ChildProcess {
    /// Starts `argv` with `posix_spawn`, its standard output and error into files, with a clean signal
    /// mask and none of this process's other descriptors (a bash closes them before it runs `argv`: a
    /// server holding another test's pipe would keep that test waiting for its end). With
    /// `ownProcessGroup` it leads a process group of its own (numbered by its pid), so that everything
    /// it starts can be killed at once. Waiting is the caller's, with `waitpid` in its own thread.
    static func spawn(_ argv: [String], output: String, errors: String, ownProcessGroup: Bool = false) throws
        -> pid_t
    {
        let closer =
            "for fd in /proc/$$/fd/*; do n=${fd##*/}; [ \"$n\" -gt 2 ] && eval \"exec $n>&-\"; done; exec \"$@\""
        let arguments = ["/bin/bash", "-c", closer, "bash"] + argv
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errors, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var flags = POSIX_SPAWN_SETSIGMASK
        if ownProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        let cArguments = arguments.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &actions, &attributes, cArguments, environ)
        guard result == 0 else {
            throw RealServerError("cannot start \(argv[0]): \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// Waits for `pid` to end and returns its wait status.
    @discardableResult
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return status
    }
}
