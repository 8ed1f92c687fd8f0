#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A store on disk: one JSON Lines file per job, `<directory>/<job>.jsonl` (SPEC 3).
///
/// - An append is one `write` of whole lines, under an exclusive `flock` on the job's file, so
///   threads and processes never write the same `seq`; a rejected event writes nothing.
/// - With ``Durability/fsync`` every append is on disk before it returns; a batch
///   (``Ledger/append(contentsOf:to:expectedSeq:)``) is one write and one sync. Appends waiting for
///   their sync at the same moment share one (``GroupCommit``): one `fdatasync` of the store's
///   journal for all of them (``Journal``; a `syncfs` for a group too large for it), or `fsync` for
///   a lone one; a job's locks are held until its sync completes. Opening a store puts back what
///   a machine crash left only in a journal (``JournalRecovery``; a read-only store refuses).
/// - Opening a job's log for writing moves a torn write (a last line without `\n`, or the lines of
///   a cut batch: never acknowledged) to `<job>.jsonl.torn` and goes on. A complete line that
///   does not parse, a gap or repeat in `seq`, another job's line or an illegal transition is
///   corruption: an error with file and line, and nothing is changed.
/// - A ``Mode/readOnly`` store never writes: it ignores a torn write and reports it.
/// - Logs and their `.torn` are opened without following symbolic links and must be regular files
///   (`io_error` otherwise); new files are `0600`, new directories `0700`, less the umask.
/// - The lines of one append are framed (docs/log-format.md, "Batches"), so an append cut by a crash
///   is dropped whole: all or nothing.
///
/// Each job's folded state is cached with the file offset it covers; before every operation the
/// store folds whatever other processes appended since, so the cache is never stale.
public final class DirectoryStore: EventStore {
    public enum Durability: Sendable, Hashable {
        /// Appends reach the kernel before they return; a machine crash may lose the last ones.
        case none
        /// Appends are on disk before they return (`fsync`, or one sync shared by the appends
        /// waiting at that moment: of the store's journal, or `syncfs`); new files' directory
        /// entries too.
        case fsync
    }

    public enum Mode: Sendable, Hashable {
        case readWrite
        /// Never writes, creates or moves anything.
        case readOnly
    }

    public let directory: String
    public let durability: Durability
    public let mode: Mode
    private let onTornWrite: (@Sendable (TornWrite) -> Void)?

    private final class JobHandle: GuardedJob {
        struct Cache {
            var reader: JobLogReader
            /// Whether the torn-write recovery ran for this log.
            var opened = false
            /// Where the last reported torn tail began, so each is reported once.
            var reportedTornAt: Int64?
            /// The log opened for appending, kept between single appends (unlocked between them)
            /// so that an append costs no `open` or `close`; `-1` if none (see
            /// ``DirectoryStore/KeptDescriptors``).
            var appendFD: Int32 = -1
        }
        /// Held through an append's write and sync (``GroupCommit``), so a lock whose waiters sleep.
        let cache: OSLock<Cache>
        /// The log's path (the store's ``DirectoryStore/path(of:)``, made once).
        let path: String
        /// The log's file name in the store, as its journal records name it.
        let name: [UInt8]
        /// The store's count of kept descriptors, given back when this handle goes.
        let kept: KeptDescriptors
        init(_ reader: JobLogReader, name: String, kept: KeptDescriptors) {
            cache = OSLock(Cache(reader: reader))
            path = reader.path
            self.name = Array(name.utf8)
            self.kept = kept
        }

        deinit {
            cache.withLock { cache in
                if cache.appendFD >= 0 {
                    close(cache.appendFD)
                    kept.count.subtract(1, ordering: .relaxed)
                }
            }
        }

        func withValue<Result: Sendable>(_ body: (inout Cache) throws(JobLedgerError) -> Result) throws(JobLedgerError) -> Result {
            try cache.withLock { value throws(JobLedgerError) -> Result in try body(&value) }
        }
    }

