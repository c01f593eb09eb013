import Dispatch
import KlaxonCore
import KlaxonStore
import Synchronization

/// Tries the journal store once a second beside the responder's loop while it does not answer, on a
/// connection of its own, and says when it answers (a refusal is an answer too). A server behind a cut
/// network makes each try wait up to the connection's `connect_timeout` (10 s): on the loop, that
/// would freeze the keys, the clock and `q` for as long at every try.
final class StoreProbe: Sendable {
    private enum State { case idle, trying, answered, stopped }
    private let queue = DispatchQueue(label: "klaxon.store-probe")
    private let store: IncidentStore
    private let state = Mutex(State.idle)
    private let wake: @Sendable () -> Void

    init(store: IncidentStore, wake: @escaping @Sendable () -> Void) {
        self.store = store
        self.wake = wake
    }

    /// Starts trying, unless it is already.
    func start() {
        let starts = state.withLock { state in
            guard state == .idle else { return false }
            state = .trying
            return true
        }
        if starts { queue.async { self.tryOnce() } }
    }

    private func tryOnce() {
        guard state.withLock({ $0 == .trying }) else { return }
        do {
            _ = try store.ids()
        } catch  where error.isUnreachable {
            queue.asyncAfter(deadline: .now() + 1) { self.tryOnce() }
            return
        } catch {}
        state.withLock { if $0 == .trying { $0 = .answered } }
        wake()
    }

    /// Whether a try found the store answering since `start`; it is idle again then.
    func takeAnswer() -> Bool {
        state.withLock { state in
            guard state == .answered else { return false }
            state = .idle
            return true
        }
    }

    /// Stops trying (the responder stops).
    func stop() { state.withLock { $0 = .stopped } }
}
