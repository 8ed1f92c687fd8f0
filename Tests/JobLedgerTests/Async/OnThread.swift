import Foundation

/// Runs blocking `body` (a child process, a wait) on a thread of its own and awaits its result,
/// so a test never blocks a thread of the cooperative pool on something that needs the pool to
/// make progress (with 2 processors the pool has 2 threads, and other suites block them too).
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.start()
    }
}

/// How long a test waits for what should take milliseconds before it calls it a failure: long,
/// because under a loaded CI machine other suites may hold the cooperative pool for a while.
let patience: Duration = .seconds(120)
