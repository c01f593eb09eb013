import KlaxonCore
import Synchronization

/// The pings of the `heartbeat` checks as the store's journal `alerts` last said (`AlertBook.lastPings`,
/// written there by `klaxon watch`'s intake): the responder copies them here after each read, and the
/// status poller judges those checks from it (never over the network). Every process judges from the
/// same recorded pings, so a console, a restarted watch and a second machine agree. Until the journal was
/// read once, the checks are not judged at all (a start must not record them unknown); when it was not
/// read for `staleSeconds` (the store does not answer), they are unknown.
public final class HeartbeatBoard: Sendable {
    /// What the journal said at its last read.
    public struct Reading: Equatable, Sendable {
        public var lastPings: [String: Timestamp]
        /// When an intake last started listening (`AlertBook.intakeStarted`).
        public var listeningSince: Timestamp?
        /// When the last intake stopped, while none listens (`AlertBook.intakeStopped`).
        public var stoppedAt: Timestamp?
        /// When the journal was read.
        public var readAt: Timestamp

        public init(
            lastPings: [String: Timestamp], listeningSince: Timestamp?, stoppedAt: Timestamp? = nil, readAt: Timestamp
        ) {
            self.lastPings = lastPings
            self.listeningSince = listeningSince
            self.stoppedAt = stoppedAt
            self.readAt = readAt
        }
    }

    /// How long a reading stays good: older, the pings since are not known.
    public static let staleSeconds: Int64 = 15

    private let latest = Mutex<Reading?>(nil)

    public init() {}

    /// Takes what the journal said at `reading.readAt`.
    public func update(_ reading: Reading) { latest.withLock { $0 = reading } }

    /// The last reading, nil before the journal was read once.
    public var reading: Reading? { latest.withLock { $0 } }
}
