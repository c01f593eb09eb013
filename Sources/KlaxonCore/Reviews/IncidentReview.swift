/// Everything a post-incident review exports about one incident, worked out once from its journal and
/// rendered by `ReviewMarkdown`, `ReviewJSON` and `ReviewCSV` (docs/review-format.md).
public struct IncidentReview: Sendable {
    /// The incident, with its full timeline.
    public var incident: Incident
    /// Time to detect, acknowledge, mitigate, resolve, and the impact's length.
    public var durations: [DerivedDuration]
    /// Key times out of order and records that could not be read.
    public var warnings: [String]
    /// The incident's records, after the status changes of its checks from before it was declared.
    public var timeline: [Entry]
    /// Each person paged, by which contact, and how it went, in the order first tried.
    public var pages: [Page]
    /// The records that started, stepped, stopped, moved on (escalated now) or exhausted an escalation, and
    /// the acknowledgements.
    public var escalationLog: [Entry]
    public var runbooks: [RunbookUse]
    public var journal: JournalSeal
    public var exportedAt: Timestamp

    /// How far before the earliest key time the platform journal's check changes are taken in.
    public static let platformLookbackSeconds: Int64 = 3600

    /// One line of the timeline.
    public struct Entry: Hashable, Sendable {
        public enum Source: String, Sendable { case incident, platform }
        public var record: JournalRecord
        public var source: Source
        /// `TimelineText.kind`: note, status, check, page, escalate, runbook, …
        public var kind: String
        /// `TimelineText.text`, with times in UTC.
        public var text: String
    }

    /// One page: a person reached (or not) through one contact for one step.
    public struct Page: Hashable, Sendable {
        public var user: String
        public var contact: String
        /// The policy's name; `user:NAME` for a person paged directly.
        public var policy: String
        public var step: Int
        public var steps: Int
        public var firstAttemptAt: Timestamp
        public var attempts: Int
        /// `delivered`, `failed`, `unknown` (the engine stopped mid-send) or `sending` (no result yet).
        public var outcome: String
        public var outcomeAt: Timestamp?
        public var detail: String?
    }

    /// A runbook the incident linked or whose steps it ticked.
    public struct RunbookUse: Hashable, Sendable {
        public var name: String
        /// From the runbook's front matter, when it is still in `Runbooks/`.
        public var title: String?
        public var linked: Bool
        /// The last recorded state of each ticked step, by step number.
        public var steps: [Incident.RunbookStepTick]
    }

    /// What the journal file itself says: how many records, the last hash, and whether the chain verified.
    public struct JournalSeal: Hashable, Sendable {
        /// The journal as its store names it: the file's name (`INC-1.jsonl`), or the incident in a
        /// database (`journal INC-1 at postgresql://…`, without secrets).
        public var source: String
        /// The journal file's name, nil when the journal is not a file (rows in a database).
        public var file: String?
        public var recordCount: Int
        public var finalHash: RecordHash
        /// nil when every record's hash and the chain verified; otherwise what is wrong.
        public var problem: String?

        public init(source: String, file: String?, recordCount: Int, finalHash: RecordHash, problem: String?) {
            self.source = source
            self.file = file
            self.recordCount = recordCount
            self.finalHash = finalHash
            self.problem = problem
        }

        /// The seal of a journal file, named `file`.
        public init(file: String, recordCount: Int, finalHash: RecordHash, problem: String?) {
            self.init(source: file, file: file, recordCount: recordCount, finalHash: finalHash, problem: problem)
        }

        public var verified: Bool { problem == nil }
    }

