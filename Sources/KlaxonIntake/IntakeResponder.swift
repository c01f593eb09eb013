import Foundation
import Hummingbird
import KlaxonCore

/// Answers the intake's requests (docs/intake.md, "Endpoints and answers"): authenticates, reads the body
/// within its limits, parses it, hands it to the journal writer and answers only once it is recorded. The
/// answers are what senders need to behave: Alertmanager retries only 5xx (and drops a 4xx for good), so
/// it is never answered a 4xx for the intake's own trouble; a PagerDuty client gets PagerDuty's answers.
struct IntakeResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let tokens: IntakeTokens
    let writer: AlertJournalWriter
    /// The names of the heartbeat checks (klaxon.yaml's checks of `type: heartbeat`): only those may be pinged.
    let heartbeatChecks: Set<String>
    let maxBodyBytes: Int
    /// The longest a request body may take to arrive, however steadily it trickles.
    let bodySeconds: Int
    let clock: @Sendable () -> Timestamp

    static let heartbeatPrefix = "/v1/heartbeat/"

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        switch path {
        case "/-/healthy":
            guard request.method == .get || request.method == .head else { return Self.notAllowed("GET, HEAD") }
            return Self.text(.ok, "OK")
        case "/-/ready":
            guard request.method == .get || request.method == .head else { return Self.notAllowed("GET, HEAD") }
            return await writer.isReady()
                ? Self.text(.ok, "OK") : Self.text(.serviceUnavailable, "the journal store does not answer")
        case "/v1/alertmanager":
            guard request.method == .post else { return Self.notAllowed("POST") }
            return await alertmanager(request)
        case "/v2/enqueue":
            guard request.method == .post else { return Self.notAllowed("POST") }
            return await pagerDuty(request)
        default:
            if path.hasPrefix(Self.heartbeatPrefix) {
                guard request.method == .post else { return Self.notAllowed("POST") }
                return await heartbeat(request, name: String(path.dropFirst(Self.heartbeatPrefix.count)))
            }
            return Self.text(
                .notFound,
                "no such endpoint; the intake has POST /v1/alertmanager, POST /v2/enqueue, POST /v1/heartbeat/NAME, GET /-/healthy and GET /-/ready"
            )
        }
    }

    // MARK: - Endpoints

    /// Alertmanager's webhook (version 4): 200 once recorded; 401, 413 or 400 (dropped by Alertmanager, as
    /// they must be: retrying cannot mend them); 503 for the intake's own trouble, which it retries.
    private func alertmanager(_ request: Request) async -> Response {
        guard let token = tokens.name(authorization: request.headers[.authorization]) else { return Self.unauthorized }
        let body: [UInt8]
        switch await read(request) {
        case .success(let bytes): body = bytes
        case .failure(let problem): return problem.response
        }
        let notification: AlertmanagerNotification
        do { notification = try AlertmanagerNotification.parse(body) } catch {
            return Self.text(.badRequest, "the notification is refused: " + error.problems.joined(separator: "\n"))
        }
        switch await writer.record(ReceivedAlerts(alertmanager: notification, token: token), bytes: body.count) {
        case .recorded: return Self.text(.ok, "recorded \(notification.alerts.count) alerts")
        case .busy: return Self.busy(.serviceUnavailable)
        case .failed: return Self.text(.serviceUnavailable, "the alerts could not be recorded; retry")
        }
    }

    /// PagerDuty's Events API v2: 202 with the dedup key once recorded; 400 with the errors for a bad
    /// event; 429 when too many wait for the writer; 5xx when it cannot be recorded.
    private func pagerDuty(_ request: Request) async -> Response {
        // A token in the header is checked before the body is read; else the routing key is the token.
        let header = request.headers[.authorization]
        var token = header.flatMap { tokens.name(authorization: $0) }
        if header != nil && token == nil { return Self.unauthorized }
        let body: [UInt8]
        switch await read(request) {
        case .success(let bytes): body = bytes
        case .failure(let problem): return problem.response
        }
        if token == nil {
            // Who sends is known before what is wrong with the event is said.
            guard case .object(let fields)? = try? JSONParser.parse(body),
                case .string(let key)? = fields["routing_key"], let name = tokens.name(of: key.utf8)
            else { return Self.unauthorized }
            token = name
        }
        let event: PagerDutyEvent
        do { event = try PagerDutyEvent.parse(body) } catch {
            return Self.json(
                .badRequest,
                [
                    "status": "invalid event", "message": "Event object is invalid",
                    "errors": .array(error.problems.map { .string($0) })
                ])
        }
        let dedupKey = event.dedupKey ?? Self.newDedupKey()
        let batch = ReceivedAlerts(pagerDuty: event, token: token!, dedupKey: dedupKey, receivedAt: clock())
        switch await writer.record(batch, bytes: body.count) {
        case .recorded:
            return Self.json(
                .accepted, ["status": "success", "message": "Event processed", "dedup_key": .string(dedupKey)])
        case .busy:
            var response = Self.json(
                .tooManyRequests, ["status": "throttle exceeded", "message": "Too many events are waiting; retry"])
            response.headers[.retryAfter] = "1"
            return response
        case .failed(let error):
            return Self.json(
                error.isUnreachable ? .serviceUnavailable : .internalServerError,
                ["status": "error", "message": "The event could not be recorded; retry"])
        }
    }

    /// A dead man's switch's ping: 200 once recorded (every responder judges the check from the recorded
    /// pings), 404 naming it when there is no heartbeat check of that name, 503 when it could not be
    /// recorded (Alertmanager retries it). Its body (Alertmanager's Watchdog sends a notification) is read
    /// and not kept.
    private func heartbeat(_ request: Request, name: String) async -> Response {
        guard let token = tokens.name(authorization: request.headers[.authorization]) else { return Self.unauthorized }
        if case .failure(let problem) = await read(request) { return problem.response }
        guard heartbeatChecks.contains(name) else {
            // The name is repeated only when a check could have it (letters, digits, `.`, `_`, `-`).
            let plain =
                (1...128).contains(name.utf8.count)
                && name.utf8.allSatisfy { byte in
                    (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                        || byte == 0x2E || byte == 0x5F || byte == 0x2D
                }
            return Self.text(
                .notFound,
                "there is no heartbeat check \(plain ? "\"\(name)\"" : "of that name") in klaxon.yaml; add one (type: heartbeat) or post to the name of one"
            )
        }
        switch await writer.record(HeartbeatPing(check: name, token: token, at: clock())) {
        case .recorded: return Self.text(.ok, "OK")
        case .busy: return Self.text(.serviceUnavailable, "the intake is busy; retry")
        case .failed: return Self.text(.serviceUnavailable, "the ping could not be recorded; retry")
        }
    }

    // MARK: - The body

    enum BodyProblem: Error {
        case tooLarge(Int)
        case tooSlow(Int)
        case broken

        var response: Response {
            switch self {
            case .tooLarge(let limit):
                IntakeResponder.text(
                    .contentTooLarge,
                    "the body is larger than the \(ByteSize.text(limit)) the intake takes (intake: max_body in klaxon.yaml)"
                )
            case .tooSlow(let seconds):
                IntakeResponder.text(.requestTimeout, "the body did not arrive within \(seconds) s")
            case .broken: IntakeResponder.text(.badRequest, "the body could not be read")
            }
        }
    }

    /// The whole body: refused when its announced length is over the limit (before reading any of it),
    /// when more than the limit arrives (a chunked body is counted as it comes), or when it takes longer
    /// than `bodySeconds` (a body that trickles forever; one that stops is closed by the idle timeout).
    private func read(_ request: Request) async -> Result<[UInt8], BodyProblem> {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxBodyBytes {
            return .failure(.tooLarge(maxBodyBytes))
        }
        let deadline = ContinuousClock.now.advanced(by: .seconds(bodySeconds))
        var bytes: [UInt8] = []
        do {
            for try await chunk in request.body {
                guard bytes.count + chunk.readableBytes <= maxBodyBytes else {
                    return .failure(.tooLarge(maxBodyBytes))
                }
                bytes += chunk.readableBytesView
                if ContinuousClock.now > deadline { return .failure(.tooSlow(bodySeconds)) }
            }
        } catch {
            return .failure(.broken)
        }
        return .success(bytes)
    }

    // MARK: - Answers

    static let unauthorized: Response = {
        var response = text(
            .unauthorized,
            "a token is needed: Authorization: Bearer SECRET, Basic auth with the secret as password, or (for /v2/enqueue) the routing_key; it is one of intake: tokens in klaxon.yaml"
        )
        response.headers[.wwwAuthenticate] = #"Bearer realm="klaxon intake", Basic realm="klaxon intake""#
        return response
    }()

    static func busy(_ status: HTTPResponse.Status) -> Response {
        var response = text(status, "too many requests are waiting to be recorded; retry")
        response.headers[.retryAfter] = "1"
        return response
    }

    static func notAllowed(_ allowed: String) -> Response {
        var response = text(.methodNotAllowed, "this endpoint takes \(allowed)")
        response.headers[.allow] = allowed
        return response
    }

    static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text + "\n")))
    }

    static func json(_ status: HTTPResponse.Status, _ fields: [String: JSONValue]) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: JSONValue.object(fields).canonicalJSON + "\n")))
    }

    /// 32 hex digits, random: the identity of a trigger that gave none (PagerDuty's own are as long).
    static func newDedupKey() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let hex = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }
}
