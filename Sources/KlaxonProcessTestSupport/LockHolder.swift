import Foundation

/// A process holding the exclusive `flock` of `path` for `seconds`, as a stuck writer would: the lock
/// holder is the process itself (a `flock(1)` would leave its child holding the lock when stopped).
public func startLockHolder(of path: String, seconds: Int = 60) throws -> Process {
    let holder = Process()
    holder.executableURL = URL(fileURLWithPath: "/bin/sh")
    holder.arguments = ["-c", "exec 9>>\"$0\"; flock -x 9; exec sleep \(seconds)", path]
    try holder.run()
    return holder
}
