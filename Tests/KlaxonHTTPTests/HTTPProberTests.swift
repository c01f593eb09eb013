import Foundation
import KlaxonCore
import KlaxonHTTP
import KlaxonProcessTestSupport
import KlaxonTestSupport
import Synchronization
import Testing

/// The reports a poller delivers, from its threads.
final class Reports: Sendable {
    private let items = Mutex<[StatusPoller.Report]>([])
    func add(_ r: StatusPoller.Report) { items.withLock { $0.append(r) } }
    var all: [StatusPoller.Report] { items.withLock { $0 } }
}

/// One round of probes against a loopback server that serves the recorded payloads and misbehaves on
/// purpose. The server runs in a process of its own: inside the test process it shared the threads of
/// hundreds of busy tests and answered late or not at all.
struct HTTPProberTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/fixtures")

    /// The endpoints of `ProbeTargetServer`, with the recorded Statuspage payload at `/summary.json`.
    static func server(_ dir: TemporaryDirectory) throws -> ProbeTargetServer {
        let summary = try Data(contentsOf: fixtures.appendingPathComponent("statuspage_summary_github.json"))
        return try ProbeTargetServer(directory: dir.path, files: ["summary.json": summary])
    }

    @Test func oneRoundJudgesEveryKindOfEndpointWithoutOneDelayingTheOthers() async throws {
        let dir = TemporaryDirectory()
        let server = try Self.server(dir)
        defer { server.stop() }
        // Generous timeouts (the loopback server shares two cores with the whole test suite), except
        // for the endpoint that hangs.
        let requests =
            ["/healthz", "/broken", "/slow", "/hang", "/huge", "/loop", "/summary.json"].map {
                ProbeRequest(url: server.base + $0, timeoutSeconds: $0 == "/hang" ? 2 : 20)
            } + [ProbeRequest(url: "http://127.0.0.1:1/", timeoutSeconds: 20)]
        let responses = try await blocking { HTTPProber.round(requests) }
        #expect(
            responses[0].statusCode == 200
                && String(decoding: responses[0].body, as: UTF8.self) == #"{"status":"UP"}"#)
        #expect(responses[0].phases.total > 0 && responses[0].phases.connect <= responses[0].phases.total)
        #expect(responses[1].statusCode == 500)
        #expect(responses[2].statusCode == 200 && responses[2].phases.total >= 550, "\(responses[2])")
        #expect(
            responses[3].statusCode == nil && responses[3].error?.contains("timed out") == true, "\(responses[3])")
        #expect(responses[4].statusCode == 200 && responses[4].truncated && responses[4].body.count == 1 << 20)
        #expect(responses[5].error?.contains("redirect") == true, "\(responses[5])")
        let reading = try StatusPayloads.statuspage(responses[6].body)
        #expect(reading.observation.verdict == .degraded)
        #expect(responses[7].statusCode == nil && responses[7].error != nil)
        // All at once, not one after another: the slow and the hanging endpoint were answering together.
        #expect(server.mostInFlight >= 2, "at most \(server.mostInFlight) request in flight")
    }

    /// Issue 19, point 10: a service that quotes the credentials it was sent. The body the check's
    /// detail shows (and everything judged from it) holds `[secret]` for each secret of the request: a
    /// bearer token, a header's secret, a basic-auth password and its base64 pair, a URL's password
    /// (as written and as libcurl decodes it) and its base64 pair.
    @Test func theResponseHoldsNoSecretTheRequestSent() async throws {
        let dir = TemporaryDirectory()
        let server = try Self.server(dir)
        defer { server.stop() }
        let base = server.base
        let token = "tok-" + UUID().uuidString
        let key = "key-" + UUID().uuidString
        let password = "pw-" + UUID().uuidString
        var bearer = CheckDefinition(name: "bearer", url: base + "/echo")
        bearer.credentials.bearerToken = .environment("TOKEN")
        bearer.credentials.headers = [.init(name: "X-Api-Key", value: .secret(.environment("KEY")))]
        var basic = CheckDefinition(name: "basic", url: base + "/echo")
        basic.credentials.basicAuth = .init(username: .plain("svc"), password: .environment("PASSWORD"))
        // A password with characters a URL must percent-encode: libcurl sends it decoded.
        let urlPassword = "u@pw:" + UUID().uuidString
        let encoded = urlPassword.replacingOccurrences(of: "@", with: "%40").replacingOccurrences(
            of: ":", with: "%3A")
        let userinfo = CheckDefinition(
            name: "userinfo", url: base.replacingOccurrences(of: "://", with: "://svc:\(encoded)@") + "/echo")
        let values = ["TOKEN": token, "KEY": key, "PASSWORD": password]
        let requests = [bearer, basic, userinfo].flatMap { check in
            ProbeRequest.poll(
                check,
                resolve: { reference throws(KlaxonError) in
                    guard case .environment(let name) = reference, let value = values[name] else {
                        throw .badInput("no \(reference)")
                    }
                    return value
                })
        }
        let responses = try await blocking { HTTPProber.round(requests) }
        let bodies = responses.map { String(decoding: $0.body, as: UTF8.self) }
        #expect(responses.allSatisfy { $0.statusCode == 200 }, "\(responses)")
        #expect(
            bodies[0].contains("Authorization: Bearer [secret]") && bodies[0].contains("X-Api-Key: [secret]"),
            "\(bodies[0])")
        #expect(bodies[1].contains("Authorization: Basic [secret]"), "\(bodies[1])")
        #expect(bodies[2].contains("Authorization: Basic [secret]"), "\(bodies[2])")
        let sent = [
            token, key, password, urlPassword, encoded, Data("svc:\(password)".utf8).base64EncodedString(),
            Data("svc:\(urlPassword)".utf8).base64EncodedString()
        ]
        for body in bodies {
            for secret in sent { #expect(!body.contains(secret), "\(secret) in \(body)") }
        }
    }

    @Test func certificateDatesAsOpenSSLWritesThem() {
        #expect(CertificateDate.parse("Jan  1 00:00:00 2027 GMT") == Timestamp.parseRFC3339("2027-01-01T00:00:00Z"))
        #expect(CertificateDate.parse("Nov 22 18:30:05 2026 GMT") == Timestamp.parseRFC3339("2026-11-22T18:30:05Z"))
        #expect(CertificateDate.parse("garbage") == nil)
        #expect(CertificateDate.parse("Feb 30 00:00:00 2026 GMT") == nil)
    }
}

