import Foundation
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

/// `klaxon status watch` and `klaxon watch` as real processes: they print changes as they happen and
/// stop cleanly on SIGTERM.
@Suite(.serialized)
struct WatchProcessTests {
    let klaxon = BuiltProducts.path("klaxon")

    /// Runs `arguments` with its output in a file; returns the process and the file.
    func start(
        _ arguments: [String], ws: TemporaryDirectory, errors: String? = nil, environment: [String: String] = [:]
    ) throws -> (Process, String) {
        let out = ws.path + "/out-\(UUID().uuidString).txt"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: klaxon)
        process.arguments = arguments + ["--workspace", ws.path]
        process.environment = ["KLAXON_USER": "carol", "TZ": "UTC", "PATH": "/usr/bin:/bin"].merging(environment) {
            _, added in added
        }
        process.standardOutput = FileHandle(forWritingAtPath: out)
        if let errors { process.standardError = FileHandle(forWritingAtPath: errors) }
        try process.run()
        return (process, out)
    }

    func waitForLines(_ path: String, count: Int, timeout: Double = 30) async throws -> [String] {
        for _ in 0..<Int(timeout * 10) {
            let lines = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(
                String.init)
            if lines.count >= count { return lines }
            try await Task.sleep(for: .milliseconds(100))
        }
        return ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test func watchersPrintChangesRecordThemAndStopOnSIGTERM() async throws {
        let http = TemporaryDirectory("receiver")
        let receiver = try HTTPReceiver(
            directory: http.path, routes: ["/healthz": .init([200]), "/uploads": .init([503])])
        defer { receiver.stop() }
        let port = receiver.port
        let ws = makeWorkspace(
            """
            name: t
            checks:
              - {name: health, url: "http://127.0.0.1:\(port)/healthz", interval: 2s, timeout: 2s}
              - {name: uploads, url: "http://127.0.0.1:\(port)/uploads", interval: 2s, timeout: 2s, service: registry}
            """)
        _ = try shell(
            "KLAXON_USER=bob \(klaxon) --workspace \(ws.path) incident declare 'Uploads failing' --severity SEV2 --service registry"
        )

        // status watch: a line per change, as JSON.
        let (watch, watchOut) = try start(["status", "watch", "--json"], ws: ws)
        let lines = try await waitForLines(watchOut, count: 2)
        kill(watch.processIdentifier, SIGTERM)
        try await blocking { watch.waitUntilExit() }
        #expect(watch.terminationReason == .exit && watch.terminationStatus == 0)
        let changes = lines.compactMap { try? JSONParser.parse($0) }
        #expect(Set(changes.compactMap { $0["check"]?.stringValue }) == ["health", "uploads"], "\(lines)")
        #expect(changes.first { $0["check"] == "uploads" }?["to"] == "down")
        // status watch records nothing
        #expect(!FileManager.default.fileExists(atPath: ws.path + "/journals/platform.jsonl"))

        // klaxon watch: records the change on the platform journal and the registry incident.
        let (service, serviceOut) = try start(["watch"], ws: ws)
        let printed = try await waitForLines(serviceOut, count: 2)
        #expect(printed.contains { $0.contains("uploads unknown → down: HTTP 503") }, "\(printed)")
        kill(service.processIdentifier, SIGTERM)
        try await blocking { service.waitUntilExit() }
        #expect(service.terminationReason == .exit && service.terminationStatus == 0)
        let platform = try JournalFile.verify(path: ws.path + "/journals/platform.jsonl")
        #expect(platform.damage == nil)
        // Its start, each check's first result (health's too: the status page knows it from then), its
        // clean stop.
        let records = try ReviewFiles.platformRecords(journalsDirectory: ws.path + "/journals").records
        #expect(records.first?.type == "poller.started" && records.last?.type == "poller.stopped", "\(records)")
        #expect(
            Set(
                records.filter { $0.type == "check.changed" }.map {
                    "\($0.data["check"]?.stringValue ?? "") \($0.data["from"]?.stringValue ?? "") → \($0.data["to"]?.stringValue ?? "")"
                }) == ["health unknown → up", "uploads unknown → down"], "\(records)")
        #expect(records.count == 4)
        let incident = try IncidentStore(directory: ws.path + "/journals").open("INC-1").incident
        #expect(incident.timeline.last?.type == "check.changed" && incident.timeline.last?.actor == "status-poller")
    }

    /// Waits until `receiver` has answered `count` requests for `path`.
    func waitForRequests(_ receiver: HTTPReceiver, _ path: String, count: Int, timeout: Double = 30) async throws {
        for _ in 0..<Int(timeout * 10) where receiver.requests.filter({ $0.path == path }).count < count {
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Issue 19, point 5: a restart is not a state change. `klaxon watch` started twice on a platform
    /// journal whose `uploads` has been down for 40 minutes (and still is) and whose `ui` was down (and is
    /// up now): the first run records ui's recovery once, on the journal and the service's open
    /// incident, and nothing about uploads; the second records nothing. A check no longer configured is
    /// ignored. (Before: every start recorded `unknown → pending` and `pending → down` for uploads.)
    @Test func aRestartedWatchGoesOnFromTheRecordedStatesAndRecordsOnlyRealChanges() async throws {
        let http = TemporaryDirectory("receiver")
        let receiver = try HTTPReceiver(directory: http.path, routes: ["/uploads": .init([503]), "/ui": .init([200])])
        defer { receiver.stop() }
        let port = receiver.port
        let ws = makeWorkspace(
            """
            name: t
            checks:
              - {name: uploads, url: "http://127.0.0.1:\(port)/uploads", interval: 1s, timeout: 1s, failure_threshold: 2, service: registry}
              - {name: ui, url: "http://127.0.0.1:\(port)/ui", interval: 1s, timeout: 1s, service: registry}
            """)
        _ = try shell(
            "KLAXON_USER=bob \(klaxon) --workspace \(ws.path) incident declare 'Uploads failing' --severity SEV2 --service registry"
        )
        let now = Timestamp(Date())
        let poller = WriterIdentity(actor: "status-poller", host: "h", pid: 1)
        do {
            let platform = try #require(
                try PlatformJournal.claim(store: FileJournalStore(directory: ws.path + "/journals"), holder: "test"))
            try platform.record(
                check: "uploads", from: .pending, to: .down, detail: "HTTP 503", at: now.adding(seconds: -2400),
                by: poller)
            try platform.record(
                check: "ui", from: .up, to: .down, detail: "HTTP 500", at: now.adding(seconds: -1200), by: poller)
            try platform.record(
                check: "renamed-away", from: .up, to: .down, detail: "HTTP 500", at: now.adding(seconds: -600),
                by: poller)
        }
        for run in 1...2 {
            let polled = receiver.requests.filter { $0.path == "/uploads" }.count
            let looked = receiver.requests.filter { $0.path == "/ui" }.count
            let (service, out) = try start(["watch"], ws: ws)
            // Three polls of uploads: its first after the restart, and two more that a threshold of 2 would confirm.
            try await waitForRequests(receiver, "/uploads", count: polled + 3)
            try await waitForRequests(receiver, "/ui", count: looked + 3)
            kill(service.processIdentifier, SIGTERM)
            try await blocking { service.waitUntilExit() }
            #expect(service.terminationReason == .exit && service.terminationStatus == 0)
            let printed = ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n").map(
                String.init)
            let records = try ReviewFiles.platformRecords(journalsDirectory: ws.path + "/journals").records
            let platform = records.filter { $0.type == "check.changed" }
            // Each run says when it polled: its start and its stop.
            #expect(
                records.filter { $0.type.hasPrefix("poller.") }.map(\.type)
                    == Array(repeating: ["poller.started", "poller.stopped"], count: run).flatMap { $0 })
            let changes = try IncidentStore(directory: ws.path + "/journals").open("INC-1").incident.timeline.filter {
                $0.type == "check.changed"
            }
            #expect(platform.count == 4, "run \(run): \(platform.map(\.data))")
            #expect(
                platform.last?.data["check"] == "ui" && platform.last?.data["from"] == "down"
                    && platform.last?.data["to"] == "up")
            #expect(
                changes.map {
                    "\($0.data["check"]?.stringValue ?? "") \($0.data["from"]?.stringValue ?? "") → \($0.data["to"]?.stringValue ?? "")"
                }
                    == ["ui down → up"], "run \(run)")
            if run == 1 {
                #expect(printed.count == 1 && printed.first?.contains("ui down → up: ") == true, "\(printed)")
            } else {
                #expect(printed.isEmpty, "\(printed)")
            }
        }
    }

    /// Issue 19, point 20: one check that does not read (a bad indent) must not stop the pager.
    /// `klaxon watch` names it on standard error with its place, polls the others, declares and pages.
    /// (Before: it exited 2 at once, and nothing paged until someone fixed the indent.)
    @Test func aBrokenCheckLeavesTheOthersPolledAndThePagerRunning() async throws {
        let http = TemporaryDirectory("receiver")
        let receiver = try HTTPReceiver(directory: http.path, routes: ["/uploads": .init([503])])
        defer { receiver.stop() }
        let ws = makeWorkspace(
            """
            name: t
            checks:
              - {name: uploads, url: "http://127.0.0.1:\(receiver.port)/uploads", interval: 1s, timeout: 1s, service: registry, policy: platform, declare: SEV2}
              - name: ci-queue
               url: http://127.0.0.1:1/queue

            """)
        let paged = ws.path + "/paged.txt"
        ws.write(
            "Escalation/people.yaml",
            "people:\n  - {id: erin, contacts: [{type: command, argv: [/bin/sh, -c, 'echo paged >> \(paged)']}]}\n")
        ws.write(
            "Escalation/policies/platform.yaml",
            "name: platform\nsteps:\n  - {targets: [user:erin], escalate_after: 30m}\n")
        let errors = ws.path + "/errors.txt"
        _ = FileManager.default.createFile(atPath: errors, contents: nil)
        let (service, _) = try start(["watch"], ws: ws, errors: errors)
        for _ in 0..<300 where !FileManager.default.fileExists(atPath: paged) && service.isRunning {
            try await Task.sleep(for: .milliseconds(100))
        }
        let running = service.isRunning
        kill(service.processIdentifier, SIGTERM)
        try await blocking { service.waitUntilExit() }
        let said = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
        #expect(running && service.terminationStatus == 0, "\(said)")
        #expect(said.contains("\(ws.path)/klaxon.yaml:5:") && said.contains("not polled"), "\(said)")
        #expect(FileManager.default.fileExists(atPath: paged), "erin was not paged: \(said)")
        #expect(try IncidentStore(directory: ws.path + "/journals").open("INC-1").incident.declaringCheck == "uploads")
    }

    /// A restart on a platform journal that says uploads went down ten minutes ago, with no incident
    /// declared (the process died between the two writes): `klaxon watch` declares it at the first poll
    /// that finds uploads still down, with the impact from the recorded time, and records no change.
    @Test func aRestartDeclaresTheIncidentADeadProcessOwed() async throws {
        let http = TemporaryDirectory("receiver")
        let receiver = try HTTPReceiver(directory: http.path, routes: ["/uploads": .init([503])])
        defer { receiver.stop() }
        let ws = makeWorkspace(
            """
            name: t
            checks:
              - {name: uploads, url: "http://127.0.0.1:\(receiver.port)/uploads", interval: 1s, timeout: 1s, service: registry, policy: platform, declare: SEV2}

            """)
        ws.write("Escalation/people.yaml", "people:\n  - {id: erin, contacts: [{type: command, argv: [/bin/true]}]}\n")
        ws.write(
            "Escalation/policies/platform.yaml",
            "name: platform\nsteps:\n  - {targets: [user:erin], escalate_after: 30m}\n")
        let since = Timestamp(Date()).adding(seconds: -600)
        do {
            let platform = try #require(
                try PlatformJournal.claim(store: FileJournalStore(directory: ws.path + "/journals"), holder: "test"))
            try platform.record(
                check: "uploads", from: .pending, to: .down, detail: "HTTP 503", at: since,
                by: WriterIdentity(actor: "status-poller", host: "h", pid: 1))
        }
        let (service, out) = try start(["watch"], ws: ws)
        let store = IncidentStore(directory: ws.path + "/journals")
        for _ in 0..<200 where ((try? store.ids()) ?? []).isEmpty { try await Task.sleep(for: .milliseconds(100)) }
        kill(service.processIdentifier, SIGTERM)
        try await blocking { service.waitUntilExit() }
        let incident = try store.open("INC-1").incident
        #expect(incident.declaringCheck == "uploads")
        #expect(incident.keyTimes[.impactStarted] == since)
        #expect(
            try ReviewFiles.platformRecords(journalsDirectory: ws.path + "/journals").records.map(\.type) == [
                "check.changed", "poller.started", "poller.stopped"
            ], "no change was recorded")
        #expect(((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").isEmpty)
    }

    /// A problem the engine meets on every pass (an incident's policy file was removed) is said once,
    /// not once a second: a log or a message line full of one repeated warning hides every other.
    @Test func aLastingEscalationProblemIsSaidOnce() async throws {
        let ws = makeWorkspace()
        ws.write("Escalation/people.yaml", "people:\n  - {id: erin, contacts: [{type: command, argv: [/bin/true]}]}\n")
        let policy = ws.write(
            "Escalation/policies/platform.yaml",
            "name: platform\nsteps:\n  - {targets: [user:erin], escalate_after: 30m}\n")
        #expect(
            try shell(
                "cd \(ws.path) && KLAXON_USER=bob \(klaxon) incident declare 'Uploads failing' --severity SEV2 --policy platform 2>/dev/null"
            ) == "INC-1\n")
        try FileManager.default.removeItem(atPath: policy)
        let errors = ws.path + "/errors.txt"
        _ = FileManager.default.createFile(atPath: errors, contents: nil)
        let (service, _) = try start(["watch"], ws: ws, errors: errors)
        try await Task.sleep(for: .seconds(4))
        kill(service.processIdentifier, SIGTERM)
        try await blocking { service.waitUntilExit() }
        let said = ((try? String(contentsOfFile: errors, encoding: .utf8)) ?? "").split(separator: "\n").filter {
            $0.contains("is not in Escalation/policies")
        }
        #expect(said.count == 1, "\(said)")
    }

    /// Waits until the file at `path` contains `text`; returns what it holds.
    func waitForText(_ path: String, _ text: String, timeout: Double = 30) async throws -> String {
        var content = ""
        for _ in 0..<Int(timeout * 10) {
            content = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            if content.contains(text) { return content }
            try await Task.sleep(for: .milliseconds(100))
        }
        return content
    }

    /// A `klaxon watch` started while another one records (it holds `journals/.poller.lock`) prints only;
    /// when that one stops (SIGTERM), it takes the recording over, as it takes over the pages, and says
    /// so. Nothing it saw is lost: the two disagree about uploads (the server wants each one's header:
    /// the first sees it up, the second down), so the second records what it saw before the takeover
    /// (up, as the first recorded it, → down, on the platform journal and the service's incident), and
    /// then a change it sees after (the server stops: ui up → down). (Before: it went on printing only,
    /// and recorded nothing.)
    @Test func aWaitingWatchTakesOverTheRecordingWhenTheRecorderStops() async throws {
        let http = TemporaryDirectory("receiver")
        let receiver = try HTTPReceiver(
            directory: http.path,
            routes: ["/ui": .init([200]), "/uploads": .init([200], requires: ["x-probe": "first"])])
        defer { receiver.stop() }
        let port = receiver.port
        let ws = makeWorkspace(
            """
            name: t
            checks:
              - {name: uploads, url: "http://127.0.0.1:\(port)/uploads", interval: 1s, timeout: 1s, service: registry, headers: {X-Probe: "env:PROBE"}}
              - {name: ui, url: "http://127.0.0.1:\(port)/ui", interval: 1s, timeout: 1s, service: registry, headers: {X-Probe: "env:PROBE"}}
            """)
        _ = try shell(
            "KLAXON_USER=bob \(klaxon) --workspace \(ws.path) incident declare 'Uploads failing' --severity SEV2 --service registry"
        )
        let firstErrors = ws.path + "/first-errors.txt"
        let secondErrors = ws.path + "/second-errors.txt"
        for path in [firstErrors, secondErrors] { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let (first, _) = try start(["watch"], ws: ws, errors: firstErrors, environment: ["PROBE": "first"])
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
        #expect(
            try await waitForText(firstErrors, "this process sends the pages").contains("this process sends the pages"))
        // Once the first has recorded each check's first result (up), which the second goes on from.
        for _ in 0..<300
        where ((try? ReviewFiles.platformRecords(journalsDirectory: ws.path + "/journals").records) ?? []).filter({
            $0.type == "check.changed"
        }).count < 2 {
            try await Task.sleep(for: .milliseconds(100))
        }
        let (second, secondOut) = try start(["watch"], ws: ws, errors: secondErrors, environment: ["PROBE": "second"])
        defer { if second.isRunning { kill(second.processIdentifier, SIGKILL) } }
        #expect(try await waitForText(secondErrors, "printing only").contains("printing only"))
        #expect(
            try await waitForText(secondErrors, "sends this workspace's pages").contains(
                "another process sends this workspace's pages (klaxon watch of"),
            "the waiting watch says it waits for the pages too")
        #expect(try await waitForText(secondOut, "uploads up → down: HTTP 401").contains("uploads up → down"))
        let platformPath = ws.path + "/journals/platform.jsonl"

        kill(first.processIdentifier, SIGTERM)
        try await blocking { first.waitUntilExit() }
        #expect(first.terminationReason == .exit && first.terminationStatus == 0)
        let said = try await waitForText(secondErrors, "records the state changes", timeout: 15)
        #expect(said.contains("klaxon: status recorder: this process records the state changes now"), "\(said)")
        #expect(
            try await waitForText(secondErrors, "this process sends the pages").contains(
                "klaxon: escalation engine: this process sends the pages"))
        // The second has seen ui up (a poll answered, as its next one shows) before the server stops: the
        // takeover can come within milliseconds of the first's exit, before the second's first poll of ui.
        for _ in 0..<300
        where receiver.requests.filter({ $0.path == "/ui" && $0.headers["x-probe"] == "second" }).count < 2 {
            try await Task.sleep(for: .milliseconds(100))
        }
        receiver.stop()
        _ = try await waitForText(secondOut, "ui up → down")
        // The platform journal's records are made once the lines are printed; a moment for the incident's.
        try await Task.sleep(for: .milliseconds(500))
        kill(second.processIdentifier, SIGTERM)
        try await blocking { second.waitUntilExit() }
        #expect(second.terminationReason == .exit && second.terminationStatus == 0)

        let changes = { (records: [JournalRecord]) in
            records.filter { $0.type == "check.changed" }.map {
                "\($0.data["check"]?.stringValue ?? "") \($0.data["from"]?.stringValue ?? "") → \($0.data["to"]?.stringValue ?? "")"
            }
        }
        let platform = try ReviewFiles.platformRecords(journalsDirectory: ws.path + "/journals").records
        let byFirst = platform.filter { $0.pid == Int(first.processIdentifier) }
        let bySecond = platform.filter { $0.pid == Int(second.processIdentifier) }
        #expect(byFirst.count + bySecond.count == platform.count && platform.allSatisfy { $0.actor == "status-poller" })
        #expect(byFirst.first?.type == "poller.started" && byFirst.last?.type == "poller.stopped")
        #expect(Set(changes(byFirst)) == ["uploads unknown → up", "ui unknown → up"], "\(platform.map(\.data))")
        #expect(bySecond.first?.type == "poller.started" && bySecond.last?.type == "poller.stopped")
        #expect(changes(bySecond) == ["uploads up → down", "ui up → down"], "\(platform.map(\.data))")
        #expect(try JournalFile.verify(path: platformPath).damage == nil)
        // A healthy first result is no change on an incident.
        let incident = try IncidentStore(directory: ws.path + "/journals").open("INC-1").incident
        #expect(
            changes(incident.timeline) == ["uploads up → down", "ui up → down"], "\(incident.timeline.map(\.type))")
    }

    /// Found by a walkthrough: `klaxon watch` started in silence without the Slack secret of `comms:`,
    /// and every update then spent its attempts on it before NOT SENT. It says so at start (as `config
    /// validate` does), and runs on.
    @Test func aSecretThisProcessCannotReadIsSaidAtStart() async throws {
        let ws = makeWorkspace(
            "name: t\ncomms:\n  destinations:\n    status: {slack: env:KLAXON_TEST_SLACK, channel: \"#status\"}\n  routes:\n    - {to: [status]}\n"
        )
        let errors = ws.path + "/errors.txt"
        _ = FileManager.default.createFile(atPath: errors, contents: nil)
        let (watch, _) = try start(["watch"], ws: ws, errors: errors)
        defer { if watch.isRunning { kill(watch.processIdentifier, SIGKILL) } }
        let said = try await waitForText(errors, "KLAXON_TEST_SLACK set")
        #expect(
            said.contains(
                "klaxon: warning: \(ws.path)/klaxon.yaml:4:21: env:KLAXON_TEST_SLACK (comms: destinations: status: slack) is not set in this environment: the process that sends status updates (the console or klaxon watch) needs KLAXON_TEST_SLACK set, or these updates are not sent"
            ), "\(said)")
        kill(watch.processIdentifier, SIGTERM)
        try await blocking { watch.waitUntilExit() }
        #expect(watch.terminationReason == .exit && watch.terminationStatus == 0)
    }
}
