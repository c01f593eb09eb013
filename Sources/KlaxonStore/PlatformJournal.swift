#if canImport(Glibc)
import Glibc
#endif
import KlaxonCore

/// `platform.jsonl` in the journals directory: every state change of the status checks, with the same
/// format and guarantees as an incident journal (hash chain, one `write`, fdatasync). Only the process
/// holding `.poller.lock` writes it, so two consoles on one workspace do not record each change twice.
public final class PlatformJournal: @unchecked Sendable {
    public static let fileName = "platform.jsonl"

    public let path: String
    private let lockFD: Int32
    private var file: JournalFile?

    /// The journal of the workspace's journals directory, if this process can become its writer (nil
    /// when another process holds the lock; it then does the writing).
    public static func claim(directory: String) throws(KlaxonError) -> PlatformJournal? {
        try SystemCall.makeDirectory(directory)
        let lockPath = directory + "/.poller.lock"
        let fd = SystemCall.retrying { open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o660) }
        guard fd >= 0 else { throw SystemCall.error("opening", lockPath, errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        return PlatformJournal(path: directory + "/" + fileName, lockFD: fd)
    }

    private init(path: String, lockFD: Int32) {
        self.path = path
        self.lockFD = lockFD
    }

    deinit { close(lockFD) }  // closing releases the lock

    /// Records a state change; it is on disk when this returns.
    @discardableResult
    public func record(check: String, from: CheckState, to: CheckState, detail: String, at t: Timestamp,
                       by writer: WriterIdentity) throws(KlaxonError) -> JournalRecord {
        let draft = RecordDraft(type: RecordType.checkChanged.rawValue,
                                data: ["check": .string(check), "from": .string(from.rawValue), "to": .string(to.rawValue), "detail": .string(detail)],
                                timestamp: t, actor: writer.actor, host: writer.host, pid: writer.pid)
        if file == nil {
            if let created = try JournalFile.create(path: path, firstRecord: draft) {
                file = created
                guard let first = try created.readNewRecords().last else { throw .failed("\(path) was created without its first record") }
                return first
            }
            file = JournalFile.open(path: path)
        }
        return try file!.append { _ in draft }
    }
}
