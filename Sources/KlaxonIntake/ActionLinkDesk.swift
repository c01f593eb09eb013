import Dispatch
import KlaxonCore
import KlaxonStore
import Synchronization

/// Answers the action links in pages (docs/action-links.md): checks the link, shows the incident and one
/// button on a GET (which acts on nothing: mail scanners and chat unfurlers fetch links), and carries out
/// the button's POST as the person the link was made for, with `via: link` and the client's address on
/// the record. Every refusal is a page that says why in plain words. It reads and writes the store
/// directly, as `klaxon incident ack` does; whichever process runs the escalation engine sees the record.
public struct ActionLinkDesk: Sendable {
    let key: ActionLink.Key
    let workspace: Workspace
    let clock: @Sendable () -> Timestamp
    /// This process, named on the records it writes (their actor is the link's person).
    let host: String
    let pid: Int
    /// The links opened so far by this process, so that a scanner fetching one a hundred times notes it once.
    private let noted = NotedLinks()

    /// `secret` is `intake.link_secret` resolved.
    public init(
        secret: String, workspace: Workspace, host: String, pid: Int, clock: @escaping @Sendable () -> Timestamp
    ) {
        key = ActionLink.Key(secret: secret, workspace: workspace.config.name)
        self.workspace = workspace
        self.host = host
        self.pid = pid
        self.clock = clock
    }

    /// An answer: the HTTP status and the page.
    public struct Answer: Sendable {
        public var status: Int
        public var page: ActionLinkPage
        /// The methods the link takes, for a 405's `Allow`.
        public var allow: String?
    }

    /// The answer to `method` (`GET`, `HEAD` or `POST`) of the link whose token is `token`, from `client`
    /// (`forwardedFor`: what a proxy's `X-Forwarded-For` claimed). Blocks on the store: call it off the
    /// event loops (`answer(…) async` does).
    func answerNow(token: String, post: Bool, client: String, forwardedFor: String?) -> Answer {
        let now = clock()
        let link: ActionLink
        do { link = try ActionLink.verify(token: token, key: key, now: now) } catch {
            // An expired link is authentic: the incident it was for is shown as it is now.
            var shown: ActionLinkPage.Card?
            if case .expired(_, let id) = error, let journal = try? workspace.incidents.open(id) {
                shown = card(journal.incident, now: now, loadEngine())
            }
            return Answer(
                status: 403,
                page: ActionLinkPage(heading: "This link does not work", message: error.explanation, incident: shown))
        }
        // Only for an authentic link: a forged one costs no file read.
        let engine = loadEngine()
        let journal: IncidentJournal
        do { journal = try workspace.incidents.open(link.incident) } catch {
            return error.isUnreachable
                ? Self.storeAway
                : Answer(
                    status: 404,
                    page: ActionLinkPage(
                        heading: "\(link.incident) is not here",
                        message:
                            "Klaxon has no incident \(link.incident) any more (it may have been archived). Look in Klaxon itself."
                    ))
        }
        let incident = journal.incident
        let resolvedSincePage = link.resolvedSinceItsPage(in: incident)
        if !incident.isOpen || resolvedSincePage != nil {
            let resolvedAt = resolvedSincePage ?? incident.keyTimes[.resolved]
            let at = resolvedAt.map { " at " + Self.time($0, now: now) } ?? ""
            let reopened = incident.isOpen ? " (reopening it does not bring them back)" : ""
            return Answer(
                status: 403,
                page: ActionLinkPage(
                    heading: "This link expired",
                    message:
                        "\(incident.id) was resolved\(at) after this page was sent, so its links no longer work\(reopened).",
                    incident: card(incident, now: now, engine)))
        }
        let origin = ActionOrigin(client: client, forwardedFor: forwardedFor, page: link.page)
        if !post { note(link, client: client, at: now) }
        switch link.action {
        case .view:
            if post {
                return Answer(
                    status: 405,
                    page: ActionLinkPage(
                        heading: "This link only shows", message: "A view link acts on nothing.",
                        incident: card(incident, now: now, engine)), allow: "GET, HEAD")
            }
            return Answer(
                status: 200,
                page: ActionLinkPage(
                    heading: incident.id, incident: card(incident, now: now, engine), footnote: footnote(link))
            )
        case .acknowledge:
            if let ack = incident.acknowledgementSincePaging {
                return already(ack, incident, now: now, post: post, engine)
            }
            guard post else {
                return Answer(
                    status: 200,
                    page: ActionLinkPage(
                        heading: "Acknowledge \(incident.id)?",
                        message:
                            "Pressing the button acknowledges \(incident.id) as \(link.user): the escalation stops paging, as acknowledging in Klaxon does.",
                        incident: card(incident, now: now, engine), button: "Acknowledge as \(link.user)",
                        footnote: footnote(link)))
            }
            do {
                try journal.perform(.acknowledgeFromLink(origin), by: writer(link), now: clock)
            } catch {
                // Someone acknowledged between the look and the write: said as such, nothing recorded.
                if let ack = journal.incident.acknowledgementSincePaging {
                    return already(ack, journal.incident, now: now, post: true, engine)
                }
                return failed(error, journal.incident, now: now, engine)
            }
            return Answer(
                status: 200,
                page: ActionLinkPage(
                    heading: "Acknowledged",
                    message:
                        "\(incident.id) is acknowledged by \(link.user) (via this link) at \(Self.time(clock(), now: now)). The escalation stops paging.",
                    incident: card(journal.incident, now: clock(), engine)))
        case .escalate:
            if !link.isItsStepCurrent(in: incident) {
                let paging = engine.pagingState(of: incident, now: now).detail(now: now, formatter: .utc)
                return Answer(
                    status: post ? 409 : 200,
                    page: ActionLinkPage(
                        heading: "This page's step is over",
                        message:
                            "\(incident.id)'s escalation has moved on since this page was sent (\(paging)); escalating from this link would skip past whoever it pages now, so nothing was done. Use the newest page's link, or escalate in Klaxon itself.",
                        incident: card(incident, now: now, engine), footnote: footnote(link)))
            }
            if let refusal = engine.escalateNowRefusal(incident, now: now, formatter: .utc) {
                return Answer(
                    status: post ? 409 : 200,
                    page: ActionLinkPage(
                        heading: "Nothing to escalate", message: refusal, incident: card(incident, now: now, engine),
                        footnote: footnote(link)))
            }
            guard post else {
                return Answer(
                    status: 200,
                    page: ActionLinkPage(
                        heading: "Escalate \(incident.id) now?",
                        message:
                            "Pressing the button moves the escalation on from the step that paged you to the next one now, as \(link.user): whoever it names is paged at once.",
                        incident: card(incident, now: now, engine), button: "Escalate now",
                        footnote: footnote(link)))
            }
            do {
                try journal.perform(
                    .escalateNow(decidedAtRecord: incident.recordCount, origin: origin), by: writer(link), now: clock)
            } catch {
                return failed(error, journal.incident, now: now, engine)
            }
            let after = clock()
            return Answer(
                status: 200,
                page: ActionLinkPage(
                    heading: "Escalated",
                    message:
                        "\(incident.id): \(engine.escalatedNowText(journal.incident, now: after)) (by \(link.user), via this link).",
                    incident: card(journal.incident, now: after, engine)))
        }
    }

