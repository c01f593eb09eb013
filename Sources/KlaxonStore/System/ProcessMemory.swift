#if canImport(Glibc)
    import Glibc
#endif

/// The process's heap, as the system sees it.
public enum ProcessMemory {
    /// Gives the heap's free pages back to the system: glibc's `malloc_trim(0)`, which Swift's Glibc
    /// module does not declare. A console's start (reading the index and thousands of summaries,
    /// sorting them for the first frame) frees about 9 MB that glibc would otherwise keep for the
    /// console's whole life; it calls this once its first frame is on the screen.
    public static func releaseFree() {
        // RTLD_DEFAULT is a null handle in glibc.
        guard let symbol = dlsym(nil, "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)(0)
    }
}
