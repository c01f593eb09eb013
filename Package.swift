// swift-tools-version: 6.1
import PackageDescription

// The dependency rule: KlaxonCore depends on nothing of ours; each adapter (KlaxonPostgres, KlaxonHTTP,
// KlaxonMarkdown, KlaxonTerminal) depends on the core and at most one C module; KlaxonStore holds the
// journal stores, the files' and PostgreSQL's (through KlaxonPostgres); KlaxonUI depends on the core only; KlaxonEngine runs the live workspace without a screen (followed journals, poller and
// recorder, escalations and page delivery) on the core, the store and KlaxonHTTP; KlaxonIntake is the alert
// intake's HTTP listener (Hummingbird, imported nowhere else) on the core and the store; KlaxonCommands are
// thin callers of it; the executables are a few lines each. See README.md, "Code layout".
// Linux only: the journals, locks and terminal adapters call Glibc, and only Linux is built and tested.
let package = Package(
    name: "Klaxon",
    products: [
        .executable(name: "klaxon", targets: ["klaxon"]),
        .executable(name: "klaxon-bench", targets: ["klaxon-bench"]),
        // For the libFuzzer build in Fuzz/ (scripts/fuzz).
        .library(name: "KlaxonFuzzTargets", targets: ["KlaxonFuzzTargets"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // Hummingbird's own dependencies, named for the intake's graceful stop, its silent logger, and
        // why it cannot bind (NIOCore's IOError).
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        // HTTPField: the action-link pages' security headers, by name.
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0")
    ],
    targets: [
        // Pure domain: no C of ours, no terminal, no sockets, no file handles.
        .target(name: "KlaxonCore", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),

        // System libraries, each with a small shim header.
        .systemLibrary(name: "CNcursesw", providers: [.apt(["libncurses-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CCmarkGFM", providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"])]),
        .systemLibrary(name: "CLibpq", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),

        // Thin adapters.
        .target(name: "KlaxonTerminal", dependencies: ["KlaxonCore", "KlaxonUI", "CNcursesw"]),
        .target(name: "KlaxonHTTP", dependencies: ["KlaxonCore", "CCurl"]),
        .target(name: "KlaxonMarkdown", dependencies: ["KlaxonCore", "CCmarkGFM"]),
        // libpq: connections, statements, notifications; it knows nothing of journals.
        .target(name: "KlaxonPostgres", dependencies: ["KlaxonCore", "CLibpq"]),
        // The journal stores (files, and PostgreSQL on KlaxonPostgres, so that the workspace picks either)
        // and the workspace's files.
        .target(
            name: "KlaxonStore",
            dependencies: ["KlaxonCore", "KlaxonPostgres", .product(name: "Yams", package: "Yams")]),
        // The console's Model / Update / View: pure, renders to a Frame; only KlaxonTerminal paints it.
        .target(name: "KlaxonUI", dependencies: ["KlaxonCore"]),

        // The live workspace without a screen: what the console and `klaxon watch` both run.
        .target(name: "KlaxonEngine", dependencies: ["KlaxonCore", "KlaxonStore", "KlaxonHTTP"]),
        // The alert intake: Hummingbird's HTTP listener, recording what it accepts on the store's journal `alerts`.
        .target(
            name: "KlaxonIntake",
            dependencies: [
                "KlaxonCore", "KlaxonStore", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types")
            ]),

        // Commands and the console's loop, thin callers of the engine.
        .target(
            name: "KlaxonCommands",
            dependencies: [
                "KlaxonCore", "KlaxonStore", "KlaxonUI", "KlaxonTerminal", "KlaxonHTTP", "KlaxonMarkdown",
                "KlaxonEngine", "KlaxonIntake",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // The simulated platform of `klaxon drill`.
                .product(name: "FlyingFox", package: "FlyingFox")
            ]),
        .executableTarget(name: "klaxon", dependencies: ["KlaxonCommands"]),
        // A journal writer for the crash and concurrency tests (appends through the same code as the CLI).
        .executableTarget(name: "klaxon-stress", dependencies: ["KlaxonCore", "KlaxonStore", "KlaxonPostgres"]),
        .executableTarget(
            name: "klaxon-bench",
            dependencies: [
                "KlaxonCore", "KlaxonStore", "KlaxonUI", "KlaxonTerminal", "KlaxonMarkdown", "KlaxonHTTP",
                "KlaxonEngine", "KlaxonCommands", "KlaxonTestSupport",
                "KlaxonProcessTestSupport", "KlaxonCommandsTestSupport"
            ]),
        // What the fuzzers attack (Fuzz/ builds them with libFuzzer; the tests replay their corpora).
        .target(name: "KlaxonFuzzTargets", dependencies: ["KlaxonCore", "KlaxonStore", "KlaxonMarkdown", "KlaxonUI"]),
        // Test doubles and helpers shared by the test targets (never copied between them), in three
        // targets so that each test target builds only what it tests: pure helpers (temporary
        // directories, a fixed clock, golden files, fixtures, an in-memory page transport) on the core
        // alone; real servers on loopback and processes (no C library of ours); and what needs the
        // commands (the in-process `klaxon` runner, the console under tmux).
        .target(name: "KlaxonTestSupport", dependencies: ["KlaxonCore"]),
        .target(name: "KlaxonProcessTestSupport", dependencies: ["KlaxonCore", "KlaxonTestSupport"]),
        .target(
            name: "KlaxonCommandsTestSupport",
            dependencies: [
                "KlaxonCore", "KlaxonTestSupport", "KlaxonProcessTestSupport", "KlaxonEngine", "KlaxonCommands"
            ]),

        .testTarget(
            name: "KlaxonCoreTests", dependencies: ["KlaxonCore", "KlaxonTestSupport"], exclude: ["__Snapshots__"]),
        // klaxon-stress: the store contract's writer and lock holder processes.
        .testTarget(
            name: "KlaxonStoreTests",
            dependencies: [
                "KlaxonStore", "KlaxonPostgres", "KlaxonCore", "KlaxonTestSupport", "KlaxonProcessTestSupport",
                "klaxon-stress"
            ]),
        .testTarget(
            name: "KlaxonCommandsTests",
            dependencies: [
                "KlaxonCommands", .product(name: "FlyingFox", package: "FlyingFox"), "KlaxonStore", "KlaxonCore",
                "KlaxonTestSupport", "KlaxonProcessTestSupport", "KlaxonCommandsTestSupport", "klaxon", "klaxon-stress"
            ]),
        .testTarget(
            name: "KlaxonEngineTests",
            dependencies: [
                "KlaxonEngine", "KlaxonStore", "KlaxonCore", "KlaxonTestSupport", "KlaxonProcessTestSupport",
                "KlaxonCommandsTestSupport"
            ]),
        .testTarget(
            name: "KlaxonHTTPTests",
            dependencies: [
                "KlaxonHTTP", "KlaxonCore", "KlaxonTestSupport", "KlaxonProcessTestSupport"
            ]),
        .testTarget(
            name: "KlaxonPostgresTests",
            dependencies: ["KlaxonPostgres", "KlaxonCore", "KlaxonTestSupport", "KlaxonProcessTestSupport"]),
        .testTarget(name: "KlaxonMarkdownTests", dependencies: ["KlaxonMarkdown", "KlaxonCore"]),
        .testTarget(name: "KlaxonFuzzTargetsTests", dependencies: ["KlaxonFuzzTargets"]),
        .testTarget(name: "KlaxonTerminalTests", dependencies: ["KlaxonTerminal", "KlaxonUI", "KlaxonTestSupport"]),
        .testTarget(
            name: "KlaxonUITests",
            dependencies: ["KlaxonUI", "KlaxonCore", "KlaxonMarkdown", "KlaxonStore", "KlaxonTestSupport"],
            exclude: ["__Snapshots__"])
    ],
    swiftLanguageModes: [.v6]
)
