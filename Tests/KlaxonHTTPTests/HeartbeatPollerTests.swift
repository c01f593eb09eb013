import Foundation
import KlaxonCore
import KlaxonHTTP
import KlaxonTestSupport
import Testing

/// The status poller judging `heartbeat` checks from a real `HeartbeatBoard` (as the responder fills it
/// from the recorded pings), on a fixed clock the test moves: nothing goes over the network.
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
        let started = clock.now
        // As the responder does after each read of the journal `alerts`.
        func read(ping: Timestamp?) {
            board.update(
                .init(
                    lastPings: ping.map { ["nightly-backup": $0] } ?? [:], listeningSince: started, readAt: clock.now))
        }
        read(ping: clock.now)
        let all = Reports()
        let poller = StatusPoller(
            checks: [check], maintenance: [], clock: { clock.now }, heartbeats: board, deliver: all.add)
        poller.start()
        defer { poller.stop() }

        var seen = try await reports(all) { $0.state == .up }
        #expect(seen.last?.state == .up, "\(seen.map(\.evaluation.observation))")
        #expect(
            seen.last?.evaluation.observation.detail
                == "last ping at 08:00:00 UTC; down at 08:01:00 UTC without another")

        // The interval passes with no ping: down, said at the poller's next look at its schedule.
        let ping = clock.now
        clock.advance(seconds: 61)
        read(ping: ping)
        seen = try await reports(all) { $0.state == .down }
        let down = try #require(seen.last { $0.state == .down }, "\(seen.map(\.evaluation.observation))")
        #expect(down.transition == .init(from: .up, to: .down))
        #expect(down.evaluation.observation.detail == "no ping for 1m or more: the last at 08:00:00 UTC")
        #expect(down.response.statusCode == nil, "nothing was polled")

        // A ping: up again at once, not at the next interval (the clock does not move).
        let count = seen.count
        read(ping: clock.now)
        seen = try await reports(all) { $0.state == .up && $0.transition?.from == .down }
        let back = try #require(seen.dropFirst(count).first, "\(seen.map(\.evaluation.observation))")
        #expect(back.state == .up && back.transition == .init(from: .down, to: .up))
        #expect(back.at == clock.now)
    }

    /// Until the responder read the pings once, a heartbeat check is not judged at all: a start must not
    /// report (and a recorder record) it unknown when the journal says it was pinged.
    @Test func nothingIsJudgedBeforeThePingsWereRead() async throws {
        let clock = FixedClock("2026-12-06T08:00:00Z")
        var heartbeat = CheckDefinition(name: "nightly-backup", kind: .heartbeat, url: "")
        heartbeat.intervalSeconds = 60
        // A second check whose reports show the poller is running (it fails at once: nothing listens).
        var polled = CheckDefinition(name: "closed", url: "http://127.0.0.1:1/")
        polled.intervalSeconds = 10
        let board = HeartbeatBoard()
        let all = Reports()
        let poller = StatusPoller(
            checks: [heartbeat, polled], maintenance: [], clock: { clock.now }, heartbeats: board, deliver: all.add)
        poller.start()
        defer { poller.stop() }
        _ = try await reports(all) { $0.check.name == "closed" }
        clock.advance(seconds: 3600)
        try await Task.sleep(for: .milliseconds(1500))
        #expect(!all.all.contains { $0.check.name == "nightly-backup" }, "\(all.all.map(\.evaluation.observation))")
        board.update(.init(lastPings: ["nightly-backup": clock.now], listeningSince: nil, readAt: clock.now))
        let seen = try await reports(all) { $0.check.name == "nightly-backup" }
        #expect(seen.first { $0.check.name == "nightly-backup" }?.state == .up)
    }

    /// A reading older than `staleSeconds` (the store stopped answering the responder's reads): the
    /// pings since are not known, so the check is unknown, never down.
    @Test func pingsNotReadForAWhileAreUnknownNotDown() async throws {
        let clock = FixedClock("2026-12-06T08:00:00Z")
        var check = CheckDefinition(name: "nightly-backup", kind: .heartbeat, url: "")
        check.intervalSeconds = 60
        let board = HeartbeatBoard()
        board.update(.init(lastPings: ["nightly-backup": clock.now], listeningSince: clock.now, readAt: clock.now))
        let all = Reports()
        let poller = StatusPoller(
            checks: [check], maintenance: [], clock: { clock.now }, heartbeats: board, deliver: all.add)
        poller.start()
        defer { poller.stop() }
        _ = try await reports(all) { $0.state == .up }
        clock.advance(seconds: 3600)
        let seen = try await reports(all) { $0.at == clock.now }
        let last = try #require(seen.last { $0.at == clock.now }, "judged again once its interval passed")
        #expect(last.state == .unknown, "\(seen.map(\.evaluation.observation))")
        #expect(
            last.evaluation.observation.detail
                == "its pings cannot be read: the journal store has not answered since 08:00:00 UTC")
    }
}
