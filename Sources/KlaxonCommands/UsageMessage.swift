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
        let see = seeHelp(position.path)
        // An option before the subcommand that no command there takes first: its value (`--worksapce .`)
        // would otherwise be read as the command.
        if let option = position.unknownOption {
            let known = knownBefore(position.command)
            return "unknown option '\(option)'\(NameSuggestion.hint(for: option, among: known))\(see)"
        }
        if let word = position.unknownWord { return unknownCommand(word, after: position) }
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

    /// The line for `klaxon help WORDS` when the words name no command (`help incidnet`, `help incident
    /// lst`): the parser would print the help of the last command they do name, and exit 0. Nil when
    /// `arguments` asks for no help, or for the help of a command there is.
    static func unknownHelpTopic(_ arguments: [String]) -> String? {
        guard arguments.first == "help" else { return nil }
        let position = walk(Array(arguments.dropFirst()))
        guard position.unknownOption == nil, let word = position.unknownWord else { return nil }
        return unknownCommand(word, after: position)
    }

    /// `unknown command 'incident lst'; did you mean 'incident list'? (see …)`, or the commands there are
    /// when none is close.
    static func unknownCommand(_ word: String, after position: Position) -> String {
        let names = position.command.configuration.subcommands.map { $0._commandName }
        let typed = (position.path + [word]).joined(separator: " ")
        let close = NameSuggestion.closest(to: word, among: names, limit: 2)
        let suggestion =
            close.isEmpty
            ? "; the commands are " + names.joined(separator: ", ")
            : "; did you mean "
                + close.map { "'" + (position.path + [$0]).joined(separator: " ") + "'" }.joined(separator: " or ")
                + "?"
        return "unknown command '\(typed)'" + suggestion + seeHelp(position.path)
    }

    /// ` (see klaxon incident --help)`: where the help of the command `path` names is.
    static func seeHelp(_ path: [String]) -> String {
        " (see \((["klaxon"] + path).joined(separator: " ")) --help)"
    }

    /// Where the words of a command line lead.
    struct Position {
        /// The subcommands named (`incident`, `list`).
        var path: [String]
        /// The command they name (the console, the default, when they name none).
        var command: ParsableCommand.Type
        /// The first word that names no subcommand where one was expected.
        var unknownWord: String?
        /// The first long option, before the words name a command without subcommands, that the command
        /// named so far does not take (`--worksapce` of `--worksapce . incident list`).
        var unknownOption: String?
    }

    /// Where the words lead (`Position`). An option the command named so far does not take is passed
    /// over with the word after it, taken as its value, unless that word names a subcommand or is an
    /// option: `--worksapce . incident list` leads to `incident list`, and `.` is no command.
    static func walk(_ arguments: [String]) -> Position {
        var position = Position(path: [], command: Klaxon.self)
        var i = 0
        while i < arguments.count {
            let word = arguments[i]
            let subcommands = position.command.configuration.subcommands
            if word == "--" || subcommands.isEmpty { break }
            if word.hasPrefix("-") {
                let name = String(word.prefix { $0 != "=" })
                let takesValue = name == "--workspace" || name == "--as"
                if word.hasPrefix("--"), position.unknownOption == nil, !takesValue,
                    !knownBefore(position.command).contains(name)
                {
                    position.unknownOption = name
                    let next = arguments.dropFirst(i + 1).first
                    if !word.contains("="), let next, !next.hasPrefix("-"),
                        !subcommands.contains(where: { $0._commandName == next })
                    {
                        i += 1
                    }
                } else if takesValue, !word.contains("=") {
                    // The options that take a value and may come before a subcommand (GlobalOptions).
                    i += 1
                }
                i += 1
                continue
            }
            if word == "help" && position.path.isEmpty { break }
            guard let next = subcommands.first(where: { $0._commandName == word }) else {
                position.unknownWord = word
                return position
            }
            position.command = next
            position.path.append(word)
            i += 1
        }
        // `klaxon --read-onyl` is the console's option, the default subcommand.
        if position.path.isEmpty, let console = position.command.configuration.defaultSubcommand {
            position.command = console
        }
        return position
    }

    /// The long options that may come before a subcommand of `command`: its own, its default
    /// subcommand's (the console's `--read-only` for `klaxon --read-only`), and the options every command
    /// takes (`GlobalOptions`: `--workspace`, `--as`).
    static func knownBefore(_ command: ParsableCommand.Type) -> [String] {
        optionNames(of: command) + (command.configuration.defaultSubcommand.map(optionNames) ?? [])
            + ["--workspace", "--as"]
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
