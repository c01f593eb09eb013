internal import CCurl
import Foundation
import KlaxonCore

/// One request of a round of probes.
public struct ProbeRequest: Sendable {
    public var url: String
    public var timeoutSeconds: Int
    public var verifyTLS: Bool
    /// Where redirects are followed (`RedirectRule`).
    public var followRedirects: CheckDefinition.FollowRedirects
    /// Redirects followed before giving up (a loop ends here).
    public var maximumRedirects: Int
    /// Bodies are cut here; the rest of a longer one is not read.
    public var maximumBytes: Int
    /// Header lines to send (`CheckCredentials.lines`); the credentials among them go only to the URL's own origin.
    public var headers: [CheckCredentials.Line] = []
    /// Why the request cannot be made (a secret that cannot be read): its response's error; nothing is sent.
    public var problem: String?
    /// A PEM file of the CAs trusted for this request instead of the system's (`ca_file:`).
    public var caFile: String?

    public init(
        url: String, timeoutSeconds: Int = 10, verifyTLS: Bool = true,
        followRedirects: CheckDefinition.FollowRedirects = .sameHost,
        maximumRedirects: Int = 5, maximumBytes: Int = 1 << 20
    ) {
        self.url = url
        self.timeoutSeconds = timeoutSeconds
        self.verifyTLS = verifyTLS
        self.followRedirects = followRedirects
        self.maximumRedirects = maximumRedirects
        self.maximumBytes = maximumBytes
    }

    /// The requests a poll of `check` makes (`CheckEvaluation.requestURLs`, most kinds one): its kind's
    /// URLs, timeout, TLS and CA, redirects and body limit, and its credentials, their secrets read
    /// through `resolve` now (a secret may change between polls).
    public static func poll(_ check: CheckDefinition, resolve: (SecretReference) throws(KlaxonError) -> String)
        -> [ProbeRequest]
    {
        var headers: [CheckCredentials.Line] = []
        var problem: String?
        do {
            headers = try check.credentials.lines(resolve: resolve, tokenScheme: check.kind.tokenScheme)
        } catch { problem = error.message }
        // Said in Klaxon's words, before libcurl says "error setting certificate file".
        if problem == nil, let caFile = check.caFile, check.url.hasPrefix("https://"),
            let unusable = CheckCredentials.caFileProblem(caFile, readingContents: false)
        {
            problem = unusable + "; fix ca_file: in klaxon.yaml"
        }
        return CheckEvaluation.requestURLs(check).map { url in
            var request = ProbeRequest(
                url: url, timeoutSeconds: Int(check.timeoutSeconds), verifyTLS: check.verifyTLS,
                followRedirects: check.followRedirects, maximumBytes: check.bodyLimit)
            request.caFile = check.caFile
            request.headers = headers
            request.problem = problem
            return request
        }
    }
}

/// Runs many HTTP GETs at once on one thread with libcurl's multi interface: connections are reused,
/// each transfer has its own timeout, and a slow endpoint delays nobody else.
public enum HTTPProber {
    static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// Probes every request, at most `parallel` at a time; the responses come back in request order.
    public static func round(_ requests: [ProbeRequest], parallel: Int = 64) -> [ProbeResponse] {
        guard let session = ProbeSession(maximumConnections: parallel) else {
            return requests.map { _ in ProbeResponse(error: "libcurl could not create a multi handle") }
        }
        var responses = [ProbeResponse](repeating: ProbeResponse(error: "not run"), count: requests.count)
        var next = 0
        var running = 0
        while next < requests.count || running > 0 {
            while next < requests.count && running < parallel {
                session.add(requests[next], tag: next)
                next += 1
                running += 1
            }
            for (tag, response) in session.step(waitMilliseconds: 100) {
                responses[tag] = response
                running -= 1
            }
        }
        return responses
    }
}

