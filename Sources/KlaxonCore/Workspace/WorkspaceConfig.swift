/// The settings of `klaxon.yaml` that this version reads. Later sections (checks, channels,
/// maintenance) are read by the capabilities that use them.
public struct WorkspaceConfig: Hashable, Sendable {
    /// Shown in the console's top bar.
    public var name: String
    /// Where the journals live: a directory (relative to the workspace unless absolute) or a database.
    public var journals: JournalLocation
    /// The zone times are shown in; nil means the machine's local zone (`TZ`).
    public var timeZone: String?
    /// An open incident with no record for this long is shown as stale.
    public var staleAfterSeconds: Int64
    /// The schedule whose on-call people the console's top bar shows (`escalation: {main_schedule: …}`);
    /// nil means the first by name.
    public var mainSchedule: String?
    /// A runbook not reviewed for this many days shows as stale (`runbooks: {stale_after: 90d}`).
    public var runbookStaleAfterDays = 90
    /// How failed page deliveries are retried (`escalation: {attempts: 5, retry_backoff: 30s}`).
    public var pagingRetry = EscalationEngine.RetryPolicy()
    /// Where pages go out (`channels:`).
    public var channels = DeliveryChannels()
    /// Set in the workspace `klaxon drill` makes: the scenario it rehearses. Every incident declared
    /// there carries it, and the console shows DRILL.
    /// How the console tells its user of a new serious incident or a page to them (`notify:`).
    public var notify = NotifyMode.desktop
    public var drill: String?
    /// The alert intake (`intake:`); nil when none is configured.
    public var intake: IntakeConfig?
    /// Status updates for the people who depend on the platform: their cadence (`comms:`, docs/comms.md).
    public var comms = CommsConfig()

    public init(
        name: String = "workspace", journals: JournalLocation = .directory("journals"), timeZone: String? = nil,
        staleAfterSeconds: Int64 = 30 * 60
    ) {
        self.name = name
        self.journals = journals
        self.timeZone = timeZone
        self.staleAfterSeconds = staleAfterSeconds
    }

    /// Top-level keys of `klaxon.yaml`: the ones read here and the ones other capabilities own.
    public static let knownKeys: Set<String> = [
        "name", "journals", "time_zone", "stale_after", "checks", "maintenance",
        "channels", "runbooks", "drill", "escalation", "intake", "comms", "notify"
    ]
}

/// Durations in config files: `30s`, `5m`, `1h`, `800ms`, `1h30m`.
public enum DurationSyntax {
    /// Milliseconds of `text`, or nil when it is not a duration.
    public static func milliseconds(_ text: String) -> Int64? {
        ASCIIParser.with(text.trimmingWhitespace) { p in
            var total: Int64 = 0
            var sawUnit = false
            while !p.atEnd {
                guard let n = p.number(), n < 100_000_000 else { return nil }
                let unit: Int64
                if p.take("m") {
                    unit = p.take("s") ? 1 : 60_000
                } else if p.take("s") {
                    unit = 1000
                } else if p.take("h") {
                    unit = 3_600_000
                } else if p.take("d") {
                    unit = 86_400_000
                } else {
                    return nil
                }
                total += Int64(n) * unit
                sawUnit = true
            }
            return sawUnit ? total : nil
        }
    }

    public static let expected = "a duration such as 30s, 5m, 1h or 800ms"
}
