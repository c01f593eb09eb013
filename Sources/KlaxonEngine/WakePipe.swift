import KlaxonCore

#if canImport(Glibc)
    import Glibc
#endif

/// A pipe that wakes a loop waiting in `poll`: any thread (a poller's, a delivery's, a signal
/// handler's) writes a byte; the loop polls `readEnd` and drains it.
public final class WakePipe: Sendable {
    /// Poll this for readability.
    public let readEnd: Int32
    /// Write a byte here to wake the loop (safe in a signal handler).
    public let writeEnd: Int32

    public init() throws(KlaxonError) {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw .failed("cannot create a pipe: \(String(cString: strerror(errno)))") }
        _ = fcntl(ends[0], F_SETFL, O_NONBLOCK)
        _ = fcntl(ends[1], F_SETFL, O_NONBLOCK)
        readEnd = ends[0]
        writeEnd = ends[1]
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }

    /// Wakes the loop (a full pipe is awake already).
    public func wake() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// Empties the pipe, without blocking.
    func drain() {
        var bytes = [UInt8](repeating: 0, count: 64)
        while read(readEnd, &bytes, bytes.count) > 0 {}
    }
}
