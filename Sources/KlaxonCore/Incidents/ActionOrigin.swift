/// Where an action on an incident came from when it was not a responder's own terminal: a signed action
/// link opened from a page (docs/action-links.md). Recorded on the action's record (`via`, `client`,
/// `forwarded_for`, `page`) so the timeline, the header and the review say "acknowledged by bob via link".
public struct ActionOrigin: Hashable, Sendable {
    /// How the action arrived: `link`.
    public var via: String
    /// The address the request came from (the reverse proxy's, when there is one).
    public var client: String
    /// What the request's `X-Forwarded-For` claimed, as given (a proxy may set it; anyone may forge it).
    public var forwardedFor: String?
    /// The page whose link it was (`INC-7/3/1/1/bob/webhook`).
    public var page: String

    public init(via: String = "link", client: String, forwardedFor: String? = nil, page: String) {
        self.via = via
        self.client = client
        self.forwardedFor = forwardedFor
        self.page = page
    }

    /// The fields it adds to the action's record.
    public var fields: [String: JSONValue] {
        var fields: [String: JSONValue] = ["via": .string(via), "client": .string(client), "page": .string(page)]
        if let forwardedFor { fields["forwarded_for"] = .string(forwardedFor) }
        return fields
    }
}
