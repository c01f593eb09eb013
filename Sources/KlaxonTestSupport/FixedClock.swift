import Foundation
import KlaxonCore
import Synchronization

/// A clock that stands still until moved.
public final class FixedClock: Sendable {
    /// nil: the wall clock.
    private let current: Mutex<Timestamp?>

    public init(_ start: Timestamp) { current = Mutex(start) }

    public convenience init(_ rfc3339: String) { self.init(Timestamp.parseRFC3339(rfc3339)!) }

    private init() { current = Mutex(nil) }

    /// A clock that reads the wall clock, for a command that waits for time to pass (a check polled
    /// again until a change is confirmed); `advance` does nothing to it.
    public static func wall() -> FixedClock { FixedClock() }

    public var now: Timestamp { current.withLock { $0 } ?? Timestamp(Date()) }

    public func advance(seconds: Int64) { current.withLock { $0 = $0?.adding(seconds: seconds) } }
}
