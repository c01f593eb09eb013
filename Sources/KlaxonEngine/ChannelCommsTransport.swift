import Foundation
import KlaxonCore
import KlaxonHTTP

/// The real comms transport: posts status updates to Slack incoming webhooks and signed webhooks, mails
/// them through `channels: email`, and sends reminders through a person's contact as pages go. Secrets
/// are read at the moment of sending and scrubbed from whatever is reported back.
struct ChannelCommsTransport: CommsTransport {
    var channels: DeliveryChannels
    /// The environment secrets (`env:NAME`) are read from, and a command's `PATH`.
    var environment: [String: String]

    func send(_ message: UpdateMessage, now: Timestamp) -> PageOutcome {
        var secrets: [String] = []
        let timeout = channels.timeoutSeconds
        let outcome: OutboundTransfer.Outcome
        do throws(KlaxonError) {
            switch message.delivery.destination.kind {
            case .slack(let url, _):
                outcome = OutboundTransfer.post(
                    url: try reveal(url, &secrets), headers: ["Content-Type: application/json"],
                    body: Array(message.slackJSON.utf8), timeoutSeconds: timeout)
            case .email(let addresses):
                let email = try emailChannel()
                outcome = OutboundTransfer.sendMail(
                    server: email.server, from: email.from, to: addresses,
                    message: Array(message.email(from: email.from, to: addresses).utf8), startTLS: email.startTLS,
                    username: email.username, password: try password(email, &secrets),
                    timeoutSeconds: timeout)
            case .webhook(let url, let secret):
                let body = message.webhookJSON
                let headers = [
                    "Content-Type: application/json", "X-Klaxon-Update: \(message.delivery.updateID)",
                    "X-Klaxon-Signature: "
                        + PageMessage.signature(body: body, secret: try reveal(secret, &secrets), at: now)
                ]
                outcome = OutboundTransfer.post(
                    url: try reveal(url, &secrets), headers: headers, body: Array(body.utf8), timeoutSeconds: timeout)
            }
        } catch {
            return .failed(reason: scrub(error.message, secrets))
        }
        return finish(outcome, secrets)
    }

    func remind(_ message: ReminderMessage, now: Timestamp) -> PageOutcome {
        guard let contact = message.reminder.contact else { return .failed(reason: "no contact") }
        var secrets: [String] = []
        let timeout = channels.timeoutSeconds
        let outcome: OutboundTransfer.Outcome
        do throws(KlaxonError) {
            switch contact.kind {
            case .webhook:
                let body = message.webhookJSON
                var headers = ["Content-Type: application/json"]
                if let secret = channels.webhookSecret {
                    headers.append(
                        "X-Klaxon-Signature: "
                            + PageMessage.signature(body: body, secret: try reveal(secret, &secrets), at: now))
                }
                outcome = OutboundTransfer.post(
                    url: try reveal(contact.target[0], &secrets), headers: headers, body: Array(body.utf8),
                    timeoutSeconds: timeout)
            case .slack:
                outcome = OutboundTransfer.post(
                    url: try reveal(contact.target[0], &secrets), headers: ["Content-Type: application/json"],
                    body: Array(message.slackJSON.utf8), timeoutSeconds: timeout)
            case .email:
                let email = try emailChannel()
                let to = contact.target[0]
                outcome = OutboundTransfer.sendMail(
                    server: email.server, from: email.from, to: [to],
                    message: Array(message.email(from: email.from, to: to).utf8), startTLS: email.startTLS,
                    username: email.username, password: try password(email, &secrets),
                    timeoutSeconds: timeout)
            case .command:
                var env = message.commandEnvironment
                env["PATH"] = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
                switch ChildProcess.run(contact.target, environment: env, timeoutSeconds: Double(timeout)) {
                case .failure(let error): outcome = .failed(error.message)
                case .success(let exit) where exit.timedOut: outcome = .failed("no answer within \(timeout)s; killed")
                case .success(let exit) where exit.status == 0: outcome = .delivered(detail: "exit 0")
                case .success(let exit): outcome = .failed(exit.status.map { "exit \($0)" } ?? "killed by a signal")
                }
            }
        } catch {
            return .failed(reason: scrub(error.message, secrets))
        }
        return finish(outcome, secrets)
    }

    private func password(_ email: EmailChannel, _ secrets: inout [String]) throws(KlaxonError) -> String? {
        guard let password = email.password else { return nil }
        return try reveal(password, &secrets)
    }

    private func emailChannel() throws(KlaxonError) -> EmailChannel {
        guard let email = channels.email else {
            throw .badInput("no email server: add channels: {email: {server, from}} to klaxon.yaml")
        }
        return email
    }

    /// The value behind a reference (kept to scrub it from what is reported); a plain value as it is.
    private func reveal(_ text: String, _ secrets: inout [String]) throws(KlaxonError) -> String {
        guard let reference = SecretReference(text) else { return text }
        return try reveal(reference, &secrets)
    }

    private func reveal(_ reference: SecretReference, _ secrets: inout [String]) throws(KlaxonError) -> String {
        let value = try SecretResolver(environment: environment, role: "sends status updates").resolve(reference)
        secrets.append(value)
        return value
    }

    private func finish(_ outcome: OutboundTransfer.Outcome, _ secrets: [String]) -> PageOutcome {
        switch outcome {
        case .delivered(let detail): .delivered(detail: scrub(detail, secrets))
        case .failed(let detail): .failed(reason: scrub(detail, secrets))
        }
    }

    private func scrub(_ text: String, _ secrets: [String]) -> String {
        var result = text
        for secret in secrets where !secret.isEmpty {
            result = result.replacingOccurrences(of: secret, with: "[secret]")
        }
        return result
    }
}
