import Synchronization

/// A fixed set of the library's own threads for blocking work (`flock`, `fsync`, `read`), so that
/// async callers never block a thread of Swift's cooperative pool.
///
/// - Work runs first in, first out on at most ``threadCount`` threads; more waits in a queue.
/// - A task cancelled before its work starts gets `CancellationError` and the work never runs;
///   once started, work runs to completion (an append is never half done).
/// - ``shutdown()`` lets queued work finish, then stops the threads; work submitted after it
///   fails with `io_error` "executor is shut down".
public final class BlockingExecutor: Sendable {
    /// The executor ``AsyncLedger`` uses unless given another: 4 threads, or the number of
    /// processors if larger (blocking store calls mostly wait on the disk, not the processor).
    public static let shared = BlockingExecutor(threads: max(4, OSThread.processorCount))

    public let threadCount: Int

    private struct State {
        var queue: [Work] = []
        var head = 0
        var shutDown = false
    }

    /// One submitted piece of work: the closure that runs it or reports its cancellation.
    private final class Work: Sendable {
        /// 0 waiting, 1 started, 2 cancelled.
        let status = Atomic<Int>(0)
        let run: @Sendable () -> Void
        let cancel: @Sendable () -> Void
        init(run: @escaping @Sendable () -> Void, cancel: @escaping @Sendable () -> Void) {
            self.run = run
            self.cancel = cancel
        }
    }

    private let state = Mutex(State())
    private let condition = OSCondition()

    /// Starts `threads` threads (at least 1).
    public init(threads: Int) {
        threadCount = max(1, threads)
        for index in 0..<threadCount {
            OSThread.start(name: "jobledger-blk-\(index)", stackSize: 1 << 20) { [self] in self.loop() }
        }
    }

    /// The number of pieces of work running now.
    public var running: Int { active.load(ordering: .relaxed) }
    private let active = Atomic<Int>(0)

    /// The number of pieces of work queued and not yet started.
    public var queued: Int { state.withLock { $0.queue.count - $0.head } }

    /// Runs `body` on one of the executor's threads and returns its result.
    /// - Throws: `CancellationError` if the task is cancelled before `body` starts (it never
    ///   runs then); `body`'s error otherwise.
    public func run<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        try Task.checkCancellation()
        let holder = Mutex<Work?>(nil)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Result, any Error>) in
                let work = Work(
                    run: { continuation.resume(with: Swift.Result { try body() }) },
                    cancel: { continuation.resume(throwing: CancellationError()) })
                holder.withLock { $0 = work }
                if Task.isCancelled {
                    // Cancelled before the handler could see the work: it never runs.
                    if work.status.compareExchange(expected: 0, desired: 2, ordering: .acquiringAndReleasing).exchanged {
                        work.cancel()
                    }
                    return
                }
                if !submit(work) {
                    if work.status.compareExchange(expected: 0, desired: 2, ordering: .acquiringAndReleasing).exchanged {
                        continuation.resume(throwing: JobLedgerError(.io, "the blocking executor is shut down"))
                    }
                }
            }
        } onCancel: {
            // Cancelled while queued: answer now and never run it. Already started: let it finish.
            if let work = holder.withLock({ $0 }),
                work.status.compareExchange(expected: 0, desired: 2, ordering: .acquiringAndReleasing).exchanged
            {
                work.cancel()
            }
        }
    }

    /// Stops accepting work; the threads finish what is queued, then exit.
    public func shutdown() {
        state.withLock { $0.shutDown = true }
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    private func submit(_ work: Work) -> Bool {
        let accepted = state.withLock { state -> Bool in
            guard !state.shutDown else { return false }
            state.queue.append(work)
            return true
        }
        guard accepted else { return false }
        condition.lock()
        condition.signal()
        condition.unlock()
        return true
    }

    private enum Next {
        case work(Work)
        case wait
        case exit
    }

    private func next() -> Next {
        state.withLock { state -> Next in
            if state.head < state.queue.count {
                let work = state.queue[state.head]
                state.head += 1
                if state.head > 1024 && state.head * 2 > state.queue.count {
                    state.queue.removeFirst(state.head)
                    state.head = 0
                }
                return .work(work)
            }
            return state.shutDown ? .exit : .wait
        }
    }

    private func loop() {
        while true {
            switch next() {
            case .work(let work):
                if work.status.compareExchange(expected: 0, desired: 1, ordering: .acquiringAndReleasing).exchanged {
                    active.add(1, ordering: .relaxed)
                    work.run()
                    active.subtract(1, ordering: .relaxed)
                }
            case .exit:
                return
            case .wait:
                condition.lock()
                // Re-check under the condition's lock so a signal between `next()` and `wait()` is not lost.
                let idle = state.withLock { $0.head >= $0.queue.count && !$0.shutDown }
                if idle { condition.wait() }
                condition.unlock()
            }
        }
    }
}
