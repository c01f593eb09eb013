import KlaxonCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One journal file on disk: appends that lose nothing, reads that follow other writers and never
/// change the file, and recovery from an interrupted write. See docs/journal-format.md for the
/// guarantees.
///
/// No descriptor is kept between calls: each read or append opens the path, without following a link,
/// checks that it is a regular file and still the file read so far (a journal replaced by `cp`+`mv`,
/// `rsync` or a restore is read again and must continue the records already read; one removed is an
/// error), and closes it again. So a workspace of ten thousand incidents costs no descriptors.
///
/// An append takes an exclusive `flock` (waiting a bounded time, see `LockWait`), reads whatever other
/// processes appended since, cuts off a torn tail (keeping its bytes in a sibling file), writes the
/// whole record in one `write` and `fdatasync`s before returning. Readers take no lock: they read
/// complete lines only, so a stuck writer never blocks them, and they never modify the file.
public final class JournalFile: StoredJournal {
    public let path: String
    /// The file read so far (device and inode), nil before the first read.
    private var identity: SystemCall.FileIdentity?
    private var scanner = JournalScanner()
    /// Damage found in complete records. Once set, nothing more is written to this file.
    public private(set) var corruption: JournalScanner.Damage?
    /// Torn tails this writer cut aside, each said once.
    private var setAside: [String] = []
    /// What a person should know: torn tails this writer cut aside, and a mode that lets every user of
    /// the host write the file (as last read).
    public var warnings: [String] { setAside + IncidentStore.modeWarnings(path: path, mode: mode) }
    /// An unfinished last line seen with no writer at work: what a writer will cut aside before it
    /// appends, or `klaxon journal repair` on request.
    public private(set) var tornTail: JournalScanner.Damage?

    /// The file's size as last read.
    public private(set) var byteCount = 0
    /// The file's mode as last read (type and permission bits).
    public private(set) var mode: mode_t = 0
    /// The file as `stat` saw it at the last read, when nothing changed it while it was read (the same
    /// stamp before and after): the records read are then exactly the file of this stamp up to
    /// `validLength`. Nil when it changed under the read. What the index keeps beside a summary.
    public private(set) var stamp: JournalStamp?

    /// Nothing at all was read: an empty file (not even a torn record).
    public var isEmpty: Bool { byteCount == 0 }

    /// `stamp` when it covers exactly the records read: no torn tail, no write under way.
    public var changeStamp: JournalStamp? {
        guard let stamp, tornTail == nil, corruption == nil, stamp.size == Int64(validLength) else { return nil }
        return stamp
    }

    /// The sequence number of the last valid record (0 for none).
    public var lastSequence: Int { scanner.nextSequence - 1 }
    public var lastHash: RecordHash { scanner.lastHash }
    /// Bytes of valid records.
    public var validLength: Int { scanner.validLength }

    /// False when the file cannot be written by this process (permissions, a read-only file system).
    public var canWrite: Bool { writeProblem == nil }
    /// Why this process cannot write the file, or nil.
    public var writeProblem: String? {
        guard access(path, W_OK) != 0 else { return nil }
        let code = errno
        return "\(path) cannot be written (\(SystemCall.describe(code))); \(SystemCall.advice(code))"
    }

    /// Large journals are decoded on every core (see `JournalScanner.scan(_:isComplete:parallelism:)`).
    static let decodingThreads = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    private init(path: String) { self.path = path }

    /// The journal at `path`. Nothing is opened yet: the first `readNewRecords()` opens it and refuses
    /// anything but a regular file (a link, a FIFO, a device, a directory), or a missing one (`badInput`).
    public static func open(path: String) -> JournalFile { JournalFile(path: path) }

    /// Creates a new journal whose first record is `draft`, durably: the record goes to an unnamed file
    /// (`O_TMPFILE`; on file systems without it, a `.NAME.PID.RAND.tmp` removed on every path out) that is
    /// fsynced and then linked to `path` (which fails if `path` exists, so two processes can never both
    /// create one journal), and the directory is fsynced. A journal thus never exists without its first
    /// record, and a process killed half-way leaves nothing behind. Returns nil when `path` exists.
    public static func create(path: String, firstRecord draft: RecordDraft) throws(KlaxonError) -> JournalFile? {
        try create(path: path, bytes: JournalCodec.encode(draft, sequence: 1, previousHash: .genesis).line)
    }

