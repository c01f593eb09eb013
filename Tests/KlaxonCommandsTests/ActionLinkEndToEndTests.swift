import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

extension EndToEnd {
    /// Issue 23 end to end: a real `klaxon watch` with its intake pages bob through a webhook, Slack and
    /// email on loopback receivers; the links in those pages are fetched and posted with `curl` as a phone
    /// would: a GET records nothing, a POST acknowledges as bob via link (once), escalate pages the next
    /// step, and forged, foreign, expired and revoked links are refused with 403, recording nothing.
    struct ActionLinkEndToEndTests {
        static let token = "am-" + UUID().uuidString

        struct Running {
            let ws: TemporaryDirectory
            var watch: Process
            let hooks: HTTPReceiver
            let mail: SMTPSink
            let port: Int
            /// The CLI at the real time (the engine pages by it).
            var klaxon: Klaxon { Klaxon(workspace: ws.path, clock: FixedClock(Timestamp(Date()))) }
            var log: String { (try? String(contentsOfFile: ws.path + "/watch.log", encoding: .utf8)) ?? "" }

            func stopWatch() {
                guard watch.isRunning else { return }
                watch.terminate()
                watch.waitUntilExit()
            }

            func stop() {
                stopWatch()
                hooks.stop()
                mail.stop()
            }

            /// The webhook pages `user` received, parsed.
            func pages(of user: String) -> [JSONValue] {
                hooks.requests.filter { $0.path == "/hooks/\(user)" }.compactMap { try? JSONParser.parse($0.body) }
            }

            /// An incident's records, read from its journal file.
            func records(_ id: String) throws -> [JournalRecord] {
                try FileJournalStore(directory: ws.path + "/journals").journal(id).readNewRecords()
            }
        }

        /// Bob is paged by webhook, Slack and email at once; carol, step 2 of `platform`, and dave, step 3, by webhook.
        static func start(_ directory: TemporaryDirectory, linkSecret: String) async throws -> Running {
            let hooks = try HTTPReceiver(directory: directory.path, routes: ["/hooks/*": .init(), "/slack/*": .init()])
            try FileManager.default.createDirectory(atPath: directory.path + "/mail", withIntermediateDirectories: true)
            let mail = try SMTPSink(directory: directory.path + "/mail")
            let port = try RealServer.freePort()
            let ws = makeWorkspace(
                """
                name: links
                time_zone: UTC
                channels:
                  email: {server: "smtp://127.0.0.1:\(mail.port)", from: klaxon@example.com}
                  timeout: 5s
                intake:
                  listen: 127.0.0.1:\(port)
                  tokens: {alertmanager: "env:KLAXON_AM_TOKEN"}
                  public_url: http://127.0.0.1:\(port)/
                  link_secret: env:KLAXON_LINK_SECRET
                """)
            ws.write(
                "Escalation/people.yaml",
                """
                people:
                  - id: bob
                    contacts:
                      - {type: webhook, url: "http://127.0.0.1:\(hooks.port)/hooks/bob"}
                      - {type: slack, url: "http://127.0.0.1:\(hooks.port)/slack/bob"}
                      - {type: email, address: bob@example.com}
                  - id: carol
                    contacts: [{type: webhook, url: "http://127.0.0.1:\(hooks.port)/hooks/carol"}]
                  - id: dave
                    contacts: [{type: webhook, url: "http://127.0.0.1:\(hooks.port)/hooks/dave"}]
                """)
            ws.write(
                "Escalation/policies/platform.yaml",
                "name: platform\nsteps:\n  - {targets: [user:bob], escalate_after: 30m}\n  - {targets: [user:carol], escalate_after: 30m}\n  - {targets: [user:dave], escalate_after: 30m}\n"
            )
            var running = Running(
                ws: ws, watch: Process(), hooks: hooks, mail: mail, port: port)
            running.watch = try launch(running, linkSecret: linkSecret)
            return running
        }

        static func launch(_ running: Running, linkSecret: String) throws -> Process {
            let watch = try startWatch(
                running.ws, output: running.ws.path + "/watch.log", errors: running.ws.path + "/watch.log",
                environment: ["KLAXON_AM_TOKEN": token, "KLAXON_LINK_SECRET": linkSecret])
            return watch
        }

