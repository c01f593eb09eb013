/// How pages leave Klaxon, from `klaxon.yaml`'s `channels:`: the SMTP server for `email` contacts and
/// the secret that signs `webhook` payloads. Secrets are references (`env:NAME`, `file:PATH`) resolved
/// only when a page is sent.
public struct DeliveryChannels: Hashable, Sendable {
    public var email: EmailChannel?
    /// Signs webhook payloads (HMAC-SHA256) when set.
    public var webhookSecret: String?
    /// Per attempt, for HTTP, SMTP and commands.
    public var timeoutSeconds: Int64 = 10

    public init(email: EmailChannel? = nil, webhookSecret: String? = nil) {
        self.email = email
        self.webhookSecret = webhookSecret
    }
}

/// The SMTP server that sends `email` pages.
public struct EmailChannel: Hashable, Sendable {
    /// `smtp://host:port` (with `starttls` to upgrade) or `smtps://host:port`.
    public var server: String
    public var from: String
    /// Require STARTTLS on an `smtp://` server.
    public var startTLS: Bool
    public var username: String?
    /// A secret reference.
    public var password: String?

    public init(server: String, from: String, startTLS: Bool = false, username: String? = nil, password: String? = nil)
    {
        self.server = server
        self.from = from
        self.startTLS = startTLS
        self.username = username
        self.password = password
    }
}
