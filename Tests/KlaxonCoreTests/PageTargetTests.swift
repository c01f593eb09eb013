import KlaxonCore
import Testing

struct PageTargetTests {
    /// The page picker lists policies and people as a policy's steps name them; a person's id is never
    /// read as a policy, whatever it holds.
    @Test func textAndPolicy() {
        #expect(PageTarget.policy("platform").text == "policy:platform")
        #expect(PageTarget.person("alice").text == "user:alice")
        #expect(PageTarget.policy("platform").policy == "platform")
        #expect(PageTarget.person("policy:platform").policy == nil)
        #expect(PageTarget.person("policy:platform").text == "user:policy:platform")
    }
}
