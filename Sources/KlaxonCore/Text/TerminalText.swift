/// The one rule for untrusted text on a terminal, the console's and every command's: a control
/// character is never sent as it is. ESC, CSI (U+009B) and OSC (U+009D) start sequences that move
/// the cursor, clear the screen, retitle the window or write the clipboard; BEL, backspace and a lone
/// carriage return ring or overwrite what was printed. Each control character is shown as `�`
/// (U+FFFD), as the console shows it: the reader sees that something was there, and nothing happens.
public enum TerminalText {
    /// What a control character is shown as.
    public static let replacement: Unicode.Scalar = "\u{FFFD}"

    /// Whether a scalar is a control character: C0 (U+0000–U+001F), DEL (U+007F) or C1 (U+0080–U+009F).
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F..<0xA0).contains(scalar.value)
    }

    /// `text` with every control character shown as `�`, but tabs (which only move the cursor
    /// right) and, with `keepingLineBreaks`, line breaks: a newline, or a carriage return directly
    /// before one (which cannot overwrite anything, since the newline follows).
    public static func printable(_ text: String, keepingLineBreaks: Bool = false) -> String {
        // Most text has no control character but tabs and newlines: return it as it is, uncopied.
        var clean = true
        for byte in text.utf8 where byte < 0x20 || byte == 0x7F || byte == 0xC2 {
            if byte == 0x09 || (byte == 0x0A && keepingLineBreaks) { continue }
            clean = false
            break
        }
        if clean { return text }
        var scalars = String.UnicodeScalarView()
        let input = Array(text.unicodeScalars)
        for (i, scalar) in input.enumerated() {
            let kept =
                !isControl(scalar) || scalar == "\t"
                || (keepingLineBreaks
                    && (scalar == "\n" || (scalar == "\r" && i + 1 < input.count && input[i + 1] == "\n")))
            scalars.append(kept ? scalar : replacement)
        }
        return String(scalars)
    }

    /// `text` on one line, for an error that quotes what someone typed: a line break or a tab is written
    /// as `\n`, `\r` or `\t` (what was typed stays readable, and the message stays one line), any other
    /// control character as `�`.
    public static func oneLine(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out.append(contentsOf: "\\n".unicodeScalars)
            case "\r": out.append(contentsOf: "\\r".unicodeScalars)
            case "\t": out.append(contentsOf: "\\t".unicodeScalars)
            default: out.append(isControl(scalar) ? replacement : scalar)
            }
        }
        return String(out)
    }

    /// JSON text made safe for a terminal without changing its value: the encoder escapes C0 and DEL,
    /// and leaves C1 characters as UTF-8 (the journal's bytes are defined that way); here they are
    /// written as `\u0080`…`\u009f` too. Outside strings JSON has only ASCII, so every C1 character is
    /// inside a string, where the escape means the same character.
    public static func json(_ json: String) -> String {
        guard json.utf8.contains(0xC2) else { return json }
        var out = ""
        out.reserveCapacity(json.utf8.count + 16)
        for scalar in json.unicodeScalars {
            if (0x80..<0xA0).contains(scalar.value) {
                out += "\\u00" + String(scalar.value, radix: 16)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
