import Foundation
import KlaxonCore

/// Screen 4: who is on call now in each schedule (the selected one is the one `t` takes the pager of),
/// the next handoffs, who those people are and how they are reached (contact kinds, never an address or
/// a secret), and a two-week strip per schedule with the gaps marked. Times are in the console's zone.
enum OnCallView {
    static let labelWidth = 20

    static func draw(_ model: ConsoleModel, _ frame: inout Frame) {
        frame.put("On call", row: 2, column: 1, style: .heading)
        guard let board = model.onCall else {
            frame.put("Reading Escalation/ …", row: 4, column: 2, style: .dim)
            return
        }
        let local = LocalTimeFormatter(timeZone: model.timeZone)
        var row = 4
        let bottom = model.rows - 2
        if let drill = model.drill {
            // In a drill, the pages its sink received first: whom the rehearsal paged, latest first (the
            // dashboard's slot has room for the last one only).
            frame.put(
                "DRILL sink: \(Plural.count(drill.pages.count, "page")) received, no real person paged",
                row: row, column: 2, style: .critical, width: model.columns - 3)
            row += 1
            let shown = min(drill.pages.count, max(1, (bottom - row) / 3))
            for page in drill.pages.reversed().prefix(shown) where row < bottom {
                frame.put(
                    "\(shortTime(page.at, local, model.now))  \(page.summary)", row: row, column: 4,
                    width: model.columns - 5)
                row += 1
            }
            if drill.pages.count > shown {
                frame.put("\(drill.pages.count - shown) earlier", row: row, column: 4, style: .dim)
                row += 1
            }
            row += 1
        }
        for problem in board.problems.prefix(3) where row < bottom {
            frame.put(problem, row: row, column: 2, style: .error, width: model.columns - 3)
            row += 1
        }
        if board.problems.count > 3 {
            frame.put(
                "\(Plural.count(board.problems.count - 3, "more problem", "more problems")): run klaxon config validate",
                row: row, column: 2, style: .error)
            row += 1
        }
        guard !board.entries.isEmpty else {
            frame.put(
                "No schedules. Put them in Escalation/schedules/ (docs/escalation-format.md).", row: row + 1, column: 2,
                style: .dim)
            return
        }
        if row > 4 { row += 1 }

        // Now and next: the schedule, who and until when never give way; the next handoffs take the rest.
        let who = board.entries.map { $0.users.isEmpty ? "nobody" : $0.users.joined(separator: ", ") }
        let until = board.entries.map { entry in
            entry.until.map {
                shortTime($0, local, model.now) + " (\(DurationText.short(seconds: model.now.seconds(until: $0))))"
            } ?? "—"
        }
        let plan = ColumnPlan([
            .sized("SCHEDULE", to: board.entries.map(\.schedule), maximum: labelWidth - 1),
            .sized("ON CALL NOW", to: who, maximum: 24),
            .sized("UNTIL", to: until),
            .init("THEN", 12, fills: true)
        ])
        let widths = plan.widths(in: model.columns - 3)
        var x = 2
        for (column, width) in zip(plan.columns, widths) {
            frame.put(column.title, row: row, column: x, style: .dim, width: width)
            x += width
        }
        row += 1
        for (i, entry) in board.entries.enumerated() where row < bottom {
            let cells: [(String, Style)] = [
                (
                    entry.schedule,
                    i == model.onCallSelection ? .selected : entry.schedule == board.main?.schedule ? .accent : .normal
                ),
                (who[i], entry.users.isEmpty ? .critical : .ok), (until[i], .normal),
                (handoffs(entry, local, model.now), .dim)
            ]
            var x = 2
            for ((text, style), (column, width)) in zip(cells, zip(plan.columns, widths)) {
                frame.put(text, row: row, column: x, style: style, width: width - (column.fills ? 0 : 1))
                x += width
            }
            frame.addClick(.row(.schedules, i), row: row)
            row += 1
        }
        row += 1
        row = drawPeople(board, model, from: row, to: bottom, &frame)
        guard row + 3 < bottom, board.dayStarts.count > 1 else { return }
        drawStrips(board, model, local, from: row, to: bottom, &frame)
    }

    /// The next handoffs of `entry`, each saying until when: `carol until Mon 16:00, then alice until
    /// Tue 16:00` (each stretch begins where the one before it ends, the first at the UNTIL column's time).
    static func handoffs(_ entry: OnCallBoard.Entry, _ local: LocalTimeFormatter, _ now: Timestamp) -> String {
        entry.next.map {
            ($0.isGap ? "nobody" : $0.users.joined(separator: ", ")) + " until " + shortTime($0.end, local, now)
        }.joined(separator: ", then ")
    }

