import KlaxonCore

/// Help, palette, forms and confirmations, drawn in a box over the screen.
enum OverlayView {
    static func draw(_ overlay: ConsoleModel.Overlay, _ model: ConsoleModel, _ frame: inout Frame) {
        switch overlay {
        case .help(let scroll): drawHelp(scroll, model, &frame)
        case .palette(let palette): drawPalette(palette, model, &frame)
        case .form(let form): drawForm(form, model, &frame)
        case .confirm(let confirmation):
            let question: String
            switch confirmation {
            case .quitLosingDrafts:
                let ids = Set(model.drafts.keys).union(model.updateDrafts.keys).sorted().joined(separator: ", ")
                let what =
                    model.updateDrafts.isEmpty
                    ? "draft notes" : model.drafts.isEmpty ? "draft status updates" : "draft notes and status updates"
                question = ids.isEmpty ? "Quit and lose what you are writing?" : "Quit and lose the \(what) of \(ids)?"
            case .quitStoppingPages(let ids):
                let what =
                    ids.count == 1
                    ? "\(ids[0]) is escalating and this console sends its pages"
                    : "\(ids.count) incidents are escalating (\(ids.joined(separator: ", "))) and this console sends their pages"
                // True whether or not a klaxon watch (or another console) waits for the engine lock: waiters
                // try it each second without queueing on it, so none can be seen (docs/escalation-format.md).
                // A drill's workspace is its own: nothing else can take its pages over, and they go to the sink.
                question =
                    model.drill != nil
                    ? "\(what) (to the drill's sink, no real person): quitting ends the drill and its pages. Quit?"
                    : "\(what): quitting stops them unless another klaxon watch or console takes over (one waiting for the engine lock would, within a second; whether one waits cannot be seen from here). Quit?"
            case .reopen(let id): question = "Reopen \(id)?"
            case .escalateNow(let id, _):
                question = "Escalate \(id) now? Its policy moves on to the next step and pages it."
            case .stopEscalation(let id):
                question = "Stop paging for \(id)? Nobody more is paged until someone pages again."
            case .mitigate(let id): question = "Mark \(id) mitigated (the impact has stopped)?"
            case .takePager(let schedule, let until, let replacing):
                let local = LocalTimeFormatter(timeZone: model.timeZone)
                let who = replacing.isEmpty ? "covering a gap" : "instead of \(replacing.joined(separator: ", "))"
                question =
                    "Take the pager of \(schedule)? You (\(model.user)) go on call from now until \(OnCallView.shortTime(until, local, model.now)), the end of the current shift, \(who): an override recorded in Escalation/overrides.yaml."
            case .declareBeside(let open, _, _):
                question =
                    "\(open.id) is open for \(open.service) (\"\(TerminalText.printable(open.title))\"). Note it there instead of declaring another incident?"
            }
            // A long question wraps (at 80 columns one about stopping pages takes two lines), never cut.
            let width = min(model.columns - 4, max(40, TextWidth.width(of: question) + 6))
            let lines = TextWidth.wrap(question, to: max(1, width - 4))
            let box = self.box(width: width, height: 4 + lines.count, model, &frame, title: "Confirm")
            for (i, line) in lines.enumerated() {
                frame.put(line, row: box.row + 1 + i, column: box.column + 2, style: .normal, width: box.width - 4)
            }
            var answers = "y yes · any other key no"
            if case .declareBeside = confirmation { answers = "n note it there · d declare anyway · esc back" }
            frame.put(
                answers, row: box.row + 2 + lines.count, column: box.column + 2, style: .hint,
                width: box.width - 4)
            ConsoleView.addHintClicks(answers, row: box.row + 2 + lines.count, column: box.column + 2, &frame)
        case .searchInput:
            break  // drawn on the bottom line
        case .tableOfContents(let selection):
            drawTableOfContents(selection, model, &frame)
        }
    }

