// klaxon-stress: appends notes to one incident, through the same code as `klaxon incident note` (an
// `IncidentStore` over a `JournalStore`), and reports each acknowledged record on standard output
// *after* it is durable. The crash, concurrency and follow tests run several of these and kill them
// (Tests/KlaxonCommandsTests/JournalProcessTests.swift, StressEndToEndTests.swift, and the store
// contract, Tests/KlaxonStoreTests/JournalStoreContractTests.swift), and klaxon-bench measures how far
// behind a console falls.
//
//   klaxon-stress STORE INCIDENT_ID WRITER_NAME COUNT [RATE]
//   klaxon-stress STORE --hold NAME
//
// STORE is a journals directory (the file store) or a PostgreSQL URI (the PostgreSQL store). RATE is notes per second, paced from the start
// (default: as fast as it can). Prints `ok SEQ WRITER_NAME N TIME` per note (N from 1; TIME: seconds
// since 1970 when it was on disk), unbuffered. With --hold it takes the store's hold NAME, prints
// `held PID` (or `busy` and exits 1 when another has it) and keeps it until it is killed.
import Foundation
import KlaxonCore
import KlaxonPostgres
import KlaxonStore

let arguments = CommandLine.arguments

/// The store at `location`: the PostgreSQL store of a URI, else the file store of that directory (by
/// the same rule as the workspace's `journals:`).
func store(at location: String) -> any JournalStore {
    PostgresURI.isURI(location) ? PostgresJournalStore(uri: location) : FileJournalStore(directory: location)
}

func say(_ text: String) { _ = Array(text.utf8).withUnsafeBytes { write(1, $0.baseAddress, $0.count) } }

if arguments.count == 4, arguments[2] == "--hold" {
    do {
        let hold = try store(at: arguments[1]).hold(arguments[3], creating: true)
        guard hold.tryTake(holder: "klaxon-stress \(getpid())") else {
            say("busy\n")
            exit(1)
        }
        say("held \(getpid())\n")
        while true { _ = withExtendedLifetime(hold) { sleep(60) } }
    } catch {
        FileHandle.standardError.write(Data("klaxon-stress: \(error)\n".utf8))
        exit(1)
    }
}
guard arguments.count == 5 || arguments.count == 6, let count = Int(arguments[4]),
    arguments.count == 5 || Double(arguments[5]).map({ $0 > 0 }) == true
else {
    FileHandle.standardError.write(
        Data("usage: klaxon-stress STORE INCIDENT_ID WRITER_NAME COUNT [RATE] | klaxon-stress STORE --hold NAME\n".utf8)
    )
    exit(2)
}
let writerName = arguments[3]
let interval = arguments.count == 6 ? 1 / Double(arguments[5])! : 0
do {
    let journal = try IncidentStore(store: store(at: arguments[1])).open(arguments[2])
    let writer = WriterIdentity.current(actor: writerName)
    let start = Date()
    for n in 1...max(1, count) {
        // Paced against the start, not the previous note, so a slow append does not lower the rate.
        let due = start.addingTimeInterval(Double(n - 1) * interval).timeIntervalSinceNow
        if due > 0 { usleep(UInt32(due * 1e6)) }
        let record = try journal.perform(.note("\(writerName) \(n)"), by: writer, now: { Timestamp(Date()) })
        say(String(format: "ok %d %@ %d %.3f\n", record.sequence, writerName, n, Date().timeIntervalSince1970))
    }
} catch {
    FileHandle.standardError.write(Data("klaxon-stress: \(error)\n".utf8))
    exit(1)
}
