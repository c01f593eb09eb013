import KlaxonCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The journals directory's index, `.index`: for each resolved incident whose journal was last read
/// whole and intact, its summary (`IncidentSummaryCodec`) beside the journal's stamp (`JournalStamp`),
/// record count and last hash. It is derived, never the truth (docs/journal-format.md, "The index"):
/// an entry is used only while its journal's stamp is the one it was made from, a file that is missing,
/// damaged or of another version is ignored and written anew from the journals, and it can be deleted
/// at any time. Open incidents have no entry: their journals are read anyway.
///
/// The file: a header line `klaxon-index 1 COUNT`, then one line per entry, `ID DEVICE INODE SIZE MTIME
/// CTIME RECORDS LASTHASH DECLARED UPDATED CHECK SUMMARY`: the stamp (times in nanoseconds), the
/// journal's record count and last hash, when the incident was declared and last updated
/// (milliseconds), the first 16 hex digits of the SHA-256 of the rest of the line, and the summary as
/// one line of JSON; the lines in order of the incidents' numbers. The file is mapped, not copied, and a
/// summary is checked and decoded only when it is wanted: listing the open incidents of 10,000 touches
/// each line once, and keeps the entries in that order (an overview walks them beside the sorted listing
/// of the journals, with no table to hash them into).
final class IncidentIndex {
    static let fileName = ".index"
    static let version = 1

    struct Entry {
        var number: Int
        var id: String { IncidentID.make(number) }
        var stamp: JournalStamp
        var declaredAt: Timestamp
        var lastUpdate: Timestamp
        /// The whole line, newline included (in the mapped file, or a new line's own bytes).
        var line: UnsafeRawBufferPointer
        /// Where CHECK begins in `line`.
        var checkStart: Int

        /// The summary, once its checksum matches.
        func incident() throws(KlaxonError) -> Incident {
            let summary = UnsafeRawBufferPointer(rebasing: line[(checkStart + 17)..<(line.count - 1)])
            guard line[checkStart + 16] == 0x20,
                IncidentIndex.check(summary).elementsEqual(line[checkStart..<(checkStart + 16)])
            else {
                throw .failed("the index entry of \(id) is damaged")
            }
            let json: JSONValue
            do { json = try JSONParser.parse(summary.assumingMemoryBound(to: UInt8.self)) } catch {
                throw .failed("the index entry of \(id) does not parse: \(error)")
            }
            let incident = try IncidentSummaryCodec.decode(json)
            guard incident.id == id, !incident.isOpen else {
                throw .failed("the index entry of \(id) holds another incident")
            }
            return incident
        }
    }

    /// Read from a file: in order of their numbers, each number once. Made in this process: in the order
    /// they were added (sorted when written).
    private(set) var entries: [Entry] = []
    private let mapping: UnsafeRawBufferPointer?
    /// The lines of entries made in this process (`entry(for:)`), kept alive while `entries` point into them.
    private var owned: [UnsafeMutableRawBufferPointer] = []

    private init(mapping: UnsafeRawBufferPointer?) { self.mapping = mapping }

    /// An empty index, to collect new entries in.
    convenience init() { self.init(mapping: nil) }

    deinit {
        if let mapping { munmap(UnsafeMutableRawPointer(mutating: mapping.baseAddress), mapping.count) }
        for line in owned { line.deallocate() }
    }

    /// The first 16 hex digits of the SHA-256 of `bytes`.
    static func check(_ bytes: UnsafeRawBufferPointer) -> String.UTF8View {
        String(RecordHash.of(bytes).hex.prefix(16)).utf8
    }

    /// Adds the entry for `journal` as just read, if there is one: the incident is resolved and its
    /// journal was read whole (no damage, no torn tail) without changing under the read. Returns whether.
    @discardableResult
    func add(_ journal: IncidentJournal) -> Bool {
        let file = journal.file
        let incident = journal.incident
        guard !incident.isOpen, let stamp = file.changeStamp, let number = IncidentID.number(of: incident.id) else {
            return false
        }
        let fields = [
            incident.id, String(Int64(bitPattern: stamp.device)), String(Int64(bitPattern: stamp.inode)),
            String(stamp.size),
            String(stamp.modified), String(stamp.changed), String(file.lastSequence), file.lastHash.hex,
            String(incident.declaredAt.milliseconds), String(incident.lastUpdate.milliseconds)
        ]
        let prefix = Array((fields.joined(separator: " ") + " ").utf8)
        let summary = Array(IncidentSummaryCodec.encode(incident).canonicalJSON.utf8)
        let check = summary.withUnsafeBytes { Array(Self.check($0)) }
        let bytes = prefix + check + [0x20] + summary + [0x0A]
        let line = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
        line.copyBytes(from: bytes)
        owned.append(line)
        entries.append(
            Entry(
                number: number, stamp: stamp, declaredAt: incident.declaredAt, lastUpdate: incident.lastUpdate,
                line: UnsafeRawBufferPointer(line), checkStart: prefix.count))
        return true
    }

