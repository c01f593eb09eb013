import ArgumentParser
import Foundation
import KlaxonCore
import KlaxonStore

struct JournalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract:
            "Check journals for damage and tampering, repair torn tails, copy journals between stores, and prepare a PostgreSQL database for them.",
        subcommands: [Verify.self, Repair.self, Export.self, Import.self, Init.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every record's hash and the chain; exit 1 naming the file and record when one is broken.")
        @Argument(
            help:
                "Incidents to check, or platform (journals/platform.jsonl) or alerts (journals/alerts.jsonl) (default: every journal in the workspace)."
        ) var ids: [String] = []
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            let context = global.context
            let workspace = try global.loadWorkspace()
            if case .postgres = workspace.config.journals {
                return try verify(try workspace.journalStore, context: context)
            }
            let store = try workspace.incidents
            // The platform journal (the checks' state changes) and the alerts' are journals like the incidents'.
            func named(_ name: String) -> String { workspace.journalsPlace + "/" + name + ".jsonl" }
            var paths: [String] = []
            for text in ids {
                if let name = NamedJournals.names.first(where: { text == $0 || text == $0 + ".jsonl" }) {
                    paths.append(named(name))
                    continue
                }
                guard let id = IncidentID.normalize(text) else {
                    throw KlaxonError.badInput(
                        "\"\(text)\" is not an incident id; ids look like INC-12 (or platform for \(PlatformJournal.fileName), alerts for \(AlertJournal.fileName))"
                    )
                }
                paths.append(store.path(of: id))
            }
            if ids.isEmpty {
                paths = try store.ids().map(store.path(of:))
                // Looked at without following a link: verify then refuses a link by name.
                for path in NamedJournals.names.map(named)
                where (try? FileManager.default.attributesOfItem(atPath: path)) != nil {
                    paths.append(path)
                }
            }
            var results: [JSONValue] = []
            var failed = false
            for path in paths {
                let verification: JournalFile.Verification
                let problems: [String]
                do {
                    verification = try JournalFile.verify(path: path)
                    problems = try IncidentStore.problems(of: verification)
                } catch {
                    // Not a journal at all (a link, a special file, gone): named, and the others still checked.
                    failed = true
                    if !output.json { context.print("\(path): REFUSED: \(error.message)") }
                    results.append(
                        .object(["file": .string(path), "ok": .bool(false), "error": .string(error.message)]))
                    continue
                }
                let name = path.split(separator: "/").last.map(String.init) ?? path
                for warning in IncidentStore.modeWarnings(path: path, mode: verification.mode) { context.warn(warning) }
                if let damage = verification.damage {
                    failed = true
                    // The torn tail's reason already says "an interrupted write"; what follows is what to do.
                    let line = damage.kind == .tornTail ? "torn tail at \(damage)" : "DAMAGED at \(damage)"
                    if !output.json { context.print("\(path): \(line); \(Self.nextStep(damage, inDatabase: false))") }
                } else if let problem = problems.first {
                    failed = true
                    if !output.json { context.print("\(path): REFUSED: \(problem)") }
                } else if !output.json {
                    let writing =
                        verification.bytesBeingWritten > 0
                        ? "; \(Plural.count(verification.bytesBeingWritten, "byte")) after them \(verification.bytesBeingWritten == 1 ? "is" : "are") being written now"
                        : ""
                    context.print(
                        "\(name): ok, \(Plural.count(verification.recordCount, "record")), \(Plural.count(verification.byteCount, "byte")), last hash \(verification.lastHash.short)\(writing)"
                    )
                }
                var entry: [String: JSONValue] = [
                    "file": .string(path), "ok": .bool(verification.damage == nil && problems.isEmpty),
                    "records": .number(Double(verification.recordCount)),
                    "bytes": .number(Double(verification.byteCount)),
                    "last_hash": .string(verification.lastHash.hex)
                ]
                if let problem = problems.first { entry["error"] = .string(problem) }
                if let damage = verification.damage {
                    entry["damage"] = Self.json(damage, inDatabase: false)
                }
                results.append(.object(entry))
            }
            if output.json {
                context.print(json: JSONValue.array(results))
            } else if paths.isEmpty {
                context.print("No journals in \(store.directory).")
            }
            if failed { throw ExitCode(1) }
        }

        /// `--json`'s `damage` of a journal: its kind, the record, line and byte where it is, why, and
        /// what to do (`nextStep`).
        static func json(_ damage: JournalScanner.Damage, inDatabase: Bool) -> JSONValue {
            .object([
                "kind": .string(damage.kind == .tornTail ? "torn_tail" : "corruption"),
                "record": .number(Double(damage.expectedSequence)), "line": .number(Double(damage.line)),
                "offset": .number(Double(damage.offset)), "reason": .string(damage.reason),
                "next_step": .string(nextStep(damage, inDatabase: inDatabase))
            ])
        }

        /// What to do about `damage`: a torn tail (a file's only) is cut off by repair; a broken chain is
        /// not repaired, the journal comes back from a backup: the file's, or the database owner's.
        static func nextStep(_ damage: JournalScanner.Damage, inDatabase: Bool) -> String {
            if damage.kind == .tornTail { return "klaxon journal repair cuts it off and keeps its bytes" }
            return inDatabase
                ? "have the database's owner restore the journal's rows from a backup (klaxon journal export keeps its intact records first): see docs/postgresql.md, \"Damage and backups\""
                : "restore the file from a backup (keep a copy of it first; klaxon journal repair cuts only a torn tail): see docs/journal-format.md, \"Damage\""
        }

        /// Every journal of a database store (or those named) read through the store, which checks each
        /// record's hash and the chain as it decodes the rows' lines: a row a superuser changed is named.
        private func verify(_ store: any JournalStore, context: CommandContext) throws {
            var names: [String] = []
            for text in ids {
                guard NamedJournals.contains(text) || IncidentID.normalize(text) != nil else {
                    throw KlaxonError.badInput(
                        "\"\(text)\" is not an incident id; ids look like INC-12 (or platform, or alerts)")
                }
                names.append(NamedJournals.contains(text) ? text : IncidentID.normalize(text)!)
            }
            if ids.isEmpty { names = try store.journalNames() }
            var results: [JSONValue] = []
            var failed = false
            for name in names {
                let journal = store.journal(name)
                let records: [JournalRecord]
                do {
                    records = try journal.readNewRecords()
                } catch {
                    failed = true
                    if !output.json { context.print("\(name): REFUSED: \(error.message)") }
                    results.append(
                        .object(["journal": .string(name), "ok": .bool(false), "error": .string(error.message)]))
                    continue
                }
                var entry: [String: JSONValue] = [
                    "journal": .string(name), "ok": .bool(journal.corruption == nil),
                    "records": .number(Double(records.count)), "last_hash": .string(journal.lastHash.hex)
                ]
                if let damage = journal.corruption {
                    failed = true
                    if !output.json {
                        context.print(
                            "\(journal.path): DAMAGED at \(damage); \(Self.nextStep(damage, inDatabase: true))")
                    }
                    entry["damage"] = Self.json(damage, inDatabase: true)
                } else if !output.json {
                    context.print(
                        "\(name): ok, \(Plural.count(records.count, "record")), last hash \(journal.lastHash.short)")
                }
                results.append(.object(entry))
            }
            if output.json {
                context.print(json: JSONValue.array(results))
            } else if names.isEmpty {
                context.print("No journals in \(store.location).")
            }
            if failed { throw ExitCode(1) }
        }
    }

    struct Repair: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Cut off a torn last record, keeping its bytes in a sibling file. Never touches anything else. On a database (no torn tails), check the journal."
        )
        @Argument(help: "The incident.") var id: String
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let workspace = try global.loadWorkspace()
            guard let canonical = IncidentID.normalize(id) else {
                throw KlaxonError.badInput("\"\(id)\" is not an incident id; ids look like INC-12")
            }
            if case .postgres = workspace.config.journals {
                return try check(canonical, in: try workspace.journalStore, context: global.context)
            }
            let path = try workspace.incidents.path(of: canonical)
            // Not through IncidentStore.open: opening would itself cut the tail, and this should report it.
            guard FileManager.default.fileExists(atPath: path) else {
                throw KlaxonError.badInput(
                    "there is no incident \(canonical) in \(workspace.journalsPlace); see klaxon incident list --all"
                )
            }
            if let done = try JournalFile.repair(path: path) {
                global.context.print(done)
            } else {
                global.context.print("\(canonical): the journal is intact; nothing to repair")
            }
        }

        /// A database's journal never has a torn tail (a record is a row, whole or absent): says so when
        /// the journal verifies (exit 0), and names the damage with the next step when it does not (exit 1).
        private func check(_ id: String, in store: any JournalStore, context: CommandContext) throws {
            guard try store.journalNames().contains(id) else {
                throw KlaxonError.badInput(
                    "there is no incident \(id) in \(store.location); see klaxon incident list --all")
            }
            let journal = store.journal(id)
            let records = try journal.readNewRecords()
            if let damage = journal.corruption {
                context.print(
                    "\(journal.path): DAMAGED at \(damage); \(Verify.nextStep(damage, inDatabase: true))")
                throw ExitCode(1)
            }
            context.print(
                "\(id): intact, \(Plural.count(records.count, "record")), last hash \(journal.lastHash.short); a journal in PostgreSQL has no torn tail (a record is a row, whole or absent): nothing to repair"
            )
        }
    }
}
