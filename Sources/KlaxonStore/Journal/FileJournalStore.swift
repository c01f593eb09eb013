import Dispatch
import KlaxonCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The journals as files in one directory, the default `JournalStore`: `INC-N.jsonl` per incident and
/// `platform.jsonl` and `alerts.jsonl` (see docs/journal-format.md). Each journal is a `JournalFile` (one `write` and
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
        let (numbers, named) = try incidentNumbers()
        return numbers.map(IncidentID.make) + NamedJournals.names.filter(named.contains)
    }

    /// The numbers of the incidents' journals, in order, and which of the `NamedJournals` exist; read
    /// from the directory's entries as bytes (a workspace of 10,000 journals makes no string for each).
    func incidentNumbers() throws(KlaxonError) -> (numbers: [Int], named: Set<String>) {
        var info = stat()
        guard stat(directory, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { return ([], []) }
        guard let dir = opendir(directory) else { throw SystemCall.error("listing", directory, errno) }
        defer { closedir(dir) }
        var numbers: [Int] = []
        var named: Set<String> = []
        while let entry = readdir(dir) {
            withUnsafeBytes(of: entry.pointee.d_name) { raw in
                let name = UnsafeRawBufferPointer(rebasing: raw[..<(raw.firstIndex(of: 0) ?? raw.count)])
                if let number = Self.incidentNumber(fileName: name) {
                    numbers.append(number)
                } else if let journal = NamedJournals.names.first(where: { name.elementsEqual(($0 + ".jsonl").utf8) }) {
                    named.insert(journal)
                }
            }
        }
        numbers.sort()
        return (numbers, named)
    }

    /// N of a file named `INC-N.jsonl` as `IncidentID.make` writes it (no leading zero); nil otherwise.
    static func incidentNumber(fileName name: UnsafeRawBufferPointer) -> Int? {
        let digits = name.count - 10  // "INC-" and ".jsonl"
        guard digits >= 1, digits <= 9, name.starts(with: "INC-".utf8), name[4] != 0x30,
            name[(name.count - 6)...].elementsEqual(".jsonl".utf8)
        else { return nil }
        var number = 0
        for byte in name[4..<(4 + digits)] {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            number = number * 10 + Int(byte - 0x30)
        }
        return number
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

    public var indexDirectory: String? { directory }

    /// The directory's entries read as bytes, then each journal `stat`ed through the directory (a link
    /// is not followed), on every core when there are thousands.
    public func incidentJournals() throws(KlaxonError) -> [ListedJournal] {
        let numbers = try incidentNumbers().numbers
        return zip(numbers, stampsAndModes(numbers)).map { number, found in
            ListedJournal(number: number, stamp: found?.stamp, mode: found?.mode ?? 0)
        }
    }

    /// The stamp and mode of the journal of each incident number; nil for one that is gone.
    private func stampsAndModes(_ numbers: [Int]) -> [(stamp: JournalStamp, mode: mode_t)?] {
        let fd = SystemCall.retrying { Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard fd >= 0 else { return Array(repeating: nil, count: numbers.count) }
        defer { close(fd) }
        let chunks = numbers.count < 2_000 ? 1 : JournalFile.decodingThreads
        // Each chunk stats its own stride of names, then hands its results over once.
        let done = Mutex([[(stamp: JournalStamp, mode: mode_t)?]](repeating: [], count: chunks))
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            var mine: [(stamp: JournalStamp, mode: mode_t)?] = []
            mine.reserveCapacity(numbers.count / chunks + 1)
            // The file name written in place: thousands of names, no string for each.
            var name = [CChar](repeating: 0, count: 32)
            for i in stride(from: chunk, to: numbers.count, by: chunks) {
                Self.writeFileName(of: numbers[i], into: &name)
                var info = stat()
                mine.append(
                    fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 ? (JournalStamp(info), info.st_mode) : nil)
            }
            done.withLock { $0[chunk] = mine }
        }
        let parts = done.withLock { $0 }
        return numbers.indices.map { parts[$0 % chunks][$0 / chunks] }
    }

    /// Writes `INC-N.jsonl` and a terminating zero into `name` (32 bytes: N has at most 18 digits).
    private static func writeFileName(of number: Int, into name: inout [CChar]) {
        var count = 1
        var rest = max(number, 0)
        while rest >= 10 {
            count += 1
            rest /= 10
        }
        for (i, byte) in "INC-".utf8.enumerated() { name[i] = CChar(byte) }
        rest = max(number, 0)
        for i in stride(from: 4 + count - 1, through: 4, by: -1) {
            name[i] = CChar(48 + rest % 10)
            rest /= 10
        }
        for (i, byte) in ".jsonl".utf8.enumerated() { name[4 + count + i] = CChar(byte) }
        name[4 + count + 6] = 0
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
