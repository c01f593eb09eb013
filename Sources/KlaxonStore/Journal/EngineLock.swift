import KlaxonCore

/// The store's named hold `engine` (`StoreHold`): only the process holding it sends pages. Whoever holds
/// it writes who it is, so other consoles can say who runs escalations. The holder's death frees it, and
/// the next process to try takes over: for journal files `journals/.engine.lock` (`flock`), for a
/// database a session advisory lock on a connection of its own (`PostgresHold`), which the holder also
/// loses with that connection (`isHeld` then says so before the next page).
public final class EngineLock: Sendable {
    public static let fileName = ".engine.lock"
    /// The store's hold itself: what the engine's appends prove (`StoredJournal.append(wait:proving:_:)`).
    public let hold: any StoreHold

    /// The engine lock of `store`. With `forRunning` false (a read-only console, a command that only
    /// asks) nothing is created: a missing lock file means nobody runs the engine.
    public init(store: any JournalStore, forRunning: Bool = true) throws(KlaxonError) {
        hold = try store.hold("engine", creating: forRunning)
    }

    /// Whether this process holds it, as last found (asks nothing).
    public var isHeld: Bool { hold.isHeld }

    /// Whether this process holds it, asked of the store where it can be lost unseen (a database's
    /// session ended); once per engine pass.
    public func checkHeld() -> Bool { hold.checkHeld() }

    /// Takes the lock if nobody holds it, and writes `holder` (one line) into it.
    public func tryAcquire(holder: String) -> Bool { hold.tryTake(holder: holder) }

    /// Who holds the lock, as it wrote itself down; nil when nobody does (or this process does).
    public func holder() -> String? { hold.holder() }
}
