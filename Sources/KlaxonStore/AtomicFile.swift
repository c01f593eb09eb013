#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KlaxonCore

/// Whole-file replacement that readers never see half done and a crash never leaves half written:
/// a temporary file beside the target, written and fsynced, renamed over it, and the directory fsynced.
public enum AtomicFile {
    /// With `creatingDirectory`, a missing directory (and its parents) is made first.
    public static func write(_ text: String, to path: String, mode: mode_t = 0o644, creatingDirectory: Bool = false) throws(KlaxonError) {
        let directory = SystemCall.dirname(of: path)
        if creatingDirectory { try SystemCall.makeDirectory(directory) }
        let temporary = directory + "/." + SystemCall.basename(of: path) + ".tmp-\(getpid())"
        let fd = SystemCall.retrying { open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode) }
        guard fd >= 0 else { throw SystemCall.error("creating", temporary, errno) }
        var done = false
        defer {
            if !done { unlink(temporary) }
        }
        do {
            defer { close(fd) }
            try SystemCall.appendWhole(fd, Array(text.utf8), path: temporary, restoreLength: 0)
            guard fsync(fd) == 0 else { throw SystemCall.error("fsync of", temporary, errno) }
        }
        guard rename(temporary, path) == 0 else { throw SystemCall.error("renaming \(temporary) to", path, errno) }
        done = true
        try SystemCall.fsyncDirectory(directory)
    }

    /// Runs `body` holding an exclusive lock on `directory` (flock on the directory itself), so that
    /// read-modify-replace cycles of files in it do not interleave between processes.
    public static func withDirectoryLock<T>(_ directory: String, _ body: () throws(KlaxonError) -> T) throws(KlaxonError) -> T {
        let fd = SystemCall.retrying { open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard fd >= 0 else { throw SystemCall.error("opening directory", directory, errno) }
        defer { close(fd) }
        try SystemCall.lock(fd, LOCK_EX, path: directory)
        defer { SystemCall.unlock(fd) }
        return try body()
    }
}
