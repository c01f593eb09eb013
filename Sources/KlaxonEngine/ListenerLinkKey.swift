import Synchronization

/// The id of the key the listening intake checks action links with, as the responder last read it from
/// the journal `alerts` (`AlertBook.listenerLinkKey`); the page transport reads it on its delivery threads
/// so that it never sends links the listener would refuse.
final class ListenerLinkKey: Sendable {
    private let id = Mutex<String?>(nil)

    func set(_ value: String?) { id.withLock { $0 = value } }
    func get() -> String? { id.withLock { $0 } }
}