/// The tests that hold the poller to its schedule run one at a time: each loads the machine enough to
/// make another's polls late (they run in parallel with everything else still).
@Suite(.serialized) enum PollerTiming {}

extension PollerTiming {
    struct StatusPollerTests {
        /// Two checks at a 1 s interval and one whose endpoint takes a minute to answer: the fast ones keep
        /// their schedule while the slow one is out. (Waits are for conditions, not fixed times: the loopback
        /// server shares the two cores with the whole test suite.)
        @Test func checksKeepTheirScheduleWhileAnotherIsSlow() async throws {
            let dir = TemporaryDirectory()
            let server = try ProbeTargetServer(directory: dir.path)
            defer { server.stop() }
            func check(_ name: String, _ path: String) -> CheckDefinition {
                var c = CheckDefinition(name: name, url: server.base + path)
                c.intervalSeconds = name == "slow" ? 90 : 1
                c.timeoutSeconds = name == "slow" ? 90 : 10
                if name == "broken" { c.failureThreshold = 2 }
                return c
            }
            let reports = Reports()
            let poller = StatusPoller(
                checks: [check("ok", "/healthz"), check("broken", "/unavailable"), check("slow", "/slow?ms=60000")],
                maintenance: [], clock: { Timestamp(Date()) }, deliver: reports.add)
            poller.start()
            for _ in 0..<300 {
                let all = reports.all
                if all.filter({ $0.check.name == "ok" && $0.state == .up }).count >= 3
                    && all.filter({ $0.check.name == "broken" }).count >= 2
                {
                    break
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            poller.stop()
            let all = reports.all
            let ok = all.filter { $0.check.name == "ok" }
            // Several polls of the fast check, each started on time, while the slow one was still out.
            #expect(ok.filter { $0.state == .up }.count >= 3, "\(ok.count) polls of the fast check")
            #expect(keptSchedule(lags: ok.map(\.lagMilliseconds)), "\(ok.map(\.lagMilliseconds))")
            let broken = all.filter { $0.check.name == "broken" }
            #expect(broken.map(\.state).prefix(2) == [.pending, .down])
            #expect(broken.compactMap(\.transition).first == .init(from: .unknown, to: .pending, first: true))
            #expect(all.filter { $0.check.name == "slow" }.isEmpty)
        }

        /// A check whose poll is two requests (Kubernetes's `/readyz` and `/livez`) is judged once both
        /// are answered, from both: one report a poll, never one from half the answers.
        @Test func aPollOfSeveralRequestsIsJudgedOnceFromAllOfThem() async throws {
            let dir = TemporaryDirectory()
            let server = try HTTPReceiver(
                directory: dir.path,
                routes: [
                    "/readyz*": .init([500], body: try SystemFixtures.text("kubernetes-readyz-failing.txt")),
                    "/livez*": .init([200], body: try SystemFixtures.text("kubernetes-livez-ok.txt"))
                ])
            defer { server.stop() }
            var check = CheckDefinition(name: "cluster", kind: .kubernetes, url: "http://127.0.0.1:\(server.port)")
            check.intervalSeconds = 1
            let reports = Reports()
            let poller = StatusPoller(
                checks: [check], maintenance: [], clock: { Timestamp(Date()) }, deliver: reports.add)
            poller.start()
            for _ in 0..<300 where reports.all.count < 2 { try await Task.sleep(for: .milliseconds(100)) }
            poller.stop()
            let all = reports.all
            #expect(all.count >= 2, "\(all.count) reports")
            for report in all {
                #expect(report.evaluation.observation == .failed("readyz: etcd failed: reason withheld"))
                // The response shown for the poll is the failed one.
                #expect(report.response.statusCode == 500)
            }
            #expect(all.first?.state == .down)
            let paths = server.requests.map(\.path)
            #expect(paths.filter { $0 == "/readyz?verbose" }.count >= all.count, "\(paths)")
            #expect(paths.filter { $0 == "/livez?verbose" }.count >= all.count, "\(paths)")
        }
    }
}

/// A TLS endpoint with a self-signed certificate that expires in three days (`openssl s_server`).
@Suite(.serialized)
struct TLSProbeTests {
    /// Starts `openssl s_server -www` on a free loopback port; returns it and its URL. The certificate
    /// is self-signed and expires in three days, or with `expired` ran from January to February 2020
    /// (`openssl ca`, which, unlike `req`, takes any dates).
    static func startServer(_ dir: TemporaryDirectory, expired: Bool = false) throws -> (Process, String) {
        let make =
            expired
            ? "printf '[ca]\\ndefault_ca=d\\n[d]\\ndatabase=index.txt\\nnew_certs_dir=.\\nserial=serial\\ndefault_md=sha256\\npolicy=p\\n[p]\\ncommonName=supplied\\n' > ca.cnf"
                + " && : > index.txt && echo 01 > serial && openssl req -new -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout key.pem -out req.csr"
                + " && openssl ca -batch -config ca.cnf -selfsign -keyfile key.pem -in req.csr -out cert.pem -startdate 20200101000000Z -enddate 20200201000000Z"
            : "openssl req -x509 -newkey rsa:2048 -nodes -days 3 -subj /CN=127.0.0.1 -keyout key.pem -out cert.pem"
        let made = try shell("cd '\(dir.path)' && \(make) 2>&1; echo EXIT=$?")
        guard made.hasSuffix("EXIT=0\n") else { throw KlaxonError.failed("openssl req failed: \(made)") }
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        server.arguments = [
            "s_server", "-accept", "127.0.0.1:0", "-cert", dir.path + "/cert.pem", "-key", dir.path + "/key.pem", "-www"
        ]
        let out = dir.path + "/server.txt"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        server.standardOutput = FileHandle(forWritingAtPath: out)
        server.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try server.run()
        for _ in 0..<100 {
            let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("ACCEPT ") }),
                let port = line.split(separator: ":").last
            {
                return (server, "https://127.0.0.1:\(port)/")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(server.processIdentifier, SIGKILL)
        throw KlaxonError.failed("openssl s_server did not start")
    }

