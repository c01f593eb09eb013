import FlyingFox
import Foundation

/// A FlyingFox server on 127.0.0.1 (a free port) with the routes `setUp` adds, listening when this
/// returns. Stop it with `stop()`; the task ends with it.
struct LoopbackServer {
    let server: HTTPServer
    let port: Int
    let task: Task<Void, Error>

    init(_ setUp: (HTTPServer) async -> Void) async throws {
        server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: 0), logger: .disabled)
        await setUp(server)
        let server = self.server
        task = Task { try await server.start() }
        try await server.waitUntilListening()
        guard case .ip4(_, let port)? = await server.listeningAddress else { throw URLError(.cannotConnectToHost) }
        self.port = Int(port)
    }

    func stop() async {
        await server.stop()
        task.cancel()
    }
}

/// Records a POST (path, lower-cased headers, body) in `received`.
func record(_ request: HTTPRequest, in received: Received) async throws {
    var headers: [String: String] = [:]
    for (name, value) in request.headers { headers[name.rawValue.lowercased()] = value }
    received.add(.init(path: request.path, headers: headers, body: String(decoding: try await request.bodyData, as: UTF8.self), at: Date()))
}
