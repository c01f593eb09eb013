/// Where a secret is kept: `env:NAME` (a variable of the process that pages) or `file:PATH`. Config
/// files, journals, logs and the screen only ever hold the reference; the paging process reads the
/// secret at the moment it sends.
public enum SecretReference: Hashable, Sendable, CustomStringConvertible {
    case environment(String)
    case file(String)

    /// Nil when `text` is not a reference.
    public init?(_ text: String) {
        if text.hasPrefix("env:"), text.count > 4 {
            self = .environment(String(text.dropFirst(4)))
        } else if text.hasPrefix("file:"), text.count > 5 {
            self = .file(String(text.dropFirst(5)))
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .environment(let name): "env:\(name)"
        case .file(let path): "file:\(path)"
        }
    }
}

extension SecretReference {
    /// A reference as a config file uses it: what it is for, where it is written, and which process
    /// reads it, so `config validate` can say which secret that process lacks.
    public struct Use: Hashable, Sendable {
        /// Which process reads the secret: the one that sends pages (contacts, channels), the one
        /// that polls the checks (a check's credentials), or `klaxon watch` starting its intake (a token).
        public enum Reader: Hashable, Sendable {
            case pager, poller, intake
            /// The process that sends the pages sends the status updates too (`comms: destinations`).
            case comms
        }

        public var reference: SecretReference
        /// `dave's webhook url`, `channels: webhook: secret`, `check registry: bearer_token`.
        public var purpose: String
        /// `file:line:column`.
        public var place: String
        public var reader: Reader

        public init(reference: SecretReference, purpose: String, place: String, reader: Reader = .pager) {
            self.reference = reference
            self.purpose = purpose
            self.place = place
            self.reader = reader
        }
    }
}
