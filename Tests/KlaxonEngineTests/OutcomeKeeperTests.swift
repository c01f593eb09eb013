import Foundation
import KlaxonCore
import KlaxonStore
import KlaxonTestSupport
import Testing

@testable import KlaxonEngine

/// The keeper of the checks' outcome ledgers on a fixed clock and a real file store: what it reads at a
/// start, when it saves, what it says when the store cannot be read, and when a burn is handed over to
/// be declared.
struct OutcomeKeeperTests {
    static let now = Timestamp.parseRFC3339("2026-11-20T09:00:00Z")!
    let directory = TemporaryDirectory("klaxon-keeper")
    var store: FileJournalStore { FileJournalStore(directory: directory.path + "/journals") }
    var check: CheckDefinition {
        var check = CheckDefinition(name: "registry", url: "https://registry.example/")
        check.slo = ServiceLevelObjective(objective: 99.9)
        return check
    }

    /// The last 20 minutes of 28 days down (SLOTests' outage).
    func burningLedger() -> OutcomeLedger {
        var ledger = OutcomeLedger(windowDays: 28)
        let start = Self.now.adding(seconds: -28 * 86_400)
        for i in stride(from: Int64(0), to: 28 * 86_400, by: 30) {
            ledger.record(good: i < 28 * 86_400 - 20 * 60, at: start.adding(seconds: i))
        }
        return ledger
    }

    func report(_ verdict: CheckObservation.Verdict, at t: Timestamp) -> CheckReport {
        CheckReport(
            check: check, state: verdict == .failed ? .down : .up, since: t, transition: nil,
            evaluation: CheckEvaluation(observation: .init(verdict, "x")), response: ProbeResponse(), at: t,
            lagMilliseconds: 0)
    }

    @Test func aBurnFoundAtTheStartIsHandedOverOnceAsRestored() throws {
        try store.saveOutcomeLedgers(["registry": burningLedger().bytes])
        let keeper = OutcomeKeeper(checks: [check], journals: store)
        let first = keeper.tick(now: Self.now, recording: true)
        #expect(first.problem == nil)
        #expect(first.burning.map(\.check) == ["registry"] && first.restored)
        #expect(keeper.takeChanged() && keeper.statuses["registry"]?.level == .page)
        // The same second, the next minute, more failed polls: the burn goes on, nothing more is handed over.
        #expect(keeper.tick(now: Self.now, recording: true).burning.isEmpty)
        #expect(keeper.record(report(.failed, at: Self.now.adding(seconds: 30)), recording: true) == nil)
        #expect(keeper.tick(now: Self.now.adding(seconds: 60), recording: true).burning.isEmpty)
        // A declaration that failed is handed over again at the next poll.
        keeper.declarationFailed("registry")
        #expect(keeper.record(report(.failed, at: Self.now.adding(seconds: 90)), recording: true)?.level == .page)
    }

    @Test func pollsAreRecordedWhileRecordingAndSavedEachMinute() throws {
        let keeper = OutcomeKeeper(checks: [check], journals: store)
        _ = keeper.tick(now: Self.now, recording: true)
        #expect(keeper.record(report(.ok, at: Self.now.adding(seconds: 1)), recording: true) == nil)
        #expect(keeper.record(report(.failed, at: Self.now.adding(seconds: 2)), recording: true) == nil)
        // Another process's poll is not recorded here; an unknown one is no event.
        _ = keeper.record(report(.failed, at: Self.now.adding(seconds: 3)), recording: false)
        _ = keeper.record(report(.unknown, at: Self.now.adding(seconds: 4)), recording: true)
        #expect(try store.outcomeLedgers().isEmpty, "saved once a minute, not at each poll")
        #expect(keeper.tick(now: Self.now.adding(seconds: 60), recording: true).problem == nil)
        let bytes = try #require(try store.outcomeLedgers()["registry"])
        let saved = try #require(OutcomeLedger(bytes: bytes, windowDays: 28))
        #expect(
            saved.counts(overLast: 5, now: Self.now.adding(seconds: 60), method: .occurrences)
                == .init(good: 1, total: 2))
    }

    @Test func anUnreadableStoreIsSaidOnceAndItsFiguresAreNotKnown() throws {
        try store.saveOutcomeLedgers(["registry": burningLedger().bytes])
        let keeper = OutcomeKeeper(checks: [check], journals: store)
        _ = keeper.tick(now: Self.now, recording: false)
        #expect(keeper.statuses["registry"] != nil)
        try Data("damaged".utf8).write(to: URL(fileURLWithPath: directory.path + "/journals/outcomes.ledgers"))
        let failed = keeper.tick(now: Self.now.adding(seconds: 60), recording: false)
        #expect(failed.problem?.hasPrefix("the checks' outcomes for their objectives could not be read: ") == true)
        #expect(keeper.statuses.isEmpty, "what was read before is not shown as known")
        #expect(keeper.tick(now: Self.now.adding(seconds: 120), recording: false).problem == nil, "said once")
        // Recording over it: nothing is recorded or saved until the ledgers can be read.
        _ = keeper.tick(now: Self.now.adding(seconds: 121), recording: true)
        #expect(keeper.record(report(.ok, at: Self.now.adding(seconds: 122)), recording: true) == nil)
        #expect(try String(contentsOfFile: directory.path + "/journals/outcomes.ledgers", encoding: .utf8) == "damaged")
    }
}
