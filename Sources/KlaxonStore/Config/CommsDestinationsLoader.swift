import KlaxonCore
import Yams

/// Reads where status updates go, `comms: {destinations, routes, attempts, retry_backoff}` of klaxon.yaml
/// (docs/comms.md); `CommsConfigLoader` calls it for those keys. Every problem is an error naming
/// `klaxon.yaml:line:column` and what to write instead; what works but is likely not meant (a destination
/// no route names) is a warning.
extension CommsConfigLoader {
    /// The keys this file reads.
    static let destinationKeys = ["destinations", "routes", "attempts", "retry_backoff"]

    /// Reads one of `destinationKeys` into `comms`; the names routes give join `named` (checked by
    /// `checkRoutes` once every key is read, since destinations may come after routes).
    static func readDelivery(
        _ key: String, _ value: Node, _ file: YAMLFile, into comms: inout CommsConfig,
        named: inout [(name: String, node: Node)], secrets: inout [SecretReference.Use]
    ) throws(KlaxonError) {
        switch key {
        case "destinations":
            for (name, nameNode, spec) in try file.mapping(value, what: "comms: destinations") {
                guard IntakeConfig.isTokenName(name) else {
                    throw file.error(
                        nameNode,
                        "comms: destinations: \"\(name)\" is not a destination name; use 1 to 64 letters, digits, - or _ (such as platform-status)"
                    )
                }
                comms.destinations.append(try destination(name, spec, file, secrets: &secrets))
            }
        case "routes":
            for (index, item) in try file.sequence(value, what: "comms: routes").enumerated() {
                comms.routes.append(try route(item, index + 1, file, named: &named))
            }
        case "attempts":
            comms.retry.attempts = try file.integer(value, what: "comms: attempts", in: 1...20)
        case "retry_backoff":
            let ms = try file.duration(value, what: "comms: retry_backoff")
            guard ms >= 1000, ms <= 3_600_000 else {
                throw file.error(
                    value, "comms: retry_backoff must be from 1s to 1h (the wait before the second attempt)")
            }
            comms.retry.backoffSeconds = ms / 1000
        default:
            break
        }
    }

    /// `NAME: {slack: env:URL, channel: "#name"}`, `{email: [a@example.com]}` or `{webhook: URL, secret: env:S}`.
    static func destination(
        _ name: String, _ node: Node, _ file: YAMLFile, secrets: inout [SecretReference.Use]
    ) throws(KlaxonError) -> CommsDestination {
        let what = "comms: destinations: \(name)"
        let fields = try file.mapping(node, what: what)
        let kinds = fields.filter { ["slack", "email", "webhook"].contains($0.key) }
        guard kinds.count == 1, let (kindKey, _, kindValue) = kinds.first else {
            throw file.error(
                node,
                "\(what) needs exactly one of slack: (env:VAR holding the incoming webhook's URL), email: (a list of addresses) or webhook: (a URL), \(kinds.isEmpty ? "and has none" : "not several")"
            )
        }
        let allowed: [String: [String]] = [
            "slack": ["slack", "channel"], "email": ["email"], "webhook": ["webhook", "secret"]
        ]
        for (key, keyNode, _) in fields where !allowed[kindKey]!.contains(key) {
            throw file.error(
                keyNode,
                "unknown key \"\(key)\" in \(what), \(kindKey == "email" ? "an" : "a") \(kindKey) destination (known: \(allowed[kindKey]!.joined(separator: ", ")))"
            )
        }
        func field(_ key: String) -> Node? { fields.first { $0.key == key }?.value }
        let place = file.place(node)
        switch kindKey {
        case "slack":
            let text = try file.string(kindValue, what: "\(what): slack")
            // A Slack incoming webhook's URL lets anyone post to the channel: a credential.
            guard let url = SecretReference(text) else {
                throw file.error(
                    kindValue,
                    "\(what): slack must be a reference, never the webhook's URL itself (it lets anyone post to the channel): write slack: env:NAME (a variable of klaxon watch) or slack: file:PATH (a file holding the URL)"
                )
            }
            secrets.append(
                .init(reference: url, purpose: "\(what): slack", place: file.place(kindValue), reader: .comms))
            var channel: String?
            if let node = field("channel") {
                let text = try file.string(node, what: "\(what): channel")
                guard !text.isEmpty, text.count <= 80, TerminalText.printable(text) == text,
                    !text.contains(where: \.isNewline)
                else {
                    throw file.error(
                        node,
                        "\(what): channel is how the timeline names it: one printable line such as \"#platform-status\""
                    )
                }
                channel = text
            }
            return CommsDestination(name: name, kind: .slack(url: url, channel: channel), place: place)
        case "email":
            let addresses = try file.strings(kindValue, what: "\(what): email")
            guard !addresses.isEmpty else {
                throw file.error(kindValue, "\(what): email lists no address; write email: [eng-all@example.com]")
            }
            for address in addresses {
                if let problem = EmailAddress.problem(address) {
                    throw file.error(
                        kindValue,
                        "\(what): email: \"\(address)\" is not a plain email address: \(problem); write one such as eng-all@example.com"
                    )
                }
            }
            return CommsDestination(name: name, kind: .email(addresses: addresses), place: place)
        default:
            let url = try file.string(kindValue, what: "\(what): webhook")
            if let reference = SecretReference(url) {
                secrets.append(
                    .init(
                        reference: reference, purpose: "\(what): webhook", place: file.place(kindValue), reader: .comms)
                )
            } else if !(url.hasPrefix("https://") || url.hasPrefix("http://")) || url.contains(where: \.isWhitespace) {
                throw file.error(
                    kindValue,
                    "\(what): webhook is \"\(url)\"; write an http(s):// URL, or env:NAME when it holds a token")
            }
            guard let secretNode = field("secret") else {
                throw file.error(
                    node,
                    "\(what) needs secret: (env:NAME or file:PATH), the key its JSON is signed with, so the receiver can tell Klaxon's updates from anyone's"
                )
            }
            let text = try file.string(secretNode, what: "\(what): secret")
            guard let secret = SecretReference(text) else {
                throw file.error(
                    secretNode, "\(what): secret must be a reference, env:NAME or file:PATH, never the secret itself")
            }
            secrets.append(
                .init(reference: secret, purpose: "\(what): secret", place: file.place(secretNode), reader: .comms))
            return CommsDestination(name: name, kind: .webhook(url: url, secret: secret), place: place)
        }
    }

