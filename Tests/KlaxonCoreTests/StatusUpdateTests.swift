import KlaxonCore
import Testing

struct StatusUpdateTests {
    @Test func anUpdateTakesTheIncidentsStatusAsItsPhaseUnlessOneIsGiven() throws {
        var s = try IncidentScript()
        try s.perform(.setStatus(.identified))
        let first = try s.perform(.postUpdate(text: "  Uploads fail; we know why.  ", phase: nil), by: "carol")
        #expect(first.type == "status.update")
        #expect(first.data["phase"] == "identified")
        #expect(first.data["text"] == "Uploads fail; we know why.")
        try s.perform(.postUpdate(text: "A fix is rolling out", phase: .monitoring), by: "carol")
        #expect(s.incident.statusUpdates.map(\.phase) == [.identified, .monitoring])
        #expect(s.incident.statusUpdates.map(\.author) == ["carol", "carol"])
        #expect(s.incident.lastStatusUpdateAt == s.clock)
        // An update is not a note: the internal notes stay empty.
        #expect(s.incident.notes.isEmpty)
        #expect(TimelineText.kind(of: first) == "update")
        #expect(TimelineText.text(of: first, formatter: .utc) == "identified: Uploads fail; we know why.")
    }

    @Test func theFinalUpdateIsPostedAfterResolvingAndOnlyThen() throws {
        var s = try IncidentScript()
        #expect(
            throws: KlaxonError.badInput(
                "INC-7 is open: a resolved update would tell everyone it is over; resolve it first (klaxon incident resolve INC-7), then post the final update"
            )
        ) { try s.perform(.postUpdate(text: "All good", phase: .resolved)) }
        try s.perform(.resolve(summary: "Disk full"))
        #expect(
            throws: KlaxonError.badInput(
                "INC-7 is resolved: its updates now say resolved; reopen it first (klaxon incident reopen INC-7) if it is not over"
            )
        ) { try s.perform(.postUpdate(text: "Still watching", phase: .monitoring)) }
        try s.perform(.postUpdate(text: "Uploads work again", phase: nil))
        #expect(s.incident.statusUpdates.last?.phase == .resolved)
    }

    /// Found by a walkthrough: a plain update after `--status monitoring` went out as investigating (the
    /// internal status nobody moved on), and a reopened incident stayed "Resolved" on the status page.
    @Test func aPlainUpdateNeverTakesThePublicBackAndAReopeningStartsOver() throws {
        var s = try IncidentScript()
        try s.perform(.postUpdate(text: "Looking", phase: nil))
        try s.perform(.postUpdate(text: "A fix is rolling out", phase: .monitoring))
        #expect(s.incident.status == .investigating && s.incident.nextUpdatePhase == .monitoring)
        #expect(try s.perform(.postUpdate(text: "Still watching", phase: nil)).data["phase"] == "monitoring")
        #expect(PublicIncident(s.incident).publicStatus == .monitoring)
        // The internal status further along wins.
        try s.perform(.mitigate)
        try s.perform(.setStatus(.identified))
        try s.perform(.setStatus(.monitoring))
        #expect(s.incident.nextUpdatePhase == .monitoring)
        try s.perform(.resolve(summary: nil))
        #expect(s.incident.nextUpdatePhase == .resolved)
        try s.perform(.postUpdate(text: "Fixed", phase: nil))
        try s.perform(.reopen)
        #expect(s.incident.nextUpdatePhase == .investigating, "what was said before the reopening no longer holds")
        #expect(PublicIncident(s.incident).publicStatus == .investigating)
    }

    @Test func anEmptyOrRepeatedUpdateIsRefusedSayingWhy() throws {
        var s = try IncidentScript()
        #expect(
            throws: KlaxonError.badInput(
                "the status update is empty; write what the people who depend on it should know")
        ) {
            try s.perform(.postUpdate(text: " \n ", phase: nil))
        }
        try s.perform(.postUpdate(text: "Looking into it", phase: nil))
        #expect(
            throws: KlaxonError.badInput(
                "INC-7's last status update already says this (investigating); write what changed")
        ) {
            try s.perform(.postUpdate(text: "Looking into it", phase: .investigating))
        }
        // The same words in another phase are news.
        try s.perform(.postUpdate(text: "Looking into it", phase: .identified))
        #expect(s.incident.statusUpdates.count == 2)
    }

    /// Found by a walkthrough: an update that did not reach Slack could not be posted again ("already
    /// says this"). Once a destination's last attempt failed (or may not have arrived), the same again is
    /// how to resend it; one delivered everywhere is still a slip.
    @Test func anUpdateThatDidNotArriveSomewhereMayBePostedAgain() throws {
        var s = try IncidentScript()
        let posted = try s.perform(.postUpdate(text: "Uploads fail", phase: nil))
        func delivery(_ name: String, attempt: Int = 1) -> UpdateDelivery {
            UpdateDelivery(
                incidentID: "INC-7", update: posted.sequence, number: 1,
                destination: CommsDestination(name: name, kind: .email(addresses: ["\(name)@example.com"])),
                attempt: attempt, attempts: 2)
        }
        for name in ["eng-all", "ops"] {
            try s.perform(.comms(.attempt(delivery(name))), by: "comms-engine")
            try s.perform(.comms(.result(delivery(name), delivered: true, detail: "250 OK")), by: "comms-engine")
        }
        #expect(throws: KlaxonError.self) { try s.perform(.postUpdate(text: "Uploads fail", phase: nil)) }
        // A second try at ops (as after a restart of the sender) fails there.
        try s.perform(.comms(.attempt(delivery("ops", attempt: 2))), by: "comms-engine")
        try s.perform(
            .comms(.result(delivery("ops", attempt: 2), delivered: false, detail: "HTTP 500")), by: "comms-engine")
        try s.perform(.postUpdate(text: "Uploads fail", phase: nil))
        #expect(s.incident.statusUpdates.map(\.text) == ["Uploads fail", "Uploads fail"])
        // The public reads it once, when it was first said.
        #expect(PublicIncident(s.incident).updates.map(\.sequence) == [posted.sequence])
    }

    /// Found by a walkthrough: the comms engine's attempts (and the pager's, a check's change) made an
    /// incident nobody had written on for an hour read "updated 1m ago", never STALE. People's records
    /// count; Klaxon's own do not; the index still follows every record.
    @Test func onlyPeoplesRecordsMakeAnIncidentLessStale() throws {
        var s = try IncidentScript()
        let posted = try s.perform(.postUpdate(text: "Uploads fail", phase: nil), by: "carol")
        let delivery = UpdateDelivery(
            incidentID: "INC-7", update: posted.sequence, number: 1,
            destination: CommsDestination(name: "eng-all", kind: .email(addresses: ["eng-all@example.com"])),
            attempt: 1, attempts: 1)
        try s.perform(.comms(.attempt(delivery)), by: "comms-engine", after: 1800)
        try s.perform(.comms(.result(delivery, delivered: false, detail: "HTTP 500")), by: "comms-engine")
        try s.perform(.checkChanged(check: "api", from: "up", to: "down", detail: "HTTP 503"), by: "status-poller")
        #expect(s.incident.lastUpdateByPeople == posted.timestamp)
        #expect(s.incident.lastUpdate == s.clock && s.clock.milliseconds - posted.timestamp.milliseconds == 1920_000)
        try s.perform(.note("still digging"), by: "bob")
        #expect(s.incident.lastUpdateByPeople == s.clock)
        // A summary keeps it (the index's); one written before it was kept counts its last record.
        let summary = try IncidentSummaryCodec.decode(IncidentSummaryCodec.encode(s.incident))
        #expect(summary.lastUpdateByPeople == s.clock)
        #expect(RecordType.pageAttempt.isMachine && !RecordType.note.isMachine && !RecordType.acknowledged.isMachine)
    }

    /// Found by a walkthrough: the review listed an update that never went out like any other. Beside
    /// each update it now says where it went, or that it did not.
    @Test func theReviewSaysWhereEachUpdateWentAndWhichNeverDid() throws {
        var s = try IncidentScript()
        let first = try s.perform(.postUpdate(text: "Uploads fail", phase: nil), by: "carol")
        func delivery(_ update: JournalRecord, _ name: String, attempt: Int = 1) -> UpdateDelivery {
            UpdateDelivery(
                incidentID: "INC-7", update: update.sequence, number: 1,
                destination: CommsDestination(name: name, kind: .email(addresses: ["\(name)@example.com"])),
                attempt: attempt, attempts: 2)
        }
        try s.perform(.comms(.attempt(delivery(first, "eng-all"))), by: "comms-engine")
        try s.perform(
            .comms(.result(delivery(first, "eng-all"), delivered: true, detail: "250 OK")), by: "comms-engine")
        try s.perform(.comms(.attempt(delivery(first, "ops"))), by: "comms-engine")
        try s.perform(.comms(.result(delivery(first, "ops"), delivered: false, detail: "HTTP 500")), by: "comms-engine")
        try s.perform(.postUpdate(text: "A fix is out", phase: .monitoring), by: "carol")  // never sent
        let review = IncidentReview(
            incident: s.incident,
            journal: .init(
                file: "INC-7.jsonl", recordCount: s.records.count, finalHash: s.records.last!.hash, problem: nil),
            platformRecords: [], checks: [], runbookTitles: [:], exportedAt: s.clock)
        let section = ReviewMarkdown.render(review).components(separatedBy: "## Status updates\n\n").last!
            .components(separatedBy: "\n\n")[0]
        #expect(
            section == """
                - 2026-11-20 23:31:00 **investigating** (carol): Uploads fail — sent to eng-all; **NOT SENT** to ops (HTTP 500)
                - 2026-11-20 23:36:00 **monitoring** (carol): A fix is out — not sent
                """, "\(section)")
        let json = try JSONParser.parse(Array(ReviewJSON.render(review).utf8))
        let deliveries = json["status_updates"]?.arrayValue?.map { $0["deliveries"]?.arrayValue?.count ?? -1 }
        #expect(deliveries == [2, 0])
        #expect(
            json["status_updates"]?.arrayValue?.first?["deliveries"]?.arrayValue?.last
                == ["destination": "ops", "outcome": "failed", "detail": "HTTP 500"])
    }

    @Test func anUpdateWithoutAKnownPhaseIsKeptOnTheTimelineAndNoted() throws {
        var s = try IncidentScript()
        _ = s.append(type: "status.update", data: ["text": "hi", "phase": "fixed"])
        #expect(s.incident.statusUpdates.isEmpty)
        #expect(s.incident.unreadable.map(\.reason) == ["a status update without text and a known phase"])
        #expect(s.incident.timeline.count == 2)
    }
}

