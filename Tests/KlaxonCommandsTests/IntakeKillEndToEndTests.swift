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
    /// Issue 22, "klaxon watch SIGKILLed while Alertmanager posts", with a real Alertmanager (Debian's)
    /// rather than curl (`IntakeTests.aKilledWatchLosesNoAnsweredEvent`): what it was answered 2xx is
    /// on the journal `alerts` at the kill, and its retries and repeats to the restarted watch make no
    /// alert twice, no second incident and no second page.
    struct IntakeKillEndToEndTests {
        /// The jobs whose `KlaxonTestDown` alert fires: each job a group of its own.
        static let jobs = ["registry", "ci", "artifacts", "runners"]

        /// The alerts (group key, fingerprint) of the firing notifications in `exchanges` answered 2xx.
        static func answered(_ exchanges: [RecordingProxy.Exchange]) throws -> Set<[String]> {
            var alerts = Set<[String]>()
            for exchange in exchanges where (200..<300).contains(exchange.status) {
                let notification = try AlertmanagerNotification.parse(Array(exchange.body.utf8))
                for alert in notification.alerts { alerts.insert([notification.groupKey, alert.fingerprint]) }
            }
            return alerts
        }

        /// What `klaxon alert list --all --json` says, as it reads the journal `alerts` (no watch needed).
        static func listed(_ klaxon: Klaxon) -> [JSONValue] {
            klaxon.run("alert", "list", "--all", "--json").json?.arrayValue ?? []
        }

        /// A real rule fires for one job, then for three more, each a group that a `declare: SEV2` route
        /// with a paging policy takes. Once the first group's incident is paged and a later group's
        /// notification was answered, while Alertmanager goes on posting (group interval 1 s, repeats
        /// every 2 s), klaxon watch is SIGKILLed. Before the restart, every alert of a notification the
        /// intake answered 2xx (as a proxy between them saw it) is listed by `klaxon alert list`, and the
        /// journal has at most a torn tail. After the restart, Alertmanager's retries and repeats to it
        /// leave each alert once, one incident per group, and each incident paged at most once (not at
        /// all only when the kill came while its page was being sent: that attempt's outcome is unknown).
        @Test func aWatchKilledWhileARealAlertmanagerPostsLosesNoAnsweredAlertAndDeclaresOnce() async throws {
            let directory = TemporaryDirectory("intake-kill")
            let pages = try HTTPReceiver(directory: directory.path, routes: ["/alice": .init()])
            defer { pages.stop() }
            let intakePort = try RealServer.freePort()
            let ws = IntakeEndToEndTests.workspace(intakePort: intakePort, pagesPort: pages.port)
            let klaxon = Klaxon(workspace: ws.path)
            let environment = [
                "KLAXON_AM_TOKEN": IntakeEndToEndTests.token, "KLAXON_TEST_WEBHOOK_SECRET": "hook-secret"
            ]
            let logPath = ws.path + "/watch.log"
            let watch = try startWatch(ws, output: logPath, errors: logPath, environment: environment)
            defer { if watch.isRunning { kill(watch.processIdentifier, SIGKILL) } }
            let log = { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
            #expect(try await until { log().contains("listening on") }, "\(log())")

            let proxyDirectory = TemporaryDirectory("proxy")
            let proxy = try RecordingProxy(directory: proxyDirectory.path, upstreamPort: intakePort)
            defer { proxy.stop() }
            let webhook = AlertmanagerWebhook(
                url: proxy.url + "/v1/alertmanager", token: IntakeEndToEndTests.token, groupBy: ["alertname", "job"])
            let pipeline = try await blocking { try AlertPipeline(webhook: webhook) }
            defer { pipeline.stop() }
            let pageCount = { pages.requests.filter { $0.path == "/alice" }.count }

            try await blocking { try pipeline.push(up: false, job: Self.jobs[0]) }
            #expect(try await until { pageCount() >= 1 }, "no page within 60 s\n\(log())\n\(pipeline.log)")
            for job in Self.jobs.dropFirst() { try await blocking { try pipeline.push(up: false, job: job) } }
            // Mid-stream: a later group's notification answered, others still to come or being repeated.
            let later = try await until {
                try Self.answered(proxy.exchanges).contains { !$0[0].contains(Self.jobs[0]) }
            }
            #expect(later, "no later group answered within 60 s\n\(log())\n\(pipeline.log)")
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...800)))
            kill(watch.processIdentifier, SIGKILL)
            try await blocking { watch.waitUntilExit() }
            #expect(watch.terminationReason == .uncaughtSignal)

            // At the kill: every notification answered 2xx is a request recorded on the journal (as many
            // times as it was answered: a repeat is the same notification again), so its alerts are listed.
            var recordedRequests = try FileJournalStore(directory: ws.path + "/journals").journal("alerts")
                .readNewRecords().compactMap(ReceivedAlerts.batches(of:)).flatMap { $0 }
            var unrecorded: [String] = []
            for exchange in proxy.exchanges where (200..<300).contains(exchange.status) {
                let notification = try AlertmanagerNotification.parse(Array(exchange.body.utf8))
                let request = ReceivedAlerts(alertmanager: notification, token: "alertmanager")
                if let index = recordedRequests.firstIndex(of: request) {
                    recordedRequests.remove(at: index)
                } else {
                    unrecorded.append(exchange.body)
                }
            }
            #expect(unrecorded.isEmpty, "answered 2xx, not recorded: \(unrecorded)")
            let answered = try Self.answered(proxy.exchanges)
            let listedAtKill = Set(
                Self.listed(klaxon).map { [$0["group"]?.stringValue ?? "", $0["key"]?.stringValue ?? ""] })
            #expect(!answered.isEmpty)
            #expect(
                answered.isSubset(of: listedAtKill), "answered, not recorded: \(answered.subtracting(listedAtKill))")
            let verification = try JournalFile.verify(path: ws.path + "/journals/alerts.jsonl")
            #expect(
                verification.damage == nil || verification.damage?.kind == .tornTail,
                "\(String(describing: verification.damage))")
            let exchangesAtKill = proxy.exchanges.count

            let restarted = try startWatch(ws, output: logPath, errors: logPath, environment: environment)
            defer { if restarted.isRunning { kill(restarted.processIdentifier, SIGKILL) } }
            // Every job's alert listed once with an incident of its own; then repeats for a few seconds more.
            let settled = try await until {
                let alerts = Self.listed(klaxon)
                return alerts.count >= Self.jobs.count && alerts.allSatisfy { $0["incident"] != nil }
            }
            #expect(settled, "\(Self.listed(klaxon))\n\(log())\n\(pipeline.log)")
            try await Task.sleep(for: .seconds(6))
            let after = proxy.exchanges.dropFirst(exchangesAtKill)
            #expect(
                after.contains { $0.status == 200 }, "Alertmanager posted to the restarted watch\n\(pipeline.log)")
            kill(restarted.processIdentifier, SIGTERM)
            try await blocking { restarted.waitUntilExit() }
            #expect(restarted.terminationReason == .exit && restarted.terminationStatus == 0, "\(log())")

            let alerts = Self.listed(klaxon)
            let jobs = alerts.compactMap { $0["labels"]?["job"]?.stringValue }
            #expect(jobs.sorted() == Self.jobs.sorted(), "each alert once: \(alerts)")
            #expect(alerts.allSatisfy { $0["state"] == "firing" }, "\(alerts)")
            let recorded = Set(alerts.map { [$0["group"]?.stringValue ?? "", $0["key"]?.stringValue ?? ""] })
            let everyAnswered = try Self.answered(proxy.exchanges)
            #expect(everyAnswered == recorded, "\(everyAnswered.symmetricDifference(recorded))")
            // One incident per group, and no other.
            let incidents = Set(alerts.compactMap { $0["incident"]?.stringValue })
            #expect(incidents.count == Self.jobs.count, "\(alerts)")
            let ids = try IncidentStore(directory: ws.path + "/journals").ids()
            #expect(ids.sorted() == incidents.sorted(), "\(ids)\n\(log())")
            // Each paged once, or not at all when its only attempt was under way at the kill.
            let paged = pages.requests.compactMap {
                try? JSONParser.parse(Array($0.body.utf8))["incident"]?["id"]?.stringValue
            }
            #expect(paged.count == pageCount(), "every page names its incident")
            for id in incidents.sorted() {
                let count = paged.filter { $0 == id }.count
                let timeline = try IncidentStore(directory: ws.path + "/journals").open(id).incident.timeline
                let unknown = timeline.contains { $0.type == "page.result" && $0.data["outcome"] == "unknown" }
                #expect(count == 1 || (count == 0 && unknown), "\(id) paged \(count) times\n\(log())")
            }
            #expect(try JournalFile.verify(path: ws.path + "/journals/alerts.jsonl").damage == nil)
        }
    }
}