    private let handles = OSLock<[JobID: JobHandle]>([:])

    /// How many logs a store keeps open for appending between appends: at most ``limit``, so a
    /// store of a hundred thousand jobs does not run out of descriptors (the others are opened
    /// and closed by every append, as before).
    final class KeptDescriptors: Sendable {
        /// 256, or an eighth of the process's descriptor limit if that is less: a server with a
        /// few stores keeps most of its descriptors for its connections.
        static let limit: Int = {
            var limit = rlimit()
            guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 256 }
            return min(256, Int(clamping: limit.rlim_cur / 8))
        }()
        let count = Atomic<Int>(0)

        /// Takes one of the places; false if all are taken.
        func take() -> Bool {
            if count.add(1, ordering: .relaxed).newValue <= Self.limit { return true }
            count.subtract(1, ordering: .relaxed)
            return false
        }
    }
    private let kept = KeptDescriptors()
    /// The syncs of a durable read-write store.
    private let commit: GroupCommit?
    /// The store's directory, open: logs are opened relative to it (``openLog(_:_:)``).
    private let directoryFD: Int32
    /// `directory` followed by `/`: the start of every log's path.
    private let directoryPrefix: String

    /// Opens a store in `directory`.
    /// - Parameters:
    ///   - createDirectory: create `directory` if it is missing (read-write stores only).
    ///   - onTornWrite: called for each torn write found.
    public init(
        directory: String, durability: Durability = .fsync, mode: Mode = .readWrite, createDirectory: Bool = true,
        onTornWrite: (@Sendable (TornWrite) -> Void)? = nil
    ) throws(JobLedgerError) {
        self.directory = directory
        directoryPrefix = directory.hasSuffix("/") ? directory : directory + "/"
        self.durability = durability
        self.mode = mode
        self.onTornWrite = onTornWrite
        switch FileIO.kind(of: directory) {
        case .directory: break
        case nil where mode == .readWrite && createDirectory: try FileIO.makeDirectory(directory)
        case nil: throw JobLedgerError(.io, "no such directory", file: directory)
        case .file, .symlink, .other: throw JobLedgerError(.io, "not a directory", file: directory)
        }
        // Appends a crash left only in a journal go back into their logs before anything is read.
        try JournalRecovery.recover(directory, writing: mode == .readWrite)
        commit = mode == .readWrite && durability == .fsync ? try GroupCommit(directory: directory) : nil
        directoryFD = try FileIO.openDirectory(directory)
    }

    deinit { close(directoryFD) }

    /// Opens the handle's log relative to the store's directory, opened once: one path lookup per
    /// open rather than one per component of the store's path, and the store stays the directory
    /// it was opened on. The name is the handle's (made once), copied with its terminating zero.
    private func openLog(_ handle: JobHandle, _ flags: Int32) throws(JobLedgerError) -> Int32? {
        let name = handle.name
        return try withUnsafeTemporaryAllocation(of: CChar.self, capacity: name.count + 1) { cName in
            _ = name.withUnsafeBytes { cName.initialize(fromContentsOf: $0.bindMemory(to: CChar.self)) }
            cName[name.count] = 0
            return Result { () throws(JobLedgerError) in
                try FileIO.open(handle.path, flags, at: (directoryFD, UnsafePointer(cName.baseAddress!)), regularOnly: false)
            }
        }.get()
    }

    /// The group commit of a durable read-write store (`nil` otherwise): tests inject sync
    /// failures through it.
    package var groupCommit: GroupCommit? { commit }

    /// The path of a job's log file.
    public func path(of job: JobID) -> String { directoryPrefix + job.fileName }

    private func handle(_ job: JobID) -> JobHandle {
        handles.withLock { handles in handle(job, in: &handles) }
    }

    /// The jobs' handles, made as needed, under one lock.
    private func handles(_ jobs: [JobID]) -> [JobHandle] {
        handles.withLock { handles in
            // Room for every job at once: a batch of new jobs would otherwise grow the table by
            // doubling, hashing every handle again each time.
            handles.reserveCapacity(handles.count + jobs.count)
            return jobs.map { handle($0, in: &handles) }
        }
    }

    /// A job's handle in the table, made if it has none.
    private func handle(_ job: JobID, in handles: inout [JobID: JobHandle]) -> JobHandle {
        if let handle = handles[job] { return handle }
        // The file's name made once, for the path and the journal's records.
        let name = job.fileName
        let handle = JobHandle(JobLogReader(job: job, path: directoryPrefix + name), name: name, kept: kept)
        handles[job] = handle
        return handle
    }

    // MARK: EventStore

    public func update<Result: Sendable>(
        _ job: JobID, _ decide: (JobState?) throws(JobLedgerError) -> Decision<Result>
    ) throws(JobLedgerError) -> Update<Result> {
        // The work is done by a function that is not generic: called through `any EventStore`,
        // a generic one looks up the metadata of its `Result`-typed values at run time.
        var result: Result?
        let (appended, state) = try update(job) { state throws(JobLedgerError) -> [PendingEvent] in
            let decision = try decide(state)
            result = decision.result
            return decision.events
        }
        return Update(appended: appended, state: state, result: result!)
    }

    /// ``update(_:_:)`` with the decision's events alone (`decide` keeps its result).
    private func update(_ job: JobID, _ decide: (JobState?) throws(JobLedgerError) -> [PendingEvent])
        throws(JobLedgerError) -> (appended: [RecordedEvent], state: JobState?)
    {
        guard mode == .readWrite else {
            throw JobLedgerError(.io, "the store is read-only", job: job.rawValue, file: path(of: job))
        }
        let handle = handle(job)
        let file = handle.path
        /// The events a decision appends, folded onto `state`, numbered and written out.
        func folded(_ events: [PendingEvent], onto state: JobState?) throws(JobLedgerError)
            -> (state: JobState?, recorded: [RecordedEvent], bytes: [UInt8])
        {
            do throws(JobLedgerError) {
                return try JobState.appendingLines(events, to: state, job: job)
            } catch {
                throw error.at(file: file, line: nil)
            }
        }
        return try handle.cache.withLock { cache throws(JobLedgerError) -> (appended: [RecordedEvent], state: JobState?) in
            var created = false
            var early: (state: JobState?, recorded: [RecordedEvent], bytes: [UInt8])?
            var descriptor = try lockedForAppend(&cache, job, handle, create: false)
            if descriptor == nil {
                // No log yet: create the file only if there is something valid to write, so a
                // rejected first append leaves no empty file behind.
                guard cache.reader.state == nil else {
                    throw JobLedgerError(.corruptLog, "the log file disappeared", job: job.rawValue, file: file)
                }
                let events = try decide(nil)
                if events.isEmpty { return ([], nil) }
                early = try folded(events, onto: nil)
                descriptor = try lockedForAppend(&cache, job, handle, create: true)
                created = true
            }
            let (fd, size) = descriptor!
            defer { release(&cache, fd) }
            let before = cache.reader.offset
            try catchUp(&cache, fd, size: size, exclusive: true)
            // Decide on the state as it is now; reuse the early decision if nothing changed.
            let (state, recorded, bytes): (JobState?, [RecordedEvent], [UInt8])
            if let early, cache.reader.offset == before {
                (state, recorded, bytes) = early
            } else {
                let events = try decide(cache.reader.state)
                if events.isEmpty { return ([], cache.reader.state) }
                (state, recorded, bytes) = try folded(events, onto: cache.reader.state)
            }
            let oldSize = cache.reader.offset
            do throws(JobLedgerError) {
                try FileIO.writeAll(fd, bytes, file)
                // One sync with every append waiting at this moment, this job's locks held until
                // it completes. A log that was empty may be new (made now, or by a first append
                // that then failed or crashed): its directory entry must be durable too.
                try commit?.sync(
                    [GroupCommit.Write(fd: fd, path: file, name: handle.name, offset: oldSize, bytes: bytes)],
                    newEntry: created || oldSize == 0)
            } catch {
                // Not acknowledged: take back whatever part reached the file, and a log made
                // for this append (others check, after locking, that a log is still linked).
                try? FileIO.truncate(fd, to: oldSize, file)
                if oldSize == 0 {
                    unlink(file)
                    forget(&cache)
                }
                throw error.about(job: job.rawValue)
            }
            cache.reader.state = state
            cache.reader.offset += Int64(bytes.count)
            cache.reader.lines += recorded.count
            return (recorded, state)
        }
    }

    /// Opens a job's log for appending and takes its exclusive lock; `nil` if there is no log and
    /// `create` is false. A log unlinked while this waited for the lock (a failed first append
    /// removes the file it made) is opened again.
    /// - Returns: the descriptor and the log's size under the lock.
    /// - Throws: the open's or the lock's `io_error`, naming the job, as a batch's errors must.
    private func openLocked(_ job: JobID, _ handle: JobHandle, create: Bool) throws(JobLedgerError) -> (fd: Int32, size: Int64)? {
        let file = handle.path
        while true {
            do throws(JobLedgerError) {
                guard let fd = try openLog(handle, O_RDWR | O_APPEND | (create ? O_CREAT : 0)) else {
                    return nil
                }
                do throws(JobLedgerError) {
                    try FileIO.lock(fd, LOCK_EX, file)
                    if let size = try FileIO.linkedSize(fd, file) { return (fd, size) }
                } catch {
                    close(fd)
                    throw error
                }
                close(fd)
            } catch {
                throw error.about(job: job.rawValue)
            }
        }
    }

    /// ``openLocked(_:_:create:)`` through the handle's kept descriptor: locks it, if it still
    /// names a log (a failed first append elsewhere may have unlinked it: then it is closed and the
    /// log opened again), else opens the log and keeps the descriptor if there is room.
    /// ``release(_:_:)`` ends the operation.
    private func lockedForAppend(_ cache: inout JobHandle.Cache, _ job: JobID, _ handle: JobHandle, create: Bool)
        throws(JobLedgerError) -> (fd: Int32, size: Int64)?
    {
        let file = handle.path
        if cache.appendFD >= 0 {
            do throws(JobLedgerError) {
                try FileIO.lock(cache.appendFD, LOCK_EX, file)
                if let size = try FileIO.linkedSize(cache.appendFD, file) { return (cache.appendFD, size) }
            } catch {
                forget(&cache)
                throw error.about(job: job.rawValue)
            }
            forget(&cache)
        }
        guard let opened = try openLocked(job, handle, create: create) else { return nil }
        if kept.take() { cache.appendFD = opened.fd }
        return opened
    }

    /// Ends an operation on a descriptor from ``lockedForAppend(_:_:_:create:)``: a kept one is
    /// unlocked, another closed.
    private func release(_ cache: inout JobHandle.Cache, _ fd: Int32) {
        if fd == cache.appendFD { flock(fd, LOCK_UN) } else { close(fd) }
    }

    /// Closes the handle's kept descriptor (its log was unlinked), giving its place back.
    private func forget(_ cache: inout JobHandle.Cache) {
        guard cache.appendFD >= 0 else { return }
        close(cache.appendFD)
        cache.appendFD = -1
        kept.count.subtract(1, ordering: .relaxed)
    }

    /// Appends a batch of several jobs' events: each job is brought up to date under its lock and
    /// all events validated before anything is written; then each job's lines are one write, and
    /// with ``Durability/fsync`` one sync, shared with every append waiting at that moment, makes
    /// the whole batch durable (`syncfs`; where the platform has none, one `fsync` per file). A
    /// failed write or sync takes every job back to its length before the batch.
    ///
    /// What a crash can leave: each job's part of the batch is framed as one append, so after a
    /// crash every job has either all of its part or none of it (recovery drops a partial part as
    /// a torn write). Across jobs the batch is not atomic: a crash before the sync returned can
    /// leave some jobs with their part and others without. Nothing of a batch is acknowledged
    /// until this returns, so a caller that saw no return must read back what it needs.
    public func appendBatch(_ batch: [(job: JobID, events: [PendingEvent])]) throws(JobLedgerError) -> [RecordedEvent] {
        guard mode == .readWrite else { throw JobLedgerError(.io, "the store is read-only", file: directory) }
        let groups = groupedByJob(batch)
        // Positions below are in lock order: `sorted[position]` is the group's index in `groups`.
        let sorted = lockOrder(groups)
        let handles = handles(sorted.map { groups[$0].job })
        let recorded = try withEveryLock(handles) { caches throws(JobLedgerError) -> [[RecordedEvent]] in
            var descriptors: [Int32] = []
            descriptors.reserveCapacity(sorted.count)
            defer { for fd in descriptors where fd >= 0 { close(fd) } }
            var created = false
            var pending: [(state: JobState?, recorded: [RecordedEvent], bytes: [UInt8])] = []
            pending.reserveCapacity(sorted.count)
            func validate(_ position: Int) throws(JobLedgerError) -> (state: JobState?, recorded: [RecordedEvent], bytes: [UInt8]) {
                let (job, events) = groups[sorted[position]]
                do throws(JobLedgerError) {
                    return try JobState.appendingLines(events, to: caches[position].pointee.reader.state, job: job)
                } catch {
                    throw error.at(file: caches[position].pointee.reader.path, line: nil)
                }
            }
            // Existing logs are locked and brought up to date; new ones are only validated, so
            // that a rejected batch leaves no empty file behind.
            var missing: [Int] = []
            for position in sorted.indices {
                let job = groups[sorted[position]].job
                let file = caches[position].pointee.reader.path
                // A job this store object has never seen a log of is first validated as new,
                // without looking for its log (a path lookup, as dear as the `open` that creates
                // it): if its events are valid for a new job, the log is opened with `O_CREAT`
                // below and, if it turns out to hold events, validated again against them.
                // Otherwise it is looked for now, as any other job.
                if caches[position].pointee.reader.state == nil && !caches[position].pointee.opened,
                    let valid = try? validate(position)
                {
                    descriptors.append(-1)
                    missing.append(position)
                    pending.append(valid)
                    continue
                }
                guard let (fd, size) = try openLocked(job, handles[position], create: false) else {
                    guard caches[position].pointee.reader.state == nil else {
                        throw JobLedgerError(.corruptLog, "the log file disappeared", job: job.rawValue, file: file)
                    }
                    descriptors.append(-1)
                    missing.append(position)
                    pending.append(try validate(position))
                    continue
                }
                descriptors.append(fd)
                try catchUp(&caches[position].pointee, fd, size: size, exclusive: true)
                // An empty log may be new: its directory entry then needs syncing too.
                if caches[position].pointee.reader.offset == 0 { created = true }
                pending.append(try validate(position))
            }
            // Everything is valid: create the new logs (one may exist after all, made by another
            // process or never seen by this store object: then validate again against what it
            // holds). If that fails, the empty logs opened here are removed again, as a failed
            // write removes them below.
            do throws(JobLedgerError) {
                for position in missing {
                    // With create: a descriptor or an error.
                    let (fd, size) = try openLocked(groups[sorted[position]].job, handles[position], create: true)!
                    descriptors[position] = fd
                    try catchUp(&caches[position].pointee, fd, size: size, exclusive: true)
                    if caches[position].pointee.reader.offset == 0 { created = true } else { pending[position] = try validate(position) }
                }
            } catch {
                for position in missing where descriptors[position] >= 0 && caches[position].pointee.reader.offset == 0 {
                    unlink(caches[position].pointee.reader.path)
                }
                throw error
            }
            // Everything is valid: write, then sync once (with every append waiting at the time).
            var written = 0
            do throws(JobLedgerError) {
                for position in sorted.indices {
                    do throws(JobLedgerError) {
                        try FileIO.writeAll(descriptors[position], pending[position].bytes, caches[position].pointee.reader.path)
                    } catch {
                        throw error.about(job: groups[sorted[position]].job.rawValue)
                    }
                    written += 1
                }
                try commit?.sync(
                    sorted.indices.map {
                        GroupCommit.Write(
                            fd: descriptors[$0], path: caches[$0].pointee.reader.path, name: handles[$0].name,
                            offset: caches[$0].pointee.reader.offset, bytes: pending[$0].bytes)
                    }, newEntry: created)
            } catch {
                for position in 0..<min(written + 1, sorted.count) {
                    let file = caches[position].pointee.reader.path
                    try? FileIO.truncate(descriptors[position], to: caches[position].pointee.reader.offset, file)
                    if caches[position].pointee.reader.offset == 0 { unlink(file) }
                }
                throw error
            }
            var recorded = [[RecordedEvent]](repeating: [], count: groups.count)
            for position in sorted.indices {
                caches[position].pointee.reader.state = pending[position].state
                caches[position].pointee.reader.offset += Int64(pending[position].bytes.count)
                caches[position].pointee.reader.lines += pending[position].recorded.count
                recorded[sorted[position]] = pending[position].recorded
            }
            return recorded
        }
        return recorded.flattened()
    }

    public func state(of job: JobID) throws(JobLedgerError) -> JobState? {
        let handle = handle(job)
        return try handle.cache.withLock { cache throws(JobLedgerError) -> JobState? in
            guard let fd = try openForReading(handle, &cache) else { return nil }
            defer { close(fd) }
            return cache.reader.state
        }
    }

    public func events(of job: JobID) throws(JobLedgerError) -> [RecordedEvent] {
        let handle = handle(job)
        let file = handle.path
        return try handle.cache.withLock { cache throws(JobLedgerError) -> [RecordedEvent] in
            guard let fd = try openForReading(handle, &cache) else { return [] }
            defer { close(fd) }
            // Read up to what the cache covers: every event acknowledged when the lock was taken.
            var reader = JobLogReader(job: job, path: file)
            var events: [RecordedEvent] = []
            _ = try reader.readNewLines(fd: fd, collect: true, into: &events)
            return Array(events.prefix(cache.reader.lines))
        }
    }

    public func jobIDs() throws(JobLedgerError) -> [JobID] {
        try FileIO.entries(of: directory).compactMap { name in
            guard name.hasSuffix(".jsonl") else { return nil }
            return JobID(validating: String(name.dropLast(6)))
        }.sorted()
    }

    // MARK: Opening and catching up

    /// Opens a job's log under a shared lock (after the first, recovering open), folded up to date;
    /// `nil` if the job has no log. The caller closes the descriptor, which drops the lock.
    private func openForReading(_ handle: JobHandle, _ cache: inout JobHandle.Cache) throws(JobLedgerError) -> Int32? {
        do throws(JobLedgerError) {
            return try openForReadingOnce(handle, &cache)
        } catch {
            throw error.about(job: cache.reader.job.rawValue)
        }
    }

    private func openForReadingOnce(_ handle: JobHandle, _ cache: inout JobHandle.Cache) throws(JobLedgerError) -> Int32? {
        let file = handle.path
        if !cache.opened && mode == .readWrite {
            // The first access opens the log for writing once, so a torn tail is moved aside.
            guard let (fd, size) = try openLocked(cache.reader.job, handle, create: false) else { return nil }
            defer { close(fd) }
            try catchUp(&cache, fd, size: size, exclusive: true)
        }
        while true {
            guard let fd = try openLog(handle, O_RDONLY) else {
                if cache.reader.state != nil {
                    throw JobLedgerError(.corruptLog, "the log file disappeared", job: cache.reader.job.rawValue, file: file)
                }
                return nil
            }
            do throws(JobLedgerError) {
                try FileIO.lock(fd, LOCK_SH, file)
                guard let size = try FileIO.linkedSize(fd, file) else {
                    close(fd)
                    continue
                }
                try catchUp(&cache, fd, size: size, exclusive: false)
            } catch {
                close(fd)
                throw error
            }
            return fd
        }
    }

    /// Folds what was appended since the cache was last brought up to date, given the log's
    /// `size` under the lock. With the exclusive lock, a torn tail is moved to `.torn` (read-write
    /// stores); otherwise it is only reported.
    private func catchUp(_ cache: inout JobHandle.Cache, _ fd: Int32, size: Int64, exclusive: Bool) throws(JobLedgerError) {
        let file = cache.reader.path
        if size < cache.reader.offset {
            throw JobLedgerError(
                .corruptLog, "the log shrank from \(cache.reader.offset) to \(size) bytes", job: cache.reader.job.rawValue,
                file: file)
        }
        if exclusive { cache.opened = true }
        if size == cache.reader.offset { return }
        var unused: [RecordedEvent] = []
        let tail = try cache.reader.readNewLines(fd: fd, into: &unused)
        guard tail.count > 0 else { return }
        let moving = exclusive && mode == .readWrite
        if moving { try moveTorn(tail, of: fd, file) }
        if moving || cache.reportedTornAt != tail.offset {
            cache.reportedTornAt = moving ? nil : tail.offset
            onTornWrite?(
                TornWrite(file: file, line: cache.reader.lines + 1, byteCount: Int(tail.count), moved: moving))
        }
    }

    /// Moves a torn tail to `<log>.torn` (appended, ending with `\n`), then cuts it from the log.
    /// Idempotent: if a crash came between the two steps, the retry finds the bytes already at
    /// the end of `.torn` and only cuts.
    private func moveTorn(_ tail: LineReader.Tail, of fd: Int32, _ file: String) throws(JobLedgerError) {
        let tornPath = file + ".torn"
        guard let tornFD = try FileIO.open(tornPath, O_RDWR | O_APPEND | O_CREAT) else { return }
        defer { close(tornFD) }
        let endsWithNewline = try FileIO.read(fd, at: tail.offset + tail.count - 1, count: 1, file) == [UInt8(ascii: "\n")]
        let recordLength = tail.count + (endsWithNewline ? 0 : 1)
        let tornSize = try FileIO.size(tornFD, tornPath)
        var alreadyMoved = false
        if tornSize >= recordLength {
            var newlineThere = endsWithNewline
            if !newlineThere { newlineThere = try FileIO.read(tornFD, at: tornSize - 1, count: 1, tornPath) == [UInt8(ascii: "\n")] }
            if newlineThere {
                alreadyMoved = try FileIO.sameBytes(
                    tornFD, endingAt: tornSize - (endsWithNewline ? 0 : 1), tornPath, fd, at: tail.offset, file, count: tail.count)
            }
        }
        if !alreadyMoved {
            try FileIO.copy(fd, at: tail.offset, count: tail.count, fromPath: file, to: tornFD, toPath: tornPath)
            if !endsWithNewline { try FileIO.writeAll(tornFD, [UInt8(ascii: "\n")], tornPath) }
            try FileIO.sync(tornFD, tornPath)
            if tornSize == 0 { try FileIO.syncDirectory(directory) }
        }
        try FileIO.truncate(fd, to: tail.offset, file)
        try FileIO.sync(fd, file)
    }
}
