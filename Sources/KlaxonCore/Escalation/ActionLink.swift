import Crypto
import Foundation

/// A signed action link (docs/action-links.md): a capability that lets the person a page was sent to
/// view, acknowledge or escalate that one incident, from wherever the page landed, until it expires.
///
/// The link's token carries the incident, the page, the person, the action and the expiry in the clear, and an HMAC-SHA256 over them, the workspace's name and the key's id, made with
/// `intake.link_secret`. Nothing else is needed to check it, so any process with the key can. Changing
/// any character breaks the HMAC; rotating the key revokes every link made before (the key's id tells a
/// revoked link from a forged one, in words, and is itself under the HMAC).
public struct ActionLink: Hashable, Sendable {
    /// What a link does when its button is pressed.
    public enum Action: String, CaseIterable, Hashable, Sendable {
        /// Shows the incident; there is nothing to press.
        case view
        case acknowledge = "ack"
        /// Moves the running policy on to its next step now.
        case escalate
    }

    public var incident: String
    /// The page the link was sent in, whichever contact and attempt carried it: `INC-7/3/1/1/bob` (the
    /// incident, the phase, round and step of its escalation, and the person). One person's links for one
    /// step are the same in the webhook, the Slack message and the email, and in every retry.
    public var page: String
    /// The person paged, as whom the action is recorded.
    public var user: String
    public var action: Action
    /// When it stops working, at the latest (a resolved incident's links stop at once). Whole seconds.
    public var expires: Timestamp

    public init(incident: String, page: String, user: String, action: Action, expires: Timestamp) {
        self.incident = incident
        self.page = page
        self.user = user
        self.action = action
        self.expires = Timestamp(milliseconds: expires.milliseconds / 1000 * 1000)
    }

    /// The key links are signed with, for one workspace.
    public struct Key: Sendable {
        let key: SymmetricKey
        let workspace: String
        /// Eight hex digits naming the key (from its hash: it says nothing of the key itself).
        public let id: String

        /// `secret` as `intake.link_secret` resolves; `workspace` is `klaxon.yaml`'s `name` (a link made
        /// for one workspace does not work in another that shares the key).
        public init(secret: String, workspace: String) {
            key = SymmetricKey(data: Array(secret.utf8))
            self.workspace = workspace
            id = SHA256.hash(data: Array("klaxon action link key\n\(secret)".utf8)).prefix(4)
                .map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        }
    }

    /// Why a presented token does not work, in words for the person holding it.
    public enum Refusal: Error, Hashable, Sendable {
        /// Not a token at all: cut short when copied, or mangled.
        case malformed
        /// Not made with the key in use: one replaced since (`intake.link_secret` rotated: revoked for
        /// everyone), or a key id altered or from elsewhere; the two cannot be told apart.
        case revoked
        /// Its HMAC does not match: a character was changed, or it was not made with this workspace's key.
        case forged
        /// Authentic, and past its expiry: which incident it was for can be said.
        case expired(at: Timestamp, incident: String)

        /// A sentence for the page that refuses it.
        public var explanation: String {
            switch self {
            case .malformed:
                "This is not a whole Klaxon action link: part of it is missing or mangled (a mail or chat client may have cut it). Open the link from the page again, or act in Klaxon itself."
            case .revoked:
                "This link was not signed with the key this Klaxon uses now: that key was replaced since (every link made with the old one is revoked), or the link was altered or made elsewhere. Use a link from a newer page, or act in Klaxon itself."
            case .forged:
                "This link was altered or was not made by this Klaxon: its signature does not match. Use the link exactly as the page gave it, or act in Klaxon itself."
            case .expired(let at, let incident):
                "This link to \(incident) expired at \(ActionLink.readable(at)). Use a link from a newer page, or act in Klaxon itself."
            }
        }
    }

