/// Carries a page to a person through one contact. Every delivery the escalation runner makes goes
/// through one: the real one (`ChannelPageTransport`) posts webhooks and Slack messages, sends email
/// over SMTP and runs commands; the tests' in-memory one records each delivery and answers as scripted.
/// Only the interface lives here, beside the decisions it carries out; the core does no I/O.
public protocol PageTransport: Sendable {
    /// Delivers `message` through its attempt's contact and says what became of it, with no secret in
    /// the detail. It may block (up to the channels' timeout): the runner calls it on a thread of its
    /// own. `now` is the moment of sending (a webhook's signature carries it).
    func deliver(_ message: PageMessage, now: Timestamp) -> PageOutcome
}

/// What became of one delivery attempt: the journal's `page.result`.
public enum PageOutcome: Hashable, Sendable {
    /// Delivered; `detail` says how ("HTTP 200", "exit 0").
    case delivered(detail: String)
    /// Not delivered; `reason` says why ("HTTP 500", "no answer within 10s; killed").
    case failed(reason: String)

    public var isDelivered: Bool {
        if case .delivered = self { true } else { false }
    }

    /// The detail recorded with the outcome.
    public var detail: String {
        switch self {
        case .delivered(let detail): detail
        case .failed(let reason): reason
        }
    }
}
