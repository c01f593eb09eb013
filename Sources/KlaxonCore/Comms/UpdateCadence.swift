/// When an open incident's next public status update is due, by `comms: {cadence:}`: an interval after
/// the last update, or after the declaration when none was posted yet. Pure: the dashboard, the incident
/// header, `incident show` and the reminders all ask it with their own `now`.
public enum UpdateCadence {
    /// The next update of an incident: when it is due, and what it is measured from.
    public struct Due: Hashable, Sendable {
        /// When the next update is due.
        public var at: Timestamp
        /// The last update's time, or the declaration's when none was posted: what `at` counts from.
        public var since: Timestamp
        /// The severity's cadence in seconds.
        public var intervalSeconds: Int64

        public init(at: Timestamp, since: Timestamp, intervalSeconds: Int64) {
            self.at = at
            self.since = since
            self.intervalSeconds = intervalSeconds
        }

        /// Whether `now` is at or past the time the update was due.
        public func isOverdue(now: Timestamp) -> Bool { now >= at }

        /// "update due in 4m", or past due "UPDATE OVERDUE 12m" (capitals so that it reads without colour).
        public func text(now: Timestamp) -> String {
            isOverdue(now: now)
                ? "UPDATE OVERDUE \(Self.span(at.seconds(until: now)))"
                : "update due in \(Self.span(max(1, now.seconds(until: at))))"
        }

        /// A span of seconds the way the header says it: 45s, 4m, 1h 20m, 2d 3h (the next unit up once
        /// there is one: a minute is shown from 60 seconds, rounded down).
        static func span(_ seconds: Int64) -> String {
            let s = max(0, seconds)
            if s < 60 { return "\(s)s" }
            if s < 3600 { return "\(s / 60)m" }
            if s < 86_400 { return s % 3600 / 60 == 0 ? "\(s / 3600)h" : "\(s / 3600)h \(s % 3600 / 60)m" }
            return s % 86_400 / 3600 == 0 ? "\(s / 86_400)d" : "\(s / 86_400)d \(s % 86_400 / 3600)h"
        }
    }

    /// The next update `incident` owes, or nil: resolved, or its severity has no cadence.
    public static func due(for incident: Incident, cadence config: CommsConfig) -> Due? {
        guard incident.isOpen, let interval = config.cadence[incident.severity] else { return nil }
        // An update posted before a reopening counts from the reopening: the incident is news again.
        var since = incident.lastStatusUpdateAt ?? incident.declaredAt
        if let reopened = incident.escalationEvents.last(where: { $0.kind == .reopened })?.at, reopened > since {
            since = reopened
        }
        return Due(at: since.adding(seconds: interval), since: since, intervalSeconds: interval)
    }
}
