import Foundation

/// Runs blocking work (libcurl, a command that polls) on a Dispatch thread and awaits it: on the
/// 2-thread cooperative pool it would starve a loopback server running there.
public func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}
