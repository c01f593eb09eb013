import Foundation
import KlaxonCore
import Yams

/// The `checks:` and `maintenance:` of `klaxon.yaml`, read into definitions; every problem is a finding
/// with its place, and the checks that could be read are kept.
public struct CheckFiles: Sendable {
    public var checks: [CheckDefinition] = []
    public var maintenance: [MaintenanceWindow] = []
    public var findings: [ConfigFinding] = []

    public static func load(workspaceRoot root: String, timeZone: TimeZone) -> CheckFiles {
        var result = CheckFiles()
        let path = root + "/" + Workspace.configFileName
        guard let file = try? YAMLFile.load(path: path), case .mapping(let top) = file.root else { return result }
        if let checks = top["checks"] {
            do throws(KlaxonError) {
                for item in try file.sequence(checks, what: "checks") {
                    do throws(KlaxonError) {
                        var warnings: [ConfigFinding] = []
                        let check = try readCheck(item, file, warnings: &warnings)
                        if let other = result.checks.first(where: { $0.name == check.name }) {
                            throw file.error(item, "check name \(check.name) is also used at \(other.place)")
                        }
                        result.checks.append(check)
                        result.findings += warnings
                    } catch { result.findings.append(file.finding(error)) }
                }
            } catch { result.findings.append(file.finding(error)) }
        }
        if let windows = top["maintenance"] {
            do throws(KlaxonError) {
                for item in try file.sequence(windows, what: "maintenance") {
                    do throws(KlaxonError) {
                        let window = try readWindow(item, file, timeZone: timeZone)
                        for name in window.checks where !result.checks.contains(where: { $0.name == name }) {
                            result.findings.append(ConfigFinding(.error, file.place(item), "maintenance names check \"\(name)\", which is not in checks:"))
                        }
                        result.maintenance.append(window)
                    } catch { result.findings.append(file.finding(error)) }
                }
            } catch { result.findings.append(file.finding(error)) }
        }
        return result
    }

    static let checkKeys = ["name", "group", "type", "url", "interval", "retry_interval", "timeout", "expect", "failure_threshold",
                            "success_threshold", "service", "runbook", "policy", "declare", "labels", "tls_verify", "follow_redirects"]

    /// A check; what is worth a look but not wrong goes into `warnings`.
    static func readCheck(_ node: Node, _ file: YAMLFile, warnings: inout [ConfigFinding]) throws(KlaxonError) -> CheckDefinition {
        var check = CheckDefinition(name: "", url: "")
        check.place = file.place(node)
        var declareNode: Node?
        for (key, keyNode, value) in try file.mapping(node, what: "a check") {
            switch key {
            case "name": check.name = try file.string(value, what: "name")
            case "group": check.group = try file.string(value, what: "group")
            case "type": check.kind = try file.choice(value, what: "type", CheckDefinition.Kind.allCases)
            case "url":
                check.url = try file.string(value, what: "url")
                guard check.url.hasPrefix("http://") || check.url.hasPrefix("https://") else {
                    throw file.error(value, "url must start with http:// or https://")
                }
                warnings += urlWarnings(check.url).map { ConfigFinding(.warning, file.place(value), $0) }
            case "interval": check.intervalSeconds = try seconds(value, file, what: "interval")
            case "retry_interval": check.retryIntervalSeconds = try seconds(value, file, what: "retry_interval")
            case "timeout": check.timeoutSeconds = try seconds(value, file, what: "timeout")
            case "failure_threshold": check.failureThreshold = try file.integer(value, what: "failure_threshold", in: 1...100)
            case "success_threshold": check.successThreshold = try file.integer(value, what: "success_threshold", in: 1...100)
            case "service": check.service = try file.string(value, what: "service")
            case "runbook": check.runbook = try file.string(value, what: "runbook")
            case "policy": check.policy = try file.string(value, what: "policy")
            case "declare":
                let text = try file.string(value, what: "declare")
                guard let severity = Severity(parsing: text) else { throw file.error(value, "declare is \"\(text)\"; expected a severity, SEV1 to SEV5") }
                check.declare = severity
                declareNode = value
            case "labels":
                for (label, _, labelValue) in try file.mapping(value, what: "labels") { check.labelMatchers[label] = try file.string(labelValue, what: label) }
            case "tls_verify":
                let text = try file.string(value, what: "tls_verify")
                guard let flag = Bool(text) else { throw file.error(value, "tls_verify is true or false") }
                check.verifyTLS = flag
            case "follow_redirects": check.followRedirects = try file.choice(value, what: "follow_redirects", CheckDefinition.FollowRedirects.allCases)
            case "expect": check.expect = try readExpectation(value, file)
            default:
                throw file.error(keyNode, "unknown key \"\(key)\" for a check (known: \(checkKeys.joined(separator: ", ")))")
            }
        }
        guard !check.name.isEmpty else { throw file.error(node, "a check needs a name:") }
        guard !check.url.isEmpty else { throw file.error(node, "check \(check.name) needs a url:") }
        if let declareNode, check.policy == nil {
            throw file.error(declareNode, "declare opens an incident that escalates; it needs policy: too")
        }
        guard check.timeoutSeconds <= check.intervalSeconds else {
            throw file.error(node, "check \(check.name): timeout (\(check.timeoutSeconds)s) is longer than interval (\(check.intervalSeconds)s)")
        }
        return check
    }