    static func drawTableOfContents(_ selection: Int, _ model: ConsoleModel, _ frame: inout Frame) {
        guard let open = model.runbookScreen.open else { return }
        let headings = open.page.headings
        let box = self.box(
            width: min(model.columns - 4, 72), height: min(model.rows - 2, headings.count + 4), model, &frame,
            title: "Contents · enter jumps · esc closes")
        let rows = box.height - 2
        let first = ScreenGeometry.scrolledStart(selection: selection, count: headings.count, rows: rows)
        for (offset, heading) in headings.dropFirst(first).prefix(rows).enumerated() {
            let indent = String(repeating: "  ", count: max(0, heading.level - 1))
            frame.put(
                indent + heading.title, row: box.row + 1 + offset, column: box.column + 2,
                style: first + offset == selection ? .selected : (heading.level == 1 ? .heading : .normal),
                width: box.width - 4)
        }
    }

    /// Clears and frames a centered box; returns its inner origin and size.
    @discardableResult
    static func box(width: Int, height: Int, _ model: ConsoleModel, _ frame: inout Frame, title: String) -> (
        row: Int, column: Int, width: Int, height: Int
    ) {
        let w = min(width, model.columns - 2)
        let h = min(height, model.rows - 2)
        let top = max(1, (model.rows - h) / 2)
        let left = max(1, (model.columns - w) / 2)
        let unicode = model.glyphs == .unicode
        let (horizontal, vertical) = unicode ? ("─", "│") : ("-", "|")
        let corners = unicode ? ["┌", "┐", "└", "┘"] : ["+", "+", "+", "+"]
        for row in top..<(top + h) {
            // The whole row: what a screen's line left beside a box (a `…` by its border) read as the box's.
            for x in 0..<model.columns { frame[row, x] = Cell(character: " ", style: .normal) }
            frame.put(vertical, row: row, column: left, style: .accent)
            frame.put(vertical, row: row, column: left + w - 1, style: .accent)
        }
        let rule = String(repeating: horizontal, count: max(0, w - 2))
        frame.put(corners[0] + rule + corners[1], row: top, column: left, style: .accent)
        frame.put(corners[2] + rule + corners[3], row: top + h - 1, column: left, style: .accent)
        frame.put(" \(title) ", row: top, column: left + 2, style: .heading, width: w - 4)
        return (top, left, w, h)
    }

    static func drawHelp(_ scroll: Int, _ model: ConsoleModel, _ frame: inout Frame) {
        var lines: [(String, Style)] = []
        for scope in KeyScope.allCases {
            let bindings = Keymap.bindings.filter { $0.scope == scope && !($0.action.writes && model.readOnly) }
            guard !bindings.isEmpty else { continue }
            if !lines.isEmpty { lines.append(("", .normal)) }
            lines.append((scope.rawValue, .heading))
            for binding in bindings {
                let keys = binding.keys.map(\.name).joined(separator: " ")
                lines.append((TextWidth.pad(keys, to: 14) + binding.summary, .normal))
            }
        }
        lines += [("", .normal), (Keymap.mouseScope, .heading)]
        for (gesture, summary) in Keymap.mouseBindings {
            lines.append((TextWidth.pad(gesture, to: 14) + summary, .normal))
        }
        let box = self.box(
            width: model.columns - 2, height: model.rows - 2, model, &frame,
            title: "Keys · j/k scroll · any other key closes")
        let visible = box.height - 2
        let start = min(scroll, max(0, lines.count - visible))
        for (offset, (text, style)) in lines.dropFirst(start).prefix(visible).enumerated() {
            frame.put(text, row: box.row + 1 + offset, column: box.column + 2, style: style, width: box.width - 4)
        }
    }

