import Foundation

/// How a `prometheus` or `alertmanager` check reads its source's alerts: which it reads (`labels:`),
/// which one must be present (`require:`), and what each severity does (`severities:`).
public struct AlertRules: Hashable, Sendable {
    /// An alert is read when, for every label named, its value is one of those listed; `""` stands for
    /// a label the alert does not have, as Prometheus's and Alertmanager's own matchers have it.
    public var labels: [String: [String]] = [:]
    /// Matchers of an alert that must be present (a dead man's switch such as Watchdog): when none is,
    /// the check is down. It is read whatever `labels` say, and is no problem itself.
    public var requiredAlert: [String: [String]] = [:]
    /// How long the required alert must have been missing before the check is down (`silent_for:`); nil
    /// is `CheckDefinition.defaultSilentForSeconds`, or the check's interval when that is longer.
    public var silentForSeconds: Int64?
    public var severities = SeverityRule()

    public init(
        labels: [String: [String]] = [:], requiredAlert: [String: [String]] = [:],
        severities: SeverityRule = SeverityRule()
    ) {
        self.labels = labels
        self.requiredAlert = requiredAlert
        self.severities = severities
    }

    /// Whether an alert with these labels is read: it matches `labels`, or it is the required alert.
    public func reads(_ alertLabels: [String: String]) -> Bool {
        StatusPayloads.matches(alertLabels, labels)
            || (!requiredAlert.isEmpty && StatusPayloads.matches(alertLabels, requiredAlert))
    }

    /// The required alert as messages name it: `Watchdog`, or `the alert with env=prod, team=platform`.
    public var requiredAlertName: String {
        if requiredAlert.count == 1, let names = requiredAlert["alertname"], names.count == 1 { return names[0] }
        return "the alert with " + StatusPayloads.matcherText(requiredAlert)
    }

    /// Alertmanager's `filter` query parameters for `labels`, so that it sends only the alerts read
    /// (`team="platform"`; several values as an anchored regular expression, `env=~"klaxon-real|"`).
    /// None when an alert is required: that one is read whatever `labels` say.
    public var alertmanagerFilters: [String] {
        guard requiredAlert.isEmpty else { return [] }
        return labels.sorted { $0.key < $1.key }.map { name, values in
            values.count == 1
                ? "\(name)=\(Self.quoted(values[0]))"
                : "\(name)=~\(Self.quoted(values.map(Self.regexEscaped).joined(separator: "|")))"
        }
    }

    static func quoted(_ value: String) -> String {
        "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    static func regexEscaped(_ value: String) -> String {
        var out = ""
        for c in value {
            if "\\.+*?()|[]{}^$".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }
}