        func curl(_ url: String, method: String = "GET") async throws -> IntakeTests.Answer {
            try await IntakeTests().send(url, method == "POST" ? [] : nil, method: method)
        }

        @Test func aPagedPersonAcknowledgesAndEscalatesFromTheLinksInTheirPage() async throws {
            let directory = TemporaryDirectory("links-e2e")
            let secret = "links-" + UUID().uuidString
            var running = try await Self.start(directory, linkSecret: secret)
            defer { running.stop() }
            let listening = try await until { running.log.contains("listening on") }
            #expect(listening, "\(running.log)")

            #expect(
                running.klaxon.run(
                    "incident", "declare", "Registry returns 503", "--severity", "SEV2", "--policy", "platform"
                ).status == 0)
            let paged = try await until {
                !running.pages(of: "bob").isEmpty && running.mail.messages.count >= 1
                    && running.hooks.requests.contains { $0.path == "/slack/bob" }
            }
            #expect(
                paged,
                "bob was not paged on every contact within 60 s\n\(running.log)\n\(running.klaxon.run("incident", "show", "INC-1").output)\n\(running.hooks.requests.map(\.path)) \(running.hooks.port)"
            )
            let page = try #require(running.pages(of: "bob").first)
            let actions = try #require(page["actions"])
            let ack = try #require(actions["acknowledge"]?.stringValue)
            let escalate = try #require(actions["escalate"]?.stringValue)
            let view = try #require(actions["view"]?.stringValue)
            #expect(ack.hasPrefix("http://127.0.0.1:\(running.port)/v1/link/"))

            // The same links in the Slack text and the email, and the email is still a well-formed message.
            let slack = try #require(running.hooks.requests.first { $0.path == "/slack/bob" })
            let slackText = try JSONParser.parse(slack.body)["text"]?.stringValue ?? ""
            for link in [ack, escalate, view] { #expect(slackText.contains("<\(link)|"), "\(slackText)") }
            let email = try #require(running.mail.messages.first)
            for (label, link) in [("Acknowledge", ack), ("Escalate now", escalate), ("View", view)] {
                #expect(email.contains("\(label): \(link)\r\n"), "\(email)")
            }
            let (head, body) = try #require(
                email.range(of: "\r\n\r\n").map { (email[..<$0.lowerBound], email[$0.upperBound...]) })
            #expect(head.contains("Subject: [SEV2] INC-1 Registry returns 503") && head.contains("MIME-Version: 1.0"))
            #expect(!body.replacingOccurrences(of: "\r\n", with: "").contains("\n"))

