import Synchronization

/// Items handed from one thread to another (a poller's reports, finished deliveries, a console's
/// work done beside its loop) for a loop to take.
public final class LockedQueue<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])

    public init() {}

    /// Adds `item` at the end.
    public func push(_ item: Element) { items.withLock { $0.append(item) } }
    /// Takes every item, in order.
    public func drain() -> [Element] {
        items.withLock { items in
            defer { items.removeAll() }
            return items
        }
    }
    public var isEmpty: Bool { items.withLock { $0.isEmpty } }
}
