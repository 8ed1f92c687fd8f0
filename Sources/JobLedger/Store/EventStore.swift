/// Where a ledger keeps its logs: one append-only event log per job.
///
/// ## Implementation requirements
/// - ``update(_:_:)`` is atomic per job across threads (and, for stores on disk, processes): it
///   brings the job's state up to date, runs `decide` on it, validates the events `decide` returns
///   by folding them (``JobState/apply(_:)``), and appends them all or none. A rejected event
///   writes nothing; an event is acknowledged only when `update` returns.
/// - `seq` is assigned by the store: the next after the job's last, never reused.
/// - Reads see every acknowledged event.
/// - Every store passes the store contract (Tests/StoreContract, product `JobLedgerStoreContract`;
///   run for these stores by Tests/JobLedgerTests/Store/StoreContractTests.swift, for the
///   PostgreSQL store by Postgres/Tests).
public protocol EventStore: Sendable {
    /// Runs `decide` on the job's current state (`nil` for a job with no events) under the job's
    /// lock and appends the events it returns, in order, as one write.
    ///
    /// `decide` may run more than once (when another process appended meanwhile), so it must be a
    /// pure function of the state.
    /// - Returns: the appended events, the state after them, and `decide`'s result.
    /// - Throws: `decide`'s error, the fold's error for an event it returned, or `io_error`;
    ///   nothing is written then.
    func update<Result: Sendable>(
        _ job: JobID, _ decide: (JobState?) throws(JobLedgerError) -> Decision<Result>
    ) throws(JobLedgerError) -> Update<Result>

    /// The job's events in order; empty for a job with no events.
    func events(of job: JobID) throws(JobLedgerError) -> [RecordedEvent]

    /// The job's current state; `nil` for a job with no events.
    func state(of job: JobID) throws(JobLedgerError) -> JobState?

    /// Every job that may have events, in job id order.
    func jobIDs() throws(JobLedgerError) -> [JobID]

    /// Appends events of several jobs as one batch: every event of every job is validated before
    /// anything is written, so a rejected event rejects the whole batch; a durable store then
    /// makes the batch durable with one sync. Jobs are locked in job id order, so concurrent
    /// batches cannot deadlock.
    /// - Returns: the appended events, job by job in the order jobs first appear in `batch`.
    func appendBatch(_ batch: [(job: JobID, events: [PendingEvent])]) throws(JobLedgerError) -> [RecordedEvent]
}

/// A store's per-job record: one value behind its own lock.
protocol GuardedJob: AnyObject, Sendable {
    associatedtype Value
    func withValue<Result: Sendable>(_ body: (inout Value) throws(JobLedgerError) -> Result) throws(JobLedgerError) -> Result
}

/// Holds the locks of `jobs` — in the order given, so callers sort them to avoid deadlock — and
/// runs `body` with a pointer to each guarded value, valid while `body` runs.
func withEveryLock<Job: GuardedJob, Result: Sendable>(
    _ jobs: [Job], _ body: ([UnsafeMutablePointer<Job.Value>]) throws(JobLedgerError) -> Result
) throws(JobLedgerError) -> Result {
    var held: [UnsafeMutablePointer<Job.Value>] = []
    func lock(_ index: Int) throws(JobLedgerError) -> Result {
        if index == jobs.count { return try body(held) }
        return try jobs[index].withValue { value throws(JobLedgerError) -> Result in
            try withUnsafeMutablePointer(to: &value) { pointer throws(JobLedgerError) -> Result in
                held.append(pointer)
                return try lock(index + 1)
            }
        }
    }
    return try lock(0)
}

/// A batch grouped by job: one entry per job, in order of first appearance, with all its events
/// in order; entries without events are left out (they append nothing).
func groupedByJob(_ batch: [(job: JobID, events: [PendingEvent])]) -> [(job: JobID, events: [PendingEvent])] {
    /// A job's entries, chained through `next`, and how many events they hold.
    struct Group {
        let job: JobID
        let first: Int
        var last: Int
        var events = 0
    }
    // Two passes over the entries, read where they lie (an entry copied out of the batch is a
    // retain and a release of its events): the first chains each job's entries and counts their
    // events, the second makes each job's array at its final size. (Appending a batch's one-event
    // entries to a job's array grew it by doubling, and freed as many arrays as it outgrew.)
    return batch.withUnsafeBufferPointer { entries in
        var groups: [Group] = []
        var next = [Int](repeating: -1, count: entries.count)  // the next entry of the same job
        // Found in a ``JobTable`` by id (a few multiplications and a compare of two words for a
        // UUID), not by hashing and comparing `String`s; an id's index is its group's.
        // Room for every entry's job at half full, so the table never grows during the batch.
        var buckets = 64
        while buckets < 2 * entries.count { buckets <<= 1 }
        var table = JobTable(buckets: buckets)
        var current = -1  // the group of the last entry with events
        for index in entries.indices where !entries[index].events.isEmpty {
            // A job's entries mostly come together: the next is the last one's job, found without a lookup.
            if current < 0 || entries[index].job != groups[current].job {
                let job = entries[index].job
                let hash = JobTable.hash(job)  // the table is searched by id only
                if let known = table.find(job, hash: hash) {
                    current = known
                } else {
                    current = table.insert(job, hash: hash)
                    groups.append(Group(job: job, first: index, last: index))
                }
            }
            if groups[current].last != index {
                next[groups[current].last] = index
                groups[current].last = index
            }
            groups[current].events += entries[index].events.count
        }
        return groups.map { group in
            // A job of one entry takes its array as it is (shared, not copied).
            if group.first == group.last { return (group.job, entries[group.first].events) }
            let events = [PendingEvent](unsafeUninitializedCapacity: group.events) { buffer, count in
                var entry = group.first
                while entry >= 0 {
                    entries[entry].events.withUnsafeBufferPointer { source in
                        for event in source {
                            (buffer.baseAddress.unsafelyUnwrapped + count).initialize(to: event)
                            count += 1
                        }
                    }
                    entry = next[entry]
                }
            }
            return (group.job, events)
        }
    }
}

