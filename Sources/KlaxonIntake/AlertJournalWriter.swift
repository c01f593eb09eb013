import Foundation
import KlaxonCore
import KlaxonStore
import Synchronization

/// Records what the intake accepts, durably, before it is answered: one thread takes the requests the
/// handlers hand it and writes everything waiting as ONE `alerts.received` record on the store's journal
/// `alerts` (a group commit: under a storm, one `fdatasync` answers many requests), then tells each
/// handler. Handlers await it through a continuation, so no thread of Swift's cooperative pool waits for
/// the disk.
public final class AlertJournalWriter: Sendable {
    /// How a request handed over ended.
    public enum Outcome: Equatable, Sendable {
        /// In the journal, durably: answer 2xx.
        case recorded
        /// Not taken: `maximumWaiting` requests were already waiting for the writer (answer 429/503).
        case busy
        /// The write failed (the store did not answer, the disk is full): nothing of it was recorded,
        /// unless the failure is `outcomeUnknown` (a database's lost acknowledgement). Answer 5xx.
        case failed(KlaxonError)
    }

    /// The most requests waiting for the writer at once; more are refused at once (`Outcome.busy`).
    public static let maximumWaiting = 1000
    /// The most body bytes one record carries (several requests' bodies up to this, or one larger).
    public static let recordBytes = 16 << 20
    /// A write that succeeded this recently makes `/-/ready` answer without asking the store.
    static let freshSeconds: Int64 = 10

    private enum Item {
        case batch(ReceivedAlerts, bytes: Int, done: @Sendable (Outcome) -> Void)
        case ping(HeartbeatPing, done: @Sendable (Outcome) -> Void)
        case probe(done: @Sendable (Bool) -> Void)
    }

    private struct State {
        var waiting: [Item] = []
        var stopping = false
        /// When a write (or a probe) last succeeded, and whether the last one did.
        var lastSuccess: Timestamp?
        var lastFailed = false
        /// The address the intake listens on, until its `intake.started` record is written; then
        /// `announced` (its `intake.stopped` is written at the stop).
        var announcing: String?
        var announced: String?
    }

    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let store: any JournalStore
    private let writer: WriterIdentity
    private let clock: @Sendable () -> Timestamp
    private let linkKey: String?
    private let say: @Sendable (_ text: String, _ isProblem: Bool) -> Void

    /// A writer on `store`'s journal `alerts`, its records written as `writer` (actor `klaxon`, this
    /// host and process). `say` is told when writes start failing (once, with why: a problem) and when
    /// one succeeds again: the senders only see 5xx. Nothing runs until `start()`.
    /// `linkKey` names the key the listener checks action links with (recorded with its start, so that
    /// the process sending pages signs with the same one or makes none).
    public init(
        store: any JournalStore, writer: WriterIdentity, clock: @escaping @Sendable () -> Timestamp,
        linkKey: String? = nil, say: @escaping @Sendable (_ text: String, _ isProblem: Bool) -> Void = { _, _ in }
    ) {
        self.linkKey = linkKey
        self.store = store
        self.writer = writer
        self.clock = clock
        self.say = say
    }

    /// Starts the writer's thread.
    public func start() {
        let thread = Thread { [self] in run() }
        thread.name = "klaxon-alert-writer"
        thread.start()
    }

    /// Records `batch` (whose request body was `bytes` long) with the others waiting; returns once it is
    /// durable, or why it is not.
    public func record(_ batch: ReceivedAlerts, bytes: Int) async -> Outcome {
        await hand { .batch(batch, bytes: bytes, done: $0) }
    }

    /// Records a heartbeat check's `ping` with the others waiting; returns once it is durable, or why it
    /// is not.
    public func record(_ ping: HeartbeatPing) async -> Outcome {
        await hand { .ping(ping, done: $0) }
    }

    /// Records that the intake listens on `listen` now (`HeartbeatPing.intakeStartedRecordType`): the
    /// heartbeat checks' silence counts from here. Written before anything else the writer writes, and
    /// tried again each second while the store refuses it.
    public func announce(listen: String) {
        state.withLock { $0.announcing = listen }
        wake.signal()
    }

    private func hand(_ item: (@escaping @Sendable (Outcome) -> Void) -> Item) async -> Outcome {
        await withCheckedContinuation { continuation in
            let taken = state.withLock { state -> Bool in
                guard !state.stopping, state.waiting.count < Self.maximumWaiting else { return false }
                state.waiting.append(item({ continuation.resume(returning: $0) }))
                return true
            }
            if taken {
                wake.signal()
            } else {
                continuation.resume(returning: .busy)
            }
        }
    }

