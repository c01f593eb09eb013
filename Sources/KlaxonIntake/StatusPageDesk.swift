import Dispatch
import Foundation
import KlaxonCore
import KlaxonStore
import Synchronization

/// Serves the status page live (`GET /status`, `/status/summary.json`, `/status/api/v2/summary.json`,
/// docs/comms.md): public, no token. The page is built from what `klaxon watch` sees now (`LiveView`:
/// each check's state as its poller found it, which incidents are open), the platform journal (only its
/// new records at each build) and the open incidents' journals (read, never written), at most once every
/// `cacheSeconds`, on a queue of its own: a thousand requests a second cost one build, and neither the
/// listener's event loops nor the poller wait for it.
public final class StatusPageDesk: Sendable {
    /// What the engine of this process knows now, told by `klaxon watch` as its events arrive.
    public final class LiveView: Sendable {
        private let state = Mutex<(checks: [String: CheckStateMachine.Recorded], open: Set<String>?)>(([:], nil))

        public init() {}

        /// A report of the poller: the check's state now, and since when.
        public func note(_ report: CheckReport) {
            state.withLock {
                $0.checks[report.check.name] = .init(state: report.state, since: report.since ?? report.at)
            }
        }

        /// An incident as the engine read it: open or not.
        public func note(incident id: String, isOpen: Bool) {
            state.withLock {
                var open = $0.open ?? []
                if isOpen { open.insert(id) } else { open.remove(id) }
                $0.open = open
            }
        }

        var snapshot: (checks: [String: CheckStateMachine.Recorded], open: Set<String>?) { state.withLock { $0 } }
    }

    /// The rendered page and its summary.
    struct Rendered: Sendable {
        var html: [UInt8]
        var json: [UInt8]
        var builtAt: ContinuousClock.Instant
    }

    /// How long a built page is served before the next request builds it again.
    public static let cacheSeconds = 5

    let workspace: Workspace
    let checks: [CheckDefinition]
    let maintenance: [MaintenanceWindow]
    let live: LiveView
    let url: String?
    let timeZone: TimeZone
    let clock: @Sendable () -> Timestamp
    /// Problems met while building (a damaged journal): said once each.
    let say: @Sendable (String) -> Void
    private let cache = Mutex<Rendered?>(nil)
    private let queue = DispatchQueue(label: "klaxon.statuspage")
    /// The platform journal's reader, used on `queue` only.
    private let source: Mutex<StatusPageSource?>
    private let said = Mutex<Set<String>>([])

    public init(
        workspace: Workspace, checks: [CheckDefinition], maintenance: [MaintenanceWindow], live: LiveView,
        url: String?, timeZone: TimeZone, clock: @escaping @Sendable () -> Timestamp,
        say: @escaping @Sendable (String) -> Void
    ) {
        self.workspace = workspace
        self.checks = checks
        self.maintenance = maintenance
        self.live = live
        self.url = url
        self.timeZone = timeZone
        self.clock = clock
        self.say = say
        source = Mutex(try? StatusPageSource(workspace: workspace))
    }

    /// The page now: the cached one while fresh, else built (on the desk's queue, once for all the
    /// requests that wait for it).
    func rendered() async -> Rendered {
        if let fresh = fresh() { return fresh }
        return await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: self.fresh() ?? self.build()) }
        }
    }

    private func fresh() -> Rendered? {
        cache.withLock { cached in
            guard let cached, ContinuousClock.now - cached.builtAt < .seconds(Self.cacheSeconds) else { return nil }
            return cached
        }
    }

    /// Builds the page; the store's trouble leaves out what could not be read and is said, once.
    func build() -> Rendered {
        let now = clock()
        let view = live.snapshot
        var problems: [String] = []
        var changes: [CheckChange] = []
        var signs: [PollerLife.Sign] = []
        var incidents: [PublicIncident] = []
        source.withLock { source in
            if source == nil { source = try? StatusPageSource(workspace: workspace) }
            guard let reader = source else { return }
            do throws(KlaxonError) {
                if let warning = try reader.readChanges(now: now) { problems.append(warning) }
            } catch {
                problems.append("status page: the platform journal was not read: \(error.message)")
            }
            changes = reader.changes
            signs = reader.signs
            do throws(KlaxonError) {
                let open = try reader.openIncidents(ids: view.open.map { $0.sorted() })
                incidents = open.incidents
                problems += open.problems
            } catch {
                problems.append("status page: the incidents were not read: \(error.message)")
            }
        }
        // This process's own poller runs: what it sees is the state now.
        let page = StatusPage.build(
            from: StatusPage.Input(
                name: workspace.config.name, url: url, timeZone: timeZone, checks: checks, current: view.checks,
                changes: changes, signs: signs, pollerRunning: true, maintenance: maintenance, incidents: incidents,
                now: now))
        let rendered = Rendered(html: Array(page.html.utf8), json: Array(page.summaryJSON.utf8), builtAt: .now)
        cache.withLock { $0 = rendered }
        for problem in problems where said.withLock({ $0.insert(problem).inserted }) { say(problem) }
        return rendered
    }
}
