/// A dead man's switch's ping that the intake accepted (`POST /v1/heartbeat/NAME`), recorded durably on the
/// store's journal `alerts` before it is answered, in the `pings` of an `alerts.received` record (beside
/// the batches of alerts that arrived with it). Every responder judges the `heartbeat` checks from these
/// records (`AlertBook.lastPings`), so a console, a restarted `klaxon watch` and a second machine all see
/// the same pings and never call a sender silent that pinged.
public struct HeartbeatPing: Equatable, Sendable {
    /// The heartbeat check pinged.
    public var check: String
    /// The name of the intake token the request proved, never its secret.
    public var token: String
    /// When the intake received it.
    public var at: Timestamp

    public init(check: String, token: String, at: Timestamp) {
        self.check = check
        self.token = token
        self.at = at
    }

    /// The record type an intake writes when it starts listening: from then on pings can arrive, so a
    /// heartbeat check's silence counts from the latest such start (the time an intake was not
    /// listening is never held against a sender). Its data is `{"listen": ADDRESS}`.
    public static let intakeStartedRecordType = "intake.started"

    /// The record type an intake writes when it stops listening (a clean stop; a killed one cannot):
    /// while no intake listens, a heartbeat check's silence is not the sender's, and is unknown.
    public static let intakeStoppedRecordType = "intake.stopped"

    /// The data of an `intake.started` (or `intake.stopped`) record of an intake listening on `listen`,
    /// answering action links signed with the key `linkKey` names (`ActionLink.Key.id`; nil: none).
    public static func intakeData(listen: String, linkKey: String? = nil) -> JSONValue {
        var data: [String: JSONValue] = ["listen": .string(listen)]
        if let linkKey { data["link_key"] = .string(linkKey) }
        return .object(data)
    }

    var json: JSONValue {
        .object(["check": .string(check), "token": .string(token), "at": .string(at.rfc3339)])
    }

    init?(json: JSONValue) {
        guard let check = json["check"]?.stringValue, let token = json["token"]?.stringValue,
            let at = json["at"]?.stringValue.flatMap(Timestamp.parseRFC3339)
        else { return nil }
        self.init(check: check, token: token, at: at)
    }
}
