/// Where a check stands.
public enum CheckState: String, CaseIterable, Sendable {
    case up, degraded, down
    /// A failure seen, not yet confirmed by `failure_threshold` in a row.
    case pending
    case maintenance
    /// Not yet polled.
    case unknown

    /// Whether the state is bad enough to show red.
    public var isDown: Bool { self == .down }
}

/// What one poll found, before damping.
public struct CheckObservation: Hashable, Sendable {
    public enum Verdict: String, Sendable { case ok, degraded, failed }
    public var verdict: Verdict
    /// Why, in a few words: `503 Service Unavailable`, `latency 1.2 s > 800 ms`, `2 alerts firing`.
    public var detail: String

    public init(_ verdict: Verdict, _ detail: String) { self.verdict = verdict; self.detail = detail }

    public static func ok(_ detail: String = "ok") -> CheckObservation { .init(.ok, detail) }
    public static func degraded(_ detail: String) -> CheckObservation { .init(.degraded, detail) }
    public static func failed(_ detail: String) -> CheckObservation { .init(.failed, detail) }
}

/// The damping of a check's state, as a value: each observation goes in, the new state and whether it
/// changed come out. Failures must repeat `failure_threshold` times before down (pending until then);
/// successes must repeat `success_threshold` times before a down check is up again.
public struct CheckStateMachine: Hashable, Sendable {
    public private(set) var state: CheckState = .unknown
    /// Since when the state has been what it is.
    public private(set) var since: Timestamp?
    public private(set) var consecutiveFailures = 0
    /// When the current run of failures began: the first failed poll of the run that is confirming (or
    /// confirmed) down, the latest the impact can have started. `nil` after a poll that did not fail.
    public private(set) var failingSince: Timestamp?
    public private(set) var consecutiveSuccesses = 0
    public let failureThreshold: Int
    public let successThreshold: Int

    public init(failureThreshold: Int, successThreshold: Int) {
        self.failureThreshold = max(1, failureThreshold)
        self.successThreshold = max(1, successThreshold)
    }

    /// What observing changed.
    public struct Transition: Hashable, Sendable {
        public var from: CheckState
        public var to: CheckState
        public init(from: CheckState, to: CheckState) { self.from = from; self.to = to }
    }

    /// Feeds one observation made at `t`, in or out of maintenance; returns the change, if any.
    @discardableResult
    public mutating func observe(_ observation: CheckObservation, at t: Timestamp, inMaintenance: Bool = false) -> Transition? {
        let before = state
        switch observation.verdict {
        case .failed:
            if consecutiveFailures == 0 { failingSince = t }
            consecutiveFailures += 1
            consecutiveSuccesses = 0
        case .ok, .degraded:
            consecutiveSuccesses += 1
            consecutiveFailures = 0
            failingSince = nil
        }
        let healthy: CheckState = observation.verdict == .degraded ? .degraded : .up
        var next = state
        if inMaintenance {
            next = .maintenance
        } else if observation.verdict == .failed {
            // Down once confirmed; a down check stays down.
            next = consecutiveFailures >= failureThreshold || state == .down ? .down : .pending
        } else if state == .down {
            if consecutiveSuccesses >= successThreshold { next = healthy }
        } else if state == .maintenance {
            // Leaving maintenance: trust the first result, as a new check would.
            next = healthy
        } else {
            next = healthy
        }
        state = next
        guard next != before else { return nil }
        since = t
        return Transition(from: before, to: next)
    }

    /// Whether the next poll should come at the retry interval: a change is being confirmed.
    public var isConfirming: Bool {
        state == .pending || (state == .down && consecutiveSuccesses > 0)
    }
}
