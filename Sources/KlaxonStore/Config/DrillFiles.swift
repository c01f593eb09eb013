import Foundation
import KlaxonCore
import Yams

/// The workspace's `Drills/`: `platform.yaml` (the simulated platform: its endpoints' healthy answers
/// and the checks that poll them) and one YAML file per scenario. `prepare` makes the workspace a
/// drill runs in: its own directory under `drill-runs/`, so nothing of a drill mixes with real incidents.
public enum DrillFiles {
    public static let directoryName = "Drills"
    public static let platformFileName = "platform.yaml"
    /// Where drills run: one directory per drill (not `drills/`, which a case-insensitive file system would take for `Drills/`).
    public static let runsDirectoryName = "drill-runs"
    /// Stands for the simulated platform's address in `platform.yaml`'s check URLs.
    public static let addressPlaceholder = "{drill}"

    public static func directory(workspaceRoot root: String) -> String { root + "/" + directoryName }

    /// The scenarios' names (their file names without `.yaml`), sorted.
    public static func scenarioNames(workspaceRoot root: String) -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory(workspaceRoot: root))) ?? []
        return files.filter { $0.hasSuffix(".yaml") && $0 != platformFileName }.map { String($0.dropLast(5)) }.sorted()
    }

    /// The simulated platform: each path's healthy answer, and the `checks:` node to poll it with.
    public struct Platform {
        public var endpoints: [String: DrillResponse]
        public var checks: Node
    }

    public static func loadPlatform(workspaceRoot root: String) throws(KlaxonError) -> Platform {
        try readPlatform(try platformFile(workspaceRoot: root))
    }

    static func platformFile(workspaceRoot root: String) throws(KlaxonError) -> YAMLFile {
        let path = directory(workspaceRoot: root) + "/" + platformFileName
        guard FileManager.default.fileExists(atPath: path) else {
            throw .badInput(
                "\(path) does not exist: a drill needs the simulated platform's endpoints and checks (see docs/drills.md)"
            )
        }
        return try YAMLFile.load(path: path)
    }

    static func readPlatform(_ file: YAMLFile) throws(KlaxonError) -> Platform {
        var endpoints: [String: DrillResponse] = [:]
        var checks: Node?
        for (key, keyNode, value) in try file.mapping(file.root, what: platformFileName) {
            switch key {
            case "endpoints":
                for (endpointPath, pathNode, answer) in try file.mapping(value, what: "endpoints") {
                    guard endpointPath.hasPrefix("/") else {
                        throw file.error(pathNode, "an endpoint is a path beginning with /, not \"\(endpointPath)\"")
                    }
                    endpoints[endpointPath] = try response(answer, file, base: DrillResponse())
                }
            case "checks": checks = value
            default: throw file.error(keyNode, "unknown key \"\(key)\" (known: endpoints, checks)")
            }
        }
        guard let checks, !endpoints.isEmpty else {
            throw file.error(file.root, "\(platformFileName) needs endpoints: and checks:")
        }
        return Platform(endpoints: endpoints, checks: checks)
    }

    /// What `klaxon config validate` finds in `Drills/` (nothing when there is no such directory): the
    /// simulated platform, each of its checks as a drill would poll them, and every scenario against the
    /// platform's endpoints. A drill would refuse the same things, but only once someone ran it.
    /// `policies`: the names of `Escalation/policies/`, which the drill's checks may name (nil: not
    /// checked); those `unreadPolicies` covers are not judged (their file did not read).
    public static func findings(
        workspaceRoot root: String, policies: [String]? = nil,
        unreadPolicies: EscalationFiles.Unread = .init()
    ) -> [ConfigFinding] {
        guard FileManager.default.fileExists(atPath: directory(workspaceRoot: root)) else { return [] }
        let platformPath = directory(workspaceRoot: root) + "/" + platformFileName
        var findings: [ConfigFinding] = []
        var endpoints: Set<String>?
        do {
            let file = try platformFile(workspaceRoot: root)
            let platform = try readPlatform(file)
            endpoints = Set(platform.endpoints.keys)
            var names: [String: String] = [:]
            for item in try file.sequence(platform.checks, what: "checks") {
                do throws(KlaxonError) {
                    // The address is the drill's own, known only when it runs.
                    var node = item
                    if case .mapping(var fields) = item, let url = fields["url"]?.string {
                        fields["url"] = Node(
                            url.replacingOccurrences(of: addressPlaceholder, with: "http://127.0.0.1:1"))
                        node = .mapping(fields)
                    }
                    var found: [ConfigFinding] = []
                    var secrets: [SecretReference.Use] = []
                    let check = try CheckFiles.readCheck(node, file, findings: &found, secrets: &secrets)
                    findings += found
                    if let policies {
                        findings += CheckFiles.policyFindings([check], policies: policies, unread: unreadPolicies)
                    }
                    guard !check.name.isEmpty else { continue }
                    if let other = names[check.name] {
                        throw file.error(item, "check name \(check.name) is also used at \(other)")
                    }
                    names[check.name] = check.place
                } catch { findings.append(file.finding(error)) }
            }
        } catch {
            findings.append(YAMLFile.finding(error, path: platformPath))
        }
        for name in scenarioNames(workspaceRoot: root) {
            do throws(KlaxonError) {
                _ = try loadScenario(workspaceRoot: root, name: name, endpoints: endpoints)
            } catch {
                findings.append(YAMLFile.finding(error, path: directory(workspaceRoot: root) + "/" + name + ".yaml"))
            }
        }
        return findings
    }

    /// `Drills/NAME.yaml`. With `endpoints` (the platform's paths), an event on any other path is refused.
    public static func loadScenario(workspaceRoot root: String, name: String, endpoints: Set<String>? = nil)
        throws(KlaxonError) -> DrillScenario
    {
        let path = directory(workspaceRoot: root) + "/" + name + ".yaml"
        guard !name.contains("/"), name != String(platformFileName.dropLast(5)),
            FileManager.default.fileExists(atPath: path)
        else {
            let known = scenarioNames(workspaceRoot: root)
            throw .badInput(
                "no drill scenario \"\(name)\" in \(directory(workspaceRoot: root)) (there are: \(known.isEmpty ? "none" : known.joined(separator: ", ")))"
            )
        }
        let file = try YAMLFile.load(path: path)
        var title = name
        var description = ""
        var events: [DrillScenario.Event] = []
        var recovery = DrillScenario.Recovery()
        for (key, keyNode, value) in try file.mapping(file.root, what: name + ".yaml") {
            switch key {
            case "title": title = try file.string(value, what: "title")
            case "description": description = try file.string(value, what: "description")
            case "events":
                for item in try file.sequence(value, what: "events") {
                    var at: Double?
                    var endpoint: String?
                    var status: Int?
                    var body: String?
                    var latency: Int64?
                    for (k, kNode, v) in try file.mapping(item, what: "an event") {
                        switch k {
                        case "at": at = Double(try file.duration(v, what: "at")) / 1000
                        case "endpoint": endpoint = try file.string(v, what: "endpoint")
                        case "status": status = try file.integer(v, what: "status", in: 100...599)
                        case "body": body = try file.string(v, what: "body")
                        case "body_file": body = try bodyFile(v, file, root: root)
                        case "latency": latency = try file.duration(v, what: "latency")
                        default:
                            throw file.error(
                                kNode,
                                "unknown key \"\(k)\" in an event (known: at, endpoint, status, body, body_file, latency)"
                            )
                        }
                    }
                    guard let at, let endpoint else {
                        throw file.error(
                            item, "an event needs at: (such as 20s) and endpoint: (a path of platform.yaml)")
                    }
                    if let endpoints, !endpoints.contains(endpoint) {
                        throw file.error(
                            item,
                            "the event at \(Int(at))s changes \(endpoint), which \(directoryName)/\(platformFileName) does not serve (it serves \(endpoints.sorted().joined(separator: ", ")))"
                        )
                    }
                    events.append(
                        .init(atSeconds: at, path: endpoint, status: status, body: body, latencyMilliseconds: latency))
                }
            case "recover":
                for (k, kNode, v) in try file.mapping(value, what: "recover") {
                    switch k {
                    case "at": recovery.atSeconds = Double(try file.duration(v, what: "recover: at")) / 1000
                    case "after":
                        let type = try file.string(v, what: "recover: after")
                        guard let record = RecordType(rawValue: type), DrillScenario.Recovery.actions.contains(record)
                        else {
                            throw file.error(
                                v,
                                "recover: after is one of \(DrillScenario.Recovery.actions.map(\.rawValue).joined(separator: ", ")); not \"\(type)\""
                            )
                        }
                        recovery.afterRecord = record
                    default: throw file.error(kNode, "unknown key \"\(k)\" in recover (known: at, after)")
                    }
                }
            default: throw file.error(keyNode, "unknown key \"\(key)\" (known: title, description, events, recover)")
            }
        }
        guard !events.isEmpty else { throw file.error(file.root, "a scenario needs events: (what goes wrong when)") }
        return DrillScenario(name: name, title: title, description: description, events: events, recovery: recovery)
    }

    static func response(_ node: Node, _ file: YAMLFile, base: DrillResponse) throws(KlaxonError) -> DrillResponse {
        var response = base
        for (k, kNode, v) in try file.mapping(node, what: "an endpoint") {
            switch k {
            case "status": response.status = try file.integer(v, what: "status", in: 100...599)
            case "body": response.body = try file.string(v, what: "body")
            case "body_file": response.body = try bodyFile(v, file, root: nil)
            case "content_type": response.contentType = try file.string(v, what: "content_type")
            case "latency": response.latencyMilliseconds = try file.duration(v, what: "latency")
            default:
                throw file.error(
                    kNode, "unknown key \"\(k)\" in an endpoint (known: status, body, body_file, content_type, latency)"
                )
            }
        }
        return response
    }

    /// A body read from a file beside the YAML file.
    static func bodyFile(_ node: Node, _ file: YAMLFile, root: String?) throws(KlaxonError) -> String {
        let name = try file.string(node, what: "body_file")
        let path = (file.path as NSString).deletingLastPathComponent + "/" + name
        guard !name.hasPrefix("/"), !name.split(separator: "/").contains(".."),
            let text = try? String(contentsOfFile: path, encoding: .utf8)
        else {
            throw file.error(node, "body_file \"\(name)\" cannot be read: name a file in \(directoryName)/")
        }
        return text
    }

    /// Makes the directory a drill of `scenario` runs in, `drill-runs/TIME-NAME/` of `workspace`: a
    /// `klaxon.yaml` marked `drill:` whose checks poll the simulated platform at `address` (and with the
    /// workspace's update cadence, but no comms destinations), a copy of
    /// `Runbooks/` and of `Escalation/` in which every person's only contact is the drill's sink
    /// (`address/sink/ID`), so no page of a drill can reach a real person. Returns its path.
    public static func prepare(
        workspace: Workspace, scenario: DrillScenario, platform: Platform, address: String,
        at time: Timestamp
    ) throws(KlaxonError) -> String {
        let root = workspace.root + "/" + runsDirectoryName + "/" + time.compactUTC + "-" + scenario.name
        let manager = FileManager.default
        do {
            try manager.createDirectory(atPath: root + "/Escalation", withIntermediateDirectories: true)
            let runbooks = RunbookFiles.directory(workspaceRoot: workspace.root)
            if manager.fileExists(atPath: runbooks) {
                try manager.copyItem(atPath: runbooks, toPath: root + "/" + RunbookFiles.directoryName)
            }
            for name in ["schedules", "policies", "overrides.yaml"] {
                let source = workspace.root + "/Escalation/" + name
                if manager.fileExists(atPath: source) {
                    try manager.copyItem(atPath: source, toPath: root + "/Escalation/" + name)
                }
            }
        } catch {
            throw .failed("cannot make the drill's workspace \(root): \(error.localizedDescription)")
        }
        let people = EscalationFiles.load(workspaceRoot: workspace.root).people.map { person -> Node in
            [
                "id": Node(person.id), "name": Node(person.name), "time_zone": Node(person.timeZone),
                "contacts": [["type": "webhook", "url": Node(address + "/sink/" + person.id)]],
                "notify": [["contact": "webhook", "after": "0m"]]
            ]
        }
        var checks: [Node] = []
        for check in platform.checks.sequence ?? [] {
            guard var mapping = check.mapping else { continue }
            if let url = mapping["url"]?.string {
                mapping["url"] = Node(url.replacingOccurrences(of: addressPlaceholder, with: address))
            }
            checks.append(.mapping(mapping))
        }
        var escalation: Node.Mapping = ["attempts": "3", "retry_backoff": "2s"]
        if let main = workspace.config.mainSchedule { escalation["main_schedule"] = Node(main) }
        var config: Node = [
            "name": Node(workspace.config.name),
            "drill": Node(scenario.name),
            "stale_after": Node("\(workspace.config.staleAfterSeconds)s"),
            "escalation": .mapping(escalation),
            "checks": .sequence(.init(checks))
        ]
        // The update cadence is rehearsed (its reminders go to the sink, as pages do); no update of a
        // drill goes anywhere: its workspace names no comms destinations.
        let cadence = workspace.config.comms.cadence.sorted { $0.key < $1.key }
        if !cadence.isEmpty, case .mapping(var fields) = config {
            fields["comms"] = .mapping(
                Node.Mapping([
                    ("cadence", .mapping(Node.Mapping(cadence.map { (Node($0.key.name), Node("\($0.value)s")) })))
                ]))
            config = .mapping(fields)
        }
        do {
            let header =
                "# A drill of \"\(scenario.title)\" (\(scenario.name)), made by klaxon drill. Nothing here is a real incident.\n"
            try AtomicFile.write(header + (try Yams.serialize(node: config)), to: root + "/" + Workspace.configFileName)
            try AtomicFile.write(
                try Yams.serialize(node: ["people": .sequence(.init(people))]), to: root + "/Escalation/people.yaml")
        } catch let error as KlaxonError {
            throw error
        } catch {
            throw .failed("cannot write the drill's configuration in \(root): \(error)")
        }
        return root
    }
}
