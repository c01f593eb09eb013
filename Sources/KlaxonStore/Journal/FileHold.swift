import Foundation
import KlaxonCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A `StoreHold` of the file store: an exclusive `flock` on a lock file, so the kernel releases it when
/// the holder closes it or dies, and the next process to try takes over. `flock` belongs to the open
/// file description, so two holds in one process exclude each other as two processes do. The holder
/// writes who it is into the file.
final class FileHold: StoreHold {
    let path: String
    /// -1 when the file does not exist and was not to be created: nobody holds it.
    private let fd: Int32
    private let held = Mutex(false)

    init(path: String, creating: Bool, mode: mode_t) throws(KlaxonError) {
        let fd: Int32
        if creating {
            fd = SystemCall.retrying { open(path, O_RDWR | O_CREAT | O_CLOEXEC, mode) }
            guard fd >= 0 else { throw SystemCall.error("opening", path, errno) }
        } else {
            fd = SystemCall.retrying { open(path, O_RDONLY | O_CLOEXEC) }
            guard fd >= 0 || errno == ENOENT else { throw SystemCall.error("opening", path, errno) }
        }
        self.path = path
        self.fd = fd
    }

    deinit { if fd >= 0 { close(fd) } }  // closing releases the lock

    var isHeld: Bool { held.withLock { $0 } }

    /// A `flock` lasts as long as its file is open: nothing to ask.
    func checkHeld() -> Bool { isHeld }

    func tryTake(holder: String) -> Bool {
        held.withLock { isHeld in
            if isHeld { return true }
            guard fd >= 0, SystemCall.retrying({ flock(fd, LOCK_EX | LOCK_NB) }) == 0 else { return false }
            isHeld = true
            let text = Array((holder + "\n").utf8)
            _ = ftruncate(fd, 0)
            _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
            return true
        }
    }

    func holder() -> String? {
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
