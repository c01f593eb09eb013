import Foundation
import KlaxonCore
import KlaxonTestSupport
import Testing

@Suite struct ActionLinkTests {
    let key = ActionLink.Key(secret: "0123456789abcdef0123456789abcdef", workspace: "platform")
    let now = Timestamp.parseRFC3339("2026-12-06T03:00:00Z")!

    var link: ActionLink {
        ActionLink(
            incident: "INC-7", page: "INC-7/3/1/1/bob", user: "bob", action: .acknowledge,
            expires: now.adding(seconds: 86400))
    }

    func refusal(_ token: String, key: ActionLink.Key? = nil, at time: Timestamp? = nil) -> ActionLink.Refusal? {
        do {
            _ = try ActionLink.verify(token: token, key: key ?? self.key, now: time ?? now)
            return nil
        } catch { return error }
    }

    @Test func aLinkVerifiesAsWhatItWasMadeFor() throws {
        let token = link.token(key: key)
        #expect(try ActionLink.verify(token: token, key: key, now: now) == link)
        // Only URL-safe characters: it sits in a path as it is.
        #expect(token.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) })
        #expect(link.url(base: "https://klaxon.example.com", key: key).hasPrefix("https://klaxon.example.com/v1/link/"))
    }

    @Test func everyChangedCharacterIsRefused() {
        let token = Array(link.token(key: key))
        for index in token.indices {
            var changed = token
            changed[index] = token[index] == "A" ? "B" : "A"
            let result = refusal(String(changed))
            #expect(result != nil, "a change at \(index) was accepted")
        }
    }

    @Test func aLinkReSignedForAnotherIncidentOrPersonIsForged() {
        let token = link.token(key: key)
        let parts = token.split(separator: ".").map(String.init)
        for (from, to) in [("INC-7\n", "INC-8\n"), ("\nbob\n", "\ncarol\n"), ("\nack\n", "\nescalate\n")] {
            // The fields are readable; changing one without the key leaves the old HMAC.
            let fields = String(decoding: Base64URL.decode(parts[0]), as: UTF8.self)
            let other = fields.replacingOccurrences(of: from, with: to)
            #expect(other != fields)
            let forged = Base64URL.encode(Array(other.utf8)) + "." + parts[1] + "." + parts[2]
            #expect(refusal(forged) == .forged)
        }
    }

