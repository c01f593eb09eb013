import Dispatch
import KlaxonCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The journals as files in one directory, the default `JournalStore`: `INC-N.jsonl` per incident and
/// `platform.jsonl` (see docs/journal-format.md). Each journal is a `JournalFile` (one `write` and
/// `fdatasync` per record under an exclusive `flock`); following is inotify on the directory
/// (`JournalDirectoryWatcher`); a hold is a `flock` on `.NAME.lock` (`FileHold`), which the kernel
/// releases when its holder dies.
public struct FileJournalStore: JournalStore {
    /// The journals directory.
    public let directory: String

    public init(directory: String) { self.directory = directory }

    public var location: String { directory }

    /// The file of journal `name`.
    public func path(of name: String) -> String { directory + "/" + name + ".jsonl" }

    public func journalNames() throws(KlaxonError) -> [String] {
        var info = stat()
        guard stat(directory, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { return [] }
        let names = try SystemCall.listDirectory(directory)
        let numbers = names.compactMap { name -> Int? in
            guard name.hasSuffix(".jsonl"), !name.hasPrefix(".") else { return nil }
            return IncidentID.number(of: String(name.dropLast(6)))
        }
        return numbers.sorted().map(IncidentID.make)
            + (names.contains(PlatformJournal.fileName) ? [PlatformJournal.name] : [])
    }

    public func journal(_ name: String) -> any StoredJournal { JournalFile.open(path: path(of: name)) }

    /// Creates the directory if needed, then the file (see `JournalFile.create`).
    public func create(_ name: String, firstRecord: RecordDraft) throws(KlaxonError) -> (any StoredJournal)? {
        try SystemCall.makeDirectory(directory)
        removeLeftoverTemporaries()
        return try JournalFile.create(path: path(of: name), firstRecord: firstRecord)
    }

    /// Creates the directory if needed, then the file, whole (see `JournalFile.create(path:records:)`).
    public func create(_ name: String, records: [JournalRecord]) throws(KlaxonError) -> (any StoredJournal)? {
        try SystemCall.makeDirectory(directory)
        removeLeftoverTemporaries()
        return try JournalFile.create(path: path(of: name), records: records)
    }

    /// `lstat`: a link is "there" (and refused by name when read), never followed.
    public func stamp(of name: String) -> JournalStamp? {
        var info = stat()
        return lstat(path(of: name), &info) == 0 ? JournalStamp(info) : nil
    }

    public func follow() throws(KlaxonError) -> any JournalFollower {
        try JournalDirectoryWatcher(directory: directory)
    }

    /// `.NAME.lock` in the directory (`.engine.lock`, `.poller.lock`).
    public func hold(_ name: String, creating: Bool) throws(KlaxonError) -> any StoreHold {
        if creating { try SystemCall.makeDirectory(directory) }
        // The engine lock has always been 0640; the recorder's 0660 (what the others of the group open).
        return try FileHold(
            path: directory + "/." + name + ".lock", creating: creating, mode: name == "engine" ? 0o640 : 0o660)
    }

    /// Each journal's stamp and mode `stat`ed through the directory (a link is not followed), on every
    /// core when there are thousands; nil for one that is gone. What the index compares.
    func stampsAndModes(_ names: [String]) -> [(JournalStamp, mode_t)?] {
        let fd = SystemCall.retrying { Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard fd >= 0 else { return Array(repeating: nil, count: names.count) }
        defer { close(fd) }
        let chunks = names.count < 2_000 ? 1 : JournalFile.decodingThreads
        // Each chunk stats its own stride of names, then hands its results over once.
        let done = Mutex([[(JournalStamp, mode_t)?]](repeating: [], count: chunks))
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            var mine: [(JournalStamp, mode_t)?] = []
            mine.reserveCapacity(names.count / chunks + 1)
            for i in stride(from: chunk, to: names.count, by: chunks) {
                var info = stat()
                mine.append(
                    fstatat(fd, names[i] + ".jsonl", &info, AT_SYMLINK_NOFOLLOW) == 0
                        ? (JournalStamp(info), info.st_mode) : nil)
            }
            done.withLock { $0[chunk] = mine }
        }
        let parts = done.withLock { $0 }
        return names.indices.map { parts[$0 % chunks][$0 / chunks] }
    }

    /// Removes `.INC-N.jsonl.PID.RAND.tmp` files older than ten minutes: what a process killed while
    /// declaring left on a file system without unnamed files, or an older Klaxon left. A declaration
    /// takes milliseconds, so none of them is still being written.
    private func removeLeftoverTemporaries() {
        guard let names = try? SystemCall.listDirectory(directory) else { return }
        let cutoff = time(nil) - 600
        for name in names where name.hasPrefix(".") && name.hasSuffix(".tmp") && name.contains(".jsonl.") {
            let path = directory + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_mtim.tv_sec < cutoff else {
                continue
            }
            unlink(path)
        }
    }
}
