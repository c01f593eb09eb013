import Foundation

/// A loopback HTTP server in its own process (Python's http.server) that answers by path and writes
/// down every request. The process tests talk to it instead of an in-process server: those ran on the
/// test runner's cooperative threads and, when other tests blocked them, answered nothing for seconds.
public final class HTTPReceiver: Sendable {
    /// How one path answers: `statuses` in turn (the last one repeats), with `body` and `headers`; a
    /// request without every header of `requires` (names in lower case, values exact) is answered 401.
    /// A route that `echoes` answers `{"status": "UP", "headers": {…}}` with the headers it received
    /// (names in lower case), as a careless service that quotes the credentials it was sent.
    public struct Route: Sendable {
        public var statuses: [Int]
        public var body: String
        public var headers: [String: String]
        public var requires: [String: String]
        public var echoes: Bool
        public init(
            _ statuses: [Int] = [200], body: String = "", headers: [String: String] = [:],
            requires: [String: String] = [:],
            echoes: Bool = false
        ) {
            self.statuses = statuses
            self.body = body
            self.headers = headers
            self.requires = requires
            self.echoes = echoes
        }
    }

    /// A request as received.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        /// Header names in lower case.
        public var headers: [String: String]
        public var body: String
    }

    public let port: Int
    private let directory: String
    private let process: Process

    /// `routes` by exact path; a key ending in `*` matches by prefix. Unknown paths answer 404.
    public init(directory: String, routes: [String: Route]) throws {
        self.directory = directory
        let config = routes.mapValues {
            [
                "statuses": $0.statuses as Any, "body": $0.body, "headers": $0.headers, "requires": $0.requires,
                "echoes": $0.echoes
            ]
        }
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: directory + "/routes.json"))
        (process, port) = try PythonServer.start(Self.script, in: directory)
    }

    /// Every request so far, in order of arrival.
    public var requests: [Request] {
        let text = (try? String(contentsOfFile: directory + "/requests.jsonl", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                return nil
            }
            return Request(
                method: object["method"] as? String ?? "", path: object["path"] as? String ?? "",
                headers: object["headers"] as? [String: String] ?? [:], body: object["body"] as? String ?? "")
        }
    }

    public func stop() { PythonServer.stop(process) }

    static let script = #"""
        import http.server, json, os, sys, threading
        directory = sys.argv[1]
        routes = json.load(open(os.path.join(directory, "routes.json")))
        counts, lock = {}, threading.Lock()
        log = open(os.path.join(directory, "requests.jsonl"), "a")

        def route(path):
            if path in routes: return path, routes[path]
            for key, value in routes.items():
                if key.endswith("*") and path.startswith(key[:-1]): return key, value
            return None, None

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
                key, config = route(self.path)
                with lock:
                    log.write(json.dumps({"method": self.command, "path": self.path, "body": body,
                                          "headers": {k.lower(): v for k, v in self.headers.items()}}) + "\n")
                    log.flush()
                    n = counts.get(key, 0); counts[key] = n + 1
                received = {k.lower(): v for k, v in self.headers.items()}
                if config is None:
                    status, text = 404, ""
                elif any(received.get(k) != v for k, v in config.get("requires", {}).items()):
                    status, text = 401, "credentials required"
                else:
                    statuses = config["statuses"]
                    status, text = statuses[min(n, len(statuses) - 1)], config["body"]
                    if config.get("echoes"): text = json.dumps({"status": "UP", "headers": received})
                data = text.encode()
                self.send_response(status)
                for k, v in ((config or {}).get("headers") or {}).items():
                    if status != 401: self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            do_GET = do_POST = do_PUT = answer
            def log_message(self, *args): pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        with open(os.path.join(directory, "port.tmp"), "w") as f: f.write(str(server.server_address[1]))
        os.rename(os.path.join(directory, "port.tmp"), os.path.join(directory, "port"))
        server.serve_forever()
        """#
}

/// Starts the small Python servers of the tests: `script` runs with `directory` as its argument and
/// writes the port it listens on to `directory/port` (through a rename, so it is read whole).
enum PythonServer {
    static func start(_ script: String, in directory: String) throws -> (Process, Int) {
        let path = directory + "/server.py"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", path, directory]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var port = 0
        for _ in 0..<400 where port == 0 {
            port = Int((try? String(contentsOfFile: directory + "/port", encoding: .utf8)) ?? "") ?? 0
            if port == 0 { usleep(25_000) }
        }
        return (process, port)
    }

    /// SIGKILL: a child of the test runner inherits its blocked signals and may ignore SIGTERM.
    static func stop(_ process: Process) {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
