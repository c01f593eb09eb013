import Foundation
import Testing

@testable import KlaxonCore

/// The comms engine's decisions from inputs alone, as `EscalationEngineTests` does for pages: an incident
/// made of records, a config and a time in, deliveries, retries and reminders out.
struct CommsEngineTests {
    static let slack = CommsDestination(
        name: "platform-status", kind: .slack(url: .environment("SLACK"), channel: "#platform-status"))
    static let list = CommsDestination(name: "eng-all", kind: .email(addresses: ["eng-all@example.com"]))
    static let hook = CommsDestination(
        name: "bridge", kind: .webhook(url: "https://h.example/x", secret: .environment("S")))

    static func config(cadence: [Severity: Int64] = [.sev1: 1800, .sev2: 3600]) -> CommsConfig {
        var config = CommsConfig(cadence: cadence)
        config.destinations = [slack, list, hook]
        config.routes = [
            CommsRoute(services: ["registry"], severities: [.sev1, .sev2], to: ["platform-status", "eng-all"]),
            CommsRoute(severities: [.sev1], to: ["bridge", "platform-status"])
        ]
        config.retry = .init(attempts: 3, backoffSeconds: 30)
        return config
    }

    static let people = [
        Person(
            id: "bob", name: "Bob", timeZone: "UTC",
            contacts: [Contact(kind: .email, target: ["bob@x"]), Contact(kind: .slack, target: ["env:B"])],
            notify: [NotifyRule(contact: .slack, afterSeconds: 0)]),
        Person(id: "alice", name: "Alice", timeZone: "UTC", contacts: [Contact(kind: .webhook, target: ["env:A"])])
    ]

    static func engine(_ config: CommsConfig = config()) -> CommsEngine { CommsEngine(config: config, people: people) }

    /// An open SEV2 registry incident declared at t0 by alice (commander), with one update a minute later.
    static func updated(severity: Severity = .sev2) throws -> IncidentScript {
        var s = try IncidentScript(
            Declaration(title: "Registry returns 503", severity: severity, services: ["registry"], commander: "alice"))
        try s.perform(.postUpdate(text: "We are looking into failed pushes.", phase: nil))
        return s
    }

    static func names(_ deliveries: [UpdateDelivery]) -> [String] {
        deliveries.map { "#\($0.number) \($0.destination.name) \($0.attempt)/\($0.attempts)" }
    }

    @Test func routesAddTheirDestinationsOnceInOrderAndADrillGoesNowhere() throws {
        var s = try IncidentScript(Declaration(title: "t", severity: .sev1, services: ["ci", "registry"]))
        #expect(Self.config().destinations(for: s.incident).map(\.name) == ["platform-status", "eng-all", "bridge"])
        try s.perform(.setSeverity(.sev3))
        #expect(Self.config().destinations(for: s.incident).isEmpty)
        let ci = try IncidentScript(Declaration(title: "t", severity: .sev1, services: ["ci"]))
        #expect(Self.config().destinations(for: ci.incident).map(\.name) == ["bridge", "platform-status"])
        var drill = try IncidentScript(Declaration(title: "t", severity: .sev1, services: ["registry"]))
        drill.incident.drill = "registry-outage"
        #expect(Self.config().destinations(for: drill.incident).isEmpty)
    }

