import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

/// Issue 19, point 10: checks send credentials (`bearer_token:`, `basic_auth:`, `headers:`) read from
/// `env:` and `file:` references, to a loopback server that answers 401 without them; no credential
/// reaches any output, JSON, journal or another host on a redirect.
@Suite(.serialized)
struct CheckCredentialTests {
    let klaxon = BuiltProducts.path("klaxon")
    let token = "tok-" + UUID().uuidString, key = "key-" + UUID().uuidString
    let password = "pw-" + UUID().uuidString, urlPassword = "urlpw-" + UUID().uuidString
    var secrets: [String] { [token, key, password, urlPassword] }

    /// The platform (127.0.0.1) requires each credential on its own path; `far` (reached as localhost,
    /// another host) writes down what a redirect sent it.
    func workspace(_ platform: HTTPReceiver, far: HTTPReceiver, secrets directory: TemporaryDirectory)
        -> TemporaryDirectory
    {
        let p = platform.port
        directory.write("password", password + "\n")
        return makeWorkspace(
            """
            name: t
            checks:
              - {name: bearer, url: "http://127.0.0.1:\(p)/bearer", bearer_token: "env:KLX_TOKEN"}
              - {name: basic, url: "http://127.0.0.1:\(p)/basic", basic_auth: {username: svc, password: "file:\(directory.path)/password"}}
              - {name: keyed, url: "http://127.0.0.1:\(p)/keyed", headers: {X-Api-Key: "env:KLX_KEY", Accept: application/json}}
              - {name: userinfo, url: "http://svc:\(urlPassword)@127.0.0.1:\(p)/userinfo"}
              - {name: unset, url: "http://127.0.0.1:\(p)/bearer", bearer_token: "env:KLX_UNSET"}
              - {name: near, url: "http://127.0.0.1:\(p)/near", bearer_token: "env:KLX_TOKEN"}
              - name: far
                url: "http://svc:\(urlPassword)@127.0.0.1:\(p)/far"
                follow_redirects: any
                bearer_token: "env:KLX_TOKEN"
                headers: {X-Api-Key: "env:KLX_KEY", Accept: application/json}
            """)
    }

    func servers(_ platformDirectory: TemporaryDirectory, _ farDirectory: TemporaryDirectory) throws -> (
        HTTPReceiver, HTTPReceiver
    ) {
        let far = try HTTPReceiver(directory: farDirectory.path, routes: ["/landing": .init([200])])
        let basic = "Basic " + Data("svc:\(password)".utf8).base64EncodedString()
        let platform = try HTTPReceiver(
            directory: platformDirectory.path,
            routes: [
                "/bearer": .init(requires: ["authorization": "Bearer \(token)"]),
                "/basic": .init(requires: ["authorization": basic]),
                "/keyed": .init(requires: ["x-api-key": key, "accept": "application/json"]),
                "/userinfo": .init(requires: [
                    "authorization": "Basic " + Data("svc:\(urlPassword)".utf8).base64EncodedString()
                ]),
                "/near": .init([302], headers: ["Location": "/bearer"]),
                "/far": .init([302], headers: ["Location": "http://localhost:\(far.port)/landing"])
            ])
        return (platform, far)
    }

