import Foundation
import KlaxonCore
import Yams

/// The workspace's `Runbooks/`: every `.md` file under it (regular files only: a symbolic link could
/// lead outside), with its YAML front matter read. Markdown parsing is passed in (it lives in the
/// cmark-gfm adapter), so this stays free of C.
public enum RunbookFiles {
    public static let directoryName = "Runbooks"

    public static func directory(workspaceRoot root: String) -> String { root + "/" + directoryName }

    /// The runbooks, sorted by name. One that cannot be read (too large, not UTF-8) is there with an
    /// empty document and says why (`Runbook.notRead`), and the others are read as ever.
    public static func load(workspaceRoot root: String, parse: (String) -> MarkdownNode) -> [Runbook] {
        let base = directory(workspaceRoot: root)
        return markdownFiles(under: base).compactMap { relative in
            let path = base + "/" + relative
            let name = String(relative.dropLast(3))
            func notRead(_ reason: String, frontMatter: Bool) -> Runbook {
                var runbook = Runbook(
                    name: name, path: path, document: MarkdownNode(.document),
                    problems: [ConfigFinding(.error, path, reason)])
                runbook.notRead = reason
                runbook.hasFrontMatter = frontMatter
                return runbook
            }
            switch read(path) {
            case .text(let text): return runbook(name: name, path: path, text: text, parse: parse)
            case .tooLarge(let size):
                return notRead(
                    "is \(size) bytes, more than the \(InputLimits.runbookBytes) bytes (1 MiB) a runbook may hold, "
                        + "so it is not read; split it into smaller runbooks", frontMatter: false)
            case .unreadable: return notRead("cannot be read as UTF-8 text", frontMatter: true)
            }
        }
    }

    enum Contents { case text(String), tooLarge(Int), unreadable }

    /// A runbook file's text, read only when it is at most `InputLimits.runbookBytes` (a symbolic link
    /// put there meanwhile is not followed).
    static func read(_ path: String) -> Contents {
        let fd = SystemCall.retrying { open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) }
        guard fd >= 0 else { return .unreadable }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return .unreadable }
        let size = Int(info.st_size)
        guard size <= InputLimits.runbookBytes else { return .tooLarge(size) }
        // One byte more than the size said: a file that grew past the limit meanwhile is still caught.
        guard let bytes = try? SystemCall.read(fd, offset: 0, count: size + 1, path: path) else { return .unreadable }
        guard bytes.count <= InputLimits.runbookBytes else { return .tooLarge(bytes.count) }
        return String(validating: bytes, as: UTF8.self).map(Contents.text) ?? .unreadable
    }

    /// One runbook from its text.
    public static func runbook(name: String, path: String, text: String, parse: (String) -> MarkdownNode) -> Runbook {
        let (front, body, _) = Runbook.splitFrontMatter(text)
        var runbook = Runbook(name: name, path: path, document: parse(body))
        if let front {
            (runbook.metadata, runbook.problems) = metadata(front, path: path)
        } else {
            runbook.hasFrontMatter = false
            runbook.problems.append(
                ConfigFinding(
                    .error, path,
                    "no front matter; start the file with ---, then title, services, checks, owner and last_reviewed, then ---"
                ))
        }
        return runbook
    }

    /// Reads the front matter (which starts on line 2 of the file).
    static func metadata(_ text: String, path: String) -> (RunbookMetadata, [ConfigFinding]) {
        var metadata = RunbookMetadata()
        var problems: [ConfigFinding] = []
        // Line numbers of the front matter shifted by the opening `---`.
        let file: YAMLFile
        do {
            file = try YAMLFile.parse("\n" + text, path: path)
        } catch {
            return (metadata, [YAMLFile.finding(error, path: path)])
        }
        do throws(KlaxonError) {
            for (key, keyNode, value) in try file.mapping(file.root, what: "the front matter") {
                do throws(KlaxonError) {
                    switch key {
                    case "title": metadata.title = try file.string(value, what: "title")
                    case "owner": metadata.owner = try file.string(value, what: "owner")
                    case "services": metadata.services = try list(value, file, what: "services")
                    case "checks": metadata.checks = try list(value, file, what: "checks")
                    case "last_reviewed":
                        let text = try file.string(value, what: "last_reviewed")
                        let parts = text.split(separator: "-").map { Int($0) }
                        guard parts.count == 3, let y = parts[0], let m = parts[1], let d = parts[2],
                            CivilDateTime(year: y, month: m, day: d).isValid
                        else {
                            throw file.error(value, "last_reviewed is \"\(text)\"; expected a date such as 2026-11-02")
                        }
                        metadata.lastReviewed = CivilDateTime(year: y, month: m, day: d)
                    default:
                        problems.append(
                            ConfigFinding(
                                .warning, file.place(keyNode),
                                "unknown front matter key \"\(key)\" (known: title, services, checks, owner, last_reviewed)"
                            ))
                    }
                } catch { problems.append(file.finding(error)) }
            }
        } catch { problems.append(file.finding(error)) }
        return (metadata, problems)
    }

    /// `[a, b]` or a single value.
    static func list(_ node: Node, _ file: YAMLFile, what: String) throws(KlaxonError) -> [String] {
        if node.scalar != nil { return [try file.string(node, what: what)] }
        return try file.strings(node, what: what)
    }

    /// Paths of `.md` files under `base`, relative to it, sorted; hidden entries and symbolic links skipped.
    static func markdownFiles(under base: String, relative: String = "") -> [String] {
        let directory = relative.isEmpty ? base : base + "/" + relative
        guard let names = try? SystemCall.listDirectory(directory) else { return [] }
        var result: [String] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let path = directory + "/" + name
            let child = relative.isEmpty ? name : relative + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR: result += markdownFiles(under: base, relative: child)
            case S_IFREG where name.hasSuffix(".md"): result.append(child)
            default: break
            }
        }
        return result
    }

    /// Sizes and modification times of the runbooks: equal signatures, same files.
    public static func signature(workspaceRoot root: String) -> [Int] {
        let base = directory(workspaceRoot: root)
        return fileSignature([base] + markdownFiles(under: base).map { base + "/" + $0 })
    }

    /// The checks that name a runbook, with their places (for lint and `o`): those of `klaxon.yaml`, and
    /// those of the drills' simulated platform (`Drills/platform.yaml`), which a drill polls.
    public static func checkReferences(workspaceRoot root: String) -> [RunbookLint.CheckReference] {
        let files = [
            root + "/" + Workspace.configFileName,
            DrillFiles.directory(workspaceRoot: root) + "/" + DrillFiles.platformFileName
        ]
        return files.flatMap { path -> [RunbookLint.CheckReference] in
            guard FileManager.default.fileExists(atPath: path), let file = try? YAMLFile.load(path: path),
                case .mapping(let top) = file.root, let checks = top["checks"], case .sequence(let items) = checks
            else { return [] }
            return items.compactMap { item in
                guard case .mapping(let fields) = item, let name = fields["name"]?.string,
                    let runbookNode = fields["runbook"],
                    let runbook = runbookNode.string
                else { return nil }
                return RunbookLint.CheckReference(check: name, runbook: runbook, place: file.place(runbookNode))
            }
        }
    }
}
