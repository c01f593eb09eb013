/// Which redirects a check follows: only to http and https, only on the check's own host unless its
/// `follow_redirects` is `any`, and only so many. Each refusal says why, for the check's detail.
public struct RedirectRule: Hashable, Sendable {
    public var policy: CheckDefinition.FollowRedirects
    /// The host of the check's own URL, in lower case.
    public var host: String
    public var maximum: Int

    public init(url: String, policy: CheckDefinition.FollowRedirects, maximum: Int = 5) {
        self.policy = policy
        self.host = Self.schemeAndHost(of: url)?.host ?? ""
        self.maximum = maximum
    }

    /// nil when a redirect to `target` (an absolute URL), after `followed` redirects already, may be
    /// followed; otherwise why not. (`none` is not asked: the redirect itself is then the answer.)
    public func refusal(of target: String, followed: Int) -> String? {
        let scheme = target.range(of: "://").map { target[..<$0.lowerBound].lowercased() } ?? ""
        guard scheme == "http" || scheme == "https" else {
            return scheme.isEmpty
                ? "redirect to an address that cannot be read, not followed"
                : "redirect to \(Self.shown(scheme)):// not followed: checks follow only http:// and https://"
        }
        guard let targetHost = Self.schemeAndHost(of: target)?.host else {
            return "redirect to an address that cannot be read, not followed"
        }
        if policy != .any && targetHost != host {
            return
                "redirect to another host, \(Self.shown(targetHost)), not followed: follow_redirects is same-host (\(Self.shown(host))); follow_redirects: any allows it"
        }
        if followed >= maximum {
            return "more than \(maximum) redirects (a loop?); the last was to \(Self.shown(targetHost))"
        }
        return nil
    }

    /// The scheme and host of an absolute URL, both in lower case, the host without brackets or port:
    /// `HTTP://User@[FD00:EC2::254]:80/x` is `("http", "fd00:ec2::254")`.
    public static func schemeAndHost(of url: String) -> (scheme: String, host: String)? {
        guard let colon = url.range(of: "://") else { return nil }
        let scheme = url[..<colon.lowerBound].lowercased()
        var authority = url[colon.upperBound...].prefix { !"/?#".contains($0) }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        let host: Substring
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
        } else {
            host = authority.prefix { $0 != ":" }
        }
        guard !scheme.isEmpty, !host.isEmpty else { return nil }
        return (scheme, host.lowercased())
    }

    /// Whether two absolute URLs have one origin: scheme, host and port (the scheme's default when none
    /// is given). Credentials are sent only within it, as curl's own redirects do: never to another
    /// host, nor to another port, nor in clear text after `https`.
    public static func sameOrigin(_ a: String, _ b: String) -> Bool {
        func origin(_ url: String) -> String? {
            guard let (scheme, host) = schemeAndHost(of: url), let colon = url.range(of: "://") else { return nil }
            var authority = url[colon.upperBound...].prefix { !"/?#".contains($0) }
            if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
            let afterHost =
                authority.hasPrefix("[") ? authority.drop { $0 != "]" }.dropFirst() : authority.drop { $0 != ":" }
            let port = afterHost.count > 1 ? String(afterHost.dropFirst()) : (scheme == "https" ? "443" : "80")
            return "\(scheme)://\(host):\(port)"
        }
        guard let first = origin(a) else { return false }
        return first == origin(b)
    }

    /// Text from a server's redirect, fit for a message: printable ASCII, at most 100 characters.
    static func shown(_ text: String) -> String {
        let printable = text.unicodeScalars.allSatisfy { (0x21...0x7E).contains($0.value) }
        return printable ? String(text.prefix(100)) : "(an unreadable name)"
    }
}
