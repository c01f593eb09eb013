import ArgumentParser
import KlaxonCore
import KlaxonStore

extension AlertCommand {
    /// `klaxon alert attach A-3 INC-2`: puts an alert's group on an open incident (an `attach` route
    /// whose service had no open incident left it on none; a `declare: none` route only shows it; or it
    /// belongs on another incident). Recorded on the journal `alerts` (`alerts.attach`); the process that
    /// sends the pages writes it on the incident's timeline, as it routes.
    struct Attach: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put an alert's group on an open incident: its changes go on that incident's timeline.",
            discussion: """
                Every alert of the group goes with it, and so do its later changes. The process that sends \
                the pages (klaxon watch, or the console) writes it on the incident within a second.
                """)
        @Argument(help: "The alert (A-12).") var alert: String
        @Argument(help: "The open incident (INC-3).") var incident: String
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let context = global.context
            guard Alert.number(of: alert) != nil else {
                throw KlaxonError.badInput(
                    "\"\(alert)\" is not an alert id; ids look like A-12 (see klaxon alert list --all)")
            }
            guard let id = IncidentID.normalize(incident) else {
                throw KlaxonError.badInput(
                    "\"\(incident)\" is not an incident id; ids look like INC-3 (klaxon incident list)")
            }
            let workspace = try global.loadWorkspace()
            let writer = try global.writer()
            let store = try workspace.journalStore
            let journal = AlertJournal(store: store)
            guard store.stamp(of: ReceivedAlerts.journalName) != nil else {
                throw KlaxonError.badInput("no alerts were received in \(workspace.journalsPlace)")
            }
            let book = AlertBook(records: try store.journal(ReceivedAlerts.journalName).readNewRecords())
            guard let found = book.alert(alert) else {
                throw KlaxonError.badInput(
                    "there is no alert \(alert) in \(workspace.journalsPlace); see klaxon alert list --all")
            }
            let target = try workspace.incidents.open(id, keepingTimeline: false).incident
            guard target.isOpen else {
                throw KlaxonError.badInput(
                    "\(id) is \(target.status.rawValue); attach alerts to an open incident (klaxon incident list)")
            }
            let others = book.alerts(of: found.group).filter(\.isActive).count
            if book.incidents[found.group] == id, book.incident(of: found) == id {
                context.print("\(found.id)'s group is on \(id) already.")
                return
            }
            try journal.requestAttach(found, to: id, by: writer, at: context.now())
            let what = others > 1 ? "\(found.id) and the \(others - 1) other firing alerts of its group" : found.id
            context.print("\(what) will go on \(id)'s timeline; its later changes too.")
            warnWithoutEngine(workspace, context)
        }
    }
}
