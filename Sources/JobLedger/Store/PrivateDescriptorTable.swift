#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A thread's own table of file descriptors (Linux), for a replay thread that opens, reads and
/// closes thousands of small logs.
///
/// The threads of a process share one descriptor table. Every `open` and `close` takes the
/// table's lock, which the other threads take too, and while the table is shared, every other
/// call given a descriptor (`flock`, `fstat`, `pread`) takes and drops a reference to its file.
/// Replaying a directory of per-job logs, that is five calls per log. A thread with a table of
/// its own takes no lock another thread takes and no reference, and the table it leaves is not
/// shared any more if only the calling thread is left using it.
///
/// Such a thread must only use descriptors it opened itself or was left (`keep`). A descriptor
/// the process opens later is not in its table, and a number it opens may already mean something
/// else to the rest of the process. So ``ReplayPool`` gives its threads their own table only when
/// no file is split between threads. A split file is opened by one thread for all of them.
package enum PrivateDescriptorTable {
    #if os(Linux)
    private typealias CloseRange = @convention(c) (UInt32, UInt32, Int32) -> Int32

    /// glibc's `close_range` (2.34 and later), found at run time: the Glibc module does not
    /// declare it.
    private static let closeRange: CloseRange? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "close_range") else { return nil }
        return unsafeBitCast(symbol, to: CloseRange.self)
    }()

    /// `CLOSE_RANGE_UNSHARE` (linux/close_range.h): the thread's table is copied first, if shared.
    private static let unshare: Int32 = 1 << 1
    #endif

    /// Gives the calling thread a descriptor table of its own, holding only `keep` and 0, 1 and 2.
    /// Returns `false`, and changes nothing, where the system cannot (not Linux, glibc before
    /// 2.34, Linux before 5.9).
    ///
    /// Nothing else is kept. Otherwise a copy of a descriptor would keep its file open after the
    /// rest of the process closed it, with any `flock` lock on it: a replay waiting for that lock
    /// would wait for itself. Descriptors above the highest kept are never copied. The few below
    /// it are copied and closed at once, and closing a copy releases none of the process's
    /// `fcntl` locks, since the kernel ties those to the table that took them.
    /// Only for a thread of the library's own, which ends when its work is done.
    @discardableResult
    package static func enter(keeping keep: [Int32]) -> Bool {
        #if os(Linux)
        guard let closeRange else { return false }
        let kept = Set(keep.filter { $0 > 2 } + [0, 1, 2]).sorted()
        guard closeRange(UInt32(kept[kept.count - 1]) + 1, UInt32.max, unshare) == 0 else { return false }
        // The table is this thread's alone now: closing in it closes nothing of anyone else's.
        for (low, high) in zip(kept, kept.dropFirst()) where high > low + 1 {
            _ = closeRange(UInt32(low + 1), UInt32(high - 1), 0)
        }
        return true
        #else
        return false
        #endif
    }
}
