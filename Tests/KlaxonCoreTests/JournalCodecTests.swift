import KlaxonCore
import Testing

/// Builds journal bytes in memory for codec and scanner tests.
struct JournalBuilder {
    var bytes: [UInt8] = []
    var lineStarts: [Int] = []
    var records: [JournalRecord] = []

    init(notes: Int) {
        append(
            type: "incident.declared",
            data: ["id": "INC-1", "title": "Registry down", "severity": "SEV2", "services": ["registry"]])
        for i in 1...max(1, notes) { append(type: "note", data: ["text": .string("note \(i) — ünïcode 漢字")]) }
    }

    mutating func append(type: String, data: JSONValue) {
        let draft = RecordDraft(
            type: type, data: data, timestamp: Timestamp(milliseconds: 1_795_000_000_000 + Int64(records.count) * 1000),
            actor: "alice", host: "host-1", pid: 42)
        let (line, record) = JournalCodec.encode(
            draft, sequence: records.count + 1, previousHash: records.last?.hash ?? .genesis)
        lineStarts.append(bytes.count)
        bytes += line
        records.append(record)
    }
}

func scan(_ bytes: [UInt8], complete: Bool = true) -> (JournalScanner, JournalScanner.Outcome) {
    var scanner = JournalScanner()
    let outcome = bytes.withUnsafeBufferPointer { scanner.scan($0, isComplete: complete) }
    return (scanner, outcome)
}

struct JournalCodecTests {
    @Test func aRecordRoundTripsThroughItsLine() throws {
        let journal = JournalBuilder(notes: 1)
        let line = Array(journal.bytes[journal.lineStarts[1]..<(journal.bytes.count - 1)])
        let decoded = try line.withUnsafeBufferPointer { buffer throws(JournalCodec.LineProblem) in
            try JournalCodec.decode(line: buffer)
        }
        #expect(decoded == journal.records[1])
        #expect(decoded.previousHash == journal.records[0].hash)
        let text = String(decoding: line, as: UTF8.self)
        #expect(text.hasPrefix(#"{"v":1,"seq":2,"ts":"2026-11-18T"#))
        #expect(text.contains(#""actor":"alice","host":"host-1","pid":42,"type":"note""#))
    }