    /// The most people the list under the schedules shows (the strips need the rest of the screen).
    static let peopleRows = 6

    /// Who is on call now and next: id, name from people.yaml and how each is reached (the kinds of their
    /// contacts, never an address or a secret). Returns the row after it.
    static func drawPeople(
        _ board: OnCallBoard, _ model: ConsoleModel, from top: Int, to bottom: Int, _ frame: inout Frame
    ) -> Int {
        var ids: [String] = []
        for entry in board.entries {
            for id in board.peopleShown(in: entry) where !ids.contains(id) { ids.append(id) }
        }
        guard !ids.isEmpty, top + 1 < bottom else { return top }
        let shown = Array(ids.prefix(peopleRows))
        let names = shown.map { id in
            let name = board.people[id].map { $0.name.isEmpty ? "—" : $0.name } ?? "not in people.yaml"
            return id == model.user ? name + " (you)" : name
        }
        let reach = shown.map { id in
            board.people[id].map {
                $0.onlyLogger
                    ? "logger only: reaches nobody (config validate)"
                    : $0.contacts.isEmpty ? "no contacts" : $0.contacts.map(\.rawValue).joined(separator: ", ")
            }
                ?? "—"
        }
        let plan = ColumnPlan([
            .sized("PERSON", to: shown, maximum: labelWidth - 1),
            .sized("NAME", to: names, maximum: 30),
            .init("REACHED BY", 12, fills: true)
        ])
        let widths = plan.widths(in: model.columns - 3)
        var x = 2
        for (column, width) in zip(plan.columns, widths) {
            frame.put(column.title, row: top, column: x, style: .dim, width: width)
            x += width
        }
        var row = top + 1
        for (i, id) in shown.enumerated() where row < bottom {
            let known = board.people[id] != nil
            let cells: [(String, Style)] = [
                (id, .normal), (names[i], known ? .normal : .error),
                (
                    reach[i],
                    board.people[id].map { $0.contacts.isEmpty || $0.onlyLogger } ?? true ? .critical : .dim
                )
            ]
            var x = 2
            for ((text, style), (column, width)) in zip(cells, zip(plan.columns, widths)) {
                frame.put(text, row: row, column: x, style: style, width: width - (column.fills ? 0 : 1))
                x += width
            }
            row += 1
        }
        if ids.count > shown.count, row < bottom {
            frame.put(
                "and \(ids.count - shown.count) more: klaxon oncall now, Escalation/people.yaml", row: row, column: 2,
                style: .dim)
            row += 1
        }
        return row + 1
    }

    /// `17:00` today, `Mon 09:00` this week, `Dec 3 09:00` beyond (`12-03` read as the 12th or December).
    static func shortTime(_ t: Timestamp, _ local: LocalTimeFormatter, _ now: Timestamp) -> String {
        let c = local.civil(t)
        let today = local.civil(now)
        let clock = String(c.isoTime.prefix(5))
        if c.year == today.year && c.month == today.month && c.day == today.day { return clock }
        if now.seconds(until: t) < 6 * 86400 { return "\(c.weekday.name.capitalized) \(clock)" }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(months[c.month - 1]) \(c.day) \(clock)"
    }

