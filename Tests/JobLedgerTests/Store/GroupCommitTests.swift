import Foundation
import JobLedger
import Synchronization
import Testing

/// Group commit on a durable directory store: appends from many threads at once share syncs, and
/// every append that returned is in the log exactly once, in `seq` order.
///
/// Not tested here: a failed group sync (every append of the group fails and is taken back). The
/// library has no seam to inject a sync error, and a real `fsync`/`syncfs` failure needs a failing
/// block device (device-mapper), which the test machines do not offer.
@Suite struct GroupCommitTests {
    /// Runs `body(thread)` on `count` threads started together; returns when all have finished.
    func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let finished = DispatchSemaphore(value: 0)
        let start = DispatchSemaphore(value: 0)
        for index in 0..<count {
            let thread = Thread {
                start.wait()
                body(index)
                finished.signal()
            }
            thread.start()
        }
        for _ in 0..<count { start.signal() }
        for _ in 0..<count { finished.wait() }
    }

    /// Checks a job's log, read by a fresh store from disk, against the events acknowledged to the
    /// writers: the same events, each once, `seq` 1…n.
    func expectLogged(_ acknowledged: [RecordedEvent], job: JobID, in directory: String) throws {
        let logged = try DirectoryStore(directory: directory, mode: .readOnly).events(of: job)
        #expect(logged.map(\.seq) == (0..<logged.count).map { $0 + 1 }, "\(job): seq without gaps")
        #expect(logged == acknowledged.sorted { $0.seq < $1.seq }, "\(job): every acknowledged event, once")
    }

    /// 24 threads each appending to their own job, and 8 more all appending to one job, one durable
    /// append per event.
    @Test func manyWritersOwnJobsAndOneJob() throws {
        let directory = Logs.temporaryDirectory()
        let ledger = try Ledger(directory: directory, durability: .fsync)
        let shared = try JobID("shared")
        let own = try (0..<24).map { try JobID("own-\($0)") }
        let acknowledged = Mutex<[JobID: [RecordedEvent]]>([:])
        @Sendable func record(_ event: RecordedEvent) { acknowledged.withLock { $0[event.job, default: []].append(event) } }
        record(try ledger.append(Logs.created(), to: shared))
        let failures = Mutex<[String]>([])
        onThreads(32) { index in
            let job = index < 24 ? own[index] : shared
            do {
                if index < 24 { record(try ledger.append(Logs.created(), to: job)) }
                for step in 0..<25 { record(try ledger.append(.configured(config: ["step": .int(step)]), to: job)) }
            } catch {
                failures.withLock { $0.append("\(job): \(error)") }
            }
        }
        #expect(failures.withLock { $0 } == [])
        let byJob = acknowledged.withLock { $0 }
        #expect(byJob[shared]?.count == 1 + 8 * 25)
        for job in own {
            #expect(byJob[job]?.count == 26)
            try expectLogged(byJob[job] ?? [], job: job, in: directory)
        }
        try expectLogged(byJob[shared] ?? [], job: shared, in: directory)
    }

    /// Batches across jobs share the group syncs with single appends to the same jobs: nothing is
    /// lost or repeated, and each job's events stay in order.
    @Test func batchesAndSingleAppendsTogether() throws {
        let directory = Logs.temporaryDirectory()
        let ledger = try Ledger(directory: directory, durability: .fsync)
        let jobs = try (0..<8).map { try JobID("job-\($0)") }
        let acknowledged = Mutex<[RecordedEvent]>([])
        for job in jobs { acknowledged.withLock { $0.append(try! ledger.append(Logs.created(), to: job, at: Logs.at(0))) } }
        let failures = Mutex<[String]>([])
        onThreads(12) { index in
            do {
                for round in 0..<10 {
                    if index < 4 {
                        // A batch of two events for each of four jobs, overlapping other batches.
                        let batch = (0..<4).map { offset in
                            (job: jobs[(index + offset) % 8], events: (0..<2).map { _ in
                                PendingEvent(.configured(config: ["batch": .int(index), "round": .int(round)]), at: Logs.at(0))
                            })
                        }
                        let recorded = try ledger.append(batch: batch)
                        acknowledged.withLock { $0.append(contentsOf: recorded) }
                    } else {
                        let recorded = try ledger.append(.configured(config: ["single": .int(index)]), to: jobs[index % 8], at: Logs.at(0))
                        acknowledged.withLock { $0.append(recorded) }
                    }
                }
            } catch {
                failures.withLock { $0.append("\(index): \(error)") }
            }
        }
        #expect(failures.withLock { $0 } == [])
        let all = acknowledged.withLock { $0 }
        #expect(all.count == 8 + 4 * 10 * 8 + 8 * 10)
        for job in jobs { try expectLogged(all.filter { $0.job == job }, job: job, in: directory) }
    }
}
