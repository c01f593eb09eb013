import Testing

@testable import KlaxonCore

/// Issue 22: alerts as records. What the intake records (`ReceivedAlerts`) reads back exactly, and the
/// book replayed from those records de-duplicates as senders need: repeats, HA pairs' copies and retries
/// open nothing; a resolve resolves; a trigger after a resolve is a new alert.
struct AlertBookTests {
    let group = "{}:{alertname=\"RegistryDown\"}"
    var sequence = 0

    func amAlert(
        _ fingerprint: String, _ status: ReceivedAlerts.Status, startsAt: Int64 = 1_000, name: String = "RegistryDown"
    ) -> ReceivedAlerts.Alert {
        ReceivedAlerts.Alert(
            key: fingerprint, status: status, labels: ["alertname": name, "severity": "critical"],
            annotations: ["summary": "\(name) on \(fingerprint)"], startsAt: Timestamp(milliseconds: startsAt),
            endsAt: status == .resolved ? Timestamp(milliseconds: startsAt + 60_000) : nil)
    }

    func am(_ alerts: [ReceivedAlerts.Alert], token: String = "alertmanager") -> ReceivedAlerts {
        ReceivedAlerts(source: .alertmanager, token: token, group: group, receiver: "klaxon", alerts: alerts)
    }

    /// The record the intake writes for `batches`, read back through its JSON line (as a reader would).
    mutating func record(_ batches: ReceivedAlerts..., at seconds: Int64 = 100) throws -> JournalRecord {
        sequence += 1
        let draft = RecordDraft(
            type: ReceivedAlerts.recordType, data: ReceivedAlerts.draftData(batches),
            timestamp: Timestamp(milliseconds: seconds * 1000), actor: "klaxon", host: "h", pid: 1)
        let line = JournalCodec.encode(draft, sequence: sequence, previousHash: .genesis).line
        return try line.dropLast().withUnsafeBufferPointer { try JournalCodec.decode(line: $0) }
    }

    @Test mutating func whatIsRecordedReadsBackExactly() throws {
        let notification = try AlertmanagerNotification.parse(
            fixture("real/am-webhook-firing-KlaxonAlwaysCritical.json"))
        let fromAM = ReceivedAlerts(alertmanager: notification, token: "alertmanager")
        let event = try PagerDutyEvent.parse(
            Array(
                #"{"routing_key":"k","event_action":"trigger","payload":{"summary":"Build farm full","source":"ci-7","severity":"error","component":"disk","timestamp":"2026-12-05T10:00:00Z"},"links":[{"href":"https://ci/7"}],"client":"Jenkins"}"#
                    .utf8))
        let fromPD = ReceivedAlerts(
            pagerDuty: event, token: "ci", dedupKey: "made-1", receivedAt: Timestamp(milliseconds: 5_000))
        let read = try #require(ReceivedAlerts.batches(of: try record(fromAM, fromPD)))
        #expect(read == [fromAM, fromPD])
        #expect(fromAM.group == notification.groupKey && fromAM.alerts.first?.key == "faafda1730ad1126")
        let pd = try #require(fromPD.alerts.first)
        #expect(pd.key == "made-1" && pd.status == .firing && pd.summary == "Build farm full")
        #expect(pd.labels == ["severity": "error", "source": "ci-7", "component": "disk"])
        #expect(pd.startsAt == Timestamp.parseRFC3339("2026-12-05T10:00:00Z") && pd.generatorURL == "https://ci/7")
        #expect(fromPD.group == nil, "no payload.group: a group of its own")
    }

    @Test func aRecordOfAnotherTypeOrUnreadableDataHasNoBatches() {
        let other = JournalRecord(
            sequence: 1, timestamp: Timestamp(milliseconds: 0), actor: "a", host: "h", pid: 1, type: "note",
            data: ["text": "x"], previousHash: .genesis, hash: .genesis)
        #expect(ReceivedAlerts.batches(of: other) == nil)
        var broken = other
        broken.type = ReceivedAlerts.recordType
        broken.data = ["batches": [["source": "carrier-pigeon", "token": "t", "alerts": []]]]
        #expect(ReceivedAlerts.batches(of: broken) == nil)
        var book = AlertBook()
        #expect(book.apply(broken).isEmpty && book.alerts.isEmpty && book.lastSequence == 1)
    }

