#if canImport(Glibc)
import Glibc
#endif
import KlaxonCore

/// `journals/.engine.lock`: only the process holding it sends pages. Whoever holds it writes who it is
/// into the file, so other consoles can say who runs escalations. The lock is `flock`'s, so the kernel
/// releases it when the holder dies, and the next process to try takes over.
public final class EngineLock: @unchecked Sendable {
    public static let fileName = ".engine.lock"
    public let path: String
    private let fd: Int32
    public private(set) var isHeld = false

    public init(directory: String) throws(KlaxonError) {
        try SystemCall.makeDirectory(directory)
        let path = directory + "/" + Self.fileName
        let fd = SystemCall.retrying { open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640) }
        guard fd >= 0 else { throw SystemCall.error("opening", path, errno) }
        self.path = path
        self.fd = fd
    }

    deinit { close(fd) }  // closing releases the lock

    /// Takes the lock if nobody holds it, and writes `holder` (one line) into the file.
    public func tryAcquire(holder: String) -> Bool {
        if isHeld { return true }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return false }
        isHeld = true
        let text = Array((holder + "\n").utf8)
        _ = ftruncate(fd, 0)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return true
    }

    /// Who holds the lock, as it wrote itself down; nil when nobody does (or this process does).
    public func holder() -> String? {
        if isHeld { return nil }
        // A shared lock succeeds only when nobody holds the exclusive one.
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return nil
        }
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return "another process" }
        return String(decoding: buffer[..<n], as: UTF8.self).trimmingCharacters(in: "\n ")
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
