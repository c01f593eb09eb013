/// What a status update says at each kind of destination: Slack's blocks, the email, the signed webhook's
/// JSON (docs/comms.md). Only what is public goes in: the incident's id, title, severity, status and
/// services, and the update's phase, text and time; never notes, pages, roles or who posted it. Pure:
/// the sender adds the secrets and the transport.
public struct UpdateMessage: Sendable {
    public var delivery: UpdateDelivery
    public var incident: Incident
    public var update: Incident.StatusUpdate
    public var sentAt: Timestamp
    /// `PUBLIC_URL/status` when `intake.public_url` is set (the status page `klaxon watch` serves).
    public var statusPageURL: String?

    public init(
        delivery: UpdateDelivery, incident: Incident, update: Incident.StatusUpdate, sentAt: Timestamp,
        statusPageURL: String?
    ) {
        self.delivery = delivery
        self.incident = incident
        self.update = update
        self.sentAt = sentAt
        self.statusPageURL = statusPageURL
    }

    /// `Identified`: the phase as a heading says it.
    var phase: String { update.phase.rawValue.prefix(1).uppercased() + update.phase.rawValue.dropFirst() }

    /// A Slack incoming-webhook body: a `text` fallback (notifications) and one mrkdwn section. Text from
    /// people (the title, the update) is escaped as Slack asks (`&`, `<`, `>`), so it can neither make a
    /// link nor mention everyone (`<!channel>`).
    public var slackJSON: String {
        let e = PageMessage.slackEscaped
        let headline = "[\(incident.severity.name)] \(incident.id) \(phase): \(Self.cut(incident.title, to: 300, e))"
        var tail = ""
        if !incident.services.isEmpty {
            tail += "\n_Services: \(Self.cut(incident.services.joined(separator: ", "), to: 300, e))_"
        }
        // Slack's link form: <URL|label>; the public URL holds no `|` or `>` (IntakeConfigLoader.publicURL).
        if let url = statusPageURL { tail += "\n<\(url)|Status page>" }
        // Slack refuses a section longer than 3,000 characters: a longer update is cut, and says where the
        // rest is rather than failing at every attempt.
        let room = Self.slackSectionLimit - "*\(headline)*\n".utf16.count - tail.utf16.count
        let text =
            "*\(headline)*\n"
            + Self.cut(update.text, to: room, e, rest: statusPageURL == nil ? "" : " (the rest is on the status page)")
            + tail
        return JSONValue.object([
            "text": .string(headline),
            "blocks": .array([.object(["type": "section", "text": .object(["type": "mrkdwn", "text": .string(text)])])])
        ]).canonicalJSON
    }

    /// The most a section block's text may hold (Slack's Block Kit reference), in UTF-16 code units as
    /// Slack counts characters.
    static let slackSectionLimit = 3000

    /// `text` escaped by `escape`, in at most `limit` UTF-16 code units: whole when it fits, else as much
    /// as fits with `…` and `rest` after it (never half an escape such as `&amp;`).
    static func cut(_ text: String, to limit: Int, _ escape: (String) -> String, rest: String = "") -> String {
        let whole = escape(text)
        if whole.utf16.count <= limit { return whole }
        let room = limit - "…".utf16.count - rest.utf16.count
        var kept = ""
        var used = 0
        for character in text {
            let piece = escape(String(character))
            if used + piece.utf16.count > room { break }
            kept += piece
            used += piece.utf16.count
        }
        return kept + "…" + rest
    }

    /// `[SEV1] INC-12 identified: Registry returns 503`.
    public var subject: String {
        "[\(incident.severity.name)] \(incident.id) \(update.phase.rawValue): \(PageMessage.headerSafe(incident.title))"
    }

    /// The email, headers and plain-text body, with CRLF line ends as SMTP wants them.
    public func email(from: String, to: [String]) -> String {
        var body = [
            "\(incident.id): \(incident.title)",
            "",
            "Severity: \(incident.severity.name)",
            "Status: \(update.phase.rawValue)"
        ]
        if !incident.services.isEmpty { body.append("Services: \(incident.services.joined(separator: ", "))") }
        body += ["Update #\(delivery.number), \(update.at.rfc3339):", ""]
        body += update.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if let url = statusPageURL { body += ["", "Status page: \(url)"] }
        let headers = [
            "From: Klaxon <\(from)>",
            "To: " + to.map { "<\($0)>" }.joined(separator: ", "),
            "Subject: \(subject)",
            "Date: \(PageMessage.rfc5322Date(sentAt))",
            "Message-ID: <\(delivery.updateID.replacingSlashes)-\(delivery.destination.name)-\(delivery.attempt)-\(sentAt.milliseconds)@klaxon>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit"
        ]
        // No dot-stuffing here: libcurl does it while sending.
        return (headers + [""] + body).joined(separator: "\r\n") + "\r\n"
    }

