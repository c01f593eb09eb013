/// The pages Klaxon serves (the status page, an action link's page): one document with an inline style
/// sheet and nothing loaded from elsewhere, and the escaping every text from outside goes through.
enum HTMLDocument {
    /// The whole document: `metas` (whole `<meta …>` lines) after the charset and viewport, then the title
    /// (already escaped), the style sheet and `body`.
    static func page(title: String, style: String, metas: [String], body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        \(metas.map { $0 + "\n" }.joined())<title>\(title)</title>
        <style>\(style)</style>
        </head>
        <body><main>
        \(body)</main></body>
        </html>

        """
    }

    /// `text` safe inside an element or a quoted attribute, without control characters.
    static func escape(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\n", "\t": result += " "
            default:
                if TerminalText.isControl(scalar) { continue }
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
