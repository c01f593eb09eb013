import Foundation
import KlaxonFuzzTargets
import Testing

/// Every input kept for the fuzzers — the seed corpora in Fuzz/corpus/TARGET/ and any crash a fuzzer
/// found, saved in Fuzz/crashes/TARGET/ — goes through its target on every test run: a crash once
/// found stays fixed, and a target that stopped checking its promises shows up here first.
struct FuzzCorpusTests {
    static let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz").path

    static func inputs(_ target: FuzzTarget) -> [String] {
        ["corpus", "crashes"].flatMap { kind -> [String] in
            let directory = fuzz + "/" + kind + "/" + target.rawValue
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            return names.sorted().map { directory + "/" + $0 }
        }
    }

    @Test(arguments: FuzzTarget.allCases)
    func everyKeptInputRunsClean(_ target: FuzzTarget) throws {
        let inputs = Self.inputs(target)
        #expect(inputs.count >= 3, "Fuzz/corpus/\(target.rawValue) needs seeds")
        for path in inputs {
            target.run(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
        }
    }
}
