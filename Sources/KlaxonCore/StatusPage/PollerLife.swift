/// A stretch of time a Klaxon poller was recording the checks (docs/comms.md, "The status page"): from a
/// `poller.started` record (or the first record of the platform journal when none says so) to its
/// `poller.stopped`, else to its last sign of life (a change recorded, a `poller.alive`), else, for the
/// poller recording now, to now. Outside every life nothing is known of any check, whatever its last
/// recorded state: the page shows that time as no data, never as the state before it.
public struct PollerLife: Hashable, Sendable {
    public var from: Timestamp
    public var to: Timestamp

    public init(from: Timestamp, to: Timestamp) {
        self.from = from
        self.to = to
    }

    /// How often the recording poller writes `poller.alive` when nothing else was recorded: the most a
    /// poller that died without a word (SIGKILL, power) leaves unclaimed at the end of its life.
    public static let beatSeconds: Int64 = 15 * 60
    /// ... while a check it records is down or failing: a minute, so that a poller killed in an outage
    /// leaves at most a minute of it unknown (a quiet platform costs a record every 15 minutes).
    public static let beatSecondsWhileDown: Int64 = 60

    /// A sign of a poller in the platform journal.
    public struct Sign: Hashable, Sendable {
        public enum Kind: Int, Sendable {
            // In this order at one instant: a start opens a life, then what it recorded, then its end.
            case started, alive, stopped
        }
        public var kind: Kind
        public var at: Timestamp

        public init(_ kind: Kind, at: Timestamp) {
            self.kind = kind
            self.at = at
        }

        /// The sign a `poller.*` record gives; nil for another record (a `check.changed` is a sign of
        /// life too: `StatusPage.build` counts the changes as such).
        public init?(_ record: JournalRecord) {
            switch RecordType(rawValue: record.type) {
            case .pollerStarted: self.init(.started, at: record.timestamp)
            case .pollerAlive: self.init(.alive, at: record.timestamp)
            case .pollerStopped: self.init(.stopped, at: record.timestamp)
            default: return nil
            }
        }
    }

    /// The lives the signs (in any order) tell of, oldest first. `runningNow`: a poller records now (the
    /// caller asked the store's hold `poller`, or is that poller), so the last life goes on to `now`
    /// (begun now when no sign says when); otherwise the last ends at its last sign.
    public static func lives(of signs: [Sign], runningNow: Bool, now: Timestamp) -> [PollerLife] {
        let ordered = signs.enumerated().sorted {
            ($0.element.at, $0.element.kind.rawValue, $0.offset) < ($1.element.at, $1.element.kind.rawValue, $1.offset)
        }.map(\.element)
        var lives: [PollerLife] = []
        var open: PollerLife?
        for sign in ordered where sign.at <= now {
            switch sign.kind {
            case .started:
                if let life = open { lives.append(life) }  // died without a word: ends at its last sign
                open = PollerLife(from: sign.at, to: sign.at)
            case .alive:
                if open == nil { open = PollerLife(from: sign.at, to: sign.at) }
                open?.to = sign.at
            case .stopped:
                if var life = open {
                    life.to = sign.at
                    lives.append(life)
                }
                open = nil
            }
        }
        if runningNow {
            lives.append(PollerLife(from: open?.from ?? now, to: now))
        } else if let life = open {
            lives.append(life)
        }
        return lives
    }
}
