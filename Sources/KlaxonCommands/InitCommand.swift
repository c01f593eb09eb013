import ArgumentParser
import Foundation
import KlaxonCore
import KlaxonStore

/// `klaxon init [DIR]`: a workspace for a new team — `klaxon.yaml` with one example check, `Escalation/`
/// with the person running it on a weekly rotation and one policy, one runbook, a drill, and a
/// `.gitignore` for the journals and the drill runs — that `klaxon config validate` passes and the
/// console opens on. It never overwrites anything: a directory holding `klaxon.yaml` is refused.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract:
            "Create a workspace for a new team: klaxon.yaml with an example check, Escalation/ with you on call, a runbook, a drill and a .gitignore.",
        discussion: """
            You (--as, else $KLAXON_USER, else the login name) are the one person of Escalation/people.yaml, \
            on a weekly rotation in the zone of $TZ (else the system's). The directory is created when missing; \
            one that holds klaxon.yaml, or any file init would write, is refused and nothing is written. \
            An existing .gitignore gets the lines it lacks appended. --workspace DIR is the same as DIR; \
            $KLAXON_WORKSPACE is not read (it names an existing workspace).
            """)
    @Argument(help: ArgumentHelp("The directory (default: the current one).", valueName: "dir")) var directory: String?
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let context = global.context
        if let directory, let workspace = global.workspace, directory != workspace {
            throw KlaxonError.badInput(
                "klaxon init got the directory \(directory) and --workspace \(workspace); give one of them")
        }
        let target = Self.absolute(directory ?? global.workspace ?? context.currentDirectory, from: context)
        let person = try global.writer().actor
        var info = stat()
        if stat(target, &info) == 0, (info.st_mode & S_IFMT) != S_IFDIR {
            throw KlaxonError.badInput(
                "\(target) exists and is not a directory; give klaxon init a directory (it is created when missing)")
        }
        let config = target + "/" + Workspace.configFileName
        if lstat(config, &info) == 0 {
            throw KlaxonError.badInput(
                "\(config) exists: \(target) is already a workspace, and klaxon init overwrites nothing; check it with klaxon config validate, or give klaxon init another directory"
            )
        }
        let (zoneName, zone) = Self.zone(context.environment)
        let template = WorkspaceTemplate(
            directory: target, person: person, zoneName: zoneName, zone: zone, now: context.now())
        let gitignore = target + "/.gitignore"
        let appendingToGitignore = lstat(gitignore, &info) == 0
        let files = template.files.filter { !(appendingToGitignore && $0.path == ".gitignore") }
        // Everything is checked before anything is written, so that a refusal leaves the directory as it was.
        if let existing = NewFiles.firstExisting(files, in: target) {
            throw KlaxonError.badInput(
                "\(existing) exists, and klaxon init overwrites nothing; move it away or give klaxon init another directory (nothing was created)"
            )
        }
        if appendingToGitignore, (info.st_mode & S_IFMT) != S_IFREG {
            throw KlaxonError.badInput(
                "\(gitignore) is not a regular file; move it away or give klaxon init another directory (nothing was created)"
            )
        }
        try NewFiles.create(files, in: target)
        var gitignoreNote = "the journals and drill runs"
        if appendingToGitignore {
            gitignoreNote = try Self.appendIgnoredLines(to: gitignore)
        }
        Self.report(template, target: target, gitignoreNote: gitignoreNote, context: context)
    }

    /// Appends to an existing `.gitignore` the lines of `WorkspaceTemplate.ignoredLines` it lacks (its
    /// owner's lines are kept as they are); returns what to say about it.
    static func appendIgnoredLines(to path: String) throws(KlaxonError) -> String {
        let existing: String
        do {
            existing = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .failed(
                "the workspace is created, but \(path) could not be read (\(error.localizedDescription)); add \(WorkspaceTemplate.ignoredLines.joined(separator: " and ")) to it by hand"
            )
        }
        let present = Set(existing.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
        let missing = WorkspaceTemplate.ignoredLines.filter { !present.contains($0) }
        guard !missing.isEmpty else { return "already ignores the journals and drill runs; left as it was" }
        let addition =
            (existing.isEmpty || existing.hasSuffix("\n") ? "" : "\n")
            + "# Klaxon: the incident journals and the drill runs (klaxon init)\n"
            + missing.map { $0 + "\n" }.joined()
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw .failed(
                "the workspace is created, but \(path) could not be opened for writing; add \(missing.joined(separator: " and ")) to it by hand"
            )
        }
        defer { try? handle.close() }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(addition.utf8))
        } catch {
            throw .failed(
                "the workspace is created, but appending to \(path) failed (\(error.localizedDescription)); add \(missing.joined(separator: " and ")) to it by hand"
            )
        }
        return "appended " + missing.joined(separator: " and ")
    }

    /// What was created, and the commands to run next.
    static func report(
        _ template: WorkspaceTemplate, target: String, gitignoreNote: String, context: CommandContext
    ) {
        let check = WorkspaceTemplate.checkName
        let rows: [(String, String)] = [
            (Workspace.configFileName, "the workspace; one example check, \(check) (replace its url)"),
            (
                "Escalation/people.yaml",
                "\(template.person), in \(template.timeZone), paged through logger, which reaches nobody: give yourself a contact that reaches you"
            ),
            ("Escalation/schedules/\(WorkspaceTemplate.scheduleName).yaml", "a weekly rotation: \(template.person)"),
            (
                "Escalation/policies/\(WorkspaceTemplate.policyName).yaml",
                "pages the \(WorkspaceTemplate.scheduleName) schedule"
            ),
            ("Runbooks/\(WorkspaceTemplate.runbookName).md", "the example check's runbook"),
            ("Drills/", "a drill of the example check going down (klaxon drill)"),
            (".gitignore", gitignoreNote)
        ]
        let width = rows.map(\.0.count).max() ?? 0
        context.print("created the workspace \(template.name) in \(target):")
        for (file, what) in rows {
            context.print("  " + file + String(repeating: " ", count: width - file.count) + "  " + what)
        }
        // The next commands find the workspace from the current directory, unless KLAXON_WORKSPACE names another.
        var prefix = "klaxon"
        if let named = context.environment["KLAXON_WORKSPACE"], !named.isEmpty,
            absolute(named, from: context) != target
        {
            prefix = "klaxon --workspace \(target)"
        }
        context.print("next:")
        if target != absolute(context.currentDirectory, from: context) && prefix == "klaxon" {
            context.print("  cd \(target)")
        }
        context.print("  \(prefix) config validate    # check it (after every change too)")
        context.print("  \(prefix)                    # open the console on it")
        context.print("  \(prefix) drill --list       # rehearse an outage")
    }

    /// `path` as an absolute path without a trailing slash, relative ones taken from the current directory.
    static func absolute(_ path: String, from context: CommandContext) -> String {
        var path = path.hasPrefix("/") ? path : context.currentDirectory + "/" + path
        path = (path as NSString).standardizingPath
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }

    /// The zone of the new schedule and person: `$TZ` when it names one, else the system's. `$TZ`'s own
    /// name is kept (Foundation calls UTC "GMT"), as the team would write it.
    static func zone(_ environment: [String: String]) -> (name: String, zone: TimeZone) {
        if let given = environment["TZ"] {
            let name = given.hasPrefix(":") ? String(given.dropFirst()) : given
            if let zone = TimeZone(identifier: name) { return (name, zone) }
        }
        return (TimeZone.current.identifier, TimeZone.current)
    }
}
