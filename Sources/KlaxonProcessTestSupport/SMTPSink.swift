import Foundation

/// A local SMTP receiver for tests: a small Python server that speaks enough SMTP (EHLO, MAIL, RCPT,
/// DATA, AUTH PLAIN, QUIT; no STARTTLS) and writes each message it accepts to `directory/N.eml`, and
/// every line a client sent outside a message's data to `directory/commands.log`.
public final class SMTPSink: Sendable {
    public let port: Int
    public let directory: String
    private let process: Process

    public init(directory: String) throws {
        self.directory = directory
        (process, port) = try PythonServer.start(Self.script, in: directory)
    }

    /// The messages received so far, in order.
    public var messages: [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter {
            $0.hasSuffix(".eml")
        }
        return names.sorted { Int($0.dropLast(4))! < Int($1.dropLast(4))! }
            .compactMap { try? String(contentsOfFile: directory + "/" + $0, encoding: .utf8) }
    }

    /// Every line clients sent so far outside DATA (commands, and what answered an AUTH challenge), in order.
    public var commands: [String] {
        let text = (try? String(contentsOfFile: directory + "/commands.log", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    public func stop() { PythonServer.stop(process) }

    static let script = #"""
        import socketserver, sys, os, itertools
        directory = sys.argv[1]
        port_file = os.path.join(directory, "port")
        counter = itertools.count(1)
        log = open(os.path.join(directory, "commands.log"), "a")

        class Session(socketserver.StreamRequestHandler):
            def reply(self, line):
                self.wfile.write((line + "\r\n").encode()); self.wfile.flush()
            def handle(self):
                self.reply("220 sink ESMTP")
                sender, recipients = None, []
                while True:
                    line = self.rfile.readline()
                    if not line: return
                    command = line.decode("utf-8", "replace").strip()
                    log.write(command + "\n"); log.flush()
                    verb = command.split(" ")[0].upper()
                    if verb in ("EHLO", "HELO"): self.reply("250-sink\r\n250-AUTH PLAIN\r\n250 8BITMIME")
                    elif verb == "MAIL": sender = command[10:]; self.reply("250 ok")
                    elif verb == "RCPT": recipients.append(command[8:]); self.reply("250 ok")
                    elif verb == "DATA":
                        self.reply("354 go ahead")
                        data = b""
                        while True:
                            chunk = self.rfile.readline()
                            if not chunk or chunk == b".\r\n": break
                            data += chunk
                        n = next(counter)
                        with open(os.path.join(directory, "%d.tmp" % n), "wb") as f:
                            f.write(("X-Envelope-From: %s\r\nX-Envelope-To: %s\r\n" % (sender, ",".join(recipients))).encode() + data)
                        os.rename(os.path.join(directory, "%d.tmp" % n), os.path.join(directory, "%d.eml" % n))
                        self.reply("250 queued")
                    elif verb == "QUIT": self.reply("221 bye"); return
                    elif verb == "STARTTLS": self.reply("454 TLS not available")
                    elif verb == "AUTH":
                        # Accepts any credentials: what matters to the tests is whether they were sent at all.
                        if len(command.split(" ")) < 3:
                            self.reply("334 ")
                            answer = self.rfile.readline().decode("utf-8", "replace").strip()
                            log.write(answer + "\n"); log.flush()
                        self.reply("235 ok")
                    else: self.reply("250 ok")

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        with Server(("127.0.0.1", 0), Session) as server:
            with open(port_file + ".tmp", "w") as f: f.write(str(server.server_address[1]))
            os.rename(port_file + ".tmp", port_file)
            server.serve_forever()
        """#
}
