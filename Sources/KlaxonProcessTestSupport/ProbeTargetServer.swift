import Foundation

/// A loopback HTTP server in its own process (Python's http.server) with the endpoints the prober's
/// tests judge: `/healthz` answers 200 `{"status":"UP"}`, `/broken` 500, `/unavailable` 503, `/slow`
/// 200 after 600 ms (`/slow?ms=N`: after N ms), `/hang` never, `/huge` 3 MiB, `/loop` 302 to itself,
/// `/echo` the request's headers (`Name: value`, sorted, one a line), `/NAME` a file given as `files`,
/// anything else 404. It was a FlyingFox server inside the test process, which under the whole
/// suite's load answered late or not at all (a redirect not followed in 20 s, empty bodies).
public final class ProbeTargetServer: Sendable {
    public let port: Int
    private let directory: String
    private let process: Process

    /// `files` by name (no `/`), each served whole at `/NAME`.
    public init(directory: String, files: [String: Data] = [:]) throws {
        self.directory = directory
        let served = directory + "/served"
        try FileManager.default.createDirectory(atPath: served, withIntermediateDirectories: true)
        for (name, data) in files { try data.write(to: URL(fileURLWithPath: served + "/" + name)) }
        (process, port) = try PythonServer.start(Self.script, in: directory)
        guard port > 0 else {
            PythonServer.stop(process)
            throw RealServerError("the probe target server (python3) wrote no port to \(directory)/port within 10 s")
        }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    public var base: String { "http://127.0.0.1:\(port)" }

    /// The most requests `/slow` and `/hang` were answering at once so far: requests sent together
    /// overlap there, whatever the machine's load (a bound on their wall-clock time did not hold).
    public var mostInFlight: Int {
        Int((try? String(contentsOfFile: directory + "/most-in-flight", encoding: .utf8)) ?? "") ?? 0
    }

    public func stop() { PythonServer.stop(process) }

    static let script = #"""
        import http.server, os, sys, threading, time, urllib.parse
        directory = sys.argv[1]
        served = os.path.join(directory, "served")
        lock, flight = threading.Lock(), {"now": 0, "most": 0}

        def publish(name, text):
            # Through a rename, so that the test reads it whole.
            with open(os.path.join(directory, name + ".tmp"), "w") as f: f.write(text)
            os.rename(os.path.join(directory, name + ".tmp"), os.path.join(directory, name))

        def in_flight(change):
            with lock:
                flight["now"] += change
                if flight["now"] > flight["most"]:
                    flight["most"] = flight["now"]
                    publish("most-in-flight", str(flight["most"]))

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def handle(self):
                # A client that hangs up early (the prober stops reading /huge at its cap) is no error.
                try: super().handle()
                except OSError: pass

            def answer(self, status, body=b"", headers=()):
                self.send_response(status)
                for name, value in headers: self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def after(self, seconds, body):
                in_flight(1)
                try: time.sleep(seconds)
                finally: in_flight(-1)
                self.answer(200, body)

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                path, query = url.path, urllib.parse.parse_qs(url.query)
                name = path[1:]
                if path == "/healthz": self.answer(200, b'{"status":"UP"}')
                elif path == "/broken": self.answer(500, b"boom")
                elif path == "/unavailable": self.answer(503, b"unavailable")
                elif path == "/slow": self.after(int(query.get("ms", ["600"])[0]) / 1000, b"late")
                elif path == "/hang": self.after(3600, b"")
                elif path == "/huge": self.answer(200, b"a" * (3 << 20))
                elif path == "/loop": self.answer(302, headers=[("Location", "/loop")])
                elif path == "/echo":
                    lines = sorted("%s: %s" % (k, v) for k, v in self.headers.items())
                    self.answer(200, "\n".join(lines).encode())
                elif name and "/" not in name and os.path.isfile(os.path.join(served, name)):
                    with open(os.path.join(served, name), "rb") as f: self.answer(200, f.read())
                else: self.answer(404)

            def log_message(self, *args): pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 128

        server = Server(("127.0.0.1", 0), Handler)
        publish("port", str(server.server_address[1]))
        server.serve_forever()
        """#
}
