import Foundation
import KlaxonCore
import KlaxonHTTP
import KlaxonProcessTestSupport
import KlaxonTestSupport
import Testing

/// Email pages cannot be steered to other recipients, and a password never crosses a plain connection
/// (the loopback sink writes down every line it receives and offers AUTH PLAIN, but no STARTTLS).
@Suite(.serialized)
struct SMTPSafetyTests {
    let message = Array("Subject: page\r\n\r\nINC-1 needs you\r\n".utf8)

    @Test func anAddressWithALineBreakAddsNoRecipientAndSendsNothing() throws {
        let mail = TemporaryDirectory("smtp")
        let sink = try SMTPSink(directory: mail.path)
        defer { sink.stop() }
        let server = "smtp://127.0.0.1:\(sink.port)"
        let injected = "m2@example.com>\r\nRCPT TO:<injected@evil.example"
        let outcomes = [
            OutboundTransfer.sendMail(
                server: server, from: "k@x.test", to: [injected], message: message,
                startTLS: false, username: nil, password: nil, timeoutSeconds: 5),
            OutboundTransfer.sendMail(
                server: server, from: "k@x.test>\r\nRCPT TO:<injected@evil.example", to: ["bob@x.test"],
                message: message,
                startTLS: false, username: nil, password: nil, timeoutSeconds: 5),
            OutboundTransfer.sendMail(
                server: server, from: "k@x.test", to: ["bob@x.test>"], message: message,
                startTLS: false, username: nil, password: nil, timeoutSeconds: 5)
        ]
        for outcome in outcomes {
            guard case .failed(let why) = outcome else {
                Issue.record("sent: \(outcome)")
                continue
            }
            #expect(why.contains("not a plain email address"), "\(why)")
        }
        #expect(!sink.commands.contains { $0.contains("injected") }, "\(sink.commands)")
        #expect(!sink.commands.contains { $0.uppercased().hasPrefix("RCPT") }, "\(sink.commands)")
        #expect(sink.messages.isEmpty)
    }

    @Test func aPasswordIsNeverSentWithoutTLS() throws {
        let mail = TemporaryDirectory("smtp")
        let sink = try SMTPSink(directory: mail.path)
        defer { sink.stop() }
        let password = "pw-\(UUID().uuidString)"
        // starttls left out, as in the configuration that sent AUTH PLAIN in clear: credentials require TLS anyway.
        let sent = OutboundTransfer.sendMail(
            server: "smtp://127.0.0.1:\(sink.port)", from: "k@x.test", to: ["bob@x.test"], message: message,
            startTLS: false, username: "klaxon", password: password, timeoutSeconds: 5)
        guard case .failed(let why) = sent else {
            Issue.record("sent without TLS: \(sent)")
            return
        }
        #expect(why.contains("STARTTLS") && !why.contains(password), "\(why)")
        let commands = sink.commands
        #expect(commands.first?.hasPrefix("EHLO") == true, "\(commands)")
        #expect(!commands.contains { $0.uppercased().hasPrefix("AUTH") }, "\(commands)")
        let plain = Data("\u{0}klaxon\u{0}\(password)".utf8).base64EncodedString()
        #expect(!commands.contains { $0.contains(plain) || $0.contains(password) })
        #expect(sink.messages.isEmpty)
    }
}

/// Redirects from a check: only http and https, only on the check's own host unless it allows others,
/// and a clear reason when one is not followed. The listeners write down every connection they accept.
@Suite(.serialized)
struct RedirectSafetyTests {
    static let routes = [
        "/to-2": "http://127.0.0.2:{port}/to-3",
        "/to-3": "http://127.0.0.3:{port}/end",
        "/to-ftp": "ftp://127.0.0.1:{ftp}/file",
        "/here": "/end",
        "/loop": "/loop",
        "/to-link-local": "http://[fe80::1]:{port}/latest/meta-data/"
    ]