    /// `answerNow` on a thread of its own: the store's reads and writes block.
    func answer(token: String, post: Bool, client: String, forwardedFor: String?) async -> Answer {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    returning: answerNow(token: token, post: post, client: client, forwardedFor: forwardedFor))
            }
        }
    }

    private func writer(_ link: ActionLink) -> WriterIdentity { WriterIdentity(actor: link.user, host: host, pid: pid) }

    /// The escalation engine of `Escalation/` as it is now: read once per answer.
    private func loadEngine() -> EscalationEngine {
        EscalationFiles.load(workspaceRoot: workspace.root).engine(retry: workspace.config.pagingRetry)
    }

    private func card(_ incident: Incident, now: Timestamp, _ engine: EscalationEngine) -> ActionLinkPage.Card {
        let paging = engine.pagingState(of: incident, now: now).detail(now: now, formatter: .utc)
        return ActionLinkPage.Card(incident, paging: paging)
    }

    private func footnote(_ link: ActionLink) -> String {
        "This link acts as \(link.user) for \(link.incident) only, until \(ActionLink.readable(link.expires)) or until it is resolved. Anyone holding it can use it: do not forward it."
    }

    private func already(
        _ ack: EscalationEvent, _ incident: Incident, now: Timestamp, post: Bool, _ engine: EscalationEngine
    ) -> Answer {
        Answer(
            status: post ? 409 : 200,
            page: ActionLinkPage(
                heading: "Already acknowledged",
                message: "\(incident.id) is already acknowledged by \(ack.actor) at \(Self.time(ack.at, now: now))"
                    + (post ? "; nothing was recorded." : "."),
                incident: card(incident, now: now, engine)))
    }

    private func failed(_ error: KlaxonError, _ incident: Incident, now: Timestamp, _ engine: EscalationEngine)
        -> Answer
    {
        if error.isUnreachable { return Self.storeAway }
        return Answer(
            status: 409,
            page: ActionLinkPage(
                heading: "Nothing was done", message: error.message + ". Nothing was recorded.",
                incident: card(incident, now: now, engine)))
    }

    static let storeAway = Answer(
        status: 503,
        page: ActionLinkPage(
            heading: "Klaxon cannot reach its journals",
            message: "Nothing was read or recorded. Try again in a minute, or act in Klaxon itself."))

    /// `03:02 UTC` today, else `2026-12-05 03:02 UTC`.
    static func time(_ t: Timestamp, now: Timestamp) -> String {
        PagingState.when(t, now: now, formatter: .utc) + " UTC"
    }

    /// Notes the first opening of each link by this process on the journal `alerts`; a failure to note it
    /// changes nothing for the person (it is not their action).
    private func note(_ link: ActionLink, client: String, at now: Timestamp) {
        guard noted.insert("\(link.page) \(link.action.rawValue)") else { return }
        let opening = ActionLink.Opening(link, client: client, at: now)
        guard let store = try? workspace.journalStore else { return }
        _ = try? AlertJournal(store: store).append(
            RecordDraft(
                type: ActionLink.Opening.recordType, data: opening.data, timestamp: now, actor: link.user, host: host,
                pid: pid))
    }
}

/// The links a desk has noted as opened (shared by its copies, across the event loops' threads).
private final class NotedLinks: Sendable {
    private let keys = Mutex<Set<String>>([])

    /// True when `key` was not noted before.
    func insert(_ key: String) -> Bool { keys.withLock { $0.insert(key).inserted } }
}
