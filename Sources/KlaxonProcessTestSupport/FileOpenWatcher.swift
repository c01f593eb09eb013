import KlaxonCore

#if canImport(Glibc)
    import Glibc
#endif

/// Which files of a directory any process opens (inotify's `IN_OPEN`): how a test tells which journals
/// a command or the console read, watching the real code path from outside, with no hook in it. A
/// `stat` opens nothing, so it goes unseen.
public final class FileOpenWatcher {
    private let descriptor: Int32

    public init(directory: String) throws {
        descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard descriptor >= 0, inotify_add_watch(descriptor, directory, UInt32(IN_OPEN)) >= 0 else {
            throw KlaxonError.failed("cannot watch \(directory) with inotify: \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(descriptor) }

    /// The names of the files opened since the last call (the directory itself, listed, is left out).
    public func opened() -> Set<String> {
        var names = Set<String>()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            buffer.withUnsafeBytes { raw in
                var offset = 0
                while offset + MemoryLayout<inotify_event>.size <= count {
                    let length = Int(raw.load(fromByteOffset: offset + 12, as: UInt32.self))
                    let nameStart = offset + MemoryLayout<inotify_event>.size
                    let name = String(decoding: raw[nameStart..<(nameStart + length)].prefix { $0 != 0 }, as: UTF8.self)
                    if !name.isEmpty { names.insert(name) }
                    offset = nameStart + length
                }
            }
        }
        return names
    }
}