    /// The fields the HMAC covers and the token carries, one a line (no field can hold a line break:
    /// ids and page keys are names).
    private var fields: String {
        ["1", incident, page, user, action.rawValue, String(expires.milliseconds / 1000)]
            .joined(separator: "\n")
    }

    private static func signed(_ fields: String, keyID: String, workspace: String) -> [UInt8] {
        Array("klaxon action link\n\(workspace)\n\(keyID)\n\(fields)".utf8)
    }

    /// The token: `FIELDS.KEYID.HMAC`, FIELDS and HMAC in unpadded base64url, safe in any URL path.
    public func token(key: Key) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Self.signed(fields, keyID: key.id, workspace: key.workspace), using: key.key)
        return Self.base64url(Array(fields.utf8)) + "." + key.id + "." + Self.base64url(Array(mac))
    }

    /// The link's address under `base` (`intake.public_url`, without a trailing slash).
    public func url(base: String, key: Key) -> String {
        base + Self.pathPrefix + token(key: key)
    }

    /// `2026-12-07 03:02 UTC`: a time as people read it on a link's page and in a page's text.
    public static func readable(_ t: Timestamp) -> String {
        String(t.rfc3339.prefix(16)).replacingOccurrences(of: "T", with: " ") + " UTC"
    }

    /// The escalation step the link's page was sent for, as `incident`'s timeline records it (the engine's
    /// `escalation.step`), and everything after it; nil when the timeline has no such step.
    private func eventsSinceItsStep(in incident: Incident) -> ArraySlice<EscalationEvent>? {
        let parts = page.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 5 else { return nil }
        let events = incident.escalationEvents
        guard
            let index = events.lastIndex(where: { event in
                guard case .step(let phase, let cycle, let step) = event.kind else { return false }
                return phase == parts[1] && String(cycle) == parts[2] && String(step) == parts[3]
            })
        else { return nil }
        return events[events.index(after: index)...]
    }

    /// When `incident` was resolved after the link's page was sent (nil: it was not): its links stay dead
    /// though it is reopened, as they died when it was resolved.
    public func resolvedSinceItsPage(in incident: Incident) -> Timestamp? {
        eventsSinceItsStep(in: incident)?.first { $0.kind == .resolved }?.at
    }

    /// Whether the escalation still stands at the step the link's page was sent for: no later step began
    /// and nobody escalated since. An escalate link acts only then, so that a second press, a reload or a
    /// link read late never skips past the people the escalation has moved on to.
    public func isItsStepCurrent(in incident: Incident) -> Bool {
        guard let since = eventsSinceItsStep(in: incident) else { return false }
        return !since.contains { event in
            switch event.kind {
            case .step, .advanced, .started, .pageRequested: true
            default: false
            }
        }
    }

    /// The intake's path of action links.
    public static let pathPrefix = "/v1/link/"

    /// The link a token stands for, when its HMAC is right (compared in constant time) and it has not
    /// expired at `now`; else why not. The checks run in an order that never tells more than the token
    /// already says: its form, its key, its HMAC, then its expiry (which only an authentic link reaches).
    public static func verify(token: String, key: Key, now: Timestamp) throws(Refusal) -> ActionLink {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, token.utf8.count <= 2048, let fieldBytes = unbase64url(parts[0]),
            let mac = unbase64url(parts[2]), mac.count == 32, let text = String(bytes: fieldBytes, encoding: .utf8)
        else { throw .malformed }
        let values = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard values.count == 6, values[0] == "1", let action = Action(rawValue: values[4]),
            let seconds = Int64(values[5])
        else { throw .malformed }
        guard parts[1] == key.id else { throw .revoked }
        guard
            HMAC<SHA256>.isValidAuthenticationCode(
                mac, authenticating: signed(text, keyID: key.id, workspace: key.workspace), using: key.key)
        else { throw .forged }
        let link = ActionLink(
            incident: values[1], page: values[2], user: values[3], action: action,
            expires: Timestamp(milliseconds: seconds * 1000))
        guard now < link.expires else { throw .expired(at: link.expires, incident: link.incident) }
        return link
    }

    static func base64url(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        while text.hasSuffix("=") { text.removeLast() }
        return String(text.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
    }

    static func unbase64url(_ text: Substring) -> [UInt8]? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            return nil
        }
        var standard = String(text.map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
        while standard.utf8.count % 4 != 0 { standard += "=" }
        // Only the one canonical spelling: the last character's unused bits must be zero, so that no two
        // tokens stand for one link.
        guard let bytes = Data(base64Encoded: standard).map(Array.init), base64url(bytes) == text else { return nil }
        return bytes
    }
}

