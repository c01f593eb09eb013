/// One line of a journal: a timestamped, attributed fact, chained to the record before it.
///
/// On disk (docs/journal-format.md) a record is one line of JSON with its fields in this order:
/// `{"v":1,"seq":…,"ts":…,"actor":…,"host":…,"pid":…,"type":…,"data":{…},"prev":…,"hash":…}` and a
/// newline. `hash` is the SHA-256 of the line's bytes before `,"hash":`, so any edit is detected.
public struct JournalRecord: Hashable, Sendable {
    /// The record format version this build writes.
    public static let currentVersion = 1

    public var version: Int
    /// 1 for a journal's first record, then contiguous.
    public var sequence: Int
    public var timestamp: Timestamp
    /// Who did it: a person's id, or `klaxon` for what the machine did.
    public var actor: String
    public var host: String
    public var pid: Int
    /// The record type, e.g. `incident.declared`, `note`; see `RecordType`.
    public var type: String
    public var data: JSONValue
    public var previousHash: RecordHash
    public var hash: RecordHash

    public init(
        version: Int = JournalRecord.currentVersion, sequence: Int, timestamp: Timestamp, actor: String,
        host: String, pid: Int, type: String, data: JSONValue, previousHash: RecordHash, hash: RecordHash
    ) {
        self.version = version
        self.sequence = sequence
        self.timestamp = timestamp
        self.actor = actor
        self.host = host
        self.pid = pid
        self.type = type
        self.data = data
        self.previousHash = previousHash
        self.hash = hash
    }

    /// The record as a JSON object with the on-disk field names (for `--json` output).
    public var jsonValue: JSONValue {
        .object([
            "v": .number(Double(version)), "seq": .number(Double(sequence)), "ts": .string(timestamp.rfc3339),
            "actor": .string(actor), "host": .string(host), "pid": .number(Double(pid)), "type": .string(type),
            "data": data, "prev": .string(previousHash.hex), "hash": .string(hash.hex)
        ])
    }
}

extension JournalRecord {
    /// What was supplied to write this record: all but its place in the chain.
    public var draft: RecordDraft {
        RecordDraft(type: type, data: data, timestamp: timestamp, actor: actor, host: host, pid: pid)
    }
}

/// What a writer supplies; the journal adds the sequence number and the chain.
public struct RecordDraft: Hashable, Sendable {
    public var type: String
    public var data: JSONValue
    public var timestamp: Timestamp
    public var actor: String
    public var host: String
    public var pid: Int

    public init(type: String, data: JSONValue, timestamp: Timestamp, actor: String, host: String, pid: Int) {
        self.type = type
        self.data = data
        self.timestamp = timestamp
        self.actor = actor
        self.host = host
        self.pid = pid
    }
}

