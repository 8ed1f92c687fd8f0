import Dispatch
import Foundation
import JobLedger
import Testing

/// What every ``EventStore`` must do (its "Implementation requirements"): each check takes a
/// function that makes a fresh, empty ledger on the store under test. Each package runs every
/// check against each of its stores (Tests/JobLedgerTests/Store/StoreContractTests.swift,
/// Postgres/Tests/PostgresStoreTests/StoreContractTests.swift).
public enum StoreContract {
    public typealias MakeLedger = () throws -> Ledger

    /// One requirement, by name.
    public struct Check: Sendable, CustomTestStringConvertible {
        public let name: String
        public let run: @Sendable (_ make: MakeLedger) throws -> Void
        public var testDescription: String { name }
    }

    public static let checks: [Check] = [
        Check(name: "appendAssignsSeqAndReadsBack", run: appendAssignsSeqAndReadsBack),
        Check(name: "unknownJobs", run: unknownJobs),
        Check(name: "expectedSeqGuardsAgainstLostUpdates", run: expectedSeqGuardsAgainstLostUpdates),
        Check(name: "aRejectedBatchAppendsNothing", run: aRejectedBatchAppendsNothing),
        Check(name: "aBatchOfManyJobsIsAllOrNothing", run: aBatchOfManyJobsIsAllOrNothing),
        Check(name: "asOfIsTimeTravel", run: asOfIsTimeTravel),
        Check(name: "threadsNeverShareASeq", run: threadsNeverShareASeq),
        Check(name: "manyJobsDoNotWaitForEachOther", run: manyJobsDoNotWaitForEachOther),
        Check(name: "listPaginates", run: listPaginates),
    ]

    static let job = try! JobID("j-1")

    static func appendAssignsSeqAndReadsBack(_ make: MakeLedger) throws {
        let ledger = try make()
        #expect(try ledger.jobs() == [])
        let events = Logs.reaching(.completed)
        for (i, event) in events.enumerated() {
            let recorded = try ledger.append(event, to: job, at: Logs.at(i))
            #expect(recorded.seq == i + 1)
        }
        #expect(try ledger.events(of: job) == Logs.recorded(events))
        #expect(try ledger.state(of: job) == Logs.state(events))
        #expect(try ledger.jobs() == [job])
    }

    static func unknownJobs(_ make: MakeLedger) throws {
        let ledger = try make()
        let other = try JobID("nobody")
        #expect(throws: JobLedgerError.self) { try ledger.events(of: other) }
        let error = try #require(throws: JobLedgerError.self) { try ledger.append(.queued, to: other) }
        #expect(error.code == .unknownJob)
        #expect(try ledger.jobs() == [])
    }

