/// Credentials written into URLs (`https://user:password@host/`), kept out of whatever Klaxon shows or
/// records: the check's detail, `status check`, journals, messages (libcurl's may quote the URL).
public enum URLCredentials {
    /// `text` with the password of every URL's user information replaced by `***` (`user:***@host`),
    /// and user information without a password (often a token: `https://TOKEN@host`) replaced whole.
    public static func redacted(_ text: String) -> String {
        guard text.contains("@") else { return text }
        var out = ""
        var rest = Substring(text)
        while let scheme = rest.range(of: "://") {
            out += rest[..<scheme.upperBound]
            rest = rest[scheme.upperBound...]
            let authority = rest.prefix { !"/?#\\ \t\r\n\"'<>".contains($0) }
            guard let at = authority.lastIndex(of: "@") else { continue }
            let userinfo = authority[..<at]
            if let colon = userinfo.firstIndex(of: ":") {
                out += userinfo[..<colon] + ":***"
            } else {
                out += "***"
            }
            rest = rest[at...]
        }
        return out + rest
    }

    /// Whether `url` carries user information (`user:password@`).
    public static func present(in url: String) -> Bool { redacted(url) != url }
}
