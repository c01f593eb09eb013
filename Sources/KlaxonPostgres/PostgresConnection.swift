internal import CLibpq
import Foundation
import KlaxonCore

#if canImport(Glibc)
    import Glibc
#endif

/// One connection to a PostgreSQL server through libpq: parameterized statements in text format,
/// transactions, LISTEN and notifications read without blocking, its socket for a `poll` loop, and
/// reconnecting. Every call blocks until it is done or its time is up (`timeoutSeconds`).
///
/// Connecting: the URI is given to libpq as written (`PQconnectdbParams` expanding it), so what it leaves
/// out libpq's conventions fill (`PGPASSWORD`, `~/.pgpass`, `PGSSLMODE`, `PGSERVICE`…). Klaxon adds
/// what the URI does not set itself (the URI wins):
/// - `connect_timeout=10` (seconds, per host tried);
/// - TCP keepalives `keepalives_idle=5`, `keepalives_interval=1`, `keepalives_count=3`, and
///   `tcp_user_timeout=9000` (ms): a peer that died or a network that went away is noticed within 8 s
///   on an idle connection and 9 s while data waits to be acknowledged, so a blocked call, or a session
///   advisory lock held on the connection, lasts about 10 s past such a loss at most;
/// - `sslmode=verify-full` when neither the URI nor `PGSSLMODE` names an sslmode and a host is not this
///   machine (`PostgresURI.defaultSSLMode`): TLS with the certificate checked, unless asked otherwise;
/// - `client_encoding=UTF8` and the `application_name` given (the server shows it in `pg_stat_activity`).
///
/// Threads: a connection is used by one thread at a time (it is not `Sendable`); a value holding one
/// for several threads keeps it in a `Mutex`. libpq is thread-safe across connections.
public final class PostgresConnection {
    /// `HOST:PORT, database NAME` (or the socket's directory for a Unix socket): where this connects,
    /// for messages; it never holds a password.
    public private(set) var server: String
    /// The URI as it may be shown (`PostgresURI.redacted`).
    public let redactedURI: String

    private let uri: String
    private let parameters: [(String, String)]
    private var connection: OpaquePointer?
    private var channels: [String] = []

    /// Connects to `uri` as `applicationName`, waiting at most the connect timeout (10 s per host unless
    /// the URI says otherwise). Throws a `.connect` error naming the server and libpq's reason, never
    /// the password.
    public init(uri: String, applicationName: String) throws(PostgresError) {
        self.uri = uri
        redactedURI = PostgresURI.redacted(uri)
        server = redactedURI
        let options: [String: String]
        do {
            options = try PostgresURI.options(uri)
        } catch {
            // A URI libpq would refuse is a mistake in it, not an outage: nothing is sent.
            throw PostgresError(.invalidInput, message: error.message, server: redactedURI)
        }
        parameters = Self.parameters(
            options: options, applicationName: applicationName, environment: ProcessInfo.processInfo.environment,
            uri: uri)
        try connect()
    }

    deinit { close() }

    /// The keywords and values given to `PQconnectdbParams`: Klaxon's defaults, then the URI as
    /// `dbname` (expanded by libpq), whose settings override the defaults before it.
    static func parameters(
        options: [String: String], applicationName: String, environment: [String: String], uri: String
    )
        -> [(String, String)]
    {
        var result: [(String, String)] = [
            ("connect_timeout", "10"), ("keepalives", "1"), ("keepalives_idle", "5"), ("keepalives_interval", "1"),
            ("keepalives_count", "3"), ("tcp_user_timeout", "9000"), ("client_encoding", "UTF8"),
            ("application_name", applicationName)
        ]
        if let mode = PostgresURI.defaultSSLMode(options: options, environment: environment) {
            result.append(("sslmode", mode))
        }
        result.append(("dbname", uri))
        return result
    }

