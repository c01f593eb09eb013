import KlaxonCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

enum FileLock {
    /// Takes the exclusive `flock` on `fd` within `wait.limit`, or throws an error naming the holder.
    static func exclusive(_ fd: Int32, path: String, wait: LockWait) throws(KlaxonError) {
        if SystemCall.retrying({ flock(fd, LOCK_EX | LOCK_NB) }) == 0 { return }
        guard errno == EWOULDBLOCK else { throw SystemCall.error("locking", path, errno) }
        let start = monotonicSeconds()
        var noticed = false
        while true {
            let waited = monotonicSeconds() - start
            if waited >= wait.limit {
                throw .failed(
                    "\(path) is locked by \(holder(of: fd)) and stayed locked for \(formatSeconds(wait.limit)); nothing was written. If that process is stuck, stop it (or wait for it) and try again"
                )
            }
            if !noticed, waited >= wait.noticeAfter, let notice = wait.notice {
                noticed = true
                notice("\(path) is locked by \(holder(of: fd)); waiting up to \(formatSeconds(wait.limit)) for it")
            }
            usleep(20_000)
            if SystemCall.retrying({ flock(fd, LOCK_EX | LOCK_NB) }) == 0 { return }
            guard errno == EWOULDBLOCK else { throw SystemCall.error("locking", path, errno) }
        }
    }

    /// Takes a shared lock if it can be had at once (no writer is in the middle of an append); the
    /// caller unlocks.
    static func trySharedLock(_ fd: Int32) -> Bool {
        SystemCall.retrying({ flock(fd, LOCK_SH | LOCK_NB) }) == 0
    }

    /// "process 4242 (flock) on this host", from `/proc/locks`; a holder on another host (a shared file
    /// system) is not listed there.
    static func holder(of fd: Int32) -> String {
        var info = stat()
        guard fstat(fd, &info) == 0, let table = readSmallFile("/proc/locks") else { return "another process" }
        let major = (UInt64(info.st_dev) >> 8) & 0xfff
        let minor = (UInt64(info.st_dev) & 0xff) | ((UInt64(info.st_dev) >> 12) & 0xfff00)
        let node =
            String(major, radix: 16, uppercase: false).leftPadded(2) + ":" + String(minor, radix: 16).leftPadded(2)
            + ":" + String(info.st_ino)
        let me = Int(getpid())
        for line in table.split(separator: "\n") {
            // "1: FLOCK  ADVISORY  WRITE 4242 08:01:1234 0 EOF"; waiting requests carry "->" and are skipped.
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[1] == "FLOCK", !fields.contains("->"), fields[5] == node,
                let pid = Int(fields[4]), pid != me
            else { continue }
            if let name = commandName(of: pid) { return "process \(pid) (\(name)) on this host" }
            // The process that took the lock has exited and left it to one it passed the descriptor to
            // (`flock FILE` in a shell that then ran another program): name who has the file open.
            let holders = processes(holdingOpen: info, except: me)
            guard !holders.isEmpty else {
                return "process \(pid), which has exited (a process it handed the file to holds the lock)"
            }
            return holders.prefix(3).map { "process \($0) (\(commandName(of: $0) ?? "?"))" }.joined(separator: " or ")
                + " on this host"
        }
        return
            "another process (none on this host holds it: one on another host sharing the directory, or one that has just finished)"
    }

    private static func commandName(of pid: Int) -> String? {
        guard let name = readSmallFile("/proc/\(pid)/comm") else { return nil }
        return name.hasSuffix("\n") ? String(name.dropLast()) : name
    }

    /// The processes of this host with a descriptor open on the file `info` describes.
    private static func processes(holdingOpen info: stat, except me: Int) -> [Int] {
        guard let pids = try? SystemCall.listDirectory("/proc") else { return [] }
        var found: [Int] = []
        for name in pids {
            guard let pid = Int(name), pid != me, let fds = try? SystemCall.listDirectory("/proc/\(pid)/fd") else {
                continue
            }
            for fd in fds {
                var target = stat()
                if stat("/proc/\(pid)/fd/\(fd)", &target) == 0, target.st_dev == info.st_dev,
                    target.st_ino == info.st_ino
                {
                    found.append(pid)
                    break
                }
            }
        }
        return found.sorted()
    }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    static func formatSeconds(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
    }

    private static func readSmallFile(_ path: String) -> String? {
        let fd = SystemCall.retrying { open(path, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while bytes.count < 4 << 20 {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            bytes += buffer[..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
