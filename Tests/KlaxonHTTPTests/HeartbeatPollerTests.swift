import Foundation
import KlaxonCore
import KlaxonHTTP
import KlaxonTestSupport
import Testing

/// The status poller judging `heartbeat` checks from a real `HeartbeatBoard` (as `klaxon watch`'s intake
/// pings it), on a fixed clock the test moves: nothing goes over the network.
struct HeartbeatPollerTests {
    /// Waits (at most 10 s: the poller looks at the board at least every second) for a report that
    /// `matches`, and returns every report so far.
    func reports(_ reports: Reports, until matches: (StatusPoller.Report) -> Bool) async throws
        -> [StatusPoller.Report]
    {
        for _ in 0..<100 where !reports.all.contains(where: matches) {
            try await Task.sleep(for: .milliseconds(100))
        }
        return reports.all
    }

    @Test func pingsOnTheBoardKeepTheCheckUpItsSilenceIsDownAndAPingBringsItBack() async throws {
        let clock = FixedClock("2026-12-06T08:00:00Z")
        var check = CheckDefinition(name: "nightly-backup", kind: .heartbeat, url: "")
        check.intervalSeconds = 60
        let board = HeartbeatBoard()
        board.startReceiving(at: clock.now)
        let all = Reports()
        let poller = StatusPoller(
            checks: [check], maintenance: [], clock: { clock.now }, heartbeats: board, deliver: all.add)
        // Only the poller's heartbeat checks may be pinged.
        #expect(board.ping("nightly-backup", at: clock.now))
        #expect(!board.ping("nobody", at: clock.now))
        #expect(board.lastPing("nobody") == nil)
        poller.start()
        defer { poller.stop() }

        var seen = try await reports(all) { $0.state == .up }
        #expect(seen.last?.state == .up, "\(seen.map(\.evaluation.observation))")
        #expect(
            seen.last?.evaluation.observation.detail
                == "last ping at 08:00:00 UTC; down at 08:01:00 UTC without another")

        // The interval passes with no ping: down, said at the poller's next look at its schedule.
        clock.advance(seconds: 61)
        seen = try await reports(all) { $0.state == .down }
        let down = try #require(seen.last { $0.state == .down }, "\(seen.map(\.evaluation.observation))")
        #expect(down.transition == .init(from: .up, to: .down))
        #expect(down.evaluation.observation.detail == "no ping for 1m or more: the last at 08:00:00 UTC")
        #expect(down.response.statusCode == nil, "nothing was polled")

        // A ping: up again at once, not at the next interval (the clock does not move).
        let count = seen.count
        #expect(board.ping("nightly-backup", at: clock.now))
        seen = try await reports(all) { $0.state == .up && $0.transition?.from == .down }
        let back = try #require(seen.dropFirst(count).first, "\(seen.map(\.evaluation.observation))")
        #expect(back.state == .up && back.transition == .init(from: .down, to: .up))
        #expect(back.at == clock.now)
    }

    /// Nothing receives pings (a console has no intake): the heartbeat check is unknown, never down,
    /// however long the silence.
    @Test func aBoardNothingPingsLeavesTheCheckUnknown() async throws {
        let clock = FixedClock("2026-12-06T08:00:00Z")
        var check = CheckDefinition(name: "nightly-backup", kind: .heartbeat, url: "")
        check.intervalSeconds = 60
        let all = Reports()
        let poller = StatusPoller(checks: [check], maintenance: [], clock: { clock.now }, deliver: all.add)
        poller.start()
        defer { poller.stop() }
        _ = try await reports(all) { _ in true }
        clock.advance(seconds: 3600)
        let seen = try await reports(all) { $0.at == clock.now }
        #expect(seen.contains { $0.at == clock.now }, "judged again once its interval passed")
        #expect(seen.allSatisfy { $0.state == .unknown }, "\(seen.map(\.evaluation.observation))")
    }
}