    private func connect() throws(PostgresError) {
        let keywords = parameters.map { strdup($0.0) }
        let values = parameters.map { strdup($0.1) }
        defer { for copy in keywords + values { free(copy) } }
        let made: OpaquePointer? = (keywords.map { UnsafePointer($0) } + [nil]).withUnsafeBufferPointer { k in
            (values.map { UnsafePointer($0) } + [nil]).withUnsafeBufferPointer { v in
                PQconnectdbParams(k.baseAddress, v.baseAddress, 1)
            }
        }
        guard let made else { throw PostgresError(.connect, message: "out of memory", server: server) }
        server = Self.describe(made)
        guard PQstatus(made) == CONNECTION_OK else {
            // Messages of a refused login carry no SQLSTATE (the session's verbosity is set only after):
            // a wrong or missing password is told by libpq's flag and the server's words.
            let message = errorMessage(made)
            let wrongPassword =
                PQconnectionNeedsPassword(made) == 1 || message.contains("password authentication failed")
            PQfinish(made)
            throw PostgresError(
                .connect, sqlState: wrongPassword ? .invalidPassword : nil, message: message, server: server)
        }
        // The server's notices (NOTICE, WARNING) would go to standard error as they are: dropped.
        PQsetNoticeProcessor(made, { _, _ in }, nil)
        // Verbose messages carry the SQLSTATE of errors that come without a result (a FATAL ending the
        // session), which `errorDetails` takes out of the text.
        PQsetErrorVerbosity(made, PQERRORS_VERBOSE)
        connection = made
    }

    /// `HOST:PORT, database NAME` from the options libpq settled on (the URI, the environment, defaults).
    static func describe(_ made: OpaquePointer) -> String {
        var options: [String: String] = [:]
        if let info = PQconninfo(made) {
            options = PostgresURI.values(of: info)
            PQconninfoFree(info)
        }
        let hosts = (options["host"] ?? options["hostaddr"] ?? "").split(separator: ",").map(String.init)
        let ports = (options["port"] ?? "").split(separator: ",").map(String.init)
        let places = (hosts.isEmpty ? ["the local socket"] : hosts).enumerated().map { n, host in
            let port = ports.isEmpty ? "5432" : ports[min(n, ports.count - 1)]
            return host.hasPrefix("/") ? "\(host) (socket, port \(port))" : "\(host):\(port)"
        }
        return places.joined(separator: ", ") + ", database " + (options["dbname"] ?? "?")
    }