    /// Whether the store answers: the last write succeeded within `freshSeconds`, or else the writer's
    /// thread asked the store now (listed its journals) and it answered.
    public func isReady() async -> Bool {
        let now = clock()
        let fresh = state.withLock { state in
            !state.lastFailed && state.lastSuccess.map { $0.seconds(until: now) < Self.freshSeconds } == true
        }
        if fresh { return true }
        return await withCheckedContinuation { continuation in
            let taken = state.withLock { state -> Bool in
                guard !state.stopping, state.waiting.count < Self.maximumWaiting else { return false }
                state.waiting.append(.probe(done: { continuation.resume(returning: $0) }))
                return true
            }
            if taken {
                wake.signal()
            } else {
                continuation.resume(returning: false)
            }
        }
    }

    /// Refuses new requests, writes those waiting, and stops the thread (waiting for it).
    public func stop() {
        state.withLock { $0.stopping = true }
        wake.signal()
        finished.wait()
    }

    private func run() {
        let journal = AlertJournal(store: store)
        while true {
            if state.withLock({ $0.announcing }) == nil {
                wake.wait()
            } else {
                _ = wake.wait(timeout: .now() + 1)
            }
            let (items, stopping, announcing) = state.withLock { state in
                defer { state.waiting.removeAll() }
                return (state.waiting, state.stopping, state.announcing)
            }
            if let announcing { announce(announcing, journal) }
            var pending = Pending()
            for item in items {
                switch item {
                case .probe(let done):
                    done(probe())
                case .ping(let ping, let done):
                    pending.pings.append((ping, done))
                case .batch(let batch, let size, let done):
                    if !pending.batches.isEmpty && pending.bytes + size > Self.recordBytes {
                        write(pending, journal)
                        pending = Pending()
                    }
                    pending.batches.append((batch, done))
                    pending.bytes += size
                }
            }
            if !pending.isEmpty { write(pending, journal) }
            if stopping {
                // Said once it no longer listens (the caller stopped the listener first): heartbeat checks
                // are unknown, not down, until an intake listens again.
                if let listen = state.withLock({ $0.announced }) {
                    _ = try? journal.append(
                        RecordDraft(
                            type: HeartbeatPing.intakeStoppedRecordType,
                            data: HeartbeatPing.intakeData(listen: listen, linkKey: linkKey), timestamp: clock(),
                            actor: writer.actor, host: writer.host, pid: writer.pid))
                }
                // Whatever was handed over after the last drain, refused (no handler is left waiting).
                let late = state.withLock { state in
                    defer { state.waiting.removeAll() }
                    return state.waiting
                }
                for item in late {
                    switch item {
                    case .batch(_, _, let done), .ping(_, let done): done(.busy)
                    case .probe(let done): done(false)
                    }
                }
                finished.signal()
                return
            }
        }
    }

    /// What one record will hold: requests' batches (and their bodies' size) and pings.
    private struct Pending {
        var batches: [(ReceivedAlerts, done: @Sendable (Outcome) -> Void)] = []
        var pings: [(HeartbeatPing, done: @Sendable (Outcome) -> Void)] = []
        var bytes = 0
        var isEmpty: Bool { batches.isEmpty && pings.isEmpty }
    }

    /// The `intake.started` record; once written, not again.
    private func announce(_ listen: String, _ journal: AlertJournal) {
        let draft = RecordDraft(
            type: HeartbeatPing.intakeStartedRecordType,
            data: HeartbeatPing.intakeData(listen: listen, linkKey: linkKey),
            timestamp: clock(), actor: writer.actor, host: writer.host, pid: writer.pid)
        guard (try? journal.append(draft)) != nil else { return }
        state.withLock {
            $0.announcing = nil
            $0.announced = listen
        }
    }

    /// One record of `pending`, then each handler told.
    private func write(_ pending: Pending, _ journal: AlertJournal) {
        let now = clock()
        let draft = RecordDraft(
            type: ReceivedAlerts.recordType,
            data: ReceivedAlerts.draftData(pending.batches.map(\.0), pings: pending.pings.map(\.0)), timestamp: now,
            actor: writer.actor, host: writer.host, pid: writer.pid)
        let outcome: Outcome
        do {
            try journal.append(draft)
            outcome = .recorded
        } catch {
            outcome = .failed(error)
        }
        let failedBefore = state.withLock { state in
            defer {
                state.lastFailed = outcome != .recorded
                if outcome == .recorded { state.lastSuccess = now }
            }
            return state.lastFailed
        }
        for (_, done) in pending.batches { done(outcome) }
        for (_, done) in pending.pings { done(outcome) }
        // Once per outage: Alertmanager retries a 503 every few seconds.
        switch (failedBefore, outcome) {
        case (false, .failed(let error)):
            say(
                "intake: the alerts received could not be recorded (\(error.message)); they are answered 5xx, which their senders retry, until a write succeeds",
                true)
        case (true, .recorded): say("intake: the alerts received are recorded again", false)
        default: break
        }
    }

    /// Asks the store whether it answers (lists its journals).
    private func probe() -> Bool {
        let answered = (try? store.journalNames()) != nil
        state.withLock { state in
            if answered { state.lastSuccess = clock() }
        }
        return answered
    }
}
