/// How long a writer waits for a journal's exclusive lock, and whom it tells while it waits.
///
/// A lock holder that is stuck (a stopped process, `flock -x FILE sleep 600`) must never hang a
/// responder silently: after `noticeAfter` seconds the writer says who holds the lock (where this host's
/// `/proc/locks` says), and after `limit` seconds it gives up with an error; nothing is written.
public struct LockWait: Sendable {
    /// Seconds to wait at most; 0 tries once without waiting.
    public var limit: Double
    /// Seconds after which `notice` is told the journal is locked, and by whom.
    public var noticeAfter: Double
    /// Told once per wait that lasts longer than `noticeAfter` (on the waiting thread).
    public var notice: (@Sendable (String) -> Void)?

    public init(limit: Double = 10, noticeAfter: Double = 1, notice: (@Sendable (String) -> Void)? = nil) {
        self.limit = limit
        self.noticeAfter = noticeAfter
        self.notice = notice
    }

    /// Ten seconds, telling nobody.
    public static let standard = LockWait()
    /// A quarter of a second: for the machine's writes from a loop that must not stall (the escalation
    /// engine, the status recorder). Long enough for another writer's append to finish; a stuck holder
    /// costs the loop this much per write, which is tried again on its next pass.
    public static let brief = LockWait(limit: 0.25)
}