    /// `ca_file:` (a cluster's own CA): the certificate its PEM signs is verified, host name and all;
    /// without it the same server is refused.
    @Test func aCAFileIsTrustedForItsCheckOnly() throws {
        let dir = TemporaryDirectory()
        let (server, url) = try Self.startServer(dir)
        defer { kill(server.processIdentifier, SIGKILL) }
        var trusted = ProbeRequest(url: url, timeoutSeconds: 20)
        trusted.caFile = dir.path + "/cert.pem"
        var missing = ProbeRequest(url: url, timeoutSeconds: 20)
        missing.caFile = dir.path + "/no-such-ca.pem"
        let responses = HTTPProber.round([trusted, ProbeRequest(url: url, timeoutSeconds: 20), missing])
        #expect(responses[0].statusCode == 200 && responses[0].error == nil, "\(responses[0])")
        #expect(responses[1].statusCode == nil && responses[1].error != nil, "\(responses[1])")
        #expect(responses[2].statusCode == nil && responses[2].error != nil, "\(responses[2])")

        // A check's poll says what is wrong with its ca_file in Klaxon's words, and sends nothing;
        // the same check with its CA reads the server.
        var check = CheckDefinition(name: "etcd", kind: .etcd, url: url)
        check.caFile = dir.path + "/no-such-ca.pem"
        let refused = ProbeRequest.poll(check, resolve: { reference throws(KlaxonError) in "" })
        #expect(
            refused.map(\.problem) == ["ca_file \(dir.path)/no-such-ca.pem does not exist; fix ca_file: in klaxon.yaml"]
        )
        check.caFile = dir.path
        #expect(
            ProbeRequest.poll(check, resolve: { _ throws(KlaxonError) in "" }).first?.problem
                == "ca_file \(dir.path) is a directory; give the PEM file of the CA certificates; fix ca_file: in klaxon.yaml"
        )
        check.caFile = dir.path + "/cert.pem"
        #expect(ProbeRequest.poll(check, resolve: { _ throws(KlaxonError) in "" }).first?.problem == nil)
    }

