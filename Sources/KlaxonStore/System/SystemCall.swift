import KlaxonCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Thin wrappers over the POSIX calls the store makes, turning errno into errors that say what to do.
enum SystemCall {
    /// The name and meaning of an errno, e.g. `ENOSPC: No space left on device`.
    static func describe(_ code: Int32) -> String {
        let names: [Int32: String] = [
            ENOSPC: "ENOSPC", EACCES: "EACCES", EPERM: "EPERM", EROFS: "EROFS",
            ENOENT: "ENOENT", EIO: "EIO", EDQUOT: "EDQUOT", EEXIST: "EEXIST",
            ENOTDIR: "ENOTDIR", EISDIR: "EISDIR", EMFILE: "EMFILE", EBADF: "EBADF"
        ]
        let meaning = String(cString: strerror(code))
        return names[code].map { "\($0): \(meaning)" } ?? "errno \(code): \(meaning)"
    }

    /// What a person can do about `code` when writing under `path`.
    static func advice(_ code: Int32) -> String {
        switch code {
        case ENOSPC, EDQUOT: return "free space on that disk, then retry"
        case EACCES, EPERM:
            return
                "check the owner and mode of the file and its directory (journals are shared through the responders' group)"
        case EROFS: return "the file system is read-only; use a workspace on a writable disk"
        case ENOENT: return "check the path"
        case EIO: return "the disk reported an I/O error; check it (dmesg) before trusting what is on it"
        default: return "check the disk and retry"
        }
    }

    static func error(_ what: String, _ path: String, _ code: Int32, kind: KlaxonError.Kind = .failed) -> KlaxonError {
        KlaxonError(kind, "\(what) \(path) failed (\(describe(code))); \(advice(code))")
    }

    /// Retries a call interrupted by a signal.
    static func retrying(_ call: () -> Int32) -> Int32 {
        while true {
            let result = call()
            if result == -1 && errno == EINTR { continue }
            return result
        }
    }

