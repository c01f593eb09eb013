import Dispatch

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
            /// Bytes after the last newline: what an interrupted single `write` leaves (a record is
            /// written whole with its newline last, so a complete line was never torn). It can be cut
            /// off, and kept aside, safely.
            case tornTail
            /// A complete line that is not a valid record (unparsable, its hash not matching, CRLF line
            /// endings) or a valid record that does not continue the chain (a record removed, reordered
            /// or edited): damage or tampering. Never cut; the journal turns read-only.
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
                let damage = Damage(
                    kind: .tornTail, offset: validLength, line: nextLine, expectedSequence: nextSequence,
                    reason:
                        "the last \(Plural.count(bytes.count - start, "byte")) \(bytes.count - start == 1 ? "is" : "are") an unfinished record (no final newline): an interrupted write"
                )
                return Outcome(records: records, damage: damage)
            }
            let line = UnsafeBufferPointer(rebasing: bytes[start..<newline])
            let record: JournalRecord
            do {
                record = try JournalCodec.decode(line: line)
            } catch {
                return Outcome(
                    records: records,
                    damage: Damage(
                        kind: .corruption, offset: validLength, line: nextLine,
                        expectedSequence: nextSequence, reason: Self.reason(error, line: line)))
            }
            // A record that is whole in itself but does not continue the chain was not torn by a crash.
            if record.sequence != nextSequence || record.previousHash != lastHash {
                let reason =
                    record.sequence != nextSequence
                    ? "its sequence number is \(record.sequence), expected \(nextSequence) (a record is missing or repeated)"
                    : "its prev hash does not match the record before it (a record was removed or changed)"
                return Outcome(
                    records: records,
                    damage: Damage(
                        kind: .corruption, offset: validLength, line: nextLine,
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

    /// `scan`, decoding large buffers on `parallelism` threads. Lines are decoded independently in
    /// chunks split at newlines, then linked in order; at the first line that does not decode or link,
    /// the ordinary sequential scan takes over from there, so damage is classified by one code path.
    public mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>, isComplete: Bool, parallelism: Int) -> Outcome {
        let minimumChunk = 1 << 20
        guard parallelism > 1, bytes.count >= 2 * minimumChunk,
            let lastNewline = bytes.lastIndex(of: 0x0A)
        else { return scan(bytes, isComplete: isComplete) }
        let chunkCount = min(parallelism, bytes.count / minimumChunk)
        var bounds = [0]
        for k in 1..<chunkCount {
            let target = max(bytes.count * k / chunkCount, bounds.last!)
            if let newline = Self.indexOfNewline(in: bytes, from: target), newline < lastNewline {
                bounds.append(newline + 1)
            }
        }
        bounds.append(lastNewline + 1)
        let chunkBounds = bounds

        // Each chunk: the records of its lines up to the first that fails to decode, with their lengths.
        let chunks = bounds.count - 1
        let results = UnsafeMutableBufferPointer<(records: [JournalRecord], lengths: [Int])>.allocate(capacity: chunks)
        results.initialize(repeating: ([], []))
        defer {
            results.deinitialize()
            results.deallocate()
        }
        nonisolated(unsafe) let output = results
        nonisolated(unsafe) let input = bytes
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            var start = chunkBounds[chunk]
            let stop = chunkBounds[chunk + 1]
            var records: [JournalRecord] = []
            var lengths: [Int] = []
            records.reserveCapacity((stop - start) / 128)
            lengths.reserveCapacity((stop - start) / 128)
            while start < stop, let newline = Self.indexOfNewline(in: input, from: start), newline < stop {
                guard let record = try? JournalCodec.decode(line: UnsafeBufferPointer(rebasing: input[start..<newline]))
                else { break }
                records.append(record)
                lengths.append(newline + 1 - start)
                start = newline + 1
            }
            output[chunk] = (records, lengths)
        }

        var accepted: [JournalRecord] = []
        accepted.reserveCapacity((0..<chunks).reduce(0) { $0 + results[$1].records.count })
        var consumed = 0
        link: for chunk in 0..<chunks {
            let (records, lengths) = results[chunk]
            for (record, length) in zip(records, lengths) {
                guard record.sequence == nextSequence, record.previousHash == lastHash else { break link }
                accepted.append(record)
                nextSequence += 1
                lastHash = record.hash
                nextLine += 1
                validLength += length
                consumed += length
            }
            if consumed != bounds[chunk + 1] { break }
        }
        guard consumed < bytes.count else { return Outcome(records: accepted, damage: nil) }
        let rest = scan(UnsafeBufferPointer(rebasing: bytes[consumed...]), isComplete: isComplete)
        return Outcome(records: accepted + rest.records, damage: rest.damage)
    }

    /// Accepts a record this process just wrote, so the chain state stays current without rereading it.
    public mutating func accept(_ record: JournalRecord, lineLength: Int) {
        nextSequence = record.sequence + 1
        lastHash = record.hash
        validLength += lineLength
        nextLine += 1
    }

    /// Why a complete line is not a record, as a sentence. A line ending in CR is named as such: it is
    /// what converting the file to CRLF line endings (an editor, git's autocrlf) does to every record.
    static func reason(_ problem: JournalCodec.LineProblem, line: UnsafeBufferPointer<UInt8>) -> String {
        if line.last == UInt8(ascii: "\r") {
            return
                "its line ends with a carriage return: the file's line endings were changed to CRLF (as an editor or git's autocrlf does); restore the file from a copy, or remove the carriage returns with sed -i 's/\\r$//' on a copy and verify it"
        }
        switch problem {
        case .unparsable(let why): return "it is not a journal record (\(why))"
        case .hashMismatch: return "its hash does not match its contents (the record was changed after it was written)"
        }
    }

    static func indexOfNewline(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard start < bytes.count else { return nil }
        return bytes[start...].firstIndex(of: 0x0A)
    }
}