    @Test func theHashCoversEveryByteBeforeIt() {
        let journal = JournalBuilder(notes: 1)
        let start = journal.lineStarts[1]
        let end = journal.bytes.count - 1
        for offset in start..<(end - 75) {
            var line = Array(journal.bytes[start..<end])
            line[offset - start] ^= 0x01
            let result = line.withUnsafeBufferPointer { buffer in
                Result { () throws(JournalCodec.LineProblem) in try JournalCodec.decode(line: buffer) }
            }
            #expect(throws: JournalCodec.LineProblem.self, "byte \(offset) changed yet the record decoded") {
                try result.get()
            }
        }
    }

    @Test func fieldsOfALaterVersionAreAccepted() throws {
        // A later writer adds a field; the hash still covers it.
        var body = Array(
            #"{"v":2,"seq":1,"ts":"2026-11-22T16:56:04.123Z","actor":"a","host":"h","pid":1,"type":"pager.rotated","data":{"x":[1,2]},"extra":{"y":true},"prev":"\#(RecordHash.genesis.hex)""#
                .utf8)
        let hash = RecordHash.of(body)
        body += Array(#","hash":"\#(hash.hex)"}"#.utf8)
        let record = try body.withUnsafeBufferPointer { buffer throws(JournalCodec.LineProblem) in
            try JournalCodec.decode(line: buffer)
        }
        #expect(record.version == 2)
        #expect(record.type == "pager.rotated")
        #expect(record.data == ["x": [1, 2]])
    }

    /// What `journal export` and `import` store: each record's line written again, the very bytes.
    @Test func recordsCopiedGiveTheirJournalBackByteForByte() throws {
        var journal = JournalBuilder(notes: 3)
        journal.append(type: "note", data: ["text": .string("مرحبا שלום Привет γειά नमस्ते 🚒\u{7}\t\"\\ e\u{301}")])
        journal.append(type: "note", data: ["text": .string(String(repeating: "long line ", count: 20_000))])
        journal.append(
            type: "check.changed", data: ["latency": .number(0.125), "code": 503, "ok": false, "none": .null])
        #expect(try JournalCodec.lines(copying: journal.records) == journal.bytes)
    }

    @Test func recordsThatAreNotAWholeChainAreNotCopied() throws {
        let records = JournalBuilder(notes: 4).records
        func problem(_ records: [JournalRecord]) -> JournalCodec.CopyProblem? {
            #expect(throws: JournalCodec.CopyProblem.self) { try JournalCodec.lines(copying: records) }
            do { _ = try JournalCodec.lines(copying: records) } catch { return error }
            return nil
        }
        #expect(problem([])?.sequence == 1)
        #expect(problem(Array(records.dropFirst()))?.sequence == 1, "the first record is missing")
        var gap = records
        gap.remove(at: 2)
        #expect(problem(gap)?.sequence == 3, "record 3 is missing")
        var unlinked = records
        unlinked[3].previousHash = records[1].hash
        unlinked[3].sequence = 4
        #expect(problem(unlinked)?.description.hasPrefix("record 4 does not continue the chain") == true)
        var edited = records
        edited[2].data = ["text": "changed after it was written"]
        #expect(problem(edited)?.description.hasPrefix("record 3 cannot be written again byte for byte") == true)
        var retimed = records
        retimed[1].timestamp = retimed[1].timestamp.adding(seconds: 1)
        #expect(problem(retimed)?.sequence == 2, "the timestamp is kept, not made up")
    }

    /// A line another version wrote (a field this one does not know), or spaced otherwise, reads and
    /// verifies, but this version cannot write it again: copying it is refused, never rewritten.
    @Test func aLineThisVersionDoesNotWriteIsNotCopied() throws {
        var body = Array(
            #"{"v":1,"seq":1,"ts":"2026-11-22T16:56:04.123Z","actor":"a","host":"h","pid":1,"type":"note","data":{"text":"x"},"extra":true,"prev":"\#(RecordHash.genesis.hex)""#
                .utf8)
        body += Array(#","hash":"\#(RecordHash.of(body).hex)"}"#.utf8)
        let record = try body.withUnsafeBufferPointer { buffer throws(JournalCodec.LineProblem) in
            try JournalCodec.decode(line: buffer)
        }
        let problem = #expect(throws: JournalCodec.CopyProblem.self) { try JournalCodec.lines(copying: [record]) }
        #expect(
            problem?.description
                == "record 1 cannot be written again byte for byte (its line is not the one this version of Klaxon writes: another version's, or edited by hand)"
        )
    }
}

struct JournalScannerTests {
    @Test func acceptsAWholeChain() {
        let journal = JournalBuilder(notes: 20)
        let (scanner, outcome) = scan(journal.bytes)
        #expect(outcome.damage == nil)
        #expect(outcome.records == journal.records)
        #expect(scanner.nextSequence == 22)
        #expect(scanner.validLength == journal.bytes.count)
    }

    @Test func theLastRecordCutAtEveryByteIsATornTailAfterTheRecordBefore() {
        let journal = JournalBuilder(notes: 3)
        let lastStart = journal.lineStarts.last!
        for cut in lastStart..<journal.bytes.count {
            let (scanner, outcome) = scan(Array(journal.bytes[..<cut]))
            #expect(outcome.records == Array(journal.records.dropLast()), "cut at \(cut)")
            #expect(scanner.validLength == lastStart)
            if cut == lastStart {
                #expect(outcome.damage == nil)
            } else {
                #expect(outcome.damage?.kind == .tornTail, "cut at \(cut)")
                #expect(outcome.damage?.offset == lastStart)
                #expect(outcome.damage?.expectedSequence == 4)
            }
        }
    }