    /// Creates a new journal holding exactly `records` (a copy of another journal: their lines written
    /// again, `JournalCodec.lines(copying:)`), the same way: whole or not at all. Returns nil when
    /// `path` exists; records that cannot be copied byte for byte are refused and nothing is created.
    public static func create(path: String, records: [JournalRecord]) throws(KlaxonError) -> JournalFile? {
        let bytes: [UInt8]
        do { bytes = try JournalCodec.lines(copying: records) } catch {
            throw .failed("\(path) was not created: \(error)")
        }
        return try create(path: path, bytes: bytes)
    }

    private static func create(path: String, bytes: [UInt8]) throws(KlaxonError) -> JournalFile? {
        guard try SystemCall.createWhole(path, bytes: bytes) else { return nil }
        try SystemCall.fsyncDirectory(SystemCall.dirname(of: path))
        return open(path: path)
    }

    /// Reads the records other processes appended since the last call (all of them, the first time).
    /// Never changes the file and takes no lock: an unfinished last line is left for later (a writer is
    /// at work) or, when no writer is, reported in `tornTail`; damage in complete lines sets
    /// `corruption`, and the records before it are still returned.
    public func readNewRecords() throws(KlaxonError) -> [JournalRecord] {
        let (fd, info) = try openFile(forAppending: false)
        defer { close(fd) }
        byteCount = Int(info.st_size)
        mode = info.st_mode
        var records = try adopt(fd, info)
        let outcome = try scanToEnd(fd, isComplete: false)
        records += outcome.records
        if let damage = outcome.damage { note(damage) }
        tornTail = nil
        if corruption == nil, try SystemCall.fileSize(fd, path: path) > scanner.validLength, FileLock.trySharedLock(fd)
        {
            // Nobody is appending, yet bytes follow the last complete record: an interrupted write.
            defer { SystemCall.unlock(fd) }
            let final = try scanToEnd(fd, isComplete: true)
            records += final.records
            if let damage = final.damage {
                if damage.kind == .tornTail { tornTail = damage } else { note(damage) }
            }
        }
        var after = stat()
        let before = JournalStamp(info)
        stamp = fstat(fd, &after) == 0 && JournalStamp(after) == before ? before : nil
        return records
    }

    /// Appends one record. `build` runs under the exclusive lock with the records other processes
    /// appended since this file was last read (they are consumed: `build` must keep them even when it
    /// throws), so it can check the action against the current state; it returns the draft to write.
    /// When this returns, the record is on disk (fdatasync'd). A torn tail is cut aside first.
    public func append(wait: LockWait = .standard, _ build: ([JournalRecord]) throws(KlaxonError) -> RecordDraft)
        throws(KlaxonError) -> JournalRecord
    {
        try refuseIfCorrupt()
        let (fd, info) = try lockedForAppending(wait: wait)
        defer {
            SystemCall.unlock(fd)
            close(fd)
        }
        var records = try adopt(fd, info)
        let outcome = try scanToEnd(fd, isComplete: true)
        records += outcome.records
        if let damage = outcome.damage {
            if damage.kind == .tornTail {
                try cutTornTail(fd, damage)
            } else {
                note(damage)
                try refuseIfCorrupt()
            }
        }
        let draft = try build(records)
        let (line, record) = JournalCodec.encode(draft, sequence: scanner.nextSequence, previousHash: scanner.lastHash)
        let before = scanner.validLength
        try SystemCall.appendWhole(fd, line, path: path, restoreLength: before)
        // A failed fdatasync means the kernel may have dropped the data: never retry-and-ignore it.
        guard fdatasync(fd) == 0 else {
            let code = errno
            _ = ftruncate(fd, off_t(before))
            throw .failed(
                "fdatasync of \(path) failed (\(SystemCall.describe(code))); the record may not be on disk and was not acknowledged; \(SystemCall.advice(code))"
            )
        }
        scanner.accept(record, lineLength: line.count)
        return record
    }

    /// The first record, read alone (the first line only): what `verify` needs to check the name.
    public func readFirstRecord() throws(KlaxonError) -> JournalRecord? {
        let (fd, _) = try openFile(forAppending: false)
        defer { close(fd) }
        let size = try SystemCall.fileSize(fd, path: path)
        var length = min(size, 65_536)
        while true {
            let bytes = try SystemCall.read(fd, offset: 0, count: length, path: path)
            if let newline = bytes.firstIndex(of: 0x0A) {
                var first = JournalScanner()
                return bytes[...newline].withUnsafeBufferPointer { first.scan($0, isComplete: false).records.first }
            }
            guard length < size else { return nil }
            length = min(size, length * 4)
        }
    }

