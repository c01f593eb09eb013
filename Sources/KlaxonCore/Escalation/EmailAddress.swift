/// The rule for the email addresses Klaxon puts into SMTP commands and message headers (a contact's
/// `address`, `channels.email.from`): one plain `local@domain`, so that no address can end a command
/// early and add another (a line break) or close the angle brackets it is sent in.
public enum EmailAddress {
    /// Why `text` is not a plain address, or nil when it is one.
    public static func problem(_ text: String) -> String? {
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return "it has a line break or another control character"
        }
        if text.contains("<") || text.contains(">") { return "it has < or >" }
        if text.contains(where: \.isWhitespace) { return "it has a space" }
        if let special = text.first(where: { "()[]\\,;:\"".contains($0) }) {
            return "it has \"\(special)\", which only a quoted address may hold"
        }
        if text.utf8.count > 254 { return "it is longer than 254 bytes" }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return parts.count < 2 ? "it has no @" : "it has more than one @" }
        guard !parts[0].isEmpty else { return "nothing comes before the @" }
        guard !parts[1].isEmpty,
            !parts[1].split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty)
        else {
            return "its domain after the @ is empty or has an empty part"
        }
        return nil
    }
}
