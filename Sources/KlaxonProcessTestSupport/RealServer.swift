import Foundation
import KlaxonTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A real server from Debian's packages (Prometheus, Alertmanager, the pushgateway, etcd) running on 127.0.0.1 with
/// fresh state in a directory of its own, for the tests that must meet the real thing rather than a
/// recording. It is started by the test and killed when the test stops it or releases it.
public final class RealServer: Sendable {
    /// Which server, as the messages name it.
    public let name: String
    /// The port its HTTP API listens on.
    public let port: Int
    /// The directory that holds its configuration, state and log.
    public let directory: TemporaryDirectory
    private let process: Process

    /// `http://127.0.0.1:PORT`.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// What the server wrote to its standard output and error, for failure messages.
    public var log: String { (try? String(contentsOfFile: directory.path + "/server.log", encoding: .utf8)) ?? "" }

    /// Starts `executable` with `arguments` (its working directory is `directory`) and waits until
    /// `port` accepts connections. Throws, with the end of the server's log, if the executable is
    /// missing (`scripts/setup --tests` installs it) or the server does not listen within 30 s.
    public init(
        _ name: String, executable: String, arguments: [String], port: Int, directory: TemporaryDirectory,
        environment: [String: String] = [:]
    ) throws {
        self.name = name
        self.port = port
        self.directory = directory
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw RealServerError(
                "\(executable) is not installed; run scripts/setup --tests (it installs Debian's \(name) package)")
        }
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.currentDirectoryURL = URL(fileURLWithPath: directory.path)
        _ = FileManager.default.createFile(atPath: directory.path + "/server.log", contents: nil)
        let log = FileHandle(forWritingAtPath: directory.path + "/server.log")
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        for _ in 0..<600 {
            if Self.accepts(port: port) { return }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        stop()
        throw RealServerError(
            "\(name) did not listen on 127.0.0.1:\(port); the end of its log:\n" + String(self.log.suffix(2000)))
    }

    deinit { stop() }

    /// Kills the server (SIGKILL: a child of the test runner inherits its blocked signals, SIGTERM
    /// among them) and waits for it.
    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// A loopback port nobody listens on now (the kernel's choice for a socket bound to port 0).
    public static func freePort() throws -> Int {
        let port = withLoopbackSocket(port: 0) { fd, address, length -> Int? in
            var length = length
            guard bind(fd, address, length) == 0, getsockname(fd, address, &length) == 0 else { return nil }
            return Int(
                UInt16(bigEndian: address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_port }))
        }
        guard let port else { throw RealServerError("bind 127.0.0.1:0: \(String(cString: strerror(errno)))") }
        return port
    }

    static func accepts(port: Int) -> Bool {
        withLoopbackSocket(port: port) { fd, address, length in connect(fd, address, length) == 0 } ?? false
    }

    /// Runs `body` with a new TCP socket and the address 127.0.0.1:`port`, closing the socket after;
    /// nil when no socket could be made.
    static func withLoopbackSocket<T>(port: Int, _ body: (Int32, UnsafeMutablePointer<sockaddr>, socklen_t) -> T?) -> T?
    {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = loopback(port: port)
        return withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                body(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }

    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }
}

/// Why a real server could not be started.
public struct RealServerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension RealServer {
    /// Alertmanager 0.25 with no cluster listener (`--cluster.listen-address=` empty: else it also
    /// listens on every interface). Without `webhook` it has no receiver: alerts are only kept and
    /// served; with one it posts each group's notifications there. `inhibitRules` is YAML for its
    /// `inhibit_rules:` (a list), empty for none.
    public static func alertmanager(inhibitRules: String = "[]", webhook: AlertmanagerWebhook? = nil) throws
        -> RealServer
    {
        let port = try freePort()
        return try alertmanager(
            port: port, config: webhook.map(\.configuration) ?? blackhole, inhibitRules: inhibitRules)
    }

    /// Two Alertmanagers clustered on loopback (each gossips with the other on a port of its own),
    /// both posting every group's notifications to `webhook`, as an HA pair does. Neither waits for the
    /// other before sending (`--cluster.peer-timeout=0s`): both post the same groups, as a pair does
    /// when one's notification log has not reached the other yet (a retry; alertmanager#4108).
    public static func alertmanagerPair(webhook: AlertmanagerWebhook) throws -> [RealServer] {
        let (web, gossip) = ([try freePort(), try freePort()], [try freePort(), try freePort()])
        let first = try alertmanager(
            port: web[0], config: webhook.configuration, cluster: (listen: gossip[0], peer: gossip[1]))
        let second = try alertmanager(
            port: web[1], config: webhook.configuration, cluster: (listen: gossip[1], peer: gossip[0]))
        return [first, second]
    }