extension Array where Element == [RecordedEvent] {
    /// The events of every group in order, in one array sized once (`flatMap` grows its array by
    /// doubling, copying every event so far each time: a batch of 16,384 events copied 32,000).
    func flattened() -> [RecordedEvent] {
        var all: [RecordedEvent] = []
        all.reserveCapacity(reduce(0) { $0 + $1.count })
        for events in self { all.append(contentsOf: events) }
        return all
    }
}

/// The positions of `groups` in job id order: the order in which a batch takes the jobs' locks.
func lockOrder(_ groups: [(job: JobID, events: [PendingEvent])]) -> [Int] {
    groups.indices.sorted { groups[$0].job < groups[$1].job }
}


/// What a store's `update` should append, and what to give back.
public struct Decision<Result: Sendable>: Sendable {
    public var events: [PendingEvent]
    public var result: Result

    public init(append events: [PendingEvent] = [], result: Result) {
        self.events = events
        self.result = result
    }
}

extension Decision where Result == Void {
    public init(append events: [PendingEvent]) { self.init(append: events, result: ()) }
}

/// What a store's `update` did.
public struct Update<Result: Sendable>: Sendable {
    /// The events appended, with their `seq`.
    public var appended: [RecordedEvent]
    /// The job's state after them (`nil` if the job still has no events).
    public var state: JobState?
    public var result: Result

    /// For stores outside this module (the PostgreSQL package's).
    public init(appended: [RecordedEvent], state: JobState?, result: Result) {
        self.appended = appended
        self.state = state
        self.result = result
    }
}

extension JobState {
    /// Folds pending events onto a job's state, assigning `seq`: the validation every store runs
    /// before it writes anything. Besides the transition table it enforces what the log's reader
    /// requires (``LogLimits``, ``Timestamp/logRange``), so nothing is acknowledged that could
    /// not be read back.
    /// - Throws: the first bad event's error, with the line it would have had (its `seq`);
    ///   nothing is folded then.
    public static func appending(_ pending: [PendingEvent], to state: JobState?, job: JobID) throws(JobLedgerError)
        -> (state: JobState?, recorded: [RecordedEvent])
    {
        let (state, recorded, _) = try appendingLines(pending, to: state, job: job)
        return (state, recorded)
    }

    /// ``appending(_:to:job:)`` that also returns the log lines to write, framed as one append
    /// (see ``RecordedEvent/appendLogLines(_:to:)``).
    static func appendingLines(_ pending: [PendingEvent], to state: JobState?, job: JobID) throws(JobLedgerError)
        -> (state: JobState?, recorded: [RecordedEvent], bytes: [UInt8])
    {
        var recorded: [RecordedEvent] = []
        recorded.reserveCapacity(pending.count)
        guard !pending.isEmpty else { return (state, recorded, []) }
        // One writer for all the lines, and what they share (the job's text, the minute of
        // their times, mostly) worked out once.
        var writer = JSONWriter(capacity: pending.count * 128)
        var shared = LogLineCache(job: job)
        /// Checks, numbers and writes the event at `index`, folded by `fold`.
        func take(_ index: Int, seq: Int, _ fold: (RecordedEvent) throws(JobLedgerError) -> Void) throws(JobLedgerError) {
            // The pending event's fields are copied once, into the recorded one, and checked there
            // (a copy of the whole pending event to check it went through its value witnesses).
            let next = RecordedEvent(seq: seq, at: pending[index].at, job: job, event: pending[index].event)
            do throws(JobLedgerError) {
                try next.checkLogRules()
                try fold(next)
                let start = writer.count
                next.writeLogLine(to: &writer, continued: index < pending.count - 1, cache: &shared)
                let length = writer.count - start - 1
                guard length <= LogLimits.maximumLineLength else {
                    throw JobLedgerError(
                        .invalidEvent,
                        "\(next.event.type): its line would be \(length) bytes; a log line holds at most \(LogLimits.maximumLineLength)")
                }
            } catch {
                // In a per-job log, an event's line number is its seq.
                throw error.about(job: job.rawValue).at(file: nil, line: next.seq)
            }
            recorded.append(next)
        }
        // The state is folded as a plain value, not through the optional: a state is a few
        // hundred bytes, and an optional's copy goes through the runtime's generic witnesses.
        var current: JobState
        var first = 0
        if let state {
            current = state
        } else {
            var made: JobState?
            try take(0, seq: 1) { next throws(JobLedgerError) in made = try JobState(next) }
            current = made.take()!
            first = 1
        }
        var seq = current.seq
        for index in first..<pending.count {
            seq += 1
            try take(index, seq: seq) { next throws(JobLedgerError) in try current.apply(next) }
        }
        return (current, recorded, writer.finish())
    }
}
