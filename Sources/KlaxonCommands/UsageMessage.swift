import ArgumentParser
import KlaxonCore

/// The one line a refused command line gets, in Klaxon's own style (`klaxon: error: …`, as every other
/// error): what is wrong, the closest command or option when a word looks mistyped, and where the help is.
/// The argument parser's own text ("Error: 2 unexpected arguments: 'incidnet', 'list'" with the console's
/// usage) answers a typo in a command's name with the default subcommand's usage.
enum UsageMessage {
    /// The line for `error`, which the parser raised on `arguments`.
    static func line(for error: Error, arguments: [String]) -> String {
        let position = walk(arguments)
        let commandLine = (["klaxon"] + position.path).joined(separator: " ")
        let see = " (see \(commandLine) --help)"
        if let word = position.unknownWord {
            let names = position.command.configuration.subcommands.map { $0._commandName }
            let typed = (position.path + [word]).joined(separator: " ")
            let close = NameSuggestion.closest(to: word, among: names, limit: 2)
            let suggestion =
                close.isEmpty
                ? "; the commands are " + names.joined(separator: ", ")
                : "; did you mean "
                    + close.map { "'" + (position.path + [$0]).joined(separator: " ") + "'" }.joined(separator: " or ")
                    + "?"
            return "unknown command '\(typed)'" + suggestion + see
        }
        // An unknown option first: the parser would rather say that a required one is missing, when the
        // unknown one is that required one mistyped.
        let known = optionNames(of: position.command)
        let options = arguments.prefix { $0 != "--" }.filter { $0.hasPrefix("--") && $0.count > 2 }
        if let option = options.map({ String($0.prefix { $0 != "=" }) }).first(where: { !known.contains($0) }) {
            return "unknown option '\(option)'\(NameSuggestion.hint(for: option, among: known))\(see)"
        }
        var message = Klaxon.message(for: error)
        // The message, without the usage or the option's help the parser adds on lines of their own.
        for marker in ["\nHelp: ", "\nUsage: "] {
            if let range = message.range(of: marker) { message = String(message[..<range.lowerBound]) }
        }
        if message.hasPrefix("Error: ") { message.removeFirst(7) }
        return lowercasingFirst(message) + see
    }

    /// Where the words lead: the subcommands named (`incident`, `list`), the command they name, and the
    /// first word that names no subcommand where one was expected.
    static func walk(_ arguments: [String]) -> (path: [String], command: ParsableCommand.Type, unknownWord: String?) {
        var command: ParsableCommand.Type = Klaxon.self
        var path: [String] = []
        var i = 0
        while i < arguments.count {
            let word = arguments[i]
            let subcommands = command.configuration.subcommands
            if word == "--" || subcommands.isEmpty { break }
            if word.hasPrefix("-") {
                // The options that take a value and may come before a subcommand (GlobalOptions).
                i += (word == "--workspace" || word == "--as") ? 2 : 1
                continue
            }
            if word == "help" && path.isEmpty { break }
            guard let next = subcommands.first(where: { $0._commandName == word }) else {
                return (path, command, word)
            }
            command = next
            path.append(word)
            i += 1
        }
        // `klaxon --read-onyl` is the console's option, the default subcommand.
        if path.isEmpty, let console = command.configuration.defaultSubcommand { command = console }
        return (path, command, nil)
    }

    /// The long options `command` takes, read from its help (the parser keeps its definitions private).
    static func optionNames(of command: ParsableCommand.Type) -> [String] {
        let help = Klaxon.helpMessage(for: command)
        var names: [String] = []
        var rest = Substring(help)
        while let start = rest.range(of: "--") {
            let name = rest[start.lowerBound...].prefix { $0 == "-" || $0.isLetter || $0.isNumber }
            if name.count > 2 { names.append(String(name)) }
            rest = rest[start.upperBound...]
        }
        return names
    }

    static func lowercasingFirst(_ text: String) -> String {
        guard let first = text.first, first.isUppercase, !(text.dropFirst().first?.isUppercase ?? false) else {
            return text
        }
        return first.lowercased() + text.dropFirst()
    }
}
