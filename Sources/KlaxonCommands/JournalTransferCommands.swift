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
        @Argument(help: "Incidents to export, or platform (default: every journal, the platform journal too).")
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
                Each journal is verified first; one the store already holds is left as it is: "already there" \
                when it is the same, refused when not (the store's has more records, fewer, or others).
                """)
        @Option(name: .customLong("from"), help: ArgumentHelp("The directory.", valueName: "dir"))
        var directory: String
        @Argument(help: "Incidents to import, or platform (default: every journal in the directory).")
        var ids: [String] = []
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            let context = global.context
            let store = try global.loadWorkspace().journalStore
            let transfer = try JournalTransfer.importing(
                from: JournalTransferRun.absolute(directory, context), to: store)
            let names = try JournalTransferRun.names(ids, in: transfer.source)
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

    /// The journals of `ids` (`INC-3`, `3`, `platform`), each once, or every journal of `store`; an id
    /// that is none, or not in `store`, is refused before anything is done.
    static func names(_ ids: [String], in store: any JournalStore) throws(KlaxonError) -> [String] {
        guard !ids.isEmpty else { return try store.journalNames() }
        var names: [String] = []
        for text in ids {
            let name: String
            if text == PlatformJournal.name || text == PlatformJournal.fileName {
                name = PlatformJournal.name
            } else if let id = IncidentID.normalize(text) {
                name = id
            } else {
                throw .badInput(
                    "\"\(text)\" is not an incident id; ids look like INC-12 (or platform for the checks' journal); nothing was done"
                )
            }
            // A link is "there" here, and refused by name when it is read.
            guard store.stamp(of: name) != nil else {
                throw .badInput(
                    "there is no journal \(name) in \(store.location); nothing was done. Name journals that are there (INC-12, platform), or none for all of them"
                )
            }
            if !names.contains(name) { names.append(name) }
        }
        return names
    }

    func run(_ names: [String], json: Bool, context: CommandContext) throws {
        var outcomes: [JournalTransfer.Outcome] = []
        var stopped: KlaxonError?
        for name in names {
            do {
                let outcome = try transfer.copy(name)
                outcomes.append(outcome)
                if !json { context.print(line(outcome)) }
            } catch {
                // The target cannot be written: what was copied stays (each journal whole), the rest is not tried.
                stopped = error
                break
            }
        }
        let copied = outcomes.filter { $0.result == .copied }.count
        let already = outcomes.filter { $0.result == .alreadyThere }.count
        let damaged = outcomes.filter { if case .setApart = $0.result { true } else { false } }.count
        let refused = outcomes.count - copied - already - damaged
        if json {
            var object: [String: JSONValue] = [
                "directory": .string(directory),
                "store": .string(verb == "exported" ? transfer.source.location : transfer.target.location),
                "journals": .array(outcomes.map(self.json)), verb: .number(Double(copied)),
                "already_there": .number(Double(already)), "refused": .number(Double(refused)),
                "damaged": .number(Double(damaged))
            ]
            if let stopped { object["error"] = .string(stopped.message) }
            context.print(json: .object(object))
        } else if names.isEmpty {
            context.print(
                "No journals in \(verb == "exported" ? transfer.source.location : directory); nothing \(verb).")
        } else {
            let preposition = verb == "exported" ? "to" : "from"
            context.print(
                "\(verb.prefix(1).uppercased() + verb.dropFirst()) \(copied) of \(Plural.count(names.count, "journal")) \(preposition) \(directory): \(already) already there, \(refused) refused, \(damaged) damaged."
            )
        }
        if let stopped { throw stopped }
        if refused + damaged > 0 {
            context.say(
                "klaxon: error: \(Plural.count(refused + damaged, "journal")) not \(verb) whole (\(refused) refused, \(damaged) damaged): see each one's line"
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
        case .refused(let why):
            return "\(name): REFUSED: \(why)"
        case .setApart(let damage, let file):
            // Who cuts a torn tail: repair for an incident; for the platform journal, the next change recorded.
            let cutter =
                name == PlatformJournal.name
                ? "the next state change recorded cuts it off" : "klaxon journal repair \(name) cuts it off"
            let what =
                damage.kind == .tornTail
                ? "TORN TAIL at \(damage) (an interrupted write; \(cutter), keeping its bytes, and export then copies the journal whole)"
                : "DAMAGED at \(damage)"
            guard let file else { return "\(name): \(what); no record before it is intact, so nothing was written" }
            let intact =
                outcome.recordCount == 1
                ? "its 1 intact record was" : "its \(outcome.recordCount) intact records were"
            return
                "\(name): \(what); \(intact) written to \(file), not as \(name).jsonl, so that nobody takes them for the whole journal"
        }
    }

    private func json(_ outcome: JournalTransfer.Outcome) -> JSONValue {
        var entry: [String: JSONValue] = ["name": .string(outcome.name)]
        switch outcome.result {
        case .copied: entry["outcome"] = .string(verb)
        case .alreadyThere: entry["outcome"] = "already_there"
        case .refused(let why):
            entry["outcome"] = "refused"
            entry["error"] = .string(why)
        case .setApart(let damage, let file):
            entry["outcome"] = "damaged"
            entry["file"] = file.map(JSONValue.string) ?? .null
            entry["damage"] = .object([
                "kind": .string(damage.kind == .tornTail ? "torn_tail" : "corruption"),
                "record": .number(Double(damage.expectedSequence)), "line": .number(Double(damage.line)),
                "offset": .number(Double(damage.offset)), "reason": .string(damage.reason)
            ])
        }
        if case .refused = outcome.result {
        } else {
            entry["records"] = .number(Double(outcome.recordCount))
            entry["last_hash"] = outcome.lastHash.map { .string($0.hex) } ?? .null
        }
        return .object(entry)
    }
}