    @Test func verificationIsOnUnlessTurnedOffAndTheExpiryIsRead() throws {
        let dir = TemporaryDirectory()
        let (server, url) = try Self.startServer(dir)
        // SIGKILL: a child of the test runner inherits its blocked signals, SIGTERM among them.
        defer {
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        let now = Timestamp(Date())
        let responses = HTTPProber.round([
            ProbeRequest(url: url, timeoutSeconds: 20), ProbeRequest(url: url, timeoutSeconds: 20, verifyTLS: false)
        ])
        // Verified (the default): a self-signed certificate is a failure, named.
        #expect(responses[0].statusCode == nil)
        #expect(responses[0].error?.contains("certificate") == true, "\(responses[0])")
        // Not verified: the response counts, the certificate's expiry is read.
        #expect(responses[1].statusCode == 200, "\(responses[1])")
        #expect(responses[1].phases.tls > 0)
        let expiry = try #require(responses[1].certificateExpiry)
        #expect(abs(now.seconds(until: expiry) - 3 * 86400) < 3600)
        var check = CheckDefinition(name: "registry-tls", url: url)
        check.verifyTLS = false
        check.expect.certificateDaysLeft = 14
        #expect(HTTPExpectation.evaluate(check, responses[1], now: now).verdict == .degraded)
        #expect(
            HTTPExpectation.evaluate(check, responses[1], now: now).detail.hasPrefix(
                "TLS certificate expires in 2 days")
                || HTTPExpectation.evaluate(check, responses[1], now: now).detail.hasPrefix(
                    "TLS certificate expires in 3 days")
        )
    }
}

/// Pages by email: libcurl's SMTP against a loopback sink.
struct OutboundMailTests {
    @Test func aMessageReachesTheSinkAndStartTLSIsNeverSkipped() throws {
        let mail = TemporaryDirectory("smtp")
        let sink = try SMTPSink(directory: mail.path)
        defer { sink.stop() }
        let message = Array(
            "From: <k@x.test>\r\nTo: <bob@x.test>\r\nSubject: page\r\n\r\nINC-1 needs you\r\n.dot line\r\n".utf8)
        let sent = OutboundTransfer.sendMail(
            server: "smtp://127.0.0.1:\(sink.port)", from: "k@x.test", to: ["bob@x.test"], message: message,
            startTLS: false, username: nil, password: nil, timeoutSeconds: 5)
        #expect(sent == .delivered(detail: "SMTP 250"))
        let received = try #require(sink.messages.first)
        #expect(received.contains("X-Envelope-From: <k@x.test>") && received.contains("X-Envelope-To: <bob@x.test>"))
        #expect(received.contains("INC-1 needs you"))
        // libcurl dot-stuffs a line that starts with "." (RFC 5321 4.5.2); the sink, which does not undo it, shows the two dots.
        #expect(received.contains("\r\n..dot line\r\n"), "\(received)")
        // The sink offers no STARTTLS: asked for it, libcurl refuses to send in clear text.
        let refused = OutboundTransfer.sendMail(
            server: "smtp://127.0.0.1:\(sink.port)", from: "k@x.test", to: ["bob@x.test"], message: message,
            startTLS: true, username: nil, password: nil, timeoutSeconds: 5)
        guard case .failed(let why) = refused else {
            Issue.record("sent without TLS: \(refused)")
            return
        }
        #expect(!why.isEmpty)
        #expect(sink.messages.count == 1)
        let nobody = OutboundTransfer.sendMail(
            server: "smtp://127.0.0.1:9", from: "k@x.test", to: ["bob@x.test"], message: message,
            startTLS: false, username: nil, password: nil, timeoutSeconds: 5)
        guard case .failed = nobody else {
            Issue.record("delivered to a closed port")
            return
        }
    }
}

