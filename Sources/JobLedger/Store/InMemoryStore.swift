import Synchronization

/// A store that keeps every job's events in memory: for tests, and for servers that persist
/// elsewhere. Thread-safe; each job has its own lock, so jobs never wait for each other.
public final class InMemoryStore: EventStore {
    private final class JobLog: Sendable {
        struct Contents {
            var events: [RecordedEvent] = []
            var state: JobState?
        }
        let contents = Mutex(Contents())
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
        return try log.contents.withLock { contents throws(JobLedgerError) -> Update<Result> in
            let decision = try decide(contents.state)
            if decision.events.isEmpty {
                return Update(appended: [], state: contents.state, result: decision.result)
            }
            let (state, recorded) = try JobState.appending(decision.events, to: contents.state, job: job)
            contents.events.append(contentsOf: recorded)
            contents.state = state
            return Update(appended: recorded, state: state, result: decision.result)
        }
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
