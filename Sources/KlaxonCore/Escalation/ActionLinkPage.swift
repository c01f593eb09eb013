import Crypto
import Foundation

/// The small HTML pages an action link answers with (docs/action-links.md): what the incident is and
/// one button (a GET), what was done (the button's POST), or why the link does not work. Plain HTML and
/// one inline style sheet: no script, no other resource, readable on a phone at 360 px. Every text that
/// comes from outside (titles, notes, alert text) is escaped, and control characters are dropped.
public struct ActionLinkPage: Hashable, Sendable {
    /// The page's heading: "Acknowledge INC-7?", "Acknowledged", "This link does not work".
    public var heading: String
    /// A sentence under the heading (what happened, why refused, what the button does).
    public var message: String?
    public var incident: Card?
    /// The one button: a form that POSTs to the page's own address.
    public var button: String?
    /// A quiet line at the foot (whom the link acts as, until when).
    public var footnote: String?

    public init(
        heading: String, message: String? = nil, incident: Card? = nil, button: String? = nil,
        footnote: String? = nil
    ) {
        self.heading = heading
        self.message = message
        self.incident = incident
        self.button = button
        self.footnote = footnote
    }

    /// What the page shows of the incident.
    public struct Card: Hashable, Sendable {
        public var id: String
        public var title: String
        public var severity: String
        public var status: String
        /// Who is paged, or why nobody is: `PagingState`'s line.
        public var paging: String
        /// The last few timeline entries, oldest first.
        public var timeline: [Entry]

        public struct Entry: Hashable, Sendable {
            /// `2026-12-06 03:02 UTC`.
            public var time: String
            public var actor: String
            public var text: String

            public init(time: String, actor: String, text: String) {
                self.time = time
                self.actor = actor
                self.text = text
            }
        }

        /// At most 280 characters of an entry: a long note must not push the page past a phone's patience.
        static func cut(_ text: String) -> String { text.count <= 280 ? text : String(text.prefix(279)) + "…" }

        public init(id: String, title: String, severity: String, status: String, paging: String, timeline: [Entry]) {
            self.id = id
            self.title = title
            self.severity = severity
            self.status = status
            self.paging = paging
            self.timeline = timeline
        }

        /// The card of `incident`: its last `entries` timeline records, without the engine's delivery
        /// attempts and outcomes (they would crowd out what people did), times in UTC.
        public init(_ incident: Incident, paging: String, entries: Int = 5) {
            let formatter = LocalTimeFormatter.utc
            let shown = incident.timeline.filter {
                $0.type != RecordType.pageAttempt.rawValue && $0.type != RecordType.pageResult.rawValue
            }.suffix(entries)
            self.init(
                id: incident.id, title: incident.title, severity: incident.severity.name,
                status: incident.status.rawValue, paging: paging,
                timeline: shown.map {
                    Entry(
                        time: ActionLink.readable($0.timestamp),
                        actor: $0.actor, text: Self.cut(TimelineText.text(of: $0, formatter: formatter)))
                })
        }
    }

    /// The style sheet, inline; the Content-Security-Policy allows exactly it, by its hash.
    static let style = """
        body{font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:16px;\
        background:#f6f6f4;color:#1b1b1b}main{max-width:40em;margin:0 auto}h1{font-size:1.35em;margin:0 0 .5em}\
        p{margin:.5em 0}.card{background:#fff;border:1px solid #d6d6d0;border-radius:8px;padding:12px 14px;\
        margin:12px 0;overflow-wrap:anywhere}.id{font-weight:700}.meta{color:#555}dl{margin:.4em 0}\
        dt{font-weight:600;margin-top:.4em}dd{margin:0}ol{padding-left:0;list-style:none;margin:.4em 0}\
        li{border-top:1px solid #eee;padding:.35em 0;font-size:.92em}li .when{color:#666;display:block}\
        button{font:inherit;font-weight:700;width:100%;min-height:48px;border:0;border-radius:8px;\
        background:#b3261e;color:#fff;padding:12px;margin:8px 0}.foot{color:#666;font-size:.85em}
        """

    /// The headers every answer carries: no framing, no caching, no referrer, no sniffing, and a policy
    /// that allows nothing but the inline style and a form posted back to this listener.
    public static let headers: [(name: String, value: String)] = [
        ("Content-Type", "text/html; charset=utf-8"),
        (
            "Content-Security-Policy",
            "default-src 'none'; style-src 'sha256-\(Data(SHA256.hash(data: Array(style.utf8))).base64EncodedString())'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        ),
        ("X-Frame-Options", "DENY"),
        ("Cache-Control", "no-store"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Content-Type-Options", "nosniff")
    ]

    /// The whole document.
    public var html: String {
        var body = "<h1>\(Self.escape(heading))</h1>\n"
        if let message { body += "<p>\(Self.escape(message))</p>\n" }
        // The button first, where a phone shows it without scrolling, however long the incident's card is.
        // No action attribute: the form posts to the page's own address, whatever proxy path it came by.
        if let button {
            body += "<form method=\"post\"><button type=\"submit\">\(Self.escape(button))</button></form>\n"
        }
        if let card = incident {
            body += "<section class=\"card\">\n"
            body += "<p><span class=\"id\">\(Self.escape(card.id))</span> \(Self.escape(card.title))</p>\n"
            body += "<dl>\n"
            body += "<dt>Severity</dt><dd>\(Self.escape(card.severity))</dd>\n"
            body += "<dt>Status</dt><dd>\(Self.escape(card.status))</dd>\n"
            // The paging line's times are UTC, as the timeline's: a phone may be in any zone.
            body += "<dt>Paging (UTC)</dt><dd>\(Self.escape(card.paging))</dd>\n"
            body += "</dl>\n"
            if !card.timeline.isEmpty {
                body += "<ol>\n"
                for entry in card.timeline {
                    body +=
                        "<li><span class=\"when\">\(Self.escape(entry.time)) · \(Self.escape(entry.actor))</span>\(Self.escape(entry.text))</li>\n"
                }
                body += "</ol>\n"
            }
            body += "</section>\n"
        }
        if let footnote { body += "<p class=\"foot\">\(Self.escape(footnote))</p>\n" }
        return HTMLDocument.page(
            title: Self.escape(incident.map { $0.id == heading ? "" : "\($0.id) · " } ?? "") + Self.escape(heading)
                + " · Klaxon",
            style: Self.style, metas: ["<meta name=\"referrer\" content=\"no-referrer\">"], body: body)
    }

    /// `text` safe inside an element or a quoted attribute, without control characters.
    static func escape(_ text: String) -> String { HTMLDocument.escape(text) }
}
