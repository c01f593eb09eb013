/// A Kubernetes API server's own account of itself: `/readyz?verbose` and `/livez?verbose` list each
/// check as `[+]name ok` or `[-]name failed: reason withheld`, and end `readyz check passed` (HTTP 200)
/// or `readyz check failed` (HTTP 500). Down names the failing checks.
public enum KubernetesHealth {
    /// Judges the answers of `/readyz` and `/livez`, in that order.
    public static func judge(_ answers: [SystemHealth.Answer]) -> CheckEvaluation {
        var failures: [String] = []
        var items: [StatusPayloads.Item] = []
        var passed = 0
        for answer in answers {
            let endpoint = String(answer.path.dropFirst())
            let lines = String(decoding: answer.body, as: UTF8.self).split(whereSeparator: \.isNewline)
            let failing = lines.filter { $0.hasPrefix("[-]") }.map {
                TerminalText.printable(String($0.dropFirst(3))).trimmingCharacters(in: .whitespaces)
            }
            passed += lines.filter { $0.hasPrefix("[+]") }.count
            for line in failing {
                // `etcd failed: reason withheld`: the check's name is the first word.
                let name = line.split(separator: " ", maxSplits: 1).first.map(String.init) ?? line
                items.append(StatusPayloads.Item(name: "\(endpoint) \(name)", status: "failed"))
            }
            if !failing.isEmpty {
                failures.append("\(endpoint): " + failing.joined(separator: ", "))
            } else if !answer.isSuccess {
                failures.append("\(endpoint): \(answer.statusAndLine)")
            }
        }
        guard failures.isEmpty else {
            return CheckEvaluation(observation: .failed(failures.joined(separator: "; ")), items: items)
        }
        let endpoints = answers.map { String($0.path.dropFirst()) }.joined(separator: " and ")
        return CheckEvaluation(observation: .ok("\(endpoints) pass (\(Plural.count(passed, "check")))"))
    }
}
