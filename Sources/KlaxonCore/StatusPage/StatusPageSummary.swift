/// The status page as Atlassian Statuspage's public `/api/v2/summary.json`: `page`, `components` (a group
/// of checks is a group component listing its checks' ids, each check a component of it; an ungrouped
/// check is a component alone), `incidents` (the active ones, their updates newest first, as Atlassian
/// lists them), `scheduled_maintenances` and `status`. Any reader of vendors' status pages can read it,
/// Klaxon's own `statuspage` check included.
extension StatusPage {
    /// The document, compact, keys sorted.
    public var summaryJSON: String { summary.canonicalJSON + "\n" }

    /// The document as a value.
    public var summary: JSONValue {
        let pageID = Self.identifier("page", name)
        var components: [JSONValue] = []
        var position = 0
        func component(
            id: String, name: String, status: ComponentStatus, updated: Timestamp, group: Bool, groupID: String?,
            children: [String]
        ) -> JSONValue {
            position += 1
            var fields: [String: JSONValue] = [
                "id": .string(id), "name": .string(name), "status": .string(status.rawValue),
                "created_at": .string(updated.rfc3339), "updated_at": .string(updated.rfc3339),
                "position": .number(Double(position)), "description": .null, "showcase": false, "start_date": .null,
                "group_id": groupID.map { .string($0) } ?? .null, "page_id": .string(pageID), "group": .bool(group),
                "only_show_if_degraded": false
            ]
            if group { fields["components"] = .array(children.map { .string($0) }) }
            return .object(fields)
        }
        var componentIDs: [String: [String]] = [:]
        for item in entries {
            let since = item.checks.compactMap(\.since).max() ?? generatedAt
            if item.isGroup {
                components.append(
                    component(
                        id: item.component.id, name: item.component.name, status: item.component.status,
                        updated: since, group: true, groupID: nil, children: item.checks.map(\.id)))
                componentIDs[item.component.name] = item.checks.map(\.id)
            } else {
                componentIDs[item.component.name] = [item.checks[0].id]
            }
            for check in item.checks {
                components.append(
                    component(
                        id: check.id, name: check.name, status: check.status, updated: check.since ?? generatedAt,
                        group: false, groupID: item.isGroup ? item.component.id : nil, children: []))
            }
        }
        let byID = Dictionary(
            components.compactMap { value -> (String, JSONValue)? in value["id"]?.stringValue.map { ($0, value) } },
            uniquingKeysWith: { a, _ in a })
        func affected(_ names: [String]) -> JSONValue {
            .array(names.flatMap { componentIDs[$0] ?? [] }.compactMap { byID[$0] })
        }

        let incidents = self.incidents.map { incident -> JSONValue in
            let id = Self.identifier("incident", incident.id)
            return .object([
                "id": .string(id), "name": .string(incident.title), "status": .string(incident.publicStatus.rawValue),
                "created_at": .string(incident.declaredAt.rfc3339), "updated_at": .string(incident.updatedAt.rfc3339),
                "monitoring_at": .null, "resolved_at": .null, "impact": .string(incident.impact.rawValue),
                "shortlink": url.map { .string($0) } ?? .null, "started_at": .string(incident.declaredAt.rfc3339),
                "page_id": .string(pageID),
                "incident_updates": .array(
                    incident.updates.reversed().map { update in
                        .object([
                            "id": .string(Self.identifier("update", "\(incident.id) \(update.sequence)")),
                            "status": .string(update.phase.rawValue), "body": .string(update.text),
                            "incident_id": .string(id), "created_at": .string(update.at.rfc3339),
                            "updated_at": .string(update.at.rfc3339), "display_at": .string(update.at.rfc3339),
                            "affected_components": .null, "deliver_notifications": true, "custom_tweet": .null,
                            "tweet_id": .null
                        ])
                    }),
                "components": affected(incident.components)
            ])
        }
        let maintenances = self.maintenances.map { window -> JSONValue in
            .object([
                "id": .string(window.id),
                "name": .string(
                    "Maintenance: "
                        + (window.components.isEmpty ? "every component" : window.components.joined(separator: ", "))),
                "status": .string(window.inProgress ? "in_progress" : "scheduled"),
                "created_at": .string(window.from.rfc3339), "updated_at": .string(window.from.rfc3339),
                "monitoring_at": .null, "resolved_at": .null, "impact": "maintenance",
                "shortlink": url.map { .string($0) } ?? .null, "started_at": .string(window.from.rfc3339),
                "page_id": .string(pageID), "incident_updates": .array([]), "components": affected(window.components),
                "scheduled_for": .string(window.from.rfc3339), "scheduled_until": .string(window.to.rfc3339)
            ])
        }
        let indicator = self.indicator
        return .object([
            "page": .object([
                "id": .string(pageID), "name": .string(name), "url": url.map { .string($0) } ?? .null,
                "time_zone": .string(timeZone.identifier), "updated_at": .string(generatedAt.rfc3339)
            ]),
            "components": .array(components), "incidents": .array(incidents),
            "scheduled_maintenances": .array(maintenances),
            "status": .object([
                "indicator": .string(indicator.rawValue), "description": .string(statusDescription)
            ])
        ])
    }

    /// Atlassian's description of the indicator, or, while no poller runs, why every state is unknown.
    public var statusDescription: String {
        guard let notPolled = notPolledSince else { return indicator.description }
        return "State unknown: no Klaxon poller is running"
            + (notPolled.lastPolled.map { " (nothing checked since \($0.rfc3339))" } ?? " (nothing checked yet)")
    }

    /// The components with their checks, and whether each is a group of checks (not one check alone).
    private var entries: [(component: Component, checks: [Component.Check], isGroup: Bool)] {
        components.map { component in
            (component, component.checks, !(component.checks.count == 1 && component.checks[0].name == component.name))
        }
    }
}