    /// libpq's last message on one line, without the server's source locations, secrets scrubbed; and
    /// the SQLSTATE it names (`FATAL:  57P01: terminating connection…` in verbose messages), if any.
    private func errorDetails(_ made: OpaquePointer?) -> (message: String, sqlState: SQLState?) {
        let raw = made.flatMap { PQerrorMessage($0) }.map { String(cString: $0) } ?? ""
        var state: SQLState?
        var lines: [String] = []
        for line in raw.split(whereSeparator: \.isNewline).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.isEmpty || line.hasPrefix("LOCATION:") { continue }
            lines.append(Self.takingSQLState(line, into: &state))
        }
        let text = PostgresError.joiningLines(lines)
        return (PostgresURI.scrub(text.isEmpty ? "no message from libpq" : text, secretsOf: uri), state)
    }

    private func errorMessage(_ made: OpaquePointer?) -> String { errorDetails(made).message }

    /// `line` without the SQLSTATE after its severity (`FATAL:  57P01: text` → `FATAL: text`), which
    /// goes into `state` (the first one found).
    static func takingSQLState(_ line: String, into state: inout SQLState?) -> String {
        for severity in ["FATAL:", "ERROR:", "PANIC:"] {
            guard let range = line.range(of: severity + "  ") else { continue }
            let rest = line[range.upperBound...]
            let code = rest.prefix(5)
            guard code.count == 5, code.allSatisfy({ $0.isASCII && ($0.isNumber || $0.isUppercase) }),
                rest.dropFirst(5).hasPrefix(": ")
            else { continue }
            state = state ?? SQLState(String(code))
            return line[..<range.lowerBound] + severity + " " + rest.dropFirst(7)
        }
        return line
    }

    // MARK: - Statements

    /// Runs one statement with `$1`, `$2`… bound to `parameters` (text format; nil is NULL; the server
    /// infers their types, or the statement casts them: `$1::bigint`), and returns its rows, every value
    /// in the `results` format (binary: a `bytea` column's bytes as they are, read with
    /// `PostgresRows.bytes`; a statement asking so should select only text and `bytea` columns). Throws a
    /// `.statement` error with the server's SQLSTATE when it refuses the statement, `.connectionLost`
    /// when the connection broke, `.timeout` after `timeoutSeconds` (the statement is cancelled).
    @discardableResult
    public func query(
        _ sql: String, _ parameters: [String?] = [], results: PostgresResultFormat = .text,
        timeoutSeconds: Double = 30
    ) throws(PostgresError) -> PostgresRows {
        guard parameters.allSatisfy({ !($0?.utf8.contains(0) ?? false) }) else {
            throw PostgresError(
                .invalidInput, message: "a parameter holds a NUL character, which PostgreSQL text cannot hold",
                server: server)
        }
        let copies = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { for copy in copies { free(copy) } }
        return try run(timeoutSeconds: timeoutSeconds) { connection in
            copies.map { UnsafePointer($0) }.withUnsafeBufferPointer {
                PQsendQueryParams(connection, sql, Int32(copies.count), nil, $0.baseAddress, nil, nil, results.rawValue)
            }
        }
    }

    /// Runs `sql`, which may hold several statements separated by `;` and no parameters (a migration),
    /// and returns the last statement's rows. Without BEGIN and COMMIT of its own, they run as one
    /// transaction.
    @discardableResult
    public func execute(script sql: String, timeoutSeconds: Double = 60) throws(PostgresError) -> PostgresRows {
        try run(timeoutSeconds: timeoutSeconds) { PQsendQuery($0, sql) }
    }

    /// The isolation levels of `transaction`.
    public enum IsolationLevel: String, Sendable {
        case readCommitted = "READ COMMITTED"
        case repeatableRead = "REPEATABLE READ"
        case serializable = "SERIALIZABLE"
    }

    /// Runs `body` in a transaction: BEGIN, `body`, COMMIT; when `body` throws, ROLLBACK (if the
    /// connection still stands) and its error is thrown again. The COMMIT's own failure is thrown: a
    /// `.connectionLost` one leaves the outcome unknown (it may have committed). A transaction the server
    /// had already failed (a statement's error that `body` caught) is rolled back by its COMMIT, and that
    /// throws a `.statement` error.
    public func transaction<T>(_ isolation: IsolationLevel = .readCommitted, _ body: () throws -> T) throws -> T {
        try query("BEGIN ISOLATION LEVEL " + isolation.rawValue)
        let value: T
        do {
            value = try body()
        } catch {
            if isAlive, isInTransaction { _ = try? query("ROLLBACK") }
            throw error
        }
        let done = try query("COMMIT")
        guard done.command == "COMMIT" else {
            throw PostgresError(
                .statement, message: "the transaction had failed and was rolled back at COMMIT", server: server)
        }
        return value
    }

    /// Whether a transaction is open (BEGIN without COMMIT or ROLLBACK yet, failed or not).
    public var isInTransaction: Bool {
        guard let connection else { return false }
        let status = PQtransactionStatus(connection)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE
    }

    // MARK: - Notifications and the poll loop

    /// The connection's socket, to `poll` for readability (notifications arriving), or -1 when closed.
    /// It changes when `reset()` reconnects.
    public var socketDescriptor: Int32 {
        guard let connection else { return -1 }
        return PQsocket(connection)
    }

    /// LISTEN on `channel`; `reset()` listens again after reconnecting.
    public func listen(_ channel: String) throws(PostgresError) {
        try query("LISTEN " + Self.quoteIdentifier(channel))
        if !channels.contains(channel) { channels.append(channel) }
    }

    /// Sends a notification on `channel` (delivered when the current transaction commits; payloads
    /// below 8,000 bytes).
    public func notify(_ channel: String, payload: String) throws(PostgresError) {
        try query("SELECT pg_notify($1, $2)", [channel, payload])
    }

    /// The notifications that arrived, without blocking: reads what the socket holds
    /// (`PQconsumeInput`) and returns what libpq received (`PQnotifies`), also during earlier
    /// statements. Throws `.connectionLost` when the connection broke.
    public func notifications() throws(PostgresError) -> [PostgresNotification] {
        guard let connection, PQstatus(connection) == CONNECTION_OK else { throw closedError() }
        guard PQconsumeInput(connection) == 1 else { throw failure(of: connection) }
        var received: [PostgresNotification] = []
        while let notice = PQnotifies(connection) {
            received.append(
                PostgresNotification(
                    channel: String(cString: notice.pointee.relname), payload: String(cString: notice.pointee.extra),
                    senderPID: notice.pointee.be_pid))
            PQfreemem(notice)
        }
        return received
    }

    /// Whether the connection stands as far as libpq knows, without any I/O: false once a call found it
    /// broken (a statement, `notifications()`), or after `close()`.
    public var isAlive: Bool {
        guard let connection else { return false }
        return PQstatus(connection) == CONNECTION_OK
    }

    /// The server's process id serving this connection (what `pg_terminate_backend` takes).
    public var backendPID: Int32 {
        guard let connection else { return 0 }
        return PQbackendPID(connection)
    }

    /// Closes the connection and connects again with the same parameters, then LISTENs again on the
    /// channels listened to before (notifications sent meanwhile are lost: catch up by querying).
    /// Throws a `.connect` error when the server cannot be reached yet.
    public func reset() throws(PostgresError) {
        close()
        try connect()
        for channel in channels { try query("LISTEN " + Self.quoteIdentifier(channel)) }
    }

    /// Closes the connection (a session's advisory locks are released, an open transaction rolled back).
    public func close() {
        if let connection { PQfinish(connection) }
        connection = nil
    }

    /// `name` as an SQL identifier in double quotes (a `"` doubled).
    public static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    // MARK: - Waiting for results

    private func closedError() -> PostgresError {
        PostgresError(
            .connectionLost,
            message: connection == nil ? "the connection is closed" : errorMessage(connection), server: server)
    }

    /// Sends with `send`, then waits for every result until `timeoutSeconds` have passed, polling the
    /// socket so that a dead server or a stuck statement never blocks past the deadline.
    private func run(timeoutSeconds: Double, _ send: (OpaquePointer) -> Int32) throws(PostgresError) -> PostgresRows {
        guard let connection, PQstatus(connection) == CONNECTION_OK else { throw closedError() }
        guard send(connection) == 1 else { throw failure(of: connection) }
        var deadline = ContinuousClock.now + .milliseconds(Int64(timeoutSeconds * 1000))
        var cancelled = false
        var rows: PostgresRows?
        var firstError: PostgresError?
        while true {
            while PQisBusy(connection) == 1 {
                if ContinuousClock.now >= deadline {
                    if cancelled {
                        // Not even the cancellation was answered: this connection is no use any more.
                        close()
                        throw timeoutError(timeoutSeconds, closed: true)
                    }
                    cancel(connection)
                    cancelled = true
                    deadline = ContinuousClock.now + .seconds(5)
                }
                wait(connection, until: deadline)
                guard PQconsumeInput(connection) == 1 else { throw failure(of: connection) }
            }
            guard let result = PQgetResult(connection) else { break }
            defer { PQclear(result) }
            switch PQresultStatus(result) {
            case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY: rows = Self.rows(of: result)
            default: firstError = firstError ?? failure(of: connection, result: result)
            }
        }
        if cancelled { throw timeoutError(timeoutSeconds, closed: false) }
        if let firstError { throw firstError }
        guard PQstatus(connection) == CONNECTION_OK else { throw failure(of: connection) }
        return rows ?? PostgresRows()
    }

    private func timeoutError(_ seconds: Double, closed: Bool) -> PostgresError {
        let number = seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
        return PostgresError(
            .timeout, sqlState: .queryCanceled,
            message: "no answer within \(number) s; the statement was cancelled"
                + (closed ? " and the connection closed (it did not answer the cancellation)" : ""),
            server: server)
    }

    /// Asks the server to cancel what this connection runs (on a connection of its own).
    private func cancel(_ connection: OpaquePointer) {
        guard let handle = PQgetCancel(connection) else { return }
        var buffer = [CChar](repeating: 0, count: 256)
        _ = PQcancel(handle, &buffer, Int32(buffer.count))
        PQfreeCancel(handle)
    }

    /// Waits until the socket is readable or `deadline` passes.
    private func wait(_ connection: OpaquePointer, until deadline: ContinuousClock.Instant) {
        let left = ContinuousClock.now.duration(to: deadline)
        let ms = max(
            0,
            min(
                Int32.max,
                Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)))
        var descriptor = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
        _ = poll(&descriptor, 1, ms + 1)
    }

    /// The error of a failed call: the result's SQLSTATE and message, and whether the connection broke.
    private func failure(of connection: OpaquePointer, result: OpaquePointer? = nil) -> PostgresError {
        var state = result.flatMap { klaxon_pq_sqlstate($0) }.map { SQLState(String(cString: $0)) }
        var message = result.flatMap { klaxon_pq_primary_message($0) }.map { String(cString: $0) } ?? ""
        if message.isEmpty {
            let details = errorDetails(connection)
            message = details.message
            state = state ?? details.sqlState
        }
        message = PostgresURI.scrub(PostgresURI.oneLine(message), secretsOf: uri)
        let lost = PQstatus(connection) != CONNECTION_OK
        return PostgresError(
            lost ? .connectionLost : .statement, sqlState: state, message: message, server: server,
            role: PQuser(connection).map { String(cString: $0) }, uri: redactedURI)
    }

    /// The result's values copied into one buffer (libpq's are freed with the result), without a
    /// `String` per value.
    private static func rows(of result: OpaquePointer) -> PostgresRows {
        let columnCount = PQnfields(result)
        let rowCount = PQntuples(result)
        let columns = (0..<columnCount).map { String(cString: PQfname(result, $0)) }
        var size = 0
        for row in 0..<rowCount {
            for column in 0..<columnCount { size += Int(PQgetlength(result, row, column)) }
        }
        var storage: [UInt8] = []
        storage.reserveCapacity(size)
        var cells: [Range<Int>?] = []
        cells.reserveCapacity(Int(rowCount) * Int(columnCount))
        for row in 0..<rowCount {
            for column in 0..<columnCount {
                guard PQgetisnull(result, row, column) == 0, let value = PQgetvalue(result, row, column) else {
                    cells.append(nil)
                    continue
                }
                let length = Int(PQgetlength(result, row, column))
                cells.append(storage.count..<storage.count + length)
                UnsafeRawPointer(value).withMemoryRebound(to: UInt8.self, capacity: length) {
                    storage.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
                }
            }
        }
        return PostgresRows(
            columns: columns, format: PQbinaryTuples(result) == 1 ? .binary : .text, count: Int(rowCount),
            storage: storage, cells: cells, command: String(cString: PQcmdStatus(result)))
    }
}

/// A notification received on a channel this connection LISTENs to.
public struct PostgresNotification: Hashable, Sendable {
    public var channel: String
    public var payload: String
    /// The server process that sent it (`PostgresConnection.backendPID` of the sender).
    public var senderPID: Int32

    public init(channel: String, payload: String, senderPID: Int32) {
        self.channel = channel
        self.payload = payload
        self.senderPID = senderPID
    }
}
