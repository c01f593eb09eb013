/// Reads journal bytes, checking each record and the chain, and tells a torn tail from corruption.
///
/// The scanner is fed the bytes of a journal from some offset on (the whole file when opening it,
/// the new bytes when following it) and keeps the chain state between calls. It is pure: the store
/// decides what to do with what it reports (cut a torn tail aside, or refuse to write).
public struct JournalScanner: Sendable {
    /// The sequence number the next record must carry.
    public private(set) var nextSequence = 1
    /// The hash the next record's `prev` must equal.
    public private(set) var lastHash = RecordHash.genesis
    /// Bytes of the journal accepted so far (always the end of a complete, valid record).
    public private(set) var validLength = 0
    /// The line number of the next line (1-based).
    public private(set) var nextLine = 1

    public init() {}

    /// The first problem found in the bytes after the valid records.
    public struct Damage: Equatable, Sendable, CustomStringConvertible {
        public enum Kind: Equatable, Sendable {
            /// The last record is incomplete, unparsable or fails its own hash, and nothing valid follows:
            /// what an interrupted write leaves. It can be cut off (and kept aside) safely.
            case tornTail
            /// A bad record with valid records after it, or a valid record that does not continue the
            /// chain (a record removed, reordered or edited): never cut, the journal turns read-only.
            case corruption
        }
        public var kind: Kind
        /// Byte offset of the first bad line, from the start of the journal.
        public var offset: Int
        /// Its 1-based line number.
        public var line: Int
        /// The sequence number it should have carried.
        public var expectedSequence: Int
        public var reason: String

        public var description: String {
            "record \(expectedSequence) (line \(line), byte \(offset)): \(reason)"
        }
    }

    public struct Outcome: Sendable {
        public var records: [JournalRecord]
        /// nil when every byte scanned was valid.
        public var damage: Damage?

        public init(records: [JournalRecord], damage: Damage?) {
            self.records = records
            self.damage = damage
        }
    }

    /// Scans `bytes`, which start at `validLength` of the journal. With `isComplete` the bytes run to the
    /// end of the file and the caller holds a lock that excludes writers, so an unfinished last line is a
    /// torn tail; otherwise an unfinished last line is left for the next call.
    public mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>, isComplete: Bool) -> Outcome {
        var records: [JournalRecord] = []
        var start = 0
        while start < bytes.count {
            guard let newline = Self.indexOfNewline(in: bytes, from: start) else {
                if !isComplete { break }
                let damage = classify(bytes, badLineStart: start, reason: "the last record is incomplete (no final newline)")
                return Outcome(records: records, damage: damage)
            }
            let line = UnsafeBufferPointer(rebasing: bytes[start..<newline])
            let record: JournalRecord
            do {
                record = try JournalCodec.decode(line: line)
            } catch {
                let damage = classify(bytes, badLineStart: start, reason: "it is \(error)")
                return Outcome(records: records, damage: damage)
            }
            // A record that is whole in itself but does not continue the chain was not torn by a crash.
            if record.sequence != nextSequence || record.previousHash != lastHash {
                let reason = record.sequence != nextSequence
                    ? "its sequence number is \(record.sequence), expected \(nextSequence) (a record is missing or repeated)"
                    : "its prev hash does not match the record before it (a record was removed or changed)"
                return Outcome(records: records, damage: Damage(kind: .corruption, offset: validLength, line: nextLine,
                                                                expectedSequence: nextSequence, reason: reason))
            }
            records.append(record)
            nextSequence += 1
            lastHash = record.hash
            nextLine += 1
            validLength += newline + 1 - start
            start = newline + 1
        }
        return Outcome(records: records, damage: nil)
    }

    /// Accepts a record this process just wrote, so the chain state stays current without rereading it.
    public mutating func accept(_ record: JournalRecord, lineLength: Int) {
        nextSequence = record.sequence + 1
        lastHash = record.hash
        validLength += lineLength
        nextLine += 1
    }

    /// A bad line is a torn tail unless a whole, self-consistent record follows it.
    private func classify(_ bytes: UnsafeBufferPointer<UInt8>, badLineStart: Int, reason: String) -> Damage {
        var kind = Damage.Kind.tornTail
        var start = (Self.indexOfNewline(in: bytes, from: badLineStart) ?? bytes.count) + 1
        while start < bytes.count {
            let end = Self.indexOfNewline(in: bytes, from: start) ?? bytes.count
            if (try? JournalCodec.decode(line: UnsafeBufferPointer(rebasing: bytes[start..<end]))) != nil {
                kind = .corruption
                break
            }
            start = end + 1
        }
        let because = kind == .corruption ? reason + ", and valid records follow it" : reason
        return Damage(kind: kind, offset: validLength, line: nextLine, expectedSequence: nextSequence, reason: because)
    }

    static func indexOfNewline(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var i = start
        while i < bytes.count {
            if bytes[i] == 0x0A { return i }
            i += 1
        }
        return nil
    }
}
