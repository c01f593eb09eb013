import Dispatch
import Hummingbird
import KlaxonCore
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The alert intake's HTTP listener (Hummingbird 2): binds exactly `intake: listen`, answers through
/// `IntakeResponder`, and stops gracefully: no new connection, the requests under way recorded and
/// answered. `klaxon watch` runs it beside the responder (docs/intake.md).
///
/// Slow clients cannot hold it: a connection with no complete request part for `idleSeconds` is closed
/// (Hummingbird's `HTTP1Channel.Configuration.idleTimeout`, which a head sent a byte at a time does not
/// reset: only decoded parts do), a body must arrive within `bodySeconds`, and the listener serves every
/// connection on SwiftNIO's event loops (none is a thread), with the soft limit of open files raised to
/// the hard one, so a thousand idle connections cannot starve a real request.
public final class AlertIntake: Sendable {
    /// What the listener needs, its tokens' secrets resolved.
    public struct Settings: Sendable {
        public var listen: IntakeConfig.Listen
        /// Where `listen` is written (`klaxon.yaml:3:11`), for the message when it cannot be bound.
        public var listenPlace: String?
        /// Each token's name and its secret.
        public var tokens: [String: String]
        public var maxBodyBytes: Int
        /// A connection with no request part for this long is closed (`HTTP1Channel`'s idle timeout).
        public var idleSeconds = 10
        /// The longest a request's body may take to arrive.
        public var bodySeconds = 30

        public init(listen: IntakeConfig.Listen, tokens: [String: String], maxBodyBytes: Int) {
            self.listen = listen
            self.tokens = tokens
            self.maxBodyBytes = maxBodyBytes
        }
    }

    private enum Startup: Sendable {
        case waiting
        case listening(String)
        /// What went wrong, and its `errno` when binding failed.
        case failed(String, errno: Int32?)
    }

    private let settings: Settings
    private let responder: IntakeResponder
    private let group = Mutex<ServiceGroup?>(nil)
    private let startup = Mutex(Startup.waiting)
    private let started = DispatchSemaphore(value: 0)
    private let ended = DispatchSemaphore(value: 0)

    /// `heartbeatChecks` are the names of the heartbeat checks: a ping of one of them is recorded by
    /// `writer`, of another name refused (404). `links` answers the action links in pages (nil: none are
    /// made, and their paths are unknown). `statusPage` serves the public status page at `/status` (nil: none).
    public init(
        settings: Settings, writer: AlertJournalWriter, heartbeatChecks: Set<String>, links: ActionLinkDesk? = nil,
        statusPage: StatusPageDesk? = nil, clock: @escaping @Sendable () -> Timestamp
    ) {
        self.settings = settings
        responder = IntakeResponder(
            tokens: IntakeTokens(settings.tokens), writer: writer, heartbeatChecks: heartbeatChecks,
            maxBodyBytes: settings.maxBodyBytes, bodySeconds: settings.bodySeconds, clock: clock, links: links,
            statusPage: statusPage)
    }

    /// Binds `listen` and serves; returns the address bound (`127.0.0.1:9095`: the port the system
    /// gave for port 0). Throws, saying what to do, when it cannot bind (the address is in use, not
    /// this machine's, or the port needs privileges; `cannotListen`).
    public func start() throws(KlaxonError) -> String {
        Self.raiseOpenFileLimit()
        // Hummingbird says nothing: `klaxon watch`'s standard output carries only state changes.
        let logger = Logger(label: "klaxon-intake") { _ in SwiftLogNoOpLogHandler() }
        let application = Application(
            responder: responder,
            server: .http1(configuration: .init(idleTimeout: .seconds(Int64(settings.idleSeconds)))),
            configuration: .init(
                address: .hostname(settings.listen.host, port: settings.listen.port), serverName: nil,
                reuseAddress: true),
            onServerRunning: { [self] channel in
                let local = channel.localAddress
                let address = Self.text(host: local?.ipAddress ?? "?", port: local?.port ?? 0)
                startup.withLock { $0 = .listening(address) }
                started.signal()
            },
            logger: logger)
        let serviceGroup = ServiceGroup(services: [application], logger: logger)
        group.withLock { $0 = serviceGroup }
        Task.detached { [self] in
            do { try await serviceGroup.run() } catch {
                let failedFirst = startup.withLock { state -> Bool in
                    guard case .waiting = state else { return false }
                    state = .failed("\(error)", errno: (error as? IOError)?.errnoCode)
                    return true
                }
                if failedFirst { started.signal() }
            }
            // Ended before it listened: said as a failure.
            let never = startup.withLock { state -> Bool in
                guard case .waiting = state else { return false }
                state = .failed("the listener stopped before it listened", errno: nil)
                return true
            }
            if never { started.signal() }
            ended.signal()
        }
        started.wait()
        switch startup.withLock({ $0 }) {
        case .listening(let address): return address
        case .failed(let reason, let code):
            ended.wait()
            throw .failed(Self.cannotListen(on: settings.listen, place: settings.listenPlace, reason, errno: code))
        case .waiting: throw .failed("the intake did not start")
        }
    }

    /// Stops accepting connections, lets the requests under way finish (recorded and answered), and
    /// returns once the listener has stopped, or after `seconds` (false then).
    @discardableResult
    public func stop(waitingAtMost seconds: Double) -> Bool {
        guard let serviceGroup = group.withLock({ $0 }) else { return true }
        Task.detached { await serviceGroup.triggerGracefulShutdown() }
        return ended.wait(timeout: .now() + seconds) == .success
    }

    /// Why the listener could not bind `listen`, and what to do: `cannot listen on 127.0.0.1:9095 (from
    /// klaxon.yaml:3:11 intake.listen): the address is in use — stop what listens there or choose another
    /// port`. SwiftNIO's own text (`bind(descriptor:ptr:bytes:): …`) is said only for an error not named here.
    static func cannotListen(on listen: IntakeConfig.Listen, place: String?, _ reason: String, errno code: Int32?)
        -> String
    {
        let why =
            switch code {
            case EADDRINUSE: "the address is in use — stop what listens there or choose another port"
            case EADDRNOTAVAIL:
                "the address is not one of this machine's — write an address of one of its interfaces (127.0.0.1 for this machine alone)"
            case EACCES:
                "a port under 1024 needs privileges — choose a port from 1024 up, or give klaxon the privilege (CAP_NET_BIND_SERVICE)"
            case let code?:
                "\(String(cString: strerror(code))) — correct intake.listen in klaxon.yaml"
            case nil: "\(reason) — correct intake.listen in klaxon.yaml"
            }
        return "cannot listen on \(listen) (from \(place.map { "\($0) " } ?? "")intake.listen): \(why)"
    }

    /// `127.0.0.1:9095`, `[::1]:9095`.
    static func text(host: String, port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Each connection is a descriptor: the soft limit (often 1,024) would let a thousand idle
    /// connections take the last ones, so it is raised to the hard limit (what the process may without
    /// privileges).
    static func raiseOpenFileLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
