#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An incident's journal as a store lists it (`JournalStore.incidentJournals()`): its number, and its
/// stamp and mode when it was listed. What an overview compares with its index.
public struct ListedJournal: Sendable {
    /// The incident's number (`INC-N`).
    public var number: Int
    /// The journal's stamp; nil for one gone between its listing and its stamp.
    public var stamp: JournalStamp?
    /// The journal file's mode, for its warnings (`IncidentStore.modeWarnings`); 0 where there is none.
    public var mode: mode_t

    public init(number: Int, stamp: JournalStamp?, mode: mode_t = 0) {
        self.number = number
        self.stamp = stamp
        self.mode = mode
    }
}
