import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonTestSupport
import Testing

/// Runs the shell command line `command` with a pseudo-terminal as its standard output and error
/// (util-linux's `script`), and returns every byte that terminal received and the exit status.
func throughTerminal(_ command: String) throws -> (bytes: [UInt8], status: Int32) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
    process.arguments = ["-qec", command, "/dev/null"]
    process.standardInput = FileHandle.nullDevice
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let bytes = Array(pipe.fileHandleForReading.readDataToEndOfFile())
    process.waitUntilExit()
    return (bytes, process.terminationStatus)
}

/// What of `bytes` could drive a terminal: ESC, BEL, backspace and the other C0 controls but tab and
/// line ends, a carriage return not before a newline (the terminal itself sends CR LF), DEL, and C1
/// controls (U+0080–U+009F, two bytes in UTF-8). Empty when there is none.
func controlSequences(_ bytes: [UInt8]) -> [String] {
    var found: [String] = []
    for (i, byte) in bytes.enumerated() {
        let next = i + 1 < bytes.count ? bytes[i + 1] : 0
        if (byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D) || byte == 0x7F
            || (byte == 0x0D && next != 0x0A)
            || (byte == 0xC2 && (0x80...0x9F).contains(next))
        {
            found.append("byte \(i): \(String(byte, radix: 16))")
        }
    }
    return found
}

/// docs/security.md, "Nothing a command prints drives the terminal": incident text, vendor payloads and
/// errors go through the console's control-character rule on their way to a real pseudo-terminal,
/// and `--json` still carries them exactly.
struct TerminalEscapeTests {
    let klaxon = BuiltProducts.path("klaxon")
    /// Sets the clipboard (OSC 52), clears the screen, moves back over what was printed, retitles the
    /// window with C1 controls; then a second line.
    static let note =
        "\u{1B}]52;c;ZXZpbA==\u{7}\u{1B}[2J\rfake\u{8}\u{8}\u{9D}0;title\u{9C} \u{9B}31mred\u{7F}\nsecond line"
    static let title = "Registry \u{1B}]0;pwned\u{7} down \u{9B}2J"

    func command(_ ws: TemporaryDirectory, _ arguments: String) -> String {
        "KLAXON_WORKSPACE=\(TmuxSession.quote(ws.path)) KLAXON_USER=alice TZ=UTC \(klaxon) \(arguments)"
    }

    @Test func incidentTextReachesATerminalWithoutItsControlCharacters() throws {
        let ws = makeWorkspace()
        let k = Klaxon(workspace: ws.path, clock: FixedClock("2026-11-20T09:00:00Z"))
        #expect(k.run("incident", "declare", Self.title, "--severity", "SEV2").status == 0)
        #expect(k.run("incident", "note", "1", Self.note).status == 0)
        #expect(k.run("incident", "todo", "1", "clean \u{1B}[2J up").status == 0)
        #expect(k.run("incident", "resolve", "1", "--summary", "done \u{1B}]52;c;eA==\u{7}").status == 0)
        let commands = [
            "incident show 1", "incident list --all", "review export 1",
            // An error naming what was given: the argument itself holds an escape.
            "incident show \"$(printf 'INC-9\\033[2J')\""
        ]
        for arguments in commands {
            let (bytes, _) = try throughTerminal(command(ws, arguments))
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(controlSequences(bytes).isEmpty, "\(arguments): \(controlSequences(bytes).prefix(5)) in \(text)")
            #expect(text.contains("\u{FFFD}"), "\(arguments) shows where the control characters were: \(text)")
        }
        let show = String(decoding: try throughTerminal(command(ws, "incident show 1")).bytes, as: UTF8.self)
        #expect(show.contains("\u{FFFD}]52;c;ZXZpbA==\u{FFFD}\u{FFFD}[2J\u{FFFD}fake"), "\(show)")
        // The note's second line is indented under its first, as a multi-line note is.
        let noteLine = try #require(show.split(separator: "\r\n").firstIndex { $0.contains("ZXZpbA==") })
        let lines = show.split(separator: "\r\n")
        #expect(lines[noteLine + 1].hasSuffix(" second line") && lines[noteLine + 1].hasPrefix("     "), "\(show)")

        // JSON on the same terminal: no control character either, and the text exactly as written.
        let (jsonBytes, status) = try throughTerminal(command(ws, "incident show 1 --json"))
        #expect(status == 0)
        #expect(controlSequences(jsonBytes).isEmpty, "\(controlSequences(jsonBytes).prefix(5))")
        let json = try JSONParser.parse(
            String(decoding: jsonBytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n"))
        #expect(json["title"]?.stringValue == Self.title)
        #expect(json["timeline"]?.arrayValue?.contains { $0["data"]?["text"]?.stringValue == Self.note } == true)
        #expect(json["summary"]?.stringValue == "done \u{1B}]52;c;eA==\u{7}")
    }

    @Test func vendorPayloadsReachATerminalWithoutTheirControlCharacters() throws {
        let dir = TemporaryDirectory("klaxon-vendor")
        let receiver = try HTTPReceiver(
            directory: dir.path,
            routes: [
                "/vendor/api/v2/summary.json": .init(
                    body: #"""
                        {"status":{"indicator":"minor","description":"\u001b]52;c;ZXZpbA==\u0007Partial \u001b[2Joutage"},
                         "components":[{"name":"API\u001b[8m","status":"partial_outage"}],"incidents":[]}
                        """#),
                "/prom/api/v1/alerts": .init(
                    body: #"""
                        {"status":"success","data":{"alerts":[{"labels":{"alertname":"Disk\u009b2JFull\u001b]0;x\u0007"},"state":"firing"}]}}
                        """#)
            ])
        defer { receiver.stop() }
        let ws = makeWorkspace(
            """
            name: t
            checks:
              - {name: vendor, group: Vendors, type: statuspage, url: "http://127.0.0.1:\(receiver.port)/vendor", interval: 60s, timeout: 10s}
              - {name: alerts, group: Observability, type: prometheus, url: "http://127.0.0.1:\(receiver.port)/prom", interval: 60s, timeout: 10s}
            """)
        let (bytes, _) = try throughTerminal(command(ws, "status check"))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(controlSequences(bytes).isEmpty, "\(controlSequences(bytes).prefix(5)) in \(text)")
        #expect(text.contains("\u{FFFD}]52;c;ZXZpbA==\u{FFFD}Partial \u{FFFD}[2Joutage"), "\(text)")
        #expect(text.contains("Disk\u{FFFD}2JFull\u{FFFD}]0;x\u{FFFD}"), "\(text)")
        // --json keeps the payloads' text exactly.
        let json = Klaxon(workspace: ws.path).run("status", "check", "--json").json?.arrayValue ?? []
        #expect(
            json.first { $0["name"] == "vendor" }?["detail"]?.stringValue
                == "\u{1B}]52;c;ZXZpbA==\u{7}Partial \u{1B}[2Joutage")
        #expect(
            json.first { $0["name"] == "alerts" }?["alerts"]?.arrayValue?.first?["name"]?.stringValue
                == "Disk\u{9B}2JFull\u{1B}]0;x\u{7}")
    }
}
