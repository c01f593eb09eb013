/// A PostgreSQL error code (SQLSTATE, five characters such as `23505`), as the server sent it with an
/// error, so callers decide by code and never by message text. The codes Klaxon acts on are named here;
/// any other is still available as `rawValue` (see PostgreSQL's "Appendix A. Error Codes").
public struct SQLState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// 23505: a unique constraint or primary key refused a double (another writer was first).
    public static let uniqueViolation = SQLState("23505")
    /// 23503: a foreign key refused the row (a record whose journal or previous record is missing).
    public static let foreignKeyViolation = SQLState("23503")
    /// 23514: a check constraint refused the row.
    public static let checkViolation = SQLState("23514")
    /// 40001: a serializable transaction lost to another; run it again.
    public static let serializationFailure = SQLState("40001")
    /// 40P01: a deadlock was broken by cancelling this transaction; run it again.
    public static let deadlockDetected = SQLState("40P01")
    /// 42501: not allowed (a privilege missing, or the journal tables' append-only triggers).
    public static let insufficientPrivilege = SQLState("42501")
    /// 42P01: the table does not exist (the schema is not initialised: `klaxon journal init`).
    public static let undefinedTable = SQLState("42P01")
    /// 57014: the statement was cancelled (a timeout of this connection, or someone else).
    public static let queryCanceled = SQLState("57014")
    /// 57P01: the server is shutting down or an administrator ended the connection (`pg_terminate_backend`).
    public static let adminShutdown = SQLState("57P01")
    /// 57P03: the server is starting up or recovering and cannot accept the connection yet.
    public static let cannotConnectNow = SQLState("57P03")
    /// 28P01: the password was wrong.
    public static let invalidPassword = SQLState("28P01")
    /// 3D000: the database does not exist.
    public static let invalidCatalogName = SQLState("3D000")

    /// The class: the first two characters (`08` connection exception, `23` integrity, `40` rollback…).
    public var errorClass: Substring { rawValue.prefix(2) }

    /// Whether running the same transaction again may succeed: a serialization failure or a deadlock.
    public var isRetryable: Bool { errorClass == "40" }

    public var description: String { rawValue }
}
