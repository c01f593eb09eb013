import Foundation
import KlaxonCore
import Yams

/// The `checks:` and `maintenance:` of `klaxon.yaml`, read into definitions; every problem is a finding
/// with its place, and the checks that could be read are kept.
public struct CheckFiles: Sendable {
    public var checks: [CheckDefinition] = []
    public var maintenance: [MaintenanceWindow] = []
    public var findings: [ConfigFinding] = []
    /// The secrets the checks that read send (`env:`, `file:`), for `config validate`.
    public var secretUses: [SecretReference.Use] = []
    /// The checks that cannot be polled, each with why (an error of `findings`), placed among `checks`.
    public var unpolled: [UnpolledCheck] = []

    /// The top-level keys of `klaxon.yaml` read here: a syntax error under them breaks the checks only.
    public static let topLevelKeys: Set<String> = ["checks", "maintenance"]

    public static func load(workspaceRoot root: String, timeZone: TimeZone) -> CheckFiles {
        var result = CheckFiles()
        let path = root + "/" + Workspace.configFileName
        guard let (file, broken) = try? YAMLFile.loadParts(path: path), case .mapping(let top) = file.root else {
            return result
        }
        if let error = broken["checks"] {
            // Each item alone: one check with a bad indent leaves the others polling.
            let items = YAMLFile.sequenceItems(under: "checks", path: path) ?? []
            for (text, item) in items {
                switch item {
                case .success(let node): result.read(node, file)
                case .failure(let error):
                    result.findings.append(file.finding(error))
                    result.notPolled(
                        name: scalarField("name", in: text), group: scalarField("group", in: text) ?? "",
                        file.finding(error))
                }
            }
            if !items.contains(where: { if case .failure = $0.item { true } else { false } }) {
                result.findings.append(file.finding(error))
            }
        } else if let checks = top["checks"] {
            do throws(KlaxonError) {
                for item in try file.sequence(checks, what: "checks") { result.read(item, file) }
            } catch { result.findings.append(file.finding(error)) }
        }
        if let error = broken["maintenance"] { result.findings.append(file.finding(error)) }
        if let windows = top["maintenance"] {
            do throws(KlaxonError) {
                for item in try file.sequence(windows, what: "maintenance") {
                    do throws(KlaxonError) {
                        let window = try readWindow(item, file, timeZone: timeZone)
                        for name in window.checks where !result.checks.contains(where: { $0.name == name }) {
                            result.findings.append(
                                ConfigFinding(
                                    .error, file.place(item),
                                    "maintenance names check \"\(name)\", which is not in checks:"))
                        }
                        result.maintenance.append(window)
                    } catch { result.findings.append(file.finding(error)) }
                }
            } catch { result.findings.append(file.finding(error)) }
        }
        return result
    }

    /// Reads one item of `checks:`; one with an error stays as a check not polled (its first error says
    /// why), and every problem of it is a finding.
    mutating func read(_ item: Node, _ file: YAMLFile) {
        var found: [ConfigFinding] = []
        var secrets: [SecretReference.Use] = []
        // Warned about even for a check with an error: fixing the error must not reveal a second problem.
        defer { secretUses += secrets }
        do throws(KlaxonError) {
            let check = try Self.readCheck(item, file, findings: &found, secrets: &secrets)
            if let other = checks.first(where: { $0.name == check.name }) {
                found.append(file.finding(file.error(item, "check name \(check.name) is also used at \(other.place)")))
            }
            findings += found
            guard let error = found.first(where: { $0.level == .error }) else { return checks.append(check) }
            notPolled(name: check.name, group: check.group, error, definition: check.name.isEmpty ? nil : check)
        } catch {
            findings += found
            findings.append(file.finding(error))
            let field = { (key: String) in item.mapping?[key]?.scalar?.string }
            notPolled(name: field("name"), group: field("group") ?? "", file.finding(error))
        }
    }

    /// Keeps a check that cannot be polled, for `finding` (already among `findings`).
    mutating func notPolled(name: String?, group: String, _ finding: ConfigFinding, definition: CheckDefinition? = nil)
    {
        let name = name.flatMap { $0.isEmpty ? nil : $0 } ?? "(check at \(finding.place))"
        unpolled.append(
            UnpolledCheck(
                name: name, group: group, reason: "\(finding.place): \(finding.message)", position: checks.count,
                definition: definition))
    }

