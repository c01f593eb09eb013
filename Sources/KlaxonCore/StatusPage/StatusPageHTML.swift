import Crypto
import Foundation

/// The status page as one HTML document: plain HTML and one inline style sheet, no script, nothing loaded
/// from elsewhere (its Content-Security-Policy forbids all else, in a header when served and in a `meta`
/// when hosted as a file), readable from 360 px to a wide screen. Every colour has its words beside it
/// (a state's text, each day's figures), and every text from outside is escaped.
extension StatusPage {
    /// The style sheet, inline; the policy allows exactly it, by its hash. Dark text on light grounds
    /// (contrast 4.5:1 or more); the bars' colours repeat the words of their hidden text and `title`.
    static let style = """
        *{box-sizing:border-box}body{font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;\
        margin:0;padding:16px;background:#f6f6f4;color:#1b1b1b}main{max-width:60em;margin:0 auto}\
        h1{font-size:1.5em;margin:0 0 .4em}h2{font-size:1.2em;margin:1.4em 0 .5em}h3{font-size:1.05em;margin:0}\
        p{margin:.4em 0}section>div,article{background:#fff;border:1px solid #d6d6d0;border-radius:8px;\
        padding:12px 14px;margin:10px 0;overflow-wrap:anywhere}.overall{font-weight:700;font-size:1.1em;\
        border-radius:8px;padding:12px 14px;color:#fff}.i-none{background:#1a7f37}.i-maintenance{background:#1d4ed8}\
        .i-minor{background:#8a5a00}.i-major{background:#b3261e}.i-critical{background:#8e1b14}\
        .head{display:flex;flex-wrap:wrap;justify-content:space-between;gap:4px 12px}.state{font-weight:600}\
        .s-operational{color:#1a7f37}.s-under_maintenance{color:#1d4ed8}.s-degraded_performance{color:#8a5a00}\
        .s-partial_outage{color:#b3261e}.s-major_outage{color:#8e1b14}.meta,.when,.range,footer{color:#555;\
        font-size:.92em}ul.checks{list-style:none;padding:0;margin:.4em 0;display:flex;flex-wrap:wrap;gap:2px 16px;\
        font-size:.92em}ol.updates{list-style:none;padding:0;margin:.4em 0}ol.updates li{border-top:1px solid #eee;\
        padding:.4em 0}ol.bars{list-style:none;padding:0;margin:.6em 0 .2em;display:flex;gap:1px;height:34px}\
        ol.bars li{flex:1 1 0;min-width:0;border-radius:1px}.d-up{background:#2da44e}.d-minor{background:#d4a72c}\
        .d-major{background:#cf222e}.d-maintenance{background:#3b82f6}.d-nodata{background:#e4e4df;\
        box-shadow:inset 0 0 0 1px #9a9a94}.range{display:flex;justify-content:space-between;gap:8px}\
        .legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:.92em;padding:0;list-style:none}\
        .legend li::before{content:"";display:inline-block;width:.8em;height:.8em;margin-right:.35em;\
        vertical-align:-.05em;border-radius:2px}.legend .d-up,.legend .d-minor,.legend .d-major,\
        .legend .d-maintenance,.legend .d-nodata{background:none;box-shadow:none}.legend .d-up::before{background:#2da44e}\
        .legend .d-minor::before{background:#d4a72c}.legend .d-major::before{background:#cf222e}\
        .legend .d-maintenance::before{background:#3b82f6}.legend .d-nodata::before{background:#e4e4df;\
        box-shadow:inset 0 0 0 1px #9a9a94}.vh{position:absolute;width:1px;height:1px;overflow:hidden;\
        clip:rect(0 0 0 0);white-space:nowrap}footer{margin-top:2em}time{white-space:nowrap}.text{white-space:pre-line}
        """

    /// The policy the page states itself (for a static host): nothing but the inline style sheet; no
    /// script, image, font, frame or form anywhere.
    static let documentPolicy =
        "default-src 'none'; style-src 'sha256-\(Data(SHA256.hash(data: Array(style.utf8))).base64EncodedString())'; form-action 'none'; base-uri 'none'"

