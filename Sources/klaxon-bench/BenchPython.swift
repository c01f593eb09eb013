import Foundation

/// The benchmarks' Python helpers (a loopback server, load clients), each in a process of its own so
/// that its work is not counted as Klaxon's.
enum BenchPython {
    /// A loopback HTTP/1.1 server with keep-alive that answers 200 to everything and counts the requests
    /// per path (`GET /counts` gives them): the checks' target and the pages' webhook. It prints its port.
    static let countingServer = """
        import http.server, socketserver, sys, threading, json
        counts, lock = {}, threading.Lock()
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                if length: self.rfile.read(length)
                path = self.path.split("?")[0]
                if path == "/counts":
                    with lock: body = json.dumps(counts).encode()
                else:
                    with lock: counts[path] = counts.get(path, 0) + 1
                    body = b"ok"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            do_GET = answer
            do_POST = answer
            def log_message(self, *args):
                pass
        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            request_queue_size = 1024
        server = Server(("127.0.0.1", 0), Handler)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """

    /// Runs `script` (written to ROOT/NAME) with `arguments`; its standard output is the pipe returned.
    static func start(_ script: String, _ arguments: [String], root: String, name: String) throws -> (Process, Pipe) {
        let path = root + "/" + name
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        return (process, pipe)
    }

    /// The first line `pipe` gives (a server's port), trimmed.
    static func firstLine(_ pipe: Pipe) -> String {
        var text = ""
        while !text.contains("\n") {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
