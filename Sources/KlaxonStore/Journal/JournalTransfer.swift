import KlaxonCore

#if canImport(Glibc)
    import Glibc
#endif

/// Copies journals from one store to another, record for record and line for line: `klaxon journal
/// export` (the workspace's store into a directory of journal files) and `klaxon journal import` (such
/// a directory into the workspace's store). Written against `JournalStore` alone, so any store can be
/// on either side; the source is only read, and the target is only ever given whole journals
/// (`JournalStore.create(_:records:)`), never changed.
public struct JournalTransfer: Sendable {
    /// What happened to one journal.
    public struct Outcome: Sendable {
        public enum Result: Sendable, Equatable {
            /// Created in the target, the same records as the source's.
            case copied
            /// The target already held the very same records; nothing was done.
            case alreadyThere
            /// The target (import's store) already held these records and `records` in all, the ones
            /// after them written since this copy was made: it holds the whole copy, so nothing was done.
            case alreadyThereWentOn(records: Int)
            /// Nothing was done, for this reason (one line: what, where, what to do).
            case refused(String)
            /// The source is damaged or torn at `damage`. Export writes its intact records to `file`
            /// (none when nil), named so that nobody takes it for the whole journal; import takes
            /// nothing from it. `detail` says what was done and what to do next.
            case damaged(damage: JournalScanner.Damage, file: String?, detail: String)
            /// `NAME.jsonl.partial` in the directory imported from: what export set apart of a damaged
            /// journal, never imported (it would look whole), only said.
            case partialCopy(file: String)
        }
        /// The journal's name (`INC-3`, `platform`).
        public var name: String
        public var result: Result
        /// The source's records (its intact ones when damaged), and the last one's hash.
        public var recordCount: Int
        public var lastHash: RecordHash?
    }

    public let source: any JournalStore
    public let target: any JournalStore
    /// Where a damaged source journal's intact records go (export), or nil (import, which takes nothing from it).
    let partials: FileJournalStore?
    /// What to do about a target journal that differs, said after "nothing done".
    let advice: String
    /// Whether this is an import, which refuses what is damaged and takes a longer target journal as
    /// holding the copy.
    public var isImport: Bool { partials == nil }

