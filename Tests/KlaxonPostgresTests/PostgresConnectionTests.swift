import Foundation
import KlaxonPostgres
import KlaxonProcessTestSupport
import KlaxonTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The libpq adapter against a real throwaway cluster on 127.0.0.1 (`PostgresServer`), a database per test.
struct PostgresConnectionTests {
    @Test func parametersNullsAndBytesRoundTripAndColumnsAreNamed() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        let connection = try PostgresConnection(uri: database.everydayURI, applicationName: "klaxon-test")
        let hostile = "it's \"quoted\"; DROP TABLE x; -- $1 \\ naïve ✓ 日本 🚨"
        let rows = try connection.query(
            "SELECT $1::text AS text, $2::text AS missing, $3::bigint + 1 AS number, current_setting('application_name') AS app",
            [hostile, nil, "41"])
        #expect(rows.columns == ["text", "missing", "number", "app"])
        #expect(rows.rows == [[hostile, nil, "42", "klaxon-test"]])
        #expect(rows.value(0, "number") == "42")
        #expect(rows.command == "SELECT 1")
        // Every byte value, a newline and a NUL among them, through bytea and back.
        let bytes = (0...255).map(UInt8.init) + Array("line\n".utf8) + [0, 0]
        let echoed = try connection.query("SELECT $1::bytea", [PostgresBytea.text(bytes)]).scalar
        #expect(echoed.flatMap(PostgresBytea.bytes) == bytes)
        #expect(PostgresBytea.bytes("not hex") == nil)
        #expect(PostgresBytea.bytes("\\x0g") == nil)
        // A NUL cannot be sent as text: refused before anything is sent.
        #expect(
            caught(PostgresError.self) { try connection.query("SELECT $1::text", ["a\u{0}b"]) }?.kind == .invalidInput)
        #expect(try connection.query("SELECT 1").scalar == "1")
    }

    @Test func binaryResultsHandOutBytesAsTheyAreRowByRow() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        let connection = try PostgresConnection(uri: database.everydayURI, applicationName: "klaxon-test")
        let bytes = (0...255).map(UInt8.init) + Array("line\n".utf8) + [0, 0]
        let rows = try connection.query(
            """
            SELECT v.line, v.name FROM (VALUES (1, $1::bytea, 'first'), (2, NULL, 'naïve'), (3, ''::bytea, NULL))
                AS v (n, line, name) ORDER BY v.n
            """, [PostgresBytea.text(bytes)], results: .binary)
        #expect(rows.format == .binary)
        #expect(rows.count == 3)
        #expect(rows.columns == ["line", "name"])
        #expect(rows.bytes(0, 0).map(Array.init) == bytes)
        #expect(rows.bytes(1, 0) == nil)
        #expect(rows.bytes(2, 0).map(Array.init) == [])
        // A text column's binary form is its UTF-8 bytes.
        #expect(rows.rows.map { $0[1] } == ["first", "naïve", nil])
        #expect(rows.command == "SELECT 3")
        // Text results are the default, and their bytes are the text.
        let text = try connection.query("SELECT $1::bytea", [PostgresBytea.text([0x0A])])
        #expect(text.format == .text)
        #expect(text.bytes(0, 0).map(Array.init) == Array("\\x0a".utf8))
    }

    @Test func aWrongPortIsOneLineNamingHostPortAndDatabase() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        let port = try RealServer.freePort()
        let uri = "postgresql://klaxon_app@127.0.0.1:\(port)/\(database.name)"
        let error = try #require(
            caught(PostgresError.self) { _ = try PostgresConnection(uri: uri, applicationName: "t") })
        #expect(error.kind == .connect)
        #expect(error.description.hasPrefix("PostgreSQL at 127.0.0.1:\(port), database \(database.name): "))
        #expect(error.description.contains("Connection refused"))
        #expect(error.description.contains("check that the server runs"))
        #expect(!error.description.contains("\n"))
        #expect(error.klaxonError.exitStatus == 1)
    }

    @Test func aWrongPasswordIsNamedAndNeverShown() async throws {
        let server = try await PostgresServer.shared()
        let database = try server.makeDatabase()
        let secrets = ["wrong-Secret-4711", "p%40ss:word"]
        for uri in [
            "postgresql://klaxon_app:\(secrets[0])@127.0.0.1:\(server.port)/\(database.name)",
            "postgres://klaxon_app@127.0.0.1:\(server.port)/\(database.name)?password=\(secrets[1])&sslmode=disable"
        ] {
            let error = try #require(
                caught(PostgresError.self) { _ = try PostgresConnection(uri: uri, applicationName: "t") })
            #expect(error.kind == .connect)
            #expect(error.sqlState == .invalidPassword)
            #expect(error.description.contains("password authentication failed for user \"klaxon_app\""))
            #expect(error.description.contains("PGPASSWORD or ~/.pgpass"))
            for secret in secrets + ["p@ss:word"] { #expect(!error.description.contains(secret), "\(error)") }
        }
        // The right password in the URI works (libpq's way; klaxon.yaml refuses it).
        let right =
            "postgresql://klaxon_app:\(server.password(of: "klaxon_app"))@127.0.0.1:\(server.port)/\(database.name)"
        let connection = try PostgresConnection(uri: right, applicationName: "t")
        #expect(!connection.redactedURI.contains(server.password(of: "klaxon_app")))
        #expect(connection.redactedURI.hasPrefix("postgresql://klaxon_app:***@127.0.0.1:"))
        #expect(connection.server == "127.0.0.1:\(server.port), database \(database.name)")
    }

    @Test func aURIIsShownWithoutItsSecrets() {
        #expect(
            PostgresURI.redacted("postgresql://u:s3cret@db:5432/k?sslmode=require")
                == "postgresql://u:***@db:5432/k?sslmode=require")
        #expect(
            PostgresURI.redacted("postgres://u@db/k?password=x&sslpassword=y&a=b")
                == "postgres://u@db/k?password=***&sslpassword=***&a=b")
        #expect(PostgresURI.redacted("postgresql://db.internal/klaxon") == "postgresql://db.internal/klaxon")
        #expect(PostgresURI.redacted("postgresql://u:p@h1:1,h2:2/k") == "postgresql://u:***@h1:1,h2:2/k")
        // libpq's parse errors quote what they could not read: the secret is scrubbed from them.
        for (uri, secret) in [
            ("postgresql://u:hun%zzter2@db/k", "hun%zzter2"), ("postgresql://u@db/k?password=hun%zzter3", "hun%zzter3")
        ] {
            do {
                _ = try PostgresURI.options(uri)
                Issue.record("a bad URI was read")
            } catch {
                #expect(error.message.contains("is not a connection URI libpq reads: invalid percent-encoded token"))
                #expect(!error.message.contains(secret), "\(error.message)")
            }
        }
    }

    @Test func sqlStatesAreTypedAndALostConnectionIsReset() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        let connection = try PostgresConnection(uri: database.ownerURI, applicationName: "t")
        try connection.query("CREATE TABLE t (id int PRIMARY KEY)")
        try connection.query("INSERT INTO t VALUES ($1)", ["1"])
        let double = caught(PostgresError.self) { try connection.query("INSERT INTO t VALUES ($1)", ["1"]) }
        #expect(double?.kind == .statement)
        #expect(double?.sqlState == .uniqueViolation)
        #expect(double?.sqlState?.isRetryable == false)
        let serialization = caught(PostgresError.self) {
            try connection.execute(script: "DO $$ BEGIN RAISE EXCEPTION 'lost' USING ERRCODE = '40001'; END $$")
        }
        #expect(serialization?.sqlState == .serializationFailure)
        #expect(serialization?.sqlState?.isRetryable == true)
        #expect(
            caught(PostgresError.self) { try connection.query("SELECT * FROM nowhere") }?.sqlState == .undefinedTable)
        #expect(try connection.query("SELECT count(*) FROM t").scalar == "1")

        // The server ends the session (what a restart or an administrator does): 57P01, connection lost.
        try connection.listen("after reset")
        try database.psql("SELECT pg_terminate_backend(\(connection.backendPID))")
        let lost = caught(PostgresError.self) { try connection.query("SELECT 1") }
        #expect(lost?.kind == .connectionLost)
        #expect(lost?.sqlState == .adminShutdown)
        #expect(!connection.isAlive)
        #expect(caught(PostgresError.self) { try connection.query("SELECT 1") }?.kind == .connectionLost)
        try connection.reset()
        #expect(connection.isAlive)
        #expect(try connection.query("SELECT count(*) FROM t").scalar == "1")
        // LISTEN was renewed by the reset.
        #expect(
            try connection.query(
                "SELECT count(*) FROM pg_listening_channels() WHERE pg_listening_channels = 'after reset'"
            ).scalar == "1")
    }

    @Test func transactionsCommitRollBackAndRefuseAFailedOne() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        let connection = try PostgresConnection(uri: database.ownerURI, applicationName: "t")
        try connection.query("CREATE TABLE t (id int PRIMARY KEY)")
        _ = try connection.transaction { try connection.query("INSERT INTO t VALUES (1)") }
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try connection.transaction {
                try connection.query("INSERT INTO t VALUES (2)")
                throw Stop()
            }
        }
        #expect(!connection.isInTransaction)
        // A failed statement caught inside: COMMIT rolls back, and says so.
        let error = #expect(throws: PostgresError.self) {
            try connection.transaction(.serializable) {
                try connection.query("INSERT INTO t VALUES (3)")
                _ = try? connection.query("INSERT INTO t VALUES (1)")
            }
        }
        #expect(error?.kind == .statement)
        #expect(try connection.query("SELECT string_agg(id::text, ',' ORDER BY id) FROM t").scalar == "1")
    }

    @Test func aStatementPastItsTimeoutIsCancelledAndTheConnectionStaysUsable() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        let connection = try PostgresConnection(uri: database.ownerURI, applicationName: "t")
        let error = caught(PostgresError.self) { try connection.query("SELECT pg_sleep(30)", timeoutSeconds: 0.5) }
        #expect(error?.kind == .timeout)
        #expect(error?.description.contains("no answer within 0.5 s; the statement was cancelled") == true)
        #expect(connection.isAlive)
        #expect(try connection.query("SELECT 2").scalar == "2")
    }

    @Test func aNotificationArrivesOnTheSocketWithinASecond() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        let listener = try PostgresConnection(uri: database.everydayURI, applicationName: "listener")
        let sender = try PostgresConnection(uri: database.everydayURI, applicationName: "sender")
        try listener.listen("klaxon \"records\"")
        #expect(try listener.notifications().isEmpty)
        try sender.notify("klaxon \"records\"", payload: "INC-7 12")
        var socket = pollfd(fd: listener.socketDescriptor, events: Int16(POLLIN), revents: 0)
        #expect(poll(&socket, 1, 1000) == 1)
        #expect(
            try listener.notifications() == [
                PostgresNotification(channel: "klaxon \"records\"", payload: "INC-7 12", senderPID: sender.backendPID)
            ])
        #expect(try listener.notifications().isEmpty)
    }

    @Test func keepalivesAndTheUserTimeoutAreSetOnTheSocketUnlessTheURISaysOtherwise() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        func option(_ connection: PostgresConnection, _ level: Int32, _ name: Int32) -> Int32 {
            var value: Int32 = -1
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(connection.socketDescriptor, level, name, &value, &length)
            return value
        }
        let connection = try PostgresConnection(uri: database.everydayURI, applicationName: "t")
        #expect(option(connection, SOL_SOCKET, SO_KEEPALIVE) == 1)
        #expect(option(connection, Int32(IPPROTO_TCP), TCP_KEEPIDLE) == 5)
        #expect(option(connection, Int32(IPPROTO_TCP), TCP_KEEPINTVL) == 1)
        #expect(option(connection, Int32(IPPROTO_TCP), TCP_KEEPCNT) == 3)
        #expect(option(connection, Int32(IPPROTO_TCP), TCP_USER_TIMEOUT) == 9000)
        let own = try PostgresConnection(uri: database.everydayURI + "&keepalives_idle=7", applicationName: "t")
        #expect(option(own, Int32(IPPROTO_TCP), TCP_KEEPIDLE) == 7)
    }

    @Test func tlsIsVerifiedByDefaultForAHostThatIsNotThisMachine() async throws {
        func mode(_ uri: String, _ environment: [String: String] = [:]) throws -> String? {
            PostgresURI.defaultSSLMode(options: try PostgresURI.options(uri), environment: environment)
        }
        #expect(try mode("postgresql://klaxon@db.internal:5432/klaxon") == "verify-full")
        #expect(try mode("postgresql://klaxon@10.0.0.5/klaxon") == "verify-full")
        #expect(try mode("postgresql://klaxon@127.0.0.1,db.internal/klaxon") == "verify-full")
        #expect(try mode("postgresql://klaxon@db.internal/klaxon?sslmode=disable") == nil)
        #expect(try mode("postgresql://klaxon@db.internal/klaxon?ssl=true") == nil)
        #expect(try mode("postgresql://klaxon@db.internal/klaxon", ["PGSSLMODE": "require"]) == nil)
        #expect(try mode("postgresql:///klaxon?service=team") == nil)
        for local in [
            "postgresql://k@127.0.0.1/k", "postgresql://k@127.8.9.10:5/k", "postgresql://k@[::1]/k",
            "postgresql://k@localhost/k", "postgresql:///k", "postgresql://%2Fvar%2Frun%2Fpostgresql/k",
            "postgresql:///k?host=/tmp"
        ] {
            #expect(try mode(local) == nil, "\(local)")
        }
        #expect(try mode("postgresql:///k", ["PGHOST": "db.internal"]) == "verify-full")
        // For real: a host name that is not loopback, reached at 127.0.0.1 (hostaddr, no DNS), gets
        // TLS required and verified, which the tests' cluster (no TLS) cannot give: refused.
        let server = try await PostgresServer.shared()
        let database = try server.makeDatabase()
        let remote =
            "postgresql://klaxon_app@db.klaxon.invalid:\(server.port)/\(database.name)?hostaddr=127.0.0.1&passfile=\(server.passfile)"
        let error = try #require(
            caught(PostgresError.self) { _ = try PostgresConnection(uri: remote, applicationName: "t") })
        #expect(error.kind == .connect)
        #expect(error.message.contains("SSL"), "\(error)")
        // The same with sslmode=disable named: connected (the URI decides; the password file names
        // 127.0.0.1, not this host, hence the password here).
        let password = server.password(of: PostgresServer.everyday)
        _ = try PostgresConnection(
            uri: remote.replacingOccurrences(of: "klaxon_app@", with: "klaxon_app:\(password)@") + "&sslmode=disable",
            applicationName: "t")
    }
}

/// A cluster of its own, stopped as a crash would stop it and started again on the same port and data.
@Test func aCommittedRowOutlivesAnImmediateStopAndTheConnectionComesBack() async throws {
    // Started, stopped and started again on a thread of its own, not in the cooperative pool.
    try await blocking { try committedRowOutlivesAnImmediateStop() }
}

private func committedRowOutlivesAnImmediateStop() throws {
    let server = try PostgresServer()
    let database = try server.makeDatabase()
    let connection = try PostgresConnection(uri: database.ownerURI, applicationName: "t")
    try connection.query("CREATE TABLE t (v text)")
    try connection.query("INSERT INTO t VALUES ($1)", ["kept"])
    #expect(try server.psql("SHOW fsync") == "on\n")
    try server.stopImmediately()
    var lost: PostgresError?
    do { try connection.query("SELECT 1") } catch { lost = error }
    #expect(lost?.kind == .connectionLost)
    var unreachable: PostgresError?
    do { try connection.reset() } catch { unreachable = error }
    #expect(unreachable?.kind == .connect)
    #expect(unreachable?.description.contains("127.0.0.1:\(server.port)") == true)
    try server.start()
    try connection.reset()
    #expect(try connection.query("SELECT v FROM t").scalar == "kept")
}
