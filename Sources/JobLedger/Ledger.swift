/// The embedding API: a thread-safe ledger of training jobs over an ``EventStore``.
///
/// ```swift
/// let ledger = try Ledger(directory: "/var/lib/jobs")      // or Ledger.inMemory()
/// let job = try JobID("m-42")
/// try ledger.append(.created(Creation(origin: .api, task: "classification")), to: job)
/// try ledger.append(.trainingStarted(resources: nil), to: job)
/// let answer = try ledger.checkProgress(job)                 // Sestek's progress response
/// ```
///
/// Every method may be called from any thread; each job has its own lock, so calls on different
/// jobs do not wait for each other. A rejected call changes nothing.
public final class Ledger: Sendable {
    public let store: any EventStore

    public init(store: any EventStore) {
        self.store = store
    }

    /// A ledger whose logs live in memory.
    public static func inMemory() -> Ledger { Ledger(store: InMemoryStore()) }

    /// A ledger over a ``DirectoryStore`` in `directory` (created if missing).
    public convenience init(directory: String, durability: DirectoryStore.Durability = .fsync) throws(JobLedgerError) {
        self.init(store: try DirectoryStore(directory: directory, durability: durability))
    }

    // MARK: Appending

    /// Appends one event to a job's log.
    /// - Parameters:
    ///   - at: when it happened; not before the job's last event. Without it, the time is taken
    ///     under the job's lock (now, or the job's last time if the clock is behind it), so
    ///     threads appending at once never trip over each other's times.
    ///   - expectedSeq: optimistic concurrency: the `seq` of the last event the caller saw (0 for
    ///     a new job); the append fails with `version_conflict` if the job has moved on.
    /// - Returns: the event as recorded, with its `seq`.
    /// - Throws: `unknown_job` for a non-`created` event on a job with no events,
    ///   `version_conflict`, `invalid_event`, `illegal_transition`, `io_error`.
    @discardableResult
    public func append(_ event: Event, to job: JobID, at: Timestamp? = nil, expectedSeq: Int? = nil)
        throws(JobLedgerError) -> RecordedEvent
    {
        try append(job: job, expectedSeq: expectedSeq) { state in
            [PendingEvent(event, at: at ?? .now(notBefore: state?.lastEventAt))]
        }[0]
    }

    /// Appends events to a job's log as one batch: all or none, one write (and one `fsync` on a
    /// durable store). All or none holds across a crash too: the batch's lines are framed as one
    /// append, and recovery drops an append a crash cut short whole (docs/log-format.md, "Batches").
    @discardableResult
    public func append(contentsOf events: [PendingEvent], to job: JobID, expectedSeq: Int? = nil)
        throws(JobLedgerError) -> [RecordedEvent]
    {
        guard !events.isEmpty else { return [] }
        return try append(job: job, expectedSeq: expectedSeq) { _ in events }
    }

    /// Appends the events `make` returns for the job's current state, under its lock.
    func append(job: JobID, expectedSeq: Int?, _ make: (JobState?) -> [PendingEvent]) throws(JobLedgerError)
        -> [RecordedEvent]
    {
        let update = try store.update(job) { state throws(JobLedgerError) in
            if let expectedSeq, expectedSeq != (state?.seq ?? 0) {
                throw JobLedgerError(
                    .versionConflict, "expected the last seq to be \(expectedSeq), it is \(state?.seq ?? 0)",
                    job: job.rawValue)
            }
            let events = make(state)
            if state == nil, events[0].event.type != .created {
                throw JobLedgerError(
                    .unknownJob, "unknown job: it has no events, so its first must be created, not \(events[0].event.type)",
                    job: job.rawValue)
            }
            return Decision(append: events)
        }
        return update.appended
    }

    /// Appends events of several jobs as one batch (e.g. what a server received in the last few
    /// milliseconds): all validated first, a rejected event rejects the batch; on a durable
    /// directory store one write per job and one sync for the whole batch.
    ///
    /// What a crash can leave: each job's part is framed as one append, so every job ends up with
    /// all of its part or none of it; across jobs the batch is **not** atomic — a crash before
    /// this returns can leave some jobs with their part and others without. Nothing is
    /// acknowledged before it returns: after a crash, read each job back to learn what stayed.
    /// - Throws: as ``append(_:to:at:expectedSeq:)``, for the first bad event; nothing is written.
    @discardableResult
    public func append(batch: [(job: JobID, events: [PendingEvent])]) throws(JobLedgerError) -> [RecordedEvent] {
        let groups = groupedByJob(batch)
        for (job, events) in groups where events[0].event.type != .created {
            if try store.state(of: job) == nil {
                throw JobLedgerError(
                    .unknownJob, "unknown job: it has no events, so its first must be created, not \(events[0].event.type)",
                    job: job.rawValue)
            }
        }
        // Grouped already, so the store's own grouping meets each job once.
        return try store.appendBatch(groups)
    }

