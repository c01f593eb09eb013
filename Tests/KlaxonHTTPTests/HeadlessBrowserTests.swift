import Foundation
import KlaxonProcessTestSupport
import KlaxonTestSupport
import Testing

/// The headless browser the action-link tests use, against pages a loopback server serves: what it
/// reports (text, requests, the click's POST, overflow, screenshots) is what the page does, and each
/// fact it reports can be seen to change when the page changes. Serialized: one browser at a time on
/// the tests' two cores.
@Suite(.serialized)
struct HeadlessBrowserTests {
    static let html = ["Content-Type": "text/html; charset=utf-8"]
    static let phone = "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"

    /// An HTML page of `body`, laid out for phones.
    static func page(_ body: String, head: String = "") -> String {
        "<!doctype html><html><head><meta charset=\"utf-8\">\(phone)\(head)<title>t</title></head><body>\(body)</body></html>"
    }

    @Test func aRealClickPostsTheFormAndShowsTheNextPageAtBothSizes() async throws {
        let directory = TemporaryDirectory("browser")
        let incident = Self.page(
            """
            <h1>INC-7 <b>registry</b> 503</h1><p>SEV2, paging bob</p><p style="display:none">hidden words</p>
            <form method="post" action="/ack"><input type="hidden" name="token" value="abc"><button>Acknowledge</button></form>
            """)
        let server = try HTTPReceiver(
            directory: directory.path,
            routes: [
                "/incident": .init(body: incident, headers: Self.html.merging(["X-Frame-Options": "DENY"]) { $1 }),
                "/ack": .init(body: Self.page("<p>Acknowledged by bob</p>"), headers: Self.html)
            ])
        defer { server.stop() }
        let browser = try await HeadlessBrowser.start()
        defer { browser.stop() }
        let artifacts = try TestArtifacts.directory("HeadlessBrowserTests/aRealClick")
        for (width, height) in [(360, 740), (1280, 800)] {
            let shot = artifacts + "/incident-\(width)x\(height).png"
            let visit = try await browser.visit(
                url: "http://127.0.0.1:\(server.port)/incident", width: width, height: height, screenshot: shot,
                clickFirstButton: true)
            #expect(visit.page.status == 200 && visit.page.method == "GET")
            #expect(visit.page.headers["x-frame-options"] == "DENY", "\(visit.page.headers)")
            #expect(visit.page.text == "INC-7 registry 503\nSEV2, paging bob\nAcknowledge", "\(visit.page.text)")
            #expect(visit.page.requests.isEmpty && !visit.page.overflowsHorizontally)
            #expect(visit.clicked == "<button>Acknowledge</button>")
            let after = try #require(visit.afterClick)
            #expect(after.method == "POST" && after.status == 200 && after.url.hasSuffix("/ack"), "\(after)")
            #expect(after.text == "Acknowledged by bob" && after.requests.isEmpty, "\(after)")
            #expect(try pngSize(shot) == [width, height])
            #expect(try pngSize(HeadlessBrowser.afterClick(shot)) == [width, height])
        }
        // The server saw the page and the form's POST (with its field), twice, and nothing else.
        let requests = server.requests
        #expect(
            requests.map { "\($0.method) \($0.path)" }
                == Array(repeating: ["GET /incident", "POST /ack"], count: 2).flatMap { $0 })
        #expect(requests.filter { $0.method == "POST" }.allSatisfy { $0.body == "token=abc" }, "\(requests)")
    }

    @Test func theClickReportsTheFormsMethodAlsoThroughARedirect() async throws {
        let directory = TemporaryDirectory("browser")
        let form = { (method: String, action: String) in
            Self.page(
                "<form method=\"\(method)\" action=\"\(action)\"><input type=\"hidden\" name=\"token\" value=\"abc\"><button>Go</button></form>"
            )
        }
        let server = try HTTPReceiver(
            directory: directory.path,
            routes: [
                "/post-then-redirect": .init(body: form("post", "/moved"), headers: Self.html),
                "/get-form": .init(body: form("get", "/done"), headers: Self.html),
                "/moved": .init([303], headers: ["Location": "/done"]),
                "/done*": .init(body: Self.page("<p>Done</p>"), headers: Self.html)
            ])
        defer { server.stop() }
        let browser = try await HeadlessBrowser.start()
        defer { browser.stop() }
        let base = "http://127.0.0.1:\(server.port)"
        let redirected = try #require(
            try await browser.visit(url: base + "/post-then-redirect", width: 360, height: 740, clickFirstButton: true)
                .afterClick)
        #expect(
            redirected.method == "POST" && redirected.url == base + "/done" && redirected.status == 200, "\(redirected)"
        )
        #expect(redirected.text == "Done" && redirected.requests.isEmpty, "\(redirected)")
        let got = try #require(
            try await browser.visit(url: base + "/get-form", width: 360, height: 740, clickFirstButton: true).afterClick
        )
        #expect(got.method == "GET" && got.url == base + "/done?token=abc", "\(got)")
        #expect(
            server.requests.map { "\($0.method) \($0.path)" }
                == ["GET /post-then-redirect", "POST /moved", "GET /done", "GET /get-form", "GET /done?token=abc"])
    }

    @Test func anImageAndAStylesheetAreReportedAsRequestsAndACSPRefusalAsAMessage() async throws {
        let directory = TemporaryDirectory("browser")
        let body = "<p>with resources</p><img src=\"/logo.png\" alt=\"logo\">"
        let server = try HTTPReceiver(
            directory: directory.path,
            routes: [
                "/loads": .init(
                    body: Self.page(body, head: "<link rel=\"stylesheet\" href=\"/style.css\">"), headers: Self.html),
                "/refuses": .init(
                    body: Self.page(body),
                    headers: Self.html.merging(["Content-Security-Policy": "default-src 'none'"]) { $1 }),
                "/style.css": .init(body: "p { color: #222 }", headers: ["Content-Type": "text/css"]),
                "/logo.png": .init([404])
            ])
        defer { server.stop() }
        let browser = try await HeadlessBrowser.start()
        defer { browser.stop() }
        let base = "http://127.0.0.1:\(server.port)"
        let loads = try await browser.visit(url: base + "/loads", width: 360, height: 740).page
        #expect(loads.requests.sorted() == [base + "/logo.png", base + "/style.css"], "\(loads.requests)")
        #expect(!loads.messages.contains { $0.contains("Content Security Policy") }, "\(loads.messages)")
        let refuses = try await browser.visit(url: base + "/refuses", width: 360, height: 740).page
        #expect(refuses.requests == [base + "/logo.png"], "\(refuses.requests)")
        #expect(
            refuses.messages.contains { $0.hasPrefix("error security:") && $0.contains("Content Security Policy") },
            "\(refuses.messages)")
        #expect(refuses.headers["content-security-policy"] == "default-src 'none'")
        // The refused image never reached the server.
        #expect(server.requests.filter { $0.path == "/logo.png" }.count == 1, "\(server.requests.map(\.path))")
    }

    @Test func aScriptDoesNotRunUnlessAskedFor() async throws {
        let directory = TemporaryDirectory("browser")
        let body = """
            <p id="said">Static text</p><noscript><p>Works without script</p></noscript>
            <script>
            document.getElementById("said").textContent = "Changed by script";
            new Image().src = "/from-script.png";
            console.log("script ran");
            </script>
            """
        let server = try HTTPReceiver(
            directory: directory.path,
            routes: ["/scripted": .init(body: Self.page(body), headers: Self.html), "/from-script.png": .init([404])])
        defer { server.stop() }
        let browser = try await HeadlessBrowser.start()
        defer { browser.stop() }
        let url = "http://127.0.0.1:\(server.port)/scripted"
        let off = try await browser.visit(url: url, width: 360, height: 740).page
        #expect(off.text == "Static text\nWorks without script", "\(off.text)")
        #expect(off.requests.isEmpty && off.messages.isEmpty, "\(off)")
        // The same page with scripts on: each of those facts changes.
        let on = try await browser.visit(url: url, width: 360, height: 740, javaScript: true).page
        #expect(on.text == "Changed by script", "\(on.text)")
        #expect(on.requests == ["http://127.0.0.1:\(server.port)/from-script.png"], "\(on.requests)")
        #expect(on.messages.contains("console.log: script ran"), "\(on.messages)")
    }

    @Test func aPageWiderThanAPhoneOverflowsThere() async throws {
        let directory = TemporaryDirectory("browser")
        let server = try HTTPReceiver(
            directory: directory.path,
            routes: [
                "/wide": .init(body: Self.page("<div style=\"width:600px\">a wide table</div>"), headers: Self.html),
                "/unscaled": .init(body: "<!doctype html><p>no viewport meta</p>", headers: Self.html)
            ])
        defer { server.stop() }
        let browser = try await HeadlessBrowser.start()
        defer { browser.stop() }
        let base = "http://127.0.0.1:\(server.port)"
        let phone = try await browser.visit(url: base + "/wide", width: 360, height: 740).page
        #expect(phone.overflowsHorizontally && phone.contentWidth >= 600 && phone.viewportWidth == 360, "\(phone)")
        let desktop = try await browser.visit(url: base + "/wide", width: 1280, height: 800).page
        #expect(!desktop.overflowsHorizontally, "\(desktop)")
        // Without the viewport meta tag a phone lays the page out 980 px wide.
        let unscaled = try await browser.visit(url: base + "/unscaled", width: 360, height: 740).page
        #expect(unscaled.overflowsHorizontally && unscaled.contentWidth == 980, "\(unscaled)")
    }

    @Test func localhostIsLoopbackTooAndOtherNamesGoNowhere() async throws {
        let directory = TemporaryDirectory("browser")
        let server = try HTTPReceiver(
            directory: directory.path,
            routes: [
                "/named": .init(
                    body: Self.page("<p>by name</p><img src=\"http://klaxon.invalid/x.png\">"), headers: Self.html)
            ])
        defer { server.stop() }
        let browser = try await HeadlessBrowser.start()
        defer { browser.stop() }
        let page = try await browser.visit(url: "http://localhost:\(server.port)/named", width: 360, height: 740).page
        #expect(page.status == 200 && page.text == "by name", "\(page)")
        // The other name is asked for, and fails at the proxy that is not there.
        #expect(page.requests == ["http://klaxon.invalid/x.png"], "\(page.requests)")
        #expect(page.messages.contains { $0.contains("ERR_PROXY_CONNECTION_FAILED") }, "\(page.messages)")
    }

    @Test func aPageThatDoesNotLoadOrHasNoButtonIsAnErrorThatSaysSo() async throws {
        let directory = TemporaryDirectory("browser")
        let server = try HTTPReceiver(
            directory: directory.path,
            routes: ["/plain": .init(body: Self.page("<p>no button</p>"), headers: Self.html)])
        defer { server.stop() }
        let browser = try await HeadlessBrowser.start()
        defer { browser.stop() }
        let plain = "http://127.0.0.1:\(server.port)/plain"
        let noButton = await #expect(throws: RealServerError.self) {
            try await browser.visit(url: plain, width: 360, height: 740, clickFirstButton: true)
        }
        #expect(
            noButton?.description.contains("has no <button> or <input type=submit> to click") == true, "\(noButton!)")
        server.stop()
        let refused = await #expect(throws: RealServerError.self) {
            try await browser.visit(url: plain, width: 360, height: 740)
        }
        #expect(
            refused?.description.contains("\(plain) did not load: net::ERR_CONNECTION_REFUSED") == true, "\(refused!)")
    }

    @Test func stoppingTheBrowserLeavesNoProcessOfIt() async throws {
        let directory = TemporaryDirectory("browser")
        let server = try HTTPReceiver(
            directory: directory.path, routes: ["/": .init(body: Self.page("<p>hello</p>"), headers: Self.html)])
        defer { server.stop() }
        let browser = try await HeadlessBrowser.start()
        _ = try await browser.visit(url: "http://127.0.0.1:\(server.port)/", width: 360, height: 740)
        let profile = browser.userDataDirectory
        #expect(processes(naming: profile).count >= 2, "the browser runs as several processes")
        browser.stop()
        #expect(processes(naming: profile).isEmpty, "\(processes(naming: profile))")
    }

    @Test func theBrowserIsKilledWhenItsOwnerProcessEndsWithoutStoppingIt() async throws {
        let owner = Process()
        owner.executableURL = URL(fileURLWithPath: "/bin/sleep")
        owner.arguments = ["600"]
        try owner.run()
        let browser = try await HeadlessBrowser.start(owner: owner.processIdentifier)
        defer { browser.stop() }
        let profile = browser.userDataDirectory
        #expect(processes(naming: profile).count >= 2)
        kill(owner.processIdentifier, SIGKILL)
        owner.waitUntilExit()
        // The watchdog looks once a second (tail --pid); 30 s is only the bound of a loaded machine.
        for _ in 0..<300 where !processes(naming: profile).isEmpty { try await Task.sleep(for: .milliseconds(100)) }
        #expect(processes(naming: profile).isEmpty, "\(processes(naming: profile))")
    }

    /// The pids of the processes whose command line holds `text`.
    func processes(naming text: String) -> [String] {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return pids.filter { pid in
            guard Int(pid) != nil, let line = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else {
                return false
            }
            return String(decoding: line, as: UTF8.self).contains(text)
        }
    }

    /// The width and height in a PNG's IHDR chunk (after its 8-byte signature and the chunk's length and type).
    func pngSize(_ path: String) throws -> [Int] {
        let bytes = try #require(FileManager.default.contents(atPath: path), "no screenshot at \(path)")
        try #require(bytes.count > 24 && bytes.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        try #require(bytes[12..<16] == Data("IHDR".utf8))
        let number = { (at: Int) in bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        return [number(16), number(20)]
    }
}
