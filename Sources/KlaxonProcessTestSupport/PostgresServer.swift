import Foundation
import KlaxonTestSupport
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A throwaway PostgreSQL cluster (Debian's server binaries) for the tests: `initdb` into a fresh
/// temporary directory, listening on 127.0.0.1 on a free port with its Unix socket in that directory,
/// `fsync` on (durability tests are real), started with `pg_ctl`. Passwords are required over TCP
/// (scram-sha-256), the socket trusts its users (what `psql` uses for setup).
///
/// Its roles: `postgres` (the superuser, for setup and tampering), `klaxon_owner` (owns the test
/// databases and runs `klaxon journal init`) and `klaxon_app` (the everyday role). Their passwords are
/// random and written only to `passfile` (libpq's `.pgpass` format), which every URI given out names, so
/// no URI holds a password.
///
/// `shared()` is the one cluster of the test process (started on first use, stopped when the process
/// ends); give each test a database of its own (`makeDatabase()`). A test that stops the server
/// (`stopImmediately()`, then `start()` again on the same port and data) makes a cluster of its own.
/// Tests run as root here and in CI, and `initdb` refuses root: then every server binary runs as the
/// `postgres` system user (`runuser`), which owns the directory. A watchdog process stops the cluster
/// and removes its directory when the test process is gone, however it ended.
public final class PostgresServer: Sendable {
    /// The superuser, the owner of the test databases, and the everyday role.
    public static let superuser = "postgres"
    public static let owner = "klaxon_owner"
    public static let everyday = "klaxon_app"

    /// The port it listens on at 127.0.0.1 (also the number of its Unix socket).
    public let port: Int
    /// The directory holding the data (`data/`), the socket, and the server's log (`server.log`).
    public let directory: String
    /// libpq's password file naming every role's password for this cluster (mode 0600).
    public let passfile: String
    private let passwords: [String: String]
    private let binaries: String
    private let storage: TemporaryDirectory
    private let secrets: TemporaryDirectory
    private let watchdog: Mutex<pid_t?> = Mutex(nil)
    private let databaseCount = Mutex(0)

    /// The server's log, for failure messages.
    public var log: String { (try? String(contentsOfFile: directory + "/server.log", encoding: .utf8)) ?? "" }

    private static let sharedServer: Result<PostgresServer, any Error> = {
        let result = Result { try PostgresServer() }
        // The normal end of the test process: stopped at once (the watchdog is the fallback).
        atexit { if case .success(let server) = PostgresServer.sharedServer { server.stop() } }
        return result
    }()

    /// The cluster of this test process, started on first use. Async, and started on a thread of its
    /// own: tests that waited for the start inside Swift's cooperative pool (two threads on two cores)
    /// stalled every other test of the process meanwhile (70 s under load in CI, enough to fail an HTTP
    /// test whose server never got a thread).
    public static func shared() async throws -> PostgresServer {
        try await blocking { try sharedServer.get() }
    }

    /// The same cluster from synchronous code (a closure a test calls), which waits for the start on
    /// the calling thread: call `shared()` first, from the async test.
    public static func sharedFromSyncCode() throws -> PostgresServer { try sharedServer.get() }

    /// A cluster of the caller's own (one a test may stop and start again) and a fresh database on it, made
    /// off Swift's cooperative pool (`initdb`, `pg_ctl` and `psql` are waited for), as `shared()` is.
    public static func ownWithDatabase() async throws -> (PostgresServer, PostgresDatabase) {
        try await blocking {
            let server = try PostgresServer()
            return (server, try server.makeDatabase())
        }
    }

    /// Starts a cluster of its own. Throws, with what went wrong and the end of the server's log, when
    /// PostgreSQL is not installed (`scripts/setup --tests` installs it) or does not start within 60 s.
    public init() throws {
        binaries = try Self.findBinaries()
        storage = TemporaryDirectory("klaxon-postgres")
        directory = storage.path
        secrets = TemporaryDirectory("klaxon-pgpass")
        port = try RealServer.freePort()
        passwords = Dictionary(
            uniqueKeysWithValues: [Self.superuser, Self.owner, Self.everyday].map {
                ($0, "pw-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())
            })
        passfile = secrets.path + "/pgpass"
        let entries = passwords.map { "127.0.0.1:\(port):*:\($0.key):\($0.value)\n" }.joined()
        _ = FileManager.default.createFile(
            atPath: passfile, contents: Data(entries.utf8), attributes: [.posixPermissions: 0o600])
        try Self.handOver(directory)
        try startWatchdog()
        let pwfile = directory + "/superuser-password"
        _ = FileManager.default.createFile(atPath: pwfile, contents: Data(passwords[Self.superuser]!.utf8))
        try Self.handOver(pwfile)
        try runAsServerUser(
            "initdb", "-D", directory + "/data", "-U", Self.superuser, "--pwfile=" + pwfile, "--auth-local=trust",
            "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-instructions", "--no-sync")
        try? FileManager.default.removeItem(atPath: pwfile)
        let settings = """

            # The tests' cluster (KlaxonProcessTestSupport/PostgresServer.swift).
            listen_addresses = '127.0.0.1'
            port = \(port)
            unix_socket_directories = '\(directory)'
            fsync = on
            synchronous_commit = on
            max_connections = 200
            shared_buffers = 32MB
            logging_collector = off

            """
        let conf = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/data/postgresql.conf"))
        try conf.seekToEnd()
        try conf.write(contentsOf: Data(settings.utf8))
        try conf.close()
        try start()
        try psql(
            [Self.owner, Self.everyday].map { "CREATE ROLE \($0) LOGIN PASSWORD '\(passwords[$0]!)';" }.joined())
    }

    deinit {
        stop()
        if let pid = watchdog.withLock({ $0 }) { kill(pid, SIGKILL) }
    }

    /// Starts the server (again after `stopImmediately()`: same port, same data) and waits until it
    /// accepts connections.
    public func start() throws {
        do {
            try runAsServerUser(
                "pg_ctl", "-D", directory + "/data", "-l", directory + "/server.log", "-w", "-t", "60", "start")
        } catch {
            throw RealServerError("\(error); the end of its log:\n" + String(log.suffix(2000)))
        }
    }

    /// Listens on `address` too (a `NetworkNamespace`'s `hostAddress`), with passwords required from
    /// `peer` (its `remoteAddress`), as on 127.0.0.1; restarts the server to do so (its sessions end).
    public func listen(alsoOn address: String, from peer: String) throws {
        try psql("ALTER SYSTEM SET listen_addresses = '127.0.0.1,\(address)'")
        let hba = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/data/pg_hba.conf"))
        try hba.seekToEnd()
        try hba.write(contentsOf: Data("host all all \(peer)/32 scram-sha-256\n".utf8))
        try hba.close()
        try runAsServerUser(
            "pg_ctl", "-D", directory + "/data", "-l", directory + "/server.log", "-w", "-t", "60", "restart", "-m",
            "fast")
    }

    /// Stops the server as a crash would (`pg_ctl stop -m immediate`: no checkpoint, every connection
    /// cut); `start()` recovers from the WAL.
    public func stopImmediately() throws {
        try runAsServerUser("pg_ctl", "-D", directory + "/data", "-w", "stop", "-m", "immediate")
    }

    /// Stops the server if it runs (`-m immediate`: its data is thrown away anyway).
    public func stop() {
        _ = try? runAsServerUser("pg_ctl", "-D", directory + "/data", "-w", "-t", "30", "stop", "-m", "immediate")
    }

    /// Runs `sql` with `psql` as the superuser over the Unix socket (in `database`), stopping at the
    /// first error; returns what it printed (unaligned, tuples only). Throws psql's error.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        try run(
            [
                binaries + "/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-h", directory, "-p", String(port),
                "-U", Self.superuser, "-d", database, "-c", sql
            ], asServerUser: false)
    }

    /// `pg_dump --schema-only` of `database`: its tables, functions, triggers, owners and privileges
    /// (without the random key of its `\restrict` lines, so that two dumps of one schema are equal).
    public func schemaDump(database: String) throws -> String {
        try run(
            [
                binaries + "/pg_dump", "--schema-only", "-h", directory, "-p", String(port), "-U", Self.superuser,
                database
            ],
            asServerUser: false
        ).split(separator: "\n", omittingEmptySubsequences: false).filter {
            !$0.hasPrefix("\\restrict") && !$0.hasPrefix("\\unrestrict")
        }.joined(separator: "\n")
    }

    /// A new, empty database owned by `klaxon_owner`, for one test.
    public func makeDatabase() throws -> PostgresDatabase {
        let n = databaseCount.withLock {
            $0 += 1
            return $0
        }
        let name = "klaxon_test_\(n)"
        try psql("CREATE DATABASE \(name) OWNER \(Self.owner)")
        return PostgresDatabase(name: name, server: self)
    }

    /// `role`'s password (to put one into a URI on purpose).
    public func password(of role: String) -> String { passwords[role] ?? "" }

    // MARK: - Processes

    @discardableResult
    private func runAsServerUser(_ arguments: String...) throws -> String {
        var argv = arguments
        argv[0] = binaries + "/" + argv[0]
        return try run(argv, asServerUser: true)
    }

    /// Runs `argv`, as the `postgres` system user when this process is root and `asServerUser`;
    /// returns its standard output, or throws with its standard error when it fails.
    @discardableResult
    private func run(_ argv: [String], asServerUser: Bool) throws -> String {
        let command = asServerUser && getuid() == 0 ? ["/usr/sbin/runuser", "-u", Self.superuser, "--"] + argv : argv
        let output = secrets.path + "/out-" + UUID().uuidString
        let errors = secrets.path + "/err-" + UUID().uuidString
        defer { for path in [output, errors] { try? FileManager.default.removeItem(atPath: path) } }
        let status = ChildProcess.wait(try ChildProcess.spawn(command, output: output, errors: errors))
        guard status == 0 else {
            let message = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
            throw RealServerError(
                "\((argv.first.map { ($0 as NSString).lastPathComponent } ?? "?")) failed (wait status \(status)): \(message)"
            )
        }
        return (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    }

    /// A process that waits for this test process to end (`tail --pid`, which forks nothing while it
    /// waits), then stops the cluster and removes its directory.
    private func startWatchdog() throws {
        let runuser = getuid() == 0 ? "/usr/sbin/runuser -u \(Self.superuser) -- " : ""
        let script = """
            tail --pid=\(getpid()) -f /dev/null
            for attempt in 1 2 3 4 5; do
                [ -d '\(directory)/data' ] || break
                \(runuser)'\(binaries)/pg_ctl' -D '\(directory)/data' -w stop -m immediate && break
                sleep 1
            done
            rm -rf '\(directory)' '\(secrets.path)'
            """
        let pid = try ChildProcess.spawn(["/bin/sh", "-c", script], output: "/dev/null", errors: "/dev/null")
        watchdog.withLock { $0 = pid }
    }

    /// Gives `path` to the `postgres` system user when this process is root (the server runs as it).
    private static func handOver(_ path: String) throws {
        guard getuid() == 0 else { return }
        guard let user = getpwnam(superuser) else {
            throw RealServerError(
                "there is no postgres system user; run scripts/setup --tests (Debian's postgresql package makes it)")
        }
        guard chown(path, user.pointee.pw_uid, user.pointee.pw_gid) == 0 else {
            throw RealServerError("chown \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// The directory of `initdb`, `pg_ctl`, `postgres` and `psql`: the newest /usr/lib/postgresql/N/bin.
    private static func findBinaries() throws -> String {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            let bin = "/usr/lib/postgresql/\(version)/bin"
            if FileManager.default.isExecutableFile(atPath: bin + "/initdb") { return bin }
        }
        throw RealServerError(
            "PostgreSQL's server is not installed (no /usr/lib/postgresql/*/bin/initdb); run scripts/setup --tests (it installs Debian's postgresql package)"
        )
    }
}

/// One database of a `PostgresServer`, owned by `klaxon_owner`.
public struct PostgresDatabase: Sendable {
    public let name: String
    public let server: PostgresServer

    /// `postgresql://ROLE@127.0.0.1:PORT/NAME?passfile=…`: over TCP, the password found in the cluster's
    /// password file, none in the URI (so it may go into klaxon.yaml).
    public func uri(as role: String) -> String {
        "postgresql://\(role)@127.0.0.1:\(server.port)/\(name)?passfile=\(server.passfile)"
    }

    /// The URI of the superuser, of `klaxon_owner` and of `klaxon_app`.
    public var superuserURI: String { uri(as: PostgresServer.superuser) }
    public var ownerURI: String { uri(as: PostgresServer.owner) }
    public var everydayURI: String { uri(as: PostgresServer.everyday) }

    /// The everyday role's URI through `port` (a proxy in front of the server), without TLS, its password
    /// in a new password file in `directory` (libpq matches a password file's lines by port).
    public func everydayURI(throughPort port: Int, passwordFileIn directory: String) -> String {
        let passfile = directory + "/pgpass-\(port)"
        _ = FileManager.default.createFile(
            atPath: passfile,
            contents: Data(
                "127.0.0.1:\(port):*:\(PostgresServer.everyday):\(server.password(of: PostgresServer.everyday))\n".utf8),
            attributes: [.posixPermissions: 0o600])
        return "postgresql://\(PostgresServer.everyday)@127.0.0.1:\(port)/\(name)?passfile=\(passfile)&sslmode=disable"
    }

    /// Its schema as `pg_dump --schema-only` writes it.
    public func schemaDump() throws -> String { try server.schemaDump(database: name) }

    /// Runs `sql` as the superuser in this database (setup, tampering); see `PostgresServer.psql`.
    @discardableResult
    public func psql(_ sql: String) throws -> String { try server.psql(sql, database: name) }

    /// Holds Klaxon's journal tables locked from another session for `seconds` (`LOCK TABLE … IN ACCESS
    /// EXCLUSIVE MODE`, as a migration or a careless superuser would: every read and write of them
    /// waits); returns once the lock is granted, or throws why it was not within 60 s. The task ends
    /// when the lock is released.
    public func lockJournalTables(forSeconds seconds: Int) async throws -> Task<Void, any Error> {
        let failure = LockFailure()
        let locking = Task {
            do {
                try await blocking {
                    _ = try psql(
                        "BEGIN; LOCK TABLE klaxon.records, klaxon.journals, klaxon.tails IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(\(seconds)); COMMIT;"
                    )
                }
            } catch {
                failure.reason.withLock { $0 = "\(error)" }
                throw error
            }
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let reason = failure.reason.withLock({ $0 }) {
                throw RealServerError("the journal tables could not be locked: \(reason)")
            }
            // pg_locks shows every database's locks: this one's only.
            let granted = try await blocking {
                try psql(
                    """
                    SELECT count(*) > 0 FROM pg_locks WHERE relation = 'klaxon.records'::regclass
                        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                        AND mode = 'AccessExclusiveLock' AND granted
                    """)
            }
            if granted.hasPrefix("t") { return locking }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw RealServerError("the journal tables were not locked within 60 s (another session holds them?)")
    }
}

/// Why `lockJournalTables`' session failed, once it has.
private final class LockFailure: Sendable {
    let reason = Mutex<String?>(nil)
}
