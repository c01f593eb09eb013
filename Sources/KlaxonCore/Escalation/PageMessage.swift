import Crypto

/// What a page says, for each kind of contact: the webhook's JSON (documented in
/// docs/escalation-format.md), Slack's text, the email, the command's environment. Pure: the sender
/// adds the secrets and the transport.
public struct PageMessage: Sendable {
    public var attempt: DeliveryAttempt
    public var incident: Incident
    public var sentAt: Timestamp
    /// The person's display name.
    public var userName: String
    /// Signed links that view, acknowledge and escalate the incident as this person (docs/action-links.md);
    /// nil when `intake.public_url` is not set.
    public var actionLinks: PageActionLinks?

    public init(attempt: DeliveryAttempt, incident: Incident, sentAt: Timestamp, userName: String) {
        self.attempt = attempt
        self.incident = incident
        self.sentAt = sentAt
        self.userName = userName
    }

    /// "INC-7 SEV2 Registry returns 503 — step 1 of 2 (platform)".
    public var headline: String {
        "\(incident.id) \(incident.severity.name) \(incident.title) — step \(attempt.step) of \(attempt.steps) (\(attempt.policy))"
    }

    /// The webhook payload, version 1.
    public var webhookJSON: String {
        let links: [JSONValue] = incident.links.map {
            .object(["kind": .string($0.kind.rawValue), "target": .string($0.target)])
        }
        return JSONValue.object([
            "type": "klaxon.page",
            "version": .number(1),
            "incident": .object([
                "id": .string(incident.id), "title": .string(incident.title),
                "severity": .string(incident.severity.name),
                "status": .string(incident.status.rawValue),
                "services": .array(incident.services.map(JSONValue.string)),
                "declared_at": .string(incident.declaredAt.rfc3339)
            ]),
            "page": .object([
                "user": .string(attempt.user), "policy": .string(attempt.policy), "step": .number(Double(attempt.step)),
                "steps": .number(Double(attempt.steps)), "attempt": .number(Double(attempt.attempt)),
                "attempts": .number(Double(attempt.attempts)), "id": .string(attempt.pageID)
            ]),
            "links": .array(links),
            "actions": actionLinks.map {
                .object([
                    "view": .string($0.view), "acknowledge": .string($0.acknowledge), "escalate": .string($0.escalate),
                    "expires_at": .string($0.expires.rfc3339)
                ])
            } ?? .null,
            "sent_at": .string(sentAt.rfc3339)
        ]).canonicalJSON
    }

    /// A Slack incoming-webhook body.
    /// Text from outside (a title an alert gave, a name) is escaped as Slack asks (`&`, `<`, `>`), so it
    /// can neither make a link (`<https://elsewhere|Acknowledge>`) nor mention everyone (`<!channel>`).
    public var slackJSON: String {
        let e = Self.slackEscaped
        var text = ":rotating_light: *\(incident.id) \(incident.severity.name)* \(e(incident.title))\n"
        text +=
            "Paging \(e(userName)) — step \(attempt.step) of \(attempt.steps) of \(e(attempt.policy)). Status: \(incident.status.rawValue)."
        if !incident.services.isEmpty { text += " Services: \(e(incident.services.joined(separator: ", ")))." }
        if let links = actionLinks {
            // Slack's link form: <URL|label>; a URL holds no `|` or `>`.
            text += "\n<\(links.acknowledge)|Acknowledge> · <\(links.escalate)|Escalate now> · <\(links.view)|View>"
            text += " (links work until \(ActionLink.readable(links.expires)) or until it is resolved)"
        }
        text += "\nAcknowledge: `klaxon incident ack \(incident.id)`"
        return JSONValue.object(["text": .string(text)]).canonicalJSON
    }

    /// The email, headers and body, with CRLF line ends as SMTP wants them.
    public func email(from: String, to: String) -> String {
        let body =
            [
                "\(userName), you are paged for \(incident.id): \(incident.title).",
                "",
                "Severity: \(incident.severity.name)",
                "Status: \(incident.status.rawValue)",
                "Services: \(incident.services.isEmpty ? "none named" : incident.services.joined(separator: ", "))",
                "Escalation: step \(attempt.step) of \(attempt.steps) of policy \(attempt.policy)",
                "Declared: \(incident.declaredAt.rfc3339)"
            ] + incident.links.map { "Link: \($0.target)" } + actionLines + [
                "", "Acknowledge in a terminal: klaxon incident ack \(incident.id)"
            ]
        let headers = [
            "From: Klaxon <\(from)>",
            "To: <\(to)>",
            "Subject: [\(incident.severity.name)] \(incident.id) \(Self.headerSafe(incident.title))",
            "Date: \(Self.rfc5322Date(sentAt))",
            "Message-ID: <\(attempt.pageID.replacingSlashes)-\(attempt.attempt)-\(sentAt.milliseconds)@klaxon>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit"
        ]
        // No dot-stuffing here: libcurl does it while sending (a test shows it).
        return (headers + [""] + body).joined(separator: "\r\n") + "\r\n"
    }

    /// The email's lines with the action links (none without them).
    var actionLines: [String] {
        guard let links = actionLinks else { return [] }
        return [
            "", "Acknowledge: \(links.acknowledge)", "Escalate now: \(links.escalate)", "View: \(links.view)",
            "(These links act as \(userName) for \(incident.id) only, until \(ActionLink.readable(links.expires)) or until it is resolved; do not forward this email.)"
        ]
    }

    /// The environment of a `command` contact: the incident's fields and its action links, never a secret.
    public var commandEnvironment: [String: String] {
        var environment = [
            "KLAXON_INCIDENT_ID": incident.id, "KLAXON_TITLE": incident.title,
            "KLAXON_SEVERITY": incident.severity.name,
            "KLAXON_STATUS": incident.status.rawValue, "KLAXON_SERVICES": incident.services.joined(separator: ","),
            "KLAXON_USER": attempt.user, "KLAXON_POLICY": attempt.policy, "KLAXON_STEP": String(attempt.step),
            "KLAXON_STEPS": String(attempt.steps), "KLAXON_ATTEMPT": String(attempt.attempt),
            "KLAXON_PAGE_ID": attempt.pageID
        ]
        if let links = actionLinks {
            environment["KLAXON_VIEW_URL"] = links.view
            environment["KLAXON_ACK_URL"] = links.acknowledge
            environment["KLAXON_ESCALATE_URL"] = links.escalate
        }
        return environment
    }

    /// `t=UNIX,v1=HEX`: HMAC-SHA256 with `secret` over `UNIX.BODY`, so a receiver can check both the
    /// sender and the freshness (reject old `t` to stop replays).
    public static func signature(body: String, secret: String, at t: Timestamp) -> String {
        let seconds = t.milliseconds / 1000
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array("\(seconds).\(body)".utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return "t=\(seconds),v1=" + mac.withUnsafeBytes(RecordHash.init(digest:)).hex
    }

    /// `text` with Slack's three control characters escaped (its "Escaping text" rules).
    static func slackEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    /// Header text on one line (a title cannot inject headers).
    static func headerSafe(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }

    /// `Sun, 22 Nov 2026 20:50:39 +0000`.
    static func rfc5322Date(_ t: Timestamp) -> String {
        let (c, _) = CivilDateTime.from(milliseconds: t.milliseconds, offsetSeconds: 0)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(c.weekday.name.capitalized), \(c.day) \(months[c.month - 1]) \(c.year) \(c.isoTime) +0000"
    }
}

extension String {
    var replacingSlashes: String { String(map { $0 == "/" ? "." : $0 }) }
}
