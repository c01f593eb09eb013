import Foundation
import KlaxonCore

/// A page transport that sends nothing: it records every delivery it is given and answers each as
/// scripted for its person, delivered, failed with a reason, or held (the sending thread waits, as on
/// a slow receiver, until the test releases it). Unscripted deliveries are delivered.
///
/// An `NSCondition`, not a `Mutex`: a held delivery's thread waits on it until `release` signals, and a
/// `Mutex` has nothing to wait on.
public final class InMemoryPageTransport: PageTransport, @unchecked Sendable {
    /// How the transport answers one delivery.
    public enum Answer: Hashable, Sendable {
        case deliver(detail: String)
        case fail(reason: String)
        /// Holds the delivery in flight until `release` answers it.
        case hold

        public static let deliver = Answer.deliver(detail: "delivered")
    }

    /// One delivery the transport was given.
    public struct Delivery: Sendable {
        public var message: PageMessage
        /// The time the runner's clock said when it sent.
        public var at: Timestamp
        /// What it was answered; nil while held.
        public var outcome: PageOutcome?

        public var attempt: DeliveryAttempt { message.attempt }
        public var user: String { message.attempt.user }
    }

    private let condition = NSCondition()
    private var scripts: [String: [Answer]] = [:]
    private var log: [Delivery] = []
    /// The answers given to held deliveries, by their index in `log`.
    private var releases: [Int: PageOutcome] = [:]

    public init() {}

    /// Answers the next deliveries to `user` with `answers`, in order; after them, delivered.
    public func script(_ user: String, _ answers: Answer...) {
        condition.withLock { scripts[user, default: []] += answers }
    }

    /// Every delivery so far, in the order they reached the transport.
    public var deliveries: [Delivery] { condition.withLock { log } }

    /// The deliveries held and not yet released.
    public var held: [Delivery] { condition.withLock { log.filter { $0.outcome == nil } } }

    public func deliver(_ message: PageMessage, now: Timestamp) -> PageOutcome {
        condition.lock()
        defer { condition.unlock() }
        let answer =
            scripts[message.attempt.user]?.isEmpty == false ? scripts[message.attempt.user]!.removeFirst() : .deliver
        let index = log.count
        log.append(Delivery(message: message, at: now, outcome: nil))
        let outcome: PageOutcome
        switch answer {
        case .deliver(let detail): outcome = .delivered(detail: detail)
        case .fail(let reason): outcome = .failed(reason: reason)
        case .hold:
            condition.broadcast()
            while releases[index] == nil { condition.wait() }
            outcome = releases[index]!
        }
        log[index].outcome = outcome
        condition.broadcast()
        return outcome
    }

    /// Answers every held delivery (to `user`, when given) with `outcome`; returns how many it released.
    @discardableResult
    public func release(_ user: String? = nil, with outcome: PageOutcome = .delivered(detail: "delivered")) -> Int {
        condition.withLock {
            let indices = log.indices.filter {
                log[$0].outcome == nil && releases[$0] == nil && (user == nil || log[$0].user == user)
            }
            for index in indices { releases[index] = outcome }
            condition.broadcast()
            return indices.count
        }
    }

    /// Waits until `count` deliveries have reached the transport (held ones included). Returns false
    /// if they have not after `limit` seconds of real time: a broken runner fails the test instead of
    /// hanging it (the limit bounds the wait; nothing is measured).
    public func waitUntilDelivered(_ count: Int, limit: Double = 20) -> Bool {
        let deadline = Date().addingTimeInterval(limit)
        return condition.withLock {
            while log.count < count {
                if !condition.wait(until: deadline) { return log.count >= count }
            }
            return true
        }
    }
}
