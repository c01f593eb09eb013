import Foundation
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

/// Issue 25, point 2: a check held to an objective, polled by a real `klaxon watch` against a loopback
/// server that fails every poll: its burn reaches page level, which declares one incident whose policy
/// pages once through a loopback webhook receiver; the outcomes survive the process (saved to the store
/// at its stop) and `klaxon slo status` computes from them; a restart that finds the burn still paging
/// declares nothing more.
@Suite(.serialized)
struct SLOEndToEndTests {
    let klaxon = BuiltProducts.path("klaxon")

    func watch(_ ws: TemporaryDirectory) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: klaxon)
        process.arguments = ["watch", "--workspace", ws.path]
        process.environment = ["KLAXON_USER": "carol", "TZ": "UTC", "PATH": "/usr/bin:/bin"]
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        return process
    }

    func stop(_ process: Process) async throws {
        kill(process.processIdentifier, SIGTERM)
        try await blocking { process.waitUntilExit() }
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    }

    @Test func aFastBurnPagesOnceAndTheOutcomesOutliveTheProcess() async throws {
        let http = TemporaryDirectory("receiver")
        let receiver = try HTTPReceiver(
            directory: http.path, routes: ["/registry": .init([503]), "/hooks/*": .init([200])])
        defer { receiver.stop() }
        let ws = makeWorkspace(
            """
            name: t
            checks:
              - name: registry
                url: "http://127.0.0.1:\(receiver.port)/registry"
                interval: 1s
                timeout: 1s
                service: registry
                policy: platform
                slo: {objective: 99.9, window: 28d, minimum_events: 3, severity: SEV2}
            """)
        ws.write(
            "Escalation/people.yaml",
            "people:\n  - {id: erin, contacts: [{type: webhook, url: \"http://127.0.0.1:\(receiver.port)/hooks/erin\"}]}\n"
        )
        ws.write(
            "Escalation/policies/platform.yaml",
            "name: platform\nsteps:\n  - {targets: [user:erin], escalate_after: 30m}\n")
        func pages() -> Int { receiver.requests.filter { $0.path == "/hooks/erin" }.count }
        // An hour and five minutes of good polls, one a minute, already recorded: the objective is old
        // enough for its 1-hour window to be judged (a younger one's is not).
        var history = OutcomeLedger(windowDays: 28)
        for minute in stride(from: Int64(65), to: 0, by: -1) {
            history.record(good: true, at: Timestamp(Date()).adding(seconds: -60 * minute))
        }
        try FileJournalStore(directory: ws.path + "/journals").saveOutcomeLedgers(["registry": history.bytes])
        let store = IncidentStore(directory: ws.path + "/journals")

        var process = try watch(ws)
        for _ in 0..<300 where pages() == 0 { try await Task.sleep(for: .milliseconds(100)) }
        #expect(pages() == 1, "the burn paged")
        // The burn goes on: more polls, all failed, and no second incident or page.
        let polled = receiver.requests.filter { $0.path == "/registry" }.count
        for _ in 0..<100 where receiver.requests.filter({ $0.path == "/registry" }).count < polled + 4 {
            try await Task.sleep(for: .milliseconds(100))
        }
        try await stop(process)
        #expect(pages() == 1)
        #expect(try store.ids() == ["INC-1"])
        let incident = try store.open("INC-1").incident
        #expect(incident.declaringCheck == "registry" && incident.severity == .sev2)
        #expect(incident.tags == ["slo-burn"])
        // The impact began with the check's run of failures, before the burn was judged.
        let impact = try #require(incident.keyTimes[.impactStarted])
        #expect(impact <= incident.declaredAt)
        #expect(incident.title.hasPrefix("registry: error budget burning fast, page: "), "\(incident.title)")

        // Saved at the stop, read by another process.
        let status = try JSONParser.parse(
            try shell("\(klaxon) --workspace \(ws.path) slo status --json || true"))
        let registry = try #require(status.arrayValue?.first)
        #expect(registry["check"] == "registry" && registry["known"] == .bool(true))
        #expect(registry["alert"] == "page")
        let events = try #require(registry["events"])
        let total = try #require(events["total"]?.intValue)
        let good = try #require(events["good"]?.intValue)
        #expect(good == 65 && total >= 70, "the history, then every poll failed: \(events)")
        if case .number(let left)? = registry["budget_left"] {
            #expect(left < 0.95, "spent some of it")
        } else {
            Issue.record("no budget_left")
        }
        let exit = try shell("\(klaxon) --workspace \(ws.path) slo status >/dev/null; echo $?")
        #expect(exit.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "a burn that pages exits 1")

        // Resolved while the burn still pages: a restart finds it paging from the stored outcomes, and its
        // incident was declared within the last six hours: nothing more is declared or paged.
        _ = try shell("KLAXON_USER=carol \(klaxon) --workspace \(ws.path) incident resolve INC-1 --summary fixed")
        process = try watch(ws)
        for _ in 0..<100 where receiver.requests.filter({ $0.path == "/registry" }).count < polled + 10 {
            try await Task.sleep(for: .milliseconds(100))
        }
        try await stop(process)
        #expect(pages() == 1)
        #expect(try store.ids() == ["INC-1"])
    }
}