    // MARK: Reading

    /// The job's events in order.
    /// - Throws: `unknown_job` if it has none; `corrupt_log` and the like for a damaged log.
    public func events(of job: JobID) throws(JobLedgerError) -> [RecordedEvent] {
        let events = try store.events(of: job)
        guard !events.isEmpty else { throw Self.unknown(job) }
        return events
    }

    /// The job's state now, or as of event `seq` (time travel: the state after the last event
    /// with a `seq` ≤ the one given).
    /// - Throws: `unknown_job`; `invalid_argument` for a `seq` below 1.
    public func state(of job: JobID, asOf seq: Int? = nil) throws(JobLedgerError) -> JobState {
        guard let seq else {
            guard let state = try store.state(of: job) else { throw Self.unknown(job) }
            return state
        }
        guard seq >= 1 else {
            throw JobLedgerError(.invalidArgument, "as-of seq \(seq) is below 1 (a job's first event is seq 1)", job: job.rawValue)
        }
        let events = try events(of: job)
        guard let state = try JobState.fold(events.prefix(seq)) else { throw Self.unknown(job) }
        return state
    }

    /// The job's projection into one vocabulary, as the CLI's `status` prints it.
    public func status(of job: JobID, vocabularies: [Vocabulary] = Vocabulary.allCases) throws(JobLedgerError)
        -> ProjectionLine
    {
        ProjectionLine(try state(of: job), vocabularies: vocabularies)
    }

    /// Every job with at least one event, in job id order.
    /// A job whose log is damaged is listed too: it exists, it just cannot be read.
    public func jobs() throws(JobLedgerError) -> [JobID] {
        try store.jobIDs().filter { job in
            do { return try store.state(of: job) != nil } catch { return true }
        }
    }

    /// A page of Novita's task list (SPEC 2): every job, `created_at` descending then job id.
    /// A job whose log cannot be read is listed as UNKNOWN and its error returned beside the page,
    /// so one damaged log never hides the others.
    /// - Throws: `invalid_pagination` for a limit outside 1…100 or a malformed cursor.
    public func list(limit: Int = NovitaTaskList.defaultLimit, cursor: String = "") throws(JobLedgerError) -> TaskListing {
        guard NovitaTaskList.limitRange.contains(limit) else {
            throw JobLedgerError(.invalidPagination, "limit \(limit) is outside 1…100")
        }
        _ = try NovitaTaskList.offset(of: cursor)
        var tasks: [NovitaTask] = []
        var unreadable: [JobLedgerError] = []
        for job in try store.jobIDs() {
            do {
                if let state = try store.state(of: job) { tasks.append(NovitaTask(state)) }
            } catch {
                tasks.append(.unknown(job: job.rawValue))
                unreadable.append(error.about(job: job.rawValue))
            }
        }
        return TaskListing(list: try NovitaTaskList(page: tasks, limit: limit, cursor: cursor), unreadable: unreadable)
    }

    // MARK: The publication rule

    /// Sestek's "Check Training & Inference Status" (seed 000), with the publication rule: for
    /// an `api` job that is completed with inference none, appends
    /// `publicationStarted(trigger: progressCheck)` before answering, so the answer shows Pending.
    /// However many checks run at once, exactly one appends.
    /// - Parameter at: when the check happened; an earlier time than the job's last event is
    ///   raised to it, so a lagging clock cannot make the check fail.
    public func checkProgress(_ job: JobID, at: Timestamp = .now()) throws(JobLedgerError) -> SestekProgress {
        let update = try store.update(job) { state throws(JobLedgerError) -> Decision<Void> in
            guard let state else { throw Self.unknown(job) }
            switch ProgressCheck.decide(state) {
            case .respond:
                return Decision(append: [])
            case .appendThenRespond(let event):
                return Decision(append: [PendingEvent(event, at: max(at, state.lastEventAt))])
            }
        }
        return SestekProgress(update.state!)
    }

    /// Whether inference may be requested: trainingStatus Completed and inferenceStatus Running.
    public func canInfer(_ job: JobID) throws(JobLedgerError) -> InferenceReadiness {
        InferenceReadiness(try state(of: job))
    }

    static func unknown(_ job: JobID) -> JobLedgerError {
        JobLedgerError(.unknownJob, "unknown job: no events", job: job.rawValue)
    }
}

/// A page of the Novita list with the jobs whose logs could not be read (shown as UNKNOWN).
public struct TaskListing: Sendable {
    public var list: NovitaTaskList
    public var unreadable: [JobLedgerError]
}