    /// Every check as far as it read, polled or not: what references (a check's policy) are checked on.
    public var definitions: [CheckDefinition] { checks + unpolled.compactMap(\.definition) }

    /// The plain value of `key:` in an item's text that does not parse as YAML (`name: x`, `{name: x, …}`).
    static func scalarField(_ key: String, in text: String) -> String? {
        for line in text.split(separator: "\n") {
            var rest = line[...]
            while let found = rest.range(of: key + ":") {
                let before = rest[..<found.lowerBound].last
                rest = rest[found.upperBound...]
                guard before == nil || " {,-".contains(before!) else { continue }
                let value = rest.prefix { $0 != "," && $0 != "}" && $0 != "#" }.trimmingCharacters(
                    in: CharacterSet(charactersIn: " \"'"))
                return value.isEmpty ? nil : value
            }
        }
        return nil
    }

    static let checkKeys = [
        "name", "group", "type", "url", "interval", "retry_interval", "timeout", "expect", "failure_threshold",
        "success_threshold", "service", "runbook", "policy", "declare", "labels", "require", "silent_for", "severities",
        "max_body", "tls_verify",
        "follow_redirects", "headers", "bearer_token", "basic_auth", "ca_file", "query", "down", "degraded", "empty",
        "thresholds", "queues", "slo"
    ]

