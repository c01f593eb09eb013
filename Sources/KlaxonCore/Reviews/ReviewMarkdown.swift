/// A review as GitHub-flavoured markdown, the document the team finishes writing by hand: facts,
/// key times and durations, the timeline, paging, runbooks, action items, the sections to fill, and
/// the journal's seal. Every time is UTC, so the review reads the same wherever it is opened.
public enum ReviewMarkdown {
    /// The sections left for people to write; the JSON export names them by `key`.
    public static let sectionsToWrite: [(key: String, heading: String)] = [
        ("contributing_factors", "Contributing factors"),
        ("what_went_well", "What went well"),
        ("what_went_badly", "What went badly"),
        ("lessons", "Lessons")
    ]

    public static func render(_ review: IncidentReview) -> String {
        let i = review.incident
        let utc = LocalTimeFormatter.utc
        var out: [String] = []
        func time(_ t: Timestamp) -> String { utc.dateTime(t) }

        out.append("# \(i.id): \(inline(i.title))")
        out.append("")
        var facts: [(String, String)] = [
            ("Severity", i.severity.name),
            ("Status", i.status.rawValue),
            ("Services", i.services.isEmpty ? "none recorded" : i.services.joined(separator: ", ")),
            (
                "Roles",
                i.orderedRoles.isEmpty
                    ? "none assigned" : i.orderedRoles.map { "\($0.role): \($0.user)" }.joined(separator: ", ")
            ),
            ("Participants", i.participants.joined(separator: ", "))
        ]
        if !i.tags.isEmpty { facts.append(("Tags", i.tags.joined(separator: ", "))) }
        if let check = i.declaringCheck { facts.append(("Declared by check", check)) }
        if let drill = i.drill {
            facts.insert(("DRILL", "a rehearsal of scenario \(drill), not a real incident"), at: 0)
        }
        out.append(table(["", ""], facts.map { ["**\($0.0)**", $0.1] }))
        out.append("")
        out.append("## Summary")
        out.append("")
        out.append(i.summary.map(inline) ?? "_No summary was recorded when it was resolved; write one here._")
        out.append("")

        out.append("## Key times (UTC)")
        out.append("")
        out.append(
            table(
                ["Key time", "When (UTC)"],
                KeyTime.allCases.map { key in
                    [key.label.capitalizedFirst, i.keyTimes[key].map(time) ?? "not recorded"]
                }))
        out.append("")
        out.append(
            table(
                ["Duration", "Measured", "Length"],
                review.durations.map { d in
                    var measured = "\(d.from.label) → \(d.to.label)"
                    if let note = d.substitution { measured += " (\(note))" }
                    return [d.name.label, measured, text(of: d, keyTimes: i.keyTimes)]
                }))
        if !review.warnings.isEmpty {
            out.append("")
            out.append("**Warnings**")
            out.append("")
            out.append(contentsOf: review.warnings.map { "- " + inline($0) })
        }
        out.append("")

        out.append("## Timeline (UTC)")
        out.append("")
        var rows: [[String]] = []
        var lastDate = ""
        for entry in review.timeline {
            let civil = utc.civil(entry.record.timestamp)
            if civil.isoDate != lastDate {
                lastDate = civil.isoDate
                rows.append(["**\(civil.weekday.name.capitalizedFirst) \(civil.isoDate)**", "", "", ""])
            }
            let who = entry.source == .platform ? entry.record.actor + " (platform)" : entry.record.actor
            rows.append([civil.isoTime, inline(who), entry.kind, inline(entry.text)])
        }
        out.append(table(["Time", "Who", "What", "Details"], rows))
        out.append("")

        out.append("## Escalation")
        out.append("")
        if review.escalationLog.isEmpty && review.pages.isEmpty {
            out.append("Nobody was paged through Klaxon.")
        } else {
            out.append(
                contentsOf: review.escalationLog.map { e in
                    "- \(time(e.record.timestamp)) \(inline(e.record.actor)): \(inline(e.text))"
                })
            if !review.pages.isEmpty {
                out.append("")
                out.append(
                    table(
                        ["First sent (UTC)", "To", "By", "Policy, step", "Attempts", "Outcome"],
                        review.pages.map { p in
                            var outcome = p.outcome
                            if let at = p.outcomeAt { outcome += " at \(time(at))" }
                            if p.outcome != "delivered", let detail = p.detail { outcome += ": " + detail }
                            let step =
                                p.policy.hasPrefix("user:")
                                ? "paged directly" : "\(p.policy), step \(p.step) of \(p.steps)"
                            return [
                                time(p.firstAttemptAt), inline(p.user), p.contact, inline(step), String(p.attempts),
                                inline(outcome)
                            ]
                        }))
            }
            let acks = review.acknowledgements
            out.append("")
            out.append(
                acks.isEmpty
                    ? "Nobody acknowledged."
                    : "Acknowledged by "
                        + acks.map { "\(inline($0.by))\($0.via.map { " via " + inline($0) } ?? "") at \(time($0.at))" }
                        .joined(separator: "; ")
                        + ".")
        }
        out.append("")

        out.append("## Status updates")
        out.append("")
        if i.statusUpdates.isEmpty { out.append("No status update was posted.") }
        for update in i.statusUpdates {
            // Where it went, so that one that never went out is not read as sent (only when any was sent).
            var went: [String] = []
            let outcomes = i.outcomes(of: update)
            let sent = outcomes.filter { $0.result == .delivered }.map(\.destination)
            if !sent.isEmpty { went.append("sent to " + sent.map(inline).joined(separator: ", ")) }
            for outcome in outcomes {
                switch outcome.result {
                case .delivered: break
                case .failed: went.append("**NOT SENT** to \(inline(outcome.destination)) (\(inline(outcome.detail)))")
                case .unknown: went.append("may not have arrived at \(inline(outcome.destination))")
                case .sending: went.append("still being sent to \(inline(outcome.destination))")
                }
            }
            if outcomes.isEmpty && !i.commsEvents.isEmpty { went.append("not sent") }
            out.append(
                "- \(time(update.at)) **\(update.phase)** (\(inline(update.author))): \(inline(update.text))"
                    + (went.isEmpty ? "" : " — " + went.joined(separator: "; ")))
        }
        out.append("")

        out.append("## Runbooks used")
        out.append("")
        if review.runbooks.isEmpty { out.append("No runbook was linked or followed.") }
        for runbook in review.runbooks {
            var line = "- **\(inline(runbook.name))**"
            if let title = runbook.title { line += ": " + inline(title) }
            let done = runbook.steps.filter(\.done).count
            line += runbook.linked ? " (linked" : " (not linked"
            line += runbook.steps.isEmpty ? "; no steps ticked)" : "; \(done) step\(done == 1 ? "" : "s") ticked)"
            out.append(line)
            for step in runbook.steps {
                out.append(
                    "  - [\(step.done ? "x" : " ")] \(step.step). \(inline(step.text)) (\(step.done ? "ticked" : "unticked") by \(inline(step.by)), \(time(step.at)))"
                )
            }
        }
        out.append("")

        out.append("## Action items")
        out.append("")
        if i.actionItems.isEmpty {
            out.append("None recorded yet.")
        } else {
            out.append(
                table(
                    ["#", "Action", "Owner", "State"],
                    i.actionItems.map { item in
                        let state =
                            item.isDone
                            ? "done" + (item.doneBy.map { " by \($0)" } ?? "")
                                + (item.doneAt.map { ", \(time($0))" } ?? "") : "open"
                        return [
                            String(item.number), inline(item.text), inline(item.owner ?? "unassigned"), inline(state)
                        ]
                    }))
        }
        out.append("")

        for section in sectionsToWrite {
            out.append("## \(section.heading)")
            out.append("")
            out.append("_To be written._")
            out.append("")
        }

        out.append("---")
        out.append("")
        let seal = review.journal
        let verdict =
            seal.problem.map { "**the chain did not verify: \(inline($0))**" } ?? "every hash and the chain verified"
        out.append(
            "Exported by Klaxon at \(time(review.exportedAt)) UTC from `\(seal.source)`: \(Plural.count(seal.recordCount, "record")), "
                + "final hash `\(seal.finalHash)`, \(verdict).")
        return out.joined(separator: "\n") + "\n"
    }

