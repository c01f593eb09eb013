import Foundation
import KlaxonCore

/// `Escalation/overrides.yaml`: overrides made with `klaxon oncall override`, one line each, with who
/// made them and when. Kept apart from the schedule files so those stay as their authors wrote them,
/// and so the overrides can be reviewed and committed like any other config.
public enum OverridesFile {
    static let header = """
        # Overrides made with `klaxon oncall override`; each names its schedule, and who made it and when.
        # Local times are in the schedule's zone; these carry their offset. Edit or delete lines as needed.
        overrides:

        """

    /// Records an override as `klaxon oncall override` does (and the console's "take the pager"): checks
    /// that `o`'s people are in `files`' people.yaml, that `--add` and `replaces` are not both given and
    /// that its window is one, then appends it for schedule `scheduleName`. Returns the schedule.
    @discardableResult
    public static func record(
        _ o: ScheduleOverride, scheduleName: String, files: EscalationFiles, workspaceRoot: String
    )
        throws(KlaxonError) -> Schedule
    {
        let target = try files.schedule(named: scheduleName)
        for person in [o.user] + (o.replaces.map { [$0] } ?? []) where !files.peopleIDs.contains(person) {
            throw KlaxonError.badInput(
                "\(person) is not in Escalation/people.yaml (known: \(files.people.map(\.id).joined(separator: ", ")))")
        }
        guard !(o.mode == .add && o.replaces != nil) else {
            throw KlaxonError.badInput("--add and --replaces do not go together: --add keeps whoever is on call")
        }
        try append(o, schedule: target, workspaceRoot: workspaceRoot)
        return target
    }

    /// Appends `o` for `schedule` (whose zone writes the times) to the workspace's overrides file.
    /// The result is read back before it replaces the file, so a hand-edited file that appending would
    /// break is refused rather than damaged.
    public static func append(_ o: ScheduleOverride, schedule: Schedule, workspaceRoot: String) throws(KlaxonError) {
        let directory = workspaceRoot + "/" + EscalationFiles.directoryName
        try SystemCall.makeDirectory(directory)
        let path = directory + "/" + EscalationFiles.overridesFileName
        try AtomicFile.withDirectoryLock(directory) { () throws(KlaxonError) in
            let before = EscalationFiles.load(workspaceRoot: workspaceRoot)
            if let broken = before.findings.first(where: { $0.level == .error && $0.place.hasPrefix(path) }) {
                throw .badInput("\(broken); fix \(path) before adding to it")
            }
            let count = before.schedules.first(where: { $0.name == schedule.name })?.overrides.count ?? 0
            var text =
                Workspace.fileExists(path) ? ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "") : header
            if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
            text += "  - " + line(o, schedule: schedule) + "\n"

            // Read the new text as the loader will, in memory, before it replaces anything.
            var probe = before
            probe.findings = []
            if let index = probe.schedules.firstIndex(where: { $0.name == schedule.name }) {
                probe.schedules[index].overrides.removeAll { $0.place.hasPrefix(path) }
            }
            do throws(KlaxonError) { probe.readOverrides(try YAMLFile.parse(text, path: path)) } catch {
                probe.findings.append(YAMLFile.finding(error, path: path))
            }
            let after = probe.schedules.first(where: { $0.name == schedule.name })?.overrides.count ?? 0
            guard probe.findings.isEmpty, after == count + 1 else {
                throw .badInput(
                    "\(path) is laid out so that a new line would not be read as an override (keep `overrides:` as the last key, with one `- {...}` line per override); fix it and try again"
                )
            }
            try AtomicFile.write(text, to: path)
        }
    }

    /// `{schedule: s, from: …, to: …, user: u, replaces: v, by: w, at: …}`
    static func line(_ o: ScheduleOverride, schedule: Schedule) -> String {
        let format = LocalTimeFormatter(
            timeZone: TimeZone(identifier: schedule.timeZone) ?? TimeZone(identifier: "UTC")!)
        var fields = [
            "schedule: \(schedule.name)", "from: \(format.rfc3339(o.from))", "to: \(format.rfc3339(o.to))",
            "user: \(o.user)"
        ]
        if let replaces = o.replaces { fields.append("replaces: \(replaces)") }
        if o.mode == .add { fields.append("mode: add") }
        if let by = o.madeBy { fields.append("by: \(by)") }
        if let at = o.madeAt { fields.append("at: \(at.rfc3339)") }
        return "{" + fields.joined(separator: ", ") + "}"
    }
}
