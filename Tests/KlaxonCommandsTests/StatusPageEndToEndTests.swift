import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

extension EndToEnd {
    /// Issue 24's status page end to end: `klaxon statuspage build` writes the site from a platform journal
    /// and incidents (one with public updates, internal notes and a page, one a drill); a real loopback
    /// server serves it, and a real `klaxon watch` serves the same live at `/status`. Headless Chromium
    /// renders both at a phone's and a laptop's size; Klaxon's own `statuspage` check reads both.
    struct StatusPageEndToEndTests {
        static let secretNote = "internal: the registry DB password was rotated by hand"
        static let pagedPerson = "zelda-oncall"
        static let poster = "quentin-comms"

        /// A workspace whose checks the probe target answers: registry-api up, uploads 503, ci-queue up;
        /// a platform journal of three days; INC-1 (registry, SEV2) with two public updates, a note and a
        /// page to zelda; INC-2 a drill.
        static func workspace(probe: ProbeTargetServer, listen port: Int) throws -> (TemporaryDirectory, Klaxon) {
            let now = Timestamp(Date())
            let ws = makeWorkspace(
                """
                name: forge
                time_zone: Europe/Paris
                intake:
                  listen: 127.0.0.1:\(port)
                  tokens: {alertmanager: "env:KLAXON_AM_TOKEN"}
                checks:
                  - {name: registry-api, group: Artifact registry, url: "\(probe.base)/healthz", interval: 1h, timeout: 20s, service: registry}
                  - {name: uploads, group: Artifact registry, url: "\(probe.base)/unavailable", interval: 1h, timeout: 20s, service: registry}
                  - {name: ci-queue, group: CI/CD, url: "\(probe.base)/healthz", interval: 1h, timeout: 20s, service: ci}
                maintenance:
                  - {checks: [ci-queue], from: "\(now.adding(seconds: 86400).rfc3339)", to: "\(now.adding(seconds: 90000).rfc3339)"}
                """)
            ws.write(
                "Escalation/people.yaml",
                "people:\n  - id: \(pagedPerson)\n    contacts: [{type: webhook, url: \"http://127.0.0.1:9/hook\"}]\n")
            let store = FileJournalStore(directory: ws.path + "/journals")
            let platform = try #require(try PlatformJournal.claim(store: store, holder: "test"))
            let poller = WriterIdentity(actor: "status-poller", host: "test", pid: 1)
            let hour: Int64 = 3600
            for (check, from, to, ago) in [
                ("registry-api", CheckState.unknown, CheckState.down, 72 * hour),
                ("ci-queue", .unknown, .up, 72 * hour),
                ("registry-api", .down, .up, 70 * hour), ("uploads", .up, .down, 30 * hour),
                ("uploads", .down, .up, 29 * hour), ("uploads", .up, .down, 2 * hour)
            ] {
                try platform.record(
                    check: check, from: from, to: to, detail: "HTTP 503", at: now.adding(seconds: -ago), by: poller)
            }
            let k = Klaxon(workspace: ws.path, user: poster, clock: FixedClock(now))
            #expect(
                k.run(
                    "incident", "declare", "Uploads to the registry fail", "--severity", "SEV2", "--service", "registry"
                )
                .status == 0)
            #expect(k.run("incident", "note", "INC-1", secretNote).status == 0)
            #expect(k.run("incident", "page", "INC-1", "--user", pagedPerson).status == 0)
            #expect(
                k.run("incident", "update", "INC-1", "Uploads fail with 503; downloads work.").status == 0)
            #expect(
                k.run(
                    "incident", "update", "INC-1", "A full disk on the upload nodes; cleaning up.", "--status",
                    "identified"
                ).status == 0)
            _ = try IncidentStore(directory: ws.path + "/journals", drill: "registry-outage").declare(
                Declaration(title: "Rehearsal: registry on fire", severity: .sev1, services: ["registry"]),
                by: WriterIdentity(actor: poster, host: "test", pid: 1), at: now)
            return (ws, k)
        }

        /// Checks what the browser saw of a status page.
        static func expectPage(_ visit: HeadlessBrowser.Visit, _ name: String) {
            let page = visit.page
            #expect(page.status == 200, "\(name): \(page.status)")
            #expect(page.requests.isEmpty, "\(name) asked for more: \(page.requests)")
            #expect(page.messages.isEmpty, "\(name): \(page.messages)")
            #expect(!page.overflowsHorizontally, "\(name): \(page.contentWidth) > \(page.viewportWidth)")
            let lines = page.text.split(separator: "\n").map(String.init)
            #expect(lines.contains("Partial System Outage"), "\(name): \(page.text)")
            // Each component's state, in words beside its name.
            #expect(page.text.contains("Artifact registry\nPartial outage"), "\(name): \(page.text)")
            #expect(page.text.contains("CI/CD\nOperational"), "\(name): \(page.text)")
            #expect(page.text.contains("uploads: Down") && page.text.contains("registry-api: Operational"))
            // 90 days per component, each a bar with its day in words.
            let days = lines.filter { $0.range(of: #"^\d{4}-\d{2}-\d{2}: "#, options: .regularExpression) != nil }
            #expect(days.count == 2 * 90, "\(name): \(days.count) days")
            #expect(days.filter { $0.hasSuffix(": no data") }.count >= 2 * 86, "\(name): \(days)")
            // The active incident and its updates, newest first; never the drill, a note, a person.
            #expect(page.text.contains("Uploads to the registry fail"))
            #expect(page.text.contains("INC-1 · SEV2 · Identified · since"), "\(name): \(page.text)")
            let identified = page.text.range(of: "A full disk on the upload nodes; cleaning up.")
            let investigating = page.text.range(of: "Uploads fail with 503; downloads work.")
            #expect(identified != nil && investigating != nil, "\(name): \(page.text)")
            if let identified, let investigating { #expect(identified.lowerBound < investigating.lowerBound) }
            #expect(page.text.contains("Scheduled maintenance"))
            for secret in [secretNote, pagedPerson, poster, "Rehearsal", "status-poller", "HTTP 503"] {
                #expect(!page.text.contains(secret), "\(name) shows \(secret)")
            }
        }

        /// What must never be in the page nor the summary.
        static func expectNothingPrivate(_ text: String, _ name: String) {
            for secret in [secretNote, pagedPerson, poster, "Rehearsal", "status-poller", "HTTP 503", "INC-2"] {
                #expect(!text.contains(secret), "\(name) holds \(secret)")
            }
        }

        @Test func theBuiltSiteAndTheLivePageRenderInChromiumAndKlaxonsStatuspageCheckReadsThem() async throws {
            let directory = TemporaryDirectory("statuspage-e2e")
            let probe = try ProbeTargetServer(directory: directory.path + "/probe")
            defer { probe.stop() }
            let port = try RealServer.freePort()
            let (ws, k) = try Self.workspace(probe: probe, listen: port)
            let artifacts = try TestArtifacts.directory("statuspage")
            print("status page screenshots: \(artifacts)")

            // The same page live from klaxon watch, once its poller has seen the checks.
            let log = ws.path + "/watch.log"
            let watch = try startWatch(ws, output: log, errors: log, environment: ["KLAXON_AM_TOKEN": "am-secret"])
            defer {
                watch.terminate()
                watch.waitUntilExit()
            }
            let live = "http://127.0.0.1:\(port)/status"
            var seen = false
            for _ in 0..<120 where !seen {
                if let answer = try? await IntakeTests().send(live + "/summary.json", nil, method: "GET"),
                    answer.status == 200, let json = try? JSONParser.parse(Array(answer.body.utf8)),
                    Set(
                        (json["components"]?.arrayValue ?? []).compactMap { component -> String? in
                            guard let name = component["name"]?.stringValue,
                                let status = component["status"]?.stringValue
                            else { return nil }
                            return "\(name) \(status)"
                        }
                    ).isSuperset(of: ["registry-api operational", "uploads major_outage", "ci-queue operational"])
                {
                    seen = true
                } else {
                    try await Task.sleep(for: .milliseconds(500))
                }
            }
            #expect(seen, "\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
            // The static site, built beside the running watch (as a cron job would publish it): the states
            // as recorded, since a poller records. Reading the journals writes nothing to them.
            let before = try Self.listing(ws.path + "/journals")
            let site = directory.path + "/site"
            let built = try await blocking { k.run("statuspage", "build", "-o", site) }
            #expect(built.status == 0, "\(built.errors)")
            #expect(built.errors.contains("status page written to \(site)"), "\(built.errors)")
            #expect(try Self.listing(ws.path + "/journals") == before)
            let html = try String(contentsOfFile: site + "/index.html", encoding: .utf8)
            let summary = try String(contentsOfFile: site + "/summary.json", encoding: .utf8)
            #expect(try String(contentsOfFile: site + "/api/v2/summary.json", encoding: .utf8) == summary)
            Self.expectNothingPrivate(html, "index.html")
            Self.expectNothingPrivate(summary, "summary.json")
            let json = try JSONParser.parse(Array(summary.utf8))
            #expect(json["status"]?["indicator"] == "major")
            #expect(json["incidents"]?.arrayValue?.count == 1)
            #expect(
                json["incidents"]?.arrayValue?.first?["incident_updates"]?.arrayValue?.compactMap {
                    $0["body"]?.stringValue
                } == ["A full disk on the upload nodes; cleaning up.", "Uploads fail with 503; downloads work."])

            let sitePort = try RealServer.freePort()
            let server = try RealServer(
                "python3 http.server", executable: "/usr/bin/python3",
                arguments: ["-m", "http.server", "--bind", "127.0.0.1", String(sitePort), "--directory", site],
                port: sitePort, directory: TemporaryDirectory("statuspage-site"))
            defer { server.stop() }

            let liveSummary = try await IntakeTests().send(live + "/api/v2/summary.json", nil, method: "GET")
            #expect(liveSummary.headers["content-type"] == "application/json")
            // HEAD says the length GET sends (found by a walkthrough: it said 0).
            let head = try await IntakeTests().send(live + "/api/v2/summary.json", nil, method: "HEAD")
            #expect(
                head.status == 200 && head.headers["content-length"] == String(liveSummary.body.utf8.count), "\(head)")
            Self.expectNothingPrivate(liveSummary.body, "the live summary.json")
            let refused = try await IntakeTests().send(live, [], method: "POST")
            #expect(refused.status == 405 && refused.headers["allow"] == "GET, HEAD", "\(refused)")

            let browser = try await HeadlessBrowser.start()
            defer { browser.stop() }
            for (name, url) in [("built", server.url + "/index.html"), ("live", live)] {
                for (width, height) in [(360, 740), (1440, 900)] {
                    let visit = try await browser.visit(
                        url: url, width: width, height: height,
                        screenshot: artifacts + "/\(name)-\(width)x\(height).png")
                    Self.expectPage(visit, "\(name) at \(width)x\(height)")
                    Self.expectNothingPrivate(visit.page.text, "\(name) at \(width)x\(height)")
                    #expect(FileManager.default.fileExists(atPath: artifacts + "/\(name)-\(width)x\(height).png"))
                    if name == "live" {
                        #expect(visit.page.headers["content-security-policy"] == StatusPage.contentSecurityPolicy)
                    }
                }
            }

            // Klaxon's own statuspage check reads both, and names the component that is down.
            let reader = makeWorkspace(
                """
                name: reader
                checks:
                  - {name: forge-built, group: Forge, type: statuspage, url: "\(server.url)", interval: 60s, timeout: 20s}
                  - {name: forge-live, group: Forge, type: statuspage, url: "\(live)", interval: 60s, timeout: 20s}
                """)
            let checked = try await blocking {
                Klaxon(workspace: reader.path, clock: FixedClock(Timestamp(Date()))).run("status", "check", "--json")
            }
            #expect(checked.status == 1, "\(checked.output) \(checked.errors)")
            for check in checked.json?.arrayValue ?? [] {
                #expect(check["state"] == "down", "\(check)")
                #expect(check["detail"] == "Partial System Outage", "\(check)")
                #expect(
                    check["components"]?.arrayValue?.contains(["name": "uploads", "status": "major_outage"]) == true,
                    "\(check)")
                #expect(
                    check["components"]?.arrayValue?.contains(["name": "registry-api", "status": "operational"])
                        == true,
                    "\(check)")
            }
            #expect(checked.json?.arrayValue?.count == 2)
        }

        /// Each file's name and size under `path`.
        static func listing(_ path: String) throws -> [String: UInt64] {
            var sizes: [String: UInt64] = [:]
            for name in try FileManager.default.subpathsOfDirectory(atPath: path) {
                let attributes = try FileManager.default.attributesOfItem(atPath: path + "/" + name)
                sizes[name] = (attributes[.size] as? UInt64) ?? 0
            }
            return sizes
        }
    }
}

