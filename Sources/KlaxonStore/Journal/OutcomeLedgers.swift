import KlaxonCore
import KlaxonPostgres

#if canImport(Glibc)
    import Glibc
#endif

/// The checks' outcome ledgers as the file store keeps them: one file, `outcomes.ledgers` in the
/// journals directory, replaced whole (`AtomicFile`) each time the recorder saves. `KXL1`, the count,
/// then for each check its name's length (2 bytes), its name, its ledger's length (4 bytes) and its
/// ledger (`OutcomeLedger.bytes`), little-endian. Not a journal: outcomes are counts, pruned as the
/// window rolls, where a journal only grows.
public enum OutcomeLedgers {
    /// The file's name in the journals directory.
    public static let fileName = "outcomes.ledgers"
    private static let magic = Array("KXL1".utf8)

    public static func encode(_ ledgers: [String: [UInt8]]) -> [UInt8] {
        var out = magic
        func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { out += $0 } }
        put(UInt32(ledgers.count))
        for (name, bytes) in ledgers.sorted(by: { $0.key < $1.key }) {
            let utf8 = Array(name.utf8)
            put(UInt16(utf8.count))
            out += utf8
            put(UInt32(bytes.count))
            out += bytes
        }
        return out
    }

    /// Nil when `bytes` are not such a file (damaged, or cut short).
    public static func decode(_ bytes: [UInt8]) -> [String: [UInt8]]? {
        var offset = 0
        func take(_ count: Int) -> ArraySlice<UInt8>? {
            guard count >= 0, offset + count <= bytes.count else { return nil }
            defer { offset += count }
            return bytes[offset..<(offset + count)]
        }
        func integer(_ size: Int) -> Int? { take(size).map { $0.reversed().reduce(0) { $0 << 8 | Int($1) } } }
        guard take(4).map(Array.init) == magic, let count = integer(4) else { return nil }
        var ledgers: [String: [UInt8]] = [:]
        for _ in 0..<count {
            guard let nameLength = integer(2), let name = take(nameLength), let length = integer(4),
                let ledger = take(length)
            else { return nil }
            ledgers[String(decoding: name, as: UTF8.self)] = Array(ledger)
        }
        return offset == bytes.count ? ledgers : nil
    }
}

extension FileJournalStore {
    var outcomesPath: String { directory + "/" + OutcomeLedgers.fileName }

    public func outcomeLedgers() throws(KlaxonError) -> [String: [UInt8]] {
        let path = outcomesPath
        let fd = SystemCall.retrying { open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) }
        guard fd >= 0 else {
            if errno == ENOENT { return [:] }
            throw SystemCall.error("opening", path, errno)
        }
        defer { close(fd) }
        let bytes = try SystemCall.read(fd, offset: 0, count: try SystemCall.fileSize(fd, path: path), path: path)
        guard let ledgers = OutcomeLedgers.decode(bytes) else {
            throw .failed(
                "\(path) is not a file of outcome ledgers (damaged, or written by something else): the objectives cannot be computed from it; move it aside, and the recorder starts the checks' outcomes afresh"
            )
        }
        return ledgers
    }

    public func saveOutcomeLedgers(_ ledgers: [String: [UInt8]]) throws(KlaxonError) {
        try SystemCall.makeDirectory(directory, advice: Self.journalsAdvice)
        // Under the directory's lock: the ledgers of checks this process does not keep are kept.
        try AtomicFile.withDirectoryLock(directory) { () throws(KlaxonError) in
            var all = (try? outcomeLedgers()) ?? [:]
            all.merge(ledgers) { $1 }
            try AtomicFile.write(OutcomeLedgers.encode(all), to: outcomesPath, mode: 0o660)
        }
    }
}

extension PostgresJournalStore {
    public func outcomeLedgers() throws(KlaxonError) -> [String: [UInt8]] {
        let rows = try withConnection {
            try $0.query("SELECT check_name, ledger FROM klaxon.outcomes", timeoutSeconds: Self.statementSeconds)
        }
        var ledgers: [String: [UInt8]] = [:]
        for row in rows.rows {
            guard let name = row[0], let bytes = row[1].flatMap(PostgresBytea.bytes) else { continue }
            ledgers[name] = bytes
        }
        return ledgers
    }

    public func saveOutcomeLedgers(_ ledgers: [String: [UInt8]]) throws(KlaxonError) {
        guard !ledgers.isEmpty else { return }
        let sorted = ledgers.sorted { $0.key < $1.key }
        try withConnection { connection in
            _ = try connection.transaction {
                // A hundred rows a statement: a thousand objectives are ten round trips, not a thousand.
                for start in stride(from: 0, to: sorted.count, by: 100) {
                    let batch = sorted[start..<min(start + 100, sorted.count)]
                    let values = batch.indices.map { "($\(2 * ($0 - start) + 1), $\(2 * ($0 - start) + 2)::bytea)" }
                    try connection.query(
                        """
                        INSERT INTO klaxon.outcomes (check_name, ledger) VALUES \(values.joined(separator: ", "))
                        ON CONFLICT (check_name) DO UPDATE SET ledger = EXCLUDED.ledger, saved_at = now()
                        """, batch.flatMap { [$0.key, PostgresBytea.text($0.value)] },
                        timeoutSeconds: Self.statementSeconds)
                }
            }
        }
    }
}
