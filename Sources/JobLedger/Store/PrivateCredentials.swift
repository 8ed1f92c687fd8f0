#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A thread's own copy of the process's credentials (Linux), for a replay thread that opens and
/// closes thousands of small logs.
///
/// Every file opened holds a reference to the credentials of the thread that opened it: `open`
/// counts one up and the last `close` counts it down, on one counter in the kernel. The threads
/// of a process share one set of credentials, so two threads replaying per-job logs write that
/// one counter twice per log each, and its cache line moves between the cores at every open and
/// close (`perf`: the first instructions of the kernel's `init_file` and a late one of `__fput`,
/// 215 samples in 12,115 on 100,000 logs and two threads; 35 in 10,264 with each thread's own).
///
/// Linux keeps credentials per thread, and a thread that changes them gets a new copy, its own.
/// ``enter()`` has the calling thread set its "keep capabilities" flag to the value it already
/// has (`prctl(PR_SET_KEEPCAPS)`, which is per thread): the kernel then gives it a copy of its
/// credentials with nothing changed. Its user, groups, capabilities and security labels stay
/// what they were; they are only no longer the same object as the other threads'.
package enum PrivateCredentials {
    #if os(Linux)
    /// glibc's `prctl`, declared variadic (`int prctl(int, ...)`), which Swift does not import.
    /// It reads its four further arguments as `unsigned long`s, which x86-64 and AArch64 pass
    /// in the same registers whether a call is variadic or not.
    private typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
    private static let prctl: Prctl? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "prctl") else { return nil }
        return unsafeBitCast(symbol, to: Prctl.self)
    }()
    /// linux/prctl.h.
    private static let getKeepCaps: Int32 = 7
    private static let setKeepCaps: Int32 = 8
    #endif

    /// Gives the calling thread a copy of its credentials of its own. Returns `false`, and
    /// changes nothing, where it cannot (not Linux; the flag locked by `SECBIT_KEEP_CAPS_LOCKED`).
    /// Only for a thread of the library's own, which ends when its work is done.
    @discardableResult
    package static func enter() -> Bool {
        #if os(Linux) && (arch(x86_64) || arch(arm64))
        guard let prctl else { return false }
        let keep = prctl(getKeepCaps, 0, 0, 0, 0)
        guard keep == 0 || keep == 1 else { return false }
        return prctl(setKeepCaps, UInt(keep), 0, 0, 0) == 0
        #else
        return false
        #endif
    }
}
