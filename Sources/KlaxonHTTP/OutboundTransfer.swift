internal import CCurl
import KlaxonCore

/// One outgoing request through libcurl's easy interface, for sending pages: an HTTP POST (webhooks,
/// Slack) or a message through an SMTP server. Blocking; run it off the thread that must stay responsive.
public enum OutboundTransfer {
    /// How a transfer ended: delivered, or why not (never containing the URL, which may hold a secret).
    public enum Outcome: Hashable, Sendable {
        case delivered(detail: String)
        case failed(String)
    }

    /// POSTs `body` to `url`; delivered when the server answers 2xx.
    public static func post(url: String, headers: [String], body: [UInt8], timeoutSeconds: Int64) -> Outcome {
        switch answer(post: url, headers: headers, body: body, timeoutSeconds: timeoutSeconds) {
        case .success(let answer):
            (200..<300).contains(answer.status)
                ? .delivered(detail: "HTTP \(answer.status)") : .failed("HTTP \(answer.status)")
        case .failure(let error): .failed(error.message)
        }
    }

    /// What a server answered: its status and (up to `answerBytes` of) its body.
    public struct Answer: Hashable, Sendable {
        public var status: Int
        public var body: [UInt8]
    }

    /// The most of an answer's body kept (`klaxon alert send` prints it).
    public static let answerBytes = 64 << 10

    /// POSTs `body` to `url` and returns the answer, whatever its status; fails only when none came
    /// (the message never containing the URL).
    public static func answer(post url: String, headers: [String], body: [UInt8], timeoutSeconds: Int64) -> Result<
        Answer, KlaxonError
    > {
        let transfer = Transfer(url: url, timeoutSeconds: timeoutSeconds)
        defer { transfer.close() }
        let h = transfer.handle
        _ = klaxon_curl_set_long(h, CURLOPT_POST, 1)
        _ = klaxon_curl_set_long(h, CURLOPT_POSTFIELDSIZE, body.count)
        body.withUnsafeBufferPointer { bytes in
            _ = klaxon_curl_set_pointer(h, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
        }
        // No redirects: a page goes where it was configured to go, or fails.
        _ = klaxon_curl_set_long(h, CURLOPT_FOLLOWLOCATION, 0)
        _ = klaxon_curl_set_string(h, CURLOPT_PROTOCOLS_STR, "http,https")
        transfer.setHeaders(headers)
        transfer.keepAnswer()
        let code = curl_easy_perform(h)
        if code != CURLE_OK { return .failure(.failed(transfer.error(code))) }
        var status = 0
        _ = klaxon_curl_get_long(h, CURLINFO_RESPONSE_CODE, &status)
        return .success(Answer(status: status, body: transfer.answer))
    }

    /// Sends `message` (headers and body, CRLF line ends) from `from` to `to` through `server`
    /// (`smtp://host:port` or `smtps://host:port`), upgrading with STARTTLS when `startTLS` or when there
    /// are credentials (and then refusing to send in clear text). An address that is not plain
    /// (`EmailAddress`) is refused before anything is sent: the config refuses it too, and a command
    /// built from it could carry another.
    public static func sendMail(
        server: String, from: String, to: [String], message: [UInt8], startTLS: Bool,
        username: String?, password: String?, timeoutSeconds: Int64
    ) -> Outcome {
        for (role, address) in [("sender", from)] + to.map({ ("recipient", $0) }) {
            if let problem = EmailAddress.problem(address) {
                return .failed("the \(role) is not a plain email address: \(problem)")
            }
        }
        let transfer = Transfer(url: server, timeoutSeconds: timeoutSeconds)
        defer { transfer.close() }
        let h = transfer.handle
        _ = klaxon_curl_set_string(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps")
        _ = klaxon_curl_set_string(h, CURLOPT_MAIL_FROM, "<\(from)>")
        var recipients: UnsafeMutablePointer<curl_slist>?
        for address in to { recipients = curl_slist_append(recipients, "<\(address)>") }
        defer { curl_slist_free_all(recipients) }
        _ = klaxon_curl_set_slist(h, CURLOPT_MAIL_RCPT, recipients)
        // Credentials never cross a plain connection: with them, TLS is required whatever `startTLS` says.
        if startTLS || username != nil || password != nil {
            _ = klaxon_curl_set_long(h, CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue))
        }
        if let username { _ = klaxon_curl_set_string(h, CURLOPT_USERNAME, username) }
        if let password { _ = klaxon_curl_set_string(h, CURLOPT_PASSWORD, password) }
        _ = klaxon_curl_set_long(h, CURLOPT_UPLOAD, 1)
        _ = klaxon_curl_set_long(h, CURLOPT_INFILESIZE, message.count)
        transfer.upload = message
        _ = klaxon_curl_set_pointer(h, CURLOPT_READDATA, Unmanaged.passUnretained(transfer).toOpaque())
        _ = klaxon_curl_set_read_function(h) { buffer, size, count, context in
            let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
            let n = min(size * count, transfer.upload.count - transfer.uploaded)
            guard n > 0, let buffer else { return 0 }
            transfer.upload.withUnsafeBytes { bytes in
                UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + transfer.uploaded, byteCount: n)
            }
            transfer.uploaded += n
            return n
        }
        let code = curl_easy_perform(h)
        if code != CURLE_OK { return .failed(transfer.error(code)) }
        var status = 0
        _ = klaxon_curl_get_long(h, CURLINFO_RESPONSE_CODE, &status)
        return .delivered(detail: "SMTP \(status)")
    }

