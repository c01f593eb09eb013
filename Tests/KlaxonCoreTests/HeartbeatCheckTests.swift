import KlaxonCore
import KlaxonTestSupport
import Testing

/// A `heartbeat` check (a dead man's switch) judged from its pings, through the same state machine as
/// every check, on a fixed clock.
struct HeartbeatCheckTests {
    /// `interval: 5m`, as klaxon.yaml would give it.
    static func check(failureThreshold: Int = 1) -> CheckDefinition {
        var check = CheckDefinition(name: "nightly-backup", kind: .heartbeat, url: "")
        check.intervalSeconds = 300
        check.failureThreshold = failureThreshold
        return check
    }

    /// Judges the check at the clock's time from `lastPing` and the intake's start (`since`), as the
    /// poller does, and feeds the machine.
    static func judge(
        _ machine: inout CheckStateMachine, _ check: CheckDefinition, lastPing: Timestamp?, since start: Timestamp?,
        _ clock: FixedClock
    ) -> (CheckState, CheckStateMachine.Transition?, String) {
        var evaluation = CheckEvaluation.heartbeat(check, lastPing: lastPing, listeningSince: start, now: clock.now)
        let transition = machine.observe(&evaluation, of: check, at: clock.now, maintenance: [])
        return (machine.state, transition, evaluation.observation.detail)
    }

    @Test func pingsKeepItUpASilenceOfItsIntervalIsDownAndAPingBringsItBack() {
        let clock = FixedClock("2026-12-06T08:00:00Z")
        let start = clock.now
        let check = Self.check()
        var machine = CheckStateMachine(check)

        // Started, no ping yet: nothing is known of the sender, for one interval.
        var (state, transition, detail) = Self.judge(&machine, check, lastPing: nil, since: start, clock)
        #expect(state == .unknown && transition == nil)
        #expect(detail == "no ping yet since the intake started at 08:00:00 UTC; down at 08:05:00 UTC without one")

        clock.advance(seconds: 60)
        var ping = clock.now
        (state, transition, detail) = Self.judge(&machine, check, lastPing: ping, since: start, clock)
        #expect(state == .up && transition == .init(from: .unknown, to: .up))
        #expect(detail == "last ping at 08:01:00 UTC; down at 08:06:00 UTC without another")

        // A second short of the interval: still up.
        clock.advance(seconds: 299)
        (state, transition, _) = Self.judge(&machine, check, lastPing: ping, since: start, clock)
        #expect(state == .up && transition == nil)

        // The interval has passed without a ping: down.
        clock.advance(seconds: 1)
        (state, transition, detail) = Self.judge(&machine, check, lastPing: ping, since: start, clock)
        #expect(state == .down && transition == .init(from: .up, to: .down))
        #expect(detail == "no ping for 5m or more: the last at 08:01:00 UTC")
        #expect(machine.failingSince == Timestamp.parseRFC3339("2026-12-06T08:06:00Z"))

        // A ping: up again.
        clock.advance(seconds: 600)
        ping = clock.now
        (state, transition, _) = Self.judge(&machine, check, lastPing: ping, since: start, clock)
        #expect(state == .up && transition == .init(from: .down, to: .up))
    }

