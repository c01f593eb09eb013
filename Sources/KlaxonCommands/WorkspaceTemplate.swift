import Foundation
import KlaxonCore
import KlaxonStore

/// The files `klaxon init` writes: a small but real workspace for a new team, every file commented
/// with what to change. It is a copy in miniature of the sample workspace (the repository), whose
/// formats docs/ describes; `InitCommandTests` holds it to `klaxon config validate`.
struct WorkspaceTemplate {
    /// The workspace's name (`name:` of klaxon.yaml).
    var name: String
    /// The person running `klaxon init`: the one person of people.yaml, on call in the schedule.
    var person: String
    /// The IANA zone of the person and the schedule.
    var timeZone: String
    /// Today in that zone (`YYYY-MM-DD`): the runbook's last review.
    var today: String
    /// Monday of this week in that zone (`YYYY-MM-DD`): the rotation's first handoff, at 09:00.
    var monday: String

    static let scheduleName = "primary"
    static let policyName = "page-primary"
    static let checkName = "example-api"
    static let runbookName = "example-api-down"
    static let scenarioName = "example-api-down"

    /// The template for `person` at `now` in `zone`, named after `directory` when that makes a
    /// plain name (letters, digits, `.`, `_`, `-`), else "my-team".
    init(directory: String, person: String, zoneName: String, zone: TimeZone, now: Timestamp) {
        let base = (directory as NSString).lastPathComponent
        name = !base.isEmpty && IncidentAction.isName(base) ? base : "my-team"
        self.person = person
        timeZone = zoneName
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let formatter = DateFormatter()
        formatter.calendar = calendar
        formatter.timeZone = zone
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd"
        today = formatter.string(from: now.date)
        // Weekday 1 is Sunday: step back to this week's Monday (Sunday belongs to the week before).
        let weekday = calendar.component(.weekday, from: now.date)
        let back = (weekday + 5) % 7
        monday = formatter.string(from: calendar.date(byAdding: .day, value: -back, to: now.date) ?? now.date)
    }

    /// Every file, klaxon.yaml last: until it exists the directory is no workspace, so nothing reads
    /// a workspace half made.
    var files: [NewFiles.File] {
        [
            .init("Escalation/people.yaml", people),
            .init("Escalation/schedules/\(Self.scheduleName).yaml", schedule),
            .init("Escalation/policies/\(Self.policyName).yaml", policy),
            .init("Runbooks/\(Self.runbookName).md", runbook),
            .init("Drills/platform.yaml", drillPlatform),
            .init("Drills/\(Self.scenarioName).yaml", drillScenario),
            .init(".gitignore", gitignore),
            .init(Workspace.configFileName, config)
        ]
    }

    /// The lines of `.gitignore`: what Klaxon writes that is not the team's configuration.
    static let ignoredLines = ["/journals/", "/\(DrillFiles.runsDirectoryName)/"]

    var gitignore: String {
        """
        # What Klaxon writes as it runs, not configuration to review:
        # the incident journals (journals: in klaxon.yaml; keep them backed up, not in git)
        \(Self.ignoredLines[0])
        # one directory per drill run (klaxon drill)
        \(Self.ignoredLines[1])
        # reviews the console exports (key e): uncomment to keep them out of git too
        # /reviews/

        """
    }

    var config: String {
        """
        # The Klaxon workspace of \(name), made by klaxon init. The formats: README.md's "The workspace"
        # and docs/ of Klaxon (checks.md, escalation-format.md, runbooks.md, drills.md).
        # Check it with `klaxon config validate` after every change; open the console with `klaxon`.
        name: \(name)
        journals: journals          # one journal per incident, in this directory (git-ignored)
        stale_after: 30m            # an open incident with no update for this long is flagged STALE
        escalation:
          main_schedule: \(Self.scheduleName)      # whose on-call person the console's top bar shows
          attempts: 5               # per page, when a delivery fails
          retry_backoff: 30s        # doubles after each failure

        # How pages leave for email and webhook contacts (Escalation/people.yaml). Secrets are only ever
        # references, env:NAME or file:PATH, read by the process that sends the pages:
        # channels:
        #   email: {server: "smtps://smtp.example.com:465", from: klaxon@example.com, username: klaxon, password: "env:KLAXON_SMTP_PASSWORD"}
        #   webhook: {secret: "env:KLAXON_WEBHOOK_SECRET"}

        # Polled by the console and by klaxon watch (docs/checks.md). Replace the example with your
        # service's health endpoint. With declare: uncommented, the check going down opens an incident
        # paging by its policy; leave it commented until the check is known to be right.
        checks:
          - name: \(Self.checkName)
            group: Example
            type: http
            url: https://example.com/healthz     # replace: your service's health endpoint
            interval: 30s
            timeout: 5s
            expect:
              status: [200]
              max_latency: 2s
            failure_threshold: 3    # down after 3 failed polls in a row
            success_threshold: 2    # up again after 2 good ones
            service: example
            runbook: \(Self.runbookName)
            policy: \(Self.policyName)
            # declare: SEV3         # opens an incident paging by policy: when the check goes down

        runbooks:
          stale_after: 90d          # a runbook not reviewed for this long is flagged STALE

        """
    }

