import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension EndToEnd {
    /// Issue 22, "slow and hostile clients cannot stop the intake from answering a real alert, nor the
    /// poller from keeping its schedule": both at once, in one `klaxon watch`, with a real Alertmanager.
    struct IntakeSiegeEndToEndTests {
        /// Hostile clients of the intake on 127.0.0.1:`port`, each on a Dispatch thread of its own (never
        /// the cooperative pool) until `stop()`: a slowloris sending a head a byte a second, a chunked
        /// body that never ends (1 KiB every 20 ms), and 1,000 idle connections, each one the intake
        /// closes opened again, so that the siege lasts as long as the test wants it to.
        final class Siege: @unchecked Sendable {
            private let lock = NSLock()
            private var stopped = false
            private var counts = Counts()
            private let done = DispatchGroup()

            struct Counts {
                /// Idle connections open now, and how many were opened again after the intake closed them.
                var idleOpen = 0
                var idleReopened = 0
                /// Connections of the slowloris, and head bytes it sent.
                var slowConnections = 0
                var slowBytes = 0
                /// Connections of the endless body, and body bytes it sent.
                var bodyConnections = 0
                var bodyBytes = 0
            }

            var snapshot: Counts { lock.withLock { counts } }
            private var isStopped: Bool { lock.withLock { stopped } }
            private func count(_ change: (inout Counts) -> Void) { lock.withLock { change(&counts) } }

            init(port: UInt16, token: String) {
                let auth = "Authorization: Bearer \(token)\r\n"
                run { [self] in
                    let head = "POST /v1/alertmanager HTTP/1.1\r\nHost: 127.0.0.1\r\n\(auth)Content-Length: 10\r\n\r\n"
                    while !isStopped {
                        let fd = IntakeTests.connect(port)
                        guard fd >= 0 else {
                            usleep(100_000)
                            continue
                        }
                        count { $0.slowConnections += 1 }
                        for character in head where !isStopped {
                            guard IntakeTests.write(fd, String(character)) else { break }
                            count { $0.slowBytes += 1 }
                            if IntakeTests.readUntilAnswerOrClose(fd, seconds: 1) != nil { break }
                        }
                        close(fd)
                    }
                }
                run { [self] in
                    let head =
                        "POST /v1/alertmanager HTTP/1.1\r\nHost: 127.0.0.1\r\n\(auth)Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    let chunk = "400\r\n" + String(repeating: " ", count: 1024) + "\r\n"
                    while !isStopped {
                        let fd = IntakeTests.connect(port)
                        guard fd >= 0 else {
                            usleep(100_000)
                            continue
                        }
                        count { $0.bodyConnections += 1 }
                        if IntakeTests.write(fd, head + "[") {
                            while !isStopped && IntakeTests.write(fd, chunk) {
                                count { $0.bodyBytes += 1024 }
                                var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                                if poll(&descriptor, 1, 20) > 0 { break }  // answered or closed: start again
                            }
                        }
                        close(fd)
                    }
                }
                run { [self] in
                    var idle = (0..<1000).map { _ in IntakeTests.connect(port) }
                    var buffer = [UInt8](repeating: 0, count: 512)
                    while !isStopped {
                        for index in idle.indices where idle[index] < 0 {
                            idle[index] = IntakeTests.connect(port)
                            if idle[index] >= 0 { count { $0.idleReopened += 1 } }
                        }
                        let open = idle.filter { $0 >= 0 }.count
                        count { $0.idleOpen = open }
                        var polled = idle.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
                        guard poll(&polled, nfds_t(polled.count), 200) > 0 else { continue }
                        for (index, entry) in polled.enumerated() where entry.fd >= 0 && entry.revents != 0 {
                            let received = buffer.withUnsafeMutableBytes { recv(entry.fd, $0.baseAddress, $0.count, 0) }
                            if received <= 0 {
                                close(entry.fd)
                                idle[index] = -1
                            }
                        }
                    }
                    for fd in idle where fd >= 0 { close(fd) }
                    count { $0.idleOpen = 0 }
                }
            }

            private func run(_ work: @escaping @Sendable () -> Void) {
                done.enter()
                DispatchQueue.global().async { [done] in
                    work()
                    done.leave()
                }
            }

            /// Ends every hostile client and waits for their threads (a slowloris's second at most).
            func stop() {
                lock.withLock { stopped = true }
                done.wait()
            }
        }

        /// A `klaxon watch` (its soft limit of open files 256, as in `IntakeTests`) polls a loopback
        /// check every second that answers 200 and 503 in turn, so that each poll is a change recorded
        /// on `platform.jsonl`. For 20 s a slowloris, a body that never ends and 1,000 idle connections
        /// (opened again as the intake closes them) besiege its intake; meanwhile a real rule fires and
        /// Alertmanager's notification is recorded (`klaxon alert list`), and a PagerDuty-style event
        /// sent with curl is answered 202. The check's changes recorded over those 20 s have no gap over
        /// 5 s (a poll a second is expected: the margin is for a loaded machine, not a timing test).
        @Test func hostileClientsStopNeitherARealAlertNorThePollersSchedule() async throws {
            var limit = rlimit()
            getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            #expect(limit.rlim_cur >= 2000, "the test needs 2,000 descriptors of its own")
            let intake = IntakeTests()
            let http = TemporaryDirectory("flapping")
            let flapping = try HTTPReceiver(
                directory: http.path,
                routes: ["/flap": .init(Array(repeating: [200, 503], count: 300).flatMap { $0 })])
            defer { flapping.stop() }
            let ws = intake.intakeWorkspace(
                extra:
                    "checks:\n  - {name: flap, url: \"http://127.0.0.1:\(flapping.port)/flap\", interval: 1s, timeout: 1s}"
            )
            let watch = try await intake.start(ws, openFiles: 256)
            defer { if watch.process.isRunning { kill(watch.process.processIdentifier, SIGKILL) } }
            let webhook = AlertmanagerWebhook(url: watch.url + "/v1/alertmanager", token: intake.amSecret)
            let pipeline = try await blocking { try AlertPipeline(webhook: webhook) }
            defer { pipeline.stop() }

            let siege = Siege(port: watch.port, token: intake.amSecret)
            defer { siege.stop() }
            let start = Timestamp(Date())
            #expect(try await until { siege.snapshot.idleOpen >= 1000 }, "\(siege.snapshot)")
            try await blocking { try pipeline.push(up: false, job: "registry") }
            let event = try await intake.send(watch.url + "/v2/enqueue", json: intake.event("trigger", key: "siege-1"))
            #expect(event.status == 202, "\(event)")
            let klaxon = Klaxon(workspace: ws.path)
            let recorded = try await until {
                klaxon.run("alert", "list", "--json").json?.arrayValue?.contains {
                    $0["labels"]?["job"] == "registry"
                } ?? false
            }
            #expect(recorded, "Alertmanager's alert not recorded within 60 s\n\(watch.printed)\n\(pipeline.log)")
            while Date() < start.date + 20 { try await Task.sleep(for: .milliseconds(200)) }
            let end = Timestamp(Date())
            let besieged = siege.snapshot
            siege.stop()
            #expect(try await watch.stop() == 0, "\(watch.printed)")

            // The siege was on: the 1,000 idle connections held until the intake closed them (its idle
            // timeout, 10 s) and opened again, the slowloris and the endless body sending.
            #expect(besieged.idleReopened >= 1000, "\(besieged)")
            #expect(besieged.slowBytes >= 10 && besieged.bodyBytes >= 100 * 1024, "\(besieged)")
            // The poller kept its schedule throughout.
            let platform = try JournalFile.open(path: ws.path + "/journals/platform.jsonl").readNewRecords()
            let polls = platform.filter { $0.type == "check.changed" && $0.data["check"] == "flap" }.map(\.timestamp)
                .filter { $0 > start && $0 < end }
            let times = [start] + polls + [end]
            let gaps = zip(times, times.dropFirst()).map { Double($1.milliseconds - $0.milliseconds) / 1000 }
            #expect(polls.count >= 10, "\(polls.count) changes of flap recorded in 20 s")
            #expect(gaps.allSatisfy { $0 <= 5 }, "gaps between the poller's observations (s): \(gaps)")
        }
    }
}