/// Endpoints that misbehave as they do in an outage, polled together with a healthy one: the healthy
/// check keeps its schedule, each hostile one is judged with a named reason, and a body without end is
/// cut off at the prober's cap (what bounds memory), not read to the end.
extension PollerTiming {
    struct HostileEndpointTests {
        @Test func thePollerStaysOnScheduleAndReadsNoMoreThanItsCap() async throws {
            let dir = TemporaryDirectory()
            let server = try HostileServer(directory: dir.path)
            defer { server.stop() }
            let expiredDir = TemporaryDirectory()
            let selfSignedDir = TemporaryDirectory()
            let (expired, expiredURL) = try TLSProbeTests.startServer(expiredDir, expired: true)
            defer {
                kill(expired.processIdentifier, SIGKILL)
                expired.waitUntilExit()
            }
            let (selfSigned, selfSignedURL) = try TLSProbeTests.startServer(selfSignedDir)
            defer {
                kill(selfSigned.processIdentifier, SIGKILL)
                selfSigned.waitUntilExit()
            }
            let base = "http://127.0.0.1:\(server.port)"
            func check(
                _ name: String, _ url: String, every interval: Int64 = 2, timeout: Int64 = 2, verify: Bool = true
            ) -> CheckDefinition {
                var c = CheckDefinition(name: name, url: url)
                c.intervalSeconds = interval
                c.timeoutSeconds = timeout
                c.verifyTLS = verify
                return c
            }
            var expiredUnverified = check("expired-unverified", expiredURL, timeout: 10, verify: false)
            expiredUnverified.expect.certificateDaysLeft = 14
            let checks = [
                check("ok", base + "/ok", every: 1, timeout: 10), check("hang", base + "/hang"),
                check("drip", base + "/drip"),
                check("endless", base + "/endless", timeout: 10), check("midclose", base + "/midclose", timeout: 10),
                check("expired", expiredURL, timeout: 10), expiredUnverified,
                check("self-signed", selfSignedURL, timeout: 10)
            ]
            let reports = Reports()
            let poller = StatusPoller(
                checks: checks, maintenance: [], clock: { Timestamp(Date()) }, deliver: reports.add)
            poller.start()
            let started = Date()
            while Date().timeIntervalSince(started) < 9 { try await Task.sleep(for: .milliseconds(200)) }
            poller.stop()
            let all = reports.all
            func last(_ name: String) -> StatusPoller.Report? { all.last { $0.check.name == name } }

            // The healthy check: a poll about every second, each on time, whatever the others were doing.
            let ok = all.filter { $0.check.name == "ok" }
            #expect(ok.count >= 6, "\(ok.count) polls of the healthy check in 9 s")
            #expect(
                ok.allSatisfy { $0.state == .up } && keptSchedule(lags: ok.map(\.lagMilliseconds)),
                "\(ok.map { ($0.state, $0.lagMilliseconds) })")
            // Hanging and dripping: the timeout is for the whole answer, not between bytes.
            for name in ["hang", "drip"] {
                let report = try #require(last(name), "\(name) was never judged")
                #expect(
                    report.response.statusCode == nil && report.response.error?.contains("timed out") == true,
                    "\(name): \(report.response)")
                #expect(report.response.phases.total < 3000, "\(name) took \(report.response.phases.total) ms")
            }
            // Without end: cut at the cap, every time.
            let endless = all.filter { $0.check.name == "endless" }
            #expect(
                !endless.isEmpty && endless.allSatisfy { $0.response.truncated && $0.response.body.count == 1 << 20 })
            #expect(
                server.endlessBytesSent < endless.count * (16 << 20),
                "\(server.endlessBytesSent) bytes sent for \(endless.count) polls")
            let midclose = try #require(last("midclose"))
            #expect(midclose.response.error != nil && midclose.state != .up, "\(midclose.response)")
            // Certificates: refused by name when verified; read (and judged on their date) when not.
            let refused = try #require(last("expired"))
            #expect(
                refused.state != .up && refused.response.error?.contains("certificate") == true, "\(refused.response)")
            let selfSignedReport = try #require(last("self-signed"))
            #expect(
                selfSignedReport.response.error?.contains("self-signed") == true
                    || selfSignedReport.response.error?.contains("self signed") == true,
                "\(selfSignedReport.response)")
            let read = try #require(last("expired-unverified"))
            #expect(read.response.statusCode == 200 && read.state != .up, "\(read.evaluation)")
            #expect(
                read.evaluation.observation.detail.hasPrefix("TLS certificate expired on 2020-02-01 ("),
                "\(read.evaluation.observation.detail)")
            #expect(read.evaluation.observation.verdict == .failed)
        }
    }
}
