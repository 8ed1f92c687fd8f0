import Synchronization

/// Where a subscription to every job starts: the last `seq` already seen of each job (a job not
/// named starts from its first event).
public struct LedgerPosition: Sendable, Hashable {
    public var seqs: [JobID: Int]

    public init(_ seqs: [JobID: Int] = [:]) { self.seqs = seqs }

    /// Every event of every job, history first.
    public static let beginning = LedgerPosition()

    /// The last `seq` seen of `job` (0: none).
    public subscript(job: JobID) -> Int {
        get { seqs[job] ?? 0 }
        set { seqs[job] = newValue }
    }
}

/// How a subscription learns that a log grew.
public enum ChangeDetection: Sendable, Hashable {
    /// The best the store offers: direct notification for an ``InMemoryStore``, inotify for a
    /// ``DirectoryStore`` on Linux (polling if inotify is unavailable), polling otherwise.
    case automatic
    /// Re-read the subscribed logs' states at this interval.
    case polling(Duration)
}

/// The events appended to one job, or to every job, from a position on: history first, then
/// each event as it is appended, with no gap and no duplicate across the switch (the watch for
/// new events starts before history is read, and every event is passed on once, by `seq`).
///
/// Events of one job come in `seq` order; events of different jobs in the order they were
/// observed. Reading runs on the ``AsyncLedger``'s executor. The sequence ends when the task
/// iterating it is cancelled; it throws a ``JobLedgerError`` if a subscribed log cannot be read.
public struct LedgerSubscription: AsyncSequence, Sendable {
    public typealias Element = RecordedEvent

    let ledger: AsyncLedger
    /// `nil`: every job.
    let job: JobID?
    let position: LedgerPosition
    let detection: ChangeDetection

    public func makeAsyncIterator() -> Iterator {
        Iterator(self)
    }

    public struct Iterator: AsyncIteratorProtocol {
        private let subscription: LedgerSubscription
        private var position: LedgerPosition
        private var buffer: [RecordedEvent] = []
        private var next = 0
        private var started = false
        private var token: ChangeWatch.Token?
        private var signals: AsyncStream<Void>.Iterator?

        init(_ subscription: LedgerSubscription) {
            self.subscription = subscription
            position = subscription.position
        }

        public mutating func next() async throws -> RecordedEvent? {
            while true {
                if next < buffer.count {
                    defer { next += 1 }
                    return buffer[next]
                }
                buffer.removeAll(keepingCapacity: true)
                next = 0
                if Task.isCancelled { return nil }
                let changed: ChangeWatch.Changes
                if !started {
                    started = true
                    // Watch first, then read history: an append in between is seen by both, and
                    // the position keeps it from being passed on twice.
                    let watch = ChangeWatch()
                    token = subscription.start(watch)
                    signals = watch.signals.makeAsyncIterator()
                    changed = .all
                } else {
                    guard await signals!.next() != nil, !Task.isCancelled else { return nil }
                    changed = token!.watch.take()
                }
                let (job, seen) = (subscription.job, position)
                let fresh = try await subscription.ledger.run { ledger in
                    try LedgerSubscription.read(ledger, job: job, changed: changed, after: seen)
                }
                for event in fresh where event.seq > position[event.job] {
                    position[event.job] = event.seq
                    buffer.append(event)
                }
            }
        }
    }

    /// Starts watching the store for appends.
    func start(_ watch: ChangeWatch) -> ChangeWatch.Token {
        let store = ledger.ledger.store
        switch detection {
        case .polling(let interval):
            return ChangeWatch.Token(watch, stop: Poller.start(watch, every: interval))
        case .automatic:
            if let memory = store as? InMemoryStore {
                return ChangeWatch.Token(watch, stop: AppendSignals.register(memory, watch))
            }
            if let directory = store as? DirectoryStore {
                return ChangeWatch.Token(watch, stop: DirectoryWatcher.watch(directory.directory, watch))
            }
            return ChangeWatch.Token(watch, stop: Poller.start(watch, every: .milliseconds(200)))
        }
    }

