import Foundation
import KlaxonCore
import Yams

/// The workspace's `Escalation/` directory read into people and schedules: `people.yaml`,
/// `schedules/*.yaml`, and `overrides.yaml` (written by `klaxon oncall override`). Reading never stops at
/// the first problem: each is a finding with its place, and whatever could be read is kept.
public struct EscalationFiles: Sendable {
    /// What may be paged: each policy, then each person (what a screen offers to page).
    public var pageTargets: [PageTarget] { policies.map { .policy($0.name) } + people.map { .person($0.id) } }

    public static let directoryName = "Escalation"
    public static let overridesFileName = "overrides.yaml"

    public var directory: String
    public var people: [Person] = []
    /// By name.
    public var schedules: [Schedule] = []
    /// By name, from `policies/*.yaml`.
    public var policies: [EscalationPolicy] = []
    /// What reading found, errors and warnings; `check(now:)` adds the ones that need the schedules' meaning.
    public var findings: [ConfigFinding] = []
    /// The secret references of people's contacts (`env:NAME`, `file:PATH` urls), with their places.
    public var secretUses: [SecretReference.Use] = []
    /// The people, schedules and policies that may be in a file or entry that did not read: a reference
    /// to one is not checked, since the reading's error is the one message (with a people.yaml that does
    /// not parse, "names erin, who is not in people.yaml" would be false).
    public var unreadPeople = Unread(), unreadSchedules = Unread(), unreadPolicies = Unread()

    /// Names of one kind whose file or entry did not read.
    public struct Unread: Sendable, Equatable {
        /// Any name at all: a file whose names cannot be known (people.yaml that does not parse).
        public var any = false
        public var names: Set<String> = []
        public init() {}
        /// Whether `name` may be one of them.
        public func covers(_ name: String) -> Bool { any || names.contains(name) }
    }

    public var peopleIDs: Set<String> { Set(people.map(\.id)) }
    public var overridesPath: String { directory + "/" + Self.overridesFileName }

