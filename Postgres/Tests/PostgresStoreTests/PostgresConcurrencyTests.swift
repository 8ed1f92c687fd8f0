import Foundation
import JobLedger
import JobLedgerStoreContract
import Testing

@testable import JobLedgerPostgres

extension PostgresTests {
    /// The publication rule across processes: 16 `jobledger-pg check` processes, each with its own
    /// connection, check the same completed api job at once; 3 rounds, a new job each.
    @Test func sixteenProcessesPublishOncePerRound() throws {
        let url = try Database.freshURL()
        let ledger = Ledger(store: try PostgresStore(url: url))
        for round in 1...3 {
            let job = try JobID("pub-\(round)")
            for event in completedAPIJob() { try ledger.append(event, to: job) }
            let processes = try (0..<16).map { _ in try Executables.Running(Executables.cli, ["check", url, job.rawValue]) }
            let results = processes.map { $0.wait() }
            for result in results {
                #expect(result.status == 0, "\(result.stderr)")
                #expect(result.stdout.contains(#""inferenceStatus":"Pending""#))
            }
            let events = try ledger.events(of: job)
            #expect(events.filter { $0.event.type == .publicationStarted }.count == 1, "round \(round)")
            #expect(events.map(\.seq) == Array(1...completedAPIJob().count + 1))
        }
    }

    /// 4 processes × 250 durable appends to one job: seq 1…1001 (after created), none lost.
    @Test func fourProcessesAppendAThousandEvents() throws {
        let url = try Database.freshURL()
        let ledger = Ledger(store: try PostgresStore(url: url))
        let job = try JobID("shared")
        try ledger.append(.created(Creation(origin: .api, name: "shared")), to: job)
        let workers = try (0..<4).map { worker in
            try Executables.Running(Executables.bench, ["append-worker", url, job.rawValue, "250", String(worker)])
        }
        for result in workers.map({ $0.wait() }) { #expect(result.status == 0, "\(result.stdout)\(result.stderr)") }
        let events = try ledger.events(of: job)
        #expect(events.map(\.seq) == Array(1...1001))
        // Every worker's 250 events are there, each once, in the worker's order.
        for worker in 0..<4 {
            let mine = events.compactMap { event -> Int? in
                guard case .configured(let config) = event.event, config["worker"] == .int(worker), case .int(let i)? = config["i"] else {
                    return nil
                }
                return i
            }
            #expect(mine == Array(0..<250), "worker \(worker)")
        }
    }

    /// Two stores (two pools) on one database, racing updates from threads: the same seq never
    /// twice, the publication rule once.
    @Test func storesSharingADatabaseNeverShareASeq() throws {
        let url = try Database.freshURL()
        let stores = [try PostgresStore(url: url), try PostgresStore(url: url)]
        let job = try JobID("raced")
        let first = Ledger(store: stores[0])
        for event in completedAPIJob() { try first.append(event, to: job) }
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            do { _ = try Ledger(store: stores[i % 2]).checkProgress(job) } catch { failures.add(error) }
        }
        #expect(failures.all.isEmpty)
        #expect(try first.events(of: job).filter { $0.event.type == .publicationStarted }.count == 1)
    }
}

extension PostgresTests {
    /// Batches over the same two jobs, named in either order, from 8 threads at once: every batch
    /// commits whole (jobs are locked in id order, so no deadlock), and seq stays gapless.
    @Test func concurrentBatchesAcrossJobs() throws {
        let store = try Database.store()
        let ledger = Ledger(store: store)
        let (a, b) = (try JobID("batch-a"), try JobID("batch-b"))
        // One time for all: a batch's times are taken before its locks, and time never goes back.
        let created = PendingEvent(.created(Creation(origin: .api)), at: Logs.at(0))
        _ = try ledger.append(batch: [(a, [created]), (b, [created])])
        let failures = Failures()
        let group = DispatchGroup()
        for t in 0..<8 {
            group.enter()
            Thread {
                for i in 0..<10 {
                    let first = PendingEvent(.configured(config: ["t": .int(t), "i": .int(i)]), at: Logs.at(1))
                    let second = PendingEvent(.configured(config: ["t": .int(t), "i": .int(i), "second": true]), at: Logs.at(1))
                    let batch = t % 2 == 0 ? [(a, [first]), (b, [first, second])] : [(b, [first, second]), (a, [first])]
                    do { _ = try ledger.append(batch: batch) } catch { failures.add(error) }
                }
                group.leave()
            }.start()
        }
        group.wait()
        #expect(failures.all.isEmpty, "\(failures.all)")
        #expect(try ledger.events(of: a).map(\.seq) == Array(1...81))
        #expect(try ledger.events(of: b).map(\.seq) == Array(1...161))
    }

    /// A database written by another schema version is refused, not misread.
    @Test func anotherSchemaVersionIsRefused() throws {
        let url = try Database.freshURL()
        _ = try PostgresStore(url: url)
        _ = try Database.admin(url) { admin in try admin.queryOnce("UPDATE jobledger_schema SET version = 2", []) }
        let error = try #require(throws: JobLedgerError.self) { try PostgresStore(url: url) }
        #expect(error.code == .io)
        #expect(error.message.contains("jobledger_schema says version 2; this JobLedger reads version 1"))
    }
}

final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [Error] = []
    func add(_ error: Error) { lock.withLock { errors.append(error) } }
    var all: [Error] { lock.withLock { errors } }
}
