// klaxon-stress: appends notes to one incident as fast as it can, through the same code as
// `klaxon incident note`, and reports each acknowledged record on standard output *after* it is on
// disk. The crash and concurrency tests run several of these and kill them; see
// Tests/KlaxonCommandsTests/JournalProcessTests.swift.
//
//   klaxon-stress JOURNALS_DIR INCIDENT_ID WRITER_NAME COUNT
//
// prints `ok SEQ WRITER_NAME N` per note (N from 1), unbuffered.
import Foundation
import KlaxonCore
import KlaxonStore

let arguments = CommandLine.arguments
guard arguments.count == 5, let count = Int(arguments[4]) else {
    FileHandle.standardError.write(Data("usage: klaxon-stress JOURNALS_DIR INCIDENT_ID WRITER_NAME COUNT\n".utf8))
    exit(2)
}
let writerName = arguments[3]
do {
    let journal = try IncidentStore(directory: arguments[1]).open(arguments[2])
    let writer = WriterIdentity.current(actor: writerName)
    for n in 1...max(1, count) {
        let record = try journal.perform(.note("\(writerName) \(n)"), by: writer, now: { Timestamp(Date()) })
        let line = Array("ok \(record.sequence) \(writerName) \(n)\n".utf8)
        _ = line.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
    }
} catch {
    FileHandle.standardError.write(Data("klaxon-stress: \(error)\n".utf8))
    exit(1)
}
