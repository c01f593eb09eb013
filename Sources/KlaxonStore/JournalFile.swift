#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KlaxonCore

/// One journal file on disk: appends that lose nothing, reads that follow other writers, and
/// recovery from an interrupted write. See docs/journal-format.md for the guarantees.
///
/// Every append takes an exclusive `flock`, reads whatever other processes appended since, writes
/// the whole record in one `write` and `fdatasync`s before returning. Reads take a shared lock, so a
/// reader never sees half a record. Nothing already written is rewritten; the only bytes ever removed
/// are a torn tail, and those are first copied to a sibling file.
public final class JournalFile {
    public let path: String
    private let fd: Int32
    /// False when the file could only be opened for reading (permissions, read-only file system).
    public var canWrite: Bool { openForWriteError == 0 }
    /// Why opening for writing failed (an errno), or 0.
    private let openForWriteError: Int32
    private var scanner = JournalScanner()
    /// Damage before the tail. Once set, nothing more is written to this file.
    public private(set) var corruption: JournalScanner.Damage?
    /// What recovery did or could not do, for the user to read.
    public private(set) var warnings: [String] = []

    /// The sequence number of the last valid record (0 for none).
    public var lastSequence: Int { scanner.nextSequence - 1 }
    public var lastHash: RecordHash { scanner.lastHash }
    /// Bytes of valid records.
    public var validLength: Int { scanner.validLength }

    /// Large journals are decoded on every core (see `JournalScanner.scan(_:isComplete:parallelism:)`).
    static let decodingThreads = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    private init(path: String, fd: Int32, openForWriteError: Int32) {
        self.path = path
        self.fd = fd
        self.openForWriteError = openForWriteError
    }

    deinit { close(fd) }

