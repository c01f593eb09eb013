import ArgumentParser
import Foundation
import KlaxonCore
import KlaxonStore

extension JournalCommand {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the workspace's journals into a directory as journal files, byte for byte.",
            discussion: """
                A journal already in DIR is left as it is: "already there" when it is the same, refused when not. \
                A damaged or torn journal's intact records go to INC-N.jsonl.partial, never INC-N.jsonl; exit 1.
                """)
        @Option(name: .customLong("to"), help: ArgumentHelp("The directory (created if missing).", valueName: "dir"))
        var directory: String
        @Argument(
            help:
                "Incidents to export, or platform, or alerts (default: every journal, the platform and alerts journals too)."
        )
        var ids: [String] = []
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            let context = global.context
            let store = try global.loadWorkspace().journalStore
            let names = try JournalTransferRun.names(ids, in: store)
            let transfer = try JournalTransfer.export(
                from: store, to: JournalTransferRun.absolute(directory, context))
            try JournalTransferRun(transfer: transfer, verb: "exported", directory: transfer.target.location)
                .run(names, json: output.json, context: context)
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the journal files of a directory (what export wrote) into the workspace's store.",
            discussion: """
                Each journal is verified first; nothing is taken from a damaged or torn one, nor from an \
                INC-N.jsonl.partial (exit 1). One the store already holds is left as it is: "already there" when \
                the store's holds these records (the same, or more after them), refused when not (fewer, or others).
                """)
        @Option(name: .customLong("from"), help: ArgumentHelp("The directory.", valueName: "dir"))
        var directory: String
        @Argument(help: "Incidents to import, or platform, or alerts (default: every journal in the directory).")
        var ids: [String] = []
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            let context = global.context
            let store = try global.loadWorkspace().journalStore
            let transfer = try JournalTransfer.importing(
                from: JournalTransferRun.absolute(directory, context), to: store)
            let names = try JournalTransferRun.names(ids, in: transfer.source, partialCopies: transfer.partialCopies())
            try JournalTransferRun(transfer: transfer, verb: "imported", directory: transfer.source.location)
                .run(names, json: output.json, context: context)
        }
    }
}

/// What export and import share: the journals named, one line per journal, a total, exit 1 unless
/// every journal was copied or already there.
private struct JournalTransferRun {
    let transfer: JournalTransfer
    /// `exported` or `imported`.
    let verb: String
    /// The directory of journal files (export's target, import's source).
    let directory: String

    static func absolute(_ path: String, _ context: CommandContext) -> String {
        path.hasPrefix("/") ? path : context.currentDirectory + "/" + path
    }

    /// The journals of `ids` (`INC-3`, `3`, `platform`), each once, or every journal of `store` and then
    /// those there only as `partialCopies` (import's `INC-N.jsonl.partial`); an id that is none, or
    /// neither in `store` nor a partial copy, is refused before anything is done.
    static func names(_ ids: [String], in store: any JournalStore, partialCopies: [String] = []) throws(KlaxonError)
        -> [String]
    {
        guard !ids.isEmpty else { return try store.journalNames() + partialCopies }
        var names: [String] = []
        for text in ids {
            let name: String
            if let named = NamedJournals.names.first(where: { text == $0 || text == $0 + ".jsonl" }) {
                name = named
            } else if let id = IncidentID.normalize(text) {
                name = id
            } else {
                throw .badInput(
                    "\"\(text)\" is not an incident id; ids look like INC-12 (or platform for the checks' journal, alerts for the alerts received); nothing was done"
                )
            }
            // A link is "there" here, and refused by name when it is read.
            guard store.stamp(of: name) != nil || partialCopies.contains(name) else {
                let held = try held(in: store)
                throw .badInput("there is no journal \(name) in \(store.location)\(held)")
            }
            if !names.contains(name) { names.append(name) }
        }
        return names
    }

    /// What `store` holds, for a name that is not there: the first few and how many, or none.
    private static func held(in store: any JournalStore) throws(KlaxonError) -> String {
        let there = try store.journalNames()
        guard !there.isEmpty else { return ": it holds no journals; nothing was done" }
        let shown = there.prefix(5).joined(separator: ", ")
        let more = there.count > 5 ? " and \(there.count - 5) more" : ""
        return
            "; nothing was done. It holds \(Plural.count(there.count, "journal")): \(shown)\(more); name some of those, or none for all of them"
    }