    static func drawPalette(_ palette: ConsoleModel.Palette, _ model: ConsoleModel, _ frame: inout Frame) {
        let matches = Keymap.paletteMatches(palette.input.text, readOnly: model.readOnly, on: model.screen)
        // Wider where the terminal is, so that the longer summaries are read whole.
        let box = self.box(
            width: max(64, min(model.columns - 4, 96)), height: min(model.rows - 2, 16), model, &frame,
            title: "Command palette · enter runs · esc closes")
        let end = frame.put(
            ": " + palette.input.text, row: box.row + 1, column: box.column + 2, style: .normal, width: box.width - 4,
            ellipsis: false)
        frame.cursor = (box.row + 1, min(end, box.column + box.width - 2))
        let rows = box.height - 4
        let first = ScreenGeometry.scrolledStart(selection: palette.selection, count: matches.count, rows: rows)
        for (offset, binding) in matches.dropFirst(first).prefix(rows).enumerated() {
            let selected = first + offset == palette.selection
            let text =
                TextWidth.pad(binding.summary, to: box.width - 18) + " "
                + binding.keys.map(\.name).joined(separator: " ")
            frame.put(
                text, row: box.row + 3 + offset, column: box.column + 2, style: selected ? .selected : .normal,
                width: box.width - 4)
            frame.addClick(
                .paletteMatch(first + offset), row: box.row + 3 + offset, column: box.column + 1, width: box.width - 2)
        }
        if matches.isEmpty { frame.put("no action matches", row: box.row + 3, column: box.column + 2, style: .dim) }
    }

    /// A choice whose options fit on one line shows them there; a longer one (whom to page, which kind
    /// of record) is a list of at most this many rows that scrolls to keep the selection in view.
    static let choiceListRows = 8

    /// The options of a choice on one line, or nil when they do not fit in `width` columns.
    static func inlineOptions(_ label: String, _ options: [String], _ selected: Int, width: Int) -> [String]? {
        let texts = options.indices.map { $0 == selected ? "[\(options[$0])]" : " \(options[$0]) " }
        let total = TextWidth.width(of: label + ": ") + texts.reduce(0) { $0 + TextWidth.width(of: $1) + 1 }
        return total <= width ? texts : nil
    }

    /// The rows a field takes in a form of `inner` columns (a blank row after it included, and the line
    /// saying what the selected option does, if the form has one).
    static func rows(of field: ConsoleModel.Form.Field, inner: Int) -> Int {
        switch field.value {
        case .text: return 2
        case .choice(let options, let selected):
            let texts = options.map(\.text)
            return
                (inlineOptions(field.label, texts, selected, width: inner) != nil
                ? 2 : 2 + min(options.count, choiceListRows))
                + (field.notes != nil ? 1 : 0)
        }
    }

    /// The severity of a SEV1 or SEV2 about to be declared paging nobody, which its note warns of in red
    /// and in words (red alone is lost on a monochrome terminal); nil for any other form or choice.
    static func pagesNobody(_ form: ConsoleModel.Form, _ field: ConsoleModel.Form.Field) -> Severity? {
        guard field.key == .pageBy, form.choice(.pageBy) == .policy(nil),
            case .severity(let severity)? = form.choice(.severity), severity <= .sev2
        else { return nil }
        return severity
    }

    /// A choice's note, dim, or the warning `pagesNobody` gives reason for, red.
    static func note(_ text: String, _ form: ConsoleModel.Form, _ field: ConsoleModel.Form.Field) -> (String, Style) {
        guard let severity = pagesNobody(form, field) else { return (text, .dim) }
        return ("none: this \(severity.name) pages NOBODY (P pages a person or a policy later)", .error)
    }

