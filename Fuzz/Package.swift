// swift-tools-version: 6.1
// The libFuzzer build of Klaxon's fuzz targets. Not built by `swift build` at the top: scripts/fuzz
// builds it with -sanitize=fuzzer,address (libFuzzer supplies `main`) and runs it.
import PackageDescription

let package = Package(
    name: "KlaxonFuzz",
    dependencies: [.package(name: "Klaxon", path: "..")],
    targets: [
        .executableTarget(name: "klaxon-fuzz", dependencies: ["CFuzzMain", .product(name: "KlaxonFuzzTargets", package: "Klaxon")]),
        .target(name: "CFuzzMain"),
    ],
    swiftLanguageModes: [.v6]
)
