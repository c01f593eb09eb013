import FlyingFox
import Foundation
import KlaxonCore
import KlaxonEngine
import Synchronization

/// The simulated platform of a drill: an HTTP server on 127.0.0.1 (FlyingFox, on Swift concurrency's
/// threads, so the console's loop never waits for it). Every GET answers what the scenario says that
/// path answers now; POSTs to `/sink/ID` are the pages to person ID, kept for the console to show.
final class DrillPlatformServer: DrillPlatform {
    private struct State {
        var responses: [String: DrillResponse]
        var received: [DrillStatus.SinkPage] = []
        var task: Task<Void, Never>?
        /// `http://127.0.0.1:PORT`, once it listens.
        var address: String?
    }
    private let state: Mutex<State>
    private let server: HTTPServer
    /// `http://127.0.0.1:PORT`
    var address: String { state.withLock { $0.address } ?? "" }

    /// Starts serving `responses` on a free loopback port; returns once it listens.
    init(responses: [String: DrillResponse]) throws(KlaxonError) {
        state = Mutex(State(responses: responses))
        do {
            server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: 0), logger: .disabled)
        } catch {
            throw .failed("cannot make the drill's platform server: \(error)")
        }
        let started = DispatchSemaphore(value: 0)
        let server = self.server
        Task { [self] in
            await server.appendRoute("POST /sink/*") { [self] request in
                let body = (try? await request.bodyData) ?? Data()
                self.receivePage(user: String(request.path.dropFirst("/sink/".count)), body: body)
                return HTTPResponse(statusCode: .ok)
            }
            await server.appendRoute("GET /*") { [self] request in
                guard let response = self.response(for: request.path) else {
                    return HTTPResponse(statusCode: .notFound)
                }
                if response.latencyMilliseconds > 0 {
                    try? await Task.sleep(for: .milliseconds(response.latencyMilliseconds))
                }
                return HTTPResponse(
                    statusCode: HTTPStatusCode(response.status, phrase: "Drill"),
                    headers: [.contentType: response.contentType],
                    body: Data(response.body.utf8))
            }
            let task = Task { _ = try? await server.run() }
            state.withLock { $0.task = task }
            if (try? await server.waitUntilListening(timeout: 10)) != nil,
                case .ip4(_, let port)? = await server.listeningAddress
            {
                state.withLock { $0.address = "http://127.0.0.1:\(port)" }
            }
            started.signal()
        }
        started.wait()
        guard state.withLock({ $0.address }) != nil else {
            throw .failed("the drill's platform server did not start listening on 127.0.0.1")
        }
    }

    func stop() {
        state.withLock { $0.task }?.cancel()
    }

    /// Replaces what every path answers.
    func serve(_ responses: [String: DrillResponse]) { state.withLock { $0.responses = responses } }

    func response(for path: String) -> DrillResponse? { state.withLock { $0.responses[path] } }

    /// Every page received so far.
    var pages: [DrillStatus.SinkPage] { state.withLock { $0.received } }

    private func receivePage(user: String, body: Data) {
        let json = try? JSONParser.parse(String(decoding: body, as: UTF8.self))
        let incident = json?["incident"]
        let page = json?["page"]
        let step =
            "\(page?["policy"]?.stringValue ?? "?") step \(page?["step"]?.intValue ?? 0) of \(page?["steps"]?.intValue ?? 0)"
        let received = DrillStatus.SinkPage(
            at: Timestamp(Date()), user: user, incidentID: incident?["id"]?.stringValue ?? "?",
            title: incident?["title"]?.stringValue ?? "?", step: step)
        state.withLock { $0.received.append(received) }
    }
}
