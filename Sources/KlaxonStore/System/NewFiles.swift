import KlaxonCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Creates a set of files that must not exist yet, all of them or none: what `klaxon init` writes.
/// Each file is created whole (written and fsynced before it gets its name, `SystemCall.createWhole`),
/// never over anything, and when one cannot be created — it appeared meanwhile, the disk is full — the
/// files and directories made so far are removed again, so a failed run leaves the directory as it was.
public enum NewFiles {
    /// A file to create: its path relative to the directory, and its text.
    public struct File: Sendable, Equatable {
        public var path: String
        public var text: String

        public init(_ path: String, _ text: String) {
            self.path = path
            self.text = text
        }
    }

    /// The first of `files` that already exists in `directory` (as anything: a file, a directory, a
    /// link), so that a caller can refuse before writing anything.
    public static func firstExisting(_ files: [File], in directory: String) -> String? {
        files.map { directory + "/" + $0.path }.first { path in
            var info = stat()
            return lstat(path, &info) == 0
        }
    }

    /// Creates `files` in `directory` (made, with its parents, when missing), in order. An existing
    /// file is never replaced: it is a `badInput` error naming it, after everything made by this call
    /// is removed again.
    public static func create(_ files: [File], in directory: String, mode: mode_t = 0o644) throws(KlaxonError) {
        var madeFiles: [String] = []
        var madeDirectories: [String] = []
        func undo() {
            for path in madeFiles.reversed() { unlink(path) }
            for path in madeDirectories.reversed() { rmdir(path) }
        }
        do throws(KlaxonError) {
            for file in files {
                let path = directory + "/" + file.path
                for missing in missingDirectories(above: path) {
                    try SystemCall.makeDirectory(missing)
                    madeDirectories.append(missing)
                }
                guard try SystemCall.createWhole(path, bytes: Array(file.text.utf8), mode: mode) else {
                    throw KlaxonError.badInput(
                        "\(path) appeared while klaxon init was writing; nothing was created: run it again once nobody else writes there"
                    )
                }
                madeFiles.append(path)
            }
            try SystemCall.fsyncDirectory(directory)
        } catch {
            undo()
            throw error
        }
    }

    /// The directories above `path` that do not exist, outermost first.
    static func missingDirectories(above path: String) -> [String] {
        var missing: [String] = []
        var directory = SystemCall.dirname(of: path)
        while directory != "/" && !directory.isEmpty {
            var info = stat()
            if stat(directory, &info) == 0 { break }
            missing.insert(directory, at: 0)
            let parent = SystemCall.dirname(of: directory)
            if parent == directory { break }
            directory = parent
        }
        return missing
    }
}
