import Foundation
import KlaxonCore
import KlaxonHTTP

/// The real page transport: sends one delivery attempt through its contact, a webhook (signed), Slack,
/// email (SMTP) or a command. Secrets are read here, at the moment of sending, and scrubbed from
/// whatever is reported back.
struct ChannelPageTransport: PageTransport {
    var channels: DeliveryChannels
    /// The environment secrets (`env:NAME`) are read from, and a command's `PATH`.
    var environment: [String: String]
    /// How pages' action links are made; nil: pages carry none (`intake.public_url` is not set).
    var links: LinkSigning?

    /// What signing a page's action links needs: `intake:`'s `public_url`, `link_secret` and `link_expiry`,
    /// and the workspace's name (under the HMAC).
    struct LinkSigning {
        var publicURL: String
        var secret: SecretReference
        var expirySeconds: Int64
        var workspace: String
        /// The key id the listening intake checks links with, as the journal `alerts` last said (nil: none
        /// said): links signed with another key would be refused, so the page goes without them.
        var listenerKey: @Sendable () -> String? = { nil }

        init?(workspace: WorkspaceConfig) {
            guard let intake = workspace.intake, let publicURL = intake.publicURL, let secret = intake.linkSecret
            else { return nil }
            self.publicURL = publicURL
            self.secret = secret
            expirySeconds = intake.linkExpirySeconds
            self.workspace = workspace.name
        }
    }

    init(channels: DeliveryChannels, environment: [String: String], links: LinkSigning? = nil) {
        self.channels = channels
        self.environment = environment
        self.links = links
    }

    func deliver(_ message: PageMessage, now: Timestamp) -> PageOutcome {
        var message = message
        // A page goes out even when its links cannot be made (the key's variable unset): it says so.
        var linkProblem: String?
        if let links {
            do throws(KlaxonError) {
                let key = ActionLink.Key(secret: try resolve(links.secret), workspace: links.workspace)
                if let listening = links.listenerKey(), listening != key.id {
                    throw .badInput(
                        "this process's intake.link_secret is not the key klaxon watch's listener checks links with (they would be refused); give this process the same secret, or let klaxon watch send the pages"
                    )
                }
                message.actionLinks = PageActionLinks(
                    attempt: message.attempt, incident: message.incident, base: links.publicURL, key: key, now: now,
                    expiresAfter: links.expirySeconds)
            } catch {
                linkProblem = "sent without action links: " + error.message
            }
        }
        let outcome = send(message, now: now)
        guard let linkProblem else { return outcome }
        switch outcome {
        case .delivered(let detail): return .delivered(detail: detail + "; " + linkProblem)
        case .failed(let reason): return .failed(reason: reason + "; " + linkProblem)
        }
    }

    private func send(_ message: PageMessage, now: Timestamp) -> PageOutcome {
        var secrets: [String] = []
        func reveal(_ reference: String) throws(KlaxonError) -> String {
            guard let parsed = SecretReference(reference) else { return reference }  // a plain value, not secret
            let value = try resolve(parsed)
            secrets.append(value)
            return value
        }
        let contact = message.attempt.contact
        let timeout = channels.timeoutSeconds
        let outcome: OutboundTransfer.Outcome
        do throws(KlaxonError) {
            switch contact.kind {
            case .webhook:
                let body = message.webhookJSON
                var headers = ["Content-Type: application/json", "X-Klaxon-Page: \(message.attempt.pageID)"]
                if let secret = channels.webhookSecret {
                    headers.append(
                        "X-Klaxon-Signature: " + PageMessage.signature(body: body, secret: try reveal(secret), at: now))
                }
                outcome = OutboundTransfer.post(
                    url: try reveal(contact.target[0]), headers: headers, body: Array(body.utf8),
                    timeoutSeconds: timeout)
            case .slack:
                outcome = OutboundTransfer.post(
                    url: try reveal(contact.target[0]), headers: ["Content-Type: application/json"],
                    body: Array(message.slackJSON.utf8), timeoutSeconds: timeout)
            case .email:
                guard let email = channels.email else {
                    throw .badInput("no email server: add channels: {email: {server, from}} to klaxon.yaml")
                }
                let to = contact.target[0]
                outcome = OutboundTransfer.sendMail(
                    server: email.server, from: email.from, to: [to],
                    message: Array(message.email(from: email.from, to: to).utf8),
                    startTLS: email.startTLS, username: email.username,
                    password: try email.password.map(reveal), timeoutSeconds: timeout)
            case .command:
                var env = message.commandEnvironment
                env["PATH"] = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
                switch ChildProcess.run(contact.target, environment: env, timeoutSeconds: Double(timeout)) {
                case .failure(let error): outcome = .failed(error.message)
                case .success(let exit) where exit.timedOut: outcome = .failed("no answer within \(timeout)s; killed")
                case .success(let exit) where exit.status == 0: outcome = .delivered(detail: "exit 0")
                case .success(let exit):
                    let last = exit.output.split(whereSeparator: \.isNewline).last.map { ": " + $0 } ?? ""
                    outcome = .failed((exit.status.map { "exit \($0)" } ?? "killed by a signal") + last)
                }
            }
        } catch {
            return .failed(reason: error.message)
        }
        switch outcome {
        case .delivered(let detail): return .delivered(detail: scrub(detail, secrets))
        case .failed(let detail): return .failed(reason: scrub(detail, secrets))
        }
    }

    func resolve(_ reference: SecretReference) throws(KlaxonError) -> String {
        try SecretResolver(environment: environment, role: "pages").resolve(reference)
    }

    /// `text` with every secret (and a URL's path, which often is one) replaced.
    func scrub(_ text: String, _ secrets: [String]) -> String {
        var result = text
        for secret in secrets where !secret.isEmpty {
            result = result.replacingOccurrences(of: secret, with: "[secret]")
        }
        return result
    }
}
