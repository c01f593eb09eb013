import KlaxonCore

/// `journals/.engine.lock`: only the process holding it sends pages. Whoever holds it writes who it is,
/// so other consoles can say who runs escalations. A store's named hold `engine` (`StoreHold`): the
/// holder's death frees it (the file store's is `flock`'s), and the next process to try takes over.
public final class EngineLock: Sendable {
    public static let fileName = ".engine.lock"
    private let hold: any StoreHold

    /// With `forRunning` false (a read-only console, a command that only asks) nothing is created: a
    /// missing lock file means nobody runs the engine.
    public convenience init(directory: String, forRunning: Bool = true) throws(KlaxonError) {
        try self.init(store: FileJournalStore(directory: directory), forRunning: forRunning)
    }

    /// The engine lock of `store`.
    public init(store: any JournalStore, forRunning: Bool = true) throws(KlaxonError) {
        hold = try store.hold("engine", creating: forRunning)
    }

    public var isHeld: Bool { hold.isHeld }

    /// Takes the lock if nobody holds it, and writes `holder` (one line) into it.
    public func tryAcquire(holder: String) -> Bool { hold.tryTake(holder: holder) }

    /// Who holds the lock, as it wrote itself down; nil when nobody does (or this process does).
    public func holder() -> String? { hold.holder() }
}
