import KlaxonCore

/// Where review exports go and what they read besides the incident's own journal.
public enum ReviewFiles {
    /// `reviews/` in the workspace: where the console writes exported reviews.
    public static let directoryName = "reviews"

    /// `reviews/INC-7-20261122T164604Z.md`: named by the export time, so exporting again never
    /// overwrites a review somebody has started filling in.
    public static func exportPath(
        workspaceRoot root: String, id: String, at time: Timestamp, extension ext: String = "md"
    ) -> String {
        root + "/" + directoryName + "/" + id + "-" + time.compactUTC + "." + ext
    }

    /// `platformRecords(store:)` of the journal files in `journalsDirectory`.
    public static func platformRecords(journalsDirectory: String) throws(KlaxonError) -> (
        records: [JournalRecord], warnings: [String]
    ) {
        try platformRecords(store: FileJournalStore(directory: journalsDirectory))
    }

    /// The platform journal's records (check state changes), or none when there is no platform journal.
    /// Damage in it is reported in `warnings` and the records before it are used.
    public static func platformRecords(store: any JournalStore) throws(KlaxonError) -> (
        records: [JournalRecord], warnings: [String]
    ) {
        let journal = store.journal(PlatformJournal.name)
        let records: [JournalRecord]
        do {
            records = try journal.readNewRecords()
        } catch  where error.kind == .badInput {
            return ([], [])  // no platform journal: nothing was ever polled
        }
        var warnings = journal.warnings
        if let damage = journal.corruption {
            warnings.append("\(journal.path) is damaged at \(damage); its records after that are left out")
        }
        return (records, warnings)
    }
}