/// The three links a page carries (`PageMessage.actionLinks`): view, acknowledge, escalate now.
public struct PageActionLinks: Hashable, Sendable {
    public var view: String
    public var acknowledge: String
    public var escalate: String
    public var expires: Timestamp

    /// The links of `attempt`'s page in `incident`, under `base`, expiring `seconds` after its step began
    /// (as the incident's timeline says; `now` when it does not), so that every contact and retry of the
    /// page carries the same links.
    public init(
        attempt: DeliveryAttempt, incident: Incident, base: String, key: ActionLink.Key, now: Timestamp,
        expiresAfter seconds: Int64
    ) {
        let page = Self.page(of: attempt)
        let parts = attempt.page.split(separator: "/").map(String.init)
        let stepStart = incident.escalationEvents.last { event in
            guard parts.count >= 3, case .step(let phase, let cycle, let step) = event.kind else { return false }
            return phase == parts[0] && String(cycle) == parts[1] && String(step) == parts[2]
        }?.at
        let expires = (stepStart ?? now).adding(seconds: seconds)
        func url(_ action: ActionLink.Action) -> String {
            ActionLink(incident: attempt.incidentID, page: page, user: attempt.user, action: action, expires: expires)
                .url(base: base, key: key)
        }
        view = url(.view)
        acknowledge = url(.acknowledge)
        escalate = url(.escalate)
        self.expires = Timestamp(milliseconds: expires.milliseconds / 1000 * 1000)
    }

    /// `INC-7/3/1/1/bob`: the attempt's page id without its contact.
    public static func page(of attempt: DeliveryAttempt) -> String {
        let id = attempt.pageID
        guard let slash = id.lastIndex(of: "/") else { return id }
        return String(id[..<slash])
    }
}

extension ActionLink {
    /// A link's GET, noted on the journal `alerts` (record `link.opened`), never on the incident: a GET acts
    /// on nothing. `escalation status` shows the pages whose links were opened and not used (a person who
    /// looked and did not press, or a mail scanner that fetched it).
    public struct Opening: Hashable, Sendable {
        public var incident: String
        public var page: String
        public var user: String
        public var action: Action
        public var client: String
        public var at: Timestamp

        public init(_ link: ActionLink, client: String, at: Timestamp) {
            incident = link.incident
            page = link.page
            user = link.user
            action = link.action
            self.client = client
            self.at = at
        }

        /// Its record's type.
        public static let recordType = "link.opened"

        /// Its record's data.
        public var data: JSONValue {
            [
                "incident": .string(incident), "page": .string(page), "user": .string(user),
                "action": .string(action.rawValue), "client": .string(client)
            ]
        }

        /// The opening a `link.opened` record notes, nil for another record or one without its fields.
        public init?(record: JournalRecord) {
            let d = record.data
            guard record.type == Self.recordType, let incident = d["incident"]?.stringValue,
                let page = d["page"]?.stringValue, let user = d["user"]?.stringValue,
                let action = d["action"]?.stringValue.flatMap(Action.init(rawValue:)),
                let client = d["client"]?.stringValue
            else { return nil }
            self.incident = incident
            self.page = page
            self.user = user
            self.action = action
            self.client = client
            at = record.timestamp
        }
    }
}
