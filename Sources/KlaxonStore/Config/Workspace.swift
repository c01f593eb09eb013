import Foundation
import KlaxonCore
import KlaxonPostgres
import Yams

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A workspace: a directory holding `klaxon.yaml`, `Runbooks/`, `Escalation/` and the journals.
public struct Workspace: Sendable {
    public static let configFileName = "klaxon.yaml"

    /// The workspace directory (absolute).
    public let root: String
    public let config: WorkspaceConfig
    /// Unknown keys and other things worth a look, with their places; `klaxon config validate` shows them.
    public let warnings: [String]
    /// The secret references of `channels:`, with their places.
    public var secretUses: [SecretReference.Use] = []
    /// Where `escalation: main_schedule:` is written (`file:line:column`).
    public var mainSchedulePlace: String?
    /// What is wrong with `comms:`, when it could not be read (`file:line:column: …`). A mistake there
    /// must not stop paging, polling or the console: `comms:` is then left out (no status update is sent,
    /// no cadence kept), `klaxon config validate` reports it as an error, and `klaxon watch` and
    /// `klaxon incident update` say it.
    public var commsError: String?

    /// What a command that goes on says of a broken `comms:` (`commsError`).
    public static func commsIgnored(_ error: String) -> String {
        "\(error) — comms: is ignored until it is corrected: no status update is sent and no update cadence kept (paging, checks and the rest go on; klaxon config validate)"
    }

    public var configPath: String { root + "/" + Self.configFileName }

    /// Where this workspace's journals are kept: the journal files of the directory, or the PostgreSQL
    /// store of the URI. Everything that reads or writes journals gets it from here.
    public var journalStore: any JournalStore {
        get throws(KlaxonError) {
            switch config.journals {
            case .directory: FileJournalStore(directory: journalsPlace)
            case .postgres(let uri): PostgresJournalStore(uri: uri, indexDirectory: Self.indexCache(of: uri))
            }
        }
    }

