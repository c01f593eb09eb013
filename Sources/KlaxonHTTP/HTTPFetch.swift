internal import CCurl
import KlaxonCore

/// The result of one HTTP exchange.
public struct HTTPResult: Sendable {
    public var status: Int
    public var body: [UInt8]
    /// Seconds from the start to the end of the transfer.
    public var totalSeconds: Double
}

/// One HTTP GET through libcurl's easy interface. The status poller (its own capability) drives many
/// of these at once through the multi interface; this is the single-request building block.
public enum HTTPFetch {
    /// libcurl's global state must be set up once, before any thread uses it.
    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// Fetches `url`, following no redirects, reading at most `maximumBytes` of the body.
    public static func get(_ url: String, timeoutSeconds: Int = 10, maximumBytes: Int = 1 << 20) throws(KlaxonError) -> HTTPResult {
        _ = globalInit
        guard let handle = curl_easy_init() else { throw .failed("libcurl could not create a handle") }
        defer { curl_easy_cleanup(handle) }
        let sink = BodySink(limit: maximumBytes)
        let context = Unmanaged.passUnretained(sink).toOpaque()
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errors in
            _ = klaxon_curl_set_string(handle, CURLOPT_URL, url)
            _ = klaxon_curl_set_long(handle, CURLOPT_NOSIGNAL, 1) // no SIGALRM from DNS timeouts in a threaded program
            _ = klaxon_curl_set_long(handle, CURLOPT_TIMEOUT, timeoutSeconds)
            _ = klaxon_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, errors.baseAddress)
            _ = klaxon_curl_set_pointer(handle, CURLOPT_WRITEDATA, context)
            _ = klaxon_curl_set_write_function(handle) { data, size, count, context in
                let sink = Unmanaged<BodySink>.fromOpaque(context!).takeUnretainedValue()
                let length = size * count
                return sink.append(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
            }
            return curl_easy_perform(handle)
        }
        guard code == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let reason = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            throw .failed("GET \(url) failed: \(reason)")
        }
        var status = 0
        var total = 0.0
        _ = klaxon_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
        _ = klaxon_curl_get_double(handle, CURLINFO_TOTAL_TIME, &total)
        return HTTPResult(status: status, body: sink.bytes, totalSeconds: total)
    }
}

/// Collects a response body up to a limit; past it the transfer is aborted.
private final class BodySink {
    var bytes: [UInt8] = []
    let limit: Int

    init(limit: Int) { self.limit = limit }

    func append(_ chunk: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count + chunk.count <= limit else { return false }
        bytes.append(contentsOf: chunk)
        return true
    }
}
