import Foundation
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport

/// Issue 23's action links: what checking a link costs (in process), and what a phone waits for from a
/// real `klaxon watch`: a GET of an acknowledge link (check, read the incident's journal of 1,000 records
/// and the escalation files, render) and the button's POST (the acknowledgement recorded, fsync'd).
enum ActionLinkBench {
    struct Figures {
        var verifyMicroseconds = Double.nan
        var getP50 = Double.nan, getP99 = Double.nan, gets = 0, getFailures = 0
        var postMilliseconds = Double.nan, postStatus = 0
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// GETs `url` `count` times on one keep-alive connection, then POSTs it once: each request's status
    /// and milliseconds as JSON. argv: port, path, count.
    static let client = """
        import http.client, json, sys, time
        port, path, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        def request(method):
            start = time.monotonic()
            connection.request(method, path, b"" if method == "POST" else None)
            response = connection.getresponse(); response.read()
            return [response.status, (time.monotonic() - start) * 1000]
        gets = [request("GET") for _ in range(count)]
        print(json.dumps({"gets": gets, "post": request("POST")}))
        """

    static func run(root: String, klaxon: String) throws -> Figures {
        var figures = Figures()
        let secret = "bench-link-secret-0123456789abcdef"
        let key = ActionLink.Key(secret: secret, workspace: "links")

        // Checking: 20,000 links made and verified in this process.
        let made = (0..<20_000).map { i in
            ActionLink(
                incident: "INC-\(i)", page: "INC-\(i)/1/1/1/oncall", user: "oncall", action: .acknowledge,
                expires: Timestamp(Date()).adding(seconds: 3600)
            ).token(key: key)
        }
        let now = Timestamp(Date())
        let verifySeconds = seconds {
            for token in made { _ = try? ActionLink.verify(token: token, key: key, now: now) }
        }
        figures.verifyMicroseconds = verifySeconds / Double(made.count) * 1_000_000

        // A real klaxon watch: one incident of 1,000 records, paging; its acknowledge link fetched and pressed.
        let port = try RealServer.freePort()
        let workspace = root + "/links"
        try FileManager.default.createDirectory(
            atPath: workspace + "/Escalation/policies", withIntermediateDirectories: true)
        try """
        name: links
        intake:
          listen: 127.0.0.1:\(port)
          tokens: {bench: "env:LINKS_TOKEN"}
          public_url: http://127.0.0.1:\(port)
          link_secret: env:LINKS_SECRET
        """.write(toFile: workspace + "/klaxon.yaml", atomically: true, encoding: .utf8)
        // A command contact that delivers at once, so the bench needs no receiver.
        try "people:\n  - id: oncall\n    contacts: [{type: command, argv: [/bin/true]}]\n".write(
            toFile: workspace + "/Escalation/people.yaml", atomically: true, encoding: .utf8)
        try "name: links\nsteps:\n  - {targets: [user:oncall], escalate_after: 30m}\n".write(
            toFile: workspace + "/Escalation/policies/links.yaml", atomically: true, encoding: .utf8)
        let store = IncidentStore(directory: workspace + "/journals")
        let writer = WriterIdentity(actor: "bench", host: "bench", pid: Int(getpid()))
        var declaration = Declaration(title: "Registry returns 503", severity: .sev2, services: ["registry"])
        declaration.policy = "links"
        let journal = try store.declare(declaration, by: writer, at: Timestamp(Date()))
        for i in 1..<1000 {
            try journal.perform(.note("note \(i) of the bench"), by: writer, now: { Timestamp(Date()) })
        }

        let logPath = root + "/links-watch.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = FileHandle(forWritingAtPath: logPath)!
        let watch = Process()
        watch.executableURL = URL(fileURLWithPath: klaxon)
        watch.arguments = ["watch", "--workspace", workspace]
        watch.environment = [
            "KLAXON_USER": "bench", "PATH": "/usr/bin:/bin", "LINKS_TOKEN": "bench-token", "LINKS_SECRET": secret
        ]
        watch.standardOutput = log
        watch.standardError = log
        try watch.run()
        defer {
            if watch.isRunning {
                watch.terminate()
                watch.waitUntilExit()
            }
        }
        for _ in 0..<300 where AlertStormBench.get("http://127.0.0.1:\(port)/-/healthy") == nil {
            Thread.sleep(forTimeInterval: 0.1)
        }
        let link = ActionLink(
            incident: journal.id, page: "\(journal.id)/1/1/1/oncall", user: "oncall", action: .acknowledge,
            expires: Timestamp(Date()).adding(seconds: 3600))
        let (process, out) = try BenchPython.start(
            client, [String(port), ActionLink.pathPrefix + link.token(key: key), "500"], root: root,
            name: "links-client.py")
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let json = try JSONParser.parse(Array(data))
        let gets = (json["gets"]?.arrayValue ?? []).compactMap { row -> (Int, Double)? in
            guard let pair = row.arrayValue, pair.count == 2, case .number(let ms) = pair[1] else { return nil }
            return (pair[0].intValue ?? 0, ms)
        }
        guard !gets.isEmpty, let post = json["post"]?.arrayValue, post.count == 2, case .number(let ms) = post[1]
        else { throw Failure(description: "the link client failed: \(String(decoding: data, as: UTF8.self))") }
        figures.gets = gets.count
        figures.getFailures = gets.filter { $0.0 != 200 }.count
        figures.getP50 = percentile(gets.map(\.1), 0.5)
        figures.getP99 = percentile(gets.map(\.1), 0.99)
        figures.postMilliseconds = ms
        figures.postStatus = post[0].intValue ?? 0
        return figures
    }

    static func rows(_ figures: Figures) -> [(benchmark: String, cells: [String])] {
        [
            (
                "links",
                [
                    "action links: checking one (HMAC-SHA256, constant-time compare), in process", "—",
                    String(format: "%.1f µs", figures.verifyMicroseconds), ""
                ]
            ),
            (
                "links",
                [
                    String(
                        format: "  a link's GET from klaxon watch (incident of 1,000 records), %d requests: p99",
                        figures.gets), "—",
                    String(
                        format: "%.1f ms (p50 %.1f; %d not 200)", figures.getP99, figures.getP50, figures.getFailures),
                    ""
                ]
            ),
            (
                "links",
                [
                    "  its button's POST: acknowledged, recorded durably, answered", "—",
                    String(format: "%.1f ms (HTTP %d)", figures.postMilliseconds, figures.postStatus), ""
                ]
            )
        ]
    }
}
