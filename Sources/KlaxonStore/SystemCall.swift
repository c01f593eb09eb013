#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KlaxonCore

/// Thin wrappers over the POSIX calls the store makes, turning errno into errors that say what to do.
enum SystemCall {
    /// The name and meaning of an errno, e.g. `ENOSPC: No space left on device`.
    static func describe(_ code: Int32) -> String {
        let names: [Int32: String] = [ENOSPC: "ENOSPC", EACCES: "EACCES", EPERM: "EPERM", EROFS: "EROFS",
                                      ENOENT: "ENOENT", EIO: "EIO", EDQUOT: "EDQUOT", EEXIST: "EEXIST",
                                      ENOTDIR: "ENOTDIR", EISDIR: "EISDIR", EMFILE: "EMFILE", EBADF: "EBADF"]
        let meaning = String(cString: strerror(code))
        return names[code].map { "\($0): \(meaning)" } ?? "errno \(code): \(meaning)"
    }

    /// What a person can do about `code` when writing under `path`.
    static func advice(_ code: Int32) -> String {
        switch code {
        case ENOSPC, EDQUOT: return "free space on that disk, then retry"
        case EACCES, EPERM: return "check the owner and mode of the file and its directory (journals are shared through the responders' group)"
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
                if n < 0 { failure = errno; break }
                if n == 0 { break }
                done += n
            }
            initialized = done
        }
        if failure != 0 { throw error("reading", path, failure) }
        return buffer
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
    static func makeDirectory(_ directory: String) throws(KlaxonError) {
        var info = stat()
        if stat(directory, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else {
                throw .failed("\(directory) exists but is not a directory; move it away or name another journals directory in klaxon.yaml")
            }
            return
        }
        let parent = dirname(of: directory)
        if parent != directory { try makeDirectory(parent) }
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