    static func drawForm(_ form: ConsoleModel.Form, _ model: ConsoleModel, _ frame: inout Frame) {
        let isEditor = form.fields.first?.buffer?.multiline ?? false
        let boxWidth = isEditor ? model.columns - 8 : 72
        // What is wrong, whole: a warning cut at the border lost its "did you mean" and its remedy. The
        // editor keeps its rows for the text, and says it on its border.
        let errorLines =
            isEditor ? [] : model.message.map { $0.isError ? TextWidth.wrap($0.text, to: boxWidth - 4) : [] } ?? []
        let height =
            isEditor
            ? min(model.rows - 2, 16)
            : form.fields.reduce(4 + errorLines.count) { $0 + rows(of: $1, inner: boxWidth - 4) }
        let box = self.box(width: boxWidth, height: height, model, &frame, title: form.title)
        let inner = box.width - 4
        var row = box.row + 1
        for (index, field) in form.fields.enumerated() {
            let focused = index == form.focus
            let label = field.label
            switch field.value {
            case .text(let buffer):
                let labelText = label.isEmpty ? "" : label + ": "
                frame.put(labelText, row: row, column: box.column + 2, style: focused ? .heading : .dim)
                if !buffer.multiline {
                    frame.addClick(.formField(index), row: row, column: box.column + 2, width: inner)
                }
                let x = box.column + 2 + TextWidth.width(of: labelText)
                let (lines, cursorLine, cursorColumn) = buffer.linesAndCursor
                let visible = buffer.multiline ? box.height - 4 : 1
                let start = max(0, cursorLine - visible + 1)
                let width = inner - TextWidth.width(of: labelText)
                // Long single lines scroll so the cursor stays in view.
                let shift = max(0, cursorColumn - width + 1)
                for (offset, line) in lines.dropFirst(start).prefix(visible).enumerated() {
                    let shown = shift > 0 && start + offset == cursorLine ? String(line.dropFirst(shift)) : line
                    frame.put(shown, row: row + offset, column: x, style: .normal, width: width, ellipsis: false)
                }
                if focused {
                    frame.cursor = (row + cursorLine - start, min(box.column + box.width - 2, x + cursorColumn - shift))
                }
                row += buffer.multiline ? visible : 2
            case .choice(let choices, let selected):
                let options = choices.map(\.text)
                let note = field.notes.flatMap { $0.indices.contains(selected) ? $0[selected] : nil }
                if let texts = inlineOptions(label, options, selected, width: inner) {
                    var x = frame.put(label + ": ", row: row, column: box.column + 2, style: focused ? .heading : .dim)
                    for (i, text) in texts.enumerated() {
                        let style: Style = i == selected ? (focused ? .selected : .accent) : .normal
                        frame.addClick(
                            .formOption(field: index, option: i), row: row, column: x, width: TextWidth.width(of: text))
                        x = frame.put(text, row: row, column: x, style: style) + 1
                    }
                    if let note {
                        let (text, style) = self.note(note, form, field)
                        frame.put(text, row: row + 1, column: box.column + 2, style: style, width: inner)
                    }
                    row += note == nil ? 2 : 3
                    continue
                }
                // A list, scrolled so the selected option is in view; the label says where in it that is.
                let rows = min(options.count, choiceListRows)
                frame.put(
                    "\(label): \(selected + 1) of \(options.count) · j/k", row: row, column: box.column + 2,
                    style: focused ? .heading : .dim,
                    width: inner)
                let first = ScreenGeometry.scrolledStart(selection: selected, count: options.count, rows: rows)
                for (offset, option) in options.dropFirst(first).prefix(rows).enumerated() {
                    let isSelected = first + offset == selected
                    frame.put(
                        (isSelected ? "[\(option)]" : " \(option) "), row: row + 1 + offset, column: box.column + 4,
                        style: isSelected ? (focused ? .selected : .accent) : .normal, width: inner - 2)
                    frame.addClick(
                        .formOption(field: index, option: first + offset), row: row + 1 + offset,
                        column: box.column + 2, width: inner)
                }
                if first > 0 {
                    frame.put(ConsoleView.glyph(model, "↑", "^"), row: row + 1, column: box.column + 2, style: .dim)
                }
                if first + rows < options.count {
                    frame.put(ConsoleView.glyph(model, "↓", "v"), row: row + rows, column: box.column + 2, style: .dim)
                }
                if let note {
                    let (text, style) = self.note(note, form, field)
                    frame.put(text, row: row + 1 + rows, column: box.column + 2, style: style, width: inner)
                }
                row += (note == nil ? 2 : 3) + rows
            }
        }
        let hintRow = box.row + box.height - 2
        frame.put(form.hint, row: hintRow, column: box.column + 2, style: .hint, width: inner)
        ConsoleView.addHintClicks(form.hint, row: hintRow, column: box.column + 2, &frame)
        for (i, line) in errorLines.enumerated() where hintRow - errorLines.count + i > box.row {
            frame.put(line, row: hintRow - errorLines.count + i, column: box.column + 2, style: .error, width: inner)
        }
        if isEditor, let message = model.message, message.isError {
            frame.put(message.text, row: box.row + box.height - 1, column: box.column + 2, style: .error, width: inner)
        }
    }
}
