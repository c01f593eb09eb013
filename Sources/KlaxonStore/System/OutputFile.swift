import KlaxonCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file a person names for output (`klaxon review export -o FILE`). A regular file, or a new one,
/// is written whole or not at all (AtomicFile). A FIFO or a character device (a pipe someone reads,
/// `/dev/null`, a terminal) is written into as a stream and stays what it is. Anything else, a
/// symbolic link above all, is refused: never followed, never replaced.
public enum OutputFile {
    /// With `json`, text for a terminal (`-o /dev/tty`) keeps its value: control characters escaped
    /// rather than shown as `�`.
    public static func write(_ text: String, to path: String, json: Bool = false) throws(KlaxonError) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            guard errno == ENOENT else { throw SystemCall.error("looking at", path, errno) }
            return try AtomicFile.write(text, to: path)
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: try AtomicFile.write(text, to: path)
        case S_IFIFO, S_IFCHR: try stream(text, into: path, json: json)
        default: throw refusal(path, mode: info.st_mode)
        }
    }

    /// Why `path`, which is not a regular file, is not written (nor replaced).
    static func refusal(_ path: String, mode: mode_t) -> KlaxonError {
        switch mode & S_IFMT {
        case S_IFLNK:
            return .badInput(
                "\(path) is a symbolic link; Klaxon neither follows nor replaces one: give the path of the file it points to, or a new name"
            )
        case S_IFDIR:
            return .badInput("\(path) is a directory; give the path of a file in it")
        default:
            let kinds: [mode_t: String] = [
                S_IFIFO: "a FIFO", S_IFCHR: "a character device", S_IFBLK: "a block device", S_IFSOCK: "a socket"
            ]
            let kind = kinds[mode & S_IFMT] ?? "not a regular file"
            return .badInput(
                "\(path) is \(kind), not a regular file; Klaxon neither writes into it nor replaces it: move it away or give another path"
            )
        }
    }

    /// Writes into a FIFO or a character device without replacing it.
    static func stream(_ text: String, into path: String, json: Bool) throws(KlaxonError) {
        // Non-blocking, so that a FIFO nobody reads is an error rather than a wait without end.
        let fd = SystemCall.retrying { open(path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC) }
        guard fd >= 0 else {
            if errno == ENXIO {
                throw .failed("nobody is reading the FIFO \(path); start its reader first, then run this again")
            }
            throw SystemCall.error("opening", path, errno)
        }
        defer { close(fd) }
        // What was opened is what was looked at: a regular file swapped in meanwhile would be overwritten in place.
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SystemCall.error("fstat of", path, errno) }
        guard [S_IFIFO, S_IFCHR].contains(info.st_mode & S_IFMT) else { throw refusal(path, mode: info.st_mode) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        let output =
            isatty(fd) == 1
            ? (json ? TerminalText.json(text) : TerminalText.printable(text, keepingLineBreaks: true)) : text
        // A reader that goes away is an error to report, not a signal that ends the process.
        let previous = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, previous) }
        var failure: Int32 = 0
        Array(output.utf8).withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    failure = n < 0 ? errno : EIO
                    return
                }
                done += n
            }
        }
        if failure == EPIPE { throw .failed("the reader of \(path) closed it before the whole output was written") }
        // A device's refusal is the device's: advice about disks would mislead.
        if failure != 0 {
            throw .failed(
                "writing to \(path) failed (\(SystemCall.describe(failure))); it is a \(info.st_mode & S_IFMT == S_IFIFO ? "FIFO" : "device") and did not take the output: give a file's path instead"
            )
        }
    }
}
