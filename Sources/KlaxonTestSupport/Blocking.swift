import Foundation

/// Runs blocking work (libcurl, a command that polls) on a Dispatch thread and awaits it: on the
/// 2-thread cooperative pool it would starve a loopback server running there.
public func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}

/// Waits up to 60 s (real time, checking every 100 ms) for `done`; whether it came. For what another
/// process does: a page received, a line logged.
public func until(_ done: () throws -> Bool) async throws -> Bool {
    for _ in 0..<600 {
        if try done() { return true }
        try await Task.sleep(for: .milliseconds(100))
    }
    return false
}