    @Test mutating func repeatsAndAnHAPairsCopiesOpenNothingNew() throws {
        var book = AlertBook()
        let first = book.apply(try record(am([amAlert("f1", .firing), amAlert("f2", .firing)])))
        #expect(first.map(\.kind) == [.fired, .fired] && first.map(\.alert) == [1, 2])
        #expect(book.alerts.map(\.id) == ["A-1", "A-2"] && book.alerts.allSatisfy { $0.group == group })
        // The peer of the HA pair, with another token, and a retry: the same alerts.
        let copies = book.apply(try record(am([amAlert("f1", .firing), amAlert("f2", .firing)], token: "am-peer")))
        let retry = book.apply(try record(am([amAlert("f1", .firing)]), at: 130))
        #expect(copies.map(\.kind) == [.repeated, .repeated] && retry.map(\.kind) == [.repeated])
        #expect(book.alerts.count == 2)
        let a1 = try #require(book.alert("A-1"))
        #expect(a1.receivedCount == 3 && a1.firstSequence == 1 && a1.lastSequence == 3)
        #expect(
            a1.firstReceived == Timestamp(milliseconds: 100_000) && a1.lastReceived == Timestamp(milliseconds: 130_000))
        #expect(a1.token == "alertmanager", "the token of its first firing")
    }

    @Test mutating func aResolveResolvesAndATriggerAfterItIsANewAlert() throws {
        var book = AlertBook()
        _ = book.apply(try record(am([amAlert("f1", .firing)])))
        let resolved = book.apply(try record(am([amAlert("f1", .resolved)])))
        #expect(resolved.map(\.kind) == [.resolved] && book.alerts[0].state == .resolved)
        #expect(book.alerts[0].endsAt == Timestamp(milliseconds: 61_000), "the sender's endsAt")
        // The resolved notification again (the peer, a retry): nothing.
        #expect(book.apply(try record(am([amAlert("f1", .resolved)]))).isEmpty)
        // A late copy of the same firing (it began when the resolved one did): nothing.
        #expect(book.apply(try record(am([amAlert("f1", .firing)]))).isEmpty && book.alerts.count == 1)
        // It fires again (Prometheus gives a new start): a new alert.
        let again = book.apply(try record(am([amAlert("f1", .firing, startsAt: 500_000)])))
        #expect(again.map(\.kind) == [.fired] && again.first?.alert == 2)
        #expect(book.active.map(\.id) == ["A-2"] && book.alerts(of: group).count == 2)
    }

    @Test mutating func pagerDutyEventsAreKnownByTokenAndDedupKey() throws {
        func event(_ action: String, _ key: String, group: String? = nil) throws -> PagerDutyEvent {
            let payload =
                action == "trigger"
                ? #","payload":{"summary":"disk full","source":"ci-7","severity":"critical"\#(group.map { ",\"group\":\"\($0)\"" } ?? "")}"#
                : ""
            return try PagerDutyEvent.parse(
                Array(#"{"routing_key":"k","event_action":"\#(action)","dedup_key":"\#(key)"\#(payload)}"#.utf8))
        }
        func pd(_ action: String, _ key: String, token: String = "ci", group: String? = nil) throws -> ReceivedAlerts {
            ReceivedAlerts(
                pagerDuty: try event(action, key, group: group), token: token, dedupKey: key,
                receivedAt: Timestamp(milliseconds: 9_000))
        }
        var book = AlertBook()
        #expect(book.apply(try record(pd("trigger", "disk"))).map(\.kind) == [.fired])
        #expect(book.apply(try record(pd("trigger", "disk"))).map(\.kind) == [.repeated], "one dedup_key, one alert")
        #expect(
            book.apply(try record(pd("trigger", "disk", token: "scripts"))).map(\.kind) == [.fired], "another token")
        #expect(book.alerts[0].group == "pagerduty/ci/disk" && book.alerts[1].group == "pagerduty/scripts/disk")
        #expect(book.apply(try record(pd("acknowledge", "disk"))).map(\.kind) == [.acknowledged])
        #expect(book.alerts[0].state == .acknowledged)
        #expect(book.alerts[0].summary == "disk full", "an acknowledge carries no payload: what it said is kept")
        #expect(book.apply(try record(pd("acknowledge", "disk"))).isEmpty, "acknowledged already")
        #expect(book.apply(try record(pd("resolve", "disk"))).map(\.kind) == [.resolved])
        #expect(book.apply(try record(pd("resolve", "nothing-such"))).isEmpty)
        let again = book.apply(try record(pd("trigger", "disk", group: "ci-disks")))
        #expect(again.map(\.kind) == [.fired] && again.first?.alert == 3 && again.first?.group == "ci-disks")
    }

    @Test func alertIDsAreReadStrictly() {
        #expect(Alert.number(of: "A-12") == 12 && Alert.number(of: "a-3") == 3 && Alert.number(of: "7") == 7)
        for bad in ["A-0", "A-012", "A-", "B-1", "A-+1", "A--1", "INC-1", ""] { #expect(Alert.number(of: bad) == nil) }
    }
}

extension AlertBookTests {
    @Test mutating func theRoutersProgressIsReadBack() throws {
        var book = AlertBook()
        _ = book.apply(try record(am([amAlert("f1", .firing)])))
        sequence += 1
        let routed = JournalRecord(
            sequence: sequence, timestamp: Timestamp(milliseconds: 0), actor: "klaxon", host: "h", pid: 1,
            type: AlertBook.routedRecordType, data: AlertBook.routedDraftData(through: 1, incidents: [group: "INC-4"]),
            previousHash: .genesis, hash: .genesis)
        #expect(book.apply(routed).isEmpty)
        #expect(book.routedThrough == 1 && book.incidents == [group: "INC-4"] && book.lastSequence == 2)
        #expect(book.alerts.count == 1, "progress is not an alert")
    }
}

extension AlertBookTests {
    /// Walkthrough: after a group's incident was resolved and the group fired again onto a new incident,
    /// its earlier alerts named the new one (whose timeline does not have them).
    @Test mutating func eachAlertKeepsTheIncidentItWentTo() throws {
        var book = AlertBook()
        func routed(through: Int, to incident: String) throws -> JournalRecord {
            sequence += 1
            return JournalRecord(
                sequence: sequence, timestamp: Timestamp(milliseconds: 0), actor: "klaxon", host: "h", pid: 1,
                type: AlertBook.routedRecordType,
                data: AlertBook.routedDraftData(through: through, incidents: [group: incident]),
                previousHash: .genesis, hash: .genesis)
        }
        _ = book.apply(try record(am([amAlert("f1", .firing)])))  // 1
        #expect(book.incident(of: book.alerts[0]) == nil, "not routed yet")
        _ = book.apply(try routed(through: 1, to: "INC-1"))  // 2
        _ = book.apply(try record(am([amAlert("f1", .resolved)])))  // 3
        _ = book.apply(try record(am([amAlert("f2", .firing, startsAt: 900_000)])))  // 4
        _ = book.apply(try routed(through: 4, to: "INC-5"))  // 5
        #expect(book.incident(of: book.alerts[0]) == "INC-1" && book.incident(of: book.alerts[1]) == "INC-5")
        #expect(book.incidents == [group: "INC-5"], "the group's next changes go to its newest incident")
        // An alert the router has not reached (after `through`) is on none yet.
        _ = book.apply(try record(am([amAlert("f3", .firing, startsAt: 950_000)])))  // 6
        _ = book.apply(try routed(through: 5, to: "INC-5"))  // 7
        #expect(book.incident(of: book.alerts[2]) == nil)
    }

    /// A PagerDuty-style event has no alertname: its name is its summary, never the dedup key the intake
    /// made (a title of 32 hex digits said nothing at 80 columns).
    @Test func aPagerDutyAlertIsNamedByItsSummary() throws {
        let event = try PagerDutyEvent.parse(
            Array(
                #"{"routing_key":"k","event_action":"trigger","payload":{"summary":"Build farm disk full","source":"bf-3","severity":"error"}}"#
                    .utf8))
        var alert = Alert(
            number: 1, source: .pagerduty, token: "ci", group: "g", key: "d1956e1df763922828f561e756508b5f",
            state: .firing,
            labels: ReceivedAlerts(pagerDuty: event, token: "ci", dedupKey: "x", receivedAt: Timestamp(milliseconds: 0))
                .alerts[0].labels,
            annotations: ["summary": "Build farm disk full"], startsAt: Timestamp(milliseconds: 0), endsAt: nil,
            generatorURL: nil, firstReceived: Timestamp(milliseconds: 0), lastReceived: Timestamp(milliseconds: 0),
            receivedCount: 1, firstSequence: 1, lastSequence: 1)
        #expect(alert.name == "Build farm disk full" && alert.summary == "Build farm disk full")
        alert.source = .alertmanager
        #expect(alert.name == "d1956e1df763922828f561e756508b5f", "Alertmanager's alerts always have their alertname")
    }
}

/// A new user's walkthrough of the Alerts screen and `klaxon alert list`: what they read off the book.
extension AlertBookTests {
    /// The newest request received, a repeat that changes no alert included: whether the intake still
    /// receives. The router's records are not received requests.
    @Test mutating func theBookKnowsWhenARequestWasLastReceived() throws {
        var book = AlertBook()
        #expect(book.lastReceivedAt == nil)
        _ = book.apply(try record(am([amAlert("a", .firing)]), at: 100))
        _ = book.apply(try record(am([amAlert("a", .firing)]), at: 160))
        #expect(book.lastReceivedAt == Timestamp(milliseconds: 160_000))
        sequence += 1
        let routed = JournalCodec.encode(
            RecordDraft(
                type: AlertBook.routedRecordType,
                data: AlertBook.routedDraftData(through: 2, incidents: [group: "INC-1"]),
                timestamp: Timestamp(milliseconds: 200_000), actor: "klaxon", host: "h", pid: 1),
            sequence: sequence, previousHash: .genesis
        ).record
        _ = book.apply(routed)
        #expect(book.lastReceivedAt == Timestamp(milliseconds: 160_000))
    }

    /// An alert acknowledged by its sender alone is `ackedBySender`, never `acknowledged` (a person on it);
    /// the one ordering of the console and the CLI: firing, acked by sender, acknowledged, resolved, newest
    /// first within each.
    @Test mutating func ackedBySenderIsNotAPersonOnItAndTheOrderIsOne() throws {
        var book = AlertBook()
        _ = book.apply(try record(am([amAlert("a", .firing), amAlert("b", .firing), amAlert("c", .firing)])))
        _ = book.apply(try record(am([amAlert("d", .firing)])))
        _ = book.apply(try record(am([amAlert("b", .resolved)])))
        var alerts = book.alerts
        alerts[2].state = .acknowledged  // as a PagerDuty `acknowledge` leaves it
        #expect(alerts[2].shown(incidentAcknowledged: false) == .ackedBySender)
        #expect(alerts[2].shown(incidentAcknowledged: true) == .acknowledged)
        #expect(alerts[0].shown(incidentAcknowledged: false) == .firing)
        #expect(alerts[1].shown(incidentAcknowledged: true) == .resolved)
        let listed = Alert.listed(alerts) { $0.number == 1 ? .acknowledged : $0.shown(incidentAcknowledged: false) }
        #expect(listed.map(\.id) == ["A-4", "A-3", "A-1", "A-2"])
    }

    /// Pings and intake starts and stops, as every responder judges the heartbeat checks from them: the
    /// latest ping of each, the latest start, and whether any intake listens (two may: a stop of one
    /// while the other listens is no stop).
    @Test func pingsAndIntakeStartsAndStopsReplay() throws {
        var book = AlertBook()
        var sequence = 0
        func apply(_ type: String, _ data: JSONValue, host: String, at seconds: Int64) {
            sequence += 1
            _ = book.apply(
                JournalRecord(
                    sequence: sequence, timestamp: Timestamp(milliseconds: seconds * 1000), actor: "klaxon", host: host,
                    pid: 7, type: type, data: data, previousHash: .genesis, hash: .genesis))
        }
        let listen = HeartbeatPing.intakeData(listen: "127.0.0.1:9095")
        apply(HeartbeatPing.intakeStartedRecordType, listen, host: "a", at: 10)
        apply(HeartbeatPing.intakeStartedRecordType, listen, host: "b", at: 20)
        let pings = [
            HeartbeatPing(check: "backup", token: "am", at: Timestamp(milliseconds: 30_000)),
            HeartbeatPing(check: "backup", token: "am", at: Timestamp(milliseconds: 25_000))
        ]
        apply(ReceivedAlerts.recordType, ReceivedAlerts.draftData([], pings: pings), host: "a", at: 30)
        #expect(book.lastPings == ["backup": Timestamp(milliseconds: 30_000)], "the latest, in any order")
        #expect(book.intakeStarted == Timestamp(milliseconds: 20_000) && book.intakeStopped == nil)
        #expect(book.lastReceivedAt == Timestamp(milliseconds: 30_000), "a ping is a request received")
        apply(HeartbeatPing.intakeStoppedRecordType, listen, host: "a", at: 40)
        #expect(book.intakeStopped == nil, "b still listens")
        apply(HeartbeatPing.intakeStoppedRecordType, listen, host: "b", at: 50)
        #expect(book.intakeStopped == Timestamp(milliseconds: 50_000))
        apply(HeartbeatPing.intakeStartedRecordType, listen, host: "a", at: 60)
        #expect(book.intakeStopped == nil && book.intakeStarted == Timestamp(milliseconds: 60_000))
    }
}
