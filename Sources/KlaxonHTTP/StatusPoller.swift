import Foundation
import KlaxonCore
import Synchronization

/// Polls checks on their own schedules, for as long as it runs, on one thread: each check is added to
/// the multi handle when it comes due, and its result is judged and damped as soon as it finishes, so a
/// slow endpoint never holds up the others. Judging runs off that thread (a payload can be a megabyte of
/// JSON), so a slow one never holds up the others' transfers either.
public final class StatusPoller: Sendable {
    public typealias Report = CheckReport

    private let checks: [CheckDefinition]
    private let maintenance: [MaintenanceWindow]
    /// The checks' states as last recorded, by name: where each check's damping starts.
    private let restoring: [String: CheckStateMachine.Recorded]
    /// Reads a check's secrets (`bearer_token: env:…`) for each poll.
    private let resolve: @Sendable (SecretReference) throws(KlaxonError) -> String
    private let clock: @Sendable () -> Timestamp
    private let deliver: @Sendable (Report) -> Void
    /// The pings of the heartbeat checks, which are judged from it and never polled over the network.
    private let heartbeats: HeartbeatBoard
    /// What the poller's thread shares with the others.
    private struct State {
        var stopping = false
        var session: ProbeSession?
        /// Whether `start` began the thread, and `stop` has not waited for it to end yet.
        var running = false
        /// Every poll's lag, kept only when asked for: a poller runs for days, and this grows with each poll.
        var lags: [Int64] = []
        /// Results judged off the poller's thread, waiting for it.
        var judged: [(index: Int, response: ProbeResponse, evaluation: CheckEvaluation, at: Timestamp)] = []
    }

    private let state = Mutex(State())
    private let finished = DispatchSemaphore(value: 0)
    private let keepsLags: Bool
    private let judging = DispatchQueue(label: "klaxon-poller-judging", attributes: .concurrent)

    /// How late each poll so far started against its schedule, in milliseconds (for the benchmark; empty
    /// unless the poller was made with `keepingLags`).
    public var schedulingLags: [Int64] { state.withLock { $0.lags } }

    /// `deliver` is called on the poller's thread. A check in `restoring` (`PlatformJournal.lastStates`)
    /// goes on from its recorded state: its first report is a transition only when the state changed.
    /// `resolve` reads the checks' secrets, on the poller's thread, for each poll. The `heartbeat`
    /// checks are judged from `heartbeats` (the recorded pings) when they are due and as soon as a new
    /// ping of one is there (within a second).
    public init(
        checks: [CheckDefinition], maintenance: [MaintenanceWindow],
        restoring: [String: CheckStateMachine.Recorded] = [:],
        keepingLags: Bool = false, clock: @escaping @Sendable () -> Timestamp,
        resolve: @escaping @Sendable (SecretReference) throws(KlaxonError) -> String = {
            reference throws(KlaxonError) in throw .badInput("\(reference) cannot be read here")
        },
        heartbeats: HeartbeatBoard = HeartbeatBoard(),
        deliver: @escaping @Sendable (Report) -> Void
    ) {
        self.heartbeats = heartbeats
        self.resolve = resolve
        self.keepsLags = keepingLags
        self.checks = checks
        self.maintenance = maintenance
        self.restoring = restoring
        self.clock = clock
        self.deliver = deliver
    }

    public func start() {
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "klaxon-poller"
        state.withLock { $0.running = true }
        thread.start()
    }

    /// Stops polling and waits for the thread to end (transfers under way are abandoned).
    public func stop() {
        let started = state.withLock { state in
            state.stopping = true
            state.session?.wake()
            return state.running
        }
        if started {
            finished.wait()
            state.withLock { $0.running = false }
        }
    }

    private var isStopping: Bool { state.withLock { $0.stopping } }

