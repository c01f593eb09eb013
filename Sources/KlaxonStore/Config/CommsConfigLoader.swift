import KlaxonCore
import Yams

/// Reads `comms:` of `klaxon.yaml` into a `CommsConfig` (docs/comms.md): every problem is an error naming
/// `klaxon.yaml:line:column` and what to write instead.
enum CommsConfigLoader {
    /// `comms: {cadence: {SEV1: 30m, …}}`; warnings (`file:line:column: …`) join `warnings`.
    static func read(
        _ node: Node, _ file: YAMLFile, warnings: inout [String], secrets: inout [SecretReference.Use]
    ) throws(KlaxonError) -> CommsConfig {
        var comms = CommsConfig()
        var named: [(name: String, node: Node)] = []
        for (key, keyNode, value) in try file.mapping(node, what: "comms") {
            switch key {
            case "cadence":
                comms.cadence = try cadence(value, file)
            case _ where destinationKeys.contains(key):
                try readDelivery(key, value, file, into: &comms, named: &named, secrets: &secrets)
            default:
                warnings.append(
                    "\(file.place(keyNode)): unknown key \"\(key)\" in comms (known: \((["cadence"] + destinationKeys).joined(separator: ", ")))"
                )
            }
        }
        try checkRoutes(comms, named: named, file, warnings: &warnings)
        return comms
    }

    /// `cadence: {SEV1: 30m, SEV2: 1h}`: how often an open incident of each severity owes an update.
    static func cadence(_ node: Node, _ file: YAMLFile) throws(KlaxonError) -> [Severity: Int64] {
        var cadence: [Severity: Int64] = [:]
        let range = CommsConfig.cadenceRange
        for (name, nameNode, value) in try file.mapping(node, what: "comms: cadence") {
            guard let severity = Severity(parsing: name) else {
                throw file.error(
                    nameNode,
                    "comms: cadence: \"\(name)\" is not a severity; write \(Severity.expected), such as SEV1: 30m")
            }
            guard cadence[severity] == nil else {
                throw file.error(nameNode, "comms: cadence: \(severity) is given twice; keep one")
            }
            let seconds = try file.duration(value, what: "comms: cadence: \(severity)") / 1000
            guard range.contains(seconds) else {
                throw file.error(
                    value, "comms: cadence: \(severity) must be from 5m to 24h (how often the public hears from you)")
            }
            cadence[severity] = seconds
        }
        return cadence
    }
}