    static func expectedSeqGuardsAgainstLostUpdates(_ make: MakeLedger) throws {
        let ledger = try make()
        try ledger.append(Logs.created(), to: job, at: Logs.at(0), expectedSeq: 0)
        try ledger.append(.queued, to: job, at: Logs.at(1), expectedSeq: 1)
        let error = try #require(throws: JobLedgerError.self) {
            try ledger.append(.trainingStarted(resources: nil), to: job, at: Logs.at(2), expectedSeq: 1)
        }
        #expect(error.code == .versionConflict)
        #expect(error.message == "expected the last seq to be 1, it is 2")
        #expect(try ledger.events(of: job).count == 2)
    }

    static func aRejectedBatchAppendsNothing(_ make: MakeLedger) throws {
        let ledger = try Logs.ledger(Logs.reaching(.training), ledger: try make())
        let before = try ledger.events(of: job)
        let batch = [PendingEvent(.progressed(percent: 50, epoch: nil), at: Logs.at(10)), PendingEvent(.completed(model: "m"), at: Logs.at(11))]
        let error = try #require(throws: JobLedgerError.self) { try ledger.append(contentsOf: batch, to: job) }
        #expect(error.code == .illegalTransition)
        #expect(error.line == before.count + 2)
        #expect(try ledger.events(of: job) == before)
        let ok = try ledger.append(contentsOf: [PendingEvent(.progressed(percent: 50, epoch: nil), at: Logs.at(10)), PendingEvent(.trainingFinished, at: Logs.at(11))], to: job)
        #expect(ok.map(\.seq) == [before.count + 1, before.count + 2])
    }

    static func aBatchOfManyJobsIsAllOrNothing(_ make: MakeLedger) throws {
        let ledger = try Logs.ledger(Logs.reaching(.training), ledger: try make())
        let other = try JobID("j-2")
        let before = try ledger.events(of: job)
        // One bad event (a second created for j-1) rejects the whole batch: j-2 is not created.
        let bad: [(job: JobID, events: [PendingEvent])] = [
            (other, [PendingEvent(Logs.created(), at: Logs.at(0))]),
            (job, [PendingEvent(.progressed(percent: 60, epoch: nil), at: Logs.at(20)), PendingEvent(Logs.created(), at: Logs.at(21))]),
        ]
        let error = try #require(throws: JobLedgerError.self) { try ledger.append(batch: bad) }
        #expect(error.code == .illegalTransition)
        #expect(try ledger.events(of: job) == before)
        #expect(throws: JobLedgerError.self) { try ledger.events(of: other) }
        // A good batch appends every job's events, in order, with their seq.
        let good: [(job: JobID, events: [PendingEvent])] = [
            (other, [PendingEvent(Logs.created(), at: Logs.at(0)), PendingEvent(.queued, at: Logs.at(1))]),
            (job, [PendingEvent(.progressed(percent: 60, epoch: nil), at: Logs.at(20))]),
            (other, [PendingEvent(.trainingStarted(resources: nil), at: Logs.at(2))]),
        ]
        let recorded = try ledger.append(batch: good)
        #expect(recorded.map { "\($0.job):\($0.seq)" } == ["j-2:1", "j-2:2", "j-2:3", "j-1:\(before.count + 1)"])
        #expect(try ledger.state(of: other).phase == .trainingStarted)
        #expect(try ledger.state(of: job).percent == 60)
        // A batch whose job does not exist yet must start it with created.
        let unknown = try #require(throws: JobLedgerError.self) {
            try ledger.append(batch: [(try JobID("j-3"), [PendingEvent(.queued, at: Logs.at(0))])])
        }
        #expect(unknown.code == .unknownJob)
    }

    static func asOfIsTimeTravel(_ make: MakeLedger) throws {
        let events = Logs.reaching(.completed)
        let ledger = try Logs.ledger(events, ledger: try make())
        for k in 1...events.count {
            #expect(try ledger.state(of: job, asOf: k) == Logs.state(Array(events.prefix(k))))
        }
        #expect(try ledger.state(of: job, asOf: 99) == ledger.state(of: job))
        #expect(throws: JobLedgerError.self) { try ledger.state(of: job, asOf: 0) }
    }

    static func threadsNeverShareASeq(_ make: MakeLedger) throws {
        let ledger = try make()
        try ledger.append(Logs.created(), to: job)
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for i in 0..<25 { _ = try? ledger.append(.configured(config: ["t": .int(thread), "i": .int(i)]), to: job) }
        }
        let events = try ledger.events(of: job)
        #expect(events.map(\.seq) == Array(1...201))
        #expect(events.last?.at ?? Logs.t0 >= events.first!.at)
    }

    static func manyJobsDoNotWaitForEachOther(_ make: MakeLedger) throws {
        let ledger = try make()
        DispatchQueue.concurrentPerform(iterations: 8) { n in
            let job = try! JobID("job-\(n)")
            for (i, event) in Logs.reaching(.completed).enumerated() { try! ledger.append(event, to: job, at: Logs.at(i)) }
        }
        #expect(try ledger.jobs().count == 8)
        for job in try ledger.jobs() { #expect(try ledger.state(of: job).phase == .completed) }
    }

    static func listPaginates(_ make: MakeLedger) throws {
        let ledger = try make()
        for n in 0..<25 {
            try ledger.append(.created(Creation(origin: .api, name: "t\(n)")), to: try JobID(String(format: "job-%02d", n)), at: Timestamp(seconds: 1_000 + Int64(n / 2)))
        }
        var cursor = ""
        var seen: [String] = []
        while true {
            let page = try ledger.list(limit: 10, cursor: cursor).list
            if page.tasks.isEmpty { break }
            seen += page.tasks.map(\.taskID)
            cursor = page.pagination.nextCursor
        }
        // created_at descending, then job id ascending.
        #expect(seen == ["job-24", "job-22", "job-23", "job-20", "job-21", "job-18", "job-19", "job-16", "job-17", "job-14", "job-15", "job-12", "job-13", "job-10", "job-11", "job-08", "job-09", "job-06", "job-07", "job-04", "job-05", "job-02", "job-03", "job-00", "job-01"])
        #expect(try ledger.list(limit: 10, cursor: "c_20").list.pagination.nextCursor == "c_30")
        #expect(try ledger.list(limit: 10, cursor: "c_30").list == NovitaTaskList(tasks: [], nextCursor: ""))
        #expect(try ledger.list(limit: 100).list.tasks.count == 25)
        for limit in [0, 101, -1] {
            let error = try #require(throws: JobLedgerError.self) { try ledger.list(limit: limit) }
            #expect(error.code == .invalidPagination)
        }
        for cursor in ["c_", "c_x", "10", "c_-1", "C_1"] {
            let error = try #require(throws: JobLedgerError.self) { try ledger.list(cursor: cursor) }
            #expect(error.code == .invalidPagination)
        }
    }
}
