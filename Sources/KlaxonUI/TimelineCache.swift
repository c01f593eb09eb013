import Foundation
import KlaxonCore

/// The wrapped text of timeline records, kept from one frame to the next. The console draws the
/// incident screen again each second for its clock; wrapping the records on screen each time cost a
/// third of a core with a 1 MB note. Entries are keyed by everything the lines depend on (the record's
/// hash, which covers its contents, the width, the most lines shown and the time zone), so a frame
/// drawn with the cache is the frame drawn without it: the view stays a function of the model.
public final class TimelineCache: @unchecked Sendable {
    struct Key: Hashable {
        var record: RecordHash
        var width: Int
        var maxLines: Int
        var timeZone: String
    }

    private let lock = NSLock()
    private var entries: [Key: [String]] = [:]
    private var cachedLines = 0
    private var layouts = 0

    /// The lines it keeps at most (a few megabytes); past that it starts again empty.
    static let capacity = 20_000

    public init() {}

    /// How many records were laid out (not found in the cache) so far.
    public var recordsLaidOut: Int { lock.withLock { layouts } }

    /// The lines of `record` laid out with these parameters: from the cache, or made by `layOut` and kept.
    func lines(of record: JournalRecord, width: Int, maxLines: Int, timeZone: TimeZone, layOut: () -> [String]) -> [String] {
        let key = Key(record: record.hash, width: width, maxLines: maxLines, timeZone: timeZone.identifier)
        if let lines = lock.withLock({ entries[key] }) { return lines }
        let lines = layOut()
        lock.withLock {
            layouts += 1
            if cachedLines + lines.count > Self.capacity {
                entries.removeAll(keepingCapacity: true)
                cachedLines = 0
            }
            entries[key] = lines
            cachedLines += lines.count
        }
        return lines
    }
}
