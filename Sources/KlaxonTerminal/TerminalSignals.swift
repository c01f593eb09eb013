#if canImport(Glibc)
    import Glibc
#endif

/// Gives the terminal back whatever ends the process: termination signals wake the console so it can
/// leave cleanly; crash signals restore the terminal, then let the crash proceed.
public enum TerminalSignals {
    nonisolated(unsafe) private static var wakeDescriptor: Int32 = -1
    nonisolated(unsafe) private static var requested: sig_atomic_t = 0

    /// Whether SIGTERM, SIGHUP, SIGINT or SIGQUIT arrived.
    public static var stopRequested: Bool { requested != 0 }

    /// Installs the handlers. `wake` is written to (one byte) when a termination signal arrives.
    public static func install(wake: Int32) {
        wakeDescriptor = wake
        // A parent may have started us with these blocked (a child inherits the mask): unblock them.
        var handled = sigset_t()
        sigemptyset(&handled)
        for number in [SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGWINCH, SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE] {
            sigaddset(&handled, number)
        }
        pthread_sigmask(SIG_UNBLOCK, &handled, nil)
        for number in [SIGTERM, SIGHUP, SIGINT, SIGQUIT] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { _ in
                TerminalSignals.requested = 1
                var byte: UInt8 = 1
                _ = write(TerminalSignals.wakeDescriptor, &byte, 1)
            }
            sigemptyset(&action.sa_mask)
            sigaction(number, &action, nil)
        }
        for number in [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { caught in
                // Not async-signal-safe in general, but the process is going down either way, and a
                // terminal left in raw mode is worse. Reset the modes the console set, then crash.
                let reset = "\u{1B}[?1049l\u{1B}[?2004l\u{1B}[?1006l\u{1B}[?1000l\u{1B}[?25h\u{1B}[0m\r\n"
                _ = reset.withCString { write(2, $0, strlen($0)) }
                var attributes = termios()
                if tcgetattr(0, &attributes) == 0 {
                    attributes.c_lflag |= tcflag_t(ICANON | ECHO | ISIG)
                    attributes.c_iflag |= tcflag_t(ICRNL | IXON)
                    attributes.c_oflag |= tcflag_t(OPOST)
                    tcsetattr(0, TCSANOW, &attributes)
                }
                signal(caught, SIG_DFL)
                raise(caught)
            }
            sigemptyset(&action.sa_mask)
            sigaction(number, &action, nil)
        }
    }
}
