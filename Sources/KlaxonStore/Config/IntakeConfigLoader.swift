import KlaxonCore
import Yams

/// Reads `intake:` of `klaxon.yaml` into an `IntakeConfig`: every problem is an error naming
/// `klaxon.yaml:line:column` and what to write instead (docs/intake.md); what works but is likely not
/// meant (a listener other machines reach, a route's policy that pages nothing) is a warning.
enum IntakeConfigLoader {
    /// `intake: {listen, tokens, routes, max_body}`; the tokens' references join `secrets`, the warnings
    /// (`file:line:column: …`) `warnings`.
    static func read(
        _ node: Node, _ file: YAMLFile, warnings: inout [String], secrets: inout [SecretReference.Use]
    ) throws(KlaxonError) -> IntakeConfig {
        var intake = IntakeConfig()
        var listenNode: Node?
        var publicURLNode: Node?
        var linkSecretNode: Node?
        for (key, keyNode, value) in try file.mapping(node, what: "intake") {
            switch key {
            case "listen":
                let text = try file.string(value, what: "intake: listen")
                let listen: IntakeConfig.Listen
                do { listen = try IntakeConfig.Listen(parsing: text) } catch {
                    switch error {
                    case .form:
                        throw file.error(
                            value, "intake: listen is \"\(text)\"; write \(IntakeConfig.Listen.expected)")
                    case .port:
                        throw file.error(
                            value,
                            "intake: listen is \"\(text)\": \(IntakeConfig.Listen.ports); write one such as 127.0.0.1:9095"
                        )
                    }
                }
                // Legitimate behind a firewall, so only said: anyone who reaches it may try tokens, and
                // they cross the network in clear text (the intake speaks plain HTTP).
                if !listen.isLoopback {
                    let reach =
                        listen.isEveryInterface
                        ? "the intake then listens on every interface of this machine"
                        : "the intake then listens on \(listen.host), which other machines reach"
                    warnings.append(
                        "\(file.place(value)): intake: listen is \(listen): \(reach), and senders' tokens cross the network in clear text; listen on 127.0.0.1 behind a reverse proxy with TLS (docs/intake.md), or make sure a firewall lets only your senders in"
                    )
                }
                intake.listen = listen
                intake.listenPlace = file.place(value)
                listenNode = value
            case "tokens":
                for (name, nameNode, reference) in try file.mapping(value, what: "intake: tokens") {
                    guard IntakeConfig.isTokenName(name) else {
                        throw file.error(
                            nameNode,
                            "intake: tokens: \"\(name)\" is not a token name; name each token with 1 to 64 letters, digits, - or _ (such as alertmanager)"
                        )
                    }
                    let text = try file.string(reference, what: "intake: tokens: \(name)")
                    // Never the secret itself, and the message never repeats what was written.
                    guard let secret = SecretReference(text) else {
                        throw file.error(
                            reference,
                            "intake: tokens: \(name) must be a reference, never the secret itself: write \(name): env:NAME (a variable of klaxon watch) or \(name): file:PATH (a file holding the secret)"
                        )
                    }
                    intake.tokens[name] = secret
                    secrets.append(
                        .init(
                            reference: secret, purpose: "intake: tokens: \(name)", place: file.place(reference),
                            reader: .intake))
                }
            case "routes":
                intake.routes = try file.sequence(value, what: "intake: routes").enumerated().map {
                    (index, item) throws(KlaxonError) in try route(item, index + 1, file, warnings: &warnings)
                }
            case "max_body":
                let text = try file.string(value, what: "intake: max_body")
                guard let bytes = ByteSize.parse(text) else {
                    throw file.error(
                        value,
                        "intake: max_body is \"\(text)\"; write \(ByteSize.forms), from 1KiB to 256MiB, such as 8MiB (a group of 1,000 alerts is about 1.5 MB)"
                    )
                }
                guard IntakeConfig.maxBodyRange ~= bytes else {
                    throw file.error(
                        value,
                        "intake: max_body is \"\(text)\" (\(bytes) bytes); write a size from 1KiB to 256MiB, such as 8MiB (a group of 1,000 alerts is about 1.5 MB)"
                    )
                }
                intake.maxBodyBytes = bytes
            case "public_url":
                let text = try file.string(value, what: "intake: public_url")
                guard let url = IntakeConfigLoader.publicURL(text) else {
                    throw file.error(
                        value,
                        "intake: public_url is \"\(text)\"; write the address phones reach klaxon watch's listener at, https://HOST[:PORT][/PATH] with no query, such as https://klaxon.example.com (docs/action-links.md)"
                    )
                }
                if url.hasPrefix("http://"), !IntakeConfigLoader.isLoopbackURL(url) {
                    warnings.append(
                        "\(file.place(value)): intake: public_url is \(url): action links are capabilities and would cross the network in clear text; put the listener behind a reverse proxy with TLS and write its https:// address (docs/action-links.md)"
                    )
                }
                intake.publicURL = url
                publicURLNode = value
            case "link_secret":
                let text = try file.string(value, what: "intake: link_secret")
                guard let secret = SecretReference(text) else {
                    throw file.error(
                        value,
                        "intake: link_secret must be a reference, never the secret itself: write link_secret: env:NAME (a variable of klaxon watch) or link_secret: file:PATH (a file holding at least 32 random bytes, such as from: openssl rand -hex 32)"
                    )
                }
                intake.linkSecret = secret
                linkSecretNode = value
                secrets.append(
                    .init(
                        reference: secret, purpose: "intake: link_secret", place: file.place(value), reader: .intake))
            case "link_expiry":
                let milliseconds = try file.duration(value, what: "intake: link_expiry")
                guard IntakeConfig.linkExpiryRange ~= milliseconds / 1000 else {
                    throw file.error(
                        value, "intake: link_expiry must be from 1m to 30d (how long a page's links work), such as 24h")
                }
                intake.linkExpirySeconds = milliseconds / 1000
            default:
                throw file.error(
                    keyNode,
                    "unknown key \"\(key)\" in intake (known: listen, tokens, routes, max_body, public_url, link_secret, link_expiry)"
                )
            }
        }
        if let publicURLNode, intake.linkSecret == nil {
            throw file.error(
                publicURLNode,
                "intake: public_url is set but intake: link_secret is not, and action links must be signed; add link_secret: env:KLAXON_LINK_SECRET (a variable of klaxon watch holding at least 32 random bytes, such as from: openssl rand -hex 32)"
            )
        }
        if let linkSecretNode, intake.publicURL == nil {
            warnings.append(
                "\(file.place(linkSecretNode)): intake: link_secret is set but intake: public_url is not, so pages carry no action links; add public_url: the https:// address phones reach klaxon watch's listener at (docs/action-links.md)"
            )
        }
        if let publicURLNode, intake.listen == nil {
            warnings.append(
                "\(file.place(publicURLNode)): intake: public_url is set but intake: listen is not, so nothing answers the action links in pages; add listen: 127.0.0.1:9095 (behind the reverse proxy public_url names)"
            )
        }
        if let listenNode, intake.tokens.isEmpty {
            throw file.error(
                listenNode,
                "intake: listen is set but intake: tokens is empty, so every request would be refused; add tokens: {alertmanager: env:KLAXON_AM_TOKEN} (a name and where its secret is)"
            )
        }
        return intake
    }

