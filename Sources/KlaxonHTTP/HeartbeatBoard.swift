import KlaxonCore
import Synchronization

/// The last ping of each `heartbeat` check, by name: what `POST /v1/heartbeat/NAME` on `klaxon watch`'s
/// intake writes, and what the status poller judges those checks from (never over the network). One
/// board is shared by the intake's threads and the poller's; it keeps only the latest ping of each, in
/// memory (a restarted process gives each sender one interval again).
public final class HeartbeatBoard: Sendable {
    private struct Table {
        /// The names of the heartbeat checks being polled: only those may be pinged.
        var names: Set<String> = []
        var pings: [String: Timestamp] = [:]
        /// Since when pings are received (the intake listens); nil while nothing can ping.
        var receivingSince: Timestamp?
    }

    private let table = Mutex(Table())

    public init() {}

    /// Makes `names` the heartbeat checks that may be pinged (the poller's, when it is made); pings of
    /// other names are forgotten.
    public func expect(_ names: some Sequence<String>) {
        table.withLock { table in
            table.names = Set(names)
            table.pings = table.pings.filter { table.names.contains($0.key) }
        }
    }

    /// Says that pings can arrive from `t` on (the intake listens): until then the poller calls its
    /// heartbeat checks unknown, for a process that receives no pings (a console) must never call a
    /// sender silent. The first call counts.
    public func startReceiving(at t: Timestamp) {
        table.withLock { $0.receivingSince = $0.receivingSince ?? t }
    }

    /// Since when pings can arrive, or nil when nothing receives them.
    public var receivingSince: Timestamp? { table.withLock { $0.receivingSince } }

    /// Records a ping of the heartbeat check `name` at `t`; false, and nothing recorded, when no
    /// heartbeat check has that name. A ping older than the last one recorded changes nothing. A ping
    /// says that pings are received, if `startReceiving` did not.
    @discardableResult
    public func ping(_ name: String, at t: Timestamp) -> Bool {
        table.withLock { table in
            guard table.names.contains(name) else { return false }
            table.pings[name] = max(table.pings[name] ?? t, t)
            table.receivingSince = table.receivingSince ?? t
            return true
        }
    }

    /// The last ping of the heartbeat check `name`, or nil when none came.
    public func lastPing(_ name: String) -> Timestamp? { table.withLock { $0.pings[name] } }
}
