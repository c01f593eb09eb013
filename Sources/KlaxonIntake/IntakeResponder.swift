import Foundation
import HTTPTypes
import Hummingbird
import KlaxonCore

/// Answers the intake's requests (docs/intake.md, "Endpoints and answers"): authenticates, reads the body
/// within its limits, parses it, hands it to the journal writer and answers only once it is recorded. The
/// answers are what senders need to behave: Alertmanager retries only 5xx (and drops a 4xx for good), so
/// it is never answered a 4xx for the intake's own trouble; a PagerDuty client gets PagerDuty's answers.
struct IntakeResponder: HTTPResponder {
    typealias Context = IntakeRequestContext

    let tokens: IntakeTokens
    let writer: AlertJournalWriter
    /// The names of the heartbeat checks (klaxon.yaml's checks of `type: heartbeat`): only those may be pinged.
    let heartbeatChecks: Set<String>
    let maxBodyBytes: Int
    /// The longest a request body may take to arrive, however steadily it trickles.
    let bodySeconds: Int
    let clock: @Sendable () -> Timestamp
    /// Answers action links; nil when `intake.public_url` is not set (their paths are then unknown).
    let links: ActionLinkDesk?
    /// Serves the public status page at `/status`; nil when this listener has none.
    let statusPage: StatusPageDesk?

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
            guard request.method == .post else { return Self.notAllowed("POST", pagerDuty: true) }
            return await pagerDuty(request)
        case "/status", "/status/", "/status/index.html", "/status/summary.json", "/status/api/v2/summary.json":
            guard let statusPage else { break }
            guard request.method == .get || request.method == .head else { return Self.notAllowed("GET, HEAD") }
            let response = Self.statusPage(await statusPage.rendered(), json: path.hasSuffix(".json"))
            return request.method == .head ? Self.headOnly(response) : response
        default:
            if let links, path.hasPrefix(ActionLink.pathPrefix) {
                return await actionLink(request, context: context, desk: links)
            }
            if path.hasPrefix(Self.heartbeatPrefix) {
                guard request.method == .post else { return Self.notAllowed("POST") }
                return await heartbeat(request, name: String(path.dropFirst(Self.heartbeatPrefix.count)))
            }
        }
        return Self.text(
            .notFound,
            "no such endpoint; the intake has POST /v1/alertmanager, POST /v2/enqueue, POST /v1/heartbeat/NAME, GET /-/healthy and GET /-/ready"
                + (statusPage == nil ? "" : ", and the status page at GET /status"))
    }

    // MARK: - Endpoints

    /// Alertmanager's webhook (version 4): 200 once recorded; 401, 413 or 400 (dropped by Alertmanager, as
    /// they must be: retrying cannot mend them); 503 for the intake's own trouble, which it retries.
    private func alertmanager(_ request: Request) async -> Response {
        let presented = tokens.presented(authorization: request.headers[.authorization])
        guard let token = presented.name else { return Refusal.unauthorized(presented).response(pagerDuty: false) }
        let body: [UInt8]
        switch await read(request) {
        case .success(let bytes): body = bytes
        case .failure(let problem): return problem.refusal.response(pagerDuty: false)
        }
        let notification: AlertmanagerNotification
        do { notification = try AlertmanagerNotification.parse(body) } catch {
            return Self.text(.badRequest, "the notification is refused: " + error.problems.joined(separator: "\n"))
        }
        switch await writer.record(ReceivedAlerts(alertmanager: notification, token: token), bytes: body.count) {
        case .recorded: return Self.text(.ok, "recorded \(notification.alerts.count) alerts")
        case .busy: return Refusal.busy(.serviceUnavailable).response(pagerDuty: false)
        case .failed: return Self.text(.serviceUnavailable, "the alerts could not be recorded; retry")
        }
    }

    /// PagerDuty's Events API v2: 202 with the dedup key once recorded; 400 with the errors for a bad
    /// event; 429 when too many wait for the writer; 5xx when it cannot be recorded. Every answer is a
    /// JSON object, as PagerDuty's are: `status`, `message` and, for a refusal, `errors`.
    private func pagerDuty(_ request: Request) async -> Response {
        // A token in the header is checked before the body is read; else the routing key is the token.
        let header = request.headers[.authorization]
        var presented = tokens.presented(authorization: header)
        if presented == .unknown { return Refusal.unauthorized(presented).response(pagerDuty: true) }
        let body: [UInt8]
        switch await read(request) {
        case .success(let bytes): body = bytes
        case .failure(let problem): return problem.refusal.response(pagerDuty: true)
        }
        if presented == .nothing {
            // Who sends is known before what is wrong with the event is said.
            if case .object(let fields)? = try? JSONParser.parse(body), case .string(let key)? = fields["routing_key"] {
                presented = tokens.name(of: key.utf8).map { .token($0) } ?? .unknown
            }
        }
        guard let token = presented.name else { return Refusal.unauthorized(presented).response(pagerDuty: true) }
        let event: PagerDutyEvent
        do { event = try PagerDutyEvent.parse(body) } catch {
            return Refusal(.badRequest, "invalid event", "Event object is invalid", error.problems).response(
                pagerDuty: true)
        }
        let dedupKey = event.dedupKey ?? Self.newDedupKey()
        let batch = ReceivedAlerts(pagerDuty: event, token: token, dedupKey: dedupKey, receivedAt: clock())
        switch await writer.record(batch, bytes: body.count) {
        case .recorded:
            return Self.json(
                .accepted, ["status": "success", "message": "Event processed", "dedup_key": .string(dedupKey)])
        case .busy: return Refusal.busy(.tooManyRequests).response(pagerDuty: true)
        case .failed(let error): return Refusal.notRecorded(error).response(pagerDuty: true)
        }
    }

    /// A dead man's switch's ping: 200 once recorded (every responder judges the check from the recorded
    /// pings), 404 naming it when there is no heartbeat check of that name, 503 when it could not be
    /// recorded (Alertmanager retries it). Its body (Alertmanager's Watchdog sends a notification) is read
    /// and not kept.
    private func heartbeat(_ request: Request, name: String) async -> Response {
        let presented = tokens.presented(authorization: request.headers[.authorization])
        guard let token = presented.name else { return Refusal.unauthorized(presented).response(pagerDuty: false) }
        if case .failure(let problem) = await read(request) { return problem.refusal.response(pagerDuty: false) }
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

    /// An action link: GET or HEAD shows, POST acts (docs/action-links.md). No token is asked for: the link
    /// is its own credential. A POST's body (the form's, empty) is read within the limits and not kept.
    private func actionLink(_ request: Request, context: Context, desk: ActionLinkDesk) async -> Response {
        let post = request.method == .post
        guard post || request.method == .get || request.method == .head else {
            return Self.page(
                ActionLinkDesk.Answer(
                    status: 405,
                    page: ActionLinkPage(heading: "Not a way to use this link", message: "Open it in a browser."),
                    allow: "GET, HEAD, POST"))
        }
        if post, case .failure = await read(request) {
            return Self.page(
                ActionLinkDesk.Answer(
                    status: 400,
                    page: ActionLinkPage(heading: "This request was not read", message: "Press the button again.")))
        }
        let token = String(request.uri.path.dropFirst(ActionLink.pathPrefix.count))
        let forwarded = request.headers[HTTPField.Name("X-Forwarded-For")!].map {
            TerminalText.printable(String($0.prefix(200)))
        }
        let answer = await desk.answer(
            token: token, post: post, client: context.clientAddress, forwardedFor: forwarded)
        let response = Self.page(answer)
        return request.method == .head ? Self.headOnly(response) : response
    }

    /// `response` as the answer to HEAD: no body, and the length the GET's body has (RFC 9110, 9.3.2: a
    /// Content-Length of 0 would be false; Hummingbird sets it from the body, so it is set again after).
    static func headOnly(_ response: Response) -> Response {
        var head = response
        let length = response.body.contentLength
        head.body = ResponseBody()
        head.headers[.contentLength] = length.map(String.init)
        return head
    }

    // MARK: - The body

    enum BodyProblem: Error {
        case tooLarge(Int)
        case tooSlow(Int)
        case broken

        var refusal: Refusal {
            switch self {
            case .tooLarge(let limit):
                Refusal(
                    .contentTooLarge, "invalid event", "Event object is too large",
                    [
                        "the body is larger than the \(ByteSize.text(limit)) the intake takes (intake: max_body in klaxon.yaml)"
                    ])
            case .tooSlow(let seconds):
                Refusal(
                    .requestTimeout, "invalid event", "Event object did not arrive in time",
                    ["the body did not arrive within \(seconds) s"])
            case .broken:
                Refusal(.badRequest, "invalid event", "Event object is invalid", ["the body could not be read"])
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

    /// A refusal: plain text for Alertmanager and the rest (its `errors`, one a line); on `/v2/enqueue`
    /// PagerDuty's error object, `{"status":…,"message":…,"errors":[…]}`, as its 400 is documented, so
    /// that a PagerDuty client reads every answer alike.
    struct Refusal {
        var code: HTTPResponse.Status
        /// PagerDuty's `status` (`invalid event`, `throttle exceeded`, …) and `message`.
        var status: String
        var message: String
        /// What is wrong, each naming what to do or where.
        var errors: [String]
        var headers: HTTPFields = [:]

        init(_ code: HTTPResponse.Status, _ status: String, _ message: String, _ errors: [String]) {
            self.code = code
            self.status = status
            self.message = message
            self.errors = errors
        }

        func response(pagerDuty: Bool) -> Response {
            var response =
                pagerDuty
                ? IntakeResponder.json(
                    code,
                    [
                        "status": .string(status), "message": .string(message),
                        "errors": .array(errors.map { .string($0) })
                    ])
                : IntakeResponder.text(code, errors.joined(separator: "\n"))
            for field in headers { response.headers.append(field) }
            return response
        }

        /// 401 for no token, or one this intake does not know: said apart, so that a sender with a
        /// wrong secret is not told to add one; never the secret given, nor which tokens there are.
        static func unauthorized(_ presented: IntakeTokens.Presented) -> Refusal {
            var refusal =
                presented == .nothing
                ? Refusal(
                    .unauthorized, "unauthorized", "A token is needed",
                    [
                        "a token is needed: Authorization: Bearer SECRET, Basic auth with the secret as password, or (for /v2/enqueue) the routing_key; it is one of intake: tokens in klaxon.yaml"
                    ])
                : Refusal(
                    .unauthorized, "unauthorized", "The token is not one of this intake's",
                    [
                        "the token given is not one of this intake's: give the sender the secret of one of intake: tokens in klaxon.yaml (Authorization: Bearer SECRET, Basic auth with it as password, or the routing_key for /v2/enqueue); klaxon watch reads the secrets when it starts"
                    ])
            refusal.headers[.wwwAuthenticate] = #"Bearer realm="klaxon intake", Basic realm="klaxon intake""#
            return refusal
        }

        /// 429 (PagerDuty) or 503 (Alertmanager retries only those) when `AlertJournalWriter.maximumWaiting`
        /// requests already wait to be recorded.
        static func busy(_ code: HTTPResponse.Status) -> Refusal {
            var refusal = Refusal(
                code, "throttle exceeded", "Too many events are waiting; retry",
                ["too many requests are waiting to be recorded; retry"])
            refusal.headers[.retryAfter] = "1"
            return refusal
        }

        /// 503 when the store did not answer, else 500: the write failed, nothing was recorded, and a
        /// retry may succeed. What failed is said on klaxon watch's standard error, not to the sender.
        static func notRecorded(_ error: KlaxonError) -> Refusal {
            Refusal(
                error.isUnreachable ? .serviceUnavailable : .internalServerError, "error",
                "The event could not be recorded; retry", ["the event could not be recorded; retry"])
        }
    }

    static func notAllowed(_ allowed: String, pagerDuty: Bool = false) -> Response {
        var refusal = Refusal(
            .methodNotAllowed, "invalid request", "Method not allowed", ["this endpoint takes \(allowed)"])
        refusal.headers[.allow] = allowed
        return refusal.response(pagerDuty: pagerDuty)
    }

    /// An action link's page, with the headers that forbid framing, caching, referrers and anything but
    /// its own style.
    static func page(_ answer: ActionLinkDesk.Answer) -> Response {
        var headers = HTTPFields()
        for (name, value) in ActionLinkPage.headers {
            if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
        }
        if let allow = answer.allow { headers[.allow] = allow }
        return Response(
            status: HTTPResponse.Status(code: answer.status), headers: headers,
            body: .init(byteBuffer: ByteBuffer(string: answer.page.html)))
    }

    /// The status page, or its summary (Atlassian's shape), with the page's headers: its policy, no
    /// framing, a cache of a few seconds; the summary may be read by a page of another origin.
    static func statusPage(_ rendered: StatusPageDesk.Rendered, json: Bool) -> Response {
        var headers = HTTPFields()
        if json {
            headers[.contentType] = "application/json"
            headers[.cacheControl] = "public, max-age=\(StatusPageDesk.cacheSeconds)"
            headers[.accessControlAllowOrigin] = "*"
            headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        } else {
            for (name, value) in StatusPage.htmlHeaders {
                if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
            }
        }
        return Response(
            status: .ok, headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: json ? rendered.json : rendered.html)))
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