    // MARK: - Opening and locking

    /// Opens the journal for appending and takes its exclusive lock, making sure that the path still
    /// names the locked file (a rename over it between the open and the lock is seen, and the new file
    /// is taken instead).
    private func lockedForAppending(wait: LockWait) throws(KlaxonError) -> (Int32, stat) {
        for _ in 0..<5 {
            let (fd, info) = try openFile(forAppending: true)
            do {
                try FileLock.exclusive(fd, path: path, wait: wait)
            } catch {
                close(fd)
                throw error
            }
            if let current = try? SystemCall.linkIdentity(path), current == SystemCall.FileIdentity(info) {
                return (fd, info)
            }
            SystemCall.unlock(fd)
            close(fd)
        }
        throw .failed(
            "\(path) keeps being replaced while Klaxon tries to write it; nothing was written. Find what rewrites the journals directory (a sync or restore job) and stop it"
        )
    }

    /// Opens the path; a journal that was read before and is gone now is named as such.
    private func openFile(forAppending: Bool) throws(KlaxonError) -> (Int32, stat) {
        do {
            return try SystemCall.openJournal(path, forAppending: forAppending)
        } catch  where identity != nil && error.kind == .badInput {
            throw .failed(
                "\(path) is gone: it was removed or moved away after Klaxon read it; nothing was \(forAppending ? "written" : "read"). Restore the journal (from a backup or another responder's copy) and try again"
            )
        }
    }

    /// Checks that `fd` is the file read so far. A journal replaced by a copy (a restore, rsync, a git
    /// checkout) is read again from its start and must hold the records already read, unchanged;
    /// returns the records it has beyond them.
    private func adopt(_ fd: Int32, _ info: stat) throws(KlaxonError) -> [JournalRecord] {
        let seen = SystemCall.FileIdentity(info)
        guard let identity, identity != seen, scanner.nextSequence > 1 else {
            identity = seen
            return []
        }
        var fresh = JournalScanner()
        let size = try SystemCall.fileSize(fd, path: path)
        let bytes = try SystemCall.read(fd, offset: 0, count: size, path: path)
        let outcome = bytes.withUnsafeBufferPointer {
            fresh.scan($0, isComplete: false, parallelism: Self.decodingThreads)
        }
        let known = lastSequence
        guard outcome.records.count >= known, outcome.records[known - 1].hash == lastHash else {
            throw .failed(
                "\(path) was replaced by a file that does not hold the \(Plural.count(known, "record")) already read from it (another copy of the journal, or another file); nothing was written. Compare it with a backup or another responder's copy (the hash of record \(known) is \(lastHash.short)) before going on"
            )
        }
        scanner = fresh
        self.identity = seen
        return Array(outcome.records[known...])
    }

    private func scanToEnd(_ fd: Int32, isComplete: Bool) throws(KlaxonError) -> JournalScanner.Outcome {
        let size = try SystemCall.fileSize(fd, path: path)
        guard size >= scanner.validLength else {
            throw .failed(
                "\(path) became shorter than the records already read from it (\(size) < \(scanner.validLength) bytes): it was changed outside Klaxon; check it with klaxon journal verify"
            )
        }
        guard size > scanner.validLength, corruption == nil else { return .init(records: [], damage: nil) }
        let bytes = try SystemCall.read(fd, offset: scanner.validLength, count: size - scanner.validLength, path: path)
        return bytes.withUnsafeBufferPointer {
            scanner.scan($0, isComplete: isComplete, parallelism: Self.decodingThreads)
        }
    }

    private func note(_ damage: JournalScanner.Damage) {
        if corruption == nil { corruption = damage }
    }

    private func refuseIfCorrupt() throws(KlaxonError) {
        if let corruption {
            throw .failed(
                "\(path) is damaged at \(corruption); nothing more will be written to it. Keep a copy, then see docs/journal-format.md, \"Damage\""
            )
        }
    }

