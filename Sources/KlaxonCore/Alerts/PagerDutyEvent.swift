/// An alert event as PagerDuty's Events API v2 takes it (`POST /v2/enqueue`): what CI systems, scripts
/// and monitoring tools that "send to PagerDuty" send. Its fields and their rules are PagerDuty's own
/// (developer.pagerduty.com, "Send an Alert Event"): `routing_key` and `event_action` always;
/// `dedup_key` for `acknowledge` and `resolve` (a `trigger` without one gets one generated); for a
/// `trigger`, `payload.summary` (at most 1,024 characters), `payload.source` and `payload.severity`
/// (`critical`, `error`, `warning`, `info`). Change events (`/v2/change/enqueue`) are not alerts and are
/// not read here.
public struct PagerDutyEvent: Equatable, Sendable {
    public enum Action: String, Equatable, Sendable {
        case trigger, acknowledge, resolve
    }

    /// PagerDuty's severities, most severe first.
    public enum Severity: String, CaseIterable, Equatable, Sendable {
        case critical, error, warning, info
    }

    /// What a `trigger` says of the problem.
    public struct Payload: Equatable, Sendable {
        public var summary: String
        /// The affected system (a host name, a cluster).
        public var source: String
        public var severity: Severity
        /// When the sender detected it, when given.
        public var timestamp: Timestamp?
        public var component: String?
        public var group: String?
        /// The kind of event (`payload.class`).
        public var eventClass: String?
        /// Free-form details, as sent.
        public var customDetails: JSONValue?
    }

    /// A link sent with the event (`links`, and `images` with an `href`).
    public struct Link: Equatable, Sendable {
        public var href: String
        public var text: String?
    }

    /// The integration's key: in Klaxon, one of the intake's tokens (the sender's credential).
    public var routingKey: String
    public var action: Action
    /// The alert's identity; nil for a `trigger` that gave none (the intake makes one and answers it).
    public var dedupKey: String?
    /// For a `trigger`; nil for the other actions (what they carry of it is ignored, as PagerDuty does).
    public var payload: Payload?
    public var links: [Link]
    /// The sending tool's name and link (`client`, `client_url`).
    public var client: String?
    public var clientURL: String?

    /// The longest `dedup_key` and `payload.summary` PagerDuty permits.
    public static let maximumDedupKey = 255
    public static let maximumSummary = 1024

    /// Parses an event's JSON body; throws every problem found, each naming its field.
    public static func parse<Bytes: Collection<UInt8>>(_ body: Bytes) throws(InvalidAlertBody) -> PagerDutyEvent {
        let json: JSONValue
        do { json = try JSONParser.parse(body) } catch {
            throw InvalidAlertBody(["the body is not JSON: \(error)"])
        }
        var reader = AlertBodyReader()
        guard let fields = reader.object(json, "the body") else { throw InvalidAlertBody(reader.problems) }
        let routingKey = reader.string(fields, "routing_key", at: "", required: true, maximum: 256)
        var action: Action?
        if let text = reader.string(fields, "event_action", at: "", required: true, maximum: 64) {
            action = Action(rawValue: text)
            if action == nil {
                reader.problem("event_action", "is \"\(text)\"; must be trigger, acknowledge or resolve")
            }
        }
        let dedupKey = reader.string(
            fields, "dedup_key", at: "", required: action == .acknowledge || action == .resolve,
            maximum: Self.maximumDedupKey)
        var payload: Payload?
        if action == .trigger, let object = reader.object(fields["payload"], "payload") {
            payload = Self.payload(object, &reader)
        }
        var links: [Link] = []
        for key in ["links", "images"] {
            switch fields[key] {
            case nil, .null?: break
            case .array(let items)?:
                for (index, item) in items.enumerated() {
                    guard let object = reader.object(item, "\(key)[\(index)]") else { continue }
                    let href = reader.string(object, "href", at: "\(key)[\(index)]", required: key == "links")
                    let text = reader.string(
                        object, key == "links" ? "text" : "alt", at: "\(key)[\(index)]", required: false)
                    if let href, !href.isEmpty { links.append(Link(href: href, text: text)) }
                }
            default: reader.problem(key, "must be an array of objects")
            }
        }
        let client = reader.string(fields, "client", at: "", required: false, maximum: 1024)
        let clientURL = reader.string(fields, "client_url", at: "", required: false, maximum: 4096)
        guard reader.problems.isEmpty, let routingKey, let action, action != .trigger || payload != nil else {
            throw InvalidAlertBody(reader.problems)
        }
        return PagerDutyEvent(
            routingKey: routingKey, action: action, dedupKey: dedupKey, payload: payload, links: links, client: client,
            clientURL: clientURL)
    }

    private static func payload(_ fields: [String: JSONValue], _ reader: inout AlertBodyReader) -> Payload? {
        let before = reader.problems.count
        let summary = reader.string(fields, "summary", at: "payload", required: true, maximum: Self.maximumSummary)
        let source = reader.string(fields, "source", at: "payload", required: true, maximum: 1024)
        var severity: Severity?
        if let text = reader.string(fields, "severity", at: "payload", required: true, maximum: 64) {
            severity = Severity(rawValue: text)
            if severity == nil {
                reader.problem("payload.severity", "is \"\(text)\"; must be critical, error, warning or info")
            }
        }
        var timestamp: Timestamp?
        if let text = reader.string(fields, "timestamp", at: "payload", required: false, maximum: 64) {
            timestamp = Self.time(text)
            if timestamp == nil { reader.problem("payload.timestamp", "is \"\(text)\", not an ISO 8601 time") }
        }
        let component = reader.string(fields, "component", at: "payload", required: false, maximum: 1024)
        let group = reader.string(fields, "group", at: "payload", required: false, maximum: 1024)
        let eventClass = reader.string(fields, "class", at: "payload", required: false, maximum: 1024)
        let details = fields["custom_details"].flatMap { $0 == .null ? nil : $0 }
        guard reader.problems.count == before, let summary, let source, let severity else { return nil }
        return Payload(
            summary: summary, source: source, severity: severity, timestamp: timestamp, component: component,
            group: group, eventClass: eventClass, customDetails: details)
    }

    /// RFC 3339, or the ISO 8601 form PagerDuty's own examples use, an offset without its colon
    /// (`2015-07-17T08:42:58.315+0000`).
    static func time(_ text: String) -> Timestamp? {
        if let time = Timestamp.parseRFC3339(text) { return time }
        let characters = Array(text)
        guard characters.count > 5, characters[characters.count - 5] == "+" || characters[characters.count - 5] == "-",
            characters.suffix(4).allSatisfy(\.isASCII), characters.suffix(4).allSatisfy(\.isNumber)
        else { return nil }
        return Timestamp.parseRFC3339(String(characters.dropLast(2)) + ":" + String(characters.suffix(2)))
    }
}