/// Encodes records to journal lines and decodes and checks them.
public enum JournalCodec {
    /// `,"hash":"` + 64 hex digits + `"}`: every line ends so, before its newline.
    static let hashSuffixLength = 75
    static let hashMarker = Array(#","hash":""#.utf8)

    /// The complete line (with its newline) for `draft` placed after `previous` (nil for the first record).
    public static func encode(_ draft: RecordDraft, sequence: Int, previousHash: RecordHash) -> (
        line: [UInt8], record: JournalRecord
    ) {
        var body =
            "{\"v\":\(JournalRecord.currentVersion),\"seq\":\(sequence),\"ts\":\"\(draft.timestamp.rfc3339)\",\"actor\":"
        JSONValue.writeString(draft.actor, to: &body)
        body += ",\"host\":"
        JSONValue.writeString(draft.host, to: &body)
        body += ",\"pid\":\(draft.pid),\"type\":"
        JSONValue.writeString(draft.type, to: &body)
        body += ",\"data\":"
        draft.data.write(to: &body)
        body += ",\"prev\":\"\(previousHash.hex)\""
        var line = Array(body.utf8)
        let hash = RecordHash.of(line)
        line.append(contentsOf: hashMarker)
        line.append(contentsOf: hash.hex.utf8)
        line.append(contentsOf: "\"}\n".utf8)
        let record = JournalRecord(
            sequence: sequence, timestamp: draft.timestamp, actor: draft.actor, host: draft.host,
            pid: draft.pid, type: draft.type, data: draft.data, previousHash: previousHash, hash: hash)
        return (line, record)
    }

    /// Why records cannot be stored as a copy of a journal (`lines(copying:)`).
    public struct CopyProblem: Error, Equatable, Sendable, CustomStringConvertible {
        /// The first record that cannot be copied (1 for an empty list).
        public var sequence: Int
        public var reason: String

        public var description: String { "record \(sequence) \(reason)" }
    }

    /// The journal holding exactly `records`, byte for byte as they were first written: each line
    /// encoded again from its record. Refused (naming the first record) unless the records run 1, 2, 3…
    /// in one chain and each line encoded again gives back the record's own hash, which covers every
    /// byte before it: so the lines are the very ones the hashes were taken of. A record written by
    /// another version or by hand (other fields, other spacing) fails that, and is never rewritten.
    public static func lines(copying records: [JournalRecord]) throws(CopyProblem) -> [UInt8] {
        guard !records.isEmpty else {
            throw CopyProblem(sequence: 1, reason: "is missing: a journal holds at least its first record")
        }
        var bytes: [UInt8] = []
        var previous = RecordHash.genesis
        for (index, record) in records.enumerated() {
            guard record.sequence == index + 1 else {
                throw CopyProblem(
                    sequence: index + 1, reason: "is missing: the record there has sequence number \(record.sequence)")
            }
            guard record.previousHash == previous else {
                throw CopyProblem(
                    sequence: record.sequence,
                    reason:
                        "does not continue the chain: its prev is \(record.previousHash.short), not \(previous.short)")
            }
            let (line, encoded) = encode(record.draft, sequence: record.sequence, previousHash: previous)
            guard encoded.hash == record.hash else {
                throw CopyProblem(
                    sequence: record.sequence,
                    reason:
                        "cannot be written again byte for byte (its line is not the one this version of Klaxon writes: another version's, or edited by hand)"
                )
            }
            bytes += line
            previous = record.hash
        }
        return bytes
    }

    /// Why a line is not a valid record.
    public enum LineProblem: Error, Equatable, Sendable, CustomStringConvertible {
        /// Not JSON, or JSON without the record's fields.
        case unparsable(String)
        /// The stored hash is not the SHA-256 of the record's contents.
        case hashMismatch

        public var description: String {
            switch self {
            case .unparsable(let why): return "not a journal record (\(why))"
            case .hashMismatch: return "its hash does not match its contents"
            }
        }
    }

    /// Decodes one line (without its newline) and checks that its hash matches its contents.
    public static func decode(line: UnsafeBufferPointer<UInt8>) throws(LineProblem) -> JournalRecord {
        let count = line.count
        guard count > hashSuffixLength else { throw .unparsable("too short") }
        let markerStart = count - hashSuffixLength
        for i in 0..<hashMarker.count where line[markerStart + i] != hashMarker[i] {
            throw .unparsable("no hash at the end of the line")
        }
        guard line[count - 2] == UInt8(ascii: "\""), line[count - 1] == UInt8(ascii: "}"),
            let stored = RecordHash.parse(
                hexBytes: UnsafeBufferPointer(rebasing: line[(markerStart + 9)..<(count - 2)]))
        else { throw .unparsable("no hash at the end of the line") }

        let record: JournalRecord
        do {
            record = try parseFields(line, storedHash: stored)
        } catch {
            throw .unparsable(error.description)
        }
        let computed = RecordHash.of(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: line[0..<markerStart])))
        guard computed == stored, record.hash == stored else { throw .hashMismatch }
        return record
    }

    /// The record's fields; `hash` is the one already read from the end of the line.
    private static func parseFields(_ line: UnsafeBufferPointer<UInt8>, storedHash: RecordHash) throws(JSONParser
        .Failure) -> JournalRecord
    {
        var version: Int?
        var sequence: Int?
        var timestamp: Timestamp?
        var actor: String?
        var host: String?
        var pid: Int?
        var type: String?
        var data: JSONValue?
        var previous: RecordHash?
        var hash: RecordHash?
        var parser = JSONParser(bytes: line)
        try parser.parseObject(rawKeys: {
            (p: inout JSONParser, key: UnsafeBufferPointer<UInt8>?) throws(JSONParser.Failure) in
            switch key.map(RecordField.init) ?? .other {
            case .version: version = try p.parseInteger()
            case .sequence: sequence = try p.parseInteger()
            case .timestamp:
                guard let t = Timestamp.parseRFC3339(bytes: try p.parsePlainStringBytes()) else {
                    throw p.fail("bad timestamp")
                }
                timestamp = t
            case .actor: actor = try p.parseString()
            case .host: host = try p.parseString()
            case .pid: pid = try p.parseInteger()
            case .type: type = try p.parseString()
            case .data: data = try p.parseValue()
            case .previous:
                guard let h = RecordHash.parse(hexBytes: try p.parsePlainStringBytes()) else {
                    throw p.fail("bad prev hash")
                }
                previous = h
            case .hash:
                _ = try p.parsePlainStringBytes()
                hash = storedHash
            case .other:
                // A field a later version added: accepted, and kept on disk because nothing is rewritten.
                _ = try p.parseValue()
            }
        })
        try parser.finish()
        guard let version, let sequence, let timestamp, let actor, let host, let pid, let type, let data,
            let previous, let hash
        else { throw parser.fail("a required field (v, seq, ts, actor, host, pid, type, data, prev, hash) is missing") }
        guard sequence >= 1 else { throw parser.fail("seq must be at least 1") }
        return JournalRecord(
            version: version, sequence: sequence, timestamp: timestamp, actor: actor, host: host,
            pid: pid, type: type, data: data, previousHash: previous, hash: hash)
    }
}

/// The top-level fields of a record line, told apart by their raw bytes.
private enum RecordField {
    case version, sequence, timestamp, actor, host, pid, type, data, previous, hash, other

    init(_ key: UnsafeBufferPointer<UInt8>) {
        func equals(_ literal: StaticString) -> Bool {
            guard key.count == literal.utf8CodeUnitCount else { return false }
            for i in 0..<key.count where key[i] != literal.utf8Start[i] { return false }
            return true
        }
        switch key.first {
        case UInt8(ascii: "v"): self = equals("v") ? .version : .other
        case UInt8(ascii: "s"): self = equals("seq") ? .sequence : .other
        case UInt8(ascii: "t"): self = equals("ts") ? .timestamp : (equals("type") ? .type : .other)
        case UInt8(ascii: "a"): self = equals("actor") ? .actor : .other
        case UInt8(ascii: "h"): self = equals("host") ? .host : (equals("hash") ? .hash : .other)
        case UInt8(ascii: "p"): self = equals("pid") ? .pid : (equals("prev") ? .previous : .other)
        case UInt8(ascii: "d"): self = equals("data") ? .data : .other
        default: self = .other
        }
    }
}