    /// One row per schedule: a letter per person for each slot of the day, `!` where nobody is on call
    /// for any part of the slot; the slot holding now is underlined by a marker row.
    static func drawStrips(
        _ board: OnCallBoard, _ model: ConsoleModel, _ local: LocalTimeFormatter, from top: Int, to bottom: Int,
        _ frame: inout Frame
    ) {
        let days = board.dayStarts.count - 1
        let room = model.columns - 2 - labelWidth - 1
        // As many slots a day as fit, from the divisors of 24 hours.
        let perDay = [24, 12, 8, 6, 4, 3, 2, 1].first { $0 * days <= room } ?? 1
        let hours = 24 / perDay
        frame.put(
            "Next \(Plural.count(days, "day")) from today, one column = \(hours) h (\(ConsoleView.zoneIdentifier(model.timeZone)))",
            row: top, column: 1, style: .heading)
        let letters = personLetters(board)
        var row = top + 1
        // Day headers, each with a blank column after it: `Su22` where a day has 5 columns or more; the
        // weekday above the day of the month where it has 3 or 4 (`Su22Mo23` ran together); the
        // weekday's first letter where it has fewer.
        let twoRows = (3...4).contains(perDay)
        var x = 2 + labelWidth
        for d in 0..<days {
            let c = local.civil(board.dayStarts[d])
            let weekday = c.weekday.name.capitalized
            let style: Style = c.weekday.rawValue >= 5 ? .dim : .normal
            if twoRows {
                frame.put(String(weekday.prefix(perDay - 1)), row: row, column: x, style: style)
                frame.put(String(c.day), row: row + 1, column: x, style: style)
            } else {
                let label = perDay >= 5 ? "\(weekday.prefix(2))\(c.day)" : String(weekday.prefix(1))
                frame.put(TextWidth.truncate(label, to: max(1, perDay - 1)), row: row, column: x, style: style)
            }
            x += perDay
        }
        row += twoRows ? 2 : 1
        var nowColumn: Int?
        for entry in board.entries where row < bottom - 1 {
            frame.put(TextWidth.truncate(entry.schedule, to: labelWidth - 1), row: row, column: 2)
            var x = 2 + labelWidth
            for d in 0..<days {
                let dayStart = board.dayStarts[d].milliseconds
                let dayEnd = board.dayStarts[d + 1].milliseconds
                for s in 0..<perDay {
                    let a = dayStart + (dayEnd - dayStart) * Int64(s) / Int64(perDay)
                    let b = dayStart + (dayEnd - dayStart) * Int64(s + 1) / Int64(perDay)
                    let (symbol, style) = cell(entry.strip, a, b, letters, now: model.now.milliseconds)
                    frame.put(symbol, row: row, column: x, style: style)
                    if model.now.milliseconds >= a && model.now.milliseconds < b { nowColumn = x }
                    x += 1
                }
            }
            row += 1
        }
        if let nowColumn, row < bottom {
            frame.put("^ now", row: row, column: nowColumn, style: .accent)
            row += 1
        }
        row += 1
        guard row < bottom else { return }
        let legend =
            letters.sorted { $0.value < $1.value }.map { "\($0.value) \($0.key)" } + ["! nobody", "+ more than one"]
        frame.put(legend.joined(separator: "   "), row: row, column: 2, style: .dim, width: model.columns - 3)
    }

    /// What one slot `[a, b)` shows: `!` if any of it is a gap, else the letter of whoever covers most of it
    /// (`+` when several are on call at once). The slot holding `now` shows who is on call now: right after
    /// someone takes the pager, the cell under `^ now` is theirs, not that of whoever had the slot's start.
    static func cell(
        _ strip: [Shift], _ a: Int64, _ b: Int64, _ letters: [String: Character], now: Int64
    ) -> (String, Style) {
        if (a..<b).contains(now) {
            let current = strip.first { $0.start.milliseconds <= now && now < $0.end.milliseconds }
            return mark(current?.users ?? [], letters)
        }
        var longest: (Int64, [String]) = (0, [])
        var covered: Int64 = 0
        for shift in strip where shift.end.milliseconds > a && shift.start.milliseconds < b {
            let overlap = min(b, shift.end.milliseconds) - max(a, shift.start.milliseconds)
            if shift.isGap { return ("!", .critical) }
            covered += overlap
            if overlap > longest.0 { longest = (overlap, shift.users) }
        }
        if covered < b - a { return ("!", .critical) }
        return mark(longest.1, letters)
    }

    /// The mark of a slot `users` are on call for: their letter, `+` for several, `!` for nobody.
    static func mark(_ users: [String], _ letters: [String: Character]) -> (String, Style) {
        if users.count > 1 { return ("+", .warning) }
        guard let person = users.first else { return ("!", .critical) }
        return (String(letters[person] ?? "?"), .ok)
    }

    /// A distinct letter for each person on the strips: their initial, else another letter of their id,
    /// else a digit.
    static func personLetters(_ board: OnCallBoard) -> [String: Character] {
        var people: [String] = []
        for entry in board.entries {
            for shift in entry.strip { for user in shift.users where !people.contains(user) { people.append(user) } }
        }
        var used = Set<Character>()
        var result: [String: Character] = [:]
        for person in people.sorted() {
            let candidates =
                Array(person.lowercased()).filter { $0.isLetter && $0.isASCII }
                + Array("abcdefghijklmnopqrstuvwxyz0123456789")
            if let letter = candidates.first(where: { !used.contains($0) && $0 != "!" }) {
                used.insert(letter)
                result[person] = letter
            }
        }
        return result
    }
}
