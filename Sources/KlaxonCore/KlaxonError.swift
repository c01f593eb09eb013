/// An error meant for a person: one line saying what is wrong, where, and what to do.
public struct KlaxonError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// Bad usage or input: exit status 2.
        case badInput
        /// The operation or the checked thing failed (a damaged journal, a full disk): exit status 1.
        case failed
    }
    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public static func badInput(_ message: String) -> KlaxonError { KlaxonError(.badInput, message) }
    public static func failed(_ message: String) -> KlaxonError { KlaxonError(.failed, message) }

    /// The process exit status for this error.
    public var exitStatus: Int32 { kind == .badInput ? 2 : 1 }

    public var description: String { message }
}
