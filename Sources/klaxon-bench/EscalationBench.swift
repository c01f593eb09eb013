import Foundation
import KlaxonCore
import KlaxonStore

/// Figures for the escalation engine, on the sample workspace's people, schedules and policy:
/// a week of pages simulated for 1,000 incidents, and one engine pass over 100 escalating incidents.
enum EscalationBench {
    struct Figures {
        var simulateMilliseconds: [Double] = []
        var pages = 0
        /// A pass with the plans already worked out (every pass after an incident's first).
        var tickMilliseconds: [Double] = []
        /// The first pass, working out every plan.
        var firstTickMilliseconds: [Double] = []
    }

    static func run(runs: Int, workspaceRoot: String) throws -> Figures {
        let files = EscalationFiles.load(workspaceRoot: workspaceRoot)
        try files.requireReadable()
        let policy = try files.policy(named: "platform")
        let start = Timestamp.parseRFC3339("2026-11-23T00:00:00Z")!
        var figures = Figures()
        for _ in 0..<runs {
            // A new engine each run: nothing worked out beforehand.
            var engine = files.engine()
            // 1,000 incidents declared 10 minutes apart, nobody acknowledging, each simulated for a week.
            var pages = 0
            let simulate = seconds {
                for i in 0..<1000 {
                    let at = start.adding(seconds: Int64(i) * 600)
                    let events = [
                        EscalationEvent(sequence: 1, at: at, actor: "bench", kind: .started(policy: policy.name))
                    ]
                    pages += engine.simulate(events, until: at.adding(seconds: 7 * 86400)).count
                }
            }
            figures.simulateMilliseconds.append(simulate * 1000)
            figures.pages = pages

            // 100 incidents mid-escalation (one page recorded each), asked what is due.
            let incidents = try (0..<100).map { i in
                try incident(i, policy: policy.name, at: start.adding(seconds: Int64(i) * 5))
            }
            let now = start.adding(seconds: 200)
            engine = files.engine()
            for pass in 0..<2 {
                var due = 0
                let tick = seconds {
                    for incident in incidents {
                        due += engine.decide(incident, now: now, engine: ("bench", 1)).attempts.count
                    }
                }
                precondition(due > 0, "the bench's incidents should have pages due")
                if pass == 0 {
                    figures.firstTickMilliseconds.append(tick * 1000)
                } else {
                    figures.tickMilliseconds.append(tick * 1000)
                }
            }
        }
        return figures
    }

    /// An incident declared with `policy` whose first page was attempted and delivered.
    static func incident(_ n: Int, policy: String, at t: Timestamp) throws -> Incident {
        var records: [JournalRecord] = []
        func add(_ type: RecordType, _ data: JSONValue, _ at: Timestamp) {
            let draft = RecordDraft(
                type: type.rawValue, data: data, timestamp: at, actor: "bench", host: "bench", pid: 1)
            records.append(
                JournalCodec.encode(draft, sequence: records.count + 1, previousHash: records.last?.hash ?? .genesis)
                    .record)
        }
        let id = IncidentID.make(n + 1)
        add(.declared, try Declaration(title: "bench \(n)", severity: .sev2, policy: policy).payload(id: id), t)
        add(
            .escalationStep,
            [
                "phase": "1", "policy": .string(policy), "cycle": 1, "cycles": 3, "step": 1, "steps": 2,
                "users": ["alice"]
            ], t)
        add(
            .pageAttempt,
            [
                "page": "1/1/1/alice/webhook", "policy": .string(policy), "user": "alice", "contact": "webhook",
                "attempt": 1, "attempts": 5, "step": 1, "steps": 2
            ], t)
        add(.pageResult, ["page": "1/1/1/alice/webhook", "attempt": 1, "outcome": "delivered", "detail": "HTTP 200"], t)
        return try IncidentReplay.replay(records, keepingTimeline: false)
    }
}