    /// The policy `/status` sends: the page's, and no framing (which only a header can say).
    public static let contentSecurityPolicy = documentPolicy + "; frame-ancestors 'none'"

    /// The headers `/status` answers with: the policy, no framing, no referrer, no sniffing, and a short
    /// cache (the page is rebuilt every few seconds).
    public static let htmlHeaders: [(name: String, value: String)] = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Security-Policy", contentSecurityPolicy),
        ("X-Frame-Options", "DENY"),
        ("Cache-Control", "public, max-age=5"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Content-Type-Options", "nosniff")
    ]

    /// The page's overall state in a few words: Atlassian's description, or that it is unknown.
    var headline: String {
        notPolledSince == nil ? indicator.description : "State unknown: no Klaxon poller is running"
    }

    /// The whole document.
    public var html: String {
        let formatter = LocalTimeFormatter(timeZone: timeZone)
        func time(_ t: Timestamp) -> String {
            let abbreviation = timeZone.abbreviation(for: t.date) ?? ""
            return
                "<time datetime=\"\(t.rfc3339)\">\(formatter.dateTime(t).prefix(16)) \(Self.escape(abbreviation))</time>"
        }
        let indicator = self.indicator
        var body = "<header>\n<h1>\(Self.escape(name)) status</h1>\n"
        body += "<p class=\"overall i-\(indicator.rawValue)\" id=\"overall\">\(headline)</p>\n"
        let unknown = components.flatMap(\.checks).filter { $0.state == .unknown }.count
        if let notPolled = notPolledSince {
            let unknown = "so the state of every component is unknown (counted as degraded, never as operational)"
            let since =
                notPolled.lastPolled.map {
                    "nothing has been checked since \(time($0)), \(unknown) and the bars show no data from then on"
                } ?? "nothing has been checked yet, \(unknown) and the bars show no data"
            body += "<p id=\"not-polled\"><strong>No Klaxon poller is running</strong>: \(since).</p>\n"
        } else if unknown > 0 {
            body +=
                "<p>Klaxon does not know the state of \(Plural.count(unknown, "check")) now (not checked yet, or its source cannot be read), counted here as degraded, never as operational.</p>\n"
        }
        body += "</header>\n"

        body += "<section aria-labelledby=\"h-incidents\">\n<h2 id=\"h-incidents\">Active incidents</h2>\n"
        if incidents.isEmpty { body += "<p id=\"no-incidents\">No active incidents.</p>\n" }
        for incident in incidents {
            body += "<article class=\"incident\" data-incident=\"\(Self.escape(incident.id))\">\n"
            body += "<h3>\(Self.escape(incident.title))</h3>\n"
            var meta = [
                Self.escape(incident.id), incident.severity.name, "\(Self.phase(incident.publicStatus))",
                "since " + time(incident.declaredAt)
            ]
            if !incident.components.isEmpty {
                meta.append("affects " + incident.components.map(Self.escape).joined(separator: ", "))
            }
            body += "<p class=\"meta\">\(meta.joined(separator: " · "))</p>\n"
            if incident.updates.isEmpty {
                body += "<p>We are investigating; the first update will follow here.</p>\n"
            } else {
                body += "<ol class=\"updates\" reversed>\n"
                for update in incident.updates.reversed() {
                    body +=
                        "<li data-phase=\"\(update.phase.rawValue)\"><p class=\"when\"><strong>\(Self.phase(update.phase))</strong> · \(time(update.at))</p><p class=\"text\">\(Self.escapeKeepingLines(update.text))</p></li>\n"
                }
                body += "</ol>\n"
            }
            body += "</article>\n"
        }
        body += "</section>\n"

        if !maintenances.isEmpty {
            body += "<section aria-labelledby=\"h-maintenance\">\n<h2 id=\"h-maintenance\">Scheduled maintenance</h2>\n"
            for window in maintenances {
                body += "<div class=\"maintenance\" data-maintenance=\"\(window.id)\">\n"
                body +=
                    "<p><strong>\(window.inProgress ? "In progress" : "Scheduled")</strong>: \(time(window.from)) to \(time(window.to))</p>\n"
                body +=
                    "<p class=\"meta\">\(window.components.isEmpty ? "Every component" : window.components.map(Self.escape).joined(separator: ", "))</p>\n"
                body += "</div>\n"
            }
            body += "</section>\n"
        }

        body += "<section aria-labelledby=\"h-components\">\n<h2 id=\"h-components\">Components</h2>\n"
        body +=
            "<p>Each bar is one day in \(Self.escape(timeZone.identifier)), the last \(Self.days) days, oldest first.</p>\n"
        body += "<ul class=\"legend\">"
        for (kind, words) in [
            (DayUptime.Kind.up, "up"), (.minor, "down under an hour"), (.major, "down an hour or more"),
            (.maintenance, "maintenance"), (.noData, "no data")
        ] {
            body += "<li class=\"d-\(kind.rawValue)\">\(words)</li>"
        }
        body += "</ul>\n"
        for component in components {
            body +=
                "<div class=\"component\" data-component=\"\(Self.escape(component.name))\" data-status=\"\(component.status.rawValue)\">\n"
            body +=
                "<div class=\"head\"><h3>\(Self.escape(component.name))</h3><span class=\"state s-\(component.status.rawValue)\">\(component.statusText)</span></div>\n"
            if component.checks.count > 1 || component.checks.first?.name != component.name {
                body += "<ul class=\"checks\">"
                for check in component.checks {
                    body +=
                        "<li data-check=\"\(Self.escape(check.name))\" data-state=\"\(check.state.rawValue)\">\(Self.escape(check.name)): <span class=\"s-\(check.status.rawValue)\">\(ComponentStatus.text(of: check.state))</span></li>"
                }
                body += "</ul>\n"
            }
            body += "<ol class=\"bars\" aria-label=\"\(Self.escape(component.name)): uptime by day, oldest first\">"
            for day in component.days {
                body +=
                    "<li class=\"d-\(day.kind.rawValue)\" title=\"\(day.text)\"><span class=\"vh\">\(day.text)</span></li>"
            }
            body += "</ol>\n"
            let up = component.days.reduce(Int64(0)) { $0 + $1.upMilliseconds }
            let down = component.days.reduce(Int64(0)) { $0 + $1.downMilliseconds }
            let overall = up + down > 0 ? DayUptime.percent(up, of: up + down) + " up" : "no data"
            body +=
                "<p class=\"range\"><span>\(Self.days) days ago</span><span>\(overall)</span><span>Today</span></p>\n"
            body += "</div>\n"
        }
        body += "</section>\n"
        body +=
            "<footer><p>Generated at \(time(generatedAt)). Times in \(Self.escape(timeZone.identifier)).</p></footer>\n"
        return HTMLDocument.page(
            title: "\(Self.escape(name)) status: \(headline)", style: Self.style,
            metas: [
                "<meta http-equiv=\"Content-Security-Policy\" content=\"\(Self.documentPolicy)\">",
                "<meta name=\"referrer\" content=\"no-referrer\">", "<meta http-equiv=\"refresh\" content=\"60\">"
            ], body: body)
    }

    /// `Investigating`, `Identified`…
    static func phase(_ status: IncidentStatus) -> String {
        status.rawValue.prefix(1).uppercased() + status.rawValue.dropFirst()
    }

    /// Text for HTML content and attributes: markup characters escaped, control characters dropped.
    static func escape(_ text: String) -> String { HTMLDocument.escape(text) }

    /// `escape`, keeping the line breaks (an update's paragraphs, shown by the `text` class).
    static func escapeKeepingLines(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { escape(String($0)) }.joined(separator: "\n")
    }
}