    var people: String {
        // An environment variable's name for the person's secrets: ALICE_WEBHOOK for alice.
        let variable = String(person.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
        return """
            # Everyone who can be on call or paged (docs/escalation-format.md). Add your teammates here, and
            # to the rotation in schedules/\(Self.scheduleName).yaml.
            people:
              - id: \(person)
                time_zone: \(timeZone)
                contacts:
                  # Writes each page to this machine's system log: the example pages without a secret or a
                  # server, but it reaches nobody. Replace it with a contact that reaches you; a webhook's or
                  # Slack's url holds a token, so write it as env:NAME (never the secret itself):
                  #   - {type: webhook, url: "env:\(variable)_WEBHOOK"}
                  #   - {type: slack, url: "env:\(variable)_SLACK_WEBHOOK"}
                  #   - {type: email, address: \(person)@example.com}     # needs channels: email in klaxon.yaml
                  - {type: command, argv: ["/usr/bin/logger", "-t", "klaxon", "page for \(person)"]}
                notify:                 # when paged: this contact after this long
                  - {contact: command, after: 0m}

            """
    }

    var schedule: String {
        """
        # Who is on call (docs/escalation-format.md): a weekly rotation handing off on Mondays at 09:00
        # in \(timeZone). With one participant that person is always on call; add teammates to take turns.
        name: \(Self.scheduleName)
        time_zone: \(timeZone)
        layers:
          - name: weekly
            rotation: weekly
            shift_length: 1
            start: \(monday)T09:00
            participants: [\(person)]

        """
    }

    var policy: String {
        """
        # Whom a page reaches and when (docs/escalation-format.md): everyone on call in the schedule, then
        # again until someone acknowledges. A second step (a secondary schedule, a lead) escalates further.
        name: \(Self.policyName)
        steps:
          - targets: [schedule:\(Self.scheduleName)]
            escalate_after: 10m
        repeat: 2                   # run the policy this many more times while nobody acknowledges
        ack_timeout: 30m            # acknowledged but not resolved after this long: page again

        """
    }

    var runbook: String {
        """
        ---
        title: Example API is down
        services: [example]
        checks: [\(Self.checkName)]
        owner: \(person)
        last_reviewed: \(today)
        ---

        # Example API is down

        An example runbook, for the example check of `klaxon.yaml`: rewrite it for your service, or
        replace it. The console opens it with `o` on an incident of the service `example` or on the
        check; `x` ticks a step of the checklist below on the open incident (docs/runbooks.md).

        ## First five minutes

        - [ ] Acknowledge the page: `a` in the console, or `klaxon incident ack ID`
        - [ ] See what the check found: `klaxon status check \(Self.checkName)`
        - [ ] Post a first status update: `U` in the console, or `klaxon incident update ID "…"`

        ## Diagnose

        ```bash
        curl -sS -o /dev/null -w '%{http_code} %{time_total}s\\n' https://example.com/healthz
        ```

        | Answer | Meaning | Do |
        |:-------|:--------|:---|
        | no answer | the service or its network is down | check its hosts and deploys |
        | `5xx` | the service is up but failing | read its logs |
        | slow `200` | overloaded | scale it out |

        ## Escalate

        When it is not fixed within 30 minutes, escalate: `>` in the console, or `klaxon incident escalate ID`.

        """
    }

    var drillPlatform: String {
        """
        # The simulated platform `klaxon drill` serves on 127.0.0.1 (docs/drills.md): each path's healthy
        # answer, and the checks that poll it ({drill} becomes the server's address). A drill pages into a
        # sink of its own, never anyone's contact. Mirror your real checks here to rehearse them.
        endpoints:
          /example/healthz: {body: '{"status":"UP"}'}
        checks:
          - name: \(Self.checkName)
            group: Example
            type: http
            url: "{drill}/example/healthz"
            interval: 5s
            timeout: 2s
            expect:
              status: [200]
            failure_threshold: 2
            success_threshold: 1
            service: example
            runbook: \(Self.runbookName)
            policy: \(Self.policyName)
            declare: SEV3

        """
    }

    var drillScenario: String {
        """
        # A drill (klaxon drill \(Self.scenarioName)): the example API starts failing 20 seconds in.
        title: The example API starts returning 503
        description: >
          The example check goes down, declares a SEV3 and pages whoever is on call in \(Self.scheduleName)
          (into the drill's sink). The API recovers once the incident is marked mitigated.
        events:
          - {at: 20s, endpoint: /example/healthz, status: 503, body: '{"status":"DOWN"}'}
        recover:
          after: mitigated
          at: 30m

        """
    }
}
