/// How one status update fared at a destination the comms engine tried, as the incident's journal last
/// says: what the review lists beside each update, so that one that never went out is not read as sent.
public struct UpdateOutcome: Hashable, Sendable {
    public enum Result: String, Sendable {
        case delivered, failed, unknown, sending
    }
    /// Its name in `comms: destinations`.
    public var destination: String
    public var result: Result
    /// What the last attempt's outcome said (`HTTP 500`), empty while being sent.
    public var detail: String
}

extension Incident {
    /// The outcome of `update` at each destination tried, in the order they were first tried (none when it
    /// was never sent: superseded before it went out, or no destination, or nothing sending).
    public func outcomes(of update: StatusUpdate) -> [UpdateOutcome] {
        var order: [String] = []
        var last: [String: UpdateOutcome] = [:]
        for event in commsEvents {
            let outcome: UpdateOutcome
            switch event.kind {
            case .attempt(update.sequence, let destination, _):
                outcome = UpdateOutcome(destination: destination, result: .sending, detail: "")
            case .result(update.sequence, let destination, _, let delivered, let detail):
                outcome = UpdateOutcome(
                    destination: destination,
                    result: delivered.map { $0 ? .delivered : .failed } ?? .unknown, detail: detail)
            default: continue
            }
            if last[outcome.destination] == nil { order.append(outcome.destination) }
            last[outcome.destination] = outcome
        }
        return order.compactMap { last[$0] }
    }
}