    /// An easy handle with the settings every page shares, its error buffer, and what it uploads.
    private final class Transfer {
        let handle: UnsafeMutableRawPointer
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        var headers: UnsafeMutablePointer<curl_slist>?
        var upload: [UInt8] = []
        var uploaded = 0
        /// The answer's body, when kept (`keepAnswer`), up to `answerBytes`.
        var answer: [UInt8] = []

        init(url: String, timeoutSeconds: Int64) {
            handle = curl_easy_init()
            errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
            _ = klaxon_curl_set_string(handle, CURLOPT_URL, url)
            _ = klaxon_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
            _ = klaxon_curl_set_long(handle, CURLOPT_TIMEOUT_MS, Int(timeoutSeconds * 1000))
            _ = klaxon_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(timeoutSeconds * 1000))
            // TLS is verified, always: a page must not go to an impostor.
            _ = klaxon_curl_set_long(handle, CURLOPT_SSL_VERIFYPEER, 1)
            _ = klaxon_curl_set_long(handle, CURLOPT_SSL_VERIFYHOST, 2)
            _ = klaxon_curl_set_string(handle, CURLOPT_USERAGENT, "klaxon-pager")
            _ = klaxon_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
            // The answer's body is not needed; without a write function libcurl would print it.
            _ = klaxon_curl_set_write_function(handle) { _, size, count, _ in size * count }
        }

        /// Keeps the answer's body (the first `answerBytes` of it) in `answer`.
        func keepAnswer() {
            _ = klaxon_curl_set_pointer(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(self).toOpaque())
            _ = klaxon_curl_set_write_function(handle) { data, size, count, context in
                let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
                let length = size * count
                let kept = min(length, max(0, OutboundTransfer.answerBytes - transfer.answer.count))
                if kept > 0, let data {
                    transfer.answer.append(contentsOf: UnsafeRawBufferPointer(start: data, count: kept))
                }
                return length
            }
        }

        func setHeaders(_ lines: [String]) {
            for line in lines { headers = curl_slist_append(headers, line) }
            _ = klaxon_curl_set_slist(handle, CURLOPT_HTTPHEADER, headers)
        }

        /// libcurl's description of a failure.
        func error(_ code: CURLcode) -> String {
            let detail = String(cString: errorBuffer)
            return detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        }

        func close() {
            curl_easy_cleanup(handle)
            curl_slist_free_all(headers)
            errorBuffer.deallocate()
        }
    }
}