/// A long-lived set of transfers on one multi handle: add requests as they come due, and `step` to
/// drive them and collect the finished ones. Use from one thread; `wake` may be called from any.
///
/// Redirects are followed here, not by libcurl, so that each one is judged (`RedirectRule`) before
/// anything connects to where it points; and no connection, first or redirected, is opened to a
/// link-local or metadata address unless the request's own URL names that address (checked on the
/// address itself as libcurl is about to connect, whatever name resolved to it; a redirect always
/// opens a connection of its own, so it is checked too).
///
/// Not a `Mutex`: the multi handle is libcurl's, used by one thread, which waits in `curl_multi_poll`
/// for as long as a lock around it would be held; only `wake` (`curl_multi_wakeup`, which libcurl lets any
/// thread call) crosses threads, so the class is marked Sendable by hand.
public final class ProbeSession: @unchecked Sendable {
    private let multi: UnsafeMutableRawPointer
    private var transfers: [UnsafeMutableRawPointer: Transfer] = [:]
    /// Requests refused before they started, handed back by the next `step`.
    private var refused: [(tag: Int, response: ProbeResponse)] = []

    /// nil only when libcurl cannot allocate a multi handle.
    public init?(maximumConnections: Int = 64) {
        _ = HTTPProber.globalInit
        guard let handle = curl_multi_init() else { return nil }
        multi = handle
        _ = klaxon_curl_multi_set_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, max(1, maximumConnections))
        _ = klaxon_curl_multi_set_long(multi, CURLMOPT_MAXCONNECTS, max(1, maximumConnections))
    }

    deinit {
        for (easy, _) in transfers {
            curl_multi_remove_handle(multi, easy)
            curl_easy_cleanup(easy)
        }
        curl_multi_cleanup(multi)
    }

    /// Transfers under way.
    public var activeCount: Int { transfers.count }

    /// Starts `request`; its response comes out of a later `step` with `tag`.
    public func add(_ request: ProbeRequest, tag: Int) {
        if let problem = request.problem {
            refused.append((tag, ProbeResponse(error: problem)))
            return
        }
        // A line break in a URL could add a header or a command; libcurl would refuse it too.
        if request.url.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            refused.append(
                (
                    tag,
                    ProbeResponse(error: "the URL has a line break or another control character; write it on one line")
                ))
            return
        }
        guard let easy = curl_easy_init() else { return }
        transfers[easy] = Transfer(tag: tag, request: request, handle: easy)
        curl_multi_add_handle(multi, easy)
    }

    /// Drives the transfers, waiting up to `waitMilliseconds` for activity (or a `wake`); returns the
    /// ones that finished.
    public func step(waitMilliseconds: Int) -> [(tag: Int, response: ProbeResponse)] {
        if !refused.isEmpty {
            defer { refused = [] }
            return refused
        }
        var running: Int32 = 0
        curl_multi_perform(multi, &running)
        var finished = collect()
        if finished.isEmpty {
            curl_multi_poll(multi, nil, 0, Int32(max(0, waitMilliseconds)), nil)
            curl_multi_perform(multi, &running)
            finished = collect()
        }
        return finished
    }

    /// Ends a `step` that is waiting, from any thread.
    public func wake() { curl_multi_wakeup(multi) }

    private func collect() -> [(tag: Int, response: ProbeResponse)] {
        var finished: [(Int, ProbeResponse)] = []
        var left: Int32 = 0
        while let message = curl_multi_info_read(multi, &left) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                let transfer = transfers[easy]
            else { continue }
            let code = klaxon_curl_message_result(message)
            curl_multi_remove_handle(multi, easy)
            if transfer.followRedirect(code) {
                // The same handle, with its settings and connections, goes on to the next address.
                curl_multi_add_handle(multi, easy)
                continue
            }
            transfers[easy] = nil
            finished.append((transfer.tag, transfer.finish(code)))
            curl_easy_cleanup(easy)
        }
        return finished
    }

    /// One transfer's state: its handle's settings, the body as it arrives, and the redirects so far.
    private final class Transfer {
        let tag: Int
        let request: ProbeRequest
        let handle: UnsafeMutableRawPointer
        var body: [UInt8] = []
        var truncated = false
        let redirects: RedirectRule
        var followed = 0
        /// Milliseconds the redirects before this request took.
        var earlierMilliseconds = 0.0
        /// Why a redirect was not followed: the response's error.
        var refusal: String?
        /// Why a connection was not opened: the error, when no other address of the host answered.
        var addressRefusal: String?
        /// The one link-local or metadata address this request may reach: the one its own URL names.
        let namedAddress: IPAddress?
        /// libcurl writes the failure's description here; the memory stays put for the handle's life.
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        /// The header lines the handle sends; kept until the handle is cleaned up.
        private var headerList: UnsafeMutablePointer<curl_slist>?
        /// Whether a redirect left the request's origin, and the credentials with it.
        private var credentialsDropped = false
        /// The secrets this request sends, taken out of everything its response carries.
        private let secrets: SecretScrubber

        deinit {
            errorBuffer.deallocate()
            curl_slist_free_all(headerList)
        }

        /// Sends `lines` as the request's headers from now on.
        private func send(_ lines: [CheckCredentials.Line]) {
            var list: UnsafeMutablePointer<curl_slist>?
            for line in lines { list = curl_slist_append(list, line.text) }
            _ = klaxon_curl_set_slist(handle, CURLOPT_HTTPHEADER, list)
            curl_slist_free_all(headerList)
            headerList = list
        }

        init(tag: Int, request: ProbeRequest, handle: UnsafeMutableRawPointer) {
            self.tag = tag
            self.request = request
            self.handle = handle
            secrets = SecretScrubber(headers: request.headers, url: request.url)
            redirects = RedirectRule(
                url: request.url, policy: request.followRedirects, maximum: request.maximumRedirects)
            namedAddress = RedirectRule.schemeAndHost(of: request.url).flatMap { IPAddress($0.host) }
            _ = klaxon_curl_set_string(handle, CURLOPT_URL, request.url)
            _ = klaxon_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
            _ = klaxon_curl_set_long(handle, CURLOPT_TIMEOUT_MS, request.timeoutSeconds * 1000)
            _ = klaxon_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, request.timeoutSeconds * 1000)
            // Redirects are followed by `followRedirect`, one judged step at a time; libcurl is told
            // the same limits in case it ever follows one itself.
            _ = klaxon_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 0)
            _ = klaxon_curl_set_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
            _ = klaxon_curl_set_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
            _ = klaxon_curl_set_pointer(handle, CURLOPT_OPENSOCKETDATA, Unmanaged.passUnretained(self).toOpaque())
            _ = klaxon_curl_set_opensocket_function(handle) { context, _, address in
                let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
                guard let address else { return CURL_SOCKET_BAD }
                var bytes = [UInt8](repeating: 0, count: 16)
                let count = Int(klaxon_curl_socket_address(address, &bytes))
                if let ip = IPAddress(bytes: Array(bytes.prefix(count))), ip.isLinkLocalOrMetadata,
                    ip != transfer.namedAddress
                {
                    transfer.addressRefusal =
                        "refused to connect to \(ip): a link-local or cloud metadata address, which only a check whose own URL names it may reach"
                    return CURL_SOCKET_BAD
                }
                return klaxon_curl_open_socket(address)
            }
            _ = klaxon_curl_set_long(handle, CURLOPT_SSL_VERIFYPEER, request.verifyTLS ? 1 : 0)
            _ = klaxon_curl_set_long(handle, CURLOPT_SSL_VERIFYHOST, request.verifyTLS ? 2 : 0)
            // libcurl copies the string; a file it cannot read fails the transfer with words that say so.
            if let caFile = request.caFile { _ = klaxon_curl_set_string(handle, CURLOPT_CAINFO, caFile) }
            _ = klaxon_curl_set_long(handle, CURLOPT_CERTINFO, request.url.hasPrefix("https:") ? 1 : 0)
            _ = klaxon_curl_set_string(handle, CURLOPT_USERAGENT, "klaxon-status")
            if !request.headers.isEmpty { send(request.headers) }
            errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
            _ = klaxon_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
            _ = klaxon_curl_set_pointer(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(self).toOpaque())
            _ = klaxon_curl_set_write_function(handle) { data, size, count, context in
                let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
                let length = size * count
                let room = transfer.request.maximumBytes - transfer.body.count
                if length > room {
                    // Keep what fits and stop reading: a body past the cap is a finding, not a failure.
                    if room > 0, let data {
                        transfer.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: room))
                    }
                    transfer.truncated = true
                    return 0
                }
                if let data { transfer.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length)) }
                return length
            }
        }

        /// When the answer is a redirect this request follows, points the handle at its target (with
        /// what is left of the timeout) and returns true; a redirect it does not follow sets `refusal`.
        func followRedirect(_ code: CURLcode) -> Bool {
            guard code == CURLE_OK, request.followRedirects != .none else { return false }
            var status = 0
            _ = klaxon_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
            var location: UnsafePointer<CChar>?
            guard (300..<400).contains(status),
                klaxon_curl_get_string(handle, CURLINFO_REDIRECT_URL, &location) == CURLE_OK,
                let location
            else { return false }
            let target = String(cString: location)
            if let why = redirects.refusal(of: target, followed: followed) {
                refusal = why
                return false
            }
            var total = 0.0
            _ = klaxon_curl_get_double(handle, CURLINFO_TOTAL_TIME, &total)
            earlierMilliseconds += total * 1000
            let left = request.timeoutSeconds * 1000 - Int(earlierMilliseconds)
            guard left > 0 else {
                refusal = "timed out after \(followed + 1) redirect\(followed == 0 ? "" : "s")"
                return false
            }
            followed += 1
            body = []
            truncated = false
            // Redirects are followed by setting a new URL, so libcurl would send the headers anywhere (its
            // CURLOPT_UNRESTRICTED_AUTH rule covers only its own following): credentials stay with their origin.
            if !credentialsDropped && !RedirectRule.sameOrigin(request.url, target)
                && request.headers.contains(where: \.isCredential)
            {
                send(request.headers.filter { !$0.isCredential })
                credentialsDropped = true
            }
            // A connection of its own, so the address check above sees where it goes (a pooled one
            // to a named link-local address, opened for another check, is never lent to a redirect).
            _ = klaxon_curl_set_long(handle, CURLOPT_FRESH_CONNECT, 1)
            _ = klaxon_curl_set_string(handle, CURLOPT_URL, target)
            _ = klaxon_curl_set_long(handle, CURLOPT_TIMEOUT_MS, left)
            _ = klaxon_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, left)
            return true
        }

        /// libcurl's messages may quote the URL: without its credentials, nor any secret this request sent.
        func scrubbed(_ text: String) -> String { secrets.scrub(URLCredentials.redacted(text)) }

        func finish(_ code: CURLcode) -> ProbeResponse {
            var response = ProbeResponse()
            var status = 0
            _ = klaxon_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
            if let refusal {
                // It may quote the Location the server sent.
                response.error = scrubbed(refusal)
            } else if code != CURLE_OK && !(truncated && code == CURLE_WRITE_ERROR) {
                // A cut body aborts the transfer on purpose (CURLE_WRITE_ERROR): the response still counts.
                let detail = String(cString: errorBuffer)
                response.error = scrubbed(
                    addressRefusal ?? (detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail))
            } else {
                response.statusCode = status
            }
            var dns = 0.0
            var connect = 0.0
            var tls = 0.0
            var firstByte = 0.0
            var total = 0.0
            _ = klaxon_curl_get_double(handle, CURLINFO_NAMELOOKUP_TIME, &dns)
            _ = klaxon_curl_get_double(handle, CURLINFO_CONNECT_TIME, &connect)
            _ = klaxon_curl_get_double(handle, CURLINFO_APPCONNECT_TIME, &tls)
            _ = klaxon_curl_get_double(handle, CURLINFO_STARTTRANSFER_TIME, &firstByte)
            _ = klaxon_curl_get_double(handle, CURLINFO_TOTAL_TIME, &total)
            // The phases are the last request's; the total counts the redirects before it too.
            response.phases = .init(
                dns: dns * 1000, connect: connect * 1000, tls: tls * 1000, firstByte: firstByte * 1000,
                total: total * 1000 + earlierMilliseconds)
            // The one place the secrets and the answer meet: what is judged, shown and recorded of a
            // service that quotes what it was sent holds `[secret]` instead.
            response.body = secrets.isEmpty ? body : secrets.scrub(body)
            response.truncated = truncated
            if let expiry = klaxon_curl_certificate_expiry(handle) {
                response.certificateExpiry = CertificateDate.parse(String(cString: expiry))
            }
            return response
        }
    }
}

/// OpenSSL's certificate dates: `Jan  1 00:00:00 2027 GMT`.
public enum CertificateDate {
    public static func parse(_ text: String) -> Timestamp? {
        let parts = text.split(separator: " ")
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard parts.count >= 4, let month = months.firstIndex(of: String(parts[0])), let day = Int(parts[1]),
            let year = Int(parts[3])
        else { return nil }
        let clock = parts[2].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3 else { return nil }
        let civil = CivilDateTime(
            year: year, month: month + 1, day: day, hour: clock[0], minute: clock[1], second: clock[2])
        guard civil.isValid else { return nil }
        return Timestamp(milliseconds: civil.secondsSinceEpoch * 1000)
    }
}
