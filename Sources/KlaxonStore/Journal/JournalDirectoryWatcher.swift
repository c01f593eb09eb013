import KlaxonCore

#if canImport(Glibc)
    import Glibc
#endif

/// Tells when files in the journals directory change (inotify), so a console follows other
/// responders without rereading files: the file store's `JournalFollower`. On file systems without
/// inotify events for remote writers (NFS), the console's once-a-second size check is what notices.
public final class JournalDirectoryWatcher: JournalFollower {
    /// Poll this for readability.
    public let descriptor: Int32

    public init(directory: String) throws(KlaxonError) {
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { throw SystemCall.error("watching", directory, errno) }
        let mask = UInt32(IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE)
        guard inotify_add_watch(fd, directory, mask) >= 0 else {
            let code = errno
            close(fd)
            throw SystemCall.error("watching", directory, code)
        }
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// The journals (`INC-3`, `platform`) whose files changed since the last call (without blocking).
    public func changedJournals() -> Set<String> {
        Set(drain().compactMap { $0.hasSuffix(".jsonl") && !$0.hasPrefix(".") ? String($0.dropLast(6)) : nil })
    }

    /// The names of the files that changed since the last call (without blocking).
    public func drain() -> Set<String> {
        var names = Set<String>()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            var offset = 0
            buffer.withUnsafeBytes { raw in
                while offset + MemoryLayout<inotify_event>.size <= count {
                    let length = Int(raw.load(fromByteOffset: offset + 12, as: UInt32.self))
                    let nameStart = offset + MemoryLayout<inotify_event>.size
                    if length > 0 {
                        let bytes = raw[nameStart..<(nameStart + length)].prefix { $0 != 0 }
                        names.insert(String(decoding: bytes, as: UTF8.self))
                    }
                    offset = nameStart + length
                }
            }
        }
        return names
    }
}
