import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonTestSupport
import Testing

/// `klaxon config validate` names what would make outbound connections unsafe, each with its place.
struct OutboundConfigTests {
    @Test func validateReportsInjectedAddressesMetadataURLsAndJournalsAtTheRoot() {
        let ws = makeWorkspace(
            #"""
            name: outbound
            journals: /
            checks:
              - {name: metadata, url: "http://169.254.169.254/latest/meta-data/"}
            """#)
        ws.write(
            "Escalation/people.yaml",
            #"""
            people:
              - id: mallory
                contacts:
                  - {type: email, address: "m2@example.com>\r\nRCPT TO:<injected@evil.example"}
            """#)
        let validate = Klaxon(workspace: ws.path).run("config", "validate")
        #expect(validate.status == 1, "\(validate.output)\(validate.errors)")
        let lines = validate.output.split(separator: "\n").map(String.init)
        #expect(
            lines.contains(
                "\(ws.path)/Escalation/people.yaml:4:32: error: address is not a plain email address: it has a line break or another control character; write one address, such as alice@example.com"
            ), "\(lines)")
        #expect(
            lines.contains(
                "\(ws.path)/klaxon.yaml:4:27: warning: url names 169.254.169.254, a link-local or cloud metadata address: the check may reach it, and only this check; make sure that is meant"
            ), "\(lines)")
        #expect(
            lines.contains(
                "\(ws.path)/klaxon.yaml:2:11: warning: journals: / is the root of the file system; Klaxon would create and read its journals there: name a directory of their own, such as journals"
            ), "\(lines)")
    }
}
