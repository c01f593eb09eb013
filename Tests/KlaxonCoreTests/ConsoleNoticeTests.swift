import KlaxonCore
import KlaxonTestSupport
import Testing

/// Issue 26, point 10: what the console rings the bell for. A new SEV1 or SEV2, one raised to it, and
/// a page to the person running it; never what it finds as it starts, nor a retry of the same page.
struct ConsoleNoticeTests {
    let now = Timestamp.parseRFC3339("2026-11-22T09:30:00Z")!

    func fixture(_ severity: Severity, declaredSecondsAgo: Int64 = 60) -> IncidentFixture {
        IncidentFixture(
            id: "INC-7", declaration: Declaration(title: "Registry down", severity: severity),
            at: now.adding(seconds: -declaredSecondsAgo))
    }

    /// Attempt `n` of the page to `user`, as the engine records it on `f` (decided on its records so far).
    func attempt(_ user: String, _ n: Int, on f: IncidentFixture) -> IncidentAction {
        var attempt = DeliveryAttempt(
            incidentID: "INC-7", page: "main/1/1/\(user)/webhook", policy: "platform", step: 1, steps: 2,
            user: user, contact: Contact(kind: .webhook, target: ["https://hooks.example/x"]), attempt: n,
            attempts: 3)
        attempt.decidedAtRecord = f.incident.recordCount
        return .escalation(.attempt(attempt))
    }

    @Test func aNewSeriousIncidentIsTold() {
        let sev1 = fixture(.sev1).incident
        #expect(
            ConsoleNotice.notices(before: nil, after: sev1, user: "alice", now: now) == [
                ConsoleNotice(title: "SEV1 INC-7 declared", body: "Registry down")
            ])
        #expect(ConsoleNotice.notices(before: nil, after: fixture(.sev3).incident, user: "alice", now: now).isEmpty)
        // Found as the console starts, declared an hour ago: not new.
        let old = fixture(.sev1, declaredSecondsAgo: 3600).incident
        #expect(ConsoleNotice.notices(before: nil, after: old, user: "alice", now: now).isEmpty)
        // Seen before and unchanged: nothing again.
        #expect(ConsoleNotice.notices(before: sev1, after: sev1, user: "alice", now: now).isEmpty)
    }

    @Test func anIncidentRaisedToSEV2IsTold() {
        var f = fixture(.sev3, declaredSecondsAgo: 3600)
        let before = f.incident
        f.perform(.setSeverity(.sev2), at: now)
        #expect(
            ConsoleNotice.notices(before: before, after: f.incident, user: "alice", now: now) == [
                ConsoleNotice(title: "INC-7 raised to SEV2", body: "Registry down")
            ])
    }

    @Test func aPageToTheUserIsToldOnceAndOthersPagesNot() {
        var f = fixture(.sev3, declaredSecondsAgo: 120)
        let before = f.incident
        f.perform(attempt("alice", 1, on: f), by: "engine", at: now)
        let paged = f.incident
        #expect(
            ConsoleNotice.notices(before: before, after: paged, user: "alice", now: now) == [
                ConsoleNotice(title: "You are paged for INC-7 (SEV3)", body: "Registry down")
            ])
        #expect(ConsoleNotice.notices(before: before, after: paged, user: "bob", now: now).isEmpty)
        // The second attempt of the same page (a retry) rings nothing more.
        f.perform(attempt("alice", 2, on: f), by: "engine", at: now)
        #expect(ConsoleNotice.notices(before: paged, after: f.incident, user: "alice", now: now).isEmpty)
        // A resolved incident rings nothing.
        f.perform(.resolve(summary: "fixed"), at: now)
        #expect(ConsoleNotice.notices(before: nil, after: f.incident, user: "alice", now: now).isEmpty)
    }
}
