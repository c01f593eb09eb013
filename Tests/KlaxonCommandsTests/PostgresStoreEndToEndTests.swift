import Foundation
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonTestSupport
import Synchronization
import Testing

/// The `klaxon` executable on a workspace whose journals are a database of the tests' cluster (the
/// everyday role, its password from the cluster's pgpass file named in the URI): an incident worked from
/// declaration to resolution, listed, shown, verified and reviewed, then exported to files that are the
/// very journals the file store writes.
struct PostgresStoreEndToEndTests {
    /// Runs `klaxon ARGUMENTS` on `workspace` as alice, in UTC.
    private func klaxon(_ workspace: String, _ arguments: String...) throws -> (
        status: Int32, output: String, errors: String
    ) {
        try klaxon(workspace, arguments)
    }

    private func klaxon(_ workspace: String, _ arguments: [String]) throws -> (
        status: Int32, output: String, errors: String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BuiltProducts.path("klaxon"))
        process.arguments = arguments
        process.environment = [
            "KLAXON_WORKSPACE": workspace, "KLAXON_USER": "alice", "TZ": "UTC", "HOME": workspace,
            "PATH": "/usr/bin:/bin"
        ]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // The errors are read on another thread, so neither pipe can fill up and stall the process.
        let errorBytes = Mutex(Data())
        let reader = Thread { errorBytes.withLock { $0 = errors.fileHandleForReading.readDataToEndOfFile() } }
        reader.start()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while errorBytes.withLock({ $0.isEmpty }) && !reader.isFinished { usleep(1_000) }
        return (
            process.terminationStatus, String(decoding: out, as: UTF8.self),
            String(decoding: errorBytes.withLock { $0 }, as: UTF8.self)
        )
    }

    /// The review without the line that says when it was exported.
    private func withoutExportTime(_ review: String) -> String {
        review.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.contains("xported") }.joined(
            separator: "\n")
    }

    @Test func anIncidentWorkedInPostgreSQLExportsToTheFilesTheFileStoreWrites() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        let shared = makeWorkspace("name: shared\njournals: \"\(database.everydayURI)\"\n")
        let initialised = try klaxon(
            shared.path, "journal", "init", "--uri", database.ownerURI, "--grant", "klaxon_app")
        #expect(initialised.status == 0, "\(initialised.errors)")

        let declared = try klaxon(shared.path, "incident", "declare", "Registry returns 503", "--severity", "SEV2")
        #expect(declared.status == 0 && declared.output.contains("INC-1"), "\(declared.output)\(declared.errors)")
        for arguments in [
            ["incident", "note", "1", "uploads fail with 503 since 09:00"], ["incident", "ack", "1"],
            ["incident", "resolve", "1"]
        ] {
            let run = try klaxon(shared.path, arguments)
            #expect(run.status == 0, "\(arguments): \(run.errors)")
        }
        let list = try klaxon(shared.path, "incident", "list", "--all")
        #expect(list.status == 0 && list.output.contains("INC-1"), "\(list.output)\(list.errors)")
        let show = try klaxon(shared.path, "incident", "show", "1")
        #expect(show.status == 0 && show.output.contains("uploads fail with 503 since 09:00"), "\(show.errors)")
        #expect(try database.psql("SELECT count(*) FROM klaxon.records WHERE journal = 'INC-1'") == "4\n")

        let verified = try klaxon(shared.path, "journal", "verify")
        #expect(verified.status == 0, "\(verified.errors)")
        #expect(verified.output.hasPrefix("INC-1: ok, 4 records, last hash "), "\(verified.output)")
        let review = try klaxon(shared.path, "review", "export", "1")
        #expect(review.status == 0 && review.output.contains("Registry returns 503"), "\(review.errors)")

        // Exported to files, imported into a file workspace: the same review, and exporting that
        // workspace gives the same bytes again.
        let exports = TemporaryDirectory("klaxon-export")
        let exported = try klaxon(shared.path, "journal", "export", "--to", exports.path + "/a")
        #expect(exported.status == 0, "\(exported.errors)")
        let files = makeWorkspace()
        let imported = try klaxon(files.path, "journal", "import", "--from", exports.path + "/a")
        #expect(imported.status == 0, "\(imported.errors)")
        #expect(try klaxon(files.path, "journal", "verify").status == 0)
        let again = try klaxon(files.path, "journal", "export", "--to", exports.path + "/b")
        #expect(again.status == 0, "\(again.errors)")
        let fromDatabase = try #require(FileManager.default.contents(atPath: exports.path + "/a/INC-1.jsonl"))
        #expect(FileManager.default.contents(atPath: files.path + "/journals/INC-1.jsonl") == fromDatabase)
        #expect(FileManager.default.contents(atPath: exports.path + "/b/INC-1.jsonl") == fromDatabase)
        let fileReview = try klaxon(files.path, "review", "export", "1")
        #expect(fileReview.status == 0, "\(fileReview.errors)")
        #expect(withoutExportTime(fileReview.output) == withoutExportTime(review.output))
        #expect(review.output != withoutExportTime(review.output), "the export time was the only line left out")

        // Damage a superuser makes is named by journal verify, with the record.
        try database.psql(
            """
            BEGIN;
            ALTER TABLE klaxon.records DISABLE TRIGGER append_only;
            UPDATE klaxon.records SET line = overlay(line PLACING '\\x23'::bytea FROM 31 FOR 1)
                WHERE journal = 'INC-1' AND sequence = 2;
            ALTER TABLE klaxon.records ENABLE TRIGGER append_only;
            COMMIT;
            """)
        let damaged = try klaxon(shared.path, "journal", "verify")
        #expect(damaged.status == 1)
        #expect(
            damaged.output.contains("journal INC-1 at ") && damaged.output.contains("DAMAGED at record 2"),
            "\(damaged.output)")
    }
}
