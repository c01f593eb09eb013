import Foundation
import KlaxonCore
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
    func workspace(_ platform: HTTPReceiver, far: HTTPReceiver, secrets directory: TemporaryDirectory) -> TemporaryDirectory {
        let p = platform.port
        directory.write("password", password + "\n")
        return makeWorkspace("""
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

    func servers(_ platformDirectory: TemporaryDirectory, _ farDirectory: TemporaryDirectory) throws -> (HTTPReceiver, HTTPReceiver) {
        let far = try HTTPReceiver(directory: farDirectory.path, routes: ["/landing": .init([200])])
        let basic = "Basic " + Data("svc:\(password)".utf8).base64EncodedString()
        let platform = try HTTPReceiver(directory: platformDirectory.path, routes: [
            "/bearer": .init(requires: ["authorization": "Bearer \(token)"]),
            "/basic": .init(requires: ["authorization": basic]),
            "/keyed": .init(requires: ["x-api-key": key, "accept": "application/json"]),
            "/userinfo": .init(requires: ["authorization": "Basic " + Data("svc:\(urlPassword)".utf8).base64EncodedString()]),
            "/near": .init([302], headers: ["Location": "/bearer"]),
            "/far": .init([302], headers: ["Location": "http://localhost:\(far.port)/landing"]),
        ])
        return (platform, far)
    }

    @Test func statusCheckSendsCredentialsFromEnvAndFileAndShowsNone() throws {
        let (pd, fd, sd) = (TemporaryDirectory("platform"), TemporaryDirectory("far"), TemporaryDirectory("secrets"))
        let (platform, far) = try servers(pd, fd)
        defer { platform.stop(); far.stop() }
        let ws = workspace(platform, far: far, secrets: sd)
        let k = Klaxon(workspace: ws.path, environment: ["TZ": "UTC", "KLX_TOKEN": token, "KLX_KEY": key])
        let json = k.run("status", "check", "--json")
        let text = k.run("status", "check")
        let states = Dictionary(uniqueKeysWithValues: (json.json?.arrayValue ?? []).map { ($0["name"]?.stringValue ?? "", $0) })
        for name in ["bearer", "basic", "keyed", "userinfo", "near", "far"] {
            #expect(states[name]?["state"] == "up", "\(name): \(states[name].map { "\($0)" } ?? json.output + json.errors)")
        }
        #expect(states["unset"]?["state"] == "down")
        #expect(states["unset"]?["detail"]?.stringValue?.contains("env:KLX_UNSET is not set") == true, "\(states["unset"].map { "\($0)" } ?? "")")
        #expect(states["userinfo"]?["url"] == .string("http://svc:***@127.0.0.1:\(platform.port)/userinfo"))
        #expect(text.output.contains("unset") && text.output.contains("env:KLX_UNSET is not set"), "\(text.output)")
        for output in [json.output, json.errors, text.output, text.errors] {
            for secret in secrets { #expect(!output.contains(secret), "\(output)") }
        }
        // The redirect to another host carried none of the credentials; the plain header went along.
        let landed = far.requests
        #expect(!landed.isEmpty)
        for request in landed {
            #expect(request.headers["authorization"] == nil && request.headers["x-api-key"] == nil, "\(request.headers)")
            #expect(request.headers["accept"] == "application/json")
            for secret in secrets { #expect(!request.headers.values.contains { $0.contains(secret) }) }
        }
    }

    @Test func klaxonWatchRecordsAndPrintsNoCredential() async throws {
        let (pd, fd, sd) = (TemporaryDirectory("platform"), TemporaryDirectory("far"), TemporaryDirectory("secrets"))
        let (platform, far) = try servers(pd, fd)
        defer { platform.stop(); far.stop() }
        let ws = workspace(platform, far: far, secrets: sd)
        _ = try shell("KLAXON_USER=bob \(klaxon) --workspace \(ws.path) incident declare 'Registry' --severity SEV3 --service registry")
        let out = ws.path + "/out.txt", err = ws.path + "/err.txt"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: klaxon)
        process.arguments = ["watch", "--workspace", ws.path]
        process.environment = ["KLAXON_USER": "carol", "TZ": "UTC", "PATH": "/usr/bin:/bin", "KLX_TOKEN": token, "KLX_KEY": key]
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: err, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: err)
        try process.run()
        // A line for each of the seven checks' first results.
        for _ in 0..<300 where ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n").count < 7 {
            try await Task.sleep(for: .milliseconds(100))
        }
        kill(process.processIdentifier, SIGTERM)
        try await blocking { process.waitUntilExit() }
        let printed = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        #expect(printed.contains("unset unknown → down: bearer_token env:KLX_UNSET is not set"), "\(printed)")
        #expect(printed.contains("userinfo unknown → up"), "\(printed)")
        var everything = printed + ((try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
        for name in try FileManager.default.contentsOfDirectory(atPath: ws.path + "/journals") {
            everything += (try? String(contentsOfFile: ws.path + "/journals/" + name, encoding: .utf8)) ?? ""
        }
        #expect(everything.contains("env:KLX_UNSET"))
        for secret in secrets { #expect(!everything.contains(secret)) }
    }

    @Test func aLiteralSecretInTheConfigIsRefusedWithItsPlace() {
        let literal = "literal-" + UUID().uuidString
        for (line, what) in [("bearer_token: \(literal)", "bearer_token"),
                             ("basic_auth: {username: svc, password: \(literal)}", "password"),
                             ("headers: {Authorization: \"Bearer \(literal)\"}", "Authorization")] {
            let ws = makeWorkspace("""
            name: t
            checks:
              - name: c
                url: http://127.0.0.1:1/x
                \(line)
            """)
            let run = Klaxon(workspace: ws.path).run("config", "validate")
            #expect(run.status != 0)
            let said = run.output + run.errors
            #expect(said.contains("klaxon.yaml:5:") && said.contains(what) && said.contains("env:NAME or file:PATH"), "\(said)")
            #expect(!said.contains(literal), "\(said)")
        }
    }
}
