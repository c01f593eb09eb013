import Dispatch
import KlaxonCore
import KlaxonStore

/// Saves the console's actions off its loop, so a journal whose lock is held (a stuck writer, a
/// `flock` in another terminal) never freezes the keys, the clock or `q`. One save at a time, in the
/// order asked, each waiting for the lock at most `LockWait.standard`'s bounded time.
///
/// The saver keeps its own summaries of the incidents it writes, touched only on its queue; the
/// console's loop reads what was saved from the journal, as it reads any other responder's records.
final class JournalSaver: @unchecked Sendable {
    /// How a save ended, handed to the loop.
    struct Outcome: Sendable {
        var incidentID: String
        var action: IncidentAction
        var result: Result<JournalRecord, KlaxonError>
    }

    private let queue = DispatchQueue(label: "klaxon.journal-saver")
    private let store: IncidentStore
    private let writer: WriterIdentity
    private let now: @Sendable () -> Timestamp
    /// Only touched on `queue`.
    private var journals: [String: IncidentJournal] = [:]
    private let outcomes = LockedQueue<Outcome>()
    /// What a save waiting for a lock says after a second (who holds the lock), for the loop to show.
    private let notices = LockedQueue<(incidentID: String, text: String)>()
    private let pending = LockedCounter()
    private let wake: @Sendable () -> Void

    init(store: IncidentStore, writer: WriterIdentity, now: @escaping @Sendable () -> Timestamp, wake: @escaping @Sendable () -> Void) {
        self.store = store
        self.writer = writer
        self.now = now
        self.wake = wake
    }

    /// Saves `action` on `id` in the background; its outcome comes out of `finished()`.
    func save(_ action: IncidentAction, on id: String) {
        pending.add(1)
        queue.async { [self] in
            let result = Result { () throws(KlaxonError) -> JournalRecord in
                let journal: IncidentJournal
                if let known = journals[id] {
                    journal = known
                } else {
                    journal = try store.open(id, keepingTimeline: false)
                    let notices = self.notices, wake = self.wake
                    journal.lockWait.notice = { text in
                        notices.push((id, text))
                        wake()
                    }
                    journals[id] = journal
                }
                return try journal.perform(action, by: writer, now: now)
            }
            outcomes.push(Outcome(incidentID: id, action: action, result: result))
            pending.add(-1)
            wake()
        }
    }

    /// The saves that ended since the last call.
    func finished() -> [Outcome] { outcomes.drain() }

    /// What saves still waiting said since the last call (a held lock, and whose).
    func waitingNotices() -> [(incidentID: String, text: String)] { notices.drain() }

    /// Saves asked for and not yet ended.
    var inFlight: Int { pending.value }

    /// Waits until every save asked for has ended (each is bounded by its lock wait).
    func waitForAll() { queue.sync {} }
}
