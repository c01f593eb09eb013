import KlaxonCore
import Testing

/// Who is on call, as a table: schedule → stretches. (The real calendars have their own tests; this is
/// the engine's input made explicit.)
struct TableLookup: OnCallLookup, Sendable {
    var table: [String: [(from: Int64, to: Int64, users: [String])]]  // minutes after t0

    func onCall(schedule: String, at t: Timestamp) -> [String]? {
        guard let rows = table[schedule] else { return nil }
        let minute = t0.seconds(until: t) / 60
        return rows.first { $0.from <= minute && minute < $0.to }?.users ?? []
    }

    func nextCovered(schedule: String, from t: Timestamp, before limit: Timestamp) -> Timestamp? {
        guard let rows = table[schedule] else { return nil }
        let minute = t0.seconds(until: t) / 60
        return rows.filter { $0.to > minute && !$0.users.isEmpty }.map { max($0.from, minute) }.min()
            .map { t0.adding(seconds: $0 * 60) }.flatMap { $0 < limit ? $0 : nil }
    }
}

let t0 = Timestamp.parseRFC3339("2026-11-20T23:30:00Z")!
func at(_ minutes: Double) -> Timestamp { Timestamp(milliseconds: t0.milliseconds + Int64(minutes * 60_000)) }

let people = [
    Person(
        id: "alice", name: "Alice", timeZone: "UTC",
        contacts: [Contact(kind: .webhook, target: ["env:A"]), Contact(kind: .email, target: ["a@x"])],
        notify: [NotifyRule(contact: .webhook, afterSeconds: 0), NotifyRule(contact: .email, afterSeconds: 120)]),
    Person(id: "bob", name: "Bob", timeZone: "UTC", contacts: [Contact(kind: .slack, target: ["env:B"])]),
    Person(id: "erin", name: "Erin", timeZone: "UTC", contacts: [Contact(kind: .email, target: ["e@x"])])
]

func policy(_ mode: EscalationPolicy.NobodyOnCall = .skip, repeat count: Int = 1, ackTimeout: Int64? = nil)
    -> EscalationPolicy
{
    EscalationPolicy(
        name: "platform",
        steps: [
            .init(targets: [.schedule("primary")], escalateAfterSeconds: 300),
            .init(targets: [.schedule("secondary"), .user("erin")], escalateAfterSeconds: 600)
        ], repeatCount: count, whenNobodyOnCall: mode, fallback: .user("erin"), ackTimeoutSeconds: ackTimeout)
}

let fullDay: [String: [(from: Int64, to: Int64, users: [String])]] = [
    "primary": [(-10_000, 10_000, ["alice"])], "secondary": [(-10_000, 10_000, ["bob"])]
]

func engine(_ p: EscalationPolicy = policy(), lookup: TableLookup = TableLookup(table: fullDay)) -> EscalationEngine {
    EscalationEngine(policies: [p], people: people, lookup: lookup, retry: .init(attempts: 3, backoffSeconds: 30))
}

/// "minute user contact" for each page, to compare with a table.
func pages(_ engine: EscalationEngine, _ script: IncidentScript, until minutes: Double) -> [String] {
    engine.simulate(script.incident.escalationEvents, until: at(minutes)).map { page in
        let m = Double(t0.milliseconds.distance(to: page.at.milliseconds)) / 60_000
        return "\(m.formatted0) s\(page.step)r\(page.cycle) \(page.user) \(page.contact.kind.rawValue)"
    }
}

extension Double { var formatted0: String { self == rounded() ? String(Int(self)) : String(self) } }

func declared(policy name: String? = "platform") throws -> IncidentScript {
    try IncidentScript(
        Declaration(title: "Registry returns 503", severity: .sev2, services: ["registry"], policy: name))
}

