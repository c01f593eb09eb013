import Foundation
import KlaxonCore
import Testing

/// Issue 23: "escalate now" moves a running policy on to its next step at once (from a page's link, `klaxon
/// incident escalate` or the console's `U`). The policy is EscalationEngineTests' `platform`: step 1 pages
/// alice (webhook, her email 2 minutes later) for 5 minutes, step 2 bob and erin for 10.
struct EscalateNowTests {
    let utc = LocalTimeFormatter.utc

    /// Records escalating now, as decided on the incident as it stands, `seconds` after the script's clock.
    func escalate(_ s: inout IncidentScript, by actor: String = "carol", after seconds: Int64) throws {
        try s.perform(.escalateNow(decidedAtRecord: s.incident.recordCount, origin: nil), by: actor, after: seconds)
    }

    @Test func theNextStepPagesAtOnceAndItsWaitCountsFromThen() throws {
        var s = try declared()
        s.clock = at(0)
        try escalate(&s, after: 60)  // at 1m, record #2: step 1 of 2 ends, step 2 starts
        let e = engine(policy(repeat: 0))
        #expect(
            pages(e, s, until: 60) == ["0 s1r1 alice webhook", "1 s2r1 bob slack", "1 s2r1 erin email"],
            "alice's email at 2m is never sent; step 2 pages at 1m, not at 5m")
        let d = e.decide(s.incident, now: at(1), engine: ("h", 1))
        #expect(
            d.records.contains(
                .step(
                    phase: "1.2", policy: "platform", cycle: 1, cycles: 1, step: 2, steps: 2, users: ["bob", "erin"],
                    note: nil)), "\(d.records)")
        #expect(Set(d.attempts.map(\.page)) == ["1.2/1/2/bob/slack", "1.2/1/2/erin/email"])
        #expect(d.status?.state == .paging(step: 2, steps: 2, cycle: 1, cycles: 1))
        #expect(d.status?.nextStepAt == at(11), "step 2's escalate_after (10m) counts from the escalation")
        #expect(d.nextWake == at(11))
        // The old phase's step 2 (due at 5m) is never recorded: the escalation moved on.
        let later = e.decide(s.incident, now: at(6), engine: ("h", 1))
        #expect(!later.records.contains { if case .step("1", _, _, _, 2, _, _, _) = $0 { true } else { false } })
        // It runs out 10 minutes after the escalation.
        let out = e.decide(s.incident, now: at(12), engine: ("h", 1))
        #expect(out.status?.state == .exhausted(at: at(11)))
        #expect(out.records.contains(.exhausted(phase: "1.2", policy: "platform")))
    }

    @Test func atTheLastStepOfARoundTheNextRoundBegins() throws {
        var s = try declared()
        s.clock = at(0)
        try escalate(&s, after: 6 * 60)  // at 6m, on step 2 of round 1
        #expect(
            pages(engine(), s, until: 60) == [
                "0 s1r1 alice webhook", "2 s1r1 alice email", "5 s2r1 bob slack", "5 s2r1 erin email",
                "6 s1r2 alice webhook", "8 s1r2 alice email", "11 s2r2 bob slack", "11 s2r2 erin email"
            ])
        let status = engine().decide(s.incident, now: at(6), engine: ("h", 1)).status
        #expect(status?.state == .paging(step: 1, steps: 2, cycle: 2, cycles: 2))
        #expect(
            status?.summary(now: at(6), formatter: utc)
                == "platform: step 1 of 2, round 2 of 2, next page in 2m00s → alice")
        #expect(
            engine().escalatedNowText(s.incident, now: at(6))
                == "escalated platform to step 1 of 2, round 2 of 2 now; paging alice")
    }

    /// Acknowledged, a direct page, the last step of the last round: the action is refused before it is
    /// recorded; a record written anyway (an older or another process) changes nothing.
    @Test func anEscalationWithNoNextStepChangesNothing() throws {
        func unchanged(_ s: IncidentScript, _ e: EscalationEngine, at minutes: Double, _ why: String) throws {
            var with = s
            try escalate(&with, after: 0)
            #expect(pages(e, with, until: 120) == pages(e, s, until: 120), "\(why)")
            let before = e.decide(s.incident, now: at(minutes), engine: ("h", 1))
            let after = e.decide(with.incident, now: at(minutes), engine: ("h", 1))
            #expect(after.status == before.status && after.records == before.records, "\(why)")
            #expect(after.attempts.map(\.page) == before.attempts.map(\.page), "\(why)")
        }
        var acked = try declared()
        acked.clock = at(0)
        try acked.perform(.acknowledge, by: "alice", after: 180)
        try unchanged(acked, engine(), at: 10, "acknowledged")

        var direct = try declared(policy: nil)
        direct.clock = at(0)
        try direct.perform(.page(user: "alice"), after: 60)
        try unchanged(direct, engine(), at: 3, "a direct page")

        var last = try declared()
        last.clock = at(6)  // step 2 of 2, no repeat
        try unchanged(last, engine(policy(repeat: 0)), at: 20, "the last step")

        var stopped = try declared()
        stopped.clock = at(0)
        try stopped.perform(.stopEscalation, after: 60)
        try unchanged(stopped, engine(), at: 3, "stopped")
    }

    /// An attempt (or a step) the engine decided before the escalation moved on is not recorded, so it is
    /// not sent: what was due then is not what is due now.
    @Test func whatWasDecidedBeforeIsRefused() throws {
        var s = try declared()
        s.clock = at(0)
        let decided = engine().decide(s.incident, now: at(0), engine: ("h", 1))
        let attempt = try #require(decided.attempts.first)
        try escalate(&s, by: "carol", after: 0)
        #expect(throws: KlaxonError.self) {
            try IncidentAction.escalation(.attempt(attempt), decidedAtRecord: nil).record(for: s.incident)
        }
        #expect(throws: KlaxonError.self) {
            try IncidentAction.escalation(decided.records[0], decidedAtRecord: 1).record(for: s.incident)
        }
        // Two people escalating from the same view: the second is refused, not a second step skipped.
        #expect(throws: KlaxonError.self) {
            try IncidentAction.escalateNow(decidedAtRecord: 1, origin: nil).record(for: s.incident)
        }
    }

    @Test func eachRefusalSaysWhyAndWhatToDoInstead() throws {
        let page = "klaxon incident page INC-7 --user ID"
        func refusal(_ s: IncidentScript, _ e: EscalationEngine = engine(), at minutes: Double) -> String? {
            e.escalateNowRefusal(s.incident, now: at(minutes), formatter: utc)
        }
        var s = try declared()
        s.clock = at(0)
        #expect(refusal(s, at: 1) == nil, "step 1 of 2 has a next step")
        #expect(refusal(s, at: 6) == nil, "step 2 of round 1 has round 2 next")
        #expect(
            refusal(s, at: 21)
                == "step 2 of 2 (round 2 of 2) of platform is the last; nobody is left to escalate to — to page someone else: \(page)"
        )
        #expect(
            refusal(s, engine(policy(repeat: 0)), at: 6)
                == "step 2 of 2 of platform is the last; nobody is left to escalate to — to page someone else: \(page)")
        #expect(
            refusal(s, engine(policy(repeat: 0)), at: 16)
                == "INC-7 is not paging anyone (nobody acknowledged; the policy ran out at 23:45) — to page someone: \(page)"
        )

        var acked = s
        try acked.perform(.acknowledge, by: "bob", after: 180)  // at 3m
        #expect(
            refusal(acked, at: 10)
                == "INC-7 is acknowledged by bob at 23:33; nothing is escalating — to page someone else: \(page)")
        var linked = s
        try linked.perform(
            .acknowledgeFromLink(ActionOrigin(client: "203.0.113.7", page: "INC-7/1/1/1/bob/slack")), by: "bob",
            after: 180)
        #expect(
            refusal(linked, at: 10)
                == "INC-7 is acknowledged by bob via link at 23:33; nothing is escalating — to page someone else: \(page)"
        )

        var stopped = s
        try stopped.perform(.stopEscalation, by: "alice", after: 60)
        #expect(
            refusal(stopped, at: 2) == "INC-7 is not paging anyone (stopped by alice) — to page someone: \(page)")
        #expect(
            refusal(try declared(policy: nil), at: 2)
                == "INC-7 is not paging anyone (no policy, and nobody paged) — to page someone: \(page)")

        var direct = try declared(policy: nil)
        direct.clock = at(0)
        try direct.perform(.page(user: "erin"), after: 60)
        #expect(
            refusal(direct, at: 2) == "erin was paged directly; there is no next step — to page someone else: \(page)")

        var resolved = s
        try resolved.perform(.resolve(summary: nil), after: 60)
        #expect(refusal(resolved, at: 2) == "INC-7 is resolved; nothing is escalating")
    }

    /// "acknowledged by bob via link" wherever the acknowledgement shows: the header's paging line and its
    /// JSON, the timeline, the review; and the index's summaries keep `via` (old entries without it still read).
    @Test func anAcknowledgementFromALinkSaysSo() throws {
        var s = try declared()
        s.clock = at(0)
        let origin = ActionOrigin(
            client: "203.0.113.7", forwardedFor: "198.51.100.4\u{1b}[2J\u{202E}1.1", page: "INC-7/1/1/1/alice/webhook")
        let ack = try s.perform(.acknowledgeFromLink(origin), by: "alice", after: 180)
        let state = engine().pagingState(of: s.incident, now: at(10))
        #expect(state == .acknowledged(by: "alice", at: at(3), via: "link", repageAt: nil))
        #expect(state.text(now: at(10), formatter: utc) == "acknowledged by alice via link at 23:33")
        #expect(state.json(now: at(10), formatter: utc)["via"]?.stringValue == "link")
        #expect(
            TimelineText.text(of: ack, formatter: utc)
                == "acknowledged via link from 203.0.113.7 (forwarded for 198.51.100.4\u{FFFD}[2J\u{FFFD}1.1)",
            "what a request claimed reaches no terminal as a control sequence, nor reorders what follows")
        let escalated = try s.perform(
            .escalateNow(decidedAtRecord: s.incident.recordCount, origin: origin), by: "alice", after: 60)
        #expect(
            TimelineText.text(of: escalated, formatter: utc).hasPrefix(
                "escalated to the next step now via link from 203.0.113.7"))
        #expect(s.incident.escalationEvents.last?.via == "link")

        let summary = try IncidentSummaryCodec.decode(IncidentSummaryCodec.encode(s.incident))
        #expect(summary.escalationEvents == s.incident.escalationEvents)
        #expect(engine().pagingState(of: summary, now: at(10)) == state)
        // An index entry written before `via` existed: `["ack"]` alone.
        guard case .object(var fields) = IncidentSummaryCodec.encode(s.incident),
            case .array(var events)? = fields["events"]
        else { throw KlaxonError.failed("no events in the summary") }
        events = events.map { event in
            guard case .array(let e) = event, e.count == 5, e[3] == "ack" || e[3] == "advanced" else { return event }
            return .array(Array(e.prefix(4)))
        }
        fields["events"] = .array(events)
        let old = try IncidentSummaryCodec.decode(.object(fields))
        #expect(old.escalationEvents.map(\.kind) == s.incident.escalationEvents.map(\.kind))
        #expect(old.escalationEvents.allSatisfy { $0.via == nil })
    }
}