    /// From the workspace's `store` into `directory` as journal files, created if missing (mode 0770
    /// less the umask, as the journals directory). A damaged or torn journal's intact records are
    /// written to `INC-N.jsonl.partial` beside them, never as `INC-N.jsonl`. Refuses a `directory` that
    /// is not one, cannot be written, or is (or is in) the store's own directory, which export never
    /// changes.
    public static func export(from store: any JournalStore, to directory: String) throws(KlaxonError)
        -> JournalTransfer
    {
        var info = stat()
        if stat(directory, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw .badInput(
                    "\(directory) is not a directory; give a directory to export into (it is created if missing)")
            }
        } else if errno != ENOENT {
            throw SystemCall.error("looking at", directory, errno)
        }
        if let files = store as? FileJournalStore, let inside = resolved(directory),
            let journals = resolved(files.directory), inside == journals || inside.hasPrefix(journals + "/")
        {
            throw .badInput(
                "\(directory) is in the workspace's journals directory \(store.location), which export never changes; give a directory outside it"
            )
        }
        try SystemCall.makeDirectory(directory)
        guard access(directory, W_OK | X_OK) == 0 else {
            let code = errno
            throw .failed(
                "\(directory) cannot be written (\(SystemCall.describe(code))); nothing was exported; \(SystemCall.advice(code))"
            )
        }
        let files = FileJournalStore(directory: directory)
        return JournalTransfer(
            source: store, target: files, partials: files, advice: "move it away, or export into an empty directory")
    }

    /// From the journal files of `directory` into the workspace's `store`. Nothing is taken from a
    /// damaged or torn journal, nor from an `INC-N.jsonl.partial` (`partialCopies()`). Refuses a
    /// `directory` that is missing, not one, or cannot be read.
    public static func importing(from directory: String, to store: any JournalStore) throws(KlaxonError)
        -> JournalTransfer
    {
        var info = stat()
        guard stat(directory, &info) == 0 else {
            let code = errno
            if code == ENOENT {
                throw .badInput("\(directory) does not exist; give the directory klaxon journal export wrote")
            }
            throw SystemCall.error("looking at", directory, code)
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw .badInput("\(directory) is not a directory; give the directory klaxon journal export wrote")
        }
        guard access(directory, R_OK | X_OK) == 0 else {
            let code = errno
            throw .failed(
                "\(directory) cannot be read (\(SystemCall.describe(code))); nothing was imported; \(SystemCall.advice(code))"
            )
        }
        return JournalTransfer(
            source: FileJournalStore(directory: directory), target: store, partials: nil,
            advice: "the store keeps its own; import into an empty workspace to look at this copy")
    }

    /// `path` with its links resolved, as far as it exists (the rest appended as given); nil when
    /// nothing of it resolves.
    private static func resolved(_ path: String) -> String? {
        var existing = path
        var rest: [String] = []
        while true {
            if let real = realpath(existing, nil) {
                defer { free(real) }
                return ([String(cString: real)] + rest.reversed()).joined(separator: "/")
            }
            let parent = SystemCall.dirname(of: existing)
            guard parent != existing, existing.contains("/") else { return nil }
            rest.append(SystemCall.basename(of: existing))
            existing = parent
        }
    }

    /// Copies journal `name` unless the target has it. Whatever is wrong with this one journal (in the
    /// source, or a different journal of that name in the target) is its outcome; a target that cannot
    /// be written (a full disk, permissions) is thrown, and what was copied before stays, each whole.
    public func copy(_ name: String) throws(KlaxonError) -> Outcome {
        let journal = source.journal(name)
        let records: [JournalRecord]
        do { records = try journal.readNewRecords() } catch { return refused(name, error.message) }
        let summary = Outcome(name: name, result: .copied, recordCount: records.count, lastHash: records.last?.hash)
        if let damage = journal.corruption ?? journal.tornTail {
            guard let partials else {
                // Export never writes a damaged or torn INC-N.jsonl: this copy was changed or cut after
                // it. The journal to check is the one it was exported from, which this directory is not.
                var outcome = summary
                outcome.result = .damaged(
                    damage: damage, file: nil,
                    detail:
                        "nothing was imported from \(journal.path). Check \(name) in the workspace it came from (klaxon journal verify \(name) there), export it again into an empty directory and import from that"
                )
                return outcome
            }
            return try setApart(records, of: summary, damage: damage, into: partials)
        }
        guard !records.isEmpty else {
            return refused(
                name,
                "\(journal.path) holds no complete record, so it is not a journal Klaxon wrote (a journal always holds its first record); nothing done"
            )
        }
        if !NamedJournals.contains(name) {
            let declared: String
            do { declared = try IncidentReplay.start(records[0], keepingTimeline: false).id } catch {
                return refused(name, "\(journal.path) is not an incident's journal: \(error.message); nothing done")
            }
            guard declared == name else {
                return refused(
                    name,
                    "\(journal.path) declares \(declared) in its first record, not \(name): the file was copied or renamed by hand; nothing done. Rename it back to \(declared).jsonl"
                )
            }
        }
        do { _ = try JournalCodec.lines(copying: records) } catch {
            return refused(name, "\(journal.path): \(error); nothing done")
        }
        if target.stamp(of: name) == nil, try target.create(name, records: records) != nil { return summary }
        // It exists (or was created by someone else a moment ago): the same journal, or not?
        return compare(records, with: target.journal(name), summary: summary)
    }

    /// The journals that the directory imported from holds only as `NAME.jsonl.partial` (what export
    /// set apart of a damaged journal), in order; none for export, which writes such files.
    public func partialCopies() throws(KlaxonError) -> [String] {
        guard isImport, let files = source as? FileJournalStore else { return [] }
        guard let dir = opendir(files.directory) else { throw SystemCall.error("listing", files.directory, errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let file = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw[..<(raw.firstIndex(of: 0) ?? raw.count)], as: UTF8.self)
            }
            guard file.hasSuffix(".jsonl.partial") else { continue }
            let name = String(file.dropLast(".jsonl.partial".count))
            if NamedJournals.contains(name) || IncidentID.normalize(name) == name, files.stamp(of: name) == nil {
                names.append(name)
            }
        }
        // Incidents by number, then the named journals, as journalNames() gives them.
        return names.sorted {
            (IncidentID.number(of: $0) ?? .max, NamedJournals.names.firstIndex(of: $0) ?? 0)
                < (IncidentID.number(of: $1) ?? .max, NamedJournals.names.firstIndex(of: $1) ?? 0)
        }
    }

    /// Journal `name` of the directory imported from when it is there only as `NAME.jsonl.partial`
    /// (`lstat`: a link is there too, and never read): said, never imported. Nil otherwise.
    public func partialCopy(of name: String) -> Outcome? {
        guard isImport, let files = source as? FileJournalStore, files.stamp(of: name) == nil else { return nil }
        let path = files.path(of: name) + ".partial"
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return Outcome(name: name, result: .partialCopy(file: path), recordCount: 0, lastHash: nil)
    }

    private func refused(_ name: String, _ why: String) -> Outcome {
        Outcome(name: name, result: .refused(why), recordCount: 0, lastHash: nil)
    }

    /// The target's journal of the same name against the source's records.
    private func compare(_ records: [JournalRecord], with existing: any StoredJournal, summary: Outcome) -> Outcome {
        let theirs: [JournalRecord]
        do { theirs = try existing.readNewRecords() } catch { return refused(summary.name, error.message) }
        if let damage = existing.corruption ?? existing.tornTail {
            return refused(
                summary.name, "\(existing.path) already exists and is damaged at \(damage); nothing done; \(advice)")
        }
        // Hashes cover each line and, through `prev`, all before it.
        let common = zip(records, theirs).prefix { $0.hash == $1.hash }.count
        var outcome = summary
        switch (common == records.count, common == theirs.count) {
        case (true, true):
            outcome.result = .alreadyThere
        case (true, false) where isImport:
            // The store holds all of this copy and more: nothing of it is missing there.
            outcome.result = .alreadyThereWentOn(records: theirs.count)
        case (true, false):
            outcome.result = .refused(
                "\(existing.path) already holds \(Plural.count(theirs.count, "record")), and these \(records.count) are its first: it went on after this copy was made; nothing done; \(advice)"
            )
        case (false, true):
            outcome.result = .refused(
                "\(existing.path) already holds the first \(Plural.count(theirs.count, "record")) of these \(records.count): it is an older copy; nothing done; \(advice)"
            )
        case (false, false):
            outcome.result = .refused(
                "\(existing.path) already exists and differs from record \(common + 1) on: it is another journal; nothing done; \(advice)"
            )
        }
        return outcome
    }

    /// Writes a damaged journal's intact records to `NAME.jsonl.partial` in `files`' directory, whole or
    /// not at all. The name keeps every reader of journals from taking it for the journal, which would
    /// look whole; the damaged rest stays in the source, to be compared with a backup there.
    private func setApart(
        _ records: [JournalRecord], of summary: Outcome, damage: JournalScanner.Damage, into files: FileJournalStore
    ) throws(KlaxonError) -> Outcome {
        var outcome = summary
        // A torn tail's next step is on its line (repair); damage's is the docs' "Damage".
        let next =
            damage.kind == .tornTail ? "" : "; keep the source as it is and see docs/journal-format.md, \"Damage\""
        guard !records.isEmpty else {
            outcome.result = .damaged(
                damage: damage, file: nil, detail: "no record before it is intact, so nothing was written\(next)")
            return outcome
        }
        let path = files.path(of: summary.name) + ".partial"
        let intact = records.count == 1 ? "its 1 intact record was" : "its \(records.count) intact records were"
        let bytes: [UInt8]
        do { bytes = try JournalCodec.lines(copying: records) } catch {
            return refused(summary.name, "\(source.journal(summary.name).path): \(error); nothing done")
        }
        try SystemCall.makeDirectory(files.directory)
        if try SystemCall.createWhole(path, bytes: bytes) {
            try SystemCall.fsyncDirectory(files.directory)
        } else {
            do {
                let (fd, _) = try SystemCall.openJournal(path, forAppending: false)
                defer { close(fd) }
                let size = try SystemCall.fileSize(fd, path: path)
                guard try SystemCall.read(fd, offset: 0, count: size, path: path) == bytes else {
                    outcome.result = .damaged(
                        damage: damage, file: nil,
                        detail:
                            "\(intact) not written: \(path) already exists and differs; \(advice)"
                    )
                    return outcome
                }
            } catch {
                return refused(summary.name, error.message)
            }
        }
        outcome.result = .damaged(
            damage: damage, file: path,
            detail:
                "\(intact) written to \(path), not as \(summary.name).jsonl, so that nobody takes \(records.count == 1 ? "it" : "them") for the whole journal\(next)"
        )
        return outcome
    }
}