/// `klaxon statuspage build`'s answers to what it cannot do, and a workspace that never recorded anything.
struct StatusPageCommandTests {
    @Test func aWorkspaceWithNothingRecordedBuildsAPageOfUnknownChecksWithNoData() throws {
        let ws = makeWorkspace("name: fresh\ntime_zone: UTC\nchecks:\n  - {name: api, url: \"http://127.0.0.1:9/\"}\n")
        let k = Klaxon(workspace: ws.path, clock: FixedClock("2026-11-22T12:00:00Z"))
        let run = k.run("statuspage", "build", "-o", ws.path + "/site")
        #expect(run.status == 0, "\(run.errors)")
        // Nothing was written beside the site: no journal, no index.
        #expect(!FileManager.default.fileExists(atPath: ws.path + "/journals/platform.jsonl"))
        let json = try JSONParser.parse(
            Array(try Data(contentsOf: URL(fileURLWithPath: ws.path + "/site/summary.json"))))
        #expect(json["components"]?.arrayValue?.first?["status"] == "degraded_performance")
        #expect(json["status"]?["indicator"] == "minor")
        let html = try String(contentsOfFile: ws.path + "/site/index.html", encoding: .utf8)
        #expect(html.components(separatedBy: ": no data</span>").count - 1 == 90)
        #expect(html.contains("<strong>No Klaxon poller is running</strong>: nothing has been checked yet"))
        // Not even the poller's lock file: asking whether a poller runs created nothing.
        #expect(!FileManager.default.fileExists(atPath: ws.path + "/journals"))
    }