    static let blackhole = "route: {receiver: blackhole, group_wait: 1s}\nreceivers: [{name: blackhole}]\n"

    /// One Alertmanager on `port` with `config` (its route and receivers), alone or in a cluster. Its
    /// `externalURL` is `http://127.0.0.1:PORT`, which tells the two of a pair apart in what they post.
    static func alertmanager(
        port: Int, config: String, inhibitRules: String = "[]", cluster: (listen: Int, peer: Int)? = nil
    ) throws -> RealServer {
        let directory = TemporaryDirectory("alertmanager")
        directory.write("alertmanager.yml", config + "inhibit_rules: \(inhibitRules)\n")
        var arguments = [
            "--config.file=alertmanager.yml", "--storage.path=data", "--web.listen-address=127.0.0.1:\(port)",
            "--web.external-url=http://127.0.0.1:\(port)"
        ]
        if let cluster {
            // A notification waits for the gossip to settle (a minute by default): a second is enough on loopback.
            arguments += [
                "--cluster.listen-address=127.0.0.1:\(cluster.listen)",
                "--cluster.advertise-address=127.0.0.1:\(cluster.listen)", "--cluster.peer=127.0.0.1:\(cluster.peer)",
                "--cluster.peer-timeout=0s", "--cluster.settle-timeout=1s"
            ]
        } else {
            arguments.append("--cluster.listen-address=")
        }
        return try RealServer(
            "prometheus-alertmanager", executable: "/usr/bin/prometheus-alertmanager", arguments: arguments, port: port,
            directory: directory)
    }

    /// Prometheus 2.42 evaluating `rules` (YAML of one rule group's `rules:` list) every second,
    /// labelling its alerts with `env: klaxon-real` (their `generatorURL` on 127.0.0.1, not the host's
    /// name), and sending them to each of `alertmanagers`. It
    /// scrapes `pushgateway` every second if given (`honor_labels: true`: a pushed `job` is kept), and
    /// nothing else, but itself (job `prometheus`) with `scrapingItself`.
    public static func prometheus(
        rules: String, alertmanagers: [RealServer] = [], pushgateway: RealServer? = nil, scrapingItself: Bool = false
    )
        throws -> RealServer
    {
        let directory = TemporaryDirectory("prometheus")
        var config = "global: {evaluation_interval: 1s, scrape_interval: 1s, external_labels: {env: klaxon-real}}\n"
        config += "rule_files: [rules.yml]\n"
        var scrapes: [String] = []
        if let pushgateway {
            scrapes.append(
                "{job_name: pushgateway, honor_labels: true, static_configs: [{targets: [\"127.0.0.1:\(pushgateway.port)\"]}]}"
            )
        }
        let port = try freePort()
        if scrapingItself {
            scrapes.append("{job_name: prometheus, static_configs: [{targets: [\"127.0.0.1:\(port)\"]}]}")
        }
        if !scrapes.isEmpty { config += "scrape_configs: [\(scrapes.joined(separator: ", "))]\n" }
        if !alertmanagers.isEmpty {
            let targets = alertmanagers.map { "\"127.0.0.1:\($0.port)\"" }.joined(separator: ", ")
            config += "alerting: {alertmanagers: [{static_configs: [{targets: [\(targets)]}]}]}\n"
        }
        directory.write("prometheus.yml", config)
        directory.write("rules.yml", "groups:\n  - name: klaxon\n    rules: \(rules)\n")
        return try RealServer(
            "prometheus", executable: "/usr/bin/prometheus",
            arguments: [
                "--config.file=prometheus.yml", "--storage.tsdb.path=data", "--web.listen-address=127.0.0.1:\(port)",
                "--web.external-url=http://127.0.0.1:\(port)", "--rules.alert.resend-delay=1s"
            ], port: port, directory: directory)
    }

    /// A Prometheus pushgateway 1.5 keeping what is pushed in memory only (`--persistence.file=` empty:
    /// Debian's default is a file under /var/lib/prometheus, shared by every run).
    public static func pushgateway() throws -> RealServer {
        let directory = TemporaryDirectory("pushgateway")
        let port = try freePort()
        return try RealServer(
            "prometheus-pushgateway", executable: "/usr/bin/prometheus-pushgateway",
            arguments: ["--web.listen-address=127.0.0.1:\(port)", "--persistence.file="], port: port,
            directory: directory)
    }

