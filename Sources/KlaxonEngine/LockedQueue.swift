import Synchronization

/// Items handed from one thread to another (a poller's reports, finished deliveries) for the
/// responder's loop to take.
final class LockedQueue<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])

    func push(_ item: Element) { items.withLock { $0.append(item) } }
    func drain() -> [Element] {
        items.withLock { items in
            defer { items.removeAll() }
            return items
        }
    }
    var isEmpty: Bool { items.withLock { $0.isEmpty } }
}
