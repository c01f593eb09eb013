// klaxon-stress: appends notes to one incident, through the same code as `klaxon incident note`, and
// reports each acknowledged record on standard output *after* it is on disk. The crash, concurrency
// and follow tests run several of these and kill them (Tests/KlaxonCommandsTests/JournalProcessTests.swift,
// StressEndToEndTests.swift), and klaxon-bench measures how far behind a console falls.
//
//   klaxon-stress JOURNALS_DIR INCIDENT_ID WRITER_NAME COUNT [RATE]
//
// RATE is notes per second, paced from the start (default: as fast as it can). Prints
// `ok SEQ WRITER_NAME N TIME` per note (N from 1; TIME: seconds since 1970 when it was on disk), unbuffered.
import Foundation
import KlaxonCore
import KlaxonStore

let arguments = CommandLine.arguments
guard arguments.count == 5 || arguments.count == 6, let count = Int(arguments[4]),
      arguments.count == 5 || Double(arguments[5]).map({ $0 > 0 }) == true else {
    FileHandle.standardError.write(Data("usage: klaxon-stress JOURNALS_DIR INCIDENT_ID WRITER_NAME COUNT [RATE]\n".utf8))
    exit(2)
}
let writerName = arguments[3]
let interval = arguments.count == 6 ? 1 / Double(arguments[5])! : 0
do {
    let journal = try IncidentStore(directory: arguments[1]).open(arguments[2])
    let writer = WriterIdentity.current(actor: writerName)
    let start = Date()
    for n in 1...max(1, count) {
        // Paced against the start, not the previous note, so a slow append does not lower the rate.
        let due = start.addingTimeInterval(Double(n - 1) * interval).timeIntervalSinceNow
        if due > 0 { usleep(UInt32(due * 1e6)) }
        let record = try journal.perform(.note("\(writerName) \(n)"), by: writer, now: { Timestamp(Date()) })
        let line = Array(String(format: "ok %d %@ %d %.3f\n", record.sequence, writerName, n, Date().timeIntervalSince1970).utf8)
        _ = line.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
    }
} catch {
    FileHandle.standardError.write(Data("klaxon-stress: \(error)\n".utf8))
    exit(1)
}