    /// `text` as the base of action links when it is `http(s)://HOST[:PORT][/PATH]` with no query,
    /// fragment, user or space, without its trailing slash; else nil.
    static func publicURL(_ text: String) -> String? {
        var url = text
        while url.hasSuffix("/") { url.removeLast() }
        let scheme = url.hasPrefix("https://") ? "https://" : url.hasPrefix("http://") ? "http://" : nil
        guard let scheme else { return nil }
        let rest = url.dropFirst(scheme.count)
        let host = rest.prefix { $0 != "/" }
        guard !host.isEmpty, url.utf8.count <= 512,
            !url.contains(where: { $0 == "?" || $0 == "#" || $0 == "@" || $0 == "\\" || $0.isWhitespace || !$0.isASCII }
            ),
            !url.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { return nil }
        return url
    }

    /// Whether a public URL's host is this machine alone (`localhost`, 127.0.0.0/8, `[::1]`).
    static func isLoopbackURL(_ url: String) -> Bool {
        let authority = url.drop { $0 != "/" }.dropFirst(2).prefix { $0 != "/" }
        var host = authority
        if host.hasPrefix("[") {
            host = host.dropFirst().prefix { $0 != "]" }
        } else if let colon = host.lastIndex(of: ":") {
            host = host[..<colon]
        }
        return host == "localhost" || IPAddress(String(host))?.isLoopback == true
    }

