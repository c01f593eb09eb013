import Foundation

/// A loopback server in its own process that misbehaves the ways real endpoints do in an outage, on
/// raw sockets (no HTTP library would let it): `/hang` never answers, `/drip` sends its body a byte
/// every half second, `/endless` streams without end, `/midclose` closes halfway through its body,
/// `/ok` answers at once. It counts the bytes `/endless` managed to send.
public final class HostileServer: Sendable {
    public let port: Int
    private let directory: String
    private let process: Process

    public init(directory: String) throws {
        self.directory = directory
        (process, port) = try PythonServer.start(Self.script, in: directory)
    }

    /// Bytes of body `/endless` has sent, over all its connections.
    public var endlessBytesSent: Int {
        Int(
            (try? String(contentsOfFile: directory + "/endless-bytes", encoding: .utf8))?.trimmingCharacters(
                in: .whitespacesAndNewlines) ?? "") ?? 0
    }

    public func stop() { PythonServer.stop(process) }

    static let script = #"""
        import os, socket, sys, threading, time
        directory = sys.argv[1]
        sent, lock = [0], threading.Lock()

        def serve(conn):
            try:
                request = b""
                while b"\r\n\r\n" not in request:
                    chunk = conn.recv(4096)
                    if not chunk: return
                    request += chunk
                path = request.split(b" ")[1].decode()
                if path == "/hang":
                    time.sleep(3600)
                elif path == "/drip":
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
                    while True:
                        conn.sendall(b"x"); time.sleep(0.5)
                elif path == "/endless":
                    conn.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
                    block = b"y" * 65536
                    while True:
                        conn.sendall(block)
                        with lock:
                            sent[0] += len(block)
                            open(os.path.join(directory, "endless-bytes"), "w").write(str(sent[0]))
                elif path == "/midclose":
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"z" * 10)
                else:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            except OSError:
                pass
            finally:
                conn.close()

        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
        open(os.path.join(directory, "port"), "w").write(str(listener.getsockname()[1]))
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()
        """#
}
