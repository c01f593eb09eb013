import KlaxonCore

#if canImport(Glibc)
    import Glibc
#endif

/// Who writes a record: the person acting, this host and this process.
public struct WriterIdentity: Sendable {
    public var actor: String
    public var host: String
    public var pid: Int

    public init(actor: String, host: String, pid: Int) {
        self.actor = actor
        self.host = host
        self.pid = pid
    }

    /// Who holds a hold (the engine, the recorder), as others are told: "klaxon watch of ops on build-7,
    /// pid 4242, since 2026-12-06T03:12:04.000Z".
    public func holder(role: String, since: Timestamp) -> String {
        "\(role) of \(actor) on \(host), pid \(pid), since \(since.rfc3339)"
    }

    /// The acting person with this machine's host name and process id.
    public static func current(actor: String) -> WriterIdentity {
        WriterIdentity(actor: actor, host: SystemCall.hostName(), pid: Int(getpid()))
    }
}
