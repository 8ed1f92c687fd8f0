import Synchronization

/// The ``Ledger`` API for async code: every call runs the blocking store work (`flock`, `write`,
/// `fsync`, reading a log) on a ``BlockingExecutor``'s own threads, never on a thread of Swift's
/// cooperative pool, so a server's event loop and tasks keep running while a job's lock is held
/// or the disk is slow.
///
/// ```swift
/// let ledger = AsyncLedger(try Ledger(directory: "/var/lib/jobs"))
/// let progress = try await ledger.checkProgress(try JobID("m-42"))
/// for try await event in ledger.subscribe(job: try JobID("m-42")) { print(event.jsonLine) }
/// ```
///
/// Each method throws what its ``Ledger`` counterpart throws (a ``JobLedgerError``), or
/// `CancellationError` when the calling task was cancelled before the work started: then nothing
/// was done. Work that started runs to completion, so an append is never half done.
///
/// Calls on one job take turns before they reach the executor (first come, first served): while
/// one waits on the job's lock, the others wait as suspended tasks, not as blocked threads, so
/// a busy job cannot occupy every executor thread and calls on other jobs go on.
public struct AsyncLedger: Sendable {
    public let ledger: Ledger
    public let executor: BlockingExecutor
    private let turns = JobTurns()

    public init(_ ledger: Ledger, executor: BlockingExecutor = .shared) {
        self.ledger = ledger
        self.executor = executor
    }

    /// Runs `body` with the ledger on the executor.
    public func run<Result: Sendable>(_ body: @escaping @Sendable (Ledger) throws -> Result) async throws -> Result {
        let ledger = ledger
        return try await executor.run { try body(ledger) }
    }

    /// Runs `body` with the ledger on the executor, after the calls on `job` that came first.
    public func run<Result: Sendable>(job: JobID, _ body: @escaping @Sendable (Ledger) throws -> Result) async throws -> Result {
        await turns.acquire(job)
        defer { turns.release(job) }
        return try await run(body)
    }

    // MARK: Appending

    /// ``Ledger/append(_:to:at:expectedSeq:)``.
    @discardableResult
    public func append(_ event: Event, to job: JobID, at: Timestamp? = nil, expectedSeq: Int? = nil) async throws
        -> RecordedEvent
    {
        try await run(job: job) { try $0.append(event, to: job, at: at, expectedSeq: expectedSeq) }
    }

    /// ``Ledger/append(contentsOf:to:expectedSeq:)``.
    @discardableResult
    public func append(contentsOf events: [PendingEvent], to job: JobID, expectedSeq: Int? = nil) async throws
        -> [RecordedEvent]
    {
        try await run(job: job) { try $0.append(contentsOf: events, to: job, expectedSeq: expectedSeq) }
    }

    /// ``Ledger/append(batch:)``.
    @discardableResult
    public func append(batch: [(job: JobID, events: [PendingEvent])]) async throws -> [RecordedEvent] {
        let batch = batch.map { BatchItem(job: $0.job, events: $0.events) }
        return try await run { ledger in try ledger.append(batch: batch.map { ($0.job, $0.events) }) }
    }

    private struct BatchItem: Sendable {
        var job: JobID
        var events: [PendingEvent]
    }

    // MARK: Reading

    /// ``Ledger/events(of:)``.
    public func events(of job: JobID) async throws -> [RecordedEvent] {
        try await run(job: job) { try $0.events(of: job) }
    }

    /// ``Ledger/state(of:asOf:)``.
    public func state(of job: JobID, asOf seq: Int? = nil) async throws -> JobState {
        try await run(job: job) { try $0.state(of: job, asOf: seq) }
    }

    /// ``Ledger/status(of:vocabularies:)``.
    public func status(of job: JobID, vocabularies: [Vocabulary] = Vocabulary.allCases) async throws -> ProjectionLine {
        try await run(job: job) { try $0.status(of: job, vocabularies: vocabularies) }
    }

    /// ``Ledger/jobs()``.
    public func jobs() async throws -> [JobID] {
        try await run { try $0.jobs() }
    }

    /// ``Ledger/list(limit:cursor:)``.
    public func list(limit: Int = NovitaTaskList.defaultLimit, cursor: String = "") async throws -> TaskListing {
        try await run { try $0.list(limit: limit, cursor: cursor) }
    }

    // MARK: The publication rule

    /// ``Ledger/checkProgress(_:at:)``: Sestek's progress check with the publication rule.
    public func checkProgress(_ job: JobID, at: Timestamp = .now()) async throws -> SestekProgress {
        try await run(job: job) { try $0.checkProgress(job, at: at) }
    }

    /// ``Ledger/canInfer(_:)``.
    public func canInfer(_ job: JobID) async throws -> InferenceReadiness {
        try await run(job: job) { try $0.canInfer(job) }
    }
}

/// First come, first served turns per job: a job's calls wait here as suspended tasks.
final class JobTurns: Sendable {
    /// A job is present while one of its calls runs; its array holds the calls waiting after it.
    private let waiting = Mutex<[JobID: [CheckedContinuation<Void, Never>]]>([:])

    func acquire(_ job: JobID) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = waiting.withLock { waiting -> Bool in
                if waiting[job] == nil {
                    waiting[job] = []
                    return true
                }
                waiting[job]!.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Passes the job's turn to the next call, if any.
    func release(_ job: JobID) {
        let next = waiting.withLock { waiting -> CheckedContinuation<Void, Never>? in
            guard var queue = waiting[job], !queue.isEmpty else {
                waiting[job] = nil
                return nil
            }
            let next = queue.removeFirst()
            waiting[job] = queue
            return next
        }
        next?.resume()
    }
}
