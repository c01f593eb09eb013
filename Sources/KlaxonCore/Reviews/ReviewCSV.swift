/// A review's timeline as CSV (RFC 4180): one row per record, for spreadsheets.
public enum ReviewCSV {
    public static let header = ["time_utc", "source", "sequence", "actor", "kind", "type", "text", "data"]

    public static func render(_ review: IncidentReview) -> String {
        var out = row(header)
        out.reserveCapacity(review.timeline.count * 160)
        for e in review.timeline {
            out += row([e.record.timestamp.rfc3339, e.source.rawValue, String(e.record.sequence), e.record.actor, e.kind,
                        e.record.type, e.text, e.record.data.canonicalJSON])
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
        var value = text
        if let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
