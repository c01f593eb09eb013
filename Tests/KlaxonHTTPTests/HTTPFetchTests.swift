import FlyingFox
import Foundation
import KlaxonHTTP
import KlaxonTestSupport
import Testing


struct HTTPFetchTests {
    /// Starts a FlyingFox server on 127.0.0.1 at a free port, runs `body` with its base URL, stops it.
    static func withLoopbackServer(_ configure: (HTTPServer) async -> Void, _ body: @Sendable (String) async throws -> Void) async throws {
        let server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: 0), logger: .disabled)
        await configure(server)
        let task = Task { try await server.start() }
        defer { task.cancel() }
        try await server.waitUntilListening()
        guard case .ip4(_, let port)? = await server.listeningAddress else {
            Issue.record("server has no IPv4 address")
            return
        }
        try await body("http://127.0.0.1:\(port)")
        await server.stop()
    }

    @Test func fetchesABodyFromALoopbackServer() async throws {
        try await Self.withLoopbackServer({ server in
            await server.appendRoute("GET /healthz") { _ in
                HTTPResponse(statusCode: .ok, body: Data(#"{"status":"UP"}"#.utf8))
            }
            await server.appendRoute("GET /broken") { _ in HTTPResponse(statusCode: .internalServerError) }
        }) { base in
            let ok = try await blocking { try HTTPFetch.get(base + "/healthz") }
            #expect(ok.status == 200)
            #expect(String(decoding: ok.body, as: UTF8.self) == #"{"status":"UP"}"#)
            #expect(ok.totalSeconds >= 0)
            let broken = try await blocking { try HTTPFetch.get(base + "/broken") }
            #expect(broken.status == 500)
        }
    }

    @Test func aRefusedConnectionIsAClearError() throws {
        // Port 1 on loopback: nothing listens there.
        #expect(throws: (any Error).self) { _ = try HTTPFetch.get("http://127.0.0.1:1/", timeoutSeconds: 5) }
    }

    @Test func aBodyOverTheLimitIsRefused() async throws {
        try await Self.withLoopbackServer({ server in
            await server.appendRoute("GET /big") { _ in HTTPResponse(statusCode: .ok, body: Data(count: 200_000)) }
        }) { base in
            await #expect(throws: (any Error).self) {
                _ = try await blocking { try HTTPFetch.get(base + "/big", maximumBytes: 100_000) }
            }
            let whole = try await blocking { try HTTPFetch.get(base + "/big", maximumBytes: 300_000) }
            #expect(whole.body.count == 200_000)
        }
    }
}
