import Foundation
import KlaxonTestSupport
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A real browser for the tests: Debian's `chromium-headless-shell`, started with a fresh profile in a
/// temporary directory and driven through the Chrome DevTools Protocol by a Python script
/// (websocket-client) that runs once per `visit`. Each visit opens a tab in a browser context of its
/// own (no cookies or cache from another visit), with the page's scripts off unless asked for, and
/// reports what a person would see and what the page asked the network for.
///
/// Nothing leaves loopback: a request to any address but loopback goes to a proxy at 127.0.0.1:9,
/// where nothing listens (Chromium sends loopback requests directly), the browser resolves no host
/// name itself but `localhost` (`--host-resolver-rules`), and what a browser fetches of its own accord (first-run
/// pages, component updates, safe-browsing lists, metrics) is switched off. A page's request to
/// another address is still reported in `requests`, and fails.
///
/// The browser and everything it starts form a process group, killed by `stop()` or `deinit`, and by
/// a watchdog process if this test process ends first, however it ended.
public final class HeadlessBrowser: Sendable {
    /// The profile directory the browser was started with (`--user-data-dir`), which names every one of
    /// its processes on their command lines.
    public let userDataDirectory: String
    private let storage: TemporaryDirectory
    private let devTools: String
    /// The browser's pid, which numbers its process group, and the watchdog's, until `stop()`.
    private let processes: Mutex<(browser: pid_t, watchdog: pid_t)?>

    /// The browser of the tests.
    public static let executable = "/usr/bin/chromium-headless-shell"
    /// The Python with Debian's python3-websocket (the `python3` on PATH may be another one).
    static let python = "/usr/bin/python3"

