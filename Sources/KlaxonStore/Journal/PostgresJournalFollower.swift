import Foundation
import KlaxonCore
import KlaxonPostgres
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Follows a PostgreSQL store (`PostgresJournalStore.follow()`): `LISTEN klaxon_records` on a connection
/// of its own, whose notifications (`INC-7 12`, one per record at its commit) name the journals that
/// changed; the reader then reads their new rows.
///
/// The connection is a thread's: the thread waits on its socket, takes the notifications as they come
/// and wakes `descriptor`, a pipe this follower owns. So the descriptor a loop polls never changes when
/// the connection does, and reconnecting (which may wait the connect timeout, 10 s) never holds up the
/// reader's loop. A connection found lost (the server restarted, the backend terminated, a dead peer
/// found by the keepalives within about 10 s) is made again, tried after 0.25 s, then at doubling waits
/// up to 5 s; once it listens again, the notifications sent meanwhile are lost, so `missedChanges()`
/// says so, once, and the reader rereads everything it follows.
///
/// What no connection can tell: a pooler that drops LISTEN and keeps the connection. Then no
/// notification comes at all, and the reader's own periodic rereading is the bound (the `Responder`'s:
/// the open incidents each second, new journals every 5 s, everything every 30 s).
public final class PostgresJournalFollower: JournalFollower {
    /// The channel every appended record is notified on (`PostgresSchema`).
    public static let channel = "klaxon_records"

    private let listener: Listener

    /// Connects and listens before it returns, so every append that commits from then on is told; when
    /// the server cannot be reached, it returns anyway and goes on trying in the background (the
    /// first connection that listens then counts as a catch-up: `missedChanges()`).
    init(uri: String) throws(KlaxonError) {
        listener = try Listener(uri: uri)
        let listener = self.listener
        let thread = Thread { listener.run() }
        thread.name = "klaxon-follower"
        thread.start()
        listener.firstAttempt.wait()
    }

    deinit { listener.stop() }

    /// Readable when a journal changed, or when changes may have been missed.
    public var descriptor: Int32 { listener.wake.readEnd }

    /// The journals named by the notifications received since the last call, without blocking.
    public func changedJournals() -> Set<String> {
        listener.wake.drain()
        return listener.state.withLock { state in
            defer { state.changed = [] }
            return state.changed
        }
    }

    /// True once after the connection was lost and listens again (or first listened late): what was
    /// appended meanwhile went untold.
    public func missedChanges() -> Bool {
        listener.state.withLock { state in
            defer { state.missed = false }
            return state.missed
        }
    }

    /// The journal a notification's payload (`INC-7 12`: the journal, the record's sequence) names; nil
    /// for any other text, which is no record's: any role that may connect may NOTIFY on the channel.
    static func journal(named payload: String) -> String? {
        let parts = payload.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[1].isEmpty, parts[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return nil
        }
        let name = String(parts[0])
        return NamedJournals.contains(name) || IncidentID.number(of: name).map(IncidentID.make) == name ? name : nil
    }

    /// The server process that listens now (0 while it has no connection): what `pg_terminate_backend`
    /// takes, for tests.
    public var backendPID: Int32 { listener.state.withLock { $0.backendPID } }

    /// What the thread and the follower share: the notifications received, the pipes that wake the
    /// reader and stop the thread.
    final class Listener: Sendable {
        struct State {
            var changed: Set<String> = []
            var missed = false
            var backendPID: Int32 = 0
        }

        let uri: String
        let state = Mutex(State())
        let wake: Pipe
        private let stopping: Pipe
        /// Signalled when the first connection listens, or failed.
        let firstAttempt = DispatchSemaphore(value: 0)

        init(uri: String) throws(KlaxonError) {
            self.uri = uri
            wake = try Pipe()
            stopping = try Pipe()
        }

        func stop() { stopping.signal() }

        /// Connects and listens, then waits for notifications until stopped; reconnects when the
        /// connection is lost. The connection is this thread's alone.
        func run() {
            var connection: PostgresConnection?
            var retry = 0.25
            var first = true
            defer { connection?.close() }
            while !stopping.isSignalled {
                guard let listening = connection else {
                    do {
                        let made = try PostgresConnection(uri: uri, applicationName: "klaxon follower")
                        try made.listen(PostgresJournalFollower.channel)
                        connection = made
                        retry = 0.25
                        state.withLock {
                            $0.backendPID = made.backendPID
                            $0.missed = $0.missed || !first
                        }
                        if !first { wake.signal() }
                    } catch {
                        state.withLock { $0.missed = true }
                        if !first { _ = stopping.wait(seconds: retry) }
                        retry = min(retry * 2, 5)
                    }
                    if first {
                        first = false
                        firstAttempt.signal()
                    }
                    continue
                }
                // No timeout: a dead peer makes the socket readable with an error (keepalives).
                var descriptors = [
                    pollfd(fd: listening.socketDescriptor, events: Int16(POLLIN), revents: 0),
                    pollfd(fd: stopping.readEnd, events: Int16(POLLIN), revents: 0)
                ]
                guard poll(&descriptors, 2, -1) > 0, descriptors[0].revents != 0 else { continue }
                do {
                    let names = try listening.notifications().compactMap {
                        PostgresJournalFollower.journal(named: $0.payload)
                    }
                    guard !names.isEmpty else { continue }
                    state.withLock { $0.changed.formUnion(names) }
                    wake.signal()
                } catch {
                    listening.close()
                    connection = nil
                    state.withLock { $0.backendPID = 0 }
                }
            }
        }
    }

    /// A non-blocking pipe: one thread signals, another polls its read end.
    final class Pipe: Sendable {
        let readEnd: Int32
        let writeEnd: Int32

        init() throws(KlaxonError) {
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else { throw SystemCall.error("creating", "a pipe", errno) }
            for end in ends {
                _ = fcntl(end, F_SETFL, O_NONBLOCK)
                _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            }
            readEnd = ends[0]
            writeEnd = ends[1]
        }

        deinit {
            close(readEnd)
            close(writeEnd)
        }

        /// Makes the read end readable (a full pipe is readable already).
        func signal() {
            var byte: UInt8 = 1
            _ = write(writeEnd, &byte, 1)
        }

        /// Empties it, without blocking.
        func drain() {
            var bytes = [UInt8](repeating: 0, count: 64)
            while read(readEnd, &bytes, bytes.count) > 0 {}
        }

        var isSignalled: Bool { wait(seconds: 0) }

        /// Waits until it is signalled or `seconds` pass; true when signalled.
        func wait(seconds: Double) -> Bool {
            var entry = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            return poll(&entry, 1, Int32(seconds * 1000)) > 0
        }
    }
}