    @Test func statusCheckSendsCredentialsFromEnvAndFileAndShowsNone() throws {
        let (pd, fd, sd) = (TemporaryDirectory("platform"), TemporaryDirectory("far"), TemporaryDirectory("secrets"))
        let (platform, far) = try servers(pd, fd)
        defer {
            platform.stop()
            far.stop()
        }
        let ws = workspace(platform, far: far, secrets: sd)
        let k = Klaxon(workspace: ws.path, environment: ["TZ": "UTC", "KLX_TOKEN": token, "KLX_KEY": key])
        let json = k.run("status", "check", "--json")
        let text = k.run("status", "check")
        let states = Dictionary(
            uniqueKeysWithValues: (json.json?.arrayValue ?? []).map { ($0["name"]?.stringValue ?? "", $0) })
        for name in ["bearer", "basic", "keyed", "userinfo", "near", "far"] {
            #expect(
                states[name]?["state"] == "up", "\(name): \(states[name].map { "\($0)" } ?? json.output + json.errors)")
        }
        #expect(states["unset"]?["state"] == "down")
        #expect(
            states["unset"]?["detail"]?.stringValue?.contains("env:KLX_UNSET is not set") == true,
            "\(states["unset"].map { "\($0)" } ?? "")")
        #expect(states["userinfo"]?["url"] == .string("http://svc:***@127.0.0.1:\(platform.port)/userinfo"))
        #expect(text.output.contains("unset") && text.output.contains("env:KLX_UNSET is not set"), "\(text.output)")
        for output in [json.output, json.errors, text.output, text.errors] {
            for secret in secrets { #expect(!output.contains(secret), "\(output)") }
        }
        // The redirect to another host carried none of the credentials; the plain header went along.
        let landed = far.requests
        #expect(!landed.isEmpty)
        for request in landed {
            #expect(
                request.headers["authorization"] == nil && request.headers["x-api-key"] == nil, "\(request.headers)")
            #expect(request.headers["accept"] == "application/json")
            for secret in secrets { #expect(!request.headers.values.contains { $0.contains(secret) }) }
        }
    }

    @Test func klaxonWatchRecordsAndPrintsNoCredential() async throws {
        let (pd, fd, sd) = (TemporaryDirectory("platform"), TemporaryDirectory("far"), TemporaryDirectory("secrets"))
        let (platform, far) = try servers(pd, fd)
        defer {
            platform.stop()
            far.stop()
        }
        let ws = workspace(platform, far: far, secrets: sd)
        _ = try shell(
            "KLAXON_USER=bob \(klaxon) --workspace \(ws.path) incident declare 'Registry' --severity SEV3 --service registry"
        )
        // A line for each of the seven checks' first results.
        let (printed, everything) = try await watch(ws, lines: 7)
        #expect(printed.contains("unset unknown → down: bearer_token env:KLX_UNSET is not set"), "\(printed)")
        #expect(printed.contains("userinfo unknown → up"), "\(printed)")
        #expect(everything.contains("env:KLX_UNSET"))
        for secret in secrets { #expect(!everything.contains(secret)) }
    }

    /// Runs `klaxon watch` on `ws` with the secrets in its environment until it has printed `lines`
    /// lines; returns what it printed on standard output, and that with its standard error and every
    /// file of `journals/`.
    func watch(_ ws: TemporaryDirectory, lines: Int) async throws -> (printed: String, everything: String) {
        let out = ws.path + "/out.txt"
        let err = ws.path + "/err.txt"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: klaxon)
        process.arguments = ["watch", "--workspace", ws.path]
        process.environment = [
            "KLAXON_USER": "carol", "TZ": "UTC", "PATH": "/usr/bin:/bin", "KLX_TOKEN": token, "KLX_KEY": key
        ]
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: err)
        try process.run()
        for _ in 0..<300
        where ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n").count < lines {
            try await Task.sleep(for: .milliseconds(100))
        }
        kill(process.processIdentifier, SIGTERM)
        try await blocking { process.waitUntilExit() }
        let printed = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        var everything = printed + ((try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
        for name in try FileManager.default.contentsOfDirectory(atPath: ws.path + "/journals") {
            everything += (try? String(contentsOfFile: ws.path + "/journals/" + name, encoding: .utf8)) ?? ""
        }
        return (printed, everything)
    }

    /// Walkthrough of issue 19, point 10: a service that quotes the credentials it was sent in its body.
    /// What the answer says (a JSON expectation's detail, the body) holds `[secret]` for each secret the
    /// request sent, and for the base64 of a basic-auth pair, wherever it goes: `status check` and its
    /// JSON, `klaxon watch`'s output, `platform.jsonl`, the timeline of an incident of the service.
    @Test func aServerThatEchoesTheCredentialsLeavesNoneInAnyDetail() async throws {
        let (pd, sd) = (TemporaryDirectory("echo"), TemporaryDirectory("secrets"))
        let echo = try HTTPReceiver(directory: pd.path, routes: ["/echo": .init(echoes: true)])
        defer { echo.stop() }
        sd.write("password", password + "\n")
        let p = echo.port
        let expectation = #"expect: {json: {path: "$.headers.authorization", equals: "x"}}"#
        let ws = makeWorkspace(
            """
            name: t
            checks:
              - {name: bearer, service: echo, url: "http://127.0.0.1:\(p)/echo", bearer_token: "env:KLX_TOKEN", \(expectation)}
              - {name: basic, url: "http://127.0.0.1:\(p)/echo", basic_auth: {username: svc, password: "file:\(sd.path)/password"}, \(expectation)}
              - {name: userinfo, url: "http://svc:\(urlPassword)@127.0.0.1:\(p)/echo", \(expectation)}
              - {name: keyed, url: "http://127.0.0.1:\(p)/echo", headers: {X-Api-Key: "env:KLX_KEY"}, expect: {json: {path: "$.headers.x-api-key", equals: "x"}}}
            """)
        let basic = Data("svc:\(password)".utf8).base64EncodedString()
        let userinfo = Data("svc:\(urlPassword)".utf8).base64EncodedString()
        let leaks = secrets + [basic, userinfo]
        let k = Klaxon(workspace: ws.path, environment: ["TZ": "UTC", "KLX_TOKEN": token, "KLX_KEY": key])
        let json = k.run("status", "check", "--json")
        let text = k.run("status", "check")
        let byName = Dictionary(
            uniqueKeysWithValues: (json.json?.arrayValue ?? []).map { ($0["name"]?.stringValue ?? "", $0) })
        // The requests were made with the credentials: the expectation fails on what the server quoted.
        #expect(
            byName["bearer"]?["detail"]
                == #"$.headers.authorization is "Bearer [secret]" (a string), expected "x" (a string)"#,
            "\(json.output)")
        #expect(
            byName["basic"]?["detail"]
                == #"$.headers.authorization is "Basic [secret]" (a string), expected "x" (a string)"#)
        #expect(
            byName["userinfo"]?["detail"]
                == #"$.headers.authorization is "Basic [secret]" (a string), expected "x" (a string)"#)
        #expect(byName["keyed"]?["detail"] == #"$.headers.x-api-key is "[secret]" (a string), expected "x" (a string)"#)
        _ = try shell(
            "KLAXON_USER=bob \(klaxon) --workspace \(ws.path) incident declare 'Echo' --severity SEV3 --service echo")
        let (printed, everything) = try await watch(ws, lines: 4)
        #expect(printed.contains(#"bearer unknown → down: $.headers.authorization is "Bearer [secret]""#), "\(printed)")
        #expect(
            everything.contains(#"is \"Bearer [secret]\""#),
            "platform.jsonl and the incident's timeline record the detail")
        for output in [json.output, json.errors, text.output, text.errors, everything] {
            for leak in leaks { #expect(!output.contains(leak), "\(leak) in \(output)") }
        }
    }

    /// Walkthrough of issue 19, point 10: `config validate` warns of each secret of a check's credentials
    /// that the process that polls could not read with the validating process's environment, at its
    /// place, as it does for contacts and channels; and says nothing of those it could.
    @Test func configValidateWarnsOfCheckSecretsThePollingProcessLacks() throws {
        let sd = TemporaryDirectory("secrets")
        let ws = makeWorkspace(
            """
            name: t
            checks:
              - {name: bearer, url: "http://127.0.0.1:9/x", bearer_token: "env:KLX_TOKEN"}
              - {name: basic, url: "http://127.0.0.1:9/x", basic_auth: {username: "env:KLX_USER", password: "file:\(sd.path)/password"}}
              - {name: keyed, url: "http://127.0.0.1:9/x", headers: {X-Api-Key: "env:KLX_KEY", Accept: application/json}}
            """)
        let config = ws.path + "/klaxon.yaml"
        let polls = "the process that polls (the console, klaxon watch or klaxon status check)"
        let expected = [
            "\(try place(of: "\"env:KLX_TOKEN", line: 3, in: config)): warning: env:KLX_TOKEN (check bearer: bearer_token) is not set in this environment: \(polls) needs KLX_TOKEN set, or the check fails",
            "\(try place(of: "\"env:KLX_USER", line: 4, in: config)): warning: env:KLX_USER (check basic: basic_auth username) is not set in this environment: \(polls) needs KLX_USER set, or the check fails",
            "\(try place(of: "\"file:", line: 4, in: config)): warning: file:\(sd.path)/password (check basic: basic_auth password) does not exist: \(polls) reads it at each poll, or the check fails",
            "\(try place(of: "\"env:KLX_KEY", line: 5, in: config)): warning: env:KLX_KEY (check keyed: headers: X-Api-Key) is not set in this environment: \(polls) needs KLX_KEY set, or the check fails"
        ]
        let bare = Klaxon(workspace: ws.path).run("config", "validate")
        #expect(bare.status == 0, "warnings only: \(bare.output)\(bare.errors)")
        let lines = bare.output.split(separator: "\n").map(String.init)
        for line in expected { #expect(lines.contains(line), "\(line)\n\(bare.output)") }
        #expect(bare.output.hasSuffix("0 errors, 4 warnings\n"), "\(bare.output)")

        let value = "pw-" + UUID().uuidString
        sd.write("password", value + "\n")
        let set = Klaxon(
            workspace: ws.path, environment: ["TZ": "UTC", "KLX_TOKEN": token, "KLX_USER": "svc", "KLX_KEY": key]
        ).run("config", "validate")
        #expect(set.output == "ok: no problems found\n", "\(set.output)\(set.errors)")
        for output in [bare.output, bare.errors, set.output, set.errors] {
            for secret in [token, key, value] { #expect(!output.contains(secret)) }
        }
    }

    @Test func aLiteralSecretInTheConfigIsRefusedWithItsPlace() {
        let literal = "literal-" + UUID().uuidString
        for (line, what) in [
            ("bearer_token: \(literal)", "bearer_token"),
            ("basic_auth: {username: svc, password: \(literal)}", "password"),
            ("headers: {Authorization: \"Bearer \(literal)\"}", "Authorization")
        ] {
            let ws = makeWorkspace(
                """
                name: t
                checks:
                  - name: c
                    url: http://127.0.0.1:1/x
                    \(line)
                """)
            let run = Klaxon(workspace: ws.path).run("config", "validate")
            #expect(run.status != 0)
            let said = run.output + run.errors
            #expect(
                said.contains("klaxon.yaml:5:") && said.contains(what) && said.contains("env:NAME or file:PATH"),
                "\(said)")
            #expect(!said.contains(literal), "\(said)")
        }
    }
}
