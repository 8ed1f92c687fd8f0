import Synchronization

/// A store that keeps every job's events in memory: for tests, and for servers that persist
/// elsewhere. Thread-safe; each job has its own lock, so jobs never wait for each other.
public final class InMemoryStore: EventStore {
    private final class JobLog: GuardedJob {
        struct Contents {
            var events: [RecordedEvent] = []
            var state: JobState?
        }
        let contents = Mutex(Contents())

        func withValue<Result: Sendable>(_ body: (inout Contents) throws(JobLedgerError) -> Result) throws(JobLedgerError) -> Result {
            try contents.withLock { value throws(JobLedgerError) -> Result in try body(&value) }
        }
    }

    private let logs = Mutex<[JobID: JobLog]>([:])

    public init() {}

    private func log(_ job: JobID, create: Bool) -> JobLog? {
        logs.withLock { logs in
            if let log = logs[job] { return log }
            guard create else { return nil }
            let log = JobLog()
            logs[job] = log
            return log
        }
    }

    public func update<Result: Sendable>(
        _ job: JobID, _ decide: (JobState?) throws(JobLedgerError) -> Decision<Result>
    ) throws(JobLedgerError) -> Update<Result> {
        let log = log(job, create: true)!
        let update = try log.contents.withLock { contents throws(JobLedgerError) -> Update<Result> in
            let decision = try decide(contents.state)
            if decision.events.isEmpty {
                return Update(appended: [], state: contents.state, result: decision.result)
            }
            let (state, recorded) = try JobState.appending(decision.events, to: contents.state, job: job)
            contents.events.append(contentsOf: recorded)
            contents.state = state
            return Update(appended: recorded, state: state, result: decision.result)
        }
        if !update.appended.isEmpty { AppendSignals.notify(self, [job]) }  // wakes subscriptions
        return update
    }

    public func appendBatch(_ batch: [(job: JobID, events: [PendingEvent])]) throws(JobLedgerError) -> [RecordedEvent] {
        let groups = groupedByJob(batch)
        let sorted = lockOrder(groups)
        let logs = sorted.map { log(groups[$0].job, create: true)! }
        let recorded = try withEveryLock(logs) { contents throws(JobLedgerError) -> [[RecordedEvent]] in
            // Validate every job before changing any.
            var results: [(state: JobState?, recorded: [RecordedEvent])] = []
            for (position, index) in sorted.enumerated() {
                results.append(try JobState.appending(groups[index].events, to: contents[position].pointee.state, job: groups[index].job))
            }
            var recorded = [[RecordedEvent]](repeating: [], count: groups.count)
            for (position, index) in sorted.enumerated() {
                contents[position].pointee.events.append(contentsOf: results[position].recorded)
                contents[position].pointee.state = results[position].state
                recorded[index] = results[position].recorded
            }
            return recorded
        }
        AppendSignals.notify(self, groups.map(\.job))  // wakes subscriptions
        return recorded.flattened()
    }

    public func events(of job: JobID) throws(JobLedgerError) -> [RecordedEvent] {
        log(job, create: false)?.contents.withLock { $0.events } ?? []
    }

    public func state(of job: JobID) throws(JobLedgerError) -> JobState? {
        log(job, create: false)?.contents.withLock { $0.state }
    }

    public func jobIDs() throws(JobLedgerError) -> [JobID] {
        let all = logs.withLock { Array($0) }
        return all.filter { $0.value.contents.withLock { $0.state != nil } }.map(\.key).sorted()
    }
}