    /// A page built while no poller runs (the last one died without a word after its last sign of
    /// life) says so: every state unknown since that sign, and the day's bar up only while it was known.
    /// While a poller holds the store's hold `poller`, the same journal reads as the state now.
    @Test func withNoPollerRunningWhatWasLastRecordedIsUnknownFromTheLastSignOfLife() throws {
        let ws = makeWorkspace("name: forge\ntime_zone: UTC\nchecks:\n  - {name: api, url: \"http://127.0.0.1:9/\"}\n")
        let now = try #require(Timestamp.parseRFC3339("2026-11-22T12:00:00Z"))
        let poller = WriterIdentity(actor: "status-poller", host: "ops-1", pid: 42)
        var running: PlatformJournal? = try PlatformJournal.claim(
            store: FileJournalStore(directory: ws.path + "/journals"), holder: "klaxon watch of ops on ops-1")
        #expect(running != nil)
        try running?.record(.started, at: now.adding(seconds: -6 * 3600), by: poller)
        try running?.record(
            check: "api", from: .unknown, to: .up, detail: "HTTP 200", at: now.adding(seconds: -6 * 3600), by: poller)
        try running?.record(.alive, at: now.adding(seconds: -3 * 3600), by: poller)
        let k = Klaxon(workspace: ws.path, clock: FixedClock(now))
        func build() throws -> (html: String, json: JSONValue) {
            let run = k.run("statuspage", "build", "-o", ws.path + "/site")
            #expect(run.status == 0, "\(run.errors)")
            return (
                try String(contentsOfFile: ws.path + "/site/index.html", encoding: .utf8),
                try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: ws.path + "/site/summary.json"))))
            )
        }
        let live = try build()
        #expect(live.json["components"]?.arrayValue?.first?["status"] == "operational")
        #expect(live.json["status"]?["description"] == "All Systems Operational")
        #expect(live.html.contains("2026-11-22: 100% up, no data 6h00m") && !live.html.contains("not-polled"))

        running = nil  // it dies: its hold goes with it, and no poller.stopped is written
        let before = try EndToEnd.StatusPageEndToEndTests.listing(ws.path + "/journals")
        let dead = try build()
        #expect(try EndToEnd.StatusPageEndToEndTests.listing(ws.path + "/journals") == before)
        #expect(dead.json["components"]?.arrayValue?.first?["status"] == "degraded_performance")
        #expect(
            dead.json["status"]?["description"]
                == "State unknown: no Klaxon poller is running (nothing checked since 2026-11-22T09:00:00.000Z)")
        #expect(dead.html.contains("<strong>No Klaxon poller is running</strong>: nothing has been checked since"))
        #expect(dead.html.contains("2026-11-22: 100% up, no data 9h00m"), "\(dead.html)")
        #expect(!dead.html.contains("Operational</span>"))
    }

    @Test func anOutputThatIsAFileIsRefusedBeforeAnythingIsRead() throws {
        let ws = makeWorkspace("name: fresh\nchecks:\n  - {name: api, url: \"http://127.0.0.1:9/\"}\n")
        ws.write("site", "not a directory")
        let run = Klaxon(workspace: ws.path).run("statuspage", "build", "-o", ws.path + "/site")
        #expect(run.status == 2)
        #expect(
            run.errors
                == "klaxon: error: -o \(ws.path)/site is not a directory: name a directory for the site (it is made if missing)\n"
        )
        #expect(try String(contentsOfFile: ws.path + "/site", encoding: .utf8) == "not a directory")
        // Under a file: said of the site, not of the journals.
        let under = Klaxon(workspace: ws.path).run("statuspage", "build", "-o", ws.path + "/site/public")
        #expect(under.status == 1)
        #expect(
            under.errors
                == "klaxon: error: \(ws.path)/site exists but is not a directory; move it away or choose another directory\n",
            "\(under.errors)")
    }
}
