import KlaxonCore
import KlaxonTestSupport
import KlaxonUI
import Testing

/// The console's dialogs complete names from the workspace, and refuse a link to a runbook that does not
/// exist (issue 26, point 3).
extension ConsoleUpdateTests {
    /// The sample model with the repository's runbooks, people alice, bob and dave, policy platform, and
    /// the services registry and runners (a comms route names them).
    static func namedModel() -> ConsoleModel {
        var model = sampleModel()
        _ = ConsoleUpdate.update(&model, .runbooksChanged(sampleRunbooks()))
        model.pageTargets = [.policy("platform"), .person("alice"), .person("bob"), .person("dave")]
        model.comms.routes = [CommsRoute(services: ["registry", "runners"], to: ["eng"])]
        return model
    }

    static func form(_ model: ConsoleModel) -> ConsoleModel.Form? {
        if case .form(let form)? = model.overlay { form } else { nil }
    }

    @Test func aLinkToARunbookThatDoesNotExistIsRefusedAndTheDialogStaysOpen() {
        var model = Self.namedModel()
        press([.enter], &model)
        #expect(press([.character("L")] + type("registr-5xx") + [.enter], &model).isEmpty)
        #expect(Self.form(model)?.purpose == .link("INC-12"))
        #expect(Self.form(model)?.rawText(.link) == "registr-5xx")
        #expect(model.message?.isError == true)
        #expect(
            model.message?.text
                == "no runbook named \"registr-5xx\" in Runbooks/, and it is not a URL (http:// or https://); did you mean 'registry-5xx'?"
        )
        // Corrected in place, it links.
        #expect(
            press([.backspace, .backspace, .backspace, .backspace] + type("y-5xx") + [.enter], &model) == [
                .perform(.link("registry-5xx"), incidentID: "INC-12")
            ], "\(String(describing: model.message))")
        // A URL is a URL.
        #expect(
            press([.character("L")] + type("https://grafana.test/d/x") + [.enter], &model) == [
                .perform(.link("https://grafana.test/d/x"), incidentID: "INC-12")
            ])
    }

    @Test func aRunbookLinkWaitsForTheRunbooksToBeRead() {
        var model = sampleModel()
        press([.enter], &model)
        #expect(press([.character("L")] + type("registry-5xx") + [.enter], &model).isEmpty)
        #expect(model.message?.text == "the runbooks are not read yet; try again in a moment, or link a URL")
        _ = ConsoleUpdate.update(&model, .runbooksChanged(sampleRunbooks()))
        #expect(press([.enter], &model) == [.perform(.link("registry-5xx"), incidentID: "INC-12")])
    }

    @Test func tabCompletesARunbookAndListsTheNamesWhenSeveralAreLeft() {
        var model = Self.namedModel()
        press([.enter], &model)
        press([.character("L")] + type("reg") + [.tab], &model)
        #expect(Self.form(model)?.rawText(.link) == "registry-")
        #expect(model.message?.text == "2 names start so: registry-5xx · registry-error-ratio")
        #expect(model.message?.isError == false)
        press(type("5") + [.tab], &model)
        #expect(Self.form(model)?.rawText(.link) == "registry-5xx")
        #expect(press([.enter], &model) == [.perform(.link("registry-5xx"), incidentID: "INC-12")])
    }

    @Test func tabCompletesTheLastServiceOfTheDeclareDialogThenMovesOn() {
        var model = Self.namedModel()
        press([.character("d")] + type("Runners gone") + [.tab, .tab] + type("ci, run") + [.tab], &model)
        #expect(Self.form(model)?.rawText(.service) == "ci, runners")
        #expect(Self.form(model)?.focus == 2)
        // Nothing more to complete: tab goes on to the next field, as elsewhere.
        press([.tab], &model)
        #expect(Self.form(model)?.focus == 3)
        // INC-11 is open for ci and runners: asked first (issue 26, point 13), then declared anyway.
        let effects = press([.enter, .character("d")], &model)
        #expect(
            effects == [
                .declare(
                    Declaration(
                        title: "Runners gone", severity: .sev3, services: ["ci", "runners"], commander: "alice",
                        policy: nil))
            ])
    }

    @Test func tabCompletesThePersonOfTheAssignDialogFromThePeople() {
        var model = Self.namedModel()
        press([.enter], &model)
        press([.character("A"), .character("j"), .tab, .control("u")] + type("da") + [.tab], &model)
        #expect(Self.form(model)?.rawText(.person) == "dave")
        #expect(
            press([.enter], &model) == [.perform(.assign(role: "scribe", user: "dave"), incidentID: "INC-12")])
        // No name starts so: tab moves between the fields as before.
        press([.character("A"), .tab, .control("u")] + type("zed") + [.tab], &model)
        #expect(Self.form(model)?.focus == 0)
        #expect(Self.form(model)?.rawText(.person) == "zed")
    }

    /// Issue 26, point 3: the console's dialogs warn as the command line does, once: a person not in
    /// people.yaml, a service nothing names; enter again goes ahead (recorded as given).
    @Test func anUnknownPersonOrServiceIsWarnedOnceThenRecordedAsGiven() {
        var model = Self.namedModel()
        press([.enter], &model)
        #expect(press([.character("A"), .tab, .control("u")] + type("zed") + [.enter], &model).isEmpty)
        #expect(Self.form(model)?.rawText(.person) == "zed")
        #expect(model.message?.text.hasPrefix("commander \"zed\" is not a person of Escalation/people.yaml") == true)
        #expect(model.message?.text.hasSuffix(" · enter again to go ahead") == true)
        #expect(press([.enter], &model) == [.perform(.assign(role: "commander", user: "zed"), incidentID: "INC-12")])

        var declaring = Self.namedModel()
        press([.character("d")] + type("Mirror slow") + [.tab, .tab] + type("regsitry"), &declaring)
        #expect(press([.enter], &declaring).isEmpty)
        #expect(
            declaring.message?.text.contains("did you mean 'registry'?") == true, "\(declaring.message?.text ?? "")")
        // Changed, it is judged afresh; unchanged, enter goes ahead.
        #expect(
            press([.enter], &declaring) == [
                .declare(Declaration(title: "Mirror slow", severity: .sev3, services: ["regsitry"], commander: "alice"))
            ])
    }

    /// The warning goes once the field it was about changes (here by tab completing the service), and
    /// while it stands the dialog shows it whole, "did you mean" and remedy included.
    @Test func aDialogsWarningIsShownWholeAndGoesOnceTheFieldChanges() {
        var model = Self.namedModel()
        press([.character("d")] + type("Mirror slow") + [.tab, .tab] + type("regsitry"), &model)
        _ = press([.enter], &model)
        let warned = ConsoleView.render(model).text
        #expect(warned.contains("did you mean 'registry'?"), "\(warned)")
        #expect(warned.contains("enter again to go ahead"), "\(warned)")
        press([.backspace, .backspace, .backspace, .backspace, .backspace, .backspace], &model)
        #expect(model.message == nil, "\(String(describing: model.message))")
        let fixed = ConsoleView.render(model).text
        #expect(!fixed.contains("regsitry") && !fixed.contains("did you mean"), "\(fixed)")
        // By completion, too.
        press(type("sitry") + [.enter], &model)
        #expect(model.message?.isError == true)
        press([.control("u")] + type("regi") + [.tab], &model)
        #expect(Self.form(model)?.rawText(.service) == "registry")
        #expect(model.message?.isError != true)
    }

    /// Issue 26: a check's name typed as the service is said to be one, with its service, as on the
    /// command line; enter again declares it as typed.
    @Test func aChecksNameTypedAsTheServiceNamesTheChecksService() {
        var model = Self.namedModel()
        var check = CheckDefinition(name: "registry-api", url: "https://registry.forge.internal/v2/")
        check.service = "registry"
        model.setChecks([check])
        press([.character("d")] + type("Mirror slow") + [.tab, .tab] + type("registry-api"), &model)
        #expect(press([.enter], &model).isEmpty)
        #expect(
            model.message?.text
                == "service \"registry-api\" is the name of a check, whose service is \"registry\" (recorded as given); did you mean 'registry'? · enter again to go ahead",
            "\(model.message?.text ?? "")")
        #expect(
            press([.enter], &model) == [
                .declare(
                    Declaration(title: "Mirror slow", severity: .sev3, services: ["registry-api"], commander: "alice"))
            ])
    }
}
