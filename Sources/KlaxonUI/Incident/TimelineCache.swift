import Foundation
import KlaxonCore
import Synchronization

/// The wrapped text of timeline records, kept from one frame to the next. The console draws the
/// incident screen again each second for its clock; wrapping the records on screen each time cost a
/// third of a core with a 1 MB note. Entries are keyed by everything the lines depend on (the record's
/// hash, which covers its contents, the width, the most lines shown and the time zone), so a frame
/// drawn with the cache is the frame drawn without it: the view stays a function of the model.
public final class TimelineCache: Sendable {
    struct Key: Hashable {
        var record: RecordHash
        var width: Int
        var maxLines: Int
        var timeZone: String
    }

    private struct State {
        var entries: [Key: [String]] = [:]
        var cachedLines = 0
        var layouts = 0
    }

    private let state = Mutex(State())

    /// The lines it keeps at most (a few megabytes); past that it starts again empty.
    static let capacity = 20_000

    public init() {}

    /// How many records were laid out (not found in the cache) so far.
    public var recordsLaidOut: Int { state.withLock { $0.layouts } }

    /// The lines of `record` laid out with these parameters: from the cache, or made by `layOut` and kept.
    func lines(of record: JournalRecord, width: Int, maxLines: Int, timeZone: TimeZone, layOut: () -> [String])
        -> [String]
    {
        let key = Key(record: record.hash, width: width, maxLines: maxLines, timeZone: timeZone.identifier)
        if let lines = state.withLock({ $0.entries[key] }) { return lines }
        let lines = layOut()
        state.withLock { state in
            state.layouts += 1
            if state.cachedLines + lines.count > Self.capacity {
                state.entries.removeAll(keepingCapacity: true)
                state.cachedLines = 0
            }
            state.entries[key] = lines
            state.cachedLines += lines.count
        }
        return lines
    }
}
