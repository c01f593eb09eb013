import Foundation
import KlaxonCore
import KlaxonMarkdown
import KlaxonStore
import KlaxonUI

/// What the fuzzers attack, each given arbitrary bytes. A target may refuse its input (that is what bad
/// input gets) but must never crash, hang or break one of the promises it checks with `precondition`:
/// a crash is a finding. The libFuzzer build (`scripts/fuzz`) runs them; the test suite runs every
/// input kept in `Fuzz/corpus/` and `Fuzz/crashes/` through them, so a crash once found stays fixed.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// The journal decoder and replay.
    case journal
    /// `klaxon.yaml`: the workspace loader and the checks' validator.
    case config
    /// cmark-gfm, the conversion to Klaxon's tree and the layout at several widths.
    case markdown
    /// The Statuspage, Prometheus and Alertmanager payload parsers, and every system check's reading
    /// of its health answers (`SystemHealth`).
    case status
    /// RFC 3339, the time expressions of the command line, and durations.
    case time
    /// The console's keyboard input: bytes from the terminal through `UTF8InputDecoder`.
    case terminal
    /// The intake's bodies: Alertmanager's webhook notification and PagerDuty's Events API v2 event.
    case alerts

    public func run(_ bytes: UnsafeRawBufferPointer) {
        switch self {
        case .journal: Self.journal(bytes)
        case .config: Self.config(bytes)
        case .markdown: Self.markdown(bytes)
        case .status: Self.status(bytes)
        case .time: Self.time(bytes)
        case .terminal: Self.terminal(bytes)
        case .alerts: Self.alerts(bytes)
        }
    }

    public func run(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { run($0) }
    }

    // MARK: Journal

    /// The scan as a reader does it, both ways it can be done (they must agree); then the input's lines
    /// as record contents, chained with valid hashes so that replay gets past the hash check, which
    /// random bytes never would.
    static func journal(_ raw: UnsafeRawBufferPointer) {
        let bytes = raw.bindMemory(to: UInt8.self)
        var sequential = JournalScanner()
        let one = sequential.scan(bytes, isComplete: true)
        var parallel = JournalScanner()
        let two = parallel.scan(bytes, isComplete: true, parallelism: 2)
        precondition(
            one.records == two.records && one.damage == two.damage,
            "the parallel scan disagrees with the sequential one")
        precondition(
            sequential.validLength <= bytes.count && (one.damage != nil || sequential.validLength == bytes.count))
        if one.damage == nil { _ = try? IncidentReplay.replay(one.records) }

        var previous = RecordHash.genesis
        var chain: [UInt8] = []
        var drafts: [RecordDraft] = []
        for line in bytes.split(separator: UInt8(ascii: "\n")).prefix(200) {
            guard case .object(let fields)? = try? JSONParser.parse(line), let type = fields["type"]?.stringValue else {
                continue
            }
            let timestamp =
                fields["ts"]?.stringValue.flatMap(Timestamp.parseRFC3339) ?? Timestamp(milliseconds: 1_795_000_000_000)
            let draft = RecordDraft(
                type: type, data: fields["data"] ?? .object([:]), timestamp: timestamp,
                actor: fields["actor"]?.stringValue ?? "fuzz", host: "fuzz", pid: 1)
            let (encoded, record) = JournalCodec.encode(draft, sequence: drafts.count + 1, previousHash: previous)
            chain += encoded
            previous = record.hash
            drafts.append(draft)
        }
        var scanner = JournalScanner()
        let chained = chain.withUnsafeBufferPointer { scanner.scan($0, isComplete: true) }
        precondition(chained.damage == nil, "a chain the encoder wrote does not scan: \(chained.damage!)")
        precondition(chained.records.count == drafts.count)
        for (record, draft) in zip(chained.records, drafts) {
            precondition(
                record.type == draft.type && record.data == draft.data && record.actor == draft.actor
                    && record.timestamp == draft.timestamp, "a record does not read back as written")
        }
        // A summary (what the console keeps) and the full replay must agree on the incident's state.
        let full = try? IncidentReplay.replay(chained.records)
        let summary = try? IncidentReplay.replay(chained.records, keepingTimeline: false)
        precondition(
            full?.status == summary?.status && full?.severity == summary?.severity,
            "the summary and the replay disagree")
    }

    // MARK: Configuration

    /// A workspace directory of this process, whose klaxon.yaml each input replaces.
    static let workspace: String = {
        let path = NSTemporaryDirectory() + "klaxon-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        // Gone with the process (the tests run these targets too, and leave nothing behind).
        atexit { try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "klaxon-fuzz-\(getpid())") }
        return path
    }()

    static func config(_ raw: UnsafeRawBufferPointer) {
        guard FileManager.default.createFile(atPath: workspace + "/klaxon.yaml", contents: Data(raw)) else { return }
        if let loaded = try? Workspace.load(directory: workspace) {
            _ = loaded.config
        }
        let checks = CheckFiles.load(workspaceRoot: workspace, timeZone: TimeZone(identifier: "UTC")!)
        for finding in checks.findings { precondition(!finding.message.isEmpty, "a finding without a message") }
    }

    // MARK: Markdown

    /// The layout's promise: every line but a code line fits the width, at any width and in ASCII too.
    static func markdown(_ raw: UnsafeRawBufferPointer) {
        let text = String(decoding: raw, as: UTF8.self)
        let split = Runbook.splitFrontMatter(text)
        let document = MarkdownParser.parse(split.body)
        _ = RunbookLinks.anchors(of: document)
        for width in [20, 57, 120] {
            for ascii in [false, true] {
                let page = RunbookLayout.page(document, width: width, ascii: ascii)
                for line in page.lines where !line.isCode {
                    precondition(
                        TextWidth.width(of: line.text) <= width,
                        "a line of \(TextWidth.width(of: line.text)) columns at width \(width)")
                }
                for target in page.targets {
                    precondition(
                        page.lines.indices.contains(target.line),
                        "a link or step on line \(target.line) of \(page.lines.count)")
                }
            }
        }
    }

    // MARK: Status payloads

    static func status(_ raw: UnsafeRawBufferPointer) {
        let body = [UInt8](raw)
        _ = try? StatusPayloads.statuspage(body)
        _ = try? StatusPayloads.prometheus(body, rules: AlertRules())
        _ = try? StatusPayloads.prometheus(
            body, rules: AlertRules(labels: ["severity": ["critical"]], requiredAlert: ["alertname": ["Watchdog"]]))
        _ = try? StatusPayloads.alertmanager(body, rules: AlertRules())
        _ = try? StatusPayloads.alertmanager(
            body, rules: AlertRules(labels: ["team": ["platform", ""]], severities: SeverityRule(ignored: ["none"])))
        systems(body)
    }

    /// Every system kind judging the body as each of its answers, sent with 200 and with 503: never a
    /// crash, and never a control character but a tab in the detail or an item (they reach terminals,
    /// journals and pages).
    static func systems(_ body: [UInt8]) {
        var query = CheckDefinition(name: "q", kind: .prometheusQuery, url: "http://p")
        query.query = QueryRules(
            query: "up", down: QueryRules.Condition(.less, 1), degraded: QueryRules.Condition(.less, 2))
        var buildkite = CheckDefinition(name: "b", kind: .buildkite, url: "http://b")
        buildkite.queues = ["default", "gpu"]
        let checks =
            CheckDefinition.Kind.allCases.filter(SystemHealth.reads).map {
                CheckDefinition(name: "s", kind: $0, url: "http://s")
            } + [query, buildkite]
        for check in checks {
            for status in [200, 503] {
                var response = ProbeResponse(statusCode: status)
                response.body = body
                let count = CheckEvaluation.requestURLs(check).count
                let evaluation = CheckEvaluation.evaluate(
                    check, responses: Array(repeating: response, count: count),
                    now: Timestamp(milliseconds: 1_795_000_000_000))
                let texts =
                    [evaluation.observation.detail]
                    + evaluation.items.flatMap {
                        [$0.name, $0.status] + Array($0.annotations.values) + Array($0.labels.values)
                    }
                // The house rule (TerminalText.printable): no control character but a tab.
                precondition(
                    texts.allSatisfy { TerminalText.printable($0) == $0 },
                    "a control character reached a \(check.kind.rawValue) check's detail or items")
            }
        }
    }

    // MARK: Alerts

    /// Never a crash; a body accepted always has what the intake relies on: an Alertmanager group key
    /// and each alert's fingerprint; a PagerDuty event's routing key, a dedup key for acknowledge and
    /// resolve, and for a trigger a payload with a summary (at most 1,024 characters) and a source. What
    /// is accepted is recorded exactly: its `alerts.received` record reads back as the same alerts, and
    /// the book replays it.
    static func alerts(_ raw: UnsafeRawBufferPointer) {
        let body = [UInt8](raw)
        if let notification = try? AlertmanagerNotification.parse(body) {
            precondition(!notification.groupKey.isEmpty, "a notification without its group key was accepted")
            precondition(notification.alerts.allSatisfy { !$0.fingerprint.isEmpty }, "an alert without its fingerprint")
            recordsExactly(ReceivedAlerts(alertmanager: notification, token: "am"))
        }
        if let event = try? PagerDutyEvent.parse(body) {
            recordsExactly(
                ReceivedAlerts(
                    pagerDuty: event, token: "pd", dedupKey: event.dedupKey ?? "made",
                    receivedAt: Timestamp(milliseconds: 1_795_000_000_000)))
            precondition(!event.routingKey.isEmpty, "an event without its routing key was accepted")
            precondition(event.action == .trigger || event.dedupKey?.isEmpty == false, "no dedup_key to act on")
            precondition((event.dedupKey?.count ?? 0) <= PagerDutyEvent.maximumDedupKey)
            if event.action == .trigger {
                let payload = event.payload
                precondition(
                    payload?.summary.isEmpty == false && payload?.source.isEmpty == false,
                    "a trigger without its payload")
                precondition((payload?.summary.count ?? 0) <= PagerDutyEvent.maximumSummary)
            }
        }
    }

    /// `batch` written as the intake writes it reads back the same, and replays.
    static func recordsExactly(_ batch: ReceivedAlerts) {
        let draft = RecordDraft(
            type: ReceivedAlerts.recordType, data: ReceivedAlerts.draftData([batch]),
            timestamp: Timestamp(milliseconds: 1_795_000_000_000), actor: "klaxon", host: "h", pid: 1)
        let line = JournalCodec.encode(draft, sequence: 1, previousHash: .genesis).line
        let record = line.dropLast().withUnsafeBufferPointer { try? JournalCodec.decode(line: $0) }
        precondition(record.flatMap(ReceivedAlerts.batches(of:)) == [batch], "an accepted body does not read back")
        var book = AlertBook()
        _ = book.apply(record!)
    }

    // MARK: Time

    /// Every parsed instant writes back as RFC 3339 that parses to the same instant.
    static func time(_ raw: UnsafeRawBufferPointer) {
        let text = String(decoding: raw.prefix(256), as: UTF8.self)
        if let instant = Timestamp.parseRFC3339(text) {
            precondition(Timestamp.parseRFC3339(instant.rfc3339) == instant, "\(instant.rfc3339) does not read back")
        }
        let now = Timestamp(milliseconds: 1_795_000_000_000)
        for zone in ["UTC", "Europe/Berlin", "America/St_Johns"] {
            if let instant = try? TimeExpression.parse(text, now: now, timeZone: TimeZone(identifier: zone)!) {
                precondition(
                    Timestamp.parseRFC3339(instant.rfc3339) == instant, "\(instant.rfc3339) does not read back")
            }
        }
        if let duration = DurationSyntax.milliseconds(text) {
            precondition(duration >= 0, "a negative duration from \"\(text)\"")
        }
    }

    // MARK: Terminal input

    /// Whatever the bytes, the decoder gives what Swift's own decoder gives without its replacement
    /// characters (both take out the same maximal invalid subparts), and never makes one up; a paste
    /// never holds more than typed text may.
    static func terminal(_ raw: UnsafeRawBufferPointer) {
        var decoder = UTF8InputDecoder()
        var inputs = raw.flatMap { decoder.feed($0) }
        inputs += decoder.endRead(at: Timestamp(milliseconds: 0)) + decoder.endRead(at: Timestamp(milliseconds: 60_000))
        var ours: [Unicode.Scalar] = []
        for input in inputs {
            switch input {
            case .scalar(let scalar): ours.append(scalar)
            case .paste(let text, _):
                precondition(text.utf8.count <= InputLimits.textBytes, "a paste longer than the limit")
            case .mouse(let event):
                precondition(event.row >= 0 && event.column >= 0, "a mouse report off the screen")
            }
        }
        // Between paste markers the bytes are a paste, not characters, and a mouse report (or what
        // begins as one) is no characters: compare only input without either.
        let bytes = Array(raw)
        for marker in [Array("\u{1B}[200~".utf8), Array("\u{1B}[201~".utf8), UTF8InputDecoder.mouseStart]
        where bytes.count >= marker.count {
            if (0...bytes.count - marker.count).contains(where: {
                bytes[$0..<$0 + marker.count].elementsEqual(marker)
            }) {
                return
            }
        }
        let replacement: Unicode.Scalar = "\u{FFFD}"
        let swift = String(decoding: raw, as: UTF8.self).unicodeScalars.filter { $0 != replacement }
        // A U+FFFD in the input is valid and comes through; only then may ours hold one.
        let typed =
            raw.count >= 3
            && (0...raw.count - 3).contains { raw[$0] == 0xEF && raw[$0 + 1] == 0xBF && raw[$0 + 2] == 0xBD }
        precondition(
            (typed ? ours.filter { $0 != replacement } : ours) == Array(swift),
            "the input decoder disagrees with Swift's")
    }
}
