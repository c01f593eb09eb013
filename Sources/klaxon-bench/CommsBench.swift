import Foundation
import KlaxonCore

/// Figures for the comms engine: one pass over 1,000 open incidents, as the process that sends the pages
/// makes each second, each incident with three status updates whose latest went to two destinations (one
/// delivered, one failed and waiting for its retry) and a cadence that is not due yet.
enum CommsBench {
    struct Figures {
        var passMilliseconds: [Double] = []
    }

    static func run(runs: Int) throws -> Figures {
        let start = Timestamp.parseRFC3339("2026-11-23T00:00:00Z")!
        var config = CommsConfig(cadence: [.sev1: 1800, .sev2: 3600])
        config.destinations = [
            CommsDestination(name: "status", kind: .slack(url: .environment("S"), channel: "#status")),
            CommsDestination(name: "eng", kind: .email(addresses: ["eng@example.com"]))
        ]
        config.routes = [CommsRoute(services: ["ci"], to: ["status"]), CommsRoute(severities: [.sev2], to: ["eng"])]
        let engine = CommsEngine(config: config, people: [])
        let incidents = try (0..<1000).map { try incident($0, at: start, config: config) }
        let now = start.adding(seconds: 1200)
        var figures = Figures()
        for _ in 0..<runs {
            var wakes = 0
            let pass = seconds {
                for incident in incidents where engine.decide(incident, now: now, engine: ("bench", 1)).nextWake != nil
                {
                    wakes += 1
                }
            }
            precondition(wakes == incidents.count, "each bench incident should have a retry or an update due later")
            figures.passMilliseconds.append(pass * 1000)
        }
        return figures
    }

    static func incident(_ n: Int, at t: Timestamp, config: CommsConfig) throws -> Incident {
        var records: [JournalRecord] = []
        func add(_ type: RecordType, _ data: JSONValue, _ seconds: Int64) {
            let draft = RecordDraft(
                type: type.rawValue, data: data, timestamp: t.adding(seconds: seconds), actor: "bench", host: "bench",
                pid: 1)
            records.append(
                JournalCodec.encode(draft, sequence: records.count + 1, previousHash: records.last?.hash ?? .genesis)
                    .record)
        }
        add(
            .declared,
            try Declaration(title: "bench \(n)", severity: .sev2, services: ["ci"], commander: "alice").payload(
                id: IncidentID.make(n + 1)), 0)
        for minute in [5, 10, 15] {
            add(.statusUpdate, ["text": .string("update at \(minute)m"), "phase": "investigating"], Int64(minute) * 60)
        }
        var incident = try IncidentReplay.replay(records, keepingTimeline: false)
        for (index, destination) in config.destinations.enumerated() {
            let delivery = UpdateDelivery(
                incidentID: incident.id, update: records.count, number: 3, destination: destination, attempt: 1,
                attempts: 5)
            add(CommsRecord.attempt(delivery).type, CommsRecord.attempt(delivery).payload, 15 * 60)
            let result = CommsRecord.result(delivery, delivered: index == 0, detail: "HTTP 500")
            add(result.type, result.payload, 15 * 60 + 1)
        }
        incident = try IncidentReplay.replay(records, keepingTimeline: false)
        return incident
    }
}