    /// What is worth a warning in a check's URL: a link-local or metadata address (only a check that
    /// names one may reach it, so make sure it is meant), a control character (the check cannot work).
    static func urlWarnings(_ url: String) -> [String] {
        var warnings: [String] = []
        if let host = RedirectRule.schemeAndHost(of: url)?.host, IPAddress(host)?.isLinkLocalOrMetadata == true {
            warnings.append("url names \(host), a link-local or cloud metadata address: the check may reach it, and only this check; make sure that is meant")
        }
        if url.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            warnings.append("url has a line break or another control character: the check will fail; write the URL on one line")
        }
        return warnings
    }

    static func readExpectation(_ node: Node, _ file: YAMLFile) throws(KlaxonError) -> CheckDefinition.Expectation {
        var expect = CheckDefinition.Expectation()
        for (key, keyNode, value) in try file.mapping(node, what: "expect") {
            switch key {
            case "status":
                let codes = value.scalar != nil ? [try file.string(value, what: "status")] : try file.strings(value, what: "status")
                for code in codes {
                    guard let n = Int(code), (100...599).contains(n) else { throw file.error(value, "status \"\(code)\" is not an HTTP status code") }
                    expect.statuses.insert(n)
                }
            case "max_latency": expect.maxLatencyMilliseconds = try file.duration(value, what: "max_latency")
            case "body_contains": expect.bodyContains = try file.string(value, what: "body_contains")
            case "cert_days_left": expect.certificateDaysLeft = try file.integer(value, what: "cert_days_left", in: 0...3650)
            case "json":
                for (jsonKey, jsonKeyNode, jsonValue) in try file.mapping(value, what: "json") {
                    switch jsonKey {
                    case "path":
                        let path = try file.string(jsonValue, what: "path")
                        guard path.hasPrefix("$") else { throw file.error(jsonValue, "path is a JSONPath starting with $, such as $.status") }
                        expect.jsonPath = path
                    case "equals": expect.jsonEquals = try jsonScalar(jsonValue, file, what: "equals")
                    default: throw file.error(jsonKeyNode, "unknown key \"\(jsonKey)\" in json (known: path, equals)")
                    }
                }
                if expect.jsonPath == nil { throw file.error(value, "json needs a path:") }
            default:
                throw file.error(keyNode, "unknown key \"\(key)\" in expect (known: status, max_latency, body_contains, json, cert_days_left)")
            }
        }
        return expect
    }

    /// A YAML scalar as the JSON value it is written as: quoted, a block or tagged `!!str`, a string
    /// whatever it reads; plain `true`/`false`, `null`/`~` and numbers are those; other plain text a string.
    static func jsonScalar(_ node: Node, _ file: YAMLFile, what: String) throws(KlaxonError) -> JSONValue {
        guard let scalar = node.scalar else {
            throw file.error(node, "\(what) is one value (a string, number, true, false or null), not a list or mapping")
        }
        let text = scalar.string
        guard scalar.style == .plain || scalar.style == .any, scalar.tag.description != "tag:yaml.org,2002:str" else { return .string(text) }
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

    static func readWindow(_ node: Node, _ file: YAMLFile, timeZone: TimeZone) throws(KlaxonError) -> MaintenanceWindow {
        var checks: Set<String> = [], from: Timestamp?, to: Timestamp?
        for (key, keyNode, value) in try file.mapping(node, what: "a maintenance window") {
            switch key {
            case "checks": checks = Set(try file.strings(value, what: "checks"))
            case "from", "to":
                let text = try file.string(value, what: key)
                guard let t = EscalationFiles.instant(text, in: timeZone) else {
                    throw file.error(value, "\(key) is \"\(text)\"; expected RFC 3339 (2026-12-01T02:00Z) or a local time (2026-12-01T02:00)")
                }
                if key == "from" { from = t } else { to = t }
            default: throw file.error(keyNode, "unknown key \"\(key)\" in a maintenance window (known: checks, from, to)")
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
