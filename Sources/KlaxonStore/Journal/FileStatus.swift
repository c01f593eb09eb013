import KlaxonCore

#if canImport(Glibc)
    import Glibc
#endif

extension JournalFile {
    /// Whether the file on disk holds more than the records read so far (a cheap `stat`).
    public var hasUnreadBytes: Bool {
        var info = stat()
        guard lstat(path, &info) == 0 else { return false }
        return Int(info.st_size) > validLength
    }
}

/// Sizes, modification times and inode numbers of files (-1 for a missing one): equal signatures, same
/// files. The console compares them each second to notice edits to the workspace's config.
public func fileSignature(_ paths: [String]) -> [Int] {
    var result: [Int] = []
    for path in paths {
        var info = stat()
        if stat(path, &info) == 0 {
            result += [Int(info.st_size), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec), Int(info.st_ino)]
        } else {
            result.append(-1)
        }
    }
    return result
}

extension IncidentStore {
    /// Creates the journals directory if it is missing (so a console can watch it before the first
    /// incident); a database has no directory to make (its location is a URI, not a path).
    public func ensureDirectory() throws(KlaxonError) {
        guard let files = journals as? FileJournalStore else { return }
        try SystemCall.makeDirectory(files.directory)
    }
}