    /// Reads `Escalation/` of the workspace at `root`; a workspace without one has no people or schedules.
    public static func load(workspaceRoot root: String) -> EscalationFiles {
        var files = EscalationFiles(directory: root + "/" + directoryName)
        let peoplePath = files.directory + "/people.yaml"
        if Workspace.fileExists(peoplePath) { files.readPeople(peoplePath) }
        let scheduleDirectory = files.directory + "/schedules"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: scheduleDirectory)) ?? [])
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        for name in names { files.readSchedule(scheduleDirectory + "/" + name) }
        if Workspace.fileExists(files.overridesPath) { files.readOverridesFile(files.overridesPath) }
        files.schedules.sort { $0.name < $1.name }
        let policyDirectory = files.directory + "/policies"
        let policyNames = ((try? FileManager.default.contentsOfDirectory(atPath: policyDirectory)) ?? [])
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        for name in policyNames { files.readPolicy(policyDirectory + "/" + name) }
        files.policies.sort { $0.name < $1.name }
        files.checkPolicyTargets()
        return files
    }

    /// Sizes and modification times of everything `load` reads: equal signatures, same files.
    public static func signature(workspaceRoot root: String) -> [Int] {
        let directory = root + "/" + directoryName
        var paths = [
            directory, directory + "/people.yaml", directory + "/" + overridesFileName, directory + "/schedules",
            directory + "/policies"
        ]
        for sub in ["schedules", "policies"] {
            paths += ((try? SystemCall.listDirectory(directory + "/" + sub)) ?? []).sorted().map {
                directory + "/" + sub + "/" + $0
            }
        }
        return fileSignature(paths)
    }

    /// Every finding: the reading's, the schedule checks (unknown people, unserved participants,
    /// overlapping overrides, gaps in the next `days` days), the policies' and the people's reached only
    /// through `logger`; times are said in `timeZone` (the workspace's).
    public func check(now: Timestamp, days: Int = 30, timeZone: TimeZone = TimeZone(identifier: "UTC")!)
        -> [ConfigFinding]
    {
        var all = findings
        for schedule in schedules {
            all += ScheduleCheck.findings(
                schedule, people: peopleIDs, now: now, days: days, unreadPeople: unreadPeople.covers)
        }
        all += PolicyCheck.findings(policies: policies, people: people, schedules: schedules)
        all += ContactCheck.findings(people: people)
        let calendars = Dictionary(
            schedules.compactMap { schedule in (try? OnCallCalendar(schedule)).map { (schedule.name, $0) } }
        ) { first, _ in first }
        all += PolicyCheck.repeatedPages(
            policies: policies, calendars: calendars, from: now, to: now.adding(seconds: Int64(days) * 86400),
            timeZone: timeZone)
        return all
    }

    /// The first error of reading, for commands that cannot go on without the files.
    public func requireReadable() throws(KlaxonError) {
        if let first = findings.first(where: { $0.level == .error }) {
            throw .badInput("\(first.place): \(first.message); run klaxon config validate to see every problem")
        }
    }

    /// The policy named `name`; refused with the closest names when there is none ("did you mean"), else
    /// with every name there is.
    public func policy(named name: String) throws(KlaxonError) -> EscalationPolicy {
        guard let policy = policies.first(where: { $0.name == name }) else {
            throw unknown("escalation policy", name, among: policies.map(\.name), in: "policies")
        }
        return policy
    }

    /// The escalation engine over these files, with `retry` for failed deliveries.
    public func engine(retry: EscalationEngine.RetryPolicy = .init()) -> EscalationEngine {
        EscalationEngine(
            policies: policies, people: people,
            lookup: OnCallDirectory(calendars: schedules.compactMap { try? OnCallCalendar($0) }), retry: retry)
    }

    /// The schedule named `name`; refused as `policy(named:)` refuses.
    public func schedule(named name: String) throws(KlaxonError) -> Schedule {
        guard let schedule = schedules.first(where: { $0.name == name }) else {
            throw unknown("schedule", name, among: schedules.map(\.name), in: "schedules")
        }
        return schedule
    }

    /// `no schedule named "dialy" in Escalation/schedules/; did you mean 'daily'?`: the closest of `names`,
    /// else all of them, else that `folder` has none.
    func unknown(_ what: String, _ name: String, among names: [String], in folder: String) -> KlaxonError {
        guard !names.isEmpty else {
            return .badInput("no \(what) named \"\(name)\"; there are none in \(directory)/\(folder)")
        }
        let hint = NameSuggestion.hint(for: name, among: names)
        return .badInput(
            "no \(what) named \"\(name)\" in \(Self.directoryName)/\(folder)/"
                + (hint.isEmpty ? "; known: " + names.sorted().joined(separator: ", ") : hint))
    }

    // MARK: - people.yaml

    mutating func readPeople(_ path: String) {
        let file: YAMLFile
        do { file = try YAMLFile.load(path: path) } catch {
            findings.append(YAMLFile.finding(error, path: path))
            unreadPeople.any = true
            return
        }
        do throws(KlaxonError) {
            for (key, keyNode, value) in try file.mapping(file.root, what: "people.yaml") {
                guard key == "people" else {
                    findings.append(.init(.warning, file.place(keyNode), "unknown key \"\(key)\" (known: people)"))
                    continue
                }
                for item in try file.sequence(value, what: "people") {
                    do throws(KlaxonError) {
                        var uses: [SecretReference.Use] = []
                        let person = try readPerson(item, file, secrets: &uses)
                        if people.contains(where: { $0.id == person.id }) {
                            findings.append(.init(.error, person.place, "\(person.id) is listed twice"))
                        } else {
                            people.append(person)
                            secretUses += uses
                        }
                    } catch {
                        findings.append(file.finding(error))
                        // The entry's id, if it has one that reads; without it, anyone may be meant.
                        if let id = item.mapping?["id"]?.scalar?.string, !id.isEmpty {
                            unreadPeople.names.insert(id)
                        } else {
                            unreadPeople.any = true
                        }
                    }
                }
            }
        } catch {
            findings.append(file.finding(error))
            unreadPeople.any = true
        }
    }

    /// A person; the secret references of their contacts go into `secrets`.
    func readPerson(_ node: Node, _ file: YAMLFile, secrets: inout [SecretReference.Use]) throws(KlaxonError) -> Person
    {
        var person = Person(id: "", name: "", timeZone: "UTC", place: file.place(node))
        var notifyNodes: [(Contact.Kind, Node)] = []
        var contactNodes: [Node] = []
        for (key, keyNode, value) in try file.mapping(node, what: "a person") {
            switch key {
            case "id": person.id = try file.string(value, what: "id")
            case "name": person.name = try file.string(value, what: "name")
            case "time_zone": person.timeZone = try zone(value, file)
            case "contacts":
                for item in try file.sequence(value, what: "contacts") {
                    person.contacts.append(try readContact(item, file))
                    contactNodes.append(item)
                }
            case "notify":
                for item in try file.sequence(value, what: "notify") {
                    var contact: Contact.Kind?
                    var after: Int64 = 0
                    for (k, kNode, v) in try file.mapping(item, what: "a notify rule") {
                        switch k {
                        case "contact": contact = try file.choice(v, what: "contact", Contact.Kind.allCases)
                        case "after": after = try file.duration(v, what: "after") / 1000
                        default:
                            throw file.error(kNode, "unknown key \"\(k)\" in a notify rule (known: contact, after)")
                        }
                    }
                    guard let contact else {
                        throw file.error(item, "a notify rule needs contact: (one of the person's contact types)")
                    }
                    notifyNodes.append((contact, item))
                    person.notify.append(NotifyRule(contact: contact, afterSeconds: after))
                }
            default:
                throw file.error(
                    keyNode, "unknown key \"\(key)\" for a person (known: id, name, time_zone, contacts, notify)")
            }
        }
        guard !person.id.isEmpty else { throw file.error(node, "a person needs an id:") }
        if person.name.isEmpty { person.name = person.id }
        for (kind, ruleNode) in notifyNodes where !person.contacts.contains(where: { $0.kind == kind }) {
            throw file.error(ruleNode, "\(person.id) has no \(kind.rawValue) contact for this notify rule")
        }
        // A webhook's or Slack's url may be a reference (it holds a token); an address or argv never is.
        for (contact, node) in zip(person.contacts, contactNodes)
        where contact.kind == .webhook || contact.kind == .slack {
            guard let reference = contact.target.first.flatMap(SecretReference.init) else { continue }
            let place =
                node.mapping?.first(where: { $0.key.scalar?.string == "url" }).map { file.place($0.value) }
                ?? file.place(node)
            secrets.append(
                .init(reference: reference, purpose: "\(person.id)'s \(contact.kind.rawValue) url", place: place))
        }
        return person
    }

    func readContact(_ node: Node, _ file: YAMLFile) throws(KlaxonError) -> Contact {
        var kind: Contact.Kind?
        var target: [String] = []
        for (key, keyNode, value) in try file.mapping(node, what: "a contact") {
            switch key {
            case "type": kind = try file.choice(value, what: "type", Contact.Kind.allCases)
            case "url": target = [try file.string(value, what: key)]
            case "address":
                let address = try file.string(value, what: key)
                if let problem = EmailAddress.problem(address) {
                    throw file.error(
                        value,
                        "address is not a plain email address: \(problem); write one address, such as alice@example.com"
                    )
                }
                target = [address]
            case "argv": target = try file.strings(value, what: "argv")
            default: throw file.error(keyNode, "unknown key \"\(key)\" for a contact (known: type, url, address, argv)")
            }
        }
        guard let kind else { throw file.error(node, "a contact needs type: (webhook, slack, email or command)") }
        let needs = ["webhook": "url", "slack": "url", "email": "address", "command": "argv"][kind.rawValue]!
        guard !target.isEmpty, !target[0].isEmpty else {
            throw file.error(node, "a \(kind.rawValue) contact needs \(needs):")
        }
        return Contact(kind: kind, target: target)
    }

    // MARK: - policies/NAME.yaml

    mutating func readPolicy(_ path: String) {
        let file: YAMLFile
        do { file = try YAMLFile.load(path: path) } catch {
            findings.append(YAMLFile.finding(error, path: path))
            unreadPolicies.names.formUnion(Self.namesOf(path, named: nil))
            return
        }
        do throws(KlaxonError) {
            let fileName = SystemCall.basename(of: path)
            var policy = EscalationPolicy(
                name: String(fileName[..<fileName.lastIndex(of: ".")!]), steps: [], place: path)
            var modeNode: Node?
            for (key, keyNode, value) in try file.mapping(file.root, what: "a policy") {
                switch key {
                case "name":
                    policy.name = try file.string(value, what: "name")
                    guard IncidentAction.isName(policy.name) else {
                        throw file.error(value, "a policy name is letters, digits, dots, dashes and underscores")
                    }
                case "steps":
                    for item in try file.sequence(value, what: "steps") {
                        policy.steps.append(try readStep(item, file))
                    }
                case "repeat": policy.repeatCount = try file.integer(value, what: "repeat", in: 0...10)
                case "when_nobody_on_call":
                    policy.whenNobodyOnCall = try file.choice(
                        value, what: "when_nobody_on_call", EscalationPolicy.NobodyOnCall.allCases)
                    modeNode = value
                case "fallback":
                    policy.fallback = try target(value, file)
                    policy.fallbackPlace = file.place(value)
                case "ack_timeout":
                    let ms = try file.duration(value, what: "ack_timeout")
                    guard ms >= 60_000 else { throw file.error(value, "ack_timeout must be at least 1m") }
                    policy.ackTimeoutSeconds = ms / 1000
                case "description": break
                default:
                    findings.append(
                        .init(
                            .warning, file.place(keyNode),
                            "unknown key \"\(key)\" (known: name, steps, repeat, when_nobody_on_call, fallback, ack_timeout, description)"
                        ))
                }
            }
            guard !policy.steps.isEmpty else { throw file.error(file.root, "policy \(policy.name) has no steps") }
            if policy.whenNobodyOnCall == .fallback, policy.fallback == nil {
                throw file.error(
                    modeNode ?? file.root, "when_nobody_on_call: fallback needs fallback: (user:ID or schedule:NAME)")
            }
            if let other = policies.first(where: { $0.name == policy.name }) {
                throw file.error(file.root, "policy name \(policy.name) is also used by \(other.place)")
            }
            policies.append(policy)
        } catch {
            findings.append(file.finding(error))
            unreadPolicies.names.formUnion(Self.namesOf(path, named: file.root.mapping?["name"]?.scalar?.string))
        }
    }

    func readStep(_ node: Node, _ file: YAMLFile) throws(KlaxonError) -> EscalationPolicy.Step {
        var targets: [EscalationTarget] = []
        var places: [String] = []
        var after: Int64?
        for (key, keyNode, value) in try file.mapping(node, what: "a step") {
            switch key {
            case "targets":
                for item in try file.sequence(value, what: "targets") {
                    targets.append(try target(item, file))
                    places.append(file.place(item))
                }
            case "escalate_after":
                let ms = try file.duration(value, what: "escalate_after")
                guard ms >= 1000 else { throw file.error(value, "escalate_after must be at least 1s") }
                after = ms / 1000
            default: throw file.error(keyNode, "unknown key \"\(key)\" for a step (known: targets, escalate_after)")
            }
        }
        guard !targets.isEmpty else { throw file.error(node, "a step needs targets: ([schedule:NAME, user:ID])") }
        guard let after else {
            throw file.error(node, "a step needs escalate_after: (how long to wait for an acknowledgement, e.g. 5m)")
        }
        return EscalationPolicy.Step(
            targets: targets, escalateAfterSeconds: after, targetPlaces: places, place: file.place(node))
    }

    func target(_ node: Node, _ file: YAMLFile) throws(KlaxonError) -> EscalationTarget {
        let text = try file.string(node, what: "a target")
        guard let target = EscalationTarget(parsing: text) else {
            throw file.error(node, "\"\(text)\" is not a target; write schedule:NAME or user:ID")
        }
        return target
    }

    /// Policies that name people or schedules that do not exist: errors at the target's place, found
    /// after everything is read.
    mutating func checkPolicyTargets() {
        let names = Set(schedules.map(\.name))
        let ids = peopleIDs
        for policy in policies {
            var targets: [(EscalationTarget, String)] = []
            for step in policy.steps {
                for (i, target) in step.targets.enumerated() {
                    targets.append((target, i < step.targetPlaces.count ? step.targetPlaces[i] : policy.place))
                }
            }
            if let fallback = policy.fallback { targets.append((fallback, policy.fallbackPlace ?? policy.place)) }
            for (target, place) in targets {
                switch target {
                case .schedule(let name) where !names.contains(name) && !unreadSchedules.covers(name):
                    findings.append(
                        .init(
                            .error, place,
                            "policy \(policy.name) names schedule \(name), which is not in \(directory)/schedules\(Self.known(names))"
                        ))
                case .user(let id) where !ids.contains(id) && !unreadPeople.covers(id):
                    findings.append(
                        .init(
                            .error, place,
                            "policy \(policy.name) names \(id), who is not in people.yaml\(Self.known(ids))"))
                default: break
                }
            }
        }
    }

    /// The names a policy or schedule file that did not read may define: its file's name, and the
    /// `name:` it gives (`named`, when the file parsed) or that a top-level line `name: …` gives.
    static func namesOf(_ path: String, named: String?) -> Set<String> {
        let fileName = SystemCall.basename(of: path)
        var names: Set<String> = [String(fileName[..<(fileName.lastIndex(of: ".") ?? fileName.endIndex)])]
        if let named {
            names.insert(named)
        } else if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            for line in text.split(separator: "\n") where line.hasPrefix("name:") {
                names.insert(
                    line.dropFirst(5).prefix { $0 != "#" }.trimmingCharacters(
                        in: CharacterSet(charactersIn: " \t\r\"'")))
            }
        }
        return names
    }

    /// `; known: a, b` (or nothing when there are none), for messages about a name that does not exist.
    public static func known(_ names: Set<String>) -> String {
        names.isEmpty ? "" : "; known: " + names.sorted().joined(separator: ", ")
    }

    // MARK: - schedules/NAME.yaml

    mutating func readSchedule(_ path: String) {
        let file: YAMLFile
        do { file = try YAMLFile.load(path: path) } catch {
            findings.append(YAMLFile.finding(error, path: path))
            unreadSchedules.names.formUnion(Self.namesOf(path, named: nil))
            return
        }
        do throws(KlaxonError) {
            let fileName = SystemCall.basename(of: path)
            var schedule = Schedule(
                name: String(fileName[..<fileName.lastIndex(of: ".")!]), timeZone: "", layers: [], place: path)
            var zoneNode: Node?
            var overrideNodes: [Node] = []
            let pairs = try file.mapping(file.root, what: "a schedule")
            for (key, keyNode, value) in pairs {
                switch key {
                case "name": schedule.name = try file.string(value, what: "name")
                case "time_zone":
                    schedule.timeZone = try zone(value, file)
                    zoneNode = value
                case "layers", "overrides": break
                case "description": break
                default:
                    findings.append(
                        .init(
                            .warning, file.place(keyNode),
                            "unknown key \"\(key)\" (known: name, time_zone, layers, overrides, description)"))
                }
            }
            guard zoneNode != nil else {
                throw file.error(file.root, "a schedule needs time_zone: (an IANA name such as America/Chicago)")
            }
            guard let timeZone = TimeZone(identifier: schedule.timeZone) else {
                throw file.error(file.root, "unknown time zone")
            }
            for (key, _, value) in pairs {
                if key == "layers" {
                    for item in try file.sequence(value, what: "layers") {
                        schedule.layers.append(try readLayer(item, file))
                    }
                } else if key == "overrides" {
                    overrideNodes = try file.sequence(value, what: "overrides")
                }
            }
            if schedule.layers.isEmpty { throw file.error(file.root, "schedule \(schedule.name) has no layers") }
            for item in overrideNodes {
                do { schedule.overrides.append(try readOverride(item, file, timeZone: timeZone).1) } catch {
                    findings.append(file.finding(error))
                }
            }
            if let other = schedules.first(where: { $0.name == schedule.name }) {
                throw file.error(file.root, "schedule name \(schedule.name) is also used by \(other.place)")
            }
            schedules.append(schedule)
        } catch {
            findings.append(file.finding(error))
            unreadSchedules.names.formUnion(Self.namesOf(path, named: file.root.mapping?["name"]?.scalar?.string))
        }
    }

    func readLayer(_ node: Node, _ file: YAMLFile) throws(KlaxonError) -> ScheduleLayer {
        var layer = ScheduleLayer(
            name: "", rotation: .weekly, start: CivilDateTime(year: 2026, month: 1, day: 1),
            participants: [], place: file.place(node))
        var sawStart = false
        var sawRotation = false
        for (key, keyNode, value) in try file.mapping(node, what: "a layer") {
            switch key {
            case "name": layer.name = try file.string(value, what: "name")
            case "rotation":
                layer.rotation = try file.choice(value, what: "rotation", Rotation.allCases)
                sawRotation = true
            case "shift_length": layer.shiftLength = try file.integer(value, what: "shift_length", in: 1...10_000)
            case "start":
                let text = try file.string(value, what: "start")
                guard let civil = Self.wallTime(text) else {
                    throw file.error(value, "start is \"\(text)\"; expected a local wall time such as 2026-01-05T09:00")
                }
                layer.start = civil
                sawStart = true
            case "participants":
                let items = try file.sequence(value, what: "participants")
                for item in items { layer.participants.append(try file.string(item, what: "each participant")) }
                layer.participantPlaces = items.map(file.place)
            case "restrictions":
                for item in try file.sequence(value, what: "restrictions") {
                    layer.restrictions.append(try readWindow(item, file))
                }
            case "advance": layer.advance = try file.choice(value, what: "advance", AdvanceMode.allCases)
            default:
                throw file.error(
                    keyNode,
                    "unknown key \"\(key)\" for a layer (known: name, rotation, shift_length, start, participants, restrictions, advance)"
                )
            }
        }
        guard sawRotation else { throw file.error(node, "a layer needs rotation: (hourly, daily, weekly or monthly)") }
        guard sawStart else {
            throw file.error(
                node, "a layer needs start: (a local wall time where a handoff happens, such as 2026-01-05T09:00)")
        }
        if layer.name.isEmpty { layer.name = layer.rotation.rawValue }
        return layer
    }

    func readWindow(_ node: Node, _ file: YAMLFile) throws(KlaxonError) -> WeeklyWindow {
        var days: Set<Weekday> = []
        var from: Int?
        var to: Int?
        for (key, keyNode, value) in try file.mapping(node, what: "a restriction") {
            switch key {
            case "days":
                for item in try file.sequence(value, what: "days") {
                    let text = try file.string(item, what: "a day")
                    guard let day = Weekday(name: text) else {
                        throw file.error(item, "\"\(text)\" is not a day; use mon, tue, wed, thu, fri, sat or sun")
                    }
                    days.insert(day)
                }
            case "from", "to":
                let text = try file.string(value, what: key)
                guard let minute = Self.clockMinute(text), minute < 1440 || key == "to" else {
                    throw file.error(
                        value,
                        "\(key) is \"\(text)\"; expected a time of day such as \"09:00\" (quoted)\(key == "to" ? " or \"24:00\"" : "")"
                    )
                }
                if key == "from" { from = minute } else { to = minute }
            default: throw file.error(keyNode, "unknown key \"\(key)\" for a restriction (known: days, from, to)")
            }
        }
        guard !days.isEmpty else {
            throw file.error(node, "a restriction needs days: (for example [mon, tue, wed, thu, fri])")
        }
        guard let from, let to else { throw file.error(node, "a restriction needs from: and to: (times of day)") }
        return WeeklyWindow(days: days, fromMinute: from, toMinute: to)
    }

    /// One override; returns its schedule name too when it has one (`overrides.yaml` entries do).
    func readOverride(_ node: Node, _ file: YAMLFile, timeZone: TimeZone?) throws(KlaxonError) -> (
        String?, ScheduleOverride
    ) {
        var scheduleName: String?
        var fromText: (String, Node)?
        var toText: (String, Node)?
        var o = ScheduleOverride(
            from: Timestamp(milliseconds: 0), to: Timestamp(milliseconds: 0), user: "", place: file.place(node))
        for (key, keyNode, value) in try file.mapping(node, what: "an override") {
            switch key {
            case "schedule": scheduleName = try file.string(value, what: "schedule")
            case "from": fromText = (try file.string(value, what: "from"), value)
            case "to": toText = (try file.string(value, what: "to"), value)
            case "user": o.user = try file.string(value, what: "user")
            case "replaces": o.replaces = try file.string(value, what: "replaces")
            case "mode": o.mode = try file.choice(value, what: "mode", [ScheduleOverride.Mode.replace, .add])
            case "by": o.madeBy = try file.string(value, what: "by")
            case "at":
                let text = try file.string(value, what: "at")
                guard let t = Timestamp.parseRFC3339(text) else {
                    throw file.error(value, "at is \"\(text)\"; expected RFC 3339")
                }
                o.madeAt = t
            default:
                throw file.error(
                    keyNode,
                    "unknown key \"\(key)\" for an override (known: from, to, user, replaces, mode, by, at, schedule)")
            }
        }
        guard !o.user.isEmpty else { throw file.error(node, "an override needs user:") }
        guard let fromText, let toText else { throw file.error(node, "an override needs from: and to:") }
        if o.mode == .add && o.replaces != nil {
            throw file.error(node, "mode: add adds someone alongside; it cannot also replace")
        }
        let zone = timeZone ?? TimeZone(identifier: "UTC")!
        for (text, valueNode) in [fromText, toText] {
            guard let t = Self.instant(text, in: zone) else {
                throw file.error(
                    valueNode,
                    "\"\(text)\" is not a time; use a local wall time (2026-01-07T18:00) or RFC 3339 with an offset")
            }
            if valueNode == fromText.1 { o.from = t } else { o.to = t }
        }
        guard o.from < o.to else {
            throw file.error(node, "the override ends (\(toText.0)) before it starts (\(fromText.0))")
        }
        return (scheduleName, o)
    }

    mutating func readOverridesFile(_ path: String) {
        do throws(KlaxonError) { readOverrides(try YAMLFile.load(path: path)) } catch {
            findings.append(YAMLFile.finding(error, path: path))
        }
    }

    /// The overrides of an `overrides.yaml` already parsed, added to their schedules.
    mutating func readOverrides(_ file: YAMLFile) {
        do throws(KlaxonError) {
            for (key, keyNode, value) in try file.mapping(file.root, what: Self.overridesFileName) {
                guard key == "overrides" else {
                    findings.append(.init(.warning, file.place(keyNode), "unknown key \"\(key)\" (known: overrides)"))
                    continue
                }
                if case .scalar = value { continue }  // `overrides:` with nothing yet
                for item in try file.sequence(value, what: "overrides") {
                    do throws(KlaxonError) {
                        // The schedule's zone reads local times, so find the schedule first.
                        let (name, _) = try readOverride(item, file, timeZone: nil)
                        guard let name else {
                            throw file.error(item, "an override in \(Self.overridesFileName) needs schedule:")
                        }
                        guard let index = schedules.firstIndex(where: { $0.name == name }) else {
                            // A schedule whose file did not read: its error is the one message.
                            if unreadSchedules.covers(name) { continue }
                            throw file.error(item, "no schedule named \"\(name)\"")
                        }
                        let zone = TimeZone(identifier: schedules[index].timeZone)
                        schedules[index].overrides.append(try readOverride(item, file, timeZone: zone).1)
                    } catch { findings.append(file.finding(error)) }
                }
            }
        } catch { findings.append(file.finding(error)) }
    }

    // MARK: - Values

    func zone(_ node: Node, _ file: YAMLFile) throws(KlaxonError) -> String {
        let name = try file.string(node, what: "time_zone")
        guard TimeZone(identifier: name) != nil else {
            throw file.error(node, "unknown time zone \"\(name)\"; use an IANA name such as Europe/Berlin or UTC")
        }
        return name
    }

    /// `2026-01-05T09:00` (or with a space, or with seconds).
    static func wallTime(_ text: String) -> CivilDateTime? {
        let parts = text.split(whereSeparator: { $0 == "T" || $0 == " " })
        guard parts.count == 2 else { return nil }
        let date = parts[0].split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        let clock = parts[1].split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
        guard date.count == 3, (2...3).contains(clock.count), let y = date[0], let m = date[1], let d = date[2],
            let h = clock[0], let min = clock[1], parts[0].count == 10
        else { return nil }
        let civil = CivilDateTime(
            year: y, month: m, day: d, hour: h, minute: min, second: clock.count == 3 ? (clock[2] ?? -1) : 0)
        return civil.isValid ? civil : nil
    }

    /// A local wall time in `zone`, or RFC 3339 with an offset (seconds may be left out: `2026-12-01T02:00Z`).
    static func instant(_ text: String, in zone: TimeZone) -> Timestamp? {
        if let t = Timestamp.parseRFC3339(text) { return t }
        if text.count > 16, text[text.index(text.startIndex, offsetBy: 16)] != ":" {
            var withSeconds = text
            withSeconds.insert(contentsOf: ":00", at: text.index(text.startIndex, offsetBy: 16))
            if let t = Timestamp.parseRFC3339(withSeconds) { return t }
        }
        return wallTime(text).map { ZoneRules.instant(of: $0, in: zone) }
    }

    /// `"09:00"` → 540; `"24:00"` → 1440.
    static func clockMinute(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0...59).contains(m)
        else { return nil }
        guard (0...23).contains(h) || (h == 24 && m == 0) else { return nil }
        return h * 60 + m
    }
}