    @Test func anUpdateGoesToEachDestinationOnceAndIsNotSentAgainWhileInFlight() throws {
        var s = try Self.updated()
        let decision = Self.engine().decide(s.incident, now: s.clock, engine: ("h", 1))
        #expect(Self.names(decision.deliveries) == ["#1 platform-status 1/3", "#1 eng-all 1/3"])
        #expect(decision.records.isEmpty)
        for d in decision.deliveries { try s.perform(.comms(.attempt(d)), by: "comms-engine", after: 0) }
        // In flight in this process: nothing to do; in another (that stopped): the outcome is unknown.
        #expect(Self.engine().decide(s.incident, now: s.clock, engine: ("h", 1)).deliveries.isEmpty)
        #expect(Self.engine().decide(s.incident, now: s.clock, engine: ("h", 1)).records.isEmpty)
        let other = Self.engine().decide(s.incident, now: s.clock, engine: ("h", 2))
        #expect(other.deliveries.isEmpty)
        #expect(other.records.count == 2)
        try s.perform(.comms(.result(decision.deliveries[0], delivered: true, detail: "HTTP 200")), by: "comms-engine")
        try s.perform(.comms(.result(decision.deliveries[1], delivered: true, detail: "250")), by: "comms-engine")
        #expect(Self.engine().decide(s.incident, now: s.clock, engine: ("h", 1)).deliveries.isEmpty)
        #expect(Self.engine().problems(of: s.incident, now: s.clock).isEmpty)
        #expect(
            Self.engine().sentText(of: s.incident, now: s.clock) == "update #1 sent to #platform-status, email eng-all")
    }

    @Test func aFailedDeliveryIsRetriedWithBackoffThenGivenUpAndShown() throws {
        var s = try Self.updated()
        let engine = Self.engine()
        var delivery = engine.decide(s.incident, now: s.clock, engine: ("h", 1)).deliveries[1]
        #expect(delivery.destination.name == "eng-all")
        var failedAt: [Timestamp] = []
        for attempt in 1...3 {
            #expect(delivery.attempt == attempt)
            try s.perform(.comms(.attempt(delivery)), by: "comms-engine", after: 0)
            try s.perform(.comms(.result(delivery, delivered: false, detail: "HTTP 500")), by: "comms-engine", after: 1)
            failedAt.append(s.clock)
            let wait: Int64 = attempt == 1 ? 30 : 60  // 30 s, doubling
            let early = engine.decide(s.incident, now: s.clock.adding(seconds: wait - 1), engine: ("h", 1))
            #expect(!early.deliveries.contains { $0.destination.name == "eng-all" })
            if attempt < 3 {
                #expect(early.nextWake == s.clock.adding(seconds: wait))
                let problem = engine.problems(of: s.incident, now: s.clock).map(\.text)
                #expect(
                    problem == ["update #1 FAILING to email eng-all (attempt \(attempt) of 3): HTTP 500; trying again"])
                s.clock = s.clock.adding(seconds: wait)
                let due = engine.decide(s.incident, now: s.clock, engine: ("h", 1)).deliveries
                delivery = try #require(due.first { $0.destination.name == "eng-all" })
            }
        }
        // Three attempts failed: nothing more is sent, nothing woken for, and the incident says so.
        let later = engine.decide(s.incident, now: s.clock.adding(seconds: 3600), engine: ("h", 1))
        #expect(!later.deliveries.contains { $0.destination.name == "eng-all" })
        #expect(
            engine.problems(of: s.incident, now: s.clock).map(\.text) == [
                "update #1 NOT SENT to email eng-all: gave up after 3 attempts: HTTP 500"
            ])
        #expect(engine.sentText(of: s.incident, now: s.clock) == nil)
    }

    @Test func aNewerUpdateEndsTheRetriesOfAnOlderOne() throws {
        var s = try Self.updated()
        let engine = Self.engine()
        let first = engine.decide(s.incident, now: s.clock, engine: ("h", 1)).deliveries
        for d in first {
            try s.perform(.comms(.attempt(d)), by: "comms-engine", after: 0)
            try s.perform(.comms(.result(d, delivered: false, detail: "HTTP 503")), by: "comms-engine", after: 0)
        }
        try s.perform(.postUpdate(text: "Fixed the disk; pushes work again.", phase: .monitoring), after: 5)
        let decision = engine.decide(s.incident, now: s.clock.adding(seconds: 60), engine: ("h", 1))
        #expect(Self.names(decision.deliveries) == ["#2 platform-status 1/3", "#2 eng-all 1/3"])
        #expect(decision.deliveries.allSatisfy { $0.update == s.incident.statusUpdates[1].sequence })
    }

    @Test func anUpdateNobodySentWithinTheHourIsNotSentAndIsShown() throws {
        let s = try Self.updated()
        let late = s.clock.adding(seconds: CommsEngine.sendWithinSeconds)
        let engine = Self.engine()
        #expect(engine.decide(s.incident, now: late.adding(seconds: -1), engine: ("h", 1)).deliveries.count == 2)
        #expect(engine.decide(s.incident, now: late, engine: ("h", 1)).deliveries.isEmpty)
        #expect(
            engine.problems(of: s.incident, now: late).map(\.delivery.destination.name) == [
                "platform-status", "eng-all"
            ])
        #expect(engine.problems(of: s.incident, now: late)[0].text.hasPrefix("update #1 NOT SENT to #platform-status"))
    }

    @Test func anOverdueUpdateRemindsTheCommsRoleOnceUntilANewUpdate() throws {
        // SEV1: an update every 30 minutes, counted from the declaration while none was posted.
        var s = try IncidentScript(
            Declaration(title: "Registry returns 503", severity: .sev1, services: ["registry"], commander: "alice"))
        let declared = s.clock
        try s.perform(.assign(role: "comms", user: "bob"), after: 60)
        let engine = Self.engine()
        let due = declared.adding(seconds: 1800)
        let early = engine.decide(s.incident, now: due.adding(seconds: -1), engine: ("h", 1))
        #expect(early.reminder == nil)
        #expect(early.nextWake == due)
        let reminder = try #require(engine.decide(s.incident, now: due, engine: ("h", 1)).reminder)
        #expect(reminder.user == "bob")
        #expect(reminder.role == "comms")
        #expect(reminder.contact == Contact(kind: .slack, target: ["env:B"]))  // his first notify rule's
        #expect(reminder.since == declared)
        #expect(reminder.dueAt == due)
        s.clock = due
        try s.perform(.comms(.reminded(reminder)), by: "comms-engine", after: 0)
        // Not a second time for the same overdue period, however late it gets.
        #expect(engine.decide(s.incident, now: due.adding(seconds: 3 * 3600), engine: ("h", 1)).reminder == nil)
        // A new update resets the cadence: due again 30 minutes after it, and reminded again then.
        try s.perform(.postUpdate(text: "Still investigating.", phase: nil), after: 600)
        let posted = s.clock
        #expect(engine.decide(s.incident, now: posted.adding(seconds: 1799), engine: ("h", 1)).reminder == nil)
        let again = try #require(
            engine.decide(s.incident, now: posted.adding(seconds: 1800), engine: ("h", 1)).reminder)
        #expect(again.since == posted)
        #expect(again.user == "bob")
    }

    @Test func theCommanderIsRemindedWithoutACommsRoleAndNobodyIsSaid() throws {
        var s = try IncidentScript(
            Declaration(title: "Registry returns 503", severity: .sev1, services: ["registry"], commander: "alice"))
        let late = s.clock.adding(seconds: 1800)
        let toCommander = try #require(Self.engine().decide(s.incident, now: late, engine: ("h", 1)).reminder)
        #expect(toCommander.user == "alice")
        #expect(toCommander.role == "commander")
        #expect(toCommander.contact?.kind == .webhook)
        let nobody = try #require(
            Self.engine().decide(
                try IncidentScript(Declaration(title: "t", severity: .sev1)).incident, now: late, engine: ("h", 1)
            ).reminder)
        #expect(nobody.user == nil)
        #expect(nobody.contact == nil)
        #expect(nobody.problem?.hasPrefix("nobody to remind: INC-7 has no comms role or commander") == true)
        // Found by a walkthrough: "nobody to remind" recorded, then someone assigned as the line says: they
        // are reminded (once), where before the period counted as reminded.
        var unassigned = try IncidentScript(Declaration(title: "t", severity: .sev1))
        try unassigned.perform(.comms(.reminded(nobody)), by: "comms-engine", after: 1800)
        #expect(Self.engine().decide(unassigned.incident, now: late, engine: ("h", 1)).reminder == nil)
        try unassigned.perform(.assign(role: "comms", user: "bob"), after: 0)
        let bob = try #require(Self.engine().decide(unassigned.incident, now: late, engine: ("h", 1)).reminder)
        #expect(bob.user == "bob" && bob.contact?.kind == .slack)
        try unassigned.perform(.comms(.reminded(bob)), by: "comms-engine", after: 0)
        #expect(Self.engine().decide(unassigned.incident, now: late, engine: ("h", 1)).reminder == nil)
        try s.perform(.assign(role: "comms", user: "zed"), after: 0)
        let unknown = try #require(Self.engine().decide(s.incident, now: late, engine: ("h", 1)).reminder)
        #expect(unknown.contact == nil)
        #expect(unknown.problem == "zed (comms) is not in Escalation/people.yaml, so has no contact to remind")
        // Resolved, or a severity without a cadence: no update is owed.
        try s.perform(.setSeverity(.sev3), after: 0)
        #expect(Self.engine().decide(s.incident, now: late, engine: ("h", 1)).reminder == nil)
        try s.perform(.setSeverity(.sev1), after: 0)
        try s.perform(.resolve(summary: nil), after: 0)
        #expect(Self.engine().decide(s.incident, now: late, engine: ("h", 1)).reminder == nil)
    }

    @Test func messagesCarryOnlyPublicFieldsAndSlackTextIsEscaped() throws {
        var s = try IncidentScript(
            Declaration(title: "Registry <!channel> & co", severity: .sev1, services: ["registry"], commander: "alice"))
        try s.perform(.note("internal: the DB password rotated"))
        try s.perform(.postUpdate(text: "Pushes fail <https://evil.example|click>.", phase: .identified), by: "carol")
        let delivery = Self.engine().decide(s.incident, now: s.clock, engine: ("h", 1)).deliveries[0]
        let message = UpdateMessage(
            delivery: delivery, incident: s.incident, update: s.incident.statusUpdates[0], sentAt: s.clock,
            statusPageURL: "https://klaxon.example.com/status")
        let slack = try JSONParser.parse(Array(message.slackJSON.utf8))
        let text = try #require(slack["blocks"]?.arrayValue?.first?["text"]?["text"]?.stringValue)
        #expect(text.contains("*[SEV1] INC-7 Identified: Registry &lt;!channel&gt; &amp; co*"))
        #expect(text.contains("Pushes fail &lt;https://evil.example|click&gt;."))
        #expect(text.contains("<https://klaxon.example.com/status|Status page>"))
        #expect(slack["text"]?.stringValue == "[SEV1] INC-7 Identified: Registry &lt;!channel&gt; &amp; co")
        #expect(message.subject == "[SEV1] INC-7 identified: Registry <!channel> & co")
        let email = message.email(from: "klaxon@example.com", to: ["eng-all@example.com"])
        #expect(email.contains("Subject: [SEV1] INC-7 identified: Registry <!channel> & co\r\n"))
        #expect(email.contains("\r\n\r\nINC-7: Registry <!channel> & co\r\n"))
        #expect(email.contains("Status page: https://klaxon.example.com/status\r\n"))
        let webhook = try JSONParser.parse(Array(message.webhookJSON.utf8))
        #expect(webhook["type"]?.stringValue == "klaxon.status_update")
        #expect(webhook["update"]?["phase"]?.stringValue == "identified")
        #expect(webhook["update"]?["id"]?.stringValue == "INC-7/update/3")
        for body in [message.slackJSON, email, message.webhookJSON] {
            #expect(!body.contains("carol"))
            #expect(!body.contains("alice"))
            #expect(!body.contains("password"))
        }
    }

    /// Slack refuses a section of more than 3,000 characters (HTTP 400 at every attempt): a long update is
    /// cut to fit, whole escapes kept, and says the rest is on the status page.
    @Test func aLongUpdateIsCutToSlacksSectionLimit() throws {
        var s = try IncidentScript(Declaration(title: "Registry", severity: .sev1, services: ["registry"]))
        let long = String(repeating: "a & b ", count: 1000)  // 6,000 characters, more once escaped
        try s.perform(.postUpdate(text: long, phase: .identified))
        let delivery = Self.engine().decide(s.incident, now: s.clock, engine: ("h", 1)).deliveries[0]
        for url in ["https://klaxon.example.com/status", nil] {
            let message = UpdateMessage(
                delivery: delivery, incident: s.incident, update: s.incident.statusUpdates[0], sentAt: s.clock,
                statusPageURL: url)
            let slack = try JSONParser.parse(Array(message.slackJSON.utf8))
            let text = try #require(slack["blocks"]?.arrayValue?.first?["text"]?["text"]?.stringValue)
            #expect(text.utf16.count <= 3000 && text.utf16.count > 2900, "\(text.utf16.count)")
            #expect(text.hasPrefix("*[SEV1] INC-7 Identified: Registry*\na &amp; b a &amp; b"))
            let cut =
                url == nil ? "…\n_Services: registry_" : "… (the rest is on the status page)\n_Services: registry_"
            #expect(text.contains(cut), "\(text.suffix(80))")
            #expect(!text.contains("&am…") && !text.contains("&…"))
        }
        // A short one is whole.
        #expect(UpdateMessage.cut("a & b", to: 3000, PageMessage.slackEscaped) == "a &amp; b")
    }

    /// Found by a walkthrough: a reminder sent as the update fell due said "UPDATE OVERDUE 0s", and its
    /// Slack code span took in "(or U in the console)".
    @Test func aReminderSaysDueNowInItsFirstMinuteThenHowLate() throws {
        let s = try IncidentScript(Declaration(title: "Registry", severity: .sev1))
        let due = s.clock
        let reminder = UpdateReminder(
            incidentID: "INC-7", since: due.adding(seconds: -1800), dueAt: due, user: "bob", role: "comms",
            contact: nil, problem: nil)
        let now = ReminderMessage(reminder: reminder, incident: s.incident, sentAt: due)
        #expect(now.headline == "INC-7 SEV1 Registry: a status update is due now")
        let slack = try JSONParser.parse(Array(now.slackJSON.utf8))["text"]?.stringValue
        #expect(slack?.hasSuffix("Post one: `klaxon incident update INC-7 \"TEXT\"` (or U in the console)") == true)
        let late = ReminderMessage(reminder: reminder, incident: s.incident, sentAt: due.adding(seconds: 720))
        #expect(late.headline == "INC-7 SEV1 Registry: a status update is overdue (UPDATE OVERDUE 12m)")
    }

    @Test func theRecordsReadOnTheTimeline() throws {
        var s = try Self.updated()
        let formatter = LocalTimeFormatter(timeZone: TimeZone(identifier: "UTC")!)
        func line(_ record: CommsRecord) throws -> String {
            TimelineText.text(of: try s.perform(.comms(record), by: "comms-engine", after: 0), formatter: formatter)
        }
        var d = Self.engine().decide(s.incident, now: s.clock, engine: ("h", 1)).deliveries[1]
        #expect(try line(.attempt(d)) == "sending update #1 to email eng-all, attempt 1 of 3")
        #expect(
            try line(.result(d, delivered: false, detail: "HTTP 500"))
                == "update #1 to email eng-all FAILED: HTTP 500, attempt 1 of 3")
        d.attempt = 3
        #expect(try line(.attempt(d)) == "sending update #1 to email eng-all, attempt 3 of 3")
        #expect(
            try line(.result(d, delivered: false, detail: "HTTP 500"))
                == "update #1 to email eng-all FAILED: HTTP 500, attempt 3 of 3; not tried again")
        d = Self.engine().decide(s.incident, now: s.clock, engine: ("h", 1)).deliveries[0]
        #expect(try line(.attempt(d)) == "sending update #1 to #platform-status, attempt 1 of 3")
        #expect(try line(.result(d, delivered: true, detail: "HTTP 200")) == "update #1 sent to #platform-status")
        #expect(TimelineText.kind(of: s.records.last!) == "comms")
    }
}
