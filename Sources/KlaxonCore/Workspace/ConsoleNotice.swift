/// Something the console's user is told of by the bell and, where it can, a desktop notification.
public struct ConsoleNotice: Hashable, Sendable {
    public var title: String
    public var body: String

    public init(title: String, body: String) {
        self.title = title
        self.body = body
    }

    /// What changed from `before` (nil: not held until now) to `after` that `user` is told of, judged at
    /// `now`: a SEV1 or SEV2 declared in the last `recentSeconds` (not one found as the console starts),
    /// an incident raised to SEV2 or above, and each page whose first attempt goes to `user` in that time.
    public static func notices(
        before: Incident?, after: Incident, user: String, now: Timestamp, recentSeconds: Int64 = 600
    ) -> [ConsoleNotice] {
        guard after.isOpen else { return [] }
        var notices: [ConsoleNotice] = []
        let serious = after.severity <= .sev2
        if serious, before == nil, after.declaredAt.seconds(until: now) <= recentSeconds {
            notices.append(.init(title: "\(after.severity) \(after.id) declared", body: after.title))
        } else if serious, let before, before.severity > .sev2 {
            notices.append(.init(title: "\(after.id) raised to \(after.severity)", body: after.title))
        }
        let seen = before?.escalationEvents.last?.sequence ?? 0
        for event in after.escalationEvents where event.sequence > seen {
            guard case .attempt(_, 1, let paged, _, _) = event.kind, paged == user,
                event.at.seconds(until: now) <= recentSeconds
            else { continue }
            notices.append(.init(title: "You are paged for \(after.id) (\(after.severity))", body: after.title))
        }
        return notices
    }
}