    /// One of `intake: routes` (`number` from 1, for messages), with the places of it and its keys.
    static func route(_ node: Node, _ number: Int, _ file: YAMLFile, warnings: inout [String]) throws(KlaxonError)
        -> IntakeRoute
    {
        let what = "intake: routes: \(number)"
        var route = IntakeRoute()
        route.place = file.place(node)
        for (key, keyNode, value) in try file.mapping(node, what: what) {
            route.places[key] = file.place(value)
            switch key {
            case "match": route.match = try labels(value, file, what: "\(what): match")
            case "match_re":
                route.matchRE = try labels(value, file, what: "\(what): match_re")
                for (label, pattern) in route.matchRE {
                    do { _ = try Regex(pattern) } catch {
                        throw file.error(
                            value,
                            "\(what): match_re: \(label) is \"\(pattern)\", not a regular expression (\(error)); write one such as \"Registry.*\""
                        )
                    }
                }
            case "service": route.service = try file.string(value, what: "\(what): service")
            case "policy": route.policy = try file.string(value, what: "\(what): policy")
            case "runbook": route.runbook = try file.string(value, what: "\(what): runbook")
            case "declare":
                let text = try file.string(value, what: "\(what): declare")
                switch text.lowercased() {
                case "attach": route.declaration = .attach
                case "none": route.declaration = .none
                default:
                    guard let severity = Severity(parsing: text) else {
                        throw file.error(
                            value,
                            "\(what): declare is \"\(text)\"; write a severity (SEV1 to SEV\(Severity.allCases.count)), attach or none"
                        )
                    }
                    route.declaration = .declare(severity)
                }
            case "severity_label": route.severityLabel = try file.string(value, what: "\(what): severity_label")
            case "severities":
                for (label, _, severityNode) in try file.mapping(value, what: "\(what): severities") {
                    let text = try file.string(severityNode, what: "\(what): severities: \(label)")
                    guard let severity = Severity(parsing: text) else {
                        throw file.error(
                            severityNode,
                            "\(what): severities: \(label) is \"\(text)\"; write a severity, SEV1 to SEV\(Severity.allCases.count)"
                        )
                    }
                    route.severities[label] = severity
                }
            case "on_resolve":
                route.onResolve = try file.choice(value, what: "\(what): on_resolve", IntakeRoute.OnResolve.allCases)
            default:
                throw file.error(
                    keyNode,
                    "unknown key \"\(key)\" in \(what) (known: match, match_re, service, policy, runbook, declare, severity_label, severities, on_resolve)"
                )
            }
        }
        if route.declaration == .attach && route.service == nil {
            throw .badInput(
                "\(route.place(of: "declare")!): \(what): declare: attach takes an alert group onto an open incident of the route's service, and this route names no service, so it can never attach; add service: NAME (the service of the incidents it joins), or declare a severity or none"
            )
        }
        // A route's policy pages only the incident it declares.
        if let policy = route.policy, route.declaration == .none {
            warnings.append(
                "\(route.place(of: "policy")!): \(what): policy \(policy) is never used: the route declares none, so its alerts are only shown and page nobody; remove the policy, or declare a severity (SEV1 to SEV\(Severity.allCases.count)) for incidents it pages"
            )
        }
        return route
    }

    /// A mapping of label names to plain values (`{severity: critical}`).
    static func labels(_ node: Node, _ file: YAMLFile, what: String) throws(KlaxonError) -> [String: String] {
        var labels: [String: String] = [:]
        for (label, _, value) in try file.mapping(node, what: what) {
            labels[label] = try file.string(value, what: "\(what): \(label)")
        }
        return labels
    }
}
