/// An error meant for a person: one line saying what is wrong, where, and what to do.
public struct KlaxonError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// Bad usage or input: exit status 2.
        case badInput
        /// The operation or the checked thing failed (a damaged journal, a full disk): exit status 1.
        case failed
        /// The journal store could not be reached (its database refused, dropped or did not answer the
        /// connection): nothing was read or written, and the same call may succeed once it answers again.
        /// Exit status 1. The console shows it on its top bar and keeps the draft; `klaxon watch` says it
        /// once per outage (docs/postgresql.md, "When the database or the network fails").
        case unreachable
        /// A write was sent and its answer lost with the connection, and the store could not be asked
        /// since: it may be in. Exit status 1. An outage as `unreachable` is (`isUnreachable`), but what
        /// was written must be read back once the store answers, before it is written again.
        case outcomeUnknown
    }
    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public static func badInput(_ message: String) -> KlaxonError { KlaxonError(.badInput, message) }
    public static func failed(_ message: String) -> KlaxonError { KlaxonError(.failed, message) }
    public static func unreachable(_ message: String) -> KlaxonError { KlaxonError(.unreachable, message) }

    /// Whether the store could not be reached (an outage, not a refusal): see `Kind.unreachable` and
    /// `Kind.outcomeUnknown`.
    public var isUnreachable: Bool { kind == .unreachable || kind == .outcomeUnknown }

    /// The process exit status for this error.
    public var exitStatus: Int32 { kind == .badInput ? 2 : 1 }

    public var description: String { message }
}