    /// The review of `incident` (with its timeline). `platformRecords` are the platform journal's
    /// records: the changes of `checks` (the incident's services' checks) from an hour before its
    /// earliest key time until it was declared are put in front of its timeline, because after the
    /// declaration those changes are on the incident's own journal. `runbookTitles` maps names to titles.
    public init(
        incident: Incident, journal: JournalSeal, platformRecords: [JournalRecord] = [], checks: Set<String> = [],
        runbookTitles: [String: String] = [:], exportedAt: Timestamp
    ) {
        self.incident = incident
        self.journal = journal
        self.exportedAt = exportedAt
        durations = DerivedDuration.all(incident.keyTimes)
        warnings = incident.timeOrderWarnings + incident.unreadable.map { "record \($0.sequence): \($0.reason)" }

        let formatter = LocalTimeFormatter.utc
        func entry(_ record: JournalRecord, _ source: Entry.Source) -> Entry {
            Entry(
                record: record, source: source, kind: TimelineText.kind(of: record),
                text: TimelineText.text(of: record, formatter: formatter))
        }
        var relevantChecks = checks
        if let check = incident.declaringCheck { relevantChecks.insert(check) }
        let declared = incident.declaredAt
        let windowStart = (incident.keyTimes.values.min() ?? declared).adding(seconds: -Self.platformLookbackSeconds)
        // The change that made a check declare the incident has the declaration's own time; it is on the
        // incident's journal as well only when the incident was open before the change was recorded.
        let onIncident = Set(
            incident.timeline.filter { $0.type == RecordType.checkChanged.rawValue }.map {
                "\($0.timestamp.milliseconds) \($0.data["check"]?.stringValue ?? "") \($0.data["to"]?.stringValue ?? "")"
            })
        let before = platformRecords.filter { record in
            record.type == RecordType.checkChanged.rawValue && record.timestamp >= windowStart
                && record.timestamp <= declared
                && record.data["check"]?.stringValue.map(relevantChecks.contains) == true
                && !onIncident.contains(
                    "\(record.timestamp.milliseconds) \(record.data["check"]?.stringValue ?? "") \(record.data["to"]?.stringValue ?? "")"
                )
        }
        timeline =
            before.sorted { $0.timestamp < $1.timestamp }.map { entry($0, .platform) }
            + incident.timeline.map { entry($0, .incident) }

        escalationLog = timeline.compactMap { entry in
            switch RecordType(rawValue: entry.record.type) {
            case .declared?:
                guard let policy = entry.record.data["policy"]?.stringValue else { return nil }
                var declared = entry
                declared.text = "declared the incident with escalation policy \(policy)"
                return declared
            case .escalationStarted?, .pageRequested?, .escalationStep?, .escalationStopped?, .escalationAdvanced?,
                .escalationExhausted?, .acknowledged?:
                return entry
            default:
                return nil
            }
        }
        pages = Self.pages(of: incident.timeline)
        runbooks = Self.runbooks(of: incident, titles: runbookTitles)
    }

    /// The acknowledgements: who, when, and how when not from a terminal (`via`: `link`).
    public var acknowledgements: [(by: String, at: Timestamp, via: String?)] {
        incident.timeline.filter { $0.type == RecordType.acknowledged.rawValue }.map {
            ($0.actor, $0.timestamp, $0.data["via"]?.stringValue)
        }
    }

    private static func pages(of records: [JournalRecord]) -> [Page] {
        var pages: [Page] = []
        var index: [String: Int] = [:]
        for record in records {
            let d = record.data
            guard let key = d["page"]?.stringValue else { continue }
            switch RecordType(rawValue: record.type) {
            case .pageAttempt?:
                let attempt = d["attempt"]?.intValue ?? 1
                if let i = index[key] {
                    pages[i].attempts = max(pages[i].attempts, attempt)
                    pages[i].outcome = "sending"
                } else {
                    index[key] = pages.count
                    pages.append(
                        Page(
                            user: d["user"]?.stringValue ?? "?", contact: d["contact"]?.stringValue ?? "?",
                            policy: d["policy"]?.stringValue ?? "?", step: d["step"]?.intValue ?? 0,
                            steps: d["steps"]?.intValue ?? 0, firstAttemptAt: record.timestamp, attempts: attempt,
                            outcome: "sending", outcomeAt: nil, detail: nil))
                }
            case .pageResult?:
                guard let i = index[key] else { continue }
                pages[i].outcome = d["outcome"]?.stringValue ?? "unknown"
                pages[i].outcomeAt = record.timestamp
                pages[i].detail = d["detail"]?.stringValue
            default:
                continue
            }
        }
        return pages
    }

    private static func runbooks(of incident: Incident, titles: [String: String]) -> [RunbookUse] {
        var names: [String] = []
        for link in incident.links where link.kind == .runbook && !names.contains(link.target) {
            names.append(link.target)
        }
        let linked = Set(names)
        for tick in incident.runbookSteps where !names.contains(tick.runbook) { names.append(tick.runbook) }
        return names.map { name in
            RunbookUse(
                name: name, title: titles[name], linked: linked.contains(name),
                steps: incident.runbookSteps.filter { $0.runbook == name }.sorted { $0.step < $1.step })
        }
    }
}
