import KlaxonCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whole-file replacement that readers never see half done and a crash never leaves half written:
/// a temporary file beside the target, written and fsynced, renamed over it, and the directory fsynced.
/// Only a regular file is ever replaced: a symbolic link, a FIFO, a device or a directory at the
/// path is refused (OutputFile writes into a FIFO or a device where a person asks for that).
public enum AtomicFile {
    /// With `creatingDirectory`, a missing directory (and its parents) is made first.
    public static func write(_ text: String, to path: String, mode: mode_t = 0o644, creatingDirectory: Bool = false)
        throws(KlaxonError)
    {
        try write(Array(text.utf8), to: path, mode: mode, creatingDirectory: creatingDirectory)
    }

    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644, creatingDirectory: Bool = false)
        throws(KlaxonError)
    {
        let directory = SystemCall.dirname(of: path)
        if creatingDirectory { try SystemCall.makeDirectory(directory) }
        try requireRegularOrMissing(path)
        let temporary = directory + "/." + SystemCall.basename(of: path) + ".tmp-\(getpid())"
        // Created afresh, never through a link someone left under that name.
        unlink(temporary)
        let fd = SystemCall.retrying { open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode) }
        guard fd >= 0 else { throw SystemCall.error("creating", temporary, errno) }
        var done = false
        defer {
            if !done { unlink(temporary) }
        }
        do {
            defer { close(fd) }
            try SystemCall.appendWhole(fd, bytes, path: temporary, restoreLength: 0)
            guard fsync(fd) == 0 else { throw SystemCall.error("fsync of", temporary, errno) }
        }
        try requireRegularOrMissing(path)
        guard rename(temporary, path) == 0 else { throw SystemCall.error("renaming \(temporary) to", path, errno) }
        done = true
        try SystemCall.fsyncDirectory(directory)
    }

    /// Refuses a `path` that exists and is not a regular file (a symbolic link is not followed).
    static func requireRegularOrMissing(_ path: String) throws(KlaxonError) {
        var info = stat()
        if lstat(path, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG {
            throw OutputFile.refusal(path, mode: info.st_mode)
        }
    }

    /// Runs `body` holding an exclusive lock on `directory` (flock on the directory itself), so that
    /// read-modify-replace cycles of files in it do not interleave between processes.
    public static func withDirectoryLock<T>(_ directory: String, _ body: () throws(KlaxonError) -> T)
        throws(KlaxonError) -> T
    {
        let fd = SystemCall.retrying { open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard fd >= 0 else { throw SystemCall.error("opening directory", directory, errno) }
        defer { close(fd) }
        try SystemCall.lock(fd, LOCK_EX, path: directory)
        defer { SystemCall.unlock(fd) }
        return try body()
    }
}
