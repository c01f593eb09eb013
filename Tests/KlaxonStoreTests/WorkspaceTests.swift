import Foundation
import KlaxonCore
import KlaxonStore
import KlaxonTestSupport
import Testing

struct WorkspaceTests {
    @Test func isFoundFromTheFlagThenTheEnvironmentThenTheNearestAncestor() throws {
        let a = TemporaryDirectory()
        let b = TemporaryDirectory()
        a.write("klaxon.yaml", "name: alpha\n")
        b.write("klaxon.yaml", "name: beta\njournals: /var/tmp/x\n")
        a.write("Runbooks/deep/README.md", "x")
        let deep = a.path + "/Runbooks/deep"
        #expect(
            try Workspace.locate(explicit: b.path, environment: ["KLAXON_WORKSPACE": a.path], currentDirectory: "/")
                .config.name == "beta")
        #expect(
            try Workspace.locate(explicit: nil, environment: ["KLAXON_WORKSPACE": b.path], currentDirectory: deep)
                .config.name == "beta")
        let found = try Workspace.locate(explicit: nil, environment: [:], currentDirectory: deep)
        #expect(found.config.name == "alpha")
        #expect(found.journalsPlace == a.path + "/journals")
        #expect(try Workspace.locate(explicit: "../..", environment: [:], currentDirectory: deep).root == a.path)
        #expect(try Workspace.load(directory: b.path).journalsPlace == "/var/tmp/x")
    }

    @Test func noWorkspaceSaysWhatToDo() {
        let empty = TemporaryDirectory()
        let refusal = #expect(throws: KlaxonError.self) {
            try Workspace.locate(explicit: nil, environment: [:], currentDirectory: empty.path)
        }
        #expect(refusal?.message.contains("pass --workspace DIR, set KLAXON_WORKSPACE") == true)
        // A newcomer with no workspace yet is pointed to the command that makes one (issue 26).
        #expect(refusal?.message.hasSuffix("or make one with klaxon init") == true, "\(refusal?.message ?? "")")
        #expect(refusal?.exitStatus == 2)
        #expect(throws: KlaxonError.self) {
            try Workspace.locate(explicit: empty.path, environment: [:], currentDirectory: "/")
        }
    }

    @Test func configErrorsNameFileLineAndColumn() {
        let dir = TemporaryDirectory()
        let path = dir.write("klaxon.yaml", "name: x\ntime_zone: Mars/Olympus\n")
        #expect(
            throws: KlaxonError.badInput(
                "\(path):2:12: unknown time zone \"Mars/Olympus\"; use an IANA name such as Europe/Berlin or UTC")
        ) {
            try Workspace.load(directory: dir.path)
        }
        dir.write("klaxon.yaml", "name: x\nstale_after: soon\n")
        #expect(
            throws: KlaxonError.badInput(
                "\(path):2:14: stale_after is \"soon\"; expected a duration such as 30s, 5m, 1h or 800ms")
        ) {
            try Workspace.load(directory: dir.path)
        }
        dir.write("klaxon.yaml", "name: [unclosed\n")
        let syntax = #expect(throws: KlaxonError.self) { try Workspace.load(directory: dir.path) }
        #expect(syntax?.message.hasPrefix("\(path):2:") == true)
    }

    /// Issue 19, point 20: a syntax error under checks: (or maintenance:) breaks the checks only; the
    /// settings the incident commands need still read. One in a setting is an error for everything.
    @Test func aSyntaxErrorUnderChecksLeavesTheSettingsReadable() throws {
        let dir = TemporaryDirectory()
        let path = dir.write(
            "klaxon.yaml",
            """
            name: forge
            stale_after: 45m
            checks:
              - name: a
                url: http://127.0.0.1:1/
               interval: 30s
            escalation:
              main_schedule: primary
            """)
        let workspace = try Workspace.load(directory: dir.path)
        #expect(workspace.config.name == "forge" && workspace.config.staleAfterSeconds == 2700)
        #expect(workspace.config.mainSchedule == "primary")
        #expect(workspace.warnings.isEmpty)
        dir.write("klaxon.yaml", "name: forge\nescalation:\n  main_schedule: primary\n attempts: 3\nchecks: []\n")
        let broken = #expect(throws: KlaxonError.self) { try Workspace.load(directory: dir.path) }
        #expect(
            broken?.message.hasPrefix("\(path):4:") == true && broken?.message.contains("invalid YAML") == true,
            "\(broken?.message ?? "")")
    }

    @Test func unknownKeysAreWarnedAboutWithTheirPlace() throws {
        let dir = TemporaryDirectory()
        let path = dir.write("klaxon.yaml", "name: x\njournal: typo\nchecks: []\n")
        let workspace = try Workspace.load(directory: dir.path)
        #expect(workspace.warnings.count == 1)
        #expect(workspace.warnings.first?.hasPrefix("\(path):2:1: unknown key \"journal\"") == true)
    }

    @Test func anEmailChannelCannotBeInjectedNorSendAPasswordInClear() throws {
        let dir = TemporaryDirectory()
        let path = dir.write(
            "klaxon.yaml",
            #"""
            name: x
            channels:
              email: {server: "smtp://127.0.0.1:25", from: "k@x.test>\r\nRCPT TO:<injected@evil.example"}
            """#)
        #expect(
            throws: KlaxonError.badInput(
                "\(path):3:48: from is not a plain email address: it has a line break or another control character; write one address, such as klaxon@example.com"
            )
        ) {
            try Workspace.load(directory: dir.path)
        }
        dir.write(
            "klaxon.yaml",
            "name: x\nchannels:\n  email: {server: \"smtp://127.0.0.1:25\", from: \"Klaxon <k@x.test>\"}\n")
        #expect(
            throws: KlaxonError.badInput(
                "\(path):3:48: from is not a plain email address: it has < or >; write one address, such as klaxon@example.com"
            )
        ) {
            try Workspace.load(directory: dir.path)
        }
        // A password on a plain connection: refused, saying how to protect it.
        dir.write(
            "klaxon.yaml",
            """
            name: x
            channels:
              email:
                server: "smtp://mail.x.test:587"
                from: k@x.test
                username: klaxon
                password: "env:SMTP_PASSWORD"
            """)
        #expect(
            throws: KlaxonError.badInput(
                "\(path):7:15: the password would cross smtp://mail.x.test:587 in clear text; write server: smtps://HOST:PORT or add starttls: true"
            )
        ) {
            try Workspace.load(directory: dir.path)
        }
        for secure in ["server: \"smtps://mail.x.test:465\"", "server: \"smtp://mail.x.test:587\"\n    starttls: true"]
        {
            dir.write(
                "klaxon.yaml",
                "name: x\nchannels:\n  email:\n    \(secure)\n    from: k@x.test\n    username: klaxon\n    password: \"env:SMTP_PASSWORD\"\n"
            )
            #expect(try Workspace.load(directory: dir.path).config.channels.email?.password == "env:SMTP_PASSWORD")
        }
    }

    @Test func journalsAtTheRootOfTheFileSystemIsWarnedAbout() throws {
        let dir = TemporaryDirectory()
        for journals in ["/", "/.", "//"] {
            let path = dir.write("klaxon.yaml", "name: x\njournals: \"\(journals)\"\n")
            let workspace = try Workspace.load(directory: dir.path)
            #expect(
                workspace.warnings == [
                    "\(path):2:11: journals: \(journals) is the root of the file system; Klaxon would create and read its journals there: name a directory of their own, such as journals"
                ])
        }
        dir.write("klaxon.yaml", "name: x\njournals: /var/lib/klaxon/journals\n")
        #expect(try Workspace.load(directory: dir.path).warnings.isEmpty)
    }

    @Test func journalsTakeADirectoryOrAPostgreSQLURIWithoutAPassword() throws {
        let dir = TemporaryDirectory()
        let uri = "postgresql://klaxon@db.internal:5432/klaxon?sslmode=verify-full&application_name=x"
        dir.write("klaxon.yaml", "name: x\njournals: \"\(uri)\"\n")
        let workspace = try Workspace.load(directory: dir.path)
        #expect(workspace.config.journals == .postgres(uri: uri))
        #expect(workspace.journalsPlace == uri)
        // The journals are the PostgreSQL store of the URI.
        #expect(try workspace.journalStore is PostgresJournalStore)
        #expect(try workspace.journalStore.location == uri)
        dir.write("klaxon.yaml", "name: x\njournals: postgres:///klaxon\n")
        #expect(try Workspace.load(directory: dir.path).config.journals == .postgres(uri: "postgres:///klaxon"))
        dir.write("klaxon.yaml", "name: x\njournals: records\n")
        #expect(try Workspace.load(directory: dir.path).config.journals == .directory("records"))

        for (bad, expected) in [
            (
                "postgresql://klaxon:Hunter2secret@db.internal/klaxon",
                "journals: the URI holds a password; secrets never go into klaxon.yaml: write the URI without it and give it in PGPASSWORD or ~/.pgpass (or a service file)"
            ),
            ("postgresql://klaxon@db.internal/klaxon?password=Hunter2secret", "journals: the URI holds a password;"),
            (
                "postgresql://klaxon@db.internal/klaxon?sslpassword=Hunter2secret",
                "journals: the URI holds a sslpassword;"
            ),
            (
                "postgresql://klaxon@db.internal/klaxon?colour=blue",
                "journals: postgresql://klaxon@db.internal/klaxon?colour=blue is not a connection URI libpq reads: invalid URI query parameter: \"colour\"; write postgresql://USER@HOST:PORT/DATABASE?PARAMETER=VALUE"
            ),
            (
                "postgresql://k:Hunter2secret@[db/k",
                "journals: postgresql://k:***@[db/k is not a connection URI libpq reads: end of string reached when looking for matching \"]\""
            ),
            (
                "postgresql://k@db/k?password=Hunter2%zzsecret",
                "is not a connection URI libpq reads: invalid percent-encoded token"
            ),
            // What libpq reads but refuses when connecting is refused here, at its place.
            (
                "postgresql://k@db.internal:99999/k",
                "journals: postgresql://k@db.internal:99999/k: its port \"99999\" is not a port number (1 to 65535); write the server's port, such as 5432"
            ),
            (
                "postgresql://k@db1,db2/k?port=5432,5433,5434",
                "journals: postgresql://k@db1,db2/k?port=5432,5433,5434: it names 3 ports for 2 hosts; write one port, or one for each host"
            ),
            (
                "postgresql://k@db.internal/k?sslmode=bogus",
                "journals: postgresql://k@db.internal/k?sslmode=bogus: its sslmode \"bogus\" is not one libpq knows; write one of disable, allow, prefer, require, verify-ca, verify-full"
            ),
            (
                "postgresql://k@db.internal/k?keepalives_idle=5s",
                "journals: postgresql://k@db.internal/k?keepalives_idle=5s: its keepalives_idle \"5s\" is not a whole number; write one, such as 10"
            )
        ] {
            let path = dir.write("klaxon.yaml", "name: x\njournals: \"\(bad)\"\n")
            let error = #expect(throws: KlaxonError.self) { try Workspace.load(directory: dir.path) }
            #expect(error?.kind == .badInput)
            #expect(error?.message.hasPrefix("\(path):2:11: ") == true, "\(error?.message ?? "")")
            #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
            #expect(error?.message.contains("Hunter2") == false, "\(error?.message ?? "")")
        }
    }

    @Test func theSampleWorkspaceLoads() throws {
        // The repository is itself the sample workspace.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let workspace = try Workspace.load(directory: root)
        #expect(workspace.config.name == "forge-platform")
        #expect(workspace.warnings.isEmpty)
    }
}