    /// A single-member etcd 3.4 cluster whose client and peer URLs are on loopback.
    public static func etcd() throws -> RealServer {
        let directory = TemporaryDirectory("etcd")
        let (client, peer) = (try freePort(), try freePort())
        return try RealServer(
            "etcd-server", executable: "/usr/bin/etcd",
            arguments: [
                "--name=klaxon", "--data-dir=data",
                "--listen-client-urls=http://127.0.0.1:\(client)", "--advertise-client-urls=http://127.0.0.1:\(client)",
                "--listen-peer-urls=http://127.0.0.1:\(peer)", "--initial-advertise-peer-urls=http://127.0.0.1:\(peer)",
                "--initial-cluster=klaxon=http://127.0.0.1:\(peer)"
            ], port: client, directory: directory)
    }

    /// Where `scripts/setup --tests` installs buildbot-www 3.7.0 from PyPI (`pip --target`): Debian's
    /// buildbot 3.7 serves its REST API only with it, and Debian does not package it.
    public static let buildbotWWW = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".build/test-python").path

    /// A Buildbot 3.7 master (Debian's `buildbot`) with fresh state (SQLite), its web server and REST
    /// API on loopback (the returned server's port) and its worker port (`pbPort`) too. Each of
    /// `builders` runs on the one worker named beside it; every worker's password is `pass-NAME`; a
    /// ForceScheduler named `force` can start any builder (`POST /api/v2/forceschedulers/force`).
    public static func buildbot(builders: [(name: String, worker: String)]) throws -> (
        master: RealServer, pbPort: Int
    ) {
        let directory = TemporaryDirectory("buildbot")
        let (www, pb) = (try freePort(), try freePort())
        let environment = ["PYTHONPATH": buildbotWWW]
        try runToEnd(
            "/usr/bin/buildbot", ["create-master", "--relocatable", "--quiet", "."], in: directory,
            environment: environment, package: "buildbot")
        let workers = Set(builders.map(\.worker)).sorted()
        let config = """
            from buildbot.plugins import worker, util, schedulers, steps
            c = BuildmasterConfig = {}
            c['workers'] = [\(workers.map { "worker.Worker('\($0)', 'pass-\($0)')" }.joined(separator: ", "))]
            c['protocols'] = {'pb': {'port': 'tcp:\(pb):interface=127.0.0.1'}}
            f = util.BuildFactory([steps.ShellCommand(command=['true'])])
            c['builders'] = [\(builders.map { "util.BuilderConfig(name='\($0.name)', workernames=['\($0.worker)'], factory=f)" }.joined(separator: ", "))]
            c['schedulers'] = [schedulers.ForceScheduler(name='force', builderNames=[\(builders.map { "'\($0.name)'" }.joined(separator: ", "))])]
            c['title'] = 'klaxon'
            c['buildbotURL'] = 'http://127.0.0.1:\(www)/'
            c['www'] = {'port': 'tcp:\(www):interface=127.0.0.1', 'plugins': {}}
            c['db'] = {'db_url': 'sqlite:///state.sqlite'}
            c['buildbotNetUsageData'] = None

            """
        directory.write("master.cfg", config)
        let master = try RealServer(
            "buildbot", executable: "/usr/bin/buildbot", arguments: ["start", "--nodaemon", "."], port: www,
            directory: directory, environment: environment)
        return (master, pb)
    }

    /// A Buildbot worker (Debian's `buildbot-worker`) named `name`, connecting to the master's worker
    /// port `pbPort` with `pass-NAME`. It has no port of its own: it is running once this returns, and
    /// connected when the master's REST API says so.
    public static func buildbotWorker(_ name: String, pbPort: Int, masterPort: Int) throws -> RealServer {
        let directory = TemporaryDirectory("buildbot-worker")
        try runToEnd(
            "/usr/bin/buildbot-worker",
            ["create-worker", "--relocatable", "--quiet", ".", "127.0.0.1:\(pbPort)", name, "pass-\(name)"],
            in: directory, package: "buildbot-worker")
        // Its readiness is the master's port, which listens already: the worker's connection is seen
        // through the master's REST API by the test.
        return try RealServer(
            "buildbot-worker", executable: "/usr/bin/buildbot-worker", arguments: ["start", "--nodaemon", "."],
            port: masterPort, directory: directory)
    }

    /// Runs a server's set-up command (`buildbot create-master`) in `directory` and waits for it to end.
    static func runToEnd(
        _ executable: String, _ arguments: [String], in directory: TemporaryDirectory,
        environment: [String: String] = [:], package: String
    ) throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw RealServerError(
                "\(executable) is not installed; run scripts/setup --tests (Debian's \(package) package)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory.path)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
    }
}
