import Dispatch
import KlaxonCore
import KlaxonStore
import Synchronization

/// Saves the responder's actions off its loop, so a journal whose lock is held (a stuck writer, a
/// `flock` in another terminal) never freezes the keys, the clock or `q`. One save at a time, in the
/// order asked, each waiting for the lock at most `LockWait.standard`'s bounded time.
///
/// The saver keeps its own summaries of the incidents it writes, touched only on its queue; the
/// responder reads what was saved from the journal, as it reads any other responder's records.
final class JournalSaver: Sendable {
    /// How a save ended, handed to the loop.
    struct Outcome: Sendable {
        var incidentID: String
        var action: IncidentAction
        var result: Result<JournalRecord, KlaxonError>
    }

    /// What the loop takes: ended saves, and what saves waiting for a lock said.
    private struct Handoff {
        var outcomes: [Outcome] = []
        /// What a save waiting for a lock says after a second (who holds the lock).
        var notices: [(incidentID: String, text: String)] = []
    }

    private let queue = DispatchQueue(label: "klaxon.journal-saver")
    private let store: IncidentStore
    private let writer: WriterIdentity
    private let now: @Sendable () -> Timestamp
    /// Only used on `queue` (the lock is never contended; it makes that safe to say).
    private let journals = Mutex<[String: IncidentJournal]>([:])
    private let handoff = Mutex(Handoff())
    private let wake: @Sendable () -> Void

    init(
        store: IncidentStore, writer: WriterIdentity, now: @escaping @Sendable () -> Timestamp,
        wake: @escaping @Sendable () -> Void
    ) {
        self.store = store
        self.writer = writer
        self.now = now
        self.wake = wake
    }

    /// Saves `action` on `id` in the background; its outcome comes out of `finished()`.
    func save(_ action: IncidentAction, on id: String) {
        queue.async { [self] in
            let result = journals.withLock { journals in
                Result { () throws(KlaxonError) -> JournalRecord in
                    let journal: IncidentJournal
                    if let known = journals[id] {
                        journal = known
                    } else {
                        journal = try store.open(id, keepingTimeline: false)
                        journal.lockWait.notice = { [self] text in
                            handoff.withLock { $0.notices.append((id, text)) }
                            wake()
                        }
                        journals[id] = journal
                    }
                    return try journal.perform(action, by: writer, now: now)
                }
            }
            handoff.withLock {
                $0.outcomes.append(Outcome(incidentID: id, action: action, result: result))
            }
            wake()
        }
    }

    /// The saves that ended since the last call.
    func finished() -> [Outcome] {
        handoff.withLock { state in
            defer { state.outcomes.removeAll() }
            return state.outcomes
        }
    }

    /// What saves still waiting said since the last call (a held lock, and whose).
    func waitingNotices() -> [(incidentID: String, text: String)] {
        handoff.withLock { state in
            defer { state.notices.removeAll() }
            return state.notices
        }
    }

    /// Waits until every save asked for has ended (each is bounded by its lock wait).
    func waitForAll() { queue.sync {} }
}