    @Test func anExpiredLinkSaysWhen() {
        let token = link.token(key: key)
        #expect(refusal(token, at: now.adding(seconds: 86399)) == nil)
        #expect(
            refusal(token, at: now.adding(seconds: 86400))
                == .expired(at: now.adding(seconds: 86400), incident: "INC-7"))
        #expect(
            ActionLink.Refusal.expired(at: now, incident: "INC-7").explanation.contains(
                "link to INC-7 expired at 2026-12-06 03:00 UTC"))
    }

    @Test func rotatingTheKeyRevokesAndAnotherWorkspaceIsForged() {
        let token = link.token(key: key)
        let rotated = ActionLink.Key(secret: "fedcba9876543210fedcba9876543210", workspace: "platform")
        #expect(refusal(token, key: rotated) == .revoked)
        #expect(ActionLink.Refusal.revoked.explanation.contains("revoked"))
        let elsewhere = ActionLink.Key(secret: "0123456789abcdef0123456789abcdef", workspace: "payments")
        #expect(refusal(token, key: elsewhere) == .forged)
        // A token claiming the new key's id keeps the old HMAC: forged, not revoked.
        let parts = token.split(separator: ".").map(String.init)
        #expect(refusal(parts[0] + "." + rotated.id + "." + parts[2], key: rotated) == .forged)
    }

    @Test func mangledTokensAreMalformed() {
        for token in [
            "", "abc", "a.b", "a.b.c.d", link.token(key: key) + ".x", String(link.token(key: key).dropLast(5))
        ] {
            #expect(refusal(token) == .malformed, "\(token)")
        }
    }

    @Test func pagesCarryTheSameLinksInEveryForm() throws {
        var fixture = IncidentFixture(
            title: "Registry returns <503> <http://evil.example/|Acknowledge> <!channel>", services: ["registry"],
            at: "2026-12-06T02:55:00Z")
        fixture.perform(.note("looking"))
        let attempt = DeliveryAttempt(
            incidentID: "INC-1", page: "3/1/1/bob/webhook", policy: "platform", step: 1, steps: 2, user: "bob",
            contact: Contact(kind: .webhook, target: ["https://hooks.example/x"]), attempt: 1, attempts: 5)
        var message = PageMessage(attempt: attempt, incident: fixture.incident, sentAt: now, userName: "Bob B")
        let links = PageActionLinks(
            attempt: attempt, incident: fixture.incident, base: "https://k.example", key: key, now: now,
            expiresAfter: 3600)
        // Another contact and a retry of the same page carry the same links.
        var byEmail = attempt
        byEmail.page = "3/1/1/bob/email"
        byEmail.attempt = 3
        let again = PageActionLinks(
            attempt: byEmail, incident: fixture.incident, base: "https://k.example", key: key, now: now,
            expiresAfter: 3600)
        #expect(again == links)
        message.actionLinks = links
        for url in [links.view, links.acknowledge, links.escalate] {
            let token = String(url.dropFirst("https://k.example/v1/link/".count))
            let verified = try ActionLink.verify(token: token, key: key, now: now)
            #expect(verified.incident == "INC-1" && verified.user == "bob" && verified.page == "INC-1/3/1/1/bob")
            #expect(verified.expires == now.adding(seconds: 3600))
        }
        #expect(Set([links.view, links.acknowledge, links.escalate]).count == 3)

        let webhook = try JSONParser.parse(Array(message.webhookJSON.utf8))
        #expect(webhook["actions"]?["acknowledge"]?.stringValue == links.acknowledge)
        #expect(webhook["actions"]?["escalate"]?.stringValue == links.escalate)
        #expect(webhook["actions"]?["view"]?.stringValue == links.view)
        #expect(webhook["actions"]?["expires_at"]?.stringValue == "2026-12-06T04:00:00.000Z")

        let slack = try JSONParser.parse(Array(message.slackJSON.utf8))["text"]?.stringValue ?? ""
        // A title from outside cannot make a Slack link of its own: Slack's &, < and > are escaped.
        #expect(slack.contains("Registry returns &lt;503&gt;"), "\(slack)")
        #expect(slack.components(separatedBy: "|Acknowledge>").count == 2, "\(slack)")
        #expect(!slack.contains("<!channel>") && slack.contains("&lt;!channel&gt;"))
        #expect(slack.contains("<\(links.acknowledge)|Acknowledge>"))
        #expect(slack.contains("<\(links.escalate)|Escalate now>"))
        #expect(slack.contains("<\(links.view)|View>"))

        let email = message.email(from: "klaxon@example.com", to: "bob@example.com")
        #expect(email.contains("\r\nAcknowledge: \(links.acknowledge)\r\n"))
        #expect(email.contains("\r\nEscalate now: \(links.escalate)\r\n"))
        #expect(email.contains("\r\nView: \(links.view)\r\n"))
        // Still a well-formed message: CRLF only, no bare LF, every line within SMTP's 998.
        #expect(!email.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(email.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 998 })

        #expect(message.commandEnvironment["KLAXON_ACK_URL"] == links.acknowledge)
        #expect(message.commandEnvironment["KLAXON_ESCALATE_URL"] == links.escalate)
        #expect(message.commandEnvironment["KLAXON_VIEW_URL"] == links.view)

        message.actionLinks = nil
        #expect(try JSONParser.parse(Array(message.webhookJSON.utf8))["actions"] == .null)
        #expect(!message.email(from: "k@example.com", to: "b@example.com").contains("/v1/link/"))
        #expect(message.commandEnvironment["KLAXON_ACK_URL"] == nil)
    }

    @Test func thePageEscapesWhatComesFromOutsideAndAllowsOnlyItsStyle() throws {
        var fixture = IncidentFixture(title: "<script>alert(1)</script> & \"x\"", at: "2026-12-06T02:55:00Z")
        fixture.perform(.note("see <img src=x onerror=alert(2)>\u{1b}[31m"), by: "carol")
        let page = ActionLinkPage(
            heading: "Acknowledge INC-1?", incident: ActionLinkPage.Card(fixture.incident, paging: "paged bob"),
            button: "Acknowledge as bob")
        let html = page.html
        #expect(!html.contains("<script>") && !html.contains("<img"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;"))
        #expect(!html.contains("\u{1b}"))
        #expect(html.contains("<dt>Paging (UTC)</dt><dd>paged bob</dd>"), "the card's times are UTC and say so")
        #expect(html.contains("<form method=\"post\"><button type=\"submit\">Acknowledge as bob</button></form>"))
        // The policy's style hash is the inline style's: the page is styled, and nothing else is allowed.
        let csp = try #require(ActionLinkPage.headers.first { $0.name == "Content-Security-Policy" }?.value)
        let style = try #require(
            html.range(of: "<style>").flatMap { start in
                html.range(of: "</style>").map { String(html[start.upperBound..<$0.lowerBound]) }
            })
        let hex = Array(RecordHash.of(Array(style.utf8)).hex)
        let digest = stride(from: 0, to: hex.count, by: 2).map { UInt8(String(hex[$0...$0 + 1]), radix: 16)! }
        let hash = Data(digest).base64EncodedString()
        #expect(csp.contains("style-src 'sha256-\(hash)'"))
        #expect(csp.hasPrefix("default-src 'none'") && csp.contains("frame-ancestors 'none'"))
        let names = Set(ActionLinkPage.headers.map(\.name))
        #expect(names.isSuperset(of: ["X-Frame-Options", "Cache-Control", "Referrer-Policy"]))
    }
}
