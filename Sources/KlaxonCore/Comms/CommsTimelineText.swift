extension TimelineText {
    /// How the comms engine's records read on a timeline (`update.attempt`, `update.result`,
    /// `update.reminded`, `reminder.result`); any other record as its JSON.
    static func commsText(of record: JournalRecord, formatter: LocalTimeFormatter) -> String {
        let d = record.data
        func s(_ key: String) -> String { d[key]?.stringValue ?? "?" }
        func n(_ key: String) -> String { d[key]?.intValue.map(String.init) ?? "?" }
        func time(_ key: String) -> String {
            d[key]?.stringValue.flatMap(Timestamp.parseRFC3339).map(formatter.dateTime) ?? s(key)
        }
        // The label a destination had when the record was written (a Slack channel, `email eng-all`).
        let to = TerminalText.printable(s("to"))
        switch RecordType(rawValue: record.type) {
        case .updateAttempt?:
            return "sending update #\(n("number")) to \(to), attempt \(n("attempt")) of \(n("attempts"))"
        case .updateResult?:
            let head = "update #\(n("number"))"
            switch s("outcome") {
            case "delivered": return "\(head) sent to \(to)"
            case "failed":
                let last = d["attempt"]?.intValue != nil && d["attempt"]?.intValue == d["attempts"]?.intValue
                return "\(head) to \(to) FAILED: \(s("detail")), attempt \(n("attempt")) of \(n("attempts"))"
                    + (last ? "; not tried again" : "")
            default: return "\(head) to \(to): \(s("detail"))"
            }
        case .updateReminded?:
            let overdue = "status update overdue since \(time("due_at"))"
            guard let user = d["user"]?.stringValue, let contact = d["contact"]?.stringValue else {
                return "\(overdue): \(s("detail"))"
            }
            return "\(overdue): reminding \(user) (\(s("role"))) by \(contact)"
        case .reminderResult?:
            let head = "reminder to \(s("user")) by \(s("contact"))"
            switch s("outcome") {
            case "delivered": return "\(head) delivered"
            case "failed": return "\(head) FAILED: \(s("detail"))"
            default: return "\(head): \(s("detail"))"
            }
        default:
            return d.canonicalJSON
        }
    }
}
