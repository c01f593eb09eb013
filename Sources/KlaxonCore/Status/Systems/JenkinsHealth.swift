/// Jenkins's queue (`/queue/api/json`) and nodes (`/computer/api/json`): the jobs waiting to build and
/// how long the oldest has waited (`queue_wait:`), the items Jenkins itself calls stuck (buildable,
/// and waiting much longer than builds take), and the executors on nodes that went offline without
/// anyone taking them offline (`offline_executors:`). Jenkins answers 200 however stuck its queue is:
/// only these numbers tell.
public enum JenkinsHealth {
    /// The two reads, each asking only for the fields judged (`tree=`), so a queue of thousands stays small.
    static let paths = [
        "/queue/api/json?tree=" + encoded("items[id,stuck,blocked,buildable,inQueueSince,why,task[name]]"),
        "/computer/api/json?tree="
            + encoded("computer[displayName,offline,temporarilyOffline,offlineCauseReason,numExecutors]")
    ]

    private static func encoded(_ tree: String) -> String {
        tree.replacingOccurrences(of: "[", with: "%5B").replacingOccurrences(of: "]", with: "%5D")
    }

    public static func judge(
        _ check: CheckDefinition, queue: SystemHealth.Answer, computers: SystemHealth.Answer, now: Timestamp
    ) -> CheckEvaluation {
        if let failure = SystemHealth.firstFailure([queue, computers]) { return failure }
        let items: [JSONValue]
        let nodes: [JSONValue]
        do throws(SystemHealth.Unreadable) {
            items = try SystemHealth.list(queue, "items", in: "Jenkins's address")
            nodes = try SystemHealth.list(computers, "computer", in: "Jenkins's address")
        } catch { return error.evaluation }
        var verdict = CheckObservation.Verdict.ok
        var facts: [String] = []
        var listed: [StatusPayloads.Item] = []

        // The queue: its oldest item, and the stuck ones.
        var oldest: (seconds: Double, name: String)?
        var stuck: [String] = []
        for item in items {
            let name = TerminalText.printable(item["task"]?["name"]?.stringValue ?? "item \(item["id"]?.intValue ?? 0)")
            let state =
                item["stuck"]?.boolValue == true ? "stuck" : item["blocked"]?.boolValue == true ? "blocked" : "waiting"
            if state == "stuck" { stuck.append(name) }
            var entry = StatusPayloads.Item(name: name, status: state)
            if let why = item["why"]?.stringValue { entry.annotations["why"] = TerminalText.printable(why) }
            if case .number(let since)? = item["inQueueSince"] {
                let seconds = max(0, Double(now.milliseconds) - since) / 1000
                entry.startsAt = Timestamp(milliseconds: Int64(since))
                entry.annotations["waited"] = SystemHealth.age(seconds)
                if seconds > oldest?.seconds ?? -1 { oldest = (seconds, name) }
            }
            listed.append(entry)
        }
        if let oldest {
            let wait = check.limit(.queueWait).verdict(oldest.seconds)
            verdict = SystemHealth.worse(verdict, wait)
            facts.append(
                "queue \(items.count), oldest \(oldest.name) waiting \(SystemHealth.age(oldest.seconds))"
                    + SystemMeasure.queueWait.past(oldest.seconds, of: check))
        } else {
            facts.append("queue empty")
        }
        if !stuck.isEmpty {
            verdict = SystemHealth.worse(verdict, .degraded)
            facts.append("\(stuck.count) stuck (\(names(stuck)))")
        }

        // The nodes: executors offline by accident count against `offline_executors`; those an
        // administrator took offline (`temporarilyOffline`) are said, not held against Jenkins, unless
        // no executor at all is left online.
        var total = 0
        var offline: (executors: Int, names: [String]) = (0, [])
        var takenOffline: (executors: Int, names: [String]) = (0, [])
        for node in nodes {
            let executors = node["numExecutors"]?.intValue ?? 0
            total += executors
            guard node["offline"]?.boolValue == true else { continue }
            let name = TerminalText.printable(node["displayName"]?.stringValue ?? "?")
            let onPurpose = node["temporarilyOffline"]?.boolValue == true
            var entry = StatusPayloads.Item(name: name, status: onPurpose ? "taken offline" : "offline")
            if let reason = node["offlineCauseReason"]?.stringValue, !reason.isEmpty {
                entry.annotations["why"] = TerminalText.printable(reason)
            }
            listed.append(entry)
            if onPurpose {
                takenOffline.executors += executors
                takenOffline.names.append(name)
            } else {
                offline.executors += executors
                offline.names.append(name)
            }
        }
        let online = total - offline.executors - takenOffline.executors
        if total > 0 && online <= 0 {
            verdict = .failed
            facts.append("no executor online")
        } else if offline.executors > 0 {
            verdict = SystemHealth.worse(verdict, check.limit(.offlineExecutors).verdict(Double(offline.executors)))
            facts.append(
                "\(offline.executors) of \(total) executors offline (\(names(offline.names)))"
                    + SystemMeasure.offlineExecutors.past(Double(offline.executors), of: check))
        } else {
            facts.append("\(online) executors online")
        }
        if takenOffline.executors > 0 {
            facts.append(
                "\(Plural.count(takenOffline.executors, "executor")) taken offline on purpose (\(names(takenOffline.names)))"
            )
        }
        return CheckEvaluation(observation: .init(verdict, facts.joined(separator: "; ")), items: listed)
    }

    /// The first three names, and `…` when there are more.
    private static func names(_ all: [String]) -> String {
        all.prefix(3).joined(separator: ", ") + (all.count > 3 ? ", …" : "")
    }
}
