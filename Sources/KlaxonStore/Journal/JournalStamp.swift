#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What `stat` says of a journal file: which file it is (device and inode), its size, and when it was
/// last modified and changed, to the nanosecond. Equal stamps mean the same bytes: an append, a
/// truncation, an edit in place, a rename over it, a `chmod` or a new link all change the change time
/// (`st_ctime`), which the kernel sets and no tool can set back (`touch` sets only the others). The
/// index (`IncidentIndex`) trusts an entry only while its journal's stamp is the one it was made from.
public struct JournalStamp: Hashable, Sendable {
    public var device: UInt64
    public var inode: UInt64
    public var size: Int64
    /// `st_mtim` in nanoseconds.
    public var modified: Int64
    /// `st_ctim` in nanoseconds.
    public var changed: Int64

    public init(device: UInt64, inode: UInt64, size: Int64, modified: Int64, changed: Int64) {
        self.device = device
        self.inode = inode
        self.size = size
        self.modified = modified
        self.changed = changed
    }

    init(_ info: stat) {
        self.init(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
            modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
            changed: Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec))
    }
}