            // A GET (a mail scanner, an unfurler, a person looking) shows the incident and one button; records nothing.
            let before = try running.records("INC-1").count
            let shown = try await curl(ack)
            #expect(shown.status == 200)
            #expect(shown.body.contains("Acknowledge INC-1?") && shown.body.contains("Registry returns 503"))
            #expect(shown.body.components(separatedBy: "<button").count == 2)
            #expect(shown.headers["content-security-policy"]?.hasPrefix("default-src 'none'") == true)
            #expect(shown.headers["x-frame-options"] == "DENY" && shown.headers["cache-control"] == "no-store")
            #expect(shown.headers["referrer-policy"] == "no-referrer")
            #expect(try running.records("INC-1").count == before)
            // escalation status shows the link opened and not used (a person who looked, or a scanner).
            let opened = running.klaxon.run("escalation", "status")
            #expect(
                opened.output.contains("INC-1  bob opened the acknowledge link at")
                    && opened.output.contains("(from 127.0.0.1) and did not press it"), "\(opened.output)")

            // Forged, foreign, expired, revoked: 403, nothing recorded.
            let token = String(ack.dropFirst("http://127.0.0.1:\(running.port)/v1/link/".count))
            var changed = Array(token)
            changed[5] = changed[5] == "A" ? "B" : "A"
            let forged = try await curl(
                "http://127.0.0.1:\(running.port)/v1/link/" + String(changed), method: "POST")
            #expect(forged.status == 403 && forged.body.contains("altered or was not made by this Klaxon"))
            let key = ActionLink.Key(secret: secret, workspace: "links")
            let past = ActionLink(
                incident: "INC-1", page: "INC-1/1/1/1/bob", user: "bob", action: .acknowledge,
                expires: Timestamp(Date()).adding(seconds: -60))
            let expired = try await curl(past.url(base: "http://127.0.0.1:\(running.port)", key: key), method: "POST")
            #expect(expired.status == 403 && expired.body.contains("expired at"), "\(expired.body)")
            #expect(try running.records("INC-1").count == before)

            // The button: acknowledged as bob, via link, from this client; the escalation stops as with `a`.
            let acted = try await curl(ack, method: "POST")
            #expect(acted.status == 200 && acted.body.contains("acknowledged by bob"), "\(acted.body)")
            let records = try running.records("INC-1")
            let acknowledged = try #require(records.last { $0.type == "acknowledged" })
            #expect(acknowledged.actor == "bob")
            #expect(acknowledged.data["via"] == "link" && acknowledged.data["client"] == "127.0.0.1")
            #expect(acknowledged.data["page"] == "INC-1/1/1/1/bob")
            let listed = running.klaxon.run("incident", "list", "--json").json?.arrayValue ?? []
            let paging = listed.first { $0["id"] == "INC-1" }?["paging"]
            #expect(paging?["state"] == "acknowledged" && paging?["by"] == "bob", "\(String(describing: paging))")
            let pressed = running.klaxon.run("escalation", "status", "--json").json
            let first = pressed?["incidents"]?.arrayValue?.first { $0["id"] == "INC-1" }
            #expect(first?["links_opened_unused"] == .array([]), "\(String(describing: first))")
            #expect(first?["paging"]?["via"] == "link", "\(String(describing: first))")
            // Again: already, by whom and when; nothing new.
            let again = try await curl(ack, method: "POST")
            #expect(again.status == 409 && again.body.contains("already acknowledged by bob at"), "\(again.body)")
            #expect(try running.records("INC-1").count == records.count)

            // A link for another incident: INC-2's page, its incident field swapped, is forged.
            #expect(
                running.klaxon.run(
                    "incident", "declare", "CI queue stuck", "--severity", "SEV2", "--policy", "platform"
                ).status == 0)
            let paged2 = try await until { running.pages(of: "bob").contains { $0["incident"]?["id"] == "INC-2" } }
            #expect(paged2, "\(running.log)")
            let page2 = try #require(running.pages(of: "bob").first { $0["incident"]?["id"] == "INC-2" })
            let escalate2 = try #require(page2["actions"]?["escalate"]?.stringValue)
            let ack2 = try #require(page2["actions"]?["acknowledge"]?.stringValue)
            let parts = String(ack2.dropFirst("http://127.0.0.1:\(running.port)/v1/link/".count)).split(separator: ".")
            let fields = String(decoding: Base64URL.decode(String(parts[0])), as: UTF8.self)
            let swapped = Base64URL.encode(Array(fields.replacingOccurrences(of: "INC-2\n", with: "INC-1\n").utf8))
            let foreign = try await curl(
                "http://127.0.0.1:\(running.port)/v1/link/\(swapped).\(parts[1]).\(parts[2])", method: "POST")
            #expect(foreign.status == 403)
            #expect(try running.records("INC-1").count == records.count)

            // Escalate: step 2's pages go out now (not in 30 minutes).
            let escalated = try await curl(escalate2, method: "POST")
            #expect(escalated.status == 200, "\(escalated.body)")
            let carol = try await until { running.pages(of: "carol").contains { $0["incident"]?["id"] == "INC-2" } }
            #expect(carol, "carol was not paged after escalate\n\(running.log)")
            // The step's record written, so that the second press below meets the escalation as it is now.
            let stepped = try await until {
                try running.records("INC-2").contains { $0.type == "escalation.step" && $0.data["step"] == 2 }
            }
            #expect(stepped)
            let advanced = try running.records("INC-2").last { $0.type == "escalation.advanced" }
            #expect(advanced?.actor == "bob" && advanced?.data["via"] == "link")
            // Pressed again (a reload, a double tap): bob's page's step is over; nothing skips past carol.
            let twice = try await curl(escalate2, method: "POST")
            #expect(twice.status == 409 && twice.body.contains("has moved on since this page"), "\(twice.body)")
            #expect(try running.records("INC-2").filter { $0.type == "escalation.advanced" }.count == 1)

            // A resolved incident's links stay dead when it is reopened.
            #expect(running.klaxon.run("incident", "resolve", "INC-1").status == 0)
            #expect(running.klaxon.run("incident", "reopen", "INC-1").status == 0)
            let afterReopen = try running.records("INC-1").count
            let dead = try await curl(ack, method: "POST")
            #expect(dead.status == 403 && dead.body.contains("reopening it does not bring them back"), "\(dead.body)")
            #expect(try running.records("INC-1").count == afterReopen)

            // Rotating the key revokes every link made before: 403, nothing recorded. (The log starts anew.)
            running.stopWatch()
            running.watch = try Self.launch(running, linkSecret: "rotated-" + UUID().uuidString)
            let relistening = try await until { running.log.contains("listening on") }
            #expect(relistening, "\(running.log)")
            let count2 = try running.records("INC-2").count
            let revoked = try await curl(ack2, method: "POST")
            #expect(revoked.status == 403 && revoked.body.contains("revoked"), "\(revoked.body)")
            #expect(try running.records("INC-2").count == count2)
            #expect(running.pages(of: "dave").isEmpty, "an escalate link skipped past carol")
            // And the view link of the first page too.
            #expect(try await curl(view).status == 403)
        }

        /// A real browser (Debian's headless Chromium, scripts off) opens bob's links as a phone (360×740)
        /// and a laptop (1280×800) would: the page loads nothing else, fits the phone's width, and a real
        /// click on its one button acknowledges INC-1 as bob via link. Screenshots are kept as artifacts.
        @Test func aRealBrowserOpensTheLinkAndItsButtonAcknowledges() async throws {
            let directory = TemporaryDirectory("links-browser")
            let running = try await Self.start(directory, linkSecret: "links-" + UUID().uuidString)
            defer { running.stop() }
            let listening = try await until { running.log.contains("listening on") }
            #expect(listening, "\(running.log)")
            #expect(
                running.klaxon.run(
                    "incident", "declare", "Registry returns <503>", "--severity", "SEV2", "--policy", "platform"
                )
                .status == 0)
            let paged = try await until { !running.pages(of: "bob").isEmpty }
            #expect(paged, "\(running.log)")
            let page = try #require(running.pages(of: "bob").first)
            let ack = try #require(page["actions"]?["acknowledge"]?.stringValue)
            let view = try #require(page["actions"]?["view"]?.stringValue)
            let artifacts = try TestArtifacts.directory("action-links")
            print("action-link screenshots: \(artifacts)")

            let browser = try await HeadlessBrowser.start()
            defer { browser.stop() }
            // The laptop first: the view link, nothing to press.
            let laptop = try await browser.visit(
                url: view, width: 1280, height: 800, screenshot: artifacts + "/view-1280x800.png")
            #expect(
                laptop.page.status == 200 && laptop.page.text.contains("Registry returns <503>"), "\(laptop.page.text)")
            #expect(laptop.page.requests.isEmpty, "\(laptop.page.requests)")
            #expect(laptop.page.messages.isEmpty, "\(laptop.page.messages)")
            #expect(!laptop.page.text.contains("Acknowledge as"))

            let phone = try await browser.visit(
                url: ack, width: 360, height: 740, screenshot: artifacts + "/acknowledge-360x740.png",
                clickFirstButton: true)
            #expect(phone.page.text.contains("Acknowledge INC-1?"), "\(phone.page.text)")
            #expect(phone.page.requests.isEmpty, "the page asked for more: \(phone.page.requests)")
            #expect(phone.page.messages.isEmpty, "\(phone.page.messages)")
            #expect(!phone.page.overflowsHorizontally, "\(phone.page.contentWidth) > \(phone.page.viewportWidth)")
            #expect(phone.page.headers["x-frame-options"] == "DENY")
            let after = try #require(phone.afterClick)
            #expect(after.method == "POST" && after.status == 200, "\(after.method) \(after.status)")
            #expect(after.text.contains("Acknowledged") && after.text.contains("acknowledged by bob"), "\(after.text)")
            #expect(after.requests.isEmpty && !after.overflowsHorizontally)
            let acknowledged = try running.records("INC-1").last { $0.type == "acknowledged" }
            #expect(acknowledged?.actor == "bob" && acknowledged?.data["via"] == "link")
            #expect(FileManager.default.fileExists(atPath: artifacts + "/acknowledge-360x740.png"))
            #expect(
                FileManager.default.fileExists(
                    atPath: HeadlessBrowser.afterClick(artifacts + "/acknowledge-360x740.png")))
        }
    }
}
