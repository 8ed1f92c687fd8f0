import Foundation
import JobLedger
import Synchronization
import Testing

/// The async API never blocks the cooperative pool: blocking store work runs on the library's own
/// threads, and a cancelled call that has not started does nothing.
@Suite struct AsyncLedgerTests {
    /// Holds `job`'s lock (inside the store's `update`) on a thread of its own until released.
    final class HeldLock: Sendable {
        private let held = DispatchSemaphore(value: 0)
        private let release = DispatchSemaphore(value: 0)
        let released = Atomic<Bool>(false)

        init(_ ledger: Ledger, _ job: JobID) {
            let thread = Thread { [self] in
                _ = try? ledger.store.update(job) { _ throws(JobLedgerError) -> Decision<Void> in
                    self.held.signal()
                    // Released by the test, or after `patience` so a broken test cannot hang the run.
                    _ = self.release.wait(timeout: .now() + .seconds(Int(patience.components.seconds)))
                    self.released.store(true, ordering: .sequentiallyConsistent)
                    return Decision(append: [])
                }
            }
            thread.start()
            held.wait()
        }

        func unlock() { release.signal() }
    }

    /// Locks held on twice as many jobs as the cooperative pool has threads, appends waiting on
    /// each: were any of them blocking a pool thread, the pool would be exhausted and the other
    /// tasks could not finish until the locks are released.
    @Test(arguments: ["memory", "directory"])
    func appendsWaitingOnHeldLocksLeaveTheCooperativePoolFree(store: String) async throws {
        let ledger = store == "memory" ? Ledger.inMemory() : try Ledger(directory: Logs.temporaryDirectory(), durability: .none)
        let width = max(2, ProcessInfo.processInfo.activeProcessorCount)
        let busy = try (0..<2 * width).map { try JobID("busy-\($0)") }
        for job in busy { _ = try Logs.ledger(Logs.reaching(.training), job: job.rawValue, ledger: ledger) }
        let other = try JobID("other")
        try ledger.append(.created(Creation(origin: .api)), to: other)
        // One executor thread per locked job, and one more for everything else.
        let async = AsyncLedger(ledger, executor: BlockingExecutor(threads: busy.count + 1))
        let locks = busy.map { HeldLock(ledger, $0) }

        let waitingPerJob = 8
        let appends = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for job in busy {
                    for _ in 0..<waitingPerJob {
                        group.addTask { try await async.append(.progressed(percent: 10, epoch: 1), to: job) }
                    }
                }
                try await group.waitForAll()
            }
        }
        // As many other tasks again, each yielding many times: they all finish while the locks are held.
        let count = busy.count * waitingPerJob
        let others = await withTaskGroup(of: Int.self) { group in
            for index in 0..<count {
                group.addTask {
                    var sum = 0
                    for step in 0..<100 {
                        sum += index * step
                        await Task.yield()
                    }
                    return sum
                }
            }
            return await group.reduce(0, +)
        }
        #expect(others == (0..<count).reduce(0) { $0 + $1 * 4950 })
        // Another job's append goes through the executor while the busy jobs wait.
        #expect(try await async.append(.queued, to: other).seq == 2)
        let released = locks.contains { $0.released.load(ordering: .sequentiallyConsistent) }
        #expect(!released, "the other tasks ran while the locks were held")

        for lock in locks { lock.unlock() }
        try await appends.value
        for job in busy { #expect(try ledger.events(of: job).count == Logs.reaching(.training).count + waitingPerJob) }
    }

    @Test func aCallCancelledBeforeItStartsDoesNothing() async throws {
        let ledger = try Logs.ledger(Logs.reaching(.training), job: "busy")
        let busy = try JobID("busy")
        let elsewhere = try JobID("elsewhere")
        let async = AsyncLedger(ledger, executor: BlockingExecutor(threads: 1))
        let lock = HeldLock(ledger, busy)
        let first = Task { try await async.append(.progressed(percent: 20, epoch: nil), to: busy) }
        // The executor's only thread is blocked on the held lock; the next call queues behind it.
        while async.executor.running < 1 { try await Task.sleep(for: .milliseconds(5)) }
        let second = Task { try await async.append(.created(Creation(origin: .api)), to: elsewhere) }
        while async.executor.queued < 1 { try await Task.sleep(for: .milliseconds(5)) }
        second.cancel()
        await #expect(throws: CancellationError.self) { try await second.value }
        lock.unlock()
        #expect(try await first.value.seq == Logs.reaching(.training).count + 1)
        #expect(try ledger.store.events(of: elsewhere).isEmpty, "the cancelled append never ran")

        // A task cancelled before it calls does nothing either.
        let cancelled = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await async.append(.progressed(percent: 40, epoch: nil), to: busy)
        }
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        #expect(try ledger.events(of: busy).count == Logs.reaching(.training).count + 1)
    }

    @Test func theAsyncAPIAnswersAsTheLedgerDoes() async throws {
        let ledger = Ledger.inMemory()
        let async = AsyncLedger(ledger)
        let job = try JobID("m-1")
        await #expect(throws: JobLedgerError.self) { try await async.state(of: job) }
        try await async.append(.created(Creation(origin: .api, name: "m")), to: job)
        try await async.append(contentsOf: [PendingEvent(.trainingStarted(resources: nil)), PendingEvent(.trainingFinished)], to: job)
        try await async.append(.completed(model: "m.bin"), to: job)
        #expect(try await async.checkProgress(job).inferenceStatus == .pending)
        #expect(try await async.events(of: job).count == 5)
        #expect(try await async.jobs() == [job])
        #expect(try await async.list().list.tasks.count == 1)
        #expect(try await async.status(of: job, vocabularies: [.sestek]).json == ledger.status(of: job, vocabularies: [.sestek]).json)
        #expect(try await async.canInfer(job) == ledger.canInfer(job))
        do {
            try await async.append(.queued, to: job)
            Issue.record("an illegal transition was accepted")
        } catch let error as JobLedgerError {
            #expect(error.code == .illegalTransition)
        }
    }
}
