import KlaxonCore

/// Whether the journal store answers, as the responder's own reads and writes find it: an error that
/// says it could not be reached (`KlaxonError.isUnreachable`: a database down, a network cut) begins an
/// outage, said once as `storeUnreachable`; the next call it answers (a refusal is an answer too) ends
/// it, said once as `storeReachable`. No probe of its own: the responder's periodic reads are the
/// retries. Used on the responder's loop only.
final class StoreReachability {
    /// When the current outage began; nil while the store answers.
    private(set) var unreachableSince: Timestamp?
    private var said: [ResponderEvent] = []
    private let clock: @Sendable () -> Timestamp

    init(clock: @escaping @Sendable () -> Timestamp) { self.clock = clock }

    /// Whether the store is known not to answer now.
    var isUnreachable: Bool { unreachableSince != nil }

    /// What a call to the store ended with: nil when it answered.
    func note(_ error: KlaxonError?) {
        if let error, error.isUnreachable {
            guard unreachableSince == nil else { return }
            let now = clock()
            unreachableSince = now
            said.append(.storeUnreachable(since: now, reason: error.message))
        } else if let since = unreachableSince {
            unreachableSince = nil
            said.append(.storeReachable(unreachableSince: since))
        }
    }

    /// What changed since the last call, in order.
    func events() -> [ResponderEvent] {
        defer { said.removeAll() }
        return said
    }
}
