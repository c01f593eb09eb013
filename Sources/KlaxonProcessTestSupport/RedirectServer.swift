import Foundation

/// Loopback listeners that redirect and write down every connection they accept: an HTTP listener on
/// one port of 127.0.0.1, 127.0.0.2 and 127.0.0.3 each, and a listener on 127.0.0.1 that greets like
/// an FTP server. A path in `routes` answers 302 to its location (`{port}` and `{ftp}` in it become
/// the two ports); any other path answers 200 with the body `end`.
public final class RedirectServer: Sendable {
    /// The HTTP port, the same on the three addresses.
    public let port: Int
    public let ftpPort: Int
    private let directory: String
    private let process: Process

    public init(directory: String, routes: [String: String]) throws {
        self.directory = directory
        try JSONSerialization.data(withJSONObject: routes).write(to: URL(fileURLWithPath: directory + "/routes.json"))
        (process, port) = try PythonServer.start(Self.script, in: directory)
        ftpPort = Int((try? String(contentsOfFile: directory + "/ftp-port", encoding: .utf8)) ?? "") ?? 0
    }

    /// One line per accepted connection, in order: the address it reached (`127.0.0.2`, or `ftp` for the
    /// FTP listener), then what came in on it (for HTTP, the request line).
    public var connections: [String] {
        let text = (try? String(contentsOfFile: directory + "/connections.log", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    public func stop() { PythonServer.stop(process) }

    static let script = #"""
        import json, os, socket, sys, threading
        directory = sys.argv[1]
        routes = json.load(open(os.path.join(directory, "routes.json")))
        lock = threading.Lock()
        log = open(os.path.join(directory, "connections.log"), "a")

        def record(line):
            with lock:
                log.write(line + "\n"); log.flush()

        def listen(address, port):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((address, port))
            s.listen(16)
            return s

        def http(conn, address):
            try:
                request = b""
                while b"\r\n\r\n" not in request:
                    chunk = conn.recv(4096)
                    if not chunk: break
                    request += chunk
                line = request.split(b"\r\n")[0].decode("utf-8", "replace")
                record(address + " " + line)
                path = line.split(" ")[1] if len(line.split(" ")) > 1 else "/"
                if path in routes:
                    location = routes[path].replace("{port}", str(port)).replace("{ftp}", str(ftp_port))
                    conn.sendall(("HTTP/1.1 302 Found\r\nLocation: %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n" % location).encode())
                else:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nend")
            except OSError:
                pass
            finally:
                conn.close()

        def ftp(conn):
            try:
                record("ftp connected")
                conn.sendall(b"220 ftp\r\n")
                data = b""
                while True:
                    chunk = conn.recv(4096)
                    if not chunk: break
                    data += chunk
                    for command in data.split(b"\r\n")[:-1]: record("ftp " + command.decode("utf-8", "replace"))
                    data = data.split(b"\r\n")[-1]
                    conn.sendall(b"530 no\r\n")
            except OSError:
                pass
            finally:
                conn.close()

        def serve(listener, handler, *args):
            while True:
                conn, _ = listener.accept()
                threading.Thread(target=handler, args=(conn,) + args, daemon=True).start()

        first = listen("127.0.0.1", 0)
        port = first.getsockname()[1]
        listeners = [(first, "127.0.0.1"), (listen("127.0.0.2", port), "127.0.0.2"), (listen("127.0.0.3", port), "127.0.0.3")]
        ftp_listener = listen("127.0.0.1", 0)
        ftp_port = ftp_listener.getsockname()[1]
        for listener, address in listeners:
            threading.Thread(target=serve, args=(listener, http, address), daemon=True).start()
        threading.Thread(target=serve, args=(ftp_listener, ftp), daemon=True).start()
        with open(os.path.join(directory, "ftp-port"), "w") as f: f.write(str(ftp_port))
        with open(os.path.join(directory, "port.tmp"), "w") as f: f.write(str(port))
        os.rename(os.path.join(directory, "port.tmp"), os.path.join(directory, "port"))
        threading.Event().wait()
        """#
}