    /// One of `comms: routes` (`number` from 1, for messages): `{services, severities, to}`.
    static func route(_ node: Node, _ number: Int, _ file: YAMLFile, named: inout [(name: String, node: Node)])
        throws(KlaxonError) -> CommsRoute
    {
        let what = "comms: routes: \(number)"
        var route = CommsRoute(to: [], place: file.place(node))
        var toNode: Node?
        for (key, keyNode, value) in try file.mapping(node, what: what) {
            switch key {
            case "services":
                route.services = try file.strings(value, what: "\(what): services")
            case "severities":
                for item in try file.sequence(value, what: "\(what): severities") {
                    let text = try file.string(item, what: "each of \(what): severities")
                    guard let severity = Severity(parsing: text) else {
                        throw file.error(
                            item, "\(what): severities: \"\(text)\" is not a severity; write \(Severity.expected)")
                    }
                    route.severities.append(severity)
                }
            case "to":
                toNode = value
                for item in try file.sequence(value, what: "\(what): to") {
                    let name = try file.string(item, what: "each of \(what): to")
                    route.to.append(name)
                    named.append((name, item))
                }
            default:
                throw file.error(keyNode, "unknown key \"\(key)\" in \(what) (known: services, severities, to)")
            }
        }
        guard !route.to.isEmpty else {
            throw file.error(toNode ?? node, "\(what) sends to nobody; add to: [NAME, …], names of comms: destinations")
        }
        return route
    }

    /// Once `comms:` is read: every name a route gives is a destination; a destination no route names,
    /// or destinations without routes, are warnings (nothing is sent there).
    static func checkRoutes(
        _ comms: CommsConfig, named: [(name: String, node: Node)], _ file: YAMLFile, warnings: inout [String]
    ) throws(KlaxonError) {
        let known = comms.destinations.map(\.name)
        for (name, node) in named where !known.contains(name) {
            throw file.error(
                node,
                "comms: routes name \"\(name)\", which is not in comms: destinations (\(known.isEmpty ? "there are none" : "there are: " + known.joined(separator: ", ")))"
            )
        }
        for destination in comms.destinations where !comms.routes.contains(where: { $0.to.contains(destination.name) })
        {
            warnings.append(
                "\(destination.place): comms: destinations: \(destination.name) is never used: no route sends to it; add it to a route's to:"
            )
        }
    }

    /// Once klaxon.yaml is read: an email destination needs `channels: email` (the SMTP server).
    static func checkChannels(_ comms: CommsConfig, channels: DeliveryChannels) throws(KlaxonError) {
        guard channels.email == nil,
            let destination = comms.destinations.first(where: { if case .email = $0.kind { true } else { false } })
        else { return }
        throw .badInput(
            "\(destination.place): comms: destinations: \(destination.name) sends email, but klaxon.yaml has no channels: email; add channels: {email: {server: smtp://HOST:PORT, from: klaxon@example.com}}"
        )
    }
}
