import Foundation
import KlaxonCommands

// All of Klaxon lives in libraries; this only hands over the arguments and the process.
exit(runKlaxon(Array(CommandLine.arguments.dropFirst()), context: .process))