    /// The signed webhook's payload, version 1 (docs/comms.md).
    public var webhookJSON: String {
        JSONValue.object([
            "type": "klaxon.status_update",
            "version": .number(1),
            "incident": .object([
                "id": .string(incident.id), "title": .string(incident.title),
                "severity": .string(incident.severity.name), "status": .string(incident.status.rawValue),
                "services": .array(incident.services.map(JSONValue.string)),
                "declared_at": .string(incident.declaredAt.rfc3339)
            ]),
            "update": .object([
                "id": .string(delivery.updateID), "number": .number(Double(delivery.number)),
                "phase": .string(update.phase.rawValue), "text": .string(update.text),
                "posted_at": .string(update.at.rfc3339)
            ]),
            "status_page": statusPageURL.map(JSONValue.string) ?? .null,
            "attempt": .number(Double(delivery.attempt)),
            "sent_at": .string(sentAt.rfc3339)
        ]).canonicalJSON
    }
}

/// The reminder that an incident's status update is overdue, to one person through one of their contacts.
public struct ReminderMessage: Sendable {
    public var reminder: UpdateReminder
    public var incident: Incident
    public var sentAt: Timestamp

    public init(reminder: UpdateReminder, incident: Incident, sentAt: Timestamp) {
        self.reminder = reminder
        self.incident = incident
        self.sentAt = sentAt
    }

    /// "INC-7 SEV1 Registry returns 503: a status update is overdue (UPDATE OVERDUE 12m)"; "… is due now"
    /// in its first minute (a reminder goes out when it falls due: "OVERDUE 0s" read as a glitch).
    public var headline: String {
        guard reminder.dueAt.seconds(until: sentAt) >= 60 else {
            return "\(incident.id) \(incident.severity.name) \(incident.title): a status update is due now"
        }
        let late = UpdateCadence.Due(at: reminder.dueAt, since: reminder.since, intervalSeconds: 0).text(now: sentAt)
        return "\(incident.id) \(incident.severity.name) \(incident.title): a status update is overdue (\(late))"
    }

    /// The command that posts one.
    public var command: String { "klaxon incident update \(incident.id) \"TEXT\"" }

    /// What to run to post one.
    public var howTo: String { command + " (or U in the console)" }

    /// `{"text": …}` for a Slack contact, escaped as pages are.
    public var slackJSON: String {
        JSONValue.object([
            "text": .string(
                ":mega: *\(PageMessage.slackEscaped(headline))*\nPost one: `\(PageMessage.slackEscaped(command))` (or U in the console)"
            )
        ]).canonicalJSON
    }

    /// A webhook contact's payload, version 1 (docs/comms.md).
    public var webhookJSON: String {
        JSONValue.object([
            "type": "klaxon.update_reminder",
            "version": .number(1),
            "incident": .object([
                "id": .string(incident.id), "title": .string(incident.title),
                "severity": .string(incident.severity.name), "status": .string(incident.status.rawValue)
            ]),
            "reminder": .object([
                "user": .string(reminder.user ?? ""), "role": .string(reminder.role ?? ""),
                "due_at": .string(reminder.dueAt.rfc3339), "since": .string(reminder.since.rfc3339)
            ]),
            "sent_at": .string(sentAt.rfc3339)
        ]).canonicalJSON
    }

    public func email(from: String, to: String) -> String {
        let headers = [
            "From: Klaxon <\(from)>",
            "To: <\(to)>",
            "Subject: [\(incident.severity.name)] \(incident.id) status update overdue: \(PageMessage.headerSafe(incident.title))",
            "Date: \(PageMessage.rfc5322Date(sentAt))",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit"
        ]
        let body = [headline + ".", "", "Post one: " + howTo]
        return (headers + [""] + body).joined(separator: "\r\n") + "\r\n"
    }

    /// A command contact's environment: the incident's fields, never a secret.
    public var commandEnvironment: [String: String] {
        [
            "KLAXON_INCIDENT_ID": incident.id, "KLAXON_TITLE": incident.title,
            "KLAXON_SEVERITY": incident.severity.name, "KLAXON_STATUS": incident.status.rawValue,
            "KLAXON_USER": reminder.user ?? "", "KLAXON_REMINDER": "status update overdue",
            "KLAXON_DUE_AT": reminder.dueAt.rfc3339
        ]
    }
}

/// Carries status updates to their destinations and reminders to people. The real one posts to Slack and
/// webhooks and sends email over SMTP; a test's records each message and answers as scripted.
public protocol CommsTransport: Sendable {
    /// Sends `message` to its delivery's destination; says what became of it, with no secret in the
    /// detail. May block up to the channels' timeout: the runner calls it on a thread of its own.
    func send(_ message: UpdateMessage, now: Timestamp) -> PageOutcome
    /// Sends `message` through its reminder's contact.
    func remind(_ message: ReminderMessage, now: Timestamp) -> PageOutcome
}
