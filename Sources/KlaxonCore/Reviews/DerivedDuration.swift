/// A duration a review derives from two key times: time to detect, to acknowledge, to mitigate, to
/// resolve, and how long the impact lasted. A missing time gives "not recorded" and times in the wrong
/// order give "out of order": never a negative figure, and never one made up from a time nobody wrote.
public struct DerivedDuration: Hashable, Sendable {
    public enum Name: String, CaseIterable, Sendable {
        case timeToDetect = "time_to_detect"
        case timeToAcknowledge = "time_to_acknowledge"
        case timeToMitigate = "time_to_mitigate"
        case timeToResolve = "time_to_resolve"
        case impactDuration = "impact_duration"

        /// `Time to acknowledge`
        public var label: String {
            switch self {
            case .timeToDetect: "Time to detect"
            case .timeToAcknowledge: "Time to acknowledge"
            case .timeToMitigate: "Time to mitigate"
            case .timeToResolve: "Time to resolve"
            case .impactDuration: "Impact duration"
            }
        }
    }

    public enum Value: Hashable, Sendable {
        case seconds(Int64)
        /// The key time that would be needed and was not recorded.
        case notRecorded(KeyTime)
        /// `to` was recorded before `from`: one of them is wrong (`klaxon incident amend` corrects it).
        case outOfOrder
    }

    public var name: Name
    /// The key time measured from: for the response figures, detection, or the declaration when no
    /// detection was recorded (an incident is known no later than it is declared).
    public var from: KeyTime
    /// The key time measured to: for the impact, mitigation, or the resolution when no mitigation was recorded.
    public var to: KeyTime
    public var value: Value

    public var seconds: Int64? {
        if case .seconds(let s) = value { return s }
        return nil
    }

    /// Why `from` or `to` is not the usual one, if it is not: "detection not recorded, from the declaration".
    public var substitution: String? {
        var notes: [String] = []
        if from == .declared { notes.append("detection not recorded: from the declaration") }
        if name == .impactDuration && to == .resolved { notes.append("mitigation not recorded: to the resolution") }
        return notes.isEmpty ? nil : notes.joined(separator: "; ")
    }

    /// The five durations of `keyTimes`.
    public static func all(_ keyTimes: [KeyTime: Timestamp]) -> [DerivedDuration] {
        Name.allCases.map { of($0, keyTimes) }
    }

    /// One duration of `keyTimes`.
    public static func of(_ name: Name, _ keyTimes: [KeyTime: Timestamp]) -> DerivedDuration {
        let responseStart: KeyTime = keyTimes[.detected] != nil ? .detected : .declared
        let (from, to): (KeyTime, KeyTime) =
            switch name {
            case .timeToDetect: (.impactStarted, .detected)
            case .timeToAcknowledge: (responseStart, .acknowledged)
            case .timeToMitigate: (responseStart, .mitigated)
            case .timeToResolve: (responseStart, .resolved)
            case .impactDuration:
                (.impactStarted, keyTimes[.mitigated] != nil || keyTimes[.resolved] == nil ? .mitigated : .resolved)
            }
        let value: Value
        if let start = keyTimes[from], let end = keyTimes[to] {
            value = end < start ? .outOfOrder : .seconds(start.seconds(until: end))
        } else {
            value = .notRecorded(keyTimes[from] == nil ? from : to)
        }
        return DerivedDuration(name: name, from: from, to: to, value: value)
    }
}
