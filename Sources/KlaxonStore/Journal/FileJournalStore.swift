import Dispatch
import KlaxonCore

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
            // The name where readdir left it (`inout`: the 256-byte array is not copied).
            withUnsafeBytes(of: &entry.pointee.d_name) { raw in
                let name = UnsafeRawBufferPointer(rebasing: raw[..<strnlen(raw.baseAddress!, raw.count)])
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
        guard digits >= 1, digits <= 9, Self.bytes(name, at: 0, are: "INC-"), name[4] != 0x30,
            Self.bytes(name, at: name.count - 6, are: ".jsonl")
        else { return nil }
        var number = 0
        for byte in name[4..<(4 + digits)] {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            number = number * 10 + Int(byte - 0x30)
        }
        return number
    }

    /// Whether `raw` holds `text` at `offset` (a `memcmp`: the generic comparison with a string's UTF-8
    /// view cost more than the rest of a directory entry's handling).
    static func bytes(_ raw: UnsafeRawBufferPointer, at offset: Int, are text: StaticString) -> Bool {
        offset >= 0 && offset + text.utf8CodeUnitCount <= raw.count
            && memcmp(raw.baseAddress! + offset, text.utf8Start, text.utf8CodeUnitCount) == 0
    }

    /// What to do when a file stands where the journals directory should be.
    static let journalsAdvice = "name another journals directory in klaxon.yaml"

    public func journal(_ name: String) -> any StoredJournal { JournalFile.open(path: path(of: name)) }

    /// Creates the directory if needed, then the file (see `JournalFile.create`).
    public func create(_ name: String, firstRecord: RecordDraft) throws(KlaxonError) -> (any StoredJournal)? {
        try SystemCall.makeDirectory(directory, advice: Self.journalsAdvice)
        removeLeftoverTemporaries()
        return try JournalFile.create(path: path(of: name), firstRecord: firstRecord)
    }

    /// Creates the directory if needed, then the file, whole (see `JournalFile.create(path:records:)`).
    public func create(_ name: String, records: [JournalRecord]) throws(KlaxonError) -> (any StoredJournal)? {
        try SystemCall.makeDirectory(directory, advice: Self.journalsAdvice)
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
        if creating { try SystemCall.makeDirectory(directory, advice: Self.journalsAdvice) }
        // The engine lock has always been 0640; the recorder's 0660 (what the others of the group open).
        return try FileHold(
            path: directory + "/." + name + ".lock", creating: creating, mode: name == "engine" ? 0o640 : 0o660)
    }

    public var indexDirectory: String? { directory }

    /// The directory's entries read as bytes, then each journal `stat`ed through the directory (a link
    /// is not followed), on every core when there are thousands.
    public func incidentJournals() throws(KlaxonError) -> [ListedJournal] {
        let numbers = try incidentNumbers().numbers
        let fd = SystemCall.retrying { Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard fd >= 0 else { return numbers.map { ListedJournal(number: $0, stamp: nil) } }
        defer { close(fd) }
        let chunks = numbers.count < 2_000 ? 1 : 8 * JournalFile.decodingThreads
        // Written in place: each chunk `stat`s its own run of the numbers into its own slots, with the
        // file name written into a buffer of its own (thousands of names, no string for each).
        return [ListedJournal](unsafeUninitializedCapacity: numbers.count) { slots, count in
            let base = Slots(slots.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                var name = [CChar](repeating: 0, count: 32)
                let slots = base.pointer
                for i in (numbers.count * chunk / chunks)..<(numbers.count * (chunk + 1) / chunks) {
                    Self.writeFileName(of: numbers[i], into: &name)
                    var info = stat()
                    let found = fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0
                    (slots + i).initialize(
                        to: ListedJournal(
                            number: numbers[i], stamp: found ? JournalStamp(info) : nil, mode: found ? info.st_mode : 0)
                    )
                }
            }
            count = numbers.count
        }
    }

    /// Where the listing's chunks write their slots: each writes only its own, and they are read once
    /// `concurrentPerform` has returned.
    private struct Slots: @unchecked Sendable {
        let pointer: UnsafeMutablePointer<ListedJournal>
        init(_ pointer: UnsafeMutablePointer<ListedJournal>) { self.pointer = pointer }
    }

    /// Writes `INC-N.jsonl` and a terminating zero into `name` (32 bytes: N has at most 18 digits).
    private static func writeFileName(of number: Int, into name: inout [CChar]) {
        var count = 1
        var rest = max(number, 0)
        while rest >= 10 {
            count += 1
            rest /= 10
        }
        name.withUnsafeMutableBytes { bytes in
            let base = bytes.baseAddress!
            memcpy(base, ("INC-" as StaticString).utf8Start, 4)
            rest = max(number, 0)
            for i in stride(from: 4 + count - 1, through: 4, by: -1) {
                bytes[i] = UInt8(48 + rest % 10)
                rest /= 10
            }
            memcpy(base + 4 + count, (".jsonl" as StaticString).utf8Start, 6)
            bytes[4 + count + 6] = 0
        }
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
