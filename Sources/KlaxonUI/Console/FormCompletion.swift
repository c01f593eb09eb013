import KlaxonCore

/// Tab completes names from the workspace in the fields that take one (issue 26): Service in the declare
/// dialog (the last of a comma-separated list), Person in the assign-role dialog, Owner of an action item,
/// and the link dialog's runbook. Tab fills in what the known names starting with the typed word agree on
/// and, when several are left, lists them on the message line; with nothing to add it moves to the next
/// field, as in every other field. The page dialog (`P`) lists the workspace's policies and people itself.
extension ConsoleUpdate {
    /// The names field `key` completes from; nil for a field that completes nothing.
    static func completions(for key: ConsoleModel.Form.FieldKey, _ model: ConsoleModel) -> [String]? {
        switch key {
        case .service: model.workspaceNames.services
        case .person, .owner: model.workspaceNames.people
        case .link: model.workspaceNames.runbooks
        default: nil
        }
    }

    /// Completes the focused field of `form` on tab; false when it had nothing to add (tab then moves on).
    static func complete(_ form: inout ConsoleModel.Form, _ model: inout ConsoleModel) -> Bool {
        let field = form.fields[form.focus]
        guard let buffer = field.buffer, buffer.cursor == buffer.characters.count,
            let names = completions(for: field.key, model)
        else { return false }
        let text = buffer.text
        // Services are a comma-separated list: the word is the last of them.
        let start =
            field.key == .service
            ? text.lastIndex(of: ",").map { text.index(after: $0) } ?? text.startIndex
            : text.startIndex
        let word = text[start...]
        let typed = word.drop(while: \.isWhitespace)
        guard let (completed, candidates) = WorkspaceNames.completion(of: String(typed), among: names) else {
            return false
        }
        if candidates.count > 1 {
            let shown = candidates.prefix(8).joined(separator: " · ") + (candidates.count > 8 ? " · …" : "")
            model.message = .init(text: "\(candidates.count) names start so: \(shown)", isError: false)
        }
        guard completed != String(typed) else { return false }
        form.fields[form.focus].value = .text(
            TextBuffer(String(text[..<typed.startIndex]) + completed, multiline: buffer.multiline))
        return true
    }
}
