import KlaxonCore

/// Why a PostgreSQL operation failed: what kind of failure, the server's SQLSTATE when it sent one, and
/// libpq's or the server's message, never a password (every secret of the URI is replaced by `***`).
/// `klaxonError` is the one line a person sees: the server, the message and what to do.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// No connection could be made (refused, no such host, wrong password, no such database, TLS).
        case connect
        /// The connection broke, or the server ended it (`sqlState` 57P01 then). A COMMIT that fails so
        /// may or may not have committed: find out after reconnecting (an idempotency key).
        case connectionLost
        /// No answer within the time given; the statement was cancelled (when the server still answered,
        /// the connection stays usable, else it is closed and `reset()` reconnects).
        case timeout
        /// The server refused the statement: `sqlState` says why; the connection stays usable.
        case statement
        /// The caller's input cannot be sent (a NUL character in a parameter, a URI libpq would refuse);
        /// nothing was sent.
        case invalidInput
    }

    public var kind: Kind
    /// The server's error code, when it sent one.
    public var sqlState: SQLState?
    /// libpq's or the server's message on one line, secrets replaced by `***`.
    public var message: String
    /// `HOST:PORT, database NAME` (or the socket's directory), for messages.
    public var server: String
    /// The role the connection logs in as, when known: a missing privilege's remedy names it.
    public var role: String?
    /// The connection's URI as it may be shown (`PostgresURI.redacted`), when known.
    public var uri: String?

    public init(
        _ kind: Kind, sqlState: SQLState? = nil, message: String, server: String, role: String? = nil,
        uri: String? = nil
    ) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.server = server
        self.role = role
        self.uri = uri
    }

    /// What gives `role` the everyday privileges (docs/postgresql.md, "Roles"): the schema's owner runs
    /// `klaxon journal init --grant` on `uri` (shown without secrets) as itself, OWNER standing for its name,
    /// which a refused role cannot know.
    public static func grantRemedy(role: String, uri: String) -> String {
        "have the schema's owner run klaxon journal init --uri \(PostgresURI.asUser("OWNER", uri)) --grant \(TerminalText.printable(role))"
    }

    /// One line: where, what the server or libpq said, its SQLSTATE, and what to do.
    public var description: String {
        let code = sqlState.map { " (SQLSTATE \($0))" } ?? ""
        return "PostgreSQL at \(server): \(message)\(code); \(advice)"
    }

    /// Whether the server could not be reached (an outage, not a refusal): no connection could be made,
    /// it broke, or no answer came in time. A login refused for its password is not one (the server
    /// answered); nor is a statement the server refused.
    public var isUnreachable: Bool {
        switch kind {
        case .connect: sqlState != .invalidPassword
        case .connectionLost, .timeout: true
        case .statement, .invalidInput: false
        }
    }

    /// The error as Klaxon reports it: exit status 1, one line; `KlaxonError.Kind.unreachable` when the
    /// server could not be reached (`isUnreachable`).
    public var klaxonError: KlaxonError { isUnreachable ? .unreachable(description) : .failed(description) }

    /// libpq's lines as one line of clauses: "Connection refused" and "Is the server running on that
    /// host…?" become "Connection refused; is the server running on that host…". A line's closing `.` or
    /// `?` goes (the message goes on after it), and its capital goes when the next letter is small (not
    /// `FATAL:` or `SSL`). One line stays as it is.
    static func joiningLines(_ lines: [String]) -> String {
        let kept = lines.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard kept.count > 1 else { return kept.first ?? "" }
        return kept.enumerated().map { n, line in
            var clause = Substring(line)
            while let last = clause.last, last == "." || last == "?" { clause = clause.dropLast() }
            if n > 0, let first = clause.first, first.isUppercase,
                clause.dropFirst().first?.isLowercase == true
            {
                return first.lowercased() + clause.dropFirst()
            }
            return String(clause)
        }.joined(separator: "; ")
    }

    var advice: String {
        switch kind {
        case .connect:
            if sqlState == .invalidPassword || message.contains("password") {
                return
                    "check the user and its password: give it in PGPASSWORD or ~/.pgpass (or a service file), never in the URI"
            }
            return "check that the server runs and that the URI's host, port, database and user are right"
        case .connectionLost:
            return "check that the server runs and that the network reaches it, then try again"
        case .timeout:
            return "check the server's load and the network, then try again"
        case .statement:
            if sqlState == .undefinedTable { return "run klaxon journal init to create the journal tables" }
            // Klaxon runs no statement the append-only triggers refuse: 42501 is a privilege not granted.
            if sqlState == .insufficientPrivilege, let role, let uri {
                return "the role \(TerminalText.printable(role)) lacks a privilege Klaxon needs; "
                    + Self.grantRemedy(role: role, uri: uri)
            }
            return "nothing was changed by this statement"
        case .invalidInput:
            return "nothing was sent"
        }
    }
}