struct UpdateCadenceTests {
    let cadence = CommsConfig(cadence: [.sev1: 30 * 60, .sev2: 3600])

    @Test func dueCountsFromTheDeclarationThenFromTheLastUpdate() throws {
        var s = try IncidentScript()  // SEV2, declared at 23:30
        let declared = s.clock
        var due = try #require(UpdateCadence.due(for: s.incident, cadence: cadence))
        #expect(due.at == declared.adding(seconds: 3600))
        #expect(due.text(now: declared.adding(seconds: 56 * 60)) == "update due in 4m")
        #expect(!due.isOverdue(now: declared.adding(seconds: 3599)))
        #expect(due.isOverdue(now: declared.adding(seconds: 3600)))
        #expect(due.text(now: declared.adding(seconds: 72 * 60)) == "UPDATE OVERDUE 12m")
        #expect(due.text(now: declared.adding(seconds: 3600 + 2 * 3600 + 5 * 60)) == "UPDATE OVERDUE 2h 5m")
        try s.perform(.postUpdate(text: "Looking into it", phase: nil), after: 80 * 60)
        due = try #require(UpdateCadence.due(for: s.incident, cadence: cadence))
        #expect(due.at == s.clock.adding(seconds: 3600))
        #expect(due.since == s.clock)
    }

    @Test func theSeveritysCadenceAppliesAsItChanges() throws {
        var s = try IncidentScript()
        try s.perform(.setSeverity(.sev1), after: 0)
        let due = try #require(UpdateCadence.due(for: s.incident, cadence: cadence))
        #expect(due.intervalSeconds == 1800)
        try s.perform(.setSeverity(.sev4))
        #expect(UpdateCadence.due(for: s.incident, cadence: cadence) == nil)
    }

    @Test func aResolvedIncidentOwesNothingAndAReopenedOneCountsFromItsReopening() throws {
        var s = try IncidentScript()
        try s.perform(.postUpdate(text: "Looking", phase: nil))
        try s.perform(.resolve(summary: nil))
        #expect(UpdateCadence.due(for: s.incident, cadence: cadence) == nil)
        try s.perform(.reopen, after: 7200)
        #expect(UpdateCadence.due(for: s.incident, cadence: cadence)?.since == s.clock)
    }
}