    /// The events of the changed logs (of `job`, or of every job) after `position`, reading a
    /// log only when its state says it grew.
    static func read(_ ledger: Ledger, job: JobID?, changed: ChangeWatch.Changes, after position: LedgerPosition) throws
        -> [RecordedEvent]
    {
        let store = ledger.store
        let jobs: [JobID]
        switch changed {
        case .all:
            if let job { jobs = [job] } else { jobs = try store.jobIDs() }
        case .jobs(let set): jobs = job.map { set.contains($0) ? [$0] : [] } ?? set.sorted()
        }
        var events: [RecordedEvent] = []
        for candidate in jobs {
            guard let state = try store.state(of: candidate), state.seq > position[candidate] else { continue }
            events += try store.events(of: candidate).filter { $0.seq > position[candidate] }
        }
        return events
    }
}

extension AsyncLedger {
    /// The events of `job` after `seq` (0: from its first), then every event appended to it.
    public func subscribe(job: JobID, after seq: Int = 0, detection: ChangeDetection = .automatic) -> LedgerSubscription {
        LedgerSubscription(ledger: self, job: job, position: LedgerPosition([job: seq]), detection: detection)
    }

    /// The events of every job after `position`, then every event appended to any job.
    public func subscribe(after position: LedgerPosition = .beginning, detection: ChangeDetection = .automatic)
        -> LedgerSubscription
    {
        LedgerSubscription(ledger: self, job: nil, position: position, detection: detection)
    }
}

/// Collects which jobs changed since a subscription last looked, and wakes it.
final class ChangeWatch: Sendable {
    enum Changes: Sendable {
        case all
        case jobs(Set<JobID>)
    }

    private let pending = Mutex<(jobs: Set<JobID>, all: Bool)>(([], false))
    let signals: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        (signals, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Notes that `job`'s log may have grown (`nil`: any log).
    func mark(_ job: JobID?) {
        pending.withLock { pending in
            if let job { pending.jobs.insert(job) } else { pending.all = true }
        }
        continuation.yield()
    }

    func take() -> Changes {
        pending.withLock { pending in
            defer { pending = ([], false) }
            return pending.all ? .all : .jobs(pending.jobs)
        }
    }

    func finish() { continuation.finish() }

    /// Keeps the watch registered while a subscription's iterator lives.
    final class Token: Sendable {
        let watch: ChangeWatch
        private let stop: @Sendable () -> Void
        init(_ watch: ChangeWatch, stop: @escaping @Sendable () -> Void) {
            self.watch = watch
            self.stop = stop
        }
        deinit {
            stop()
            watch.finish()
        }
    }
}

/// In-process append notifications of ``InMemoryStore``s: the store calls ``notify(_:_:)`` after
/// each successful append.
enum AppendSignals {
    private static let watchers = Mutex<[ObjectIdentifier: [ObjectIdentifier: ChangeWatch]]>([:])
    private static let count = Atomic<Int>(0)

    static func register(_ store: InMemoryStore, _ watch: ChangeWatch) -> @Sendable () -> Void {
        let key = ObjectIdentifier(store)
        let id = ObjectIdentifier(watch)
        watchers.withLock { $0[key, default: [:]][id] = watch }
        count.add(1, ordering: .relaxed)
        return {
            watchers.withLock { watchers in
                watchers[key]?[id] = nil
                if watchers[key]?.isEmpty == true { watchers[key] = nil }
            }
            count.subtract(1, ordering: .relaxed)
        }
    }

    static func notify(_ store: InMemoryStore, _ jobs: [JobID]) {
        guard count.load(ordering: .relaxed) > 0 else { return }
        let watches = watchers.withLock { $0[ObjectIdentifier(store)].map { Array($0.values) } ?? [] }
        for watch in watches {
            for job in jobs { watch.mark(job) }
        }
    }
}