    /// A check as far as it reads, with every problem of it in `findings`: the warnings, and an error
    /// for each key that does not read (the others are read all the same) and, once every key read, for
    /// each rule between keys that is broken. The check can be polled only when none is an error; it is
    /// returned anyway, so that what it names (its policy) is checked too. Throws when the item is not
    /// a mapping at all.
    static func readCheck(
        _ node: Node, _ file: YAMLFile, findings: inout [ConfigFinding],
        secrets: inout [SecretReference.Use]
    ) throws(KlaxonError) -> CheckDefinition {
        // What each secret is for, named with the check once its name is known.
        var sent: [(reference: SecretReference, what: String, place: String)] = []
        var check = CheckDefinition(name: "", url: "")
        check.place = file.place(node)
        var declareNode: Node?
        var silentForNode: Node?
        var timeoutGiven = false
        var intervalNode: Node?
        var caFileNode: Node?
        var sloNode: Node?
        var errors: [KlaxonError] = []
        var warnings: [ConfigFinding] = []
        for (key, keyNode, value) in try file.mapping(node, what: "a check") {
            do throws(KlaxonError) {
                switch key {
                case "name": check.name = try file.string(value, what: "name")
                case "group": check.group = try file.string(value, what: "group")
                case "type": check.kind = try file.choice(value, what: "type", CheckDefinition.Kind.allCases)
                case "url":
                    let url = try file.string(value, what: "url")
                    guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                        throw file.error(value, "url must start with http:// or https://")
                    }
                    check.url = url
                    warnings += urlWarnings(check.url).map { ConfigFinding(.warning, file.place(value), $0) }
                    if URLCredentials.present(in: check.url) {
                        warnings.append(
                            ConfigFinding(
                                .warning, file.place(value),
                                """
                                url holds credentials (user:password@): Klaxon shows and records them as user:***@, but klaxon.yaml keeps them \
                                in clear; write basic_auth: {username: …, password: env:NAME} (or file:PATH) instead
                                """))
                    }
                case "interval":
                    check.intervalSeconds = try seconds(value, file, what: "interval")
                    intervalNode = value
                case "retry_interval": check.retryIntervalSeconds = try seconds(value, file, what: "retry_interval")
                case "timeout":
                    check.timeoutSeconds = try seconds(value, file, what: "timeout")
                    timeoutGiven = true
                case "failure_threshold":
                    check.failureThreshold = try file.integer(value, what: "failure_threshold", in: 1...100)
                case "success_threshold":
                    check.successThreshold = try file.integer(value, what: "success_threshold", in: 1...100)
                case "service": check.service = try file.string(value, what: "service")
                case "runbook": check.runbook = try file.string(value, what: "runbook")
                case "policy":
                    check.policy = try file.string(value, what: "policy")
                    check.policyPlace = file.place(value)
                case "declare":
                    let text = try file.string(value, what: "declare")
                    guard let severity = Severity(parsing: text) else {
                        throw file.error(value, "declare is \"\(text)\"; expected a severity, SEV1 to SEV5")
                    }
                    check.declare = severity
                    declareNode = value
                case "labels": check.alerts.labels = try matchers(value, file, what: "labels")
                case "require": check.alerts.requiredAlert = try matchers(value, file, what: "require")
                case "silent_for":
                    check.alerts.silentForSeconds = try seconds(value, file, what: "silent_for")
                    silentForNode = value
                case "severities": check.alerts.severities = try severities(value, file)
                case "max_body":
                    let text = try file.string(value, what: "max_body")
                    guard let bytes = ByteSize.parse(text), (1 << 10)...(256 << 20) ~= bytes else {
                        throw file.error(
                            value,
                            "max_body is \"\(text)\"; expected a size from 1KiB to 256MiB, such as 32MiB or 512KiB")
                    }
                    check.maxBodyBytes = bytes
                case "tls_verify":
                    let text = try file.string(value, what: "tls_verify")
                    guard let flag = Bool(text) else { throw file.error(value, "tls_verify is true or false") }
                    check.verifyTLS = flag
                case "follow_redirects":
                    check.followRedirects = try file.choice(
                        value, what: "follow_redirects", CheckDefinition.FollowRedirects.allCases)
                case "expect": check.expect = try readExpectation(value, file)
                case "headers": check.credentials.headers = try headers(value, file, secrets: &sent)
                case "bearer_token":
                    let reference = try secretReference(value, file, what: "bearer_token")
                    check.credentials.bearerToken = reference
                    sent.append((reference, "bearer_token", file.place(value)))
                case "basic_auth": check.credentials.basicAuth = try basicAuth(value, file, secrets: &sent)
                case "ca_file":
                    let path = try file.string(value, what: "ca_file")
                    // Relative to klaxon.yaml, wherever Klaxon is started from.
                    check.caFile =
                        path.hasPrefix("/")
                        ? path
                        : URL(fileURLWithPath: file.path).deletingLastPathComponent().appendingPathComponent(path).path
                    if let caFile = check.caFile, let problem = CheckCredentials.caFileProblem(caFile) {
                        warnings.append(
                            ConfigFinding(
                                .warning, file.place(value),
                                "\(problem); its check cannot verify the server and is down until it can"))
                    }
                    caFileNode = value
                case "query": check.query.query = try file.string(value, what: "query")
                case "down": check.query.down = try condition(value, file, what: "down")
                case "degraded": check.query.degraded = try condition(value, file, what: "degraded")
                case "empty":
                    let state = try file.choice(value, what: "empty", [CheckState.up, .degraded, .down, .unknown])
                    check.query.whenEmpty = [.up: .ok, .degraded: .degraded, .down: .failed][state] ?? .unknown
                case "thresholds": check.thresholds = try thresholds(value, file)
                case "queues": check.queues = try file.strings(value, what: "queues")
                case "slo":
                    check.slo = try objective(value, file)
                    sloNode = value
                default:
                    throw file.error(
                        keyNode, "unknown key \"\(key)\" for a check (known: \(checkKeys.joined(separator: ", ")))")
                }
            } catch { errors.append(error) }
        }
        // The rules between keys are checked only once every key read: a key that did not read would
        // make them say what is not so (a url: that did not read is not a missing url:).
        if errors.isEmpty {
            errors = rules(
                &check, node, file, declareNode: declareNode, silentForNode: silentForNode, timeoutGiven: timeoutGiven)
            if check.kind == .heartbeat && !check.name.isEmpty {
                errors += heartbeatRules(check, node, file, intervalNode: intervalNode)
            }
            if !check.name.isEmpty { errors += systemRules(check, node, file) }
        }
        if let caFileNode, check.url.hasPrefix("http://") {
            warnings.append(
                ConfigFinding(
                    .warning, file.place(caFileNode),
                    "ca_file is for https: the url is http://, so nothing is verified and the file is not read"))
        }
        if let sloNode, check.policy == nil, !check.name.isEmpty {
            warnings.append(
                ConfigFinding(
                    .warning, file.place(sloNode),
                    "check \(check.name) has an slo: and no policy:, so a fast burn of its budget would declare an incident that pages nobody; give it a policy:"
                ))
        }
        // The poll is unknown with the same words (CheckEvaluation).
        if let problem = check.endpointProblem { warnings.append(ConfigFinding(.warning, file.place(node), problem)) }
        // Prometheus counts what Alertmanager silences or inhibits: paging from it ignores the team's silences.
        if check.kind == .prometheus && check.declare != nil {
            warnings.append(
                ConfigFinding(
                    .warning, check.place,
                    """
                    check \(check.name) declares incidents from Prometheus, which does not know Alertmanager's silences or inhibitions: \
                    a silenced alert still declares and pages; to page from alerts, declare from an alertmanager check
                    """))
        }
        findings += errors.map(file.finding) + warnings
        secrets += sent.map {
            .init(reference: $0.reference, purpose: "check \(check.name): \($0.what)", place: $0.place, reader: .poller)
        }
        return check
    }

    /// The errors of the rules between a check's keys, every key having read; sets the default timeout
    /// (10s, or the interval when that is shorter) when none is given.
    static func rules(
        _ check: inout CheckDefinition, _ node: Node, _ file: YAMLFile, declareNode: Node?, silentForNode: Node?,
        timeoutGiven: Bool
    ) -> [KlaxonError] {
        guard !check.name.isEmpty else { return [file.error(node, "a check needs a name:")] }
        var errors: [KlaxonError] = []
        let credentials = check.credentials
        let authorizations =
            (credentials.bearerToken == nil ? 0 : 1) + (credentials.basicAuth == nil ? 0 : 1)
            + credentials.headers.filter { $0.name.lowercased() == "authorization" }.count
        if authorizations > 1 {
            errors.append(
                file.error(
                    node,
                    "check \(check.name) gives more than one Authorization (bearer_token:, basic_auth:, headers: Authorization); give one"
                ))
        }
        if check.url.isEmpty && check.kind != .heartbeat {
            errors.append(file.error(node, "check \(check.name) needs a url:"))
        }
        if let declareNode, check.policy == nil {
            errors.append(file.error(declareNode, "declare opens an incident that escalates; it needs policy: too"))
        }
        if !check.kind.isAlertSource,
            let key = ["labels", "require", "silent_for", "severities"].first(where: { keyed(node, $0) })
        {
            errors.append(
                file.error(
                    node,
                    "check \(check.name): \(key): is for prometheus and alertmanager checks (type: is \(check.kind.rawValue))"
                ))
        }
        // A poll must end before the next is due: the default waits no longer than the interval.
        if !timeoutGiven { check.timeoutSeconds = min(CheckDefinition.defaultTimeoutSeconds, check.intervalSeconds) }
        if check.timeoutSeconds > check.intervalSeconds {
            errors.append(
                file.error(
                    node,
                    "check \(check.name): timeout (\(check.timeoutSeconds)s) is longer than interval (\(check.intervalSeconds)s)"
                ))
        }
        if check.kind.isAlertSource, let silentForNode, let silentFor = check.alerts.silentForSeconds {
            if check.alerts.requiredAlert.isEmpty {
                errors.append(
                    file.error(
                        silentForNode,
                        "check \(check.name): silent_for: is how long the alert of require: may be missing; give require: too"
                    ))
            } else if silentFor < check.intervalSeconds {
                // Shorter, one poll that finds the alert missing would be down: a source that restarted.
                errors.append(
                    file.error(
                        silentForNode,
                        "check \(check.name): silent_for (\(silentFor)s) is shorter than interval (\(check.intervalSeconds)s); "
                            + "give at least the interval, so that two polls find the alert missing before the check is down"
                    ))
            }
        }
        return errors
    }

    /// The least `interval:` of a heartbeat check: a sender pinging more often than every few seconds
    /// would be down at every hiccup of the network.
    public static let minimumHeartbeatSeconds: Int64 = 10

    /// The keys of a check that polls a url, which a heartbeat check (pinged, never polled) has no use for.
    static let pollingKeys = [
        "url", "timeout", "expect", "max_body", "tls_verify", "follow_redirects", "headers", "bearer_token",
        "basic_auth", "ca_file"
    ]

    /// The errors of a `heartbeat` check: its name is the last part of the path that pings it, it polls
    /// nothing (no url:), and its interval, how long it may go without a ping, must be given, and not
    /// under `minimumHeartbeatSeconds`.
    static func heartbeatRules(_ check: CheckDefinition, _ node: Node, _ file: YAMLFile, intervalNode: Node?)
        -> [KlaxonError]
    {
        var errors: [KlaxonError] = []
        if !check.name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) {
            errors.append(
                file.error(
                    node,
                    "check \(check.name): a heartbeat check's name is the end of the path that pings it (POST /v1/heartbeat/NAME); use only letters, digits, '.', '_' and '-'"
                ))
        }
        for key in pollingKeys where keyed(node, key) {
            let hint = key == "url" ? "; remove url: and point the sender at POST /v1/heartbeat/\(check.name)" : ""
            errors.append(
                file.error(
                    node.mapping?[key] ?? node,
                    "check \(check.name): \(key): is for checks that poll a url; a heartbeat check is pinged, never polled\(hint)"
                ))
        }
        guard let intervalNode else {
            errors.append(
                file.error(
                    node,
                    "check \(check.name): a heartbeat check needs interval:, how long it may go without a ping before it is down (such as 5m; at least \(minimumHeartbeatSeconds)s)"
                ))
            return errors
        }
        if check.intervalSeconds < minimumHeartbeatSeconds {
            errors.append(
                file.error(
                    intervalNode,
                    "check \(check.name): interval is \(check.intervalSeconds)s; a heartbeat check takes at least \(minimumHeartbeatSeconds)s (a sender that pings every 5m: interval: 10m, so that one lost ping is no outage)"
                ))
        }
        return errors
    }

    /// A secret as a reference (`env:NAME`, `file:PATH`), never the secret itself: klaxon.yaml is shared.
    static func secretReference(_ node: Node, _ file: YAMLFile, what: String) throws(KlaxonError) -> SecretReference {
        let text = try file.string(node, what: what)
        guard let reference = SecretReference(text) else {
            throw file.error(
                node,
                "\(what) must be a reference, env:NAME or file:PATH, never the secret itself: klaxon.yaml is shared; put the secret in an environment variable of the process that polls, or in a file"
            )
        }
        return reference
    }

    /// `headers: {Accept: application/json, X-Api-Key: env:REGISTRY_KEY}`: a header that carries a
    /// credential (`Authorization`, `Cookie`, a name with token, secret, password, auth or api-key) only as a reference.
    static func headers(
        _ node: Node, _ file: YAMLFile,
        secrets: inout [(reference: SecretReference, what: String, place: String)]
    ) throws(KlaxonError) -> [CheckCredentials.Header] {
        var result: [CheckCredentials.Header] = []
        for (name, keyNode, value) in try file.mapping(node, what: "headers") {
            let token = "!#$%&'*+-.^_`|~"
            guard !name.isEmpty,
                name.unicodeScalars.allSatisfy({
                    $0.isASCIILetterOrUnderscore || ("0"..."9").contains($0) || token.unicodeScalars.contains($0)
                })
            else {
                throw file.error(keyNode, "\"\(name)\" is not a header name; use letters, digits and -")
            }
            guard !result.contains(where: { $0.name.lowercased() == name.lowercased() }) else {
                throw file.error(keyNode, "header \(name) is given twice; give it once")
            }
            let text = try file.string(value, what: name)
            if let reference = SecretReference(text) {
                result.append(.init(name: name, value: .secret(reference)))
                secrets.append((reference, "headers: \(name)", file.place(value)))
                continue
            }
            guard !CheckCredentials.isCredentialName(name) else {
                throw file.error(
                    value,
                    "headers: \(name) carries a credential, so it must be a reference, env:NAME or file:PATH, never the secret itself: klaxon.yaml is shared"
                )
            }
            guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                throw file.error(
                    value, "headers: \(name) has a line break or another control character; a header value is one line")
            }
            result.append(.init(name: name, value: .plain(text)))
        }
        return result
    }

    /// `basic_auth: {username: deployer, password: env:REGISTRY_PASSWORD}`.
    static func basicAuth(
        _ node: Node, _ file: YAMLFile,
        secrets: inout [(reference: SecretReference, what: String, place: String)]
    ) throws(KlaxonError) -> CheckCredentials.BasicAuth {
        var username: CheckCredentials.Value?
        var password: SecretReference?
        for (key, keyNode, value) in try file.mapping(node, what: "basic_auth") {
            switch key {
            case "username":
                let text = try file.string(value, what: "username")
                // A reference's own colon (env:NAME) is no part of the name sent.
                if let reference = SecretReference(text) {
                    username = .secret(reference)
                    secrets.append((reference, "basic_auth username", file.place(value)))
                    continue
                }
                guard !text.contains(":"), !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
                else {
                    throw file.error(value, "basic_auth username cannot hold a colon or a control character")
                }
                username = .plain(text)
            case "password":
                password = try secretReference(value, file, what: "basic_auth password")
                secrets.append((password!, "basic_auth password", file.place(value)))
            default: throw file.error(keyNode, "unknown key \"\(key)\" in basic_auth (known: username, password)")
            }
        }
        guard let username, let password else {
            throw file.error(node, "basic_auth needs username: and password: (password: env:NAME or file:PATH)")
        }
        return .init(username: username, password: password)
    }

    /// Errors: checks whose `policy:` is not in `policies` (the names of `Escalation/policies/`). Such a
    /// check would declare incidents that page nobody. A policy `unread` covers (its file did not read) is
    /// not judged: that file's error is the one message.
    public static func policyFindings(
        _ checks: [CheckDefinition], policies: [String],
        unread: EscalationFiles.Unread = .init()
    ) -> [ConfigFinding] {
        let known = policies.isEmpty ? "there are none" : "known: " + policies.sorted().joined(separator: ", ")
        return checks.compactMap { check in
            guard let policy = check.policy, !policies.contains(policy), !unread.covers(policy) else { return nil }
            let correct =
                NameSuggestion.closest(to: policy, among: policies, limit: 1).first.map {
                    "correct the name (did you mean '\($0)'?)"
                } ?? "correct the name"
            return ConfigFinding(
                .error, check.policyPlace ?? check.place,
                "check \(check.name) names policy \"\(policy)\", which is not in Escalation/policies/ (\(known)): "
                    + "its incidents would page nobody; \(correct) or add the policy")
        }
    }

    /// Whether mapping `node` has `key`.
    static func keyed(_ node: Node, _ key: String) -> Bool {
        node.mapping?.keys.contains { $0.scalar?.string == key } ?? false
    }

    /// Label matchers: each label's value, or a list of accepted values (`""`: the label is absent).
    static func matchers(_ node: Node, _ file: YAMLFile, what: String) throws(KlaxonError) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for (label, keyNode, value) in try file.mapping(node, what: what) {
            // Prometheus's label names; Alertmanager's filter takes nothing else.
            guard let first = label.unicodeScalars.first, first.isASCIILetterOrUnderscore,
                label.unicodeScalars.allSatisfy({ $0.isASCIILetterOrUnderscore || ("0"..."9").contains($0) })
            else {
                throw file.error(
                    keyNode,
                    "\"\(label)\" is not a label name; use letters, digits and underscores, not starting with a digit")
            }
            let values =
                value.scalar != nil ? [try file.string(value, what: label)] : try file.strings(value, what: label)
            guard !values.isEmpty else {
                throw file.error(
                    value, "\(label) lists no value; give one, or several as [a, b] (\"\" for an absent label)")
            }
            result[label] = values
        }
        return result
    }

    /// `severities: {down: [critical, page], degraded: [warning], ignore: [none]}`.
    static func severities(_ node: Node, _ file: YAMLFile) throws(KlaxonError) -> SeverityRule {
        var rule = SeverityRule()
        var seen: [String: String] = [:]
        for (key, keyNode, value) in try file.mapping(node, what: "severities") {
            let values = value.scalar != nil ? [try file.string(value, what: key)] : try file.strings(value, what: key)
            for v in values {
                if let other = seen[v] {
                    throw file.error(value, "severity \"\(v)\" is both \(other) and \(key); list it once")
                }
                seen[v] = key
            }
            switch key {
            case "down": rule.down = Set(values)
            case "degraded": rule.degraded = Set(values)
            case "ignore": rule.ignored = Set(values)
            default: throw file.error(keyNode, "unknown key \"\(key)\" in severities (known: down, degraded, ignore)")
            }
        }
        return rule
    }

    /// What is worth a warning in a check's URL: a link-local or metadata address (only a check that
    /// names one may reach it, so make sure it is meant), a control character (the check cannot work).
    static func urlWarnings(_ url: String) -> [String] {
        var warnings: [String] = []
        if let host = RedirectRule.schemeAndHost(of: url)?.host, IPAddress(host)?.isLinkLocalOrMetadata == true {
            warnings.append(
                "url names \(host), a link-local or cloud metadata address: the check may reach it, and only this check; make sure that is meant"
            )
        }
        if url.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            warnings.append(
                "url has a line break or another control character: the check will fail; write the URL on one line")
        }
        return warnings
    }

    static func readExpectation(_ node: Node, _ file: YAMLFile) throws(KlaxonError) -> CheckDefinition.Expectation {
        var expect = CheckDefinition.Expectation()
        for (key, keyNode, value) in try file.mapping(node, what: "expect") {
            switch key {
            case "status":
                let codes =
                    value.scalar != nil
                    ? [try file.string(value, what: "status")] : try file.strings(value, what: "status")
                for code in codes {
                    guard let n = Int(code), (100...599).contains(n) else {
                        throw file.error(value, "status \"\(code)\" is not an HTTP status code")
                    }
                    expect.statuses.insert(n)
                }
            case "max_latency": expect.maxLatencyMilliseconds = try file.duration(value, what: "max_latency")
            case "body_contains": expect.bodyContains = try file.string(value, what: "body_contains")
            case "cert_days_left":
                expect.certificateDaysLeft = try file.integer(value, what: "cert_days_left", in: 0...3650)
            case "json":
                for (jsonKey, jsonKeyNode, jsonValue) in try file.mapping(value, what: "json") {
                    switch jsonKey {
                    case "path":
                        let path = try file.string(jsonValue, what: "path")
                        guard path.hasPrefix("$") else {
                            throw file.error(jsonValue, "path is a JSONPath starting with $, such as $.status")
                        }
                        expect.jsonPath = path
                    case "equals": expect.jsonEquals = try jsonScalar(jsonValue, file, what: "equals")
                    default: throw file.error(jsonKeyNode, "unknown key \"\(jsonKey)\" in json (known: path, equals)")
                    }
                }
                if expect.jsonPath == nil { throw file.error(value, "json needs a path:") }
            default:
                throw file.error(
                    keyNode,
                    "unknown key \"\(key)\" in expect (known: status, max_latency, body_contains, json, cert_days_left)"
                )
            }
        }
        return expect
    }

    /// A YAML scalar as the JSON value it is written as: quoted, a block or tagged `!!str`, a string
    /// whatever it reads; plain `true`/`false`, `null`/`~` and numbers are those; other plain text a string.
    static func jsonScalar(_ node: Node, _ file: YAMLFile, what: String) throws(KlaxonError) -> JSONValue {
        guard let scalar = node.scalar else {
            throw file.error(
                node, "\(what) is one value (a string, number, true, false or null), not a list or mapping")
        }
        let text = scalar.string
        guard scalar.style == .plain || scalar.style == .any, scalar.tag.description != "tag:yaml.org,2002:str" else {
            return .string(text)
        }
        switch text {
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case "null", "Null", "NULL", "~", "": return .null
        default: break
        }
        // Only what JSON writes as a number: no `0x1F`, `.inf` or `nan`.
        if text.allSatisfy({ "0123456789+-.eE".contains($0) }), let n = Double(text), n.isFinite { return .number(n) }
        return .string(text)
    }

    static func readWindow(_ node: Node, _ file: YAMLFile, timeZone: TimeZone) throws(KlaxonError) -> MaintenanceWindow
    {
        var checks: Set<String> = []
        var from: Timestamp?
        var to: Timestamp?
        for (key, keyNode, value) in try file.mapping(node, what: "a maintenance window") {
            switch key {
            case "checks": checks = Set(try file.strings(value, what: "checks"))
            case "from", "to":
                let text = try file.string(value, what: key)
                guard let t = EscalationFiles.instant(text, in: timeZone) else {
                    throw file.error(
                        value,
                        "\(key) is \"\(text)\"; expected RFC 3339 (2026-12-01T02:00Z) or a local time (2026-12-01T02:00)"
                    )
                }
                if key == "from" { from = t } else { to = t }
            default:
                throw file.error(keyNode, "unknown key \"\(key)\" in a maintenance window (known: checks, from, to)")
            }
        }
        guard let from, let to else { throw file.error(node, "a maintenance window needs from: and to:") }
        guard from < to else { throw file.error(node, "the maintenance window ends before it starts") }
        return MaintenanceWindow(checks: checks, from: from, to: to)
    }

    static func seconds(_ node: Node, _ file: YAMLFile, what: String) throws(KlaxonError) -> Int64 {
        let ms = try file.duration(node, what: what)
        guard ms >= 1000 else { throw file.error(node, "\(what) is at least 1s") }
        return ms / 1000
    }
}

extension Unicode.Scalar {
    var isASCIILetterOrUnderscore: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) || self == "_" }
}