    /// Keeps `entry` of another index (which must outlive this one's `write`), of a number not added.
    func keep(_ entry: Entry) { entries.append(entry) }

    /// The index of `directory`, or nil when there is none or it is not one this version reads: not a
    /// regular file, unreadable, another version, a line that does not read (a torn or edited file), or
    /// fewer or more lines than its header says. A summary's own damage is found when it is used.
    static func read(directory: String) -> IncidentIndex? {
        let path = directory + "/" + fileName
        let fd = SystemCall.retrying { open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) }
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size > 0,
            let address = mmap(nil, Int(info.st_size), PROT_READ, MAP_PRIVATE, fd, 0), address != MAP_FAILED
        else { return nil }
        let index = IncidentIndex(mapping: UnsafeRawBufferPointer(start: address, count: Int(info.st_size)))
        return index.parse() ? index : nil
    }

    private func parse() -> Bool {
        guard let raw = mapping, let base = raw.baseAddress else { return false }
        /// The offset of the next `byte` in [from, to), or nil.
        func find(_ byte: UInt8, _ from: Int, _ to: Int) -> Int? {
            guard from < to, let hit = memchr(base + from, Int32(byte), to - from) else { return nil }
            return base.distance(to: UnsafeRawPointer(hit))
        }
        guard let headerEnd = find(0x0A, 0, raw.count) else { return false }
        let header = String(decoding: raw[..<headerEnd], as: UTF8.self).split(separator: " ")
        guard header.count == 3, header[0] == "klaxon-index", header[1] == "\(Self.version)", let count = Int(header[2])
        else { return false }
        entries.reserveCapacity(count)
        var start = headerEnd + 1
        var numbers = [Int64](repeating: 0, count: 10)
        while start < raw.count {
            guard let end = find(0x0A, start, raw.count) else { return false }
            // ID (INC- and its number, as `IncidentID.make` writes it), then the numbers up to CHECK, each
            // read up to the space after it in one pass; the summary is the rest of the line.
            guard end - start > 5,
                FileJournalStore.bytes(UnsafeRawBufferPointer(rebasing: raw[start..<end]), at: 0, are: "INC-"),
                raw[start + 4] != 0x30
            else { return false }
            var position = start + 4
            for field in 0..<10 {
                if field == 7 {
                    guard end - position > 64, raw[position + 64] == 0x20, memchr(base + position, 0x20, 64) == nil
                    else { return false }
                    position += 65
                } else {
                    guard let (n, space) = Self.number(raw, from: position, before: end) else { return false }
                    numbers[field] = n
                    position = space + 1
                }
            }
            // After the line before's.
            let number = Int(numbers[0])
            guard number > (entries.last?.number ?? 0), end - position > 17 else { return false }
            let stamp = JournalStamp(
                device: UInt64(bitPattern: numbers[1]), inode: UInt64(bitPattern: numbers[2]), size: numbers[3],
                modified: numbers[4], changed: numbers[5])
            entries.append(
                Entry(
                    number: number, stamp: stamp, declaredAt: Timestamp(milliseconds: numbers[8]),
                    lastUpdate: Timestamp(milliseconds: numbers[9]),
                    line: UnsafeRawBufferPointer(rebasing: raw[start...end]), checkStart: position - start))
            start = end + 1
        }
        return entries.count == count
    }

    /// The decimal number at `from` (a leading `-` allowed, for times before 1970) and the offset of the
    /// space that ends it, before `end`. Of at most 19 digits, summed without a check at each digit (19
    /// nines fit in a `UInt64`), then checked once.
    private static func number(_ raw: UnsafeRawBufferPointer, from: Int, before end: Int) -> (Int64, Int)? {
        let negative = from < end && raw[from] == 0x2D
        let first = negative ? from + 1 : from
        var value: UInt64 = 0
        var i = first
        while i < end {
            let digit = raw[i] &- 0x30
            guard digit <= 9 else { break }
            value = value &* 10 &+ UInt64(digit)
            i += 1
        }
        guard i > first, i - first <= 19, i < end, raw[i] == 0x20, value <= UInt64(Int64.max) else { return nil }
        return (negative ? -Int64(value) : Int64(value), i)
    }

    /// Writes the entries as the index of `directory`, atomically (a temporary file renamed over it):
    /// readers see the old index or the new one, never half of one. Returns false when it could not be
    /// written; the index is a cache, so that is never an error for the command.
    @discardableResult
    func write(directory: String) -> Bool {
        // In order, each number once (the first added: a listing that named one twice added it twice).
        var lines: [Entry] = []
        for entry in entries.sorted(by: { $0.number < $1.number }) where lines.last?.number != entry.number {
            lines.append(entry)
        }
        var bytes = Array("klaxon-index \(Self.version) \(lines.count)\n".utf8)
        bytes.reserveCapacity(bytes.count + lines.reduce(0) { $0 + $1.line.count })
        for entry in lines { bytes += entry.line }
        do {
            try AtomicFile.write(bytes, to: directory + "/" + Self.fileName, mode: 0o660, creatingDirectory: true)
            return true
        } catch {
            return false
        }
    }
}