    private func run() {
        guard let session = ProbeSession(maximumConnections: 64) else { return }
        state.withLock { $0.session = session }
        var machines = checks.map { CheckStateMachine($0, restoring: restoring[$0.name]) }
        let start = clock().milliseconds
        // Spread the first polls over a second so a thousand checks do not start in one burst.
        var due = checks.indices.map { start + Int64($0 * 1000 / max(1, checks.count)) }
        var inFlight = [Bool](repeating: false, count: checks.count)
        // The answers of each check's requests in flight, by request.
        var answers = [[ProbeResponse?]](repeating: [], count: checks.count)
        var startedLate = [Int64](repeating: 0, count: checks.count)
        // The ping each heartbeat check was last judged with: a new one is judged at once.
        var judgedPing = [Timestamp?](repeating: nil, count: checks.count)
        while !isStopping {
            let now = clock().milliseconds
            // Not judged before the pings were read once: a start must not report them unknown.
            if let reading = heartbeats.reading {
                for i in checks.indices where checks[i].kind == .heartbeat {
                    let ping = reading.lastPings[checks[i].name]
                    guard due[i] <= now || ping != judgedPing[i] else { continue }
                    judgedPing[i] = ping
                    judgeHeartbeat(i, reading, &machines[i], due: &due[i])
                }
            }
            for i in checks.indices where checks[i].kind != .heartbeat && !inFlight[i] && due[i] <= now {
                let requests = ProbeRequest.poll(checks[i], resolve: resolve)
                answers[i] = [ProbeResponse?](repeating: nil, count: requests.count)
                for (part, request) in requests.enumerated() {
                    session.add(request, tag: i * Self.maximumRequests + part)
                }
                inFlight[i] = true
                startedLate[i] = now - due[i]
                if keepsLags { state.withLock { $0.lags.append(now - due[i]) } }
            }
            let nextDue = checks.indices.filter { !inFlight[$0] }.map { due[$0] }.min() ?? (now + 1000)
            let wait = Int(min(1000, max(0, nextDue - clock().milliseconds)))
            for (tag, response) in session.step(waitMilliseconds: wait) {
                // The check stays in flight until every request's answer is in, judged and back here.
                let (i, part) = tag.quotientAndRemainder(dividingBy: Self.maximumRequests)
                answers[i][part] = response
                let responses = answers[i].compactMap { $0 }
                guard responses.count == answers[i].count else { continue }
                let check = checks[i]
                let t = clock()
                judging.async { [self] in
                    let evaluation = CheckEvaluation.evaluate(check, responses: responses, now: t)
                    let response = ProbeResponse.combined(responses)
                    self.state.withLock { $0.judged.append((i, response, evaluation, t)) }
                    session.wake()
                }
            }
            for (i, response, judgedEvaluation, t) in state.withLock({
                state -> [(Int, ProbeResponse, CheckEvaluation, Timestamp)] in
                defer { state.judged = [] }
                return state.judged.map { ($0.index, $0.response, $0.evaluation, $0.at) }
            }) {
                inFlight[i] = false
                let check = checks[i]
                var evaluation = judgedEvaluation
                let transition = machines[i].observe(&evaluation, of: check, at: t, maintenance: maintenance)
                // The schedule holds whatever the response time: the next poll is due an interval after
                // this one was due (sooner while confirming), never later than now if that has passed.
                due[i] = max(due[i] + machines[i].nextPollMilliseconds(check), t.milliseconds)
                deliver(
                    Report(
                        check: check, state: machines[i].state, since: machines[i].since, transition: transition,
                        evaluation: evaluation, response: response, at: t, lagMilliseconds: startedLate[i],
                        failingSince: machines[i].failingSince))
            }
        }
    }
}

extension StatusPoller {
    /// The most requests one poll of a check makes (a tag is the check's index times this, plus the request's).
    static let maximumRequests = 4

    /// Judges the heartbeat check `i` now from the recorded pings (`reading`), and reports it. Its next
    /// judgement is due when it would be down without another ping (or at its interval, once it is not
    /// up), so that a silence is found when it has lasted the interval, not up to an interval later.
    private func judgeHeartbeat(
        _ i: Int, _ reading: HeartbeatBoard.Reading, _ machine: inout CheckStateMachine, due: inout Int64
    ) {
        let check = checks[i]
        let t = clock()
        let ping = reading.lastPings[check.name]
        var evaluation: CheckEvaluation
        var deadline: Timestamp?
        if reading.readAt.seconds(until: t) > HeartbeatBoard.staleSeconds {
            // The pings since are not known: silence cannot be told from a store that does not answer.
            evaluation = CheckEvaluation(
                observation: .unknown(
                    "its pings cannot be read: the journal store has not answered since \(LocalTimeFormatter.utc.civil(reading.readAt).isoTime) UTC"
                ))
        } else {
            evaluation = CheckEvaluation.heartbeat(
                check, lastPing: ping, listeningSince: reading.listeningSince, stoppedAt: reading.stoppedAt, now: t)
            deadline = CheckEvaluation.heartbeatDeadline(check, lastPing: ping, listeningSince: reading.listeningSince)
        }
        let transition = machine.observe(&evaluation, of: check, at: t, maintenance: maintenance)
        let late = max(0, t.milliseconds - due)
        if let deadline, deadline.milliseconds > t.milliseconds {
            due = deadline.milliseconds
        } else {
            due = t.milliseconds + machine.nextPollMilliseconds(check)
        }
        deliver(
            Report(
                check: check, state: machine.state, since: machine.since, transition: transition,
                evaluation: evaluation, response: ProbeResponse(), at: t, lagMilliseconds: late,
                failingSince: machine.failingSince))
    }
}

extension CheckStateMachine {
    /// Milliseconds to the next poll of `check`: the retry interval while confirming a change.
    func nextPollMilliseconds(_ check: CheckDefinition) -> Int64 {
        check.nextPollSeconds(confirming: isConfirming) * 1000
    }
}
