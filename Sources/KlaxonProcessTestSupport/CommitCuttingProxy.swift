import Foundation
import KlaxonTestSupport

/// A TCP proxy on 127.0.0.1 in front of a PostgreSQL server that cuts one connection at its first
/// COMMIT, as a network that fails mid-commit would: `.afterCommit` passes the COMMIT on, lets the server
/// commit, and closes both sides before the client hears the answer (the outcome is unknown to it, yet
/// the transaction is in); `.beforeCommit` closes both sides without passing it on (the server rolls the
/// transaction back). Every other connection, and every later one, is passed through untouched, unless
/// `thenGone`: the proxy then exits at the cut, so the client's reconnection is refused (the network
/// gone with the answer). The client must speak without TLS (`sslmode=disable`) so the proxy can see
/// the COMMIT.
public final class CommitCuttingProxy: Sendable {
    public enum Cut: String, Sendable, CaseIterable {
        case afterCommit = "after"
        case beforeCommit = "before"
    }

    public let port: Int
    private let directory: String
    private let process: Process
    private let storage: TemporaryDirectory

    /// Starts the proxy in front of the server on 127.0.0.1:`target`.
    public init(target: Int, cut: Cut, thenGone: Bool = false) throws {
        storage = TemporaryDirectory("klaxon-commit-proxy")
        directory = storage.path
        try String(target).write(toFile: directory + "/target", atomically: true, encoding: .utf8)
        try cut.rawValue.write(toFile: directory + "/mode", atomically: true, encoding: .utf8)
        if thenGone { try "".write(toFile: directory + "/gone", atomically: true, encoding: .utf8) }
        (process, port) = try PythonServer.start(Self.script, in: directory)
    }

    /// Whether a connection was cut at its COMMIT.
    public var didCut: Bool { FileManager.default.fileExists(atPath: directory + "/cut") }

    public func stop() { PythonServer.stop(process) }

    static let script = #"""
        import os, socket, sys, threading, time
        directory = sys.argv[1]
        target = int(open(os.path.join(directory, "target")).read())
        mode = open(os.path.join(directory, "mode")).read().strip()
        gone = os.path.exists(os.path.join(directory, "gone"))
        armed, lock = [True], threading.Lock()

        def close(*sockets):
            for s in sockets:
                try: s.shutdown(socket.SHUT_RDWR)
                except OSError: pass
                s.close()

        def upstream(client, server, cutting):
            try:
                while True:
                    data = client.recv(65536)
                    if not data: break
                    # An extended-protocol Parse or a simple Query of the statement COMMIT.
                    if b"COMMIT\x00" in data:
                        with lock:
                            cut, armed[0] = armed[0], False
                        if cut:
                            cutting.set()  # the server's answer is never passed on
                            if mode == "after":
                                server.sendall(data)
                                time.sleep(0.5)
                            open(os.path.join(directory, "cut"), "w").write(mode)
                            if gone: os._exit(0)
                            break
                    server.sendall(data)
            except OSError:
                pass
            close(client, server)

        def downstream(server, client, cutting):
            try:
                while True:
                    data = server.recv(65536)
                    if not data or cutting.is_set(): break
                    client.sendall(data)
            except OSError:
                pass

        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        open(os.path.join(directory, "port.tmp"), "w").write(str(listener.getsockname()[1]))
        os.rename(os.path.join(directory, "port.tmp"), os.path.join(directory, "port"))
        while True:
            client, _ = listener.accept()
            server = socket.create_connection(("127.0.0.1", target))
            cutting = threading.Event()
            threading.Thread(target=upstream, args=(client, server, cutting), daemon=True).start()
            threading.Thread(target=downstream, args=(server, client, cutting), daemon=True).start()
        """#
}