    func run(_ names: [String], json: Bool, context: CommandContext) throws {
        var outcomes: [JournalTransfer.Outcome] = []
        var stopped: KlaxonError?
        for name in names {
            do {
                let outcome: JournalTransfer.Outcome
                if let partial = transfer.partialCopy(of: name) {
                    outcome = partial
                } else {
                    outcome = try transfer.copy(name)
                }
                outcomes.append(outcome)
                if !json { context.print(line(outcome)) }
            } catch {
                // The target cannot be written: what was copied stays (each journal whole), the rest is not tried.
                stopped = error
                break
            }
        }
        var copied = 0
        var already = 0
        var refused = 0
        var damaged = 0
        var partial = 0
        for outcome in outcomes {
            switch outcome.result {
            case .copied: copied += 1
            case .alreadyThere, .alreadyThereWentOn: already += 1
            case .refused: refused += 1
            case .damaged: damaged += 1
            case .partialCopy: partial += 1
            }
        }
        // Those after a target that could not be written, that one included: nothing of them was written.
        let notTried = names.count - outcomes.count
        if json {
            var object: [String: JSONValue] = [
                "directory": .string(directory),
                "store": .string(verb == "exported" ? transfer.source.location : transfer.target.location),
                "journals": .array(outcomes.map(self.json)), verb: .number(Double(copied)),
                "already_there": .number(Double(already)), "refused": .number(Double(refused)),
                "damaged": .number(Double(damaged)), "not_tried": .number(Double(notTried))
            ]
            if transfer.isImport { object["partial_copies"] = .number(Double(partial)) }
            if let stopped { object["error"] = .string(stopped.message) }
            context.print(json: .object(object))
        } else if names.isEmpty {
            context.print(
                "No journals in \(verb == "exported" ? transfer.source.location : directory); nothing \(verb).")
        } else {
            let preposition = verb == "exported" ? "to" : "from"
            let partials =
                partial > 0 ? ", \(Plural.count(partial, "partial copy", "partial copies")) not imported" : ""
            context.print(
                "\(verb.prefix(1).uppercased() + verb.dropFirst()) \(copied) of \(Plural.count(names.count, "journal")) \(preposition) \(directory): \(already) already there, \(refused) refused, \(damaged) damaged\(partials)\(notTried > 0 ? ", \(notTried) not tried" : "")."
            )
        }
        if let stopped { throw stopped }
        if refused + damaged + partial > 0 {
            let partials = partial > 0 ? ", \(Plural.count(partial, "partial copy", "partial copies"))" : ""
            context.say(
                "klaxon: error: \(Plural.count(refused + damaged + partial, "journal")) not \(verb) whole (\(refused) refused, \(damaged) damaged\(partials)): see \(json ? "each one's entry in journals" : "each one's line")"
            )
            throw ExitCode(1)
        }
    }

    private func line(_ outcome: JournalTransfer.Outcome) -> String {
        let name = outcome.name
        switch outcome.result {
        case .copied:
            return
                "\(name): \(verb), \(Plural.count(outcome.recordCount, "record")), last hash \(outcome.lastHash?.short ?? "")"
        case .alreadyThere:
            return "\(name): already there, identical; nothing done"
        case .alreadyThereWentOn(let records):
            return
                "\(name): already there (the store's went on: \(records) records, these are its first \(outcome.recordCount)); nothing done"
        case .refused(let why):
            return "\(name): REFUSED: \(why)"
        case .damaged(let damage, _, let detail):
            guard damage.kind == .tornTail else { return "\(name): DAMAGED at \(damage); \(detail)" }
            guard !transfer.isImport else { return "\(name): TORN TAIL at \(damage); \(detail)" }
            // Who cuts a torn tail: repair for an incident; for the platform journal, the next change
            // recorded; for the alerts', the next alert received.
            let cutter =
                name == PlatformJournal.name
                ? "the next state change recorded cuts it off"
                : name == AlertJournal.name
                    ? "the next alert received cuts it off" : "klaxon journal repair \(name) cuts it off"
            return
                "\(name): TORN TAIL at \(damage) (\(cutter), keeping its bytes, and export then copies the journal whole); \(detail)"
        case .partialCopy(let file):
            return
                "\(name).jsonl.partial: NOT IMPORTED: an incomplete copy of a damaged journal (\(file) holds the records before its damage and would look whole in the store); repair or restore \(name) in the workspace it came from (docs/journal-format.md, \"Damage\"), export it again and import that"
        }
    }

    private func json(_ outcome: JournalTransfer.Outcome) -> JSONValue {
        var entry: [String: JSONValue] = ["name": .string(outcome.name)]
        switch outcome.result {
        case .copied: entry["outcome"] = .string(verb)
        case .alreadyThere: entry["outcome"] = "already_there"
        case .alreadyThereWentOn(let records):
            entry["outcome"] = "already_there"
            entry["store_records"] = .number(Double(records))
        case .refused(let why):
            entry["outcome"] = "refused"
            entry["error"] = .string(why)
        case .partialCopy(let file):
            entry["outcome"] = "partial_copy"
            entry["file"] = .string(file)
        case .damaged(let damage, let file, let detail):
            entry["outcome"] = "damaged"
            entry["file"] = file.map(JSONValue.string) ?? .null
            entry["detail"] = .string(detail)
            entry["damage"] = .object([
                "kind": .string(damage.kind == .tornTail ? "torn_tail" : "corruption"),
                "record": .number(Double(damage.expectedSequence)), "line": .number(Double(damage.line)),
                "offset": .number(Double(damage.offset)), "reason": .string(damage.reason)
            ])
        }
        switch outcome.result {
        case .refused, .partialCopy: break
        default:
            entry["records"] = .number(Double(outcome.recordCount))
            entry["last_hash"] = outcome.lastHash.map { .string($0.hex) } ?? .null
        }
        return .object(entry)
    }
}
