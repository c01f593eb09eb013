/// Elasticsearch's and OpenSearch's `_cluster/health`: `green` is up, `yellow` (a replica unassigned)
/// degraded, `red` (a primary unassigned: some data cannot be read or written) down; the server answers
/// HTTP 200 for all three, so the body decides. An error answer (503 `master_not_discovered_exception`:
/// the nodes cannot elect a master) is down, named by its type.
public enum ElasticsearchHealth {
    public static func judge(_ answer: SystemHealth.Answer) -> CheckEvaluation {
        let json = answer.json
        guard answer.isSuccess else {
            let error = json?["error"]
            let type = error?["type"]?.stringValue ?? error?.stringValue
            let reason = error?["reason"]?.stringValue
            let what = [type, reason].compactMap { $0 }.map { TerminalText.printable($0) }.joined(separator: ": ")
            return SystemHealth.failed(what.isEmpty ? answer.statusAndLine : "HTTP \(answer.statusCode): \(what)")
        }
        guard let json, let status = json["status"]?.stringValue else {
            return SystemHealth.unknown(
                "source unreadable: \(answer.path) answers no cluster health (no \"status\"); is the url the cluster's address?"
            )
        }
        let nodes = json["number_of_nodes"]?.intValue
        let unassigned = json["unassigned_shards"]?.intValue ?? 0
        let initializing = json["initializing_shards"]?.intValue ?? 0
        var facts = [Plural.count(unassigned, "unassigned shard")]
        if initializing > 0 { facts.append("\(initializing) initializing") }
        if let nodes { facts.append(Plural.count(nodes, "node")) }
        let detail = facts.joined(separator: ", ")
        switch status {
        case "green": return CheckEvaluation(observation: .ok("green: \(detail)"))
        case "yellow": return CheckEvaluation(observation: .degraded("yellow (a replica is unassigned): \(detail)"))
        case "red": return CheckEvaluation(observation: .failed("red (a primary shard is unassigned): \(detail)"))
        default:
            return SystemHealth.unknown(
                "source unreadable: cluster status \"\(TerminalText.printable(status))\" is none of green, yellow, red")
        }
    }
}
