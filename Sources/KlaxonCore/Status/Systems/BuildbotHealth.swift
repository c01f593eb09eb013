/// Buildbot's REST API (`/api/v2/workers`, `/api/v2/buildrequests?complete=false`): the workers
/// configured on a master and whether each is connected (`disconnected_workers:`; none connected is
/// down), and how long the oldest build request no worker has claimed has waited (`pending_wait:`).
public enum BuildbotHealth {
    public static func judge(
        _ check: CheckDefinition, workers: SystemHealth.Answer, requests: SystemHealth.Answer, now: Timestamp
    ) -> CheckEvaluation {
        if let failure = SystemHealth.firstFailure([workers, requests]) { return failure }
        let workerList: [JSONValue]
        let requestList: [JSONValue]
        do throws(SystemHealth.Unreadable) {
            workerList = try SystemHealth.list(workers, "workers", in: "Buildbot's web address")
            requestList = try SystemHealth.list(requests, "buildrequests", in: "Buildbot's web address")
        } catch { return error.evaluation }
        var listed: [StatusPayloads.Item] = []
        var connected = 0
        var disconnected: [String] = []
        // A worker no master configures any more is history, not capacity.
        for worker in workerList where !(worker["configured_on"]?.arrayValue ?? []).isEmpty {
            let name = TerminalText.printable(worker["name"]?.stringValue ?? "?")
            if (worker["connected_to"]?.arrayValue ?? []).isEmpty {
                disconnected.append(name)
                listed.append(StatusPayloads.Item(name: name, status: "disconnected"))
            } else {
                connected += 1
            }
        }
        var verdict = CheckObservation.Verdict.ok
        var facts: [String] = []
        if connected == 0 {
            verdict = .failed
            facts.append(
                disconnected.isEmpty ? "no worker configured" : "no worker connected (\(disconnected.count) configured)"
            )
        } else if !disconnected.isEmpty {
            verdict = check.limit(.disconnectedWorkers).verdict(Double(disconnected.count))
            facts.append(
                "\(Plural.count(connected, "worker")) connected, \(disconnected.count) not (\(disconnected.prefix(3).joined(separator: ", "))\(disconnected.count > 3 ? ", …" : ""))"
                    + SystemMeasure.disconnectedWorkers.past(Double(disconnected.count), of: check)
            )
        } else {
            facts.append("\(Plural.count(connected, "worker")) connected")
        }
        let waiting = requestList.filter { $0["claimed"]?.boolValue != true && $0["complete"]?.boolValue != true }
        let ages = waiting.compactMap { request -> Double? in
            guard case .number(let submitted)? = request["submitted_at"] else { return nil }
            return max(0, Double(now.milliseconds) / 1000 - submitted)
        }
        if let oldest = ages.max() {
            verdict = SystemHealth.worse(verdict, check.limit(.pendingWait).verdict(oldest))
            facts.append(
                "\(waiting.count) pending, the oldest for \(SystemHealth.age(oldest))"
                    + SystemMeasure.pendingWait.past(oldest, of: check))
        } else {
            facts.append("nothing pending")
        }
        return CheckEvaluation(observation: .init(verdict, facts.joined(separator: "; ")), items: listed)
    }
}
