import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

/// Starts `klaxon-stress` appending `count` notes as `name` to INC-1 of `journals`, its stdout piped.
func startWriter(journals: String, name: String, count: Int) throws -> (Process, Pipe) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: BuiltProducts.path("klaxon-stress"))
    process.arguments = [journals, "INC-1", name, String(count)]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    return (process, pipe)
}

/// A temporary journals directory holding INC-1 (the directory is kept alive by the caller).
func journalsWithOneIncident(_ label: String, title: String) throws -> (TemporaryDirectory, String, IncidentStore) {
    let dir = TemporaryDirectory(label)
    let journals = dir.path + "/journals"
    let store = IncidentStore(directory: journals)
    _ = try store.declare(
        Declaration(title: title, severity: .sev3), by: WriterIdentity(actor: "t", host: "h", pid: 1),
        at: Timestamp(Date()))
    return (dir, journals, store)
}

// These spawn processes that fsync hundreds of times: one at a time, so they do not starve each other.
@Suite(.serialized)
struct JournalProcessTests {
    @Test func fourProcessesAppendingAtOnceLoseNothing() throws {
        let (dir, journals, store) = try journalsWithOneIncident("klaxon-concurrency", title: "Concurrency")
        _ = dir
        let swarm = try WriterSwarm(
            stress: BuiltProducts.path("klaxon-stress"), journals: journals, writers: 4, notesEach: 500)
        #expect(swarm.waitUntilExit() == [0, 0, 0, 0])
        let reported = swarm.acknowledgements
        #expect(reported.count == 2000)
        let verification = try JournalFile.verify(path: store.path(of: "INC-1"))
        #expect(verification.damage == nil)
        #expect(verification.recordCount == 2001)
        let incident = try store.open("INC-1").incident
        #expect(incident.timeline.map(\.sequence) == Array(1...2001))
        let notes = incident.notes.map(\.text)
        #expect(Set(notes).count == 2000, "every note exactly once")
        for w in 1...4 { for n in 1...500 { #expect(notes.contains("writer-\(w) \(n)")) } }
        // Each writer was told the sequence number its note really has.
        let bySequence = Dictionary(
            uniqueKeysWithValues: incident.timeline.map { ($0.sequence, $0.data["text"]?.stringValue) })
        for ack in reported { #expect(bySequence[ack.sequence] == ack.text) }
    }

    @Test func aWriterKilledAtRandomMomentsNeverLosesAnAcknowledgedRecord() throws {
        let (dir, journals, store) = try journalsWithOneIncident("klaxon-kill", title: "Kill test")
        _ = dir
        var everAcknowledged: [(sequence: Int, text: String)] = []
        var killsWithWritesInFlight = 0
        for round in 1...30 {
            let (process, pipe) = try startWriter(journals: journals, name: "r\(round)", count: 1_000_000)
            // Once it is appending (its first acknowledgement arrived), kill it at a random moment.
            var output = Data()
            while !output.contains(UInt8(ascii: "\n")) {
                let chunk = pipe.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                output += chunk
            }
            usleep(UInt32.random(in: 0...40_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)
            output += pipe.fileHandleForReading.readDataToEndOfFile()
            let acked = WriterSwarm.parse(output).map { (sequence: $0.sequence, text: $0.text) }
            if !acked.isEmpty { killsWithWritesInFlight += 1 }
            everAcknowledged += acked
            // Reading shows every acknowledged record and changes nothing: a write the kill cut short is
            // at most a torn tail (never damage), which the next writer (the next round) cuts aside.
            let journal = try store.open("INC-1")
            #expect(!journal.isReadOnly)
            let bySequence = Dictionary(
                uniqueKeysWithValues: journal.incident.timeline.map { ($0.sequence, $0.data["text"]?.stringValue) })
            for (seq, text) in everAcknowledged {
                #expect(bySequence[seq] == text, "round \(round): record \(seq) lost")
            }
            let damage = try JournalFile.verify(path: store.path(of: "INC-1")).damage
            #expect(damage == nil || damage?.kind == .tornTail, "round \(round): \(String(describing: damage))")
        }
        #expect(killsWithWritesInFlight == 30, "every kill lands while the writer is appending")
        // One more write cuts whatever the last kill left, and the chain is whole.
        let journal = try store.open("INC-1")
        try journal.perform(
            .note("after the last kill"), by: WriterIdentity(actor: "t", host: "h", pid: 1), now: { Timestamp(Date()) })
        #expect(try JournalFile.verify(path: store.path(of: "INC-1")).damage == nil)
    }

    @Test func theRealBinaryExitsOneNamingATamperedRecord() throws {
        let ws = makeWorkspace()
        let k = KlaxonCommandsTestSupport.Klaxon(workspace: ws.path)
        k.run("incident", "declare", "Tamper", "--severity", "SEV3")
        for i in 1...4 { k.run("incident", "note", "1", "note \(i)") }
        func verify() throws -> (Int32, String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: BuiltProducts.path("klaxon"))
            process.arguments = ["journal", "verify", "--workspace", ws.path]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, output)
        }
        #expect(try verify().0 == 0)
        var bytes = ws.read("journals/INC-1.jsonl")
        let third = bytes.indices.filter { bytes[$0] == 0x0A }[1] + 1
        // inside "note 2" of record 3... or its timestamp
        let digit = bytes[third...].firstIndex(of: UInt8(ascii: "2"))!
        bytes[digit] = UInt8(ascii: "7")
        _ = FileManager.default.createFile(atPath: ws.path + "/journals/INC-1.jsonl", contents: Data(bytes))
        let (status, output) = try verify()
        #expect(status == 1)
        #expect(output.contains("INC-1.jsonl: DAMAGED at record 3 (line 3"))
    }
}
