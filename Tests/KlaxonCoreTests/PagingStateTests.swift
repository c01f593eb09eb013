import Foundation
import KlaxonCore
import Testing

/// Issue 19, points 1 to 3: whether an incident pages anyone, worked out from its records alone.
struct PagingStateTests {
    let utc = LocalTimeFormatter.utc

    func state(_ s: IncidentScript, _ e: EscalationEngine = engine(), at minutes: Double) -> PagingState {
        e.pagingState(of: s.incident, now: at(minutes))
    }

    /// Records a failed attempt of `page` (its `attempt`) at the script's clock.
    func fail(_ attempt: DeliveryAttempt, _ n: Int, _ detail: String, _ s: inout IncidentScript) {
        var attempt = attempt
        attempt.attempt = n
        _ = s.append(
            type: RecordType.pageAttempt.rawValue, data: EscalationRecord.attempt(attempt).payload,
            by: "escalation-engine")
        _ = s.append(
            type: RecordType.pageResult.rawValue,
            data: EscalationRecord.result(attempt, delivered: false, detail: detail).payload, by: "escalation-engine")
    }

    /// Reopened after its policy ran out (or after any resolution): nobody is paged, and it says why,
    /// never "no policy" for an incident declared with one. (Before: "not paging: no policy".)
    @Test func aReopenedIncidentSaysItsEscalationEndedAtResolution() throws {
        var s = try declared()
        s.clock = at(0)
        try s.perform(.resolve(summary: nil), after: 60)
        try s.perform(.reopen, after: 60)
        #expect(state(s, at: 3) == .notPaging(.endedAtResolution))
        #expect(
            state(s, at: 3).text(now: at(3), formatter: utc)
                == "not paging: reopened; its escalation ended when it was resolved")
        #expect(state(s, at: 3).json(now: at(3), formatter: utc)["reason"]?.stringValue == "ended_at_resolution")
    }

    @Test func fromDeclarationToResolution() throws {
        let none = try declared(policy: nil)
        #expect(state(none, at: 1) == .notPaging(.noPolicy))
        #expect(state(none, at: 1).short == "NOT PAGING")
        #expect(state(none, at: 1).text(now: at(1), formatter: utc) == "not paging: no policy")

        var s = try declared()
        s.clock = at(0)
        guard case .paging(let status) = state(s, at: 1) else {
            Issue.record("\(state(s, at: 1))")
            return
        }
        #expect(status.stepUsers == ["alice"] && status.nextPage?.users == ["alice"] && status.nextPage?.at == at(2))
        #expect(state(s, at: 1).short == "PAGING → alice")
        #expect(state(s, at: 1).text(now: at(1), formatter: utc) == "next page in 1m00s → alice")
        #expect(
            state(s, at: 1).detail(now: at(1), formatter: utc)
                == "platform: step 1 of 2, round 1 of 2, next page in 1m00s → alice")

        try s.perform(.acknowledge, by: "bob", after: 180)  // at 3m
        #expect(state(s, at: 10) == .acknowledged(by: "bob", at: at(3), via: nil, repageAt: nil))
        #expect(state(s, at: 10).short == "ACK bob")
        #expect(state(s, at: 10).text(now: at(10), formatter: utc) == "acknowledged by bob at 23:33")
        // The next day the date is said too.
        #expect(state(s, at: 1440).text(now: at(1440), formatter: utc) == "acknowledged by bob at 2026-11-20 23:33")
        // Stopping what was acknowledged leaves it acknowledged; paging someone again is paging.
        try s.perform(.stopEscalation, after: 60)
        #expect(state(s, at: 10) == .acknowledged(by: "bob", at: at(3), via: nil, repageAt: nil))
        try s.perform(.page(user: "erin"), after: 60)  // at 5m
        #expect(state(s, at: 6).short == "PAGING → erin")
        try s.perform(.stopEscalation, by: "carol", after: 120)  // at 7m
        #expect(state(s, at: 8) == .notPaging(.stopped(by: "carol")))
        #expect(state(s, at: 8).text(now: at(8), formatter: utc) == "not paging: stopped by carol")
        try s.perform(.resolve(summary: nil), after: 60)
        #expect(state(s, at: 9) == .notPaging(.resolved))
    }

    @Test func theAckTimeoutPagesAgainAndTheNobodyAcknowledgedPolicyRunsOut() throws {
        var s = try declared()
        s.clock = at(0)
        try s.perform(.acknowledge, by: "alice", after: 180)  // at 3m; pages again at 33m
        let e = engine(policy(ackTimeout: 1800))
        #expect(state(s, e, at: 10) == .acknowledged(by: "alice", at: at(3), via: nil, repageAt: at(33)))
        #expect(
            state(s, e, at: 10).text(now: at(10), formatter: utc)
                == "acknowledged by alice at 23:33, pages again in 23m00s")
        #expect(state(s, e, at: 34).short == "PAGING → alice")

        let unanswered = try declared()
        // Two rounds of 5m and 10m steps: it runs out at 30m, and that is worth a red look.
        #expect(state(unanswered, at: 31) == .notPaging(.exhausted(at: at(30))))
        #expect(state(unanswered, at: 31).isAlarming)
        #expect(
            state(unanswered, at: 31).text(now: at(31), formatter: utc)
                == "NOT PAGING: nobody acknowledged; the policy ran out at 00:00")
    }

    /// Point 2: the step's deliveries failing is said with the latest reason, never "next page in".
    @Test func failedDeliveriesOfTheCurrentStepAreFailing() throws {
        var s = try declared()
        s.clock = at(0)
        let webhook = engine().decide(s.incident, now: at(0), engine: ("h", 1)).attempts[0]
        fail(webhook, 1, "HTTP 500 from 127.0.0.1", &s)
        s.clock = at(0.5)
        fail(webhook, 2, "env:A is not set in the environment of the process that pages", &s)
        let failing = state(s, at: 1)
        guard case .failing(_, let failure) = failing else {
            Issue.record("\(failing)")
            return
        }
        #expect(
            failure
                == .init(
                    users: ["alice"], attempt: 2, attempts: 3,
                    reason: "env:A is not set in the environment of the process that pages", at: at(0.5)))
        #expect(failing.short == "FAILING → alice")
        #expect(failing.isAlarming)
        #expect(
            failing.text(now: at(1), formatter: utc)
                == "PAGE FAILING (2 of 3) → alice: env:A is not set in the environment of the process that pages")
        #expect(
            failing.detail(now: at(1), formatter: utc)
                == "platform: step 1 of 2, round 1 of 2, PAGE FAILING (2 of 3) → alice: env:A is not set in the environment of the process that pages"
        )
        #expect(
            engine().decide(s.incident, now: at(1), engine: ("h", 1)).status?.summary(now: at(1), formatter: utc)
                .contains("PAGE FAILING (2 of 3) → alice") == true)

        // Once one page of the step is delivered, someone was reached: paging, not failing.
        var reached = s
        reached.clock = at(2)
        let email = engine().decide(reached.incident, now: at(2), engine: ("h", 1)).attempts.first {
            $0.contact.kind == .email
        }!
        _ = reached.append(type: RecordType.pageAttempt.rawValue, data: EscalationRecord.attempt(email).payload)
        _ = reached.append(
            type: RecordType.pageResult.rawValue,
            data: EscalationRecord.result(email, delivered: true, detail: "250 OK").payload)
        #expect(state(reached, at: 3).short == "PAGING → alice")
        // The next step has pages of its own, none failed yet.
        #expect(state(s, at: 6).short == "PAGING → bob,erin")
    }

    /// Point 3: a policy that does not exist pages nobody, and says so.
    @Test func aPolicyThatDoesNotExistIsNotPaging() throws {
        var s = try declared(policy: "platfrom")
        s.clock = at(0)
        #expect(state(s, at: 1) == .unknownPolicy("platfrom"))
        #expect(state(s, at: 1).isAlarming && state(s, at: 1).short == "NOT PAGING")
        #expect(state(s, at: 1).text(now: at(1), formatter: utc) == "NOT PAGING: unknown policy platfrom")
        #expect(state(s, at: 1).json(now: at(1), formatter: utc)["state"] == "unknown_policy")
        // Paging someone by hand pages them; an acknowledgement is an acknowledgement.
        try s.perform(.page(user: "bob"), after: 60)
        #expect(state(s, at: 2).short == "PAGING → bob")
        try s.perform(.acknowledge, by: "bob", after: 60)
        #expect(state(s, at: 3).short == "ACK bob")
    }

    /// The declaration names the policy asked for; only the engine's step records say who is paged.
    @Test func theTimelineNeverClaimsPaging() throws {
        let s = try declared(policy: "platfrom")
        let text = TimelineText.text(of: s.records[0], formatter: utc)
        #expect(!text.contains("paging"), "\(text)")
        #expect(text.contains("escalation policy platfrom"))
    }
}
