/// A review's timeline as CSV (RFC 4180): one row per record, for spreadsheets.
public enum ReviewCSV {
    public static let header = ["time_utc", "source", "sequence", "actor", "kind", "type", "text", "data"]

    public static func render(_ review: IncidentReview) -> String {
        var out = row(header)
        out.reserveCapacity(review.timeline.count * 160)
        for e in review.timeline {
            out += row([
                e.record.timestamp.rfc3339, e.source.rawValue, String(e.record.sequence), e.record.actor, e.kind,
                e.record.type, e.text, e.record.data.canonicalJSON
            ])
        }
        return out
    }

    static func row(_ cells: [String]) -> String {
        cells.map(field).joined(separator: ",") + "\r\n"
    }

    /// One field: quoted when it holds a comma, quote or line break. A field that a spreadsheet would
    /// run as a formula (it starts with `=`, `+`, `-`, `@`, tab or carriage return) gets a leading `'`,
    /// as OWASP advises, so a note typed during an incident cannot run anything on a reviewer's machine.
    static func field(_ text: String) -> String {
        // Bytes, not Characters: a 50,000-record export has millions of them (every byte tested is ASCII).
        let bytes = text.utf8
        let disarm = bytes.first.map { "=+-@\t\r".utf8.contains($0) } ?? false
        let quote = bytes.contains {
            $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r")
        }
        guard disarm || quote else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 4)
        if quote { out.append(UInt8(ascii: "\"")) }
        if disarm { out.append(UInt8(ascii: "'")) }
        for byte in bytes {
            out.append(byte)
            if byte == UInt8(ascii: "\"") { out.append(byte) }
        }
        if quote { out.append(UInt8(ascii: "\"")) }
        return String(decoding: out, as: UTF8.self)
    }
}