    /// Opens an existing journal. Its records are read by the first `readNewRecords()`.
    public static func open(path: String) throws(KlaxonError) -> JournalFile {
        var fd = SystemCall.retrying { Glibc.open(path, O_RDWR | O_APPEND | O_CLOEXEC) }
        var writeError: Int32 = 0
        if fd < 0 && (errno == EACCES || errno == EPERM || errno == EROFS) {
            writeError = errno
            fd = SystemCall.retrying { Glibc.open(path, O_RDONLY | O_CLOEXEC) }
        }
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { throw .badInput("there is no journal \(path)") }
            throw SystemCall.error("opening", path, code)
        }
        return JournalFile(path: path, fd: fd, openForWriteError: writeError)
    }

    /// Creates a new journal whose first record is `draft`, durably: the record goes to a temporary
    /// file that is fsynced and then linked to `path` (which fails if `path` exists, so two processes
    /// can never both create one journal), and the directory is fsynced. A journal thus never exists
    /// without its first record. Returns nil when `path` already exists.
    public static func create(path: String, firstRecord draft: RecordDraft) throws(KlaxonError) -> JournalFile? {
        let directory = SystemCall.dirname(of: path)
        let temporary = directory + "/." + SystemCall.basename(of: path) + ".\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        // 0660: shared with the responders' group, never world writable (the umask may narrow it further).
        let tfd = SystemCall.retrying { Glibc.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o660) }
        guard tfd >= 0 else { throw SystemCall.error("creating a journal in", directory, errno) }
        let (line, _) = JournalCodec.encode(draft, sequence: 1, previousHash: .genesis)
        do throws(KlaxonError) {
            defer { close(tfd) }
            try SystemCall.appendWhole(tfd, line, path: temporary, restoreLength: 0)
            guard fsync(tfd) == 0 else { throw SystemCall.error("fsync of", temporary, errno) }
        } catch {
            unlink(temporary)
            throw error
        }
        let linked = link(temporary, path)
        let linkError = errno
        unlink(temporary)
        if linked != 0 {
            if linkError == EEXIST { return nil }
            throw SystemCall.error("creating", path, linkError)
        }
        try SystemCall.fsyncDirectory(directory)
        return try open(path: path)
    }

    /// Reads the records other processes appended since the last call (all of them, the first time).
    /// A torn tail is moved aside and cut off when the file is writable; damage before the tail marks
    /// the journal read-only (`corruption`) and the records before it are still returned.
    public func readNewRecords() throws(KlaxonError) -> [JournalRecord] {
        try SystemCall.lock(fd, LOCK_SH, path: path)
        var outcome: JournalScanner.Outcome
        do {
            defer { SystemCall.unlock(fd) }
            outcome = try scanToEnd()
        }
        guard let damage = outcome.damage, damage.kind == .tornTail, canWrite else {
            if let damage = outcome.damage { note(damage) }
            return outcome.records
        }
        // Cutting needs the exclusive lock; another process may have repaired (or appended) meanwhile.
        try SystemCall.lock(fd, LOCK_EX, path: path)
        defer { SystemCall.unlock(fd) }
        let more = try scanToEnd()
        if let later = more.damage {
            if later.kind == .tornTail { try cutTornTail(later) } else { note(later) }
        }
        return outcome.records + more.records
    }

    /// Appends one record. `build` runs under the exclusive lock with the records other processes
    /// appended since this file was last read (they are consumed: `build` must keep them even when it
    /// throws), so it can check the action against the current state; it returns the draft to write.
    /// When this returns, the record is on disk (fdatasync'd).
    public func append(_ build: ([JournalRecord]) throws(KlaxonError) -> RecordDraft) throws(KlaxonError) -> JournalRecord {
        guard canWrite else {
            throw .failed("\(path) cannot be written (\(SystemCall.describe(openForWriteError))); \(SystemCall.advice(openForWriteError)); nothing was recorded")
        }
        try refuseIfCorrupt()
        try SystemCall.lock(fd, LOCK_EX, path: path)
        defer { SystemCall.unlock(fd) }
        let outcome = try scanToEnd()
        if let damage = outcome.damage {
            if damage.kind == .tornTail { try cutTornTail(damage) } else { note(damage); try refuseIfCorrupt() }
        }
        let draft = try build(outcome.records)
        let (line, record) = JournalCodec.encode(draft, sequence: scanner.nextSequence, previousHash: scanner.lastHash)
        let before = scanner.validLength
        try SystemCall.appendWhole(fd, line, path: path, restoreLength: before)
        // A failed fdatasync means the kernel may have dropped the data: never retry-and-ignore it.
        guard fdatasync(fd) == 0 else {
            let code = errno
            _ = ftruncate(fd, off_t(before))
            throw .failed("fdatasync of \(path) failed (\(SystemCall.describe(code))); the record may not be on disk and was not acknowledged; \(SystemCall.advice(code))")
        }
        scanner.accept(record, lineLength: line.count)
        return record
    }

    // MARK: - Inside the lock

    private func scanToEnd() throws(KlaxonError) -> JournalScanner.Outcome {
        let size = try SystemCall.fileSize(fd, path: path)
        guard size >= scanner.validLength else {
            throw .failed("\(path) became shorter than the records already read from it (\(size) < \(scanner.validLength) bytes): it was changed outside Klaxon; check it with klaxon journal verify")
        }
        guard size > scanner.validLength, corruption == nil else { return .init(records: [], damage: nil) }
        let bytes = try SystemCall.read(fd, offset: scanner.validLength, count: size - scanner.validLength, path: path)
        return bytes.withUnsafeBufferPointer { scanner.scan($0, isComplete: true, parallelism: Self.decodingThreads) }
    }

    private func note(_ damage: JournalScanner.Damage) {
        if damage.kind == .corruption {
            if corruption == nil { corruption = damage }
        } else {
            let warning = "\(path): \(damage); it is ignored until the journal is repaired: klaxon journal repair"
            if !warnings.contains(warning) { warnings.append(warning) }
        }
    }

    private func refuseIfCorrupt() throws(KlaxonError) {
        if let corruption {
            throw .failed("\(path) is damaged at \(corruption); nothing more will be written to it. Keep a copy, then see docs/journal-format.md, \"Damage\"")
        }
    }

    /// Copies the torn bytes to `<path>.torn-<time>` (fsynced), then truncates the journal to its last
    /// valid record (fsynced). Called with the exclusive lock held.
    private func cutTornTail(_ damage: JournalScanner.Damage) throws(KlaxonError) {
        let size = try SystemCall.fileSize(fd, path: path)
        let torn = try SystemCall.read(fd, offset: damage.offset, count: size - damage.offset, path: path)
        let stamp = Timestamp(milliseconds: Int64(time(nil)) * 1000).rfc3339.filter { $0.isNumber || $0 == "T" }
        var aside = "\(path).torn-\(stamp)"
        var afd = SystemCall.retrying { Glibc.open(aside, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640) }
        var attempt = 1
        while afd < 0 && errno == EEXIST {
            attempt += 1
            aside = "\(path).torn-\(stamp)-\(attempt)"
            afd = SystemCall.retrying { Glibc.open(aside, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640) }
        }
        guard afd >= 0 else { throw SystemCall.error("saving the torn tail of \(path) to", aside, errno) }
        do {
            defer { close(afd) }
            try SystemCall.appendWhole(afd, torn, path: aside, restoreLength: 0)
            guard fsync(afd) == 0 else { throw SystemCall.error("fsync of", aside, errno) }
        }
        try SystemCall.fsyncDirectory(SystemCall.dirname(of: path))
        guard ftruncate(fd, off_t(damage.offset)) == 0 else { throw SystemCall.error("cutting the torn tail of", path, errno) }
        guard fsync(fd) == 0 else { throw SystemCall.error("fsync of", path, errno) }
        warnings.append("\(SystemCall.basename(of: path)): \(damage) — an interrupted write; its \(torn.count) bytes were moved to \(SystemCall.basename(of: aside)) and cut off; records 1 to \(damage.expectedSequence - 1) are intact")
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
    }

    /// Checks every record's hash and the chain, under a shared lock, without changing anything.
    public static func verify(path: String) throws(KlaxonError) -> Verification {
        let file = try JournalFile.open(path: path)
        try SystemCall.lock(file.fd, LOCK_SH, path: path)
        defer { SystemCall.unlock(file.fd) }
        let size = try SystemCall.fileSize(file.fd, path: path)
        var count = 0
        var damage: JournalScanner.Damage?
        // In slices of whole lines, so memory stays bounded for any journal size.
        var offset = 0
        let chunk = 8 << 20
        while offset < size, damage == nil {
            var bytes = try SystemCall.read(file.fd, offset: offset, count: min(chunk, size - offset), path: path)
            let atEnd = offset + bytes.count >= size
            if !atEnd, let lastNewline = bytes.lastIndex(of: 0x0A) {
                bytes.removeSubrange((lastNewline + 1)...)
            } else if !atEnd {
                bytes = try SystemCall.read(file.fd, offset: offset, count: size - offset, path: path)
            }
            let outcome = bytes.withUnsafeBufferPointer {
                file.scanner.scan($0, isComplete: offset + bytes.count >= size, parallelism: decodingThreads)
            }
            count += outcome.records.count
            damage = outcome.damage
            offset = file.scanner.validLength
            if outcome.records.isEmpty && damage == nil { break }
        }
        return Verification(path: path, recordCount: count, byteCount: size, lastHash: file.scanner.lastHash, damage: damage)
    }

    /// Cuts a torn tail off (keeping its bytes aside), and nothing else. Returns what was done, or nil
    /// when the journal was intact. Damage before the tail is refused.
    public static func repair(path: String) throws(KlaxonError) -> String? {
        let file = try JournalFile.open(path: path)
        guard file.canWrite else {
            throw .failed("\(path) cannot be written (\(SystemCall.describe(file.openForWriteError))); \(SystemCall.advice(file.openForWriteError))")
        }
        try SystemCall.lock(file.fd, LOCK_EX, path: path)
        defer { SystemCall.unlock(file.fd) }
        let outcome = try file.scanToEnd()
        guard let damage = outcome.damage else { return nil }
        guard damage.kind == .tornTail else {
            throw .failed("\(path) is damaged at \(damage). That is not a torn tail, so repair cuts nothing; keep a copy and see docs/journal-format.md, \"Damage\"")
        }
        try file.cutTornTail(damage)
        return file.warnings.last
    }
}
