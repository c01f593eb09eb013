import ArgumentParser
import Foundation
import KlaxonCore
import KlaxonEngine
import KlaxonHTTP
import KlaxonStore

extension AlertCommand {
    /// `klaxon alert send`: one PagerDuty-style event to a running intake, through libcurl, and what it
    /// answered (the dedup key to acknowledge or resolve it with).
    struct Send: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a test event (PagerDuty Events v2) to a running intake and print its dedup key.",
            discussion: """
                The token is read from the variable --token-env names, else from the workspace's intake: tokens \
                (the one --token names, or the only one). Exit status 1 when the intake refuses it.
                """)
        @Option(help: ArgumentHelp("The intake's address (default: the workspace's intake: listen).", valueName: "url"))
        var to: String?
        @Option(name: .customLong("token-env"), help: ArgumentHelp("A variable holding the token.", valueName: "name"))
        var tokenEnvironment: String?
        @Option(help: ArgumentHelp("Which of intake: tokens to send with.", valueName: "name")) var token: String?
        @Option(help: "What is wrong (a trigger's payload.summary).") var summary = "Test alert from klaxon alert send"
        @Option(
            help:
                "critical, error, warning or info (default info: a test event your routes may declare and page for at critical)."
        ) var severity = "info"
        @Option(help: "The affected system (default: this host).") var source: String?
        @Option(name: .customLong("dedup-key"), help: "The alert's identity (needed to acknowledge or resolve).")
        var dedupKey: String?
        @Flag(help: "Resolve the alert of --dedup-key.") var resolve = false
        @Flag(help: "Acknowledge the alert of --dedup-key.") var acknowledge = false
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            let context = global.context
            guard !(resolve && acknowledge) else {
                throw KlaxonError.badInput("give --resolve or --acknowledge, not both")
            }
            let action = resolve ? "resolve" : acknowledge ? "acknowledge" : "trigger"
            guard action == "trigger" || dedupKey != nil else {
                throw KlaxonError.badInput("--\(action) needs --dedup-key KEY: the key the trigger was answered with")
            }
            guard PagerDutyEvent.Severity(rawValue: severity) != nil else {
                throw KlaxonError.badInput("--severity is \"\(severity)\"; give critical, error, warning or info")
            }
            let intake = (try? global.loadWorkspace())?.config.intake
            let secret = try Self.secret(
                environmentName: tokenEnvironment, token: token, intake: intake, context: context)
            let url = try Self.url(to, intake)
            var fields: [String: JSONValue] = ["routing_key": .string(secret), "event_action": .string(action)]
            if let dedupKey { fields["dedup_key"] = .string(dedupKey) }
            if action == "trigger" {
                fields["payload"] = .object([
                    "summary": .string(summary), "severity": .string(severity),
                    "source": .string(source ?? ProcessInfo.processInfo.hostName)
                ])
                fields["client"] = "klaxon alert send"
            }
            let body = Array(JSONValue.object(fields).canonicalJSON.utf8)
            let answer: OutboundTransfer.Answer
            switch OutboundTransfer.answer(
                post: url, headers: ["Content-Type: application/json"], body: body, timeoutSeconds: 10)
            {
            case .success(let got): answer = got
            case .failure(let error):
                throw KlaxonError.failed(
                    "the intake at \(url) did not answer: \(error.message); is klaxon watch running?")
            }
            let text = String(decoding: answer.body, as: UTF8.self)
            let json = try? JSONParser.parse(answer.body)
            guard answer.status == 202, let key = json?["dedup_key"]?.stringValue else {
                let said = (json?["errors"]?.arrayValue?.compactMap(\.stringValue)).map { $0.joined(separator: "; ") }
                throw KlaxonError.failed(
                    "the intake at \(url) answered HTTP \(answer.status): "
                        + TerminalText.printable(said ?? text.trimmingCharacters(in: .whitespacesAndNewlines)))
            }
            if output.json {
                context.print(json: .object(["status": .number(Double(answer.status)), "dedup_key": .string(key)]))
            } else {
                context.print("\(action): accepted (HTTP 202), dedup key \(key)")
            }
        }

        /// The token's secret: from `--token-env`, else through the workspace's config.
        static func secret(
            environmentName: String?, token: String?, intake: IntakeConfig?, context: CommandContext
        ) throws(KlaxonError) -> String {
            let resolver = SecretResolver(environment: context.environment, role: "sends (klaxon alert send)")
            if let environmentName {
                return try resolver.resolve(.environment(environmentName))
            }
            guard let tokens = intake?.tokens, !tokens.isEmpty else {
                throw .badInput("no token: pass --token-env NAME (a variable holding it), or configure intake: tokens")
            }
            let name: String
            if let token {
                guard tokens[token] != nil else {
                    throw .badInput(
                        "intake: tokens has no \(token) (it has \(tokens.keys.sorted().joined(separator: ", ")))")
                }
                name = token
            } else {
                guard tokens.count == 1 else {
                    throw .badInput(
                        "intake: tokens has \(tokens.keys.sorted().joined(separator: ", ")): pass --token NAME to say which"
                    )
                }
                name = tokens.keys.first!
            }
            return try resolver.resolve(tokens[name]!)
        }

        /// Where to POST: `--to` (with `/v2/enqueue` added unless given), else the workspace's listen
        /// address (a wildcard one reached on loopback).
        static func url(_ to: String?, _ intake: IntakeConfig?) throws(KlaxonError) -> String {
            if let to {
                guard to.hasPrefix("http://") || to.hasPrefix("https://") else {
                    throw .badInput("--to is \"\(to)\"; give the intake's address, such as http://127.0.0.1:9095")
                }
                return to.hasSuffix("/v2/enqueue")
                    ? to : (to.hasSuffix("/") ? String(to.dropLast()) : to) + "/v2/enqueue"
            }
            guard var listen = intake?.listen, listen.port != 0 else {
                throw .badInput("the workspace's intake has no fixed listen address: pass --to http://HOST:PORT")
            }
            if listen.host == "0.0.0.0" { listen.host = "127.0.0.1" }
            if listen.host == "::" { listen.host = "::1" }
            return "http://\(listen)/v2/enqueue"
        }
    }
}
