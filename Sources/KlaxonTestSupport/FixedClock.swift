import Foundation
import KlaxonCore

/// A clock that stands still until moved.
public final class FixedClock: @unchecked Sendable {
    private let lock = NSLock()
    /// nil: the wall clock.
    private var current: Timestamp?

    public init(_ start: Timestamp) { current = start }

    public convenience init(_ rfc3339: String) { self.init(Timestamp.parseRFC3339(rfc3339)!) }

    private init() { current = nil }

    /// A clock that reads the wall clock, for a command that waits for time to pass (a check polled
    /// again until a change is confirmed); `advance` does nothing to it.
    public static func wall() -> FixedClock { FixedClock() }

    public var now: Timestamp { lock.withLock { current } ?? Timestamp(Date()) }

    public func advance(seconds: Int64) { lock.withLock { current = current?.adding(seconds: seconds) } }
}