    @Test func anUnfinishedLineIsLeftForLaterWhenWritersMayBeActive() {
        let journal = JournalBuilder(notes: 2)
        let (scanner, outcome) = scan(Array(journal.bytes.dropLast(10)), complete: false)
        #expect(outcome.damage == nil)
        #expect(outcome.records.count == 2)
        #expect(scanner.validLength == journal.lineStarts.last!)
    }

    @Test func aBadRecordFollowedByGoodOnesIsCorruptionNamingIt() {
        var journal = JournalBuilder(notes: 5)
        journal.bytes[journal.lineStarts[2] + 40] ^= 0x02
        let (_, outcome) = scan(journal.bytes)
        #expect(outcome.records.count == 2)
        #expect(outcome.damage?.kind == .corruption)
        #expect(outcome.damage?.expectedSequence == 3)
        #expect(outcome.damage?.line == 3)
        #expect(outcome.damage?.description.contains("record 3 (line 3") == true)
    }

    @Test func aMissingRecordBreaksTheChainEvenAtTheEnd() {
        let journal = JournalBuilder(notes: 4)
        // Drop record 4: record 5 is intact in itself but its seq and prev no longer fit.
        let bytes = Array(journal.bytes[..<journal.lineStarts[3]]) + Array(journal.bytes[journal.lineStarts[4]...])
        let (_, outcome) = scan(bytes)
        #expect(outcome.records.count == 3)
        #expect(outcome.damage?.kind == .corruption)
        #expect(outcome.damage?.reason.contains("sequence number is 5, expected 4") == true)
    }

    @Test func incrementalScansSeeTheSameChainAsOneScan() {
        let journal = JournalBuilder(notes: 30)
        var scanner = JournalScanner()
        var seen: [JournalRecord] = []
        var offset = 0
        var end = 0
        while end < journal.bytes.count {
            end = min(journal.bytes.count, end + 97)
            let outcome = Array(journal.bytes[offset..<end]).withUnsafeBufferPointer {
                scanner.scan($0, isComplete: false)
            }
            #expect(outcome.damage == nil)
            seen += outcome.records
            offset = scanner.validLength
        }
        #expect(seen == journal.records)
    }
}

struct ParallelScanTests {
    /// A journal over the 2 MiB from which scanning goes parallel.
    static let big = JournalBuilder(notes: 9000)

    func compare(_ bytes: [UInt8], complete: Bool = true) {
        var sequential = JournalScanner()
        var parallel = JournalScanner()
        let a = bytes.withUnsafeBufferPointer { sequential.scan($0, isComplete: complete) }
        let b = bytes.withUnsafeBufferPointer { parallel.scan($0, isComplete: complete, parallelism: 4) }
        #expect(a.records == b.records)
        #expect(a.damage == b.damage)
        #expect(sequential.validLength == parallel.validLength)
        #expect(sequential.nextSequence == parallel.nextSequence)
        #expect(sequential.lastHash == parallel.lastHash)
    }

    @Test func agreesWithTheSequentialScanOnAnIntactJournal() {
        #expect(Self.big.bytes.count > 2 << 20)
        compare(Self.big.bytes)
        compare(Array(Self.big.bytes.dropLast(20)), complete: false)
    }

    @Test func agreesOnDamageInEveryChunk() {
        for fraction in [0.1, 0.3, 0.55, 0.8, 0.99] {
            var bytes = Self.big.bytes
            let line = Int(Double(Self.big.lineStarts.count) * fraction)
            bytes[Self.big.lineStarts[line] + 30] ^= 0x04
            compare(bytes)
        }
    }

    @Test func agreesOnATornTailAndAMissingRecord() {
        compare(Array(Self.big.bytes.dropLast(7)))
        let l = Self.big.lineStarts
        compare(Array(Self.big.bytes[..<l[6000]]) + Array(Self.big.bytes[l[6001]...]))
    }
}