    /// A restarted intake: the time no intake listened is never held against the sender, whose last
    /// ping was before the restart. It has one interval from the restart, then the check is down (and
    /// would declare, like any check), said with the ping before.
    @Test func aPingBeforeTheIntakeRestartedCountsFromTheRestart() {
        let clock = FixedClock("2026-12-06T08:00:00Z")
        let ping = clock.now.adding(seconds: -3600)
        let restart = clock.now
        let check = Self.check()
        var machine = CheckStateMachine(check, restoring: .init(state: .up, since: ping))
        clock.advance(seconds: 299)
        var (state, transition, detail) = Self.judge(&machine, check, lastPing: ping, since: restart, clock)
        #expect(state == .unknown && transition == .init(from: .up, to: .unknown))
        #expect(detail == "no ping yet since the intake started at 08:00:00 UTC; down at 08:05:00 UTC without one")
        clock.advance(seconds: 1)
        (state, transition, detail) = Self.judge(&machine, check, lastPing: ping, since: restart, clock)
        #expect(state == .down && transition == .init(from: .unknown, to: .down))
        #expect(
            detail
                == "no ping for 5m or more: none since the intake started at 08:00:00 UTC; the last at 07:00:00 UTC, before it"
        )
    }

    /// A ping after the restart counts from itself: the same deadline in every process that reads the
    /// journal, whenever each started.
    @Test func aPingAfterTheIntakeStartedSetsTheDeadline() {
        let clock = FixedClock("2026-12-06T08:00:00Z")
        let check = Self.check()
        var machine = CheckStateMachine(check)
        let started = clock.now.adding(seconds: -120)
        let ping = clock.now.adding(seconds: -60)
        var (state, _, detail) = Self.judge(&machine, check, lastPing: ping, since: started, clock)
        #expect(state == .up && detail == "last ping at 07:59:00 UTC; down at 08:04:00 UTC without another")
        clock.advance(seconds: 240)
        (state, _, detail) = Self.judge(&machine, check, lastPing: ping, since: started, clock)
        #expect(state == .down && detail == "no ping for 5m or more: the last at 07:59:00 UTC")
    }

    /// `failure_threshold:` damps a heartbeat as any check: the silence must be seen that many times.
    @Test func theFailureThresholdConfirmsASilence() {
        let clock = FixedClock("2026-12-06T08:00:00Z")
        let check = Self.check(failureThreshold: 2)
        var machine = CheckStateMachine(check)
        let ping = clock.now
        _ = Self.judge(&machine, check, lastPing: ping, since: ping, clock)
        clock.advance(seconds: 300)
        #expect(Self.judge(&machine, check, lastPing: ping, since: ping, clock).0 == .pending)
        clock.advance(seconds: 30)
        #expect(Self.judge(&machine, check, lastPing: ping, since: ping, clock).0 == .down)
    }

    /// No intake ever listened on this store and no ping was ever recorded: nothing receives the pings,
    /// so the check is unknown (said why), never down, however long the silence.
    @Test func withNoIntakeEverItIsUnknownNeverDown() {
        let clock = FixedClock("2026-12-06T08:00:00Z")
        let check = Self.check()
        var machine = CheckStateMachine(check)
        clock.advance(seconds: 86_400)
        let (state, _, detail) = Self.judge(&machine, check, lastPing: nil, since: nil, clock)
        #expect(state == .unknown)
        #expect(
            detail
                == "no ping was ever received: no klaxon watch with intake.listen (klaxon.yaml) has listened for POST /v1/heartbeat/nightly-backup"
        )
        // And an HTTP answer, should one be judged for it, changes nothing.
        #expect(CheckEvaluation.evaluate(check, ProbeResponse(), now: clock.now).observation.verdict == .unknown)
    }

    /// No intake listens now (the last one stopped cleanly): unknown, said why, never down: that
    /// silence is Klaxon's, not the sender's.
    @Test func whileNoIntakeListensItIsUnknownNotDown() {
        let clock = FixedClock("2026-12-06T08:00:00Z")
        let check = Self.check()
        let ping = clock.now
        clock.advance(seconds: 3600)
        let evaluation = CheckEvaluation.heartbeat(
            check, lastPing: ping, listeningSince: ping.adding(seconds: -60), stoppedAt: ping.adding(seconds: 30),
            now: clock.now)
        #expect(evaluation.observation.verdict == .unknown)
        #expect(
            evaluation.observation.detail
                == "no klaxon watch's intake listens for its pings since 08:00:30 UTC; the last ping at 08:00:00 UTC; start klaxon watch"
        )
    }
}
