#if canImport(Glibc)
import Glibc
#endif
import KlaxonCore

extension JournalFile {
    /// Whether the file on disk holds more than the records read so far (a cheap `stat`).
    public var hasUnreadBytes: Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        return Int(info.st_size) > validLength
    }
}

extension IncidentStore {
    /// Creates the journals directory if it is missing.
    public func ensureDirectory() throws(KlaxonError) { try SystemCall.makeDirectory(directory) }
}
