import Foundation
import KlaxonFuzzTargets

/// The target this process fuzzes, named by `KLAXON_FUZZ_TARGET` (scripts/fuzz sets it).
let target: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["KLAXON_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("klaxon-fuzz: set KLAXON_FUZZ_TARGET to one of \(names)\n".utf8))
        exit(2)
    }
    return target
}()

/// libFuzzer's entry point: one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func klaxonFuzzOneInput(_ data: UnsafeRawPointer?, _ size: Int) -> Int32 {
    target.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