    static func fsyncDirectory(_ directory: String) throws(KlaxonError) {
        let fd = retrying { open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard fd >= 0 else { throw error("opening directory", directory, errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw error("fsync of directory", directory, errno) }
    }

    /// Writes all of `bytes` at the end of `fd` (opened with O_APPEND) in one `write`. A short write
    /// (a disk filling up mid-way) is undone by truncating back to `restoreLength`.
    static func appendWhole(_ fd: Int32, _ bytes: [UInt8], path: String, restoreLength: Int) throws(KlaxonError) {
        let written = bytes.withUnsafeBytes { raw in
            var n: Int
            repeat { n = write(fd, raw.baseAddress, raw.count) } while n == -1 && errno == EINTR
            return n
        }
        if written == bytes.count { return }
        let code = written < 0 ? errno : ENOSPC
        _ = ftruncate(fd, off_t(restoreLength))
        throw error("writing to", path, code)
    }

    /// Reads `[offset, offset + count)` of `fd`.
    static func read(_ fd: Int32, offset: Int, count: Int, path: String) throws(KlaxonError) -> [UInt8] {
        var failure: Int32 = 0
        // Uninitialized: a journal can be tens of megabytes, and zero-filling it first costs as much as reading it.
        let buffer = [UInt8](unsafeUninitializedCapacity: count) { storage, initialized in
            var done = 0
            while done < count {
                let n = pread(fd, storage.baseAddress! + done, count - done, off_t(offset + done))
                if n == -1 && errno == EINTR { continue }
                if n < 0 {
                    failure = errno
                    break
                }
                if n == 0 { break }
                done += n
            }
            initialized = done
        }
        if failure != 0 { throw error("reading", path, failure) }
        return buffer
    }

    /// A file's device and inode: two paths, or one path at two moments, name the same file when equal.
    struct FileIdentity: Equatable {
        var device: UInt64
        var inode: UInt64
        init(_ info: stat) {
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
        }
    }

    /// What `path` itself is (a link is not followed), or an error.
    static func linkIdentity(_ path: String) throws(KlaxonError) -> FileIdentity {
        var info = stat()
        guard lstat(path, &info) == 0 else { throw error("reading", path, errno) }
        return FileIdentity(info)
    }

    /// What a node that is not a regular file is, in words, or nil for a regular file.
    static func kindOfNode(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFLNK: return "a symbolic link"
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "not a regular file"
        }
    }

    /// Opens a journal for reading, or for appending, only if `path` is a regular file with one link:
    /// a symbolic link is never followed (`O_NOFOLLOW`), and a FIFO, device, socket or directory is never
    /// opened at all (checked with `lstat` first, then `fstat` on what was opened, against a swap in
    /// between). So nothing outside the journals directory is ever read as, or written as, a journal.
    static func openJournal(_ path: String, forAppending: Bool) throws(KlaxonError) -> (Int32, stat) {
        var before = stat()
        guard lstat(path, &before) == 0 else {
            let code = errno
            if code == ENOENT { throw .badInput("there is no journal \(path)") }
            throw error("reading", path, code)
        }
        try refuseNonJournal(path, before)
        let flags = (forAppending ? O_RDWR | O_APPEND : O_RDONLY) | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC
        let fd = retrying { open(path, flags) }
        guard fd >= 0 else {
            let code = errno
            if code == ELOOP {
                throw .failed(
                    "\(path) is a symbolic link; Klaxon never follows a link where it reads or writes journals. Move it away: a journal is a regular file that Klaxon wrote"
                )
            }
            if code == ENOENT { throw .badInput("there is no journal \(path)") }
            if forAppending {
                throw KlaxonError(
                    .failed, "\(path) cannot be written (\(describe(code))); nothing was recorded; \(advice(code))")
            }
            throw error("opening", path, code)
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw error("fstat of", path, code)
        }
        do { try refuseNonJournal(path, info) } catch {
            close(fd)
            throw error
        }
        if forAppending, info.st_nlink > 1 {
            close(fd)
            throw .failed(
                "\(path) has \(info.st_nlink) hard links, so writing it would change another file too; nothing was written. A journal has one link: copy it (cp, not ln) and move the copy into place"
            )
        }
        return (fd, info)
    }

    private static func refuseNonJournal(_ path: String, _ info: stat) throws(KlaxonError) {
        guard let kind = kindOfNode(info.st_mode) else { return }
        var target = ""
        if info.st_mode & S_IFMT == S_IFLNK {
            var buffer = [CChar](repeating: 0, count: 4096)
            let n = readlink(path, &buffer, buffer.count - 1)
            if n > 0 {
                let text = String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                target = " (to " + text + ")"
            }
        }
        throw .failed(
            "\(path) is \(kind)\(target), not a journal; Klaxon never follows links or opens special files where it reads or writes journals. Move it away: a journal is a regular file that Klaxon wrote"
        )
    }

    /// The open-file flag for an unnamed file in a directory (`O_TMPFILE`, which Glibc's module does not
    /// export: `__O_TMPFILE | O_DIRECTORY`).
    private static let unnamedFileFlag: Int32 = 0o20_000_000 | O_DIRECTORY

    /// Creates `path` holding exactly `bytes`, fsynced, or nothing at all: the bytes go to an unnamed file
    /// that is linked to `path` once complete. Returns false when `path` exists. On a file system
    /// without unnamed files a named temporary is used and removed on every path out.
    static func createWhole(_ path: String, bytes: [UInt8], mode: mode_t = 0o660) throws(KlaxonError) -> Bool {
        let directory = dirname(of: path)
        let fd = retrying { open(directory, unnamedFileFlag | O_WRONLY | O_CLOEXEC, mode) }
        guard fd >= 0 else {
            let code = errno
            guard code == EOPNOTSUPP || code == EISDIR || code == EINVAL else {
                throw error("creating a file in", directory, code)
            }
            return try createWholeThroughTemporary(path, bytes: bytes, mode: mode)
        }
        defer { close(fd) }
        try appendWhole(fd, bytes, path: path, restoreLength: 0)
        guard fsync(fd) == 0 else { throw error("fsync of", path, errno) }
        guard linkat(AT_FDCWD, "/proc/self/fd/\(fd)", AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0 else {
            let code = errno
            if code == EEXIST { return false }
            throw error("creating", path, code)
        }
        return true
    }

    private static func createWholeThroughTemporary(_ path: String, bytes: [UInt8], mode: mode_t) throws(KlaxonError)
        -> Bool
    {
        let temporary =
            dirname(of: path) + "/." + basename(of: path) + ".\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let fd = retrying { open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode) }
        guard fd >= 0 else { throw error("creating", temporary, errno) }
        defer { unlink(temporary) }
        do {
            defer { close(fd) }
            try appendWhole(fd, bytes, path: temporary, restoreLength: 0)
            guard fsync(fd) == 0 else { throw error("fsync of", temporary, errno) }
        }
        guard link(temporary, path) == 0 else {
            let code = errno
            if code == EEXIST { return false }
            throw error("creating", path, code)
        }
        return true
    }

    static func fileSize(_ fd: Int32, path: String) throws(KlaxonError) -> Int {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw error("fstat of", path, errno) }
        return Int(info.st_size)
    }

    static func lock(_ fd: Int32, _ operation: Int32, path: String) throws(KlaxonError) {
        guard retrying({ flock(fd, operation) }) == 0 else { throw error("locking", path, errno) }
    }

    static func unlock(_ fd: Int32) { _ = flock(fd, LOCK_UN) }

    /// Creates `directory` (and missing parents) with mode 0770 less the umask, fsyncing each parent.
    /// Makes `directory` and its missing parents, each made durable in its parent. A file in the way is
    /// an error ending with `advice` (what the caller's user can do instead).
    static func makeDirectory(_ directory: String, advice: String = "choose another directory") throws(KlaxonError) {
        var info = stat()
        if stat(directory, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else {
                throw .failed("\(directory) exists but is not a directory; move it away or \(advice)")
            }
            return
        }
        let parent = dirname(of: directory)
        if parent != directory { try makeDirectory(parent, advice: advice) }
        guard mkdir(directory, 0o770) == 0 || errno == EEXIST else {
            throw error("creating directory", directory, errno)
        }
        try fsyncDirectory(parent)
    }

    static func dirname(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    static func basename(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// The names in `directory`, or an error naming it.
    static func listDirectory(_ directory: String) throws(KlaxonError) -> [String] {
        guard let dir = opendir(directory) else { throw error("listing", directory, errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown-host" }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
