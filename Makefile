# The two commands a new user needs (see README.md): `make run` and `make test`.
# Each installs what is missing first (scripts/setup), then builds.

.PHONY: run console test build release setup bench format lint

# A drill on the sample workspace (this repository): a simulated platform breaks, the whole product responds.
run: setup
	swift build --product klaxon
	.build/debug/klaxon --workspace . drill registry-503 --speed 5

# The console on the sample workspace itself.
console: setup
	swift build --product klaxon
	.build/debug/klaxon --workspace .

# Every test: unit, in-process commands, real files, loopback HTTP, headless ncurses, multiple processes.
test: lint
	@scripts/setup --tests
	@# No warnings about our own code (scripts/no-warnings says which).
	scripts/no-warnings swift build --build-tests
	@# Nothing left behind: temporary directories, tmux sockets, servers (scripts/leftovers says what).
	scripts/leftovers swift test --skip-build

build: setup
	swift build

# The binary for a host that runs Klaxon for real (.build/release/klaxon), built as the benchmarks measure
# it: the Swift runtime and Foundation linked in (see bench).
release: setup
	swift build -c release --static-swift-stdlib --product klaxon

setup:
	@scripts/setup

# The performance figures of the README, measured on this machine (--tests: PostgreSQL's server, which
# the PostgreSQL store's figures start a throwaway cluster of). The release binary has the Swift runtime
# and Foundation linked in (--static-swift-stdlib): loading them as shared libraries, with their symbol
# tables and relocations, costs the console about 6 MB of resident memory (issue 20).
bench:
	@scripts/setup --tests
	swift build -c release --static-swift-stdlib --product klaxon
	swift build -c release --static-swift-stdlib --product klaxon-stress
	swift run -c release --static-swift-stdlib klaxon-bench --dir .build --runs 7

# The code's layout, as .swift-format says (4 spaces, 120 columns): `make format` rewrites it, and
# `make test` fails on any difference (swift-format comes with the Swift toolchain).
format:
	swift format format --in-place --recursive Sources Tests Package.swift

lint:
	@swift format lint --strict --recursive Sources Tests Package.swift || { echo "the code differs from .swift-format: run make format"; exit 1; }
