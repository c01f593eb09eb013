/// The damping of a check's state, as a value: each observation goes in, the new state and whether it
/// changed come out. Failures must repeat `failure_threshold` times before down (pending until then);
/// successes must repeat `success_threshold` times before a down check is up again. An unknown
/// observation (a source that cannot be read) makes the state unknown at once and leaves the counts
/// as they were: it says nothing about the service. The absence of a required alert must also have
/// lasted `silent_for` (pending until then): a source that just restarted answers an empty list until
/// it has evaluated its rules.
public struct CheckStateMachine: Hashable, Sendable {
    public private(set) var state: CheckState = .unknown
    /// Since when the state has been what it is.
    public private(set) var since: Timestamp?
    public private(set) var consecutiveFailures = 0
    /// When the current run of failures began: the first failed poll of the run that is confirming (or
    /// confirmed) down, the latest the impact can have started. `nil` after a poll that did not fail.
    public private(set) var failingSince: Timestamp?
    public private(set) var consecutiveSuccesses = 0
    /// Whether anything was observed yet.
    public private(set) var polled = false
    /// Since when the required alert has been missing, poll after poll (nil when the last poll found it,
    /// failed otherwise, or could not read the source: after a restart the silence is timed afresh).
    public private(set) var silentSince: Timestamp?
    public let failureThreshold: Int
    public let successThreshold: Int
    /// How long the required alert must be missing before down (milliseconds).
    public let silentForMilliseconds: Int64

    public init(failureThreshold: Int, successThreshold: Int, silentForSeconds: Int64 = 0) {
        self.failureThreshold = max(1, failureThreshold)
        self.successThreshold = max(1, successThreshold)
        self.silentForMilliseconds = max(0, silentForSeconds) * 1000
    }

    /// The machine of `check` (its thresholds and `silent_for`), going on from `recorded`.
    public init(_ check: CheckDefinition, restoring recorded: Recorded? = nil) {
        self.init(
            failureThreshold: check.failureThreshold, successThreshold: check.successThreshold,
            silentForSeconds: check.silentForSeconds, restoring: recorded)
    }

    /// A check's state as last recorded (`platform.jsonl`), where a restarted poller picks up.
    public struct Recorded: Hashable, Sendable {
        public var state: CheckState
        public var since: Timestamp
        public init(state: CheckState, since: Timestamp) {
            self.state = state
            self.since = since
        }
    }

    /// A machine that goes on from `recorded`: a restart is not a state change, so a first poll that
    /// finds the same state changes nothing (a down check stays down since when it went down), and one
    /// that differs is an ordinary transition from the recorded state, not a first result. A recorded
    /// `unknown` is a source that could not be read, and seeing it again is a change. The counts start
    /// afresh: a recorded `down` recovers after `successThreshold` successes, as it would have.
    public init(
        failureThreshold: Int, successThreshold: Int, silentForSeconds: Int64 = 0, restoring recorded: Recorded?
    ) {
        self.init(
            failureThreshold: failureThreshold, successThreshold: successThreshold, silentForSeconds: silentForSeconds)
        guard let recorded else { return }
        state = recorded.state
        since = recorded.since
        polled = true
    }

    /// What observing changed.
    public struct Transition: Hashable, Sendable {
        public var from: CheckState
        public var to: CheckState
        /// The first poll's result (from `unknown`, which then only meant not polled yet).
        public var first: Bool
        public init(from: CheckState, to: CheckState, first: Bool = false) {
            self.from = from
            self.to = to
            self.first = first
        }
    }

    /// Feeds one observation made at `t`, in or out of maintenance; returns the change, if any.
    @discardableResult
    public mutating func observe(_ observation: CheckObservation, at t: Timestamp, inMaintenance: Bool = false)
        -> Transition?
    {
        let before = state
        let first = !polled
        polled = true
        switch observation.verdict {
        case .failed:
            if consecutiveFailures == 0 { failingSince = t }
            consecutiveFailures += 1
            consecutiveSuccesses = 0
        case .ok, .degraded:
            consecutiveSuccesses += 1
            consecutiveFailures = 0
            failingSince = nil
        case .unknown:
            break
        }
        silentSince = observation.verdict == .failed && observation.silentAlert != nil ? (silentSince ?? t) : nil
        let healthy: CheckState = observation.verdict == .degraded ? .degraded : .up
        var next = state
        if inMaintenance {
            next = .maintenance
        } else if observation.verdict == .unknown {
            next = .unknown
        } else if observation.verdict == .failed {
            // Down once confirmed (and a missing required alert missing long enough); a down check stays down.
            next =
                (consecutiveFailures >= failureThreshold && !isSilenceYoung(at: t)) || state == .down ? .down : .pending
        } else if state == .down {
            if consecutiveSuccesses >= successThreshold { next = healthy }
        } else if state == .maintenance {
            // Leaving maintenance: trust the first result, as a new check would.
            next = healthy
        } else {
            next = healthy
        }
        state = next
        guard next != before else {
            // Unknown from the first poll on: since then, though nothing changed.
            if first { since = t }
            return nil
        }
        since = t
        return Transition(from: before, to: next, first: first)
    }

    /// Whether the required alert has been missing for less than `silent_for` at `t`.
    func isSilenceYoung(at t: Timestamp) -> Bool {
        guard let silentSince else { return false }
        return t.milliseconds - silentSince.milliseconds < silentForMilliseconds
    }

    /// Feeds one poll's `evaluation` of `check`, made at `t` (in maintenance when the vendor or one of
    /// `maintenance` says so); returns the change, if any. While a missing required alert waits for its
    /// `silent_for`, the evaluation's detail says since when, and after how long it is down:
    /// `Watchdog missing since 20:01:05 UTC, down after 2m`.
    @discardableResult
    public mutating func observe(
        _ evaluation: inout CheckEvaluation, of check: CheckDefinition, at t: Timestamp,
        maintenance: [MaintenanceWindow]
    ) -> Transition? {
        let inMaintenance = evaluation.vendorMaintenance || maintenance.contains { $0.covers(check.name, at: t) }
        let transition = observe(evaluation.observation, at: t, inMaintenance: inMaintenance)
        if state == .pending, let alert = evaluation.observation.silentAlert, let silentSince, isSilenceYoung(at: t) {
            let time = LocalTimeFormatter.utc.civil(silentSince).isoTime
            evaluation.observation.detail =
                "\(alert) missing since \(time) UTC, down after \(DurationText.short(seconds: silentForMilliseconds / 1000))"
        }
        return transition
    }

    /// Whether the next poll should come at the retry interval: a change is being confirmed.
    public var isConfirming: Bool {
        state == .pending || (state == .down && consecutiveSuccesses > 0)
    }
}
