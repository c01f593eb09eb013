import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A "remote host" for the tests: a network namespace joined to this one by a veth pair on a private
/// /30 (`hostAddress` here, `remoteAddress` there), so that a process run in it (`command(_:)`) reaches
/// a server here only through that link, and `cut()` makes the remote host vanish as a dead machine or a
/// pulled cable does: its packets stop, with no FIN and no RST. Needs root and `ip` (iproute2), as the
/// tests have here and in CI. Removed with its link when released.
public final class NetworkNamespace: Sendable {
    /// The namespace's name (`ip netns`).
    public let name: String
    /// This side's address on the link, where a server here must listen to be reached from there.
    public let hostAddress: String
    /// The namespace's address on the link.
    public let remoteAddress: String
    private let hostLink: String
    private let remoteLink: String

    /// Makes the namespace and its link, up. `index` (0–63) keeps two namespaces of one test apart.
    public init(index: Int = 0) throws {
        let tag = "\(getpid() % 100_000)\(index)"
        name = "klaxon-\(tag)"
        hostLink = "kh\(tag)"
        remoteLink = "kr\(tag)"
        let base = 4 * (index % 64)
        let subnet = "10.213.\(getpid() % 250)"
        hostAddress = "\(subnet).\(base + 1)"
        remoteAddress = "\(subnet).\(base + 2)"
        try Self.ip("netns", "add", name)
        do {
            try Self.ip("link", "add", hostLink, "type", "veth", "peer", "name", remoteLink)
            try Self.ip("link", "set", remoteLink, "netns", name)
            try Self.ip("addr", "add", "\(hostAddress)/30", "dev", hostLink)
            try Self.ip("link", "set", hostLink, "up")
            try Self.ip("netns", "exec", name, "ip", "addr", "add", "\(remoteAddress)/30", "dev", remoteLink)
            try Self.ip("netns", "exec", name, "ip", "link", "set", remoteLink, "up")
            try Self.ip("netns", "exec", name, "ip", "link", "set", "lo", "up")
        } catch {
            remove()
            throw error
        }
    }

    deinit { remove() }

    /// `argv` as it runs in the namespace (for `Process`): `/bin/ip netns exec NAME argv…`.
    public func command(_ argv: [String]) -> (executable: String, arguments: [String]) {
        ("/bin/ip", ["netns", "exec", name] + argv)
    }

    /// The remote host vanishes: its side of the link goes down, so nothing it sent or is sent reaches
    /// the other side, and neither side is told (no FIN, no RST).
    public func cut() throws {
        try Self.ip("netns", "exec", name, "ip", "link", "set", remoteLink, "down")
    }

    private func remove() {
        try? Self.ip("link", "del", hostLink)
        try? Self.ip("netns", "del", name)
    }

    /// Runs `ip` with `arguments`; throws with its standard error when it fails.
    private static func ip(_ arguments: String...) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/ip")
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw RealServerError("ip \(arguments.joined(separator: " ")) failed: \(text)")
        }
    }
}