    @Test func redirectsStayOnTheCheckHostAndOnHTTP() throws {
        let dir = TemporaryDirectory()
        let server = try RedirectServer(directory: dir.path, routes: Self.routes)
        defer { server.stop() }
        let base = "http://127.0.0.1:\(server.port)"
        let responses = HTTPProber.round(
            ["/to-2", "/to-ftp", "/here", "/loop"].map { ProbeRequest(url: base + $0, timeoutSeconds: 20) })
        #expect(responses[0].statusCode == nil, "\(responses[0])")
        #expect(
            responses[0].error
                == "redirect to another host, 127.0.0.2, not followed: follow_redirects is same-host (127.0.0.1); follow_redirects: any allows it",
            "\(responses[0])")
        #expect(responses[1].statusCode == nil, "\(responses[1])")
        #expect(
            responses[1].error == "redirect to ftp:// not followed: checks follow only http:// and https://",
            "\(responses[1])")
        #expect(
            responses[2].statusCode == 200 && String(decoding: responses[2].body, as: UTF8.self) == "end",
            "\(responses[2])")
        #expect(responses[3].error == "more than 5 redirects (a loop?); the last was to 127.0.0.1", "\(responses[3])")
        // The reason is what the board shows for the check.
        var check = CheckDefinition(name: "hop", url: base + "/to-2")
        check.timeoutSeconds = 20
        #expect(
            CheckEvaluation.evaluate(check, responses[0], now: Timestamp(Date())).observation.detail
                == responses[0].error)
        // Nothing but 127.0.0.1 was ever contacted.
        let connections = server.connections
        #expect(!connections.isEmpty && connections.allSatisfy { $0.hasPrefix("127.0.0.1 GET ") }, "\(connections)")
    }
}

extension RedirectSafetyTests {
    /// `follow_redirects: any` follows other hosts, `none` never follows; and no redirect reaches a
    /// link-local address. (fe80::1 without an interface: were the guard missing, the kernel would refuse
    /// to connect with EINVAL before sending anything, so this test never reaches beyond the machine.)
    @Test func otherHostsOnlyWhereAllowedAndNeverALinkLocalAddress() throws {
        let dir = TemporaryDirectory()
        let server = try RedirectServer(directory: dir.path, routes: Self.routes)
        defer { server.stop() }
        let base = "http://127.0.0.1:\(server.port)"
        let responses = HTTPProber.round([
            ProbeRequest(url: base + "/to-2", timeoutSeconds: 20, followRedirects: .any),
            ProbeRequest(url: base + "/to-link-local", timeoutSeconds: 20, followRedirects: .any),
            ProbeRequest(url: base + "/to-ftp", timeoutSeconds: 20, followRedirects: .any)
        ])
        #expect(
            responses[0].statusCode == 200 && String(decoding: responses[0].body, as: UTF8.self) == "end",
            "\(responses[0])")
        #expect(
            responses[1].error
                == "refused to connect to fe80::1: a link-local or cloud metadata address, which only a check whose own URL names it may reach",
            "\(responses[1])")
        #expect(
            responses[2].error == "redirect to ftp:// not followed: checks follow only http:// and https://",
            "\(responses[2])")
        #expect(
            Set(server.connections.map { String($0.prefix(9)) }) == ["127.0.0.1", "127.0.0.2", "127.0.0.3"],
            "\(server.connections)")

        let before = server.connections.count
        let none = HTTPProber.round([ProbeRequest(url: base + "/to-2", timeoutSeconds: 20, followRedirects: .none)])
        #expect(none[0].statusCode == 302 && none[0].error == nil, "\(none[0])")
        #expect(server.connections.dropFirst(before) == ["127.0.0.1 GET /to-2 HTTP/1.1"])

        // A check whose own URL names the address may try it (and here fails to connect, as it must).
        let named = HTTPProber.round([ProbeRequest(url: "http://[fe80::1]:\(server.port)/", timeoutSeconds: 5)])
        #expect(named[0].error != nil && named[0].error?.hasPrefix("refused to connect") == false, "\(named[0])")
    }
}