    /// A duration in words: `12m 05s`, `not recorded (no acknowledged time)`, `out of order (…)`.
    public static func text(of duration: DerivedDuration, keyTimes: [KeyTime: Timestamp]) -> String {
        switch duration.value {
        case .seconds(let s): return DurationText.precise(seconds: s)
        case .notRecorded(let missing): return "not recorded (no \(missing.label) time)"
        case .outOfOrder:
            let utc = LocalTimeFormatter.utc
            let to = keyTimes[duration.to].map(utc.dateTime) ?? "?"
            let from = keyTimes[duration.from].map(utc.dateTime) ?? "?"
            return "out of order: \(duration.to.label) (\(to)) is before \(duration.from.label) (\(from))"
        }
    }

    /// A pipe table; cells must already be escaped with `inline`.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        var lines = [
            "| " + header.joined(separator: " | ") + " |", "|" + String(repeating: "---|", count: header.count)
        ]
        for row in rows { lines.append("| " + row.joined(separator: " | ") + " |") }
        return lines.joined(separator: "\n")
    }

    /// Text that stays on its line and inside its table cell: pipes escaped, line breaks as `<br>`,
    /// and `<` as `&lt;` so nothing anyone typed becomes HTML.
    static func inline(_ text: String) -> String {
        // Bytes, not Characters: every byte replaced is ASCII, and timelines run to tens of thousands of rows.
        let bytes = text.utf8
        guard
            bytes.contains(where: {
                $0 == UInt8(ascii: "|") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: "\\") || $0 == 0x0A
                    || $0 == 0x0D
            })
        else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "|"): out += "\\|".utf8
            case UInt8(ascii: "\\"): out += "\\\\".utf8
            case UInt8(ascii: "<"): out += "&lt;".utf8
            case 0x0A: out += "<br>".utf8
            case 0x0D: continue  // CR LF is one break; a lone CR none
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    /// `Impact started` from `impact started`.
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
