import Foundation
import KlaxonCore
import KlaxonStore
import KlaxonTestSupport
import Testing

struct EscalationFilesTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test func theSampleEscalationFilesLoadAndValidateClean() throws {
        let files = EscalationFiles.load(workspaceRoot: Self.repository)
        #expect(files.people.map(\.id) == ["alice", "bob", "carol", "dave", "erin"])
        #expect(files.schedules.map(\.name) == ["platform-primary", "platform-secondary"])
        let primary = try files.schedule(named: "platform-primary")
        #expect(primary.layers.map(\.name) == ["weekdays", "after-hours"])
        #expect(primary.layers[1].advance == .activeOnly)
        #expect(primary.overrides.count == 1)
        #expect(
            files.people.first?.notify == [
                NotifyRule(contact: .webhook, afterSeconds: 0), NotifyRule(contact: .email, afterSeconds: 180)
            ])
        let now = Timestamp.parseRFC3339("2026-11-22T18:00:00Z")!
        // Clean: escalating from the primary always reaches someone new (issue 19, point 21), this week,
        // across the Christmas override and over the rest of the year.
        #expect(files.check(now: now).map(\.description) == [])
        #expect(files.check(now: Timestamp.parseRFC3339("2026-12-20T00:00:00Z")!, days: 400).map(\.description) == [])
        // The business-hours layer: a Monday 10:00 in Chicago is the weekdays rotation's.
        let calendar = try OnCallCalendar(primary)
        #expect(calendar.onCall(at: Timestamp.parseRFC3339("2026-11-23T16:00:00Z")!).users.count == 1)
    }

    /// Two consecutive steps paging the same person (issue 19, point 6): on call in both schedules in the
    /// same week, or on call in one and named by the other.
    @Test func consecutiveStepsPagingTheSamePersonAreWarnedAbout() throws {
        let dir = TemporaryDirectory()
        dir.write(
            "Escalation/people.yaml",
            """
            people:
              - {id: alice, contacts: [{type: email, address: alice@example.com}]}
              - {id: dave, contacts: [{type: email, address: dave@example.com}]}
              - {id: erin, contacts: [{type: email, address: erin@example.com}]}
            """)
        dir.write(
            "Escalation/schedules/primary.yaml",
            """
            name: primary
            time_zone: UTC
            layers:
              - {name: nights, rotation: daily, start: 2026-11-02T17:00, participants: [dave, erin]}
            """)
        dir.write(
            "Escalation/schedules/secondary.yaml",
            """
            name: secondary
            time_zone: UTC
            layers:
              - {name: week, rotation: weekly, start: 2026-11-02T10:00, participants: [dave, alice]}
            """)
        let path = dir.write(
            "Escalation/policies/ops.yaml",
            """
            name: ops
            steps:
              - {targets: ["schedule:primary"], escalate_after: 5m}
              - {targets: ["schedule:secondary", "user:erin"], escalate_after: 10m}
            """)
        let files = EscalationFiles.load(workspaceRoot: dir.path)
        let findings = files.check(now: Timestamp.parseRFC3339("2026-11-22T18:00:00Z")!)
        // At the step that pages again (line 4), from a time in the zone asked for (the workspace's).
        #expect(
            findings.allSatisfy {
                $0.level == .warning && $0.place == path + ":4:5" && $0.message.contains("and again by step 2 (")
            },
            "\(findings)")
        #expect(
            findings.contains {
                $0.message.hasPrefix(
                    "dave is paged by step 1 (on call in primary) and again by step 2 (on call in secondary) of policy ops from Sun 2026-11-22 18:00 +00:00: "
                )
            },
            "\(findings)")
        let chicago = files.check(
            now: Timestamp.parseRFC3339("2026-11-22T18:00:00Z")!, timeZone: TimeZone(identifier: "America/Chicago")!)
        #expect(
            chicago.contains { $0.message.contains(" of policy ops from Sun 2026-11-22 12:00 -06:00: ") }, "\(chicago)")
        #expect(
            findings.contains {
                $0.message.hasPrefix(
                    "erin is paged by step 1 (on call in primary) and again by step 2 (named) of policy ops from ")
            },
            "\(findings)")
    }

    @Test func problemsAreFindingsWithPlacesAndReadingGoesOn() {
        let dir = TemporaryDirectory()
        dir.write(
            "Escalation/people.yaml",
            """
            people:
              - id: alice
                time_zone: Mars/Olympus
              - id: bob
                contacts:
                  - {type: email, address: bob@example.com}
                notify:
                  - {contact: slack, after: 0m}
              - id: carol
            """)
        dir.write(
            "Escalation/schedules/a.yaml",
            """
            name: a
            time_zone: UTC
            layers:
              - name: l
                rotation: daily
                start: 2026-01-05T09:00
                participants: [carol, zed]
                restrictions:
                  - {days: [mon, funday], from: "09:00", to: "17:00"}
            """)
        dir.write(
            "Escalation/schedules/b.yaml",
            """
            name: b
            time_zone: UTC
            layers:
              - {name: l, rotation: fortnightly, start: 2026-01-05T09:00, participants: [carol]}
            """)
        dir.write(
            "Escalation/schedules/c.yaml",
            """
            name: c
            time_zone: Europe/Berlin
            colour: red
            layers:
              - {name: l, rotation: weekly, start: 2026-01-05T09:00, participants: [carol]}
            overrides:
              - {from: 2026-01-07T18:00, to: 2026-01-07T09:00, user: carol}
            """)
        let files = EscalationFiles.load(workspaceRoot: dir.path)
        let base = dir.path + "/Escalation"
        #expect(files.people.map(\.id) == ["carol"])
        #expect(files.schedules.map(\.name) == ["c"])
        #expect(
            files.findings.map(\.description) == [
                "\(base)/people.yaml:3:16: error: unknown time zone \"Mars/Olympus\"; use an IANA name such as Europe/Berlin or UTC",
                "\(base)/people.yaml:8:9: error: bob has no slack contact for this notify rule",
                "\(base)/schedules/a.yaml:9:22: error: \"funday\" is not a day; use mon, tue, wed, thu, fri, sat or sun",
                "\(base)/schedules/b.yaml:4:25: error: rotation is \"fortnightly\"; expected one of hourly, daily, weekly, monthly",
                "\(base)/schedules/c.yaml:3:1: warning: unknown key \"colour\" (known: name, time_zone, layers, overrides, description)",
                "\(base)/schedules/c.yaml:7:5: error: the override ends (2026-01-07T09:00) before it starts (2026-01-07T18:00)"
            ])
        #expect(throws: KlaxonError.self) { try files.requireReadable() }
    }

    @Test func anEmailAddressThatCouldInjectSMTPCommandsIsRefusedWithItsPlace() {
        let dir = TemporaryDirectory()
        dir.write(
            "Escalation/people.yaml",
            #"""
            people:
              - id: mallory
                contacts:
                  - {type: email, address: "m2@example.com>\r\nRCPT TO:<injected@evil.example"}
              - id: bob
                contacts:
                  - {type: email, address: "bob@example.com"}
              - id: carol
                contacts:
                  - {type: email, address: "carol at example.com"}
            """#)
        let files = EscalationFiles.load(workspaceRoot: dir.path)
        let base = dir.path + "/Escalation"
        #expect(files.people.map(\.id) == ["bob"])
        #expect(
            files.findings.map(\.description) == [
                "\(base)/people.yaml:4:32: error: address is not a plain email address: it has a line break or another control character; write one address, such as alice@example.com",
                "\(base)/people.yaml:10:32: error: address is not a plain email address: it has a space; write one address, such as alice@example.com"
            ])
    }

    @Test func overridesFileAddsToItsSchedulesInTheirZone() throws {
        let dir = TemporaryDirectory()
        dir.write("Escalation/people.yaml", "people:\n  - {id: a}\n  - {id: b}\n")
        dir.write(
            "Escalation/schedules/s.yaml",
            "name: s\ntime_zone: America/Chicago\nlayers:\n  - {rotation: weekly, start: 2026-11-02T09:00, participants: [a]}\n"
        )
        dir.write(
            "Escalation/overrides.yaml",
            """
            overrides:
              - {schedule: s, from: 2026-11-24T09:00, to: 2026-11-24T17:00, user: b, by: alice, at: 2026-11-22T18:00:00Z}
              - {schedule: nope, from: 2026-11-24T09:00, to: 2026-11-24T17:00, user: b}
            """)
        let files = EscalationFiles.load(workspaceRoot: dir.path)
        #expect(
            files.findings.map(\.description) == [
                "\(dir.path)/Escalation/overrides.yaml:3:5: error: no schedule named \"nope\""
            ])
        let o = try #require(try files.schedule(named: "s").overrides.first)
        #expect(o.from == Timestamp.parseRFC3339("2026-11-24T15:00:00Z"))
        #expect(o.madeBy == "alice")
    }
}