struct EscalationEngineTests {
    @Test func stepsEscalateOnTheirDelaysAndThePolicyRepeats() throws {
        let s = try declared()
        #expect(
            pages(engine(), s, until: 120) == [
                "0 s1r1 alice webhook", "2 s1r1 alice email",
                "5 s2r1 bob slack", "5 s2r1 erin email",
                "15 s1r2 alice webhook", "17 s1r2 alice email",
                "20 s2r2 bob slack", "20 s2r2 erin email"
            ])
        let decision = engine().decide(s.incident, now: at(31), engine: ("h", 1))
        #expect(decision.status?.state == .exhausted(at: at(30)))
        #expect(decision.records.contains(.exhausted(phase: "1", policy: "platform")))
    }

    @Test func aNotifyRuleLaterThanTheStepNeverFires() throws {
        var p = policy(repeat: 0)
        p.steps[0].escalateAfterSeconds = 60  // alice's email at 2m comes after step 1 ends
        #expect(
            pages(engine(p), try declared(), until: 60) == [
                "0 s1r1 alice webhook", "1 s2r1 bob slack", "1 s2r1 erin email"
            ])
        // config validate warns of exactly that rule, through the schedule that may page alice.
        let primary = Schedule(
            name: "primary", timeZone: "UTC",
            layers: [
                ScheduleLayer(
                    name: "all", rotation: .daily, start: CivilDateTime(year: 2026, month: 11, day: 2, hour: 9),
                    participants: ["bob", "alice"])
            ])
        let warnings = PolicyCheck.findings(policies: [p], people: people, schedules: [primary])
        #expect(
            warnings.map(\.message) == [
                "alice's email after 2m is never sent on step 1 of policy platform, which escalates after 1m; notify sooner or escalate later"
            ])
        #expect(warnings.allSatisfy { $0.level == .warning })
        // At the step's own delay it is still too late (the step is over); a second sooner, it is sent.
        p.steps[0].escalateAfterSeconds = 120
        #expect(PolicyCheck.findings(policies: [p], people: people, schedules: [primary]).count == 1)
        p.steps[0].escalateAfterSeconds = 121
        #expect(PolicyCheck.findings(policies: [p], people: people, schedules: [primary]).isEmpty)
        #expect(pages(engine(p), try declared(), until: 4).contains("2 s1r1 alice email"))
    }

    @Test func acknowledgementStopsTheEscalation() throws {
        var s = try declared()
        s.clock = at(0)
        try s.perform(.acknowledge, by: "alice", after: 180)  // at 3m
        #expect(pages(engine(), s, until: 120) == ["0 s1r1 alice webhook", "2 s1r1 alice email"])
        let decision = engine().decide(s.incident, now: at(10), engine: ("h", 1))
        #expect(decision.attempts.isEmpty)
        #expect(decision.status?.state == .acknowledged(by: "alice", repageAt: nil))
        #expect(decision.nextWake == nil)
    }

    @Test func theAckTimeoutPagesAgainFromTheFirstStep() throws {
        var s = try declared()
        s.clock = at(0)
        try s.perform(.acknowledge, by: "alice", after: 180)  // at 3m; timeout 30m: pages again at 33m
        let e = engine(policy(ackTimeout: 1800))
        #expect(
            pages(e, s, until: 40) == [
                "0 s1r1 alice webhook", "2 s1r1 alice email", "33 s1r1 alice webhook", "35 s1r1 alice email",
                "38 s2r1 bob slack", "38 s2r1 erin email"
            ])
        #expect(e.decide(s.incident, now: at(10), engine: ("h", 1)).nextWake == at(33))
        #expect(
            e.decide(s.incident, now: at(10), engine: ("h", 1)).status?.state
                == .acknowledged(by: "alice", repageAt: at(33)))
        // Acknowledging again restarts the timeout; resolving ends it.
        try s.perform(.acknowledge, by: "bob", after: 60 * 36)  // at 39m
        #expect(e.decide(s.incident, now: at(40), engine: ("h", 1)).nextWake == at(69))
        try s.perform(.resolve(summary: nil), after: 60)
        #expect(pages(e, s, until: 200).count == 6)
    }

    /// What `escalation simulate` shows of an acknowledgement (issue 26): its timeout, the restart it
    /// leads to and the pages of that restart, read from the engine's phases; a second ack moves the
    /// restart; an ack after the stop acknowledges nothing.
    @Test func aSimulationSaysWhatEachAcknowledgementDid() throws {
        var s = try declared()
        s.clock = at(0)
        try s.perform(.acknowledge, by: "alice", after: 180)  // at 3m; timeout 30m: restarts at 33m
        let e = engine(policy(ackTimeout: 1800))
        let simulation = e.simulation(s.incident.escalationEvents, until: at(40))
        let plain = pages(e, s, until: 40)
        #expect(
            simulation.pages.map {
                "\(Double(t0.milliseconds.distance(to: $0.at.milliseconds) / 60_000).formatted0) s\($0.step)r\($0.cycle) \($0.user) \($0.contact.kind.rawValue)"
            } == plain, "the same pages as simulate")
        let ack = try #require(simulation.acknowledgements.first)
        #expect(simulation.acknowledgements.count == 1)
        #expect(ack.acknowledgement.by == "alice" && ack.acknowledgement.at == at(3))
        #expect(ack.acknowledgement.acknowledgedPaging && ack.acknowledgement.timeoutSeconds == 1800)
        #expect(ack.restart?.at == at(33) && ack.restart?.from == .first)
        // Only the pages after the restart belong to it.
        #expect(
            simulation.pages.map { $0.restartedBy == ack.acknowledgement.sequence } == [
                false, false, true, true, true, true
            ])
        // Before the timeout runs out there is no restart yet.
        #expect(e.simulation(s.incident.escalationEvents, until: at(20)).acknowledgements.first?.restart == nil)
        // Without an ack timeout: none, and no restart.
        let none = engine(policy()).simulation(s.incident.escalationEvents, until: at(200))
        #expect(none.acknowledgements.first?.acknowledgement.timeoutSeconds == nil)
        #expect(none.acknowledgements.first?.restart == nil && none.pages.count == 2)
        // A second ack before the timeout moves the restart: the first leads to none.
        try s.perform(.acknowledge, by: "bob", after: 60 * 20)  // at 23m: restarts at 53m
        let twice = e.simulation(s.incident.escalationEvents, until: at(60))
        #expect(twice.acknowledgements.map { $0.restart?.at } == [nil, at(53)])
        #expect(twice.acknowledgements.last?.restart?.from == .first)
        // After a stop, an ack acknowledges nothing.
        try s.perform(.stopEscalation, after: 60 * 40)  // at 63m
        try s.perform(.acknowledge, by: "erin", after: 60)
        let stopped = e.simulation(s.incident.escalationEvents, until: at(200))
        #expect(stopped.acknowledgements.map(\.acknowledgement.acknowledgedPaging) == [true, true, false])
    }

    @Test func skipGoesStraightToTheNextStepWhenNobodyIsOnCall() throws {
        let lookup = TableLookup(table: ["primary": [(0, 60, [])], "secondary": [(-1000, 1000, ["bob"])]])
        #expect(
            pages(engine(policy(.skip, repeat: 0), lookup: lookup), try declared(), until: 60) == [
                "0 s2r1 bob slack", "0 s2r1 erin email"
            ])
        let decision = engine(policy(.skip, repeat: 0), lookup: lookup).decide(
            try declared().incident, now: at(0), engine: ("h", 1))
        #expect(
            decision.records.first
                == .step(
                    phase: "1", policy: "platform", cycle: 1, cycles: 1, step: 1, steps: 2, users: [],
                    note: "nobody on call in primary; skipped"))
    }

    @Test func waitHoldsTheStepUntilSomeoneComesOnCall() throws {
        let lookup = TableLookup(table: [
            "primary": [(0, 45, []), (45, 1000, ["alice"])], "secondary": [(-1000, 1000, ["bob"])]
        ])
        #expect(
            pages(engine(policy(.wait, repeat: 0), lookup: lookup), try declared(), until: 60) == [
                "45 s1r1 alice webhook", "47 s1r1 alice email", "50 s2r1 bob slack", "50 s2r1 erin email"
            ])
    }

    @Test func fallbackPagesTheFallbackInstead() throws {
        let lookup = TableLookup(table: ["primary": [(-1000, 1000, [])], "secondary": [(-1000, 1000, ["bob"])]])
        #expect(
            pages(engine(policy(.fallback, repeat: 0), lookup: lookup), try declared(), until: 60) == [
                "0 s1r1 erin email", "5 s2r1 bob slack", "5 s2r1 erin email"
            ])
    }

    @Test func resolutionMidStepEndsEverything() throws {
        var s = try declared()
        s.clock = at(0)
        try s.perform(.resolve(summary: "fixed"), after: 60 * 7)
        #expect(
            pages(engine(), s, until: 120) == [
                "0 s1r1 alice webhook", "2 s1r1 alice email", "5 s2r1 bob slack", "5 s2r1 erin email"
            ])
        let decision = engine().decide(s.incident, now: at(100), engine: ("h", 1))
        #expect(decision.attempts.isEmpty && decision.records.isEmpty && decision.nextWake == nil)
        #expect(decision.status?.state == .resolved)
    }

    /// Issue 19, point 6: the preview names everyone the next step pages, not the first of them.
    @Test func theNextPageNamesEveryoneItsStepPages() throws {
        let s = try declared()
        let e = engine()
        #expect(
            e.decide(s.incident, now: at(3), engine: ("h", 1)).status?.summary(now: at(3), formatter: .utc)
                == "platform: step 1 of 2, round 1 of 2, next page in 2m00s → bob, erin")
        // Within a step, what is still to come of it: alice's email.
        #expect(
            e.decide(s.incident, now: at(1), engine: ("h", 1)).status?.summary(now: at(1), formatter: .utc)
                == "platform: step 1 of 2, round 1 of 2, next page in 1m00s → alice")
    }

    @Test func theEngineSendsWhatIsDueOnceAndRecordsEachStep() throws {
        var s = try declared()
        let e = engine()
        var d = e.decide(s.incident, now: at(0), engine: ("h", 1))
        #expect(
            d.records == [
                .step(
                    phase: "1", policy: "platform", cycle: 1, cycles: 2, step: 1, steps: 2, users: ["alice"], note: nil)
            ])
        #expect(
            d.attempts.map(\.user) == ["alice"] && d.attempts[0].contact.kind == .webhook && d.attempts[0].attempt == 1)
        #expect(d.nextWake == at(2))
        #expect(
            d.status?.summary(now: at(0), formatter: .utc)
                == "platform: step 1 of 2, round 1 of 2, next page in 2m00s → alice")
        s.clock = at(0)
        _ = s.append(type: RecordType.escalationStep.rawValue, data: d.records[0].payload)
        _ = s.append(type: RecordType.pageAttempt.rawValue, data: EscalationRecord.attempt(d.attempts[0]).payload)
        // In flight (this engine, no outcome yet): not sent again.
        d = e.decide(s.incident, now: at(1), engine: ("h", 1))
        #expect(d.attempts.isEmpty && d.records.isEmpty)
    }

    @Test func failedDeliveriesRetryWithBackoffUpToTheLimit() throws {
        var s = try declared()
        var attempt = engine().decide(try declared().incident, now: at(0), engine: ("h", 1)).attempts[0]
        s.clock = at(0)
        for n in 1...3 {
            attempt.attempt = n
            _ = s.append(type: RecordType.pageAttempt.rawValue, data: EscalationRecord.attempt(attempt).payload)
            _ = s.append(
                type: RecordType.pageResult.rawValue,
                data: EscalationRecord.result(attempt, delivered: false, detail: "HTTP 500").payload)
            let d = engine().decide(s.incident, now: s.clock, engine: ("h", 1))
            #expect(!d.attempts.contains { $0.page == attempt.page })
            if n < 3 {
                let wait = Int64(30 << (n - 1))
                #expect(d.nextWake == s.clock.adding(seconds: wait), "attempt \(n): retries after \(wait)s")
                let retry = engine().decide(s.incident, now: s.clock.adding(seconds: wait), engine: ("h", 1)).attempts
                    .first { $0.page == attempt.page }
                #expect(retry?.attempt == n + 1)
                s.clock = s.clock.adding(seconds: wait)
            } else {
                #expect(d.nextWake == at(2), "after the last attempt only alice's email is left")
            }
        }
    }

    @Test func anAttemptOfAnEngineThatDiedIsNeverSentAgain() throws {
        var s = try declared()
        let attempt = engine().decide(s.incident, now: at(0), engine: ("h", 1)).attempts[0]
        s.clock = at(0)
        _ = s.append(
            type: RecordType.pageAttempt.rawValue, data: EscalationRecord.attempt(attempt).payload, host: "h", pid: 99)
        let d = engine().decide(s.incident, now: at(1), engine: ("h", 1))
        #expect(d.attempts.isEmpty)
        guard case .result(let a, let delivered, let detail)? = d.records.last else {
            Issue.record("no outcome recorded")
            return
        }
        #expect(a.page == attempt.page && delivered == nil && detail.contains("not sent again"))
        _ = s.append(type: RecordType.pageResult.rawValue, data: d.records.last!.payload)
        #expect(
            engine().decide(s.incident, now: at(1), engine: ("h", 1)).records.filter {
                if case .result = $0 { true } else { false }
            }.isEmpty)
    }

    @Test func aDirectPageNotifiesOnePersonUntilAcknowledged() throws {
        var s = try declared(policy: nil)
        s.clock = at(0)
        try s.perform(.page(user: "alice"), after: 0)
        #expect(pages(engine(), s, until: 60) == ["0 s1r1 alice webhook", "2 s1r1 alice email"])
        try s.perform(.acknowledge, after: 60)
        #expect(pages(engine(), s, until: 60) == ["0 s1r1 alice webhook"])
    }

    @Test func aNewPolicyReplacesTheRunningOneAndStopEndsAll() throws {
        var s = try declared()
        s.clock = at(0)
        try s.perform(.startEscalation(policy: "platform"), after: 60 * 6)  // at 6m: starts over
        #expect(
            pages(engine(policy(repeat: 0)), s, until: 12) == [
                "0 s1r1 alice webhook", "2 s1r1 alice email", "5 s2r1 bob slack", "5 s2r1 erin email",
                "6 s1r1 alice webhook", "8 s1r1 alice email", "11 s2r1 bob slack", "11 s2r1 erin email"
            ])
        try s.perform(.stopEscalation, by: "bob", after: 60)  // at 7m
        #expect(pages(engine(policy(repeat: 0)), s, until: 60).count == 5, "alice's email at 8m is never sent")
        #expect(engine().decide(s.incident, now: at(8), engine: ("h", 1)).status?.state == .stopped(by: "bob"))
        #expect(throws: KlaxonError.self) { try IncidentAction.stopEscalation.record(for: s.incident) }
    }

    @Test func theRealCalendarAnswersForTheEngine() throws {
        let schedule = Schedule(
            name: "primary", timeZone: "UTC",
            layers: [
                ScheduleLayer(
                    name: "l", rotation: .daily, start: CivilDateTime(year: 2026, month: 11, day: 20),
                    participants: ["alice", "bob"])
            ])
        let directory = OnCallDirectory(calendars: [try OnCallCalendar(schedule)])
        // 2026-11-20 is alice's day (the start); 23:30 is still hers, midnight hands to bob.
        #expect(directory.onCall(schedule: "primary", at: t0) == ["alice"])
        #expect(directory.onCall(schedule: "primary", at: at(31)) == ["bob"])
        #expect(directory.onCall(schedule: "nope", at: t0) == nil)
    }
}
