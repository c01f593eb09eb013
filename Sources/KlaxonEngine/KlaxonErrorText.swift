/// An error message as a value (for `Result`).
public struct KlaxonErrorText: Error, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