    /// Where this machine keeps the index of a database's incidents (a cache, safe to delete):
    /// `$XDG_CACHE_HOME/klaxon/index-HASH`, else `~/.cache/klaxon/index-HASH`, HASH naming the URI without
    /// secrets; nil without a home.
    static func indexCache(of uri: String) -> String? {
        let environment = ProcessInfo.processInfo.environment
        let cache =
            environment["XDG_CACHE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? environment["HOME"].flatMap { $0.hasPrefix("/") ? $0 + "/.cache" : nil }
        guard let cache else { return nil }
        return cache + "/klaxon/index-" + RecordHash.of(Array(PostgresURI.redacted(uri).utf8)).short
    }

    public var incidents: IncidentStore {
        get throws(KlaxonError) { IncidentStore(store: try journalStore, drill: config.drill) }
    }

    /// Where the journals are, for messages: the directory, or the database's URI without secrets.
    public var journalsPlace: String {
        switch config.journals {
        case .directory(let path): path.hasPrefix("/") ? path : root + "/" + path
        case .postgres(let uri): PostgresURI.redacted(uri)
        }
    }

    /// The zone to show times in: the config's `time_zone`, else `TZ`, else the system's.
    public func displayTimeZone(environment: [String: String]) -> TimeZone {
        if let name = config.timeZone, let zone = TimeZone(identifier: name) { return zone }
        if let name = environment["TZ"],
            let zone = TimeZone(identifier: name.hasPrefix(":") ? String(name.dropFirst()) : name)
        {
            return zone
        }
        return TimeZone.current
    }

    /// Finds the workspace: `explicit` (from `--workspace`), else `KLAXON_WORKSPACE`, else the nearest
    /// ancestor of `currentDirectory` holding `klaxon.yaml`.
    public static func locate(explicit: String?, environment: [String: String], currentDirectory: String)
        throws(KlaxonError) -> Workspace
    {
        if let explicit {
            return try load(directory: absolute(explicit, from: currentDirectory), source: "--workspace")
        }
        if let fromEnvironment = environment["KLAXON_WORKSPACE"], !fromEnvironment.isEmpty {
            return try load(directory: absolute(fromEnvironment, from: currentDirectory), source: "KLAXON_WORKSPACE")
        }
        var directory = absolute(currentDirectory, from: "/")
        while true {
            if fileExists(directory + "/" + configFileName) { return try load(directory: directory, source: nil) }
            let parent = SystemCall.dirname(of: directory)
            if parent == directory { break }
            directory = parent
        }
        throw .badInput(
            "no workspace: there is no \(configFileName) in \(currentDirectory) or any directory above it; pass --workspace DIR, set KLAXON_WORKSPACE, run inside a workspace, or make one with klaxon init"
        )
    }

    /// Loads the workspace at `directory`.
    public static func load(directory: String, source: String? = nil) throws(KlaxonError) -> Workspace {
        let path = directory + "/" + configFileName
        guard fileExists(path) else {
            let from = source.map { " (from \($0))" } ?? ""
            throw .badInput(
                "\(directory)\(from) is not a workspace: it has no \(configFileName); point to the directory that holds it"
            )
        }
        // Broken checks must not lock the team out of its incidents: CheckFiles reports them, and the
        // commands and screens that need them; a broken setting is an error for everything.
        let (file, broken) = try YAMLFile.loadParts(path: path)
        if let key = broken.keys.sorted().first(where: { !CheckFiles.topLevelKeys.contains($0) }) { throw broken[key]! }
        var config = WorkspaceConfig(name: SystemCall.basename(of: directory))
        var warnings: [String] = []
        var secretUses: [SecretReference.Use] = []
        var mainSchedulePlace: String?
        var commsError: String?
        for (key, keyNode, value) in try file.mapping(file.root, what: "\(configFileName)") {
            switch key {
            case "name": config.name = try file.string(value, what: "name")
            case "journals":
                let journals = try file.string(value, what: "journals")
                guard !journals.isEmpty else {
                    throw file.error(value, "journals must name a directory or a postgresql:// URI")
                }
                config.journals = JournalLocation(journals)
                switch config.journals {
                case .directory:
                    if absolute(journals, from: directory) == "/" {
                        warnings.append(
                            "\(file.place(value)): journals: \(journals) is the root of the file system; Klaxon would create and read its journals there: name a directory of their own, such as journals"
                        )
                    }
                case .postgres(let uri):
                    let options: [String: String]
                    do {
                        options = try PostgresURI.options(uri)
                    } catch {
                        throw file.error(value, "journals: " + error.message)
                    }
                    if let secret = PostgresURI.secretKeys.sorted().first(where: { options[$0] != nil }) {
                        throw file.error(
                            value,
                            "journals: the URI holds a \(secret); secrets never go into klaxon.yaml: write the URI without it and give it in PGPASSWORD or ~/.pgpass (or a service file)"
                        )
                    }
                }
            case "time_zone":
                let zone = try file.string(value, what: "time_zone")
                guard TimeZone(identifier: zone) != nil else {
                    throw file.error(
                        value, "unknown time zone \"\(zone)\"; use an IANA name such as Europe/Berlin or UTC")
                }
                config.timeZone = zone
            case "escalation":
                for (subkey, subkeyNode, subvalue) in try file.mapping(value, what: "escalation") {
                    switch subkey {
                    case "main_schedule":
                        config.mainSchedule = try file.string(subvalue, what: "main_schedule")
                        mainSchedulePlace = file.place(subvalue)
                    case "attempts":
                        config.pagingRetry.attempts = try file.integer(
                            subvalue, what: "escalation: attempts", in: 1...20)
                    case "retry_backoff":
                        let ms = try file.duration(subvalue, what: "escalation: retry_backoff")
                        guard ms >= 1000 else {
                            throw file.error(subvalue, "escalation: retry_backoff must be at least 1s")
                        }
                        config.pagingRetry.backoffSeconds = ms / 1000
                    default:
                        warnings.append(
                            "\(file.place(subkeyNode)): unknown key \"\(subkey)\" in escalation (known: main_schedule, attempts, retry_backoff)"
                        )
                    }
                }
            case "channels":
                config.channels = try Self.readChannels(value, file, warnings: &warnings, secrets: &secretUses)
            case "runbooks":
                for (subkey, subkeyNode, subvalue) in try file.mapping(value, what: "runbooks") {
                    if subkey == "stale_after" {
                        let ms = try file.duration(subvalue, what: "runbooks: stale_after")
                        guard ms >= 86_400_000 else {
                            throw file.error(subvalue, "runbooks: stale_after is in days, such as 90d")
                        }
                        config.runbookStaleAfterDays = Int(ms / 86_400_000)
                    } else {
                        warnings.append(
                            "\(file.place(subkeyNode)): unknown key \"\(subkey)\" in runbooks (known: stale_after)")
                    }
                }
            case "drill": config.drill = try file.string(value, what: "drill")
            case "notify":
                let text = try file.string(value, what: "notify")
                guard let mode = NotifyMode(rawValue: text) else {
                    throw file.error(
                        value,
                        "notify is \"\(text)\"; use desktop (the bell and a desktop notification), bell or off")
                }
                config.notify = mode
            case "intake":
                config.intake = try IntakeConfigLoader.read(value, file, warnings: &warnings, secrets: &secretUses)
            case "comms":
                do {
                    config.comms = try CommsConfigLoader.read(value, file, warnings: &warnings, secrets: &secretUses)
                } catch {
                    commsError = error.message
                }
            case "stale_after":
                config.staleAfterSeconds = try file.duration(value, what: "stale_after") / 1000
            default:
                if !WorkspaceConfig.knownKeys.contains(key) {
                    warnings.append(
                        "\(file.place(keyNode)): unknown key \"\(key)\" (known: \(WorkspaceConfig.knownKeys.sorted().joined(separator: ", ")))"
                    )
                }
            }
        }
        do { try CommsConfigLoader.checkChannels(config.comms, channels: config.channels) } catch {
            commsError = error.message
            config.comms = CommsConfig()
        }
        var workspace = Workspace(root: directory, config: config, warnings: warnings)
        workspace.secretUses = secretUses
        workspace.mainSchedulePlace = mainSchedulePlace
        workspace.commsError = commsError
        return workspace
    }

    /// `channels: {email: {server, from, starttls, username, password}, webhook: {secret}, timeout}`.
    static func readChannels(
        _ node: Node, _ file: YAMLFile, warnings: inout [String],
        secrets: inout [SecretReference.Use]
    ) throws(KlaxonError) -> DeliveryChannels {
        var channels = DeliveryChannels()
        for (key, keyNode, value) in try file.mapping(node, what: "channels") {
            switch key {
            case "email":
                var server: String?
                var from: String?
                var email = EmailChannel(server: "", from: "")
                var credentialNode: (what: String, node: Node)?
                for (k, kNode, v) in try file.mapping(value, what: "channels: email") {
                    switch k {
                    case "server":
                        let text = try file.string(v, what: "server")
                        guard text.hasPrefix("smtp://") || text.hasPrefix("smtps://") else {
                            throw file.error(
                                v, "the email server is \"\(text)\"; write smtp://HOST:PORT or smtps://HOST:PORT")
                        }
                        guard !text.contains("@") else {
                            throw file.error(
                                v,
                                "the email server holds credentials; write smtp://HOST:PORT, and the credentials as username: and password: (a reference)"
                            )
                        }
                        server = text
                    case "from":
                        let address = try file.string(v, what: "from")
                        if let problem = EmailAddress.problem(address) {
                            throw file.error(
                                v,
                                "from is not a plain email address: \(problem); write one address, such as klaxon@example.com"
                            )
                        }
                        from = address
                    case "starttls": email.startTLS = try file.bool(v, what: "starttls")
                    case "username":
                        email.username = try file.string(v, what: "username")
                        credentialNode = credentialNode ?? ("username", v)
                    case "password":
                        email.password = try secret(v, file, what: "password")
                        credentialNode = ("password", v)
                        secrets.append(
                            .init(
                                reference: SecretReference(email.password!)!, purpose: "channels: email: password",
                                place: file.place(v)))
                    default:
                        throw file.error(
                            kNode,
                            "unknown key \"\(k)\" in channels: email (known: server, from, starttls, username, password)"
                        )
                    }
                }
                guard let server, let from else {
                    throw file.error(value, "channels: email needs server: (smtp://HOST:PORT) and from: (an address)")
                }
                // Credentials go only over TLS: from the start (smtps://) or after a STARTTLS that must succeed.
                if let credentialNode, server.hasPrefix("smtp://"), !email.startTLS {
                    throw file.error(
                        credentialNode.node,
                        "the \(credentialNode.what) would cross \(server) in clear text; write server: smtps://HOST:PORT or add starttls: true"
                    )
                }
                email.server = server
                email.from = from
                channels.email = email
            case "webhook":
                for (k, kNode, v) in try file.mapping(value, what: "channels: webhook") {
                    guard k == "secret" else {
                        throw file.error(kNode, "unknown key \"\(k)\" in channels: webhook (known: secret)")
                    }
                    channels.webhookSecret = try secret(v, file, what: "secret")
                    secrets.append(
                        .init(
                            reference: SecretReference(channels.webhookSecret!)!, purpose: "channels: webhook: secret",
                            place: file.place(v)))
                }
            case "timeout":
                let ms = try file.duration(value, what: "channels: timeout")
                guard ms >= 1000, ms <= 300_000 else {
                    throw file.error(value, "channels: timeout must be from 1s to 5m")
                }
                channels.timeoutSeconds = ms / 1000
            default:
                warnings.append(
                    "\(file.place(keyNode)): unknown key \"\(key)\" in channels (known: email, webhook, timeout)")
            }
        }
        return channels
    }

    /// A secret is a reference, never the secret itself, so klaxon.yaml can be committed.
    static func secret(_ node: Node, _ file: YAMLFile, what: String) throws(KlaxonError) -> String {
        let text = try file.string(node, what: what)
        guard SecretReference(text) != nil else {
            throw file.error(node, "\(what) must be a reference, env:NAME or file:PATH, never the secret itself")
        }
        return text
    }

    static func fileExists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// `path` made absolute against `base`, with `.` and `..` resolved textually.
    static func absolute(_ path: String, from base: String) -> String {
        let joined = path.hasPrefix("/") ? path : base + "/" + path
        var parts: [Substring] = []
        for part in joined.split(separator: "/") {
            if part == "." || part.isEmpty { continue }
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }
}
