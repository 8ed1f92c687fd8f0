import Foundation
import JobLedger
import Synchronization
import Testing

/// Group commit on a durable directory store: appends from many threads at once share syncs, and
/// every append that returned is in the log exactly once, in `seq` order; a failed sync fails every
/// append of its group, and each takes its bytes back.
///
/// A failed sync is injected after the real one (``GroupCommit/failSyncs(_:)``): a real
/// `fsync`/`syncfs` failure needs a failing block device, which the test machines do not offer.
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

    /// The bytes of each job's log (`nil`: no log).
    func logBytes(_ jobs: [JobID], in store: DirectoryStore) -> [JobID: Data?] {
        Dictionary(uniqueKeysWithValues: jobs.map { ($0, FileManager.default.contents(atPath: store.path(of: $0))) })
    }

    static let diskFailure = JobLedgerError(.io, "injected: the disk reported a write-back error")

    /// One append whose sync fails: it is not acknowledged, its log is byte for byte as it was (a
    /// log it made is gone), and the next append, once the disk is well, takes the same `seq`.
    @Test func aFailedSyncTakesTheAppendBack() throws {
        let store = try DirectoryStore(directory: Logs.temporaryDirectory(), durability: .fsync)
        let ledger = Ledger(store: store)
        let commit = try #require(store.groupCommit)
        let (old, new) = (try JobID("old"), try JobID("new"))
        try ledger.append(Logs.created(), to: old, at: Logs.at(0))
        let before = logBytes([old, new], in: store)
        commit.failSyncs { _, _ in Self.diskFailure }
        for (job, event) in [(old, Event.queued), (new, Logs.created())] {
            do {
                try ledger.append(event, to: job, at: Logs.at(1))
                Issue.record("\(job): an append whose sync failed was acknowledged")
            } catch {
                #expect(error.code == .io && error.job == job.rawValue && error.message.contains("injected"), "\(error)")
            }
        }
        #expect(logBytes([old, new], in: store) == before, "a failed append leaves every log as it was")
        #expect(before[new] == .some(nil), "the new job's log, made by the failed append, is removed")
        commit.failSyncs(nil)
        #expect(try ledger.append(.queued, to: old, at: Logs.at(2)).seq == 2)
        #expect(try ledger.append(Logs.created(), to: new, at: Logs.at(2)).seq == 1)
        let reread = try DirectoryStore(directory: store.directory, mode: .readOnly)
        #expect(try reread.events(of: old).map(\.seq) == [1, 2])
        #expect(try reread.events(of: new).map(\.seq) == [1])
    }

    /// A group of three appends, to three jobs, waiting together behind a running sync: their one
    /// sync fails, so all three fail and are taken back, while the append whose sync ran first is
    /// acknowledged and kept.
    @Test func aFailedGroupSyncFailsEveryAppendOfTheGroup() throws {
        let store = try DirectoryStore(directory: Logs.temporaryDirectory(), durability: .fsync)
        let ledger = Ledger(store: store)
        let commit = try #require(store.groupCommit)
        let jobs = try ["lead", "b", "c", "d"].map { try JobID($0) }
        for job in jobs { try ledger.append(Logs.created(), to: job, at: Logs.at(0)) }
        let before = logBytes(jobs, in: store)

        // The first sync (the leader's) waits until the three others are queued behind it, then
        // succeeds; the second, theirs, fails.
        let leaderSyncing = DispatchSemaphore(value: 0)
        let groups = Mutex<[Int]>([])
        commit.failSyncs { _, members in
            let call = groups.withLock { $0.append(members); return $0.count }
            guard call == 1 else { return call == 2 ? Self.diskFailure : nil }
            leaderSyncing.signal()
            let deadline = Date().addingTimeInterval(30)
            while commit.waitingCount < 3 && Date() < deadline { usleep(1000) }
            return nil
        }
        let outcomes = Mutex<[JobID: Result<Int, JobLedgerError>]>([:])
        func append(_ job: JobID) -> Thread {
            Thread {
                let result = Result { () throws(JobLedgerError) -> Int in try ledger.append(.queued, to: job, at: Logs.at(1)).seq }
                outcomes.withLock { $0[job] = result }
            }
        }
        let leader = append(jobs[0])
        leader.start()
        leaderSyncing.wait()
        for job in jobs.dropFirst() { append(job).start() }
        let deadline = Date().addingTimeInterval(60)
        while outcomes.withLock({ $0.count }) < 4 && Date() < deadline { usleep(1000) }
        commit.failSyncs(nil)

        #expect(groups.withLock { $0 } == [1, 3], "one sync for the leader, one for the three behind it")
        let results = outcomes.withLock { $0 }
        #expect((try? results[jobs[0]]?.get()) == 2, "the leader's sync succeeded: acknowledged as seq 2")
        for job in jobs.dropFirst() {
            guard case .failure(let error)? = results[job] else {
                Issue.record("\(job): acknowledged although its group's sync failed")
                continue
            }
            #expect(error.code == .io && error.job == job.rawValue, "\(error)")
        }
        let after = logBytes(jobs, in: store)
        #expect(after[jobs[0]] != before[jobs[0]], "the acknowledged append is in its log")
        for job in jobs.dropFirst() { #expect(after[job] == before[job], "\(job): its failed append is taken back") }

        // The disk well again: each failed job goes on from where its log stands.
        for job in jobs.dropFirst() { #expect(try ledger.append(.queued, to: job, at: Logs.at(2)).seq == 2) }
        let reread = try DirectoryStore(directory: store.directory, mode: .readOnly)
        for job in jobs { #expect(try reread.events(of: job).map(\.seq) == [1, 2]) }
    }
}
