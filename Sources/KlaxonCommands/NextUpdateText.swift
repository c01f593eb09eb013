import KlaxonCore

/// The next public status update an incident owes (`UpdateCadence`), as `incident show` and `incident
/// list` print it: the console's words, so the terminal and the CLI say the same.
enum NextUpdateText {
    /// `incident show`'s line: "Next status update: UPDATE OVERDUE 12m (due 2026-11-22 10:18:00 +01:00,
    /// every 30m for SEV1)".
    static func line(_ due: UpdateCadence.Due, severity: Severity, now: Timestamp, formatter: LocalTimeFormatter)
        -> String
    {
        "Next status update: \(due.text(now: now)) (due \(formatter.dateTimeWithOffset(due.at)), every \(DurationText.short(seconds: due.intervalSeconds)) for \(severity.name))"
    }

    /// The `next_update` of `--json`: null when the incident owes none (resolved, or no cadence for its
    /// severity).
    static func json(_ due: UpdateCadence.Due?, now: Timestamp) -> JSONValue {
        guard let due else { return .null }
        return .object([
            "due": .string(due.at.rfc3339), "since": .string(due.since.rfc3339),
            "every_seconds": .number(Double(due.intervalSeconds)), "overdue": .bool(due.isOverdue(now: now)),
            "text": .string(due.text(now: now))
        ])
    }
}
