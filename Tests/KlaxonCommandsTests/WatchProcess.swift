import Foundation
import KlaxonProcessTestSupport
import KlaxonTestSupport

/// `klaxon watch` on `ws` as a process of its own (`KLAXON_USER=ops`, `TZ=UTC`, `HOME` the workspace, and
/// `environment`), run in `namespace` when one is given. Its standard output goes to `output` and its
/// standard error to `errors` (each made empty first; the same path shares one file position; nil: none).
func startWatch(
    _ ws: TemporaryDirectory, output: String?, errors: String?, environment: [String: String] = [:],
    in namespace: NetworkNamespace? = nil
) throws -> Process {
    let argv = [BuiltProducts.path("klaxon"), "watch", "--workspace", ws.path]
    let (executable, arguments) = namespace?.command(argv) ?? (argv[0], Array(argv.dropFirst()))
    let watch = Process()
    watch.executableURL = URL(fileURLWithPath: executable)
    watch.arguments = arguments
    watch.environment = ["KLAXON_USER": "ops", "TZ": "UTC", "PATH": "/usr/bin:/bin", "HOME": ws.path]
        .merging(environment) { $1 }
    func handle(_ path: String?) -> FileHandle {
        guard let path else { return FileHandle.nullDevice }
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        return FileHandle(forWritingAtPath: path) ?? FileHandle.nullDevice
    }
    let out = handle(output)
    watch.standardOutput = out
    watch.standardError = errors == output && output != nil ? out : handle(errors)
    try watch.run()
    return watch
}
