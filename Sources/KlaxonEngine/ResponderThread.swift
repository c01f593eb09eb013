import Dispatch
import Foundation
import KlaxonCore
import Synchronization

/// A `Responder` on a thread of its own, so that a journal store that does not answer (a locked
/// table, a stopped server, a hung network file system) never freezes the caller: the console's keys,
/// clock and `q`, `klaxon watch`'s notices. Everything the responder does runs there, in order: its
/// construction (which takes the store's holds and reads the recorded states), its start, its passes,
/// and what the caller asks (`ask`). What it returns comes back as `Output`s (`takeOutputs`), and the
/// caller's `wakePipe` is written when there are some.
///
/// A call of the responder that has not returned after `patienceSeconds` is said once, as
/// `notAnswering(since:)` (only a store waits that long: the passes' other work is milliseconds), and
/// its end as `answersAgain`. While the responder itself says the store is unreachable (its own
/// outage events), a slow call is not said again.
public final class ResponderThread: Sendable {
    /// What the caller asks of the responder, answered in order on its thread.
    public enum Request: Sendable {
        /// `Responder.perform`: saves an action (its outcome comes from a later pass).
        case perform(IncidentAction, on: String)
        /// `Responder.declare`, with the alert whose group goes on the incident, if any.
        case declare(Declaration, attachingAlert: String? = nil)
        /// `Responder.readFully`: the incident's records, for the screen that shows it.
        case readFully(String)
        /// `Responder.readResolved(updatedSince:)`.
        case readResolved(updatedSince: Timestamp)
    }

    /// Which call of the responder an answer is of.
    public enum Call: Equatable, Sendable {
        /// Its start: the incidents read (by the thousand), the boards, what construction found.
        case start
        /// A pass, on a wake or a deadline.
        case pass
        case perform
        case declare
        /// `readFully` of this incident.
        case readFully(String)
        /// `readResolved`: summaries by the thousand.
        case readResolved
        /// Its stop: the deliveries under way, recorded.
        case stop
    }

    /// What the responder's thread hands the caller, in order.
    public enum Output: Sendable {
        /// What a call of the responder returned.
        case answered(Call, [ResponderEvent])
        /// A report of the poller, as it is made, before it is recorded (with
        /// `Responder.Options.reportsAtOnce` set by the caller's `make`): a status board does not wait
        /// for the store.
        case reported(CheckReport)
        /// The responder's current call has waited for the store since `since` (longer than
        /// `patienceSeconds`): what the caller shows was read before, and nothing is recorded or paged
        /// until it returns.
        case notAnswering(since: Timestamp)
        /// The call said `notAnswering(since:)` returned.
        case answersAgain(notAnsweringSince: Timestamp)
        /// The responder could not be made (its `make` threw); the thread has ended.
        case failedToStart(KlaxonError)
    }

    /// How long a call may take before it is said (`notAnswering`).
    public static let patienceSeconds = 3.0

    private struct State {
        var outputs: [Output] = []
        var requests: [Request] = []
        /// When the call under way began (wall clock, for the caller to show; monotonic, to measure).
        var busySince: (wall: Timestamp, started: ContinuousClock.Instant)?
        /// The wall time `notAnswering` was said with, until `answersAgain`.
        var saidSince: Timestamp?
        /// Whether the responder said the store unreachable (and not yet reachable again).
        var inOutage = false
        var stopping = false
        var hasStarted = false
        var hasEnded = false
    }

    private let state = Mutex(State())
    /// The caller polls its read end: written when outputs wait. Signal handlers may write to it too.
    public let wakePipe: WakePipe
    /// Wakes the responder's thread: a request, or the stop.
    private let requestPipe: WakePipe
    private let clock: @Sendable () -> Timestamp
    private let ended = DispatchSemaphore(value: 0)

    /// Starts the thread, which makes the responder with `make` (its argument hands reports over at
    /// once: pass it as `Responder.Options.reportsAtOnce` for a screen's status board), starts it and
    /// passes it until `stop`. `clock` is the wall clock `notAnswering` is said in.
    public init(
        clock: @escaping @Sendable () -> Timestamp,
        make: @escaping (_ reportsAtOnce: @escaping @Sendable (CheckReport) -> Void) throws(KlaxonError) -> Responder
    ) throws(KlaxonError) {
        self.clock = clock
        wakePipe = try WakePipe()
        requestPipe = try WakePipe()
        // `make`, and the responder it makes, are used on the new thread only: handed over, never shared.
        nonisolated(unsafe) let make = make
        let thread = Thread { [self] in run(make) }
        // The responder's work is that of a main thread (YAML, replays): the same stack, not Foundation's 512 KiB.
        thread.stackSize = 8 << 20
        thread.name = "klaxon-responder"
        thread.start()
    }

    /// Asks the responder for `request`; its answer comes as an `Output`.
    public func ask(_ request: Request) {
        state.withLock { $0.requests.append(request) }
        requestPipe.wake()
    }

    /// Whether the responder's start has been answered (or it failed to start): before, nothing of
    /// the store has been read.
    public var hasStarted: Bool { state.withLock { $0.hasStarted } }

