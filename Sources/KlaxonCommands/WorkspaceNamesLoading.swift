import KlaxonCore
import KlaxonStore

extension WorkspaceNames {
    /// The names `workspace`'s files know: `Escalation/`'s people and policies, `Runbooks/`, the services
    /// its checks, alert routes, comms routes and runbooks name, and its checks with their services.
    /// Runbooks are read for their front matter only (their bodies are not parsed).
    static func of(_ workspace: Workspace, context: CommandContext) -> WorkspaceNames {
        let escalation = EscalationFiles.load(workspaceRoot: workspace.root)
        let runbooks = RunbookFiles.load(workspaceRoot: workspace.root) { _ in MarkdownNode(.document) }
        let checks = CheckFiles.load(
            workspaceRoot: workspace.root, timeZone: workspace.displayTimeZone(environment: context.environment))
        return WorkspaceNames(
            people: escalation.people.map(\.id),
            services: services(
                checks: checks.definitions, alertRoutes: workspace.config.intake?.routes ?? [],
                commsRoutes: workspace.config.comms.routes, runbooks: runbooks),
            runbooks: runbooks.map(\.name), policies: escalation.policies.map(\.name),
            checkServices: checkServices(checks.definitions))
    }
}
