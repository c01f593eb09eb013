import Foundation

/// A loopback HTTP proxy in its own process (Python) between a sender and one upstream server on
/// 127.0.0.1, writing down what the upstream answered each request. It tells a test what a sender it
/// cannot question (a real Alertmanager) was answered: the exchange is written before the answer is
/// passed on, so `exchanges` holds at least every answer the sender got. When the upstream cannot be
/// reached or dies mid-request, the sender's connection is closed without an answer, as the upstream's
/// own would be: a network error, which Alertmanager retries.
public final class RecordingProxy: Sendable {
    /// One request passed on, and what came back.
    public struct Exchange: Sendable {
        public var method: String
        public var path: String
        /// The request's body as sent.
        public var body: String
        /// The upstream's status, or 0 when it gave none (refused, reset, closed).
        public var status: Int
        /// The upstream's answer body, or why there was none.
        public var answer: String
    }

    public let port: Int
    private let directory: String
    private let process: Process

    /// `http://127.0.0.1:PORT`.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Passes every request on to 127.0.0.1:`upstreamPort`, whether anything listens there or not.
    public init(directory: String, upstreamPort: Int) throws {
        self.directory = directory
        try String(upstreamPort).write(toFile: directory + "/upstream", atomically: true, encoding: .utf8)
        (process, port) = try PythonServer.start(Self.script, in: directory)
    }

    /// Every exchange so far, in the order the upstream answered.
    public var exchanges: [Exchange] {
        let text = (try? String(contentsOfFile: directory + "/exchanges.jsonl", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                return nil
            }
            return Exchange(
                method: object["method"] as? String ?? "", path: object["path"] as? String ?? "",
                body: object["body"] as? String ?? "", status: object["status"] as? Int ?? 0,
                answer: object["answer"] as? String ?? "")
        }
    }

    public func stop() { PythonServer.stop(process) }

    static let script = #"""
        import http.client, http.server, json, os, sys, threading
        directory = sys.argv[1]
        upstream = int(open(os.path.join(directory, "upstream")).read())
        lock = threading.Lock()
        log = open(os.path.join(directory, "exchanges.jsonl"), "a")
        dropped = ("host", "connection", "content-length", "transfer-encoding", "keep-alive")

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def record(self, body, status, answer):
                with lock:
                    log.write(json.dumps({"method": self.command, "path": self.path, "status": status,
                                          "body": body.decode("utf-8", "replace"), "answer": answer}) + "\n")
                    log.flush()
            def forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k: v for k, v in self.headers.items() if k.lower() not in dropped}
                try:
                    upstream_connection = http.client.HTTPConnection("127.0.0.1", upstream, timeout=60)
                    upstream_connection.request(self.command, self.path, body=body, headers=headers)
                    response = upstream_connection.getresponse()
                    data, status = response.read(), response.status
                    upstream_connection.close()
                except (OSError, http.client.HTTPException) as error:
                    # No answer to pass on: close, as the dead upstream would have.
                    self.record(body, 0, repr(error))
                    self.close_connection = True
                    return
                self.record(body, status, data.decode("utf-8", "replace"))
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            do_GET = do_POST = do_PUT = forward
            def log_message(self, *args): pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        with open(os.path.join(directory, "port.tmp"), "w") as f: f.write(str(server.server_address[1]))
        os.rename(os.path.join(directory, "port.tmp"), os.path.join(directory, "port"))
        server.serve_forever()
        """#
}
