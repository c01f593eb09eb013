/// Buildkite's agent metrics (`GET https://agent.buildkite.com/v3/metrics`, with an agent token sent
/// as `Authorization: Token …`): per queue, the agents (idle, busy) and the jobs scheduled (waiting
/// for an agent). A queue with jobs scheduled and no agent is down: nothing will run them; the jobs
/// scheduled in one queue are held to `scheduled_jobs:`. `queues:` picks the queues read; a queue
/// named there that the metrics do not list has no agent at all.
public enum BuildkiteHealth {
    public static func judge(_ check: CheckDefinition, _ answer: SystemHealth.Answer) -> CheckEvaluation {
        guard answer.isSuccess else {
            return SystemHealth.unknown("the Buildkite API answers \(answer.statusAndLine)")
        }
        guard let json = answer.json, case .object(let agentQueues)? = json["agents"]?["queues"],
            case .object(let jobQueues)? = json["jobs"]?["queues"]
        else {
            return SystemHealth.unknown("source unreadable: \(answer.path) has no agents.queues and jobs.queues")
        }
        let names = check.queues.isEmpty ? Set(agentQueues.keys).union(jobQueues.keys).sorted() : check.queues
        var verdict = CheckObservation.Verdict.ok
        var facts: [String] = []
        var items: [StatusPayloads.Item] = []
        for name in names {
            let agents = agentQueues[name]
            let jobs = jobQueues[name]
            let total = agents?["total"]?.intValue ?? 0
            let idle = agents?["idle"]?.intValue ?? 0
            let busy = agents?["busy"]?.intValue ?? 0
            let scheduled = jobs?["scheduled"]?.intValue ?? 0
            let printed = TerminalText.printable(name)
            var state = CheckObservation.Verdict.ok
            var said: String
            if total == 0 {
                state = scheduled > 0 ? .failed : .degraded
                said = scheduled > 0 ? "\(printed): \(scheduled) scheduled and no agent" : "\(printed): no agent"
            } else {
                state = check.limit(.scheduledJobs).verdict(Double(scheduled))
                said =
                    "\(printed): \(scheduled) scheduled, \(busy) busy, \(idle) idle"
                    + SystemMeasure.scheduledJobs.past(Double(scheduled), of: check)
            }
            var item = StatusPayloads.Item(
                name: printed, status: state == .ok ? "ok" : state == .degraded ? "degraded" : "down")
            item.annotations["agents"] = "\(total) (\(busy) busy, \(idle) idle)"
            item.annotations["scheduled"] = String(scheduled)
            items.append(item)
            verdict = SystemHealth.worse(verdict, state)
            if state != .ok { facts.append(said) }
        }
        if names.isEmpty { return SystemHealth.failed("no queue has an agent or a job") }
        if facts.isEmpty {
            let scheduled = names.reduce(0) { $0 + (jobQueues[$1]?["scheduled"]?.intValue ?? 0) }
            facts.append("\(Plural.count(names.count, "queue")) served; \(scheduled) jobs scheduled")
        }
        return CheckEvaluation(observation: .init(verdict, facts.joined(separator: "; ")), items: items)
    }
}