    /// Starts the browser and waits until its DevTools endpoint listens (up to 120 s: under the whole
    /// suite's load on two cores it took 49 s once). Throws what to
    /// install if the browser is missing, or the end of its log if it does not start. The watchdog
    /// kills the browser when the process `owner` ends: this test process (another one only in the
    /// test of the watchdog).
    public init(owner: pid_t = getpid()) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable) else {
            throw RealServerError(
                "\(Self.executable) is not installed; run scripts/setup --tests (it installs Debian's chromium-headless-shell package)"
            )
        }
        storage = TemporaryDirectory("klaxon-browser")
        userDataDirectory = storage.path + "/profile"
        let log = storage.path + "/browser.log"
        try FileManager.default.createDirectory(atPath: userDataDirectory, withIntermediateDirectories: true)
        var arguments = [
            Self.executable, "--user-data-dir=\(userDataDirectory)",
            // The kernel picks the port; the browser writes it to DevToolsActivePort in the profile.
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
            "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-extensions", "--disable-default-apps",
            "--disable-domain-reliability", "--disable-breakpad", "--metrics-recording-only",
            "--proxy-server=127.0.0.1:9",
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
            // No GPU here, and a container's /dev/shm may be too small for the renderer.
            "--disable-gpu", "--disable-dev-shm-usage", "--mute-audio", "--password-store=basic"
        ]
        // Chromium refuses to start as root with its sandbox on (the tests run as root here and in
        // CI); it loads only the tests' own pages on loopback.
        if getuid() == 0 { arguments.append("--no-sandbox") }
        arguments.append("about:blank")
        // The Debian command is a shell script that starts the real binary as its child: only its
        // process group reaches both.
        let browser = try ChildProcess.spawn(arguments, output: log, errors: log, ownProcessGroup: true)
        let watchdog: pid_t
        do {
            watchdog = try ChildProcess.spawn(
                // dash's kill takes no `--`: `-N` after the signal is the group N.
                ["/bin/sh", "-c", "tail --pid=\(owner) -f /dev/null; kill -KILL -\(browser)"],
                output: "/dev/null", errors: "/dev/null", ownProcessGroup: true)
        } catch {
            Self.kill([browser])
            throw error
        }
        processes = Mutex((browser, watchdog))
        var address: String?
        let deadline = Date().addingTimeInterval(120)
        while address == nil && Date() < deadline {
            address = Self.devToolsAddress(in: userDataDirectory)
            if address == nil {
                var status: Int32 = 0
                if waitpid(browser, &status, WNOHANG) == browser { break }
                usleep(50_000)
            }
        }
        guard let address else {
            Self.kill([watchdog, browser])
            let end = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").suffix(2000)
            throw RealServerError(
                "\(Self.executable) did not open its DevTools port within 120 s; the end of its log:\n\(end)")
        }
        devTools = address
    }

    /// Starts the browser as `init` does, on a Dispatch thread: waiting for it on the cooperative pool
    /// (two threads on two cores) would hold up every other test of the process meanwhile.
    public static func start(owner: pid_t = getpid()) async throws -> HeadlessBrowser {
        try await blocking { try HeadlessBrowser(owner: owner) }
    }

    deinit { stop() }

    /// Kills the browser's process group and the watchdog, and waits for them. Safe to call again.
    public func stop() {
        guard
            let (browser, watchdog) = processes.withLock({ running in
                defer { running = nil }
                return running
            })
        else {
            return
        }
        // The watchdog first, so that it never kills the group number of a browser already gone.
        Self.kill([watchdog, browser])
    }

    /// Kills each process group (SIGKILL: a child of the test runner inherits its blocked signals) and
    /// waits for its leader.
    private static func kill(_ groups: [pid_t]) {
        for group in groups {
            Glibc.kill(-group, SIGKILL)
            ChildProcess.wait(group)
        }
    }

    /// `ws://127.0.0.1:PORT/devtools/browser/ID` from the profile's DevToolsActivePort, once written whole.
    private static func devToolsAddress(in profile: String) -> String? {
        guard let text = try? String(contentsOfFile: profile + "/DevToolsActivePort", encoding: .utf8) else {
            return nil
        }
        let lines = text.split(separator: "\n")
        guard lines.count >= 2, let port = Int(lines[0]), port > 0 else { return nil }
        return "ws://127.0.0.1:\(port)\(lines[1])"
    }

    /// Opens `url` in a new tab of `width`×`height` CSS pixels (as a phone, its
    /// `<meta name=viewport>` honoured, when `mobile`, by default below 600 px), waits until it and
    /// everything it asked for have loaded, and says what it shows. With `screenshot`, a PNG of the
    /// viewport is written there (and, after a click, one to the same path with `-after-click` before
    /// its extension). With `clickFirstButton`, the first `<button>` or `<input type=submit>` is
    /// scrolled into view and clicked with the mouse (pressed and released at its centre), and the page
    /// its navigation loads is reported too. `javaScript` false (the default) runs none of the page's
    /// scripts (`Emulation.setScriptExecutionDisabled`), as a browser with scripts off.
    ///
    /// Throws, with what the browser said, when the page or the page after the click does not load
    /// within `timeout` seconds (a bound for a loaded machine), there is no button to click, or the click
    /// starts no navigation.
    public func visit(
        url: String, width: Int, height: Int, mobile: Bool? = nil, screenshot: String? = nil,
        clickFirstButton: Bool = false, javaScript: Bool = false, timeout: Double = 60
    ) async throws -> Visit {
        var job: [String: Any] = [
            "browser": devTools, "url": url, "width": width, "height": height, "mobile": mobile ?? (width < 600),
            "click": clickFirstButton, "javaScript": javaScript, "timeout": timeout
        ]
        if let screenshot {
            (job["screenshot"], job["screenshotAfterClick"]) = (screenshot, Self.afterClick(screenshot))
        }
        let directory = storage.path + "/visit-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try JSONSerialization.data(withJSONObject: job).write(to: URL(fileURLWithPath: directory + "/job.json"))
        try Self.script.write(toFile: directory + "/visit.py", atomically: true, encoding: .utf8)
        let argv = [Self.python, directory + "/visit.py", directory + "/job.json", directory + "/visit.json"]
        let (output, errors) = (directory + "/out", directory + "/err")
        // waitpid blocks: on a Dispatch thread, not the cooperative pool.
        let status = try await blocking {
            ChildProcess.wait(try ChildProcess.spawn(argv, output: output, errors: errors))
        }
        guard status == 0, let result = FileManager.default.contents(atPath: directory + "/visit.json") else {
            let said = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
            throw RealServerError(
                "the headless browser's visit of \(url) failed: \(said.trimmingCharacters(in: .whitespacesAndNewlines))"
            )
        }
        return try JSONDecoder().decode(Visit.self, from: result)
    }

    /// Where the screenshot after the click goes: `shot.png` → `shot-after-click.png`.
    public static func afterClick(_ screenshot: String) -> String {
        let url = URL(fileURLWithPath: screenshot)
        let name = url.deletingPathExtension().lastPathComponent + "-after-click"
        let renamed = url.deletingLastPathComponent().appendingPathComponent(name)
        return (url.pathExtension.isEmpty ? renamed : renamed.appendingPathExtension(url.pathExtension)).path
    }

    /// What a visit saw.
    public struct Visit: Sendable, Decodable {
        /// The page the visit opened.
        public var page: Page
        /// The HTML of the button clicked, when the visit clicked one.
        public var clicked: String?
        /// The page the click's navigation loaded.
        public var afterClick: Page?
    }

    /// One page as loaded in the tab.
    public struct Page: Sendable, Decodable {
        /// The document's address (after any redirect).
        public var url: String
        /// The method of the request that started the navigation: `GET` for a link, the form's method
        /// for a submission (`POST`, also when the server answered with a redirect to a `GET`).
        public var method: String
        /// The HTTP status and headers of the document's response (after any redirect); header names in
        /// lower case, several headers of one name joined by a newline.
        public var status: Int
        public var headers: [String: String]
        /// The text as laid out, read from the DOM without running a script: a line for each block,
        /// white space collapsed; text hidden with `display: none` and the value of an
        /// `<input type=submit>` are not part of it.
        public var text: String
        /// Every URL the page requested other than its document, in order (also those refused by its
        /// Content-Security-Policy, or outside loopback and so failed).
        public var requests: [String]
        /// What the browser's console showed: `LEVEL SOURCE: text` for the browser's own messages
        /// (a resource that failed, a Content-Security-Policy violation: `error security: …`), and
        /// `console.TYPE: …` or `exception: …` from the page's scripts when they run.
        public var messages: [String]
        /// The document's width and the viewport's (the visit's `width`), in CSS pixels. A page
        /// without `<meta name=viewport>` is laid out 980 px wide on a phone, so it overflows there.
        public var contentWidth: Double
        public var viewportWidth: Double
        /// Where its screenshot was written, if one was asked for.
        public var screenshot: String?

        /// Whether the page is wider than the viewport (a phone would scroll sideways).
        public var overflowsHorizontally: Bool { contentWidth > viewportWidth }
    }

    /// Runs one visit: `visit.py JOB RESULT` reads the job (JSON) and writes what it saw (JSON), or
    /// exits non-zero saying why on its standard error.
    static let script = #"""
        import base64, json, sys, time
        try:
            import websocket
        except ImportError:
            sys.exit("Python's websocket-client is not installed for /usr/bin/python3; run scripts/setup --tests "
                     "(it installs Debian's python3-websocket)")

        job = json.load(open(sys.argv[1]))
        deadline = time.monotonic() + job["timeout"]


        class Failure(Exception):
            pass


        def remaining():
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failure("timed out after %ss" % job["timeout"])
            return left


        class Session:
            """One browser context and one tab on the browser's DevTools socket (flat sessions)."""

            def __init__(self, address):
                # Chromium refuses a DevTools socket that sends an Origin header it was not told to allow.
                self.socket = websocket.create_connection(address, timeout=remaining(), suppress_origin=True)
                self.next_id, self.session, self.events = 0, None, []

            def send(self, method, params=None, browser=False):
                self.next_id += 1
                message = {"id": self.next_id, "method": method, "params": params or {}}
                if not browser:
                    message["sessionId"] = self.session
                self.socket.send(json.dumps(message))
                while True:
                    try:
                        reply = self.receive()
                    except Failure as failure:
                        raise Failure("%s while waiting for the answer to %s" % (failure, method))
                    if reply.get("id") == self.next_id:
                        if "error" in reply:
                            raise Failure("%s: %s" % (method, reply["error"].get("message")))
                        return reply["result"]

            def receive(self):
                self.socket.settimeout(remaining())
                try:
                    message = json.loads(self.socket.recv())
                except websocket.WebSocketTimeoutException:
                    raise Failure("timed out after %ss" % job["timeout"])
                if "method" in message and message.get("sessionId") == self.session:
                    self.events.append(message)
                return message

            def wait(self, accept, what, since=0):
                """Waits for an event of this tab that `accept`s, looking at those received since `since` first."""
                seen = since
                while True:
                    while seen < len(self.events):
                        if accept(self.events[seen]):
                            return self.events[seen]
                        seen += 1
                    try:
                        self.receive()
                    except Failure as failure:
                        raise Failure("%s while waiting for %s" % (failure, what))


        def visible_text(session):
            """The text as laid out, read without running a script: DOMSnapshot's boxes of text in document
            order, a line for each block (an element whose display is not inline) that holds some, a space
            where a box wraps or starts after a gap, and runs of white space as one space."""
            snapshot = session.send("DOMSnapshot.captureSnapshot", {"computedStyles": ["display"]})
            strings, document = snapshot["strings"], snapshot["documents"][0]
            parents, layout, boxes = document["nodes"]["parentIndex"], document["layout"], document["textBoxes"]
            display = {node: strings[styles[0]] for node, styles in zip(layout["nodeIndex"], layout["styles"]) if styles}

            def block(node):
                node = parents[node]
                while node != -1 and display.get(node, "contents") in ("inline", "contents"):
                    node = parents[node]
                return node

            lines, line, current, bottom, right = [], "", None, 0, 0
            for layout_index, (x, y, width, height), start, length in zip(
                    boxes["layoutIndex"], boxes["bounds"], boxes["start"], boxes["length"]):
                node = layout["nodeIndex"][layout_index]
                if block(node) != current:
                    lines.append(line)
                    line, current = "", block(node)
                elif y >= bottom - 1 or x > right + 1:
                    line += " "
                line += strings[layout["text"][layout_index]][start:start + length]
                bottom, right = y + height, x + width
            lines.append(line)
            cleaned = (" ".join(line.split()) for line in lines)
            return "\n".join(line for line in cleaned if line)


        def page_facts(session, start, loader, screenshot):
            """What the tab shows once the document of `loader` and everything it asked for have loaded,
            from the events since `start`."""
            session.wait(lambda event: event["method"] == "Page.loadEventFired", "the page's load event", start)
            events = lambda: session.events[start:]
            def outstanding():
                asked = {e["params"]["requestId"] for e in events() if e["method"] == "Network.requestWillBeSent"}
                ended = {e["params"]["requestId"] for e in events()
                         if e["method"] in ("Network.loadingFinished", "Network.loadingFailed")}
                return asked - ended
            while outstanding():
                session.receive()
            document = [e["params"] for e in events()
                        if e["method"] == "Network.requestWillBeSent" and e["params"]["requestId"] == loader]
            failed = [e["params"] for e in events()
                      if e["method"] == "Network.loadingFailed" and e["params"]["requestId"] == loader]
            if failed:
                raise Failure("%s did not load: %s" % (document[0]["request"]["url"], failed[0].get("errorText")))
            responses = [e["params"]["response"] for e in events()
                         if e["method"] == "Network.responseReceived" and e["params"]["requestId"] == loader]
            if not responses:
                raise Failure("%s got no HTTP response" % document[0]["request"]["url"])
            response = responses[-1]
            requests = [e["params"]["request"]["url"] for e in events()
                        if e["method"] == "Network.requestWillBeSent" and e["params"]["requestId"] != loader]
            messages = []
            for event in events():
                params = event["params"]
                if event["method"] == "Log.entryAdded":
                    entry = params["entry"]
                    messages.append("%s %s: %s" % (entry["level"], entry["source"], entry["text"]))
                elif event["method"] == "Runtime.consoleAPICalled":
                    words = [str(a.get("value", a.get("description", ""))) for a in params["args"]]
                    messages.append("console.%s: %s" % (params["type"], " ".join(words)))
                elif event["method"] == "Runtime.exceptionThrown":
                    details = params["exceptionDetails"]
                    messages.append("exception: %s" % details.get("exception", {}).get("description", details["text"]))
            metrics = session.send("Page.getLayoutMetrics")
            if screenshot:
                data = session.send("Page.captureScreenshot", {"format": "png"})["data"]
                with open(screenshot, "wb") as f:
                    f.write(base64.b64decode(data))
            return {
                "url": response["url"], "method": document[0]["request"]["method"], "status": response["status"],
                "headers": {name.lower(): value for name, value in response["headers"].items()},
                "text": visible_text(session), "requests": requests, "messages": messages,
                "contentWidth": metrics["cssContentSize"]["width"],
                "viewportWidth": job["width"], "screenshot": screenshot}


        def click_first_button(session):
            """A real click (pressed and released at the centre of its border box) on the first <button> or
            <input type=submit>, scrolled into view first; returns the button's HTML."""
            root = session.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
            button = session.send("DOM.querySelector", {"nodeId": root, "selector": "button, input[type=submit]"})["nodeId"]
            if not button:
                raise Failure("the page has no <button> or <input type=submit> to click")
            html = session.send("DOM.getOuterHTML", {"nodeId": button})["outerHTML"]
            session.send("DOM.scrollIntoViewIfNeeded", {"nodeId": button})
            quad = session.send("DOM.getBoxModel", {"nodeId": button})["model"]["border"]
            x, y = sum(quad[0::2]) / 4, sum(quad[1::2]) / 4
            session.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})
            for kind in ("mousePressed", "mouseReleased"):
                session.send("Input.dispatchMouseEvent",
                             {"type": kind, "x": x, "y": y, "button": "left", "buttons": 1, "clickCount": 1})
            return html


        def visit(session):
            context = session.send("Target.createBrowserContext", {"disposeOnDetach": True}, browser=True)["browserContextId"]
            target = session.send("Target.createTarget", {"url": "about:blank", "browserContextId": context},
                                  browser=True)["targetId"]
            session.session = session.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                                           browser=True)["sessionId"]
            for domain in ("Page", "Network", "Log", "Runtime"):
                session.send(domain + ".enable")
            session.send("Network.setCacheDisabled", {"cacheDisabled": True})
            session.send("Emulation.setScriptExecutionDisabled", {"value": not job["javaScript"]})
            session.send("Emulation.setDeviceMetricsOverride", {
                "width": job["width"], "height": job["height"], "deviceScaleFactor": 1, "mobile": job["mobile"]})
            start = len(session.events)
            navigation = session.send("Page.navigate", {"url": job["url"]})
            if navigation.get("errorText"):
                raise Failure("%s did not load: %s" % (job["url"], navigation["errorText"]))
            result = {"page": page_facts(session, start, navigation["loaderId"], job.get("screenshot"))}
            if job["click"]:
                start = len(session.events)
                result["clicked"] = click_first_button(session)
                request = session.wait(lambda e: e["method"] == "Network.requestWillBeSent"
                                       and e["params"].get("type") == "Document"
                                       and e["params"]["frameId"] == navigation["frameId"],
                                       "a navigation after the click", start)
                result["afterClick"] = page_facts(
                    session, session.events.index(request), request["params"]["requestId"], job.get("screenshotAfterClick"))
            return result


        try:
            # The tab's browser context goes with this script's DevTools connection (disposeOnDetach).
            result = visit(Session(job["browser"]))
        except Failure as failure:
            sys.exit(str(failure))
        except (OSError, websocket.WebSocketException) as error:
            sys.exit("the browser's DevTools connection failed: %r" % error)
        with open(sys.argv[2], "w") as f:
            json.dump(result, f)
        """#
}
