import Foundation
import Synchronization

/// Writer processes (`klaxon-stress`) appending notes to one incident at once, each acknowledgement
/// read as the writer prints it: the stress tests and klaxon-bench check the journal and a following
/// console against what the writers were told is on disk.
///
/// Sendable by hand: `processes` are Foundation's, which are not Sendable, and are only started here and
/// waited for by the test; what the reader threads share is under a `Mutex`.
public final class WriterSwarm: @unchecked Sendable {
    /// One `ok SEQ WRITER N TIME` line: note N of `writer` is record `sequence`, on disk at `time`.
    public struct Acknowledgement: Sendable, Hashable {
        public let sequence: Int
        public let writer: String
        public let n: Int
        /// Seconds since 1970, taken by the writer after the append returned.
        public let time: Double
        /// The note's text, as the writer wrote it.
        public var text: String { "\(writer) \(n)" }
    }

    public private(set) var processes: [Process] = []
    private let received = Mutex<[Acknowledgement]>([])
    private let readers = DispatchGroup()

    /// Starts `writers` processes named `NAME-1`… (`name`: `writer`) appending `notesEach` notes to
    /// `incident` in `journals` (a directory or a PostgreSQL URI), each at `rate` notes per second (nil:
    /// as fast as they can).
    public init(
        stress: String, journals: String, incident: String = "INC-1", writers: Int, notesEach: Int, rate: Double? = nil,
        name: String = "writer"
    ) throws {
        for w in 1...writers {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: stress)
            process.arguments =
                [journals, incident, "\(name)-\(w)", String(notesEach)] + (rate.map { [String($0)] } ?? [])
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            processes.append(process)
            // A thread of its own per pipe: reading blocks until the writer prints or exits.
            let handle = pipe.fileHandleForReading
            readers.enter()
            Thread { [self] in
                var pending = Data()
                // availableData returns what the pipe holds (read(upToCount:) waits for the whole count).
                while case let chunk = handle.availableData, !chunk.isEmpty {
                    pending.append(chunk)
                    guard let end = pending.lastIndex(of: UInt8(ascii: "\n")) else { continue }
                    let lines = WriterSwarm.parse(pending[...end])
                    pending = Data(pending[(end + 1)...])
                    received.withLock { $0 += lines }
                }
                readers.leave()
            }.start()
        }
    }

    /// What the writers have acknowledged so far, in the order read.
    public var acknowledgements: [Acknowledgement] { received.withLock { $0 } }

    /// Whether any writer is still running.
    public var running: Bool { processes.contains { $0.isRunning } }

    /// Waits for every writer to exit and its output to be read; returns their exit statuses
    /// (a writer killed by a signal reports the signal's number).
    @discardableResult
    public func waitUntilExit() -> [Int32] {
        for process in processes { process.waitUntilExit() }
        readers.wait()
        return processes.map(\.terminationStatus)
    }

    /// Kills every writer still running (SIGKILL).
    public func kill() {
        for process in processes where process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }

    /// The `ok` lines of `output`; anything else is ignored.
    public static func parse(_ output: some DataProtocol) -> [Acknowledgement] {
        String(decoding: output, as: UTF8.self).split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count == 5, parts[0] == "ok", let seq = Int(parts[1]), let n = Int(parts[3]),
                let time = Double(parts[4])
            else { return nil }
            return Acknowledgement(sequence: seq, writer: String(parts[2]), n: n, time: time)
        }
    }

    /// How far behind a console following the incident is, its screen's text (`screen()`) read every
    /// 50 ms while `keepGoing()` holds: at each look, the age of the oldest acknowledged record the
    /// console's timeline ("N records") does not count yet, 0 when it is current. Seconds, one per look.
    public func followLag(screen: () -> String, while keepGoing: () -> Bool) -> [Double] {
        var lags: [Double] = []
        while keepGoing() {
            let now = Date().timeIntervalSince1970
            if let shown = WriterSwarm.recordCount(onScreen: screen()) {
                let missing = acknowledgements.filter { $0.sequence > shown && $0.time <= now }.map(\.time).min()
                lags.append(missing.map { now - $0 } ?? 0)
            }
            usleep(50_000)
        }
        return lags
    }

    /// The record count the incident screen's timeline heading shows ("Timeline · UTC · 123 records").
    public static func recordCount(onScreen screen: String) -> Int? {
        guard let match = screen.firstMatch(of: /Timeline · [^·\n]+ · (\d+) records?/) else { return nil }
        return Int(match.1)
    }
}