    /// What the responder's thread handed over since the last call, in order; with `notAnswering` when
    /// its call under way has waited longer than `patienceSeconds`. Never waits for the responder.
    public func takeOutputs() -> [Output] {
        wakePipe.drain()
        return state.withLock { state in
            if let busy = state.busySince, state.saidSince == nil, !state.inOutage,
                busy.started.duration(to: .now) > .seconds(Self.patienceSeconds)
            {
                state.saidSince = busy.wall
                state.outputs.append(.notAnswering(since: busy.wall))
            }
            defer { state.outputs.removeAll() }
            return state.outputs
        }
    }

    /// Since when the responder's call under way has waited, once that was said (`notAnswering`).
    public var notAnsweringSince: Timestamp? { state.withLock { $0.saidSince } }

    /// Stops the responder (its stop waits for the saves and deliveries under way and records them),
    /// waiting at most `seconds`; returns what was left to take, or nil when the thread did not end in
    /// time (a store that does not answer: the process may exit regardless, as nothing under way was
    /// acknowledged).
    public func stop(waitingAtMost seconds: Double) -> [Output]? {
        let hasEnded = state.withLock { state in
            state.stopping = true
            return state.hasEnded
        }
        requestPipe.wake()
        // Asked again after the thread ended (its one signal taken by an earlier stop): nothing to wait for.
        guard hasEnded || ended.wait(timeout: .now() + seconds) == .success else { return nil }
        return takeOutputs()
    }

    // MARK: - The responder's thread

    private func run(
        _ make: (_ reportsAtOnce: @escaping @Sendable (CheckReport) -> Void) throws(KlaxonError) -> Responder
    ) {
        defer {
            state.withLock { $0.hasEnded = true }
            ended.signal()
        }
        let responder: Responder
        do {
            responder = try timed { () throws(KlaxonError) in
                try make { [weak self] report in self?.hand([.reported(report)]) }
            }
        } catch {
            state.withLock { $0.hasStarted = true }
            hand([.failedToStart(error)])
            return
        }
        // A stop asked while a call waits for the store: what that call does next is not a new page.
        responder.isStopping = { [weak self] in self?.state.withLock { $0.stopping } ?? true }
        answer(.start) { responder.start() }
        state.withLock { $0.hasStarted = true }
        // Then a pass at once (the loop's first): the engine's hold is taken now, not a second later.
        while true {
            // What was asked before the stop is done first: a save asked for is made (or fails).
            let (requests, stopping) = state.withLock { state in
                defer { state.requests.removeAll() }
                return (state.requests, state.stopping)
            }
            for request in requests { handle(request, responder) }
            if stopping { break }
            answer(.pass) { responder.pass(now: clock()) }
            var descriptors = ([requestPipe.readEnd] + responder.descriptors).map {
                pollfd(fd: $0, events: Int16(POLLIN), revents: 0)
            }
            let wait = min(1000, max(10, responder.nextDeadline.milliseconds - clock().milliseconds))
            _ = poll(&descriptors, nfds_t(descriptors.count), Int32(wait))
            requestPipe.drain()
        }
        answer(.stop) { responder.stop() }
    }

    private func handle(_ request: Request, _ responder: Responder) {
        switch request {
        case .perform(let action, let id):
            responder.perform(action, on: id)
        case .declare(let declaration, let alert):
            answer(.declare) { responder.declare(declaration, attachingAlert: alert) }
        case .readFully(let id):
            answer(.readFully(id)) { responder.readFully(id) }
        case .readResolved(let since):
            answer(.readResolved) { responder.readResolved(updatedSince: since) }
        }
    }

    /// Runs `call` as the call under way, and hands over what it returned (an empty pass is not).
    private func answer(_ kind: Call, _ call: () -> [ResponderEvent]) {
        let events = timed(call)
        if events.isEmpty && kind == .pass && state.withLock({ $0.saidSince == nil }) { return }
        hand([.answered(kind, events)])
    }

    /// Runs `body` as the call under way (`notAnswering` measures it); once it returns, says
    /// `answersAgain` if its wait was said, unless it found the store unreachable (said by its events).
    private func timed<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        state.withLock { $0.busySince = (clock(), .now) }
        defer { state.withLock { $0.busySince = nil } }
        return try body()
    }

    /// Hands `outputs` to the caller, ending a wait that was said, and keeping track of the outage the
    /// responder's events say.
    private func hand(_ outputs: [Output]) {
        state.withLock { state in
            var outputs = outputs
            for case .answered(_, let events) in outputs {
                for event in events {
                    if case .storeUnreachable = event { state.inOutage = true }
                    if case .storeReachable = event { state.inOutage = false }
                }
            }
            if let since = state.saidSince, state.busySince == nil {
                state.saidSince = nil
                // An outage the responder found meanwhile says itself (and its end) instead.
                if !state.inOutage { outputs.append(.answersAgain(notAnsweringSince: since)) }
            }
            state.outputs += outputs
        }
        wakePipe.wake()
    }
}
