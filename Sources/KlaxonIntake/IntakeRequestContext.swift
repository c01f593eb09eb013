import Hummingbird
import NIOCore

/// Hummingbird's request context with the client's address, which an action link's record names.
struct IntakeRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// `203.0.113.7` (an IPv4-mapped IPv6 address as IPv4), or `unknown`.
    var clientAddress: String {
        guard let address = remoteAddress?.ipAddress else { return "unknown" }
        return address.hasPrefix("::ffff:") && address.contains(".") ? String(address.dropFirst(7)) : address
    }
}
