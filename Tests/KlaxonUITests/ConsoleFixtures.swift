import Foundation
import KlaxonCore
import KlaxonTestSupport
import KlaxonUI

/// A console on a fixed clock in Europe/Berlin with four incidents: one SEV1 that runs across
/// midnight, a stale SEV3, and two resolved ones.
func sampleModel(columns: Int = 80, rows: Int = 24, readOnly: Bool = false) -> ConsoleModel {
    var model = ConsoleModel(
        workspaceName: "forge-platform", user: "alice", readOnly: readOnly,
        timeZone: TimeZone(identifier: "Europe/Berlin")!, staleAfterSeconds: 1800, glyphs: .unicode,
        now: Timestamp.parseRFC3339("2026-11-22T09:30:00Z")!, columns: columns, rows: rows)
    for incident in sampleIncidents() { model.setIncident(incident, readOnly: false) }
    model.onCall = sampleOnCallBoard(now: model.now, zone: model.timeZone)
    return model
}

/// Two schedules: a daily Chicago rotation with one override adding someone, and an office-hours Berlin
/// schedule with the gaps of nights and weekends. People as in the sample's people.yaml, less dave (on
/// the rotation by an override, not in people.yaml) and with carol unnamed.
func sampleOnCallBoard(now: Timestamp, zone: TimeZone) -> OnCallBoard {
    let primary = Schedule(
        name: "platform-primary", timeZone: "America/Chicago",
        layers: [
            ScheduleLayer(
                name: "all", rotation: .daily, start: CivilDateTime(year: 2026, month: 11, day: 2, hour: 9),
                participants: ["alice", "bob", "carol"])
        ],
        overrides: [
            ScheduleOverride(
                from: Timestamp.parseRFC3339("2026-11-24T15:00:00Z")!,
                to: Timestamp.parseRFC3339("2026-11-25T03:00:00Z")!,
                user: "dave", mode: .add)
        ])
    let office = Schedule(
        name: "office-hours", timeZone: "Europe/Berlin",
        layers: [
            ScheduleLayer(
                name: "office", rotation: .weekly, start: CivilDateTime(year: 2026, month: 11, day: 2, hour: 9),
                participants: ["erin", "alice"],
                restrictions: [
                    WeeklyWindow(days: [.mon, .tue, .wed, .thu, .fri], fromMinute: 9 * 60, toMinute: 18 * 60)
                ])
        ])
    return OnCallBoard.make(
        calendars: [try! OnCallCalendar(primary), try! OnCallCalendar(office)], mainSchedule: "platform-primary",
        problems: [], now: now, displayZone: zone, people: samplePeople())
}

/// alice, bob, carol (no name given) and erin, with contacts whose addresses and secrets the screen must
/// never show.
func samplePeople() -> [Person] {
    [
        Person(
            id: "alice", name: "Alice Moreau", timeZone: "Europe/Berlin",
            contacts: [
                Contact(kind: .webhook, target: ["env:ALICE_WEBHOOK"]),
                Contact(kind: .email, target: ["alice@forge.example.com"])
            ]),
        Person(
            id: "bob", name: "Bob Okafor", timeZone: "America/Chicago",
            contacts: [
                Contact(kind: .slack, target: ["https://hooks.slack.com/services/T0/B0/secret"]),
                Contact(kind: .email, target: ["bob@forge.example.com"])
            ]),
        Person(
            id: "carol", name: "", timeZone: "America/Chicago",
            contacts: [Contact(kind: .email, target: ["carol@forge.example.com"])]),
        Person(
            id: "erin", name: "Erin Walsh", timeZone: "America/New_York",
            contacts: [
                Contact(kind: .email, target: ["erin@forge.example.com"]),
                Contact(kind: .command, target: ["/usr/local/bin/page-phone", "erin"])
            ])
    ]
}

/// INC-12, the sample's SEV1 across midnight, as a fixture that tests can add records to.
func sampleRegistryIncident() -> IncidentFixture {
    var registry = IncidentFixture(
        id: "INC-12", title: "Artifact registry returns 503 on uploads", severity: .sev2,
        services: ["registry"], at: "2026-11-21T22:40:00Z")
    registry.perform(.note("Upload error rate 40% since 23:30; pulls fine"), after: 120)
    registry.perform(.assign(role: "scribe", user: "bob"))
    registry.perform(.acknowledge, by: "bob")
    registry.perform(.setSeverity(.sev1), after: 300)
    registry.perform(.note("Blob store on registry-2 is at 100% disk. 磁盘已满 — cleaning up 🧹"), by: "bob", after: 1200)
    registry.perform(.setStatus(.identified))
    registry.perform(.addActionItem(text: "Alert on blob store disk usage above 85%", owner: "carol"))
    registry.perform(.addActionItem(text: "Garbage-collect weekly", owner: nil))
    registry.perform(.completeActionItem(2), by: "bob")
    registry.perform(.link("registry-5xx"))
    registry.perform(.link("https://grafana.forge.internal/d/registry"))
    registry.perform(
        .note("Garbage collection running on registry-2 (dry run first, then for real). Expect 20 minutes."),
        after: 3600)
    registry.perform(.note("Disk at 61%; uploads succeed again"), by: "bob", after: 1500)
    return registry
}

func sampleIncidents() -> [Incident] {
    let registry = sampleRegistryIncident()

    var ci = IncidentFixture(
        id: "INC-11", title: "CI queue backed up: oldest job waiting 25 minutes", severity: .sev3,
        services: ["ci", "runners"], commander: "bob", by: "bob", at: "2026-11-22T07:10:00Z")
    ci.perform(.note("Autoscaler at its ceiling of 80 runners"), by: "bob", after: 600)

    var kube = IncidentFixture(
        id: "INC-10", title: "Kubernetes API slow for LIST calls", severity: .sev2, services: ["kubernetes"],
        commander: "carol", by: "carol", at: "2026-11-20T14:00:00Z")
    kube.perform(.mitigate, by: "carol", after: 1800)
    kube.perform(.resolve(summary: "A controller without informers; scaled down"), by: "carol", after: 900)

    var cert = IncidentFixture(
        id: "INC-9", title: "TLS certificate of registry expires in 5 days", severity: .sev4, commander: nil,
        by: "dave", at: "2026-11-18T10:00:00Z")
    cert.perform(.resolve(summary: "Renewed"), by: "dave", after: 7200)
    return [registry.incident, ci.incident, kube.incident, cert.incident]
}

/// Sends keys one after another; returns every effect.
@discardableResult
func press(_ keys: [Key], _ model: inout ConsoleModel) -> [ConsoleEffect] {
    keys.flatMap { ConsoleUpdate.update(&model, .key($0)) }
}

func type(_ text: String) -> [Key] { text.map { Key.character($0) } }