    /// Copies the torn bytes to `<path>.torn-<time>` (fsynced), then truncates the journal to its last
    /// valid record (fsynced). Called with the exclusive lock held. When the copy cannot be written
    /// whole (a full disk), nothing is cut and no copy is left.
    private func cutTornTail(_ fd: Int32, _ damage: JournalScanner.Damage) throws(KlaxonError) {
        let size = try SystemCall.fileSize(fd, path: path)
        let torn = try SystemCall.read(fd, offset: damage.offset, count: size - damage.offset, path: path)
        let stamp = Timestamp(milliseconds: Int64(time(nil)) * 1000).compactUTC
        var aside = "\(path).torn-\(stamp)"
        var attempt = 1
        while try !SystemCall.createWhole(aside, bytes: torn, mode: 0o640) {
            attempt += 1
            aside = "\(path).torn-\(stamp)-\(attempt)"
        }
        try SystemCall.fsyncDirectory(SystemCall.dirname(of: path))
        guard ftruncate(fd, off_t(damage.offset)) == 0 else {
            throw SystemCall.error("cutting the torn tail of", path, errno)
        }
        guard fsync(fd) == 0 else { throw SystemCall.error("fsync of", path, errno) }
        setAside.append(
            "\(SystemCall.basename(of: path)): \(damage); its \(Plural.count(torn.count, "byte")) \(torn.count == 1 ? "was" : "were") moved to \(SystemCall.basename(of: aside)) and cut off; records 1 to \(damage.expectedSequence - 1) are intact"
        )
        tornTail = nil
    }

    // MARK: - Verification

    /// What `verify` found in one journal.
    public struct Verification: Sendable {
        public var path: String
        public var recordCount: Int
        public var byteCount: Int
        public var lastHash: RecordHash
        /// nil when every record is intact and the chain is whole.
        public var damage: JournalScanner.Damage?
        /// Bytes after the last complete record that a writer is writing now (not damage).
        public var bytesBeingWritten: Int
        /// The file's mode (type and permission bits).
        public var mode: mode_t
    }

    /// Checks every record's hash and the chain, without a lock and without changing anything. An
    /// unfinished last line is a torn tail when no writer holds the lock, else a write under way.
    public static func verify(path: String) throws(KlaxonError) -> Verification {
        let (fd, info) = try SystemCall.openJournal(path, forAppending: false)
        defer { close(fd) }
        var scanner = JournalScanner()
        let size = try SystemCall.fileSize(fd, path: path)
        var count = 0
        var damage: JournalScanner.Damage?
        // In slices of whole lines, so memory stays bounded for any journal size.
        var offset = 0
        let chunk = 8 << 20
        while offset < size, damage == nil {
            var bytes = try SystemCall.read(fd, offset: offset, count: min(chunk, size - offset), path: path)
            let atEnd = offset + bytes.count >= size
            if !atEnd, let lastNewline = bytes.lastIndex(of: 0x0A) {
                bytes.removeSubrange((lastNewline + 1)...)
            } else if !atEnd {
                bytes = try SystemCall.read(fd, offset: offset, count: size - offset, path: path)
            }
            let outcome = bytes.withUnsafeBufferPointer {
                scanner.scan($0, isComplete: false, parallelism: decodingThreads)
            }
            count += outcome.records.count
            damage = outcome.damage
            if scanner.validLength == offset { break }
            offset = scanner.validLength
        }
        var beingWritten = 0
        if damage == nil, size > scanner.validLength {
            if FileLock.trySharedLock(fd) {
                defer { SystemCall.unlock(fd) }
                let rest = try SystemCall.read(
                    fd, offset: scanner.validLength, count: size - scanner.validLength, path: path)
                damage = rest.withUnsafeBufferPointer { scanner.scan($0, isComplete: true) }.damage
            } else {
                beingWritten = size - scanner.validLength
            }
        }
        return Verification(
            path: path, recordCount: count, byteCount: size, lastHash: scanner.lastHash, damage: damage,
            bytesBeingWritten: beingWritten, mode: info.st_mode)
    }

    /// Cuts a torn tail off (keeping its bytes aside), and nothing else. Returns what was done, or nil
    /// when the journal was intact. Damage in complete records is refused.
    public static func repair(path: String, wait: LockWait = .standard) throws(KlaxonError) -> String? {
        let file = JournalFile.open(path: path)
        if let problem = file.writeProblem { throw .failed(problem) }
        let (fd, info) = try file.lockedForAppending(wait: wait)
        defer {
            SystemCall.unlock(fd)
            close(fd)
        }
        file.identity = SystemCall.FileIdentity(info)
        let outcome = try file.scanToEnd(fd, isComplete: true)
        guard let damage = outcome.damage else { return nil }
        guard damage.kind == .tornTail else {
            throw .failed(
                "\(path) is damaged at \(damage). Only an unfinished last line (an interrupted write) is cut; this is a complete line, so repair cuts nothing. Keep a copy and see docs/journal-format.md, \"Damage\""
            )
        }
        try file.cutTornTail(fd, damage)
        return file.setAside.last
    }
}
