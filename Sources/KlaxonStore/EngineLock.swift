#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KlaxonCore

/// `journals/.engine.lock`: only the process holding it sends pages. Whoever holds it writes who it is
/// into the file, so other consoles can say who runs escalations. The lock is `flock`'s, so the kernel
/// releases it when the holder dies, and the next process to try takes over.
public final class EngineLock: @unchecked Sendable {
    public static let fileName = ".engine.lock"
    public let path: String
    private let fd: Int32
    public private(set) var isHeld = false

    /// With `forRunning` false (a read-only console, a command that only asks) nothing is created: a
    /// missing lock file means nobody runs the engine.
    public init(directory: String, forRunning: Bool = true) throws(KlaxonError) {
        let path = directory + "/" + Self.fileName
        let fd: Int32
        if forRunning {
            try SystemCall.makeDirectory(directory)
            fd = SystemCall.retrying { open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640) }
            guard fd >= 0 else { throw SystemCall.error("opening", path, errno) }
        } else {
            fd = SystemCall.retrying { open(path, O_RDONLY | O_CLOEXEC) }
            guard fd >= 0 || errno == ENOENT else { throw SystemCall.error("opening", path, errno) }
        }
        self.path = path
        self.fd = fd
    }

    deinit { if fd >= 0 { close(fd) } }  // closing releases the lock

    /// Takes the lock if nobody holds it, and writes `holder` (one line) into the file.
    public func tryAcquire(holder: String) -> Bool {
        if isHeld { return true }
        guard fd >= 0, flock(fd, LOCK_EX | LOCK_NB) == 0 else { return false }
        isHeld = true
        let text = Array((holder + "\n").utf8)
        _ = ftruncate(fd, 0)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return true
    }

    /// Who holds the lock, as it wrote itself down; nil when nobody does (or this process does).
    public func holder() -> String? {
        if isHeld || fd < 0 { return nil }
        // A shared lock succeeds only when nobody holds the exclusive one.
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return nil
        }
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return "another process" }
        return String(decoding: buffer[..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
