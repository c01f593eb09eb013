/// Where a workspace's journals live, as `journals:` in klaxon.yaml says: a directory of journal files
/// (the default, `journals`), or a PostgreSQL database named by a libpq connection URI.
public enum JournalLocation: Hashable, Sendable {
    /// A directory, relative to the workspace unless absolute.
    case directory(String)
    /// A `postgresql://` or `postgres://` URI, which never holds a password (the workspace refuses one).
    case postgres(uri: String)

    /// `text` as `journals:` means it: a URI when it starts with `postgresql://` or `postgres://`
    /// (libpq's spellings), else a directory.
    public init(_ text: String) {
        self =
            text.hasPrefix("postgresql://") || text.hasPrefix("postgres://") ? .postgres(uri: text) : .directory(text)
    }
}
