import ArgumentParser
import KlaxonCore
import KlaxonPostgres
import KlaxonStore

extension JournalCommand {
    /// `klaxon journal init`: creates or migrates the journal tables of a PostgreSQL database.
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Create or migrate the journal tables of the workspace's PostgreSQL database (journals: postgresql://…), as the role that is to own them; running it again changes nothing."
        )
        @Option(
            help: ArgumentHelp(
                "The database (default: journals: of klaxon.yaml). Give the password in PGPASSWORD or ~/.pgpass.",
                valueName: "uri")) var uri: String?
        @Option(
            help: ArgumentHelp(
                "Give this role the everyday privileges: read and append journals, never change or delete them.",
                valueName: "role")) var grant: String?
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let context = global.context
            // A password on the command line shows in `ps` and in the shell's history.
            if let uri,
                let secret = PostgresURI.secretKeys.sorted().first(where: {
                    (try? PostgresURI.options(uri))?[$0] != nil
                })
            {
                throw KlaxonError.badInput(
                    "--uri holds a \(secret) (\(PostgresURI.redacted(uri))); a command line shows in ps and in the shell's history: give it in PGPASSWORD or ~/.pgpass (or passfile=) instead"
                )
            }
            var target = uri
            if target == nil {
                let workspace = try global.loadWorkspace()
                switch workspace.config.journals {
                case .directory(let path):
                    context.print(
                        "journals: \(path) is a directory of journal files; there is nothing to initialise (journal init prepares a PostgreSQL database: journals: postgresql://USER@HOST:PORT/DATABASE)"
                    )
                    return
                case .postgres(let workspaceURI): target = workspaceURI
                }
            }
            let report = try PostgresSchema.initialise(uri: target!, grantTo: grant)
            for migration in report.applied {
                context.print(
                    "PostgreSQL at \(report.server): applied schema version \(migration.version): \(migration.description)"
                )
            }
            if report.applied.isEmpty {
                context.print(
                    "PostgreSQL at \(report.server): the journal schema is at version \(report.version), as this klaxon needs; nothing to apply"
                )
            }
            if let role = report.granted {
                context.print(
                    "granted \(role): read and append on the journal tables (SELECT, INSERT), new incident numbers (USAGE on klaxon.incident_number), the checks' outcome ledgers (SELECT, INSERT, UPDATE on klaxon.outcomes); no UPDATE, DELETE or TRUNCATE on a journal table"
                )
            }
        }
    }
}
