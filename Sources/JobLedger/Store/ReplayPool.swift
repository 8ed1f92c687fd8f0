#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A replay on several threads (``Replay/threads``): the calling thread and `threads - 1` more
/// take the work in file order, while the calling thread hands the results on in file order, so
/// what a replay reports does not depend on the number of threads.
///
/// The work comes in units: a run of small files (up to ``batchFiles`` of them, or
/// ``batchBytes``), taken by one thread, so the threads meet once per run rather than once per
/// file; or one large file (``Replay/splitSize``), read by every thread at once: when its lines
/// come grouped by job, cut into ``rangesPerThread`` ranges per thread, which the threads take
/// one after another (``performRanges``; the jobs crossing a range's edge are carried on by
/// ``FileReplay/carry(across:log:)``), else each thread folds the jobs whose id hashes to its
/// partition. At most ``window`` units are between being taken and being handed on, so memory
/// stays bounded in a directory of any size. The results are handed on by the calling thread
/// only: `emit`, `reject`, `torn` and `write` are not `Sendable`.
final class ReplayPool: @unchecked Sendable {
    /// Items `items` (files, and problems in their place), and how many threads read them: 1 for
    /// a run of files, every thread for a split file.
    struct Unit {
        let items: Range<Int>
        let partitions: Int
    }

    /// A unit, or one partition of a split file. The first thread to take a split file opens it
    /// for all; split by job id, the calling thread takes the lowest free partition (the
    /// smallest share, see ``FileReplay/partition(of:_:)``), the others the highest.
    struct Task {
        let unit: Int
        var partition: Int
        var opens = false
    }

    /// A split file: opened once by partition 0, for all, which also decides how it is split:
    /// `ranges` (offsets at line starts, one more than the partitions) when its lines come grouped
    /// by job, else by job id.
    enum Log {
        case pending
        case open(FileReplay.OpenedLog, split: Bool, ranges: [Int64]?)
        case failed
    }

    /// A unit being read: its files' replays (by item, or by partition for a split file), or
    /// for a plain file of a run, what the hand-on needs of it and its rendered job in `bytes`.
    struct Pending {
        var replays: [ReplayBox?]
        /// The replays' failures, by slot: rare, so kept apart (an array of optional errors, a
        /// few kilobytes per run of files, was an allocation large enough to make glibc's
        /// `malloc` consolidate its heap).
        var failures: [Int: JobLedgerError] = [:]
        /// The plain files by slot, in slot order.
        var plain: [(slot: Int, file: PlainFile)] = []
        var bytes: [UInt8] = []
        var remaining: Int
        var log = Log.pending
        /// A split file's partitions not taken yet.
        var free: ClosedRange<Int>?
        /// A file split into ranges (``performRanges``): each range's job table and filter, once
        /// folded; the next range to fold and to render, and how many are folded.
        var tables: [JobTable] = []
        var filters: [JobFilter] = []
        var nextFold = 0
        var nextRender = 0
        var folded = 0

        /// The failure of the first slot that failed.
        var firstFailure: JobLedgerError? { failures.min { $0.key < $1.key }?.value }

        init(slots: Int, tasks: Int) {
            replays = Array(repeating: nil, count: slots)
            remaining = tasks
        }
    }

    static let batchFiles = 64
    static let batchBytes: Int64 = 1 << 20

    let items: [ReplayItem]
    let threads: Int
    let asOf: Int?
    let render: Replay.Render?
    /// Per item: its file's ordinal (1-based; 0 for a problem).
    let ordinals: [Int]
    let units: [Unit]
    let tasks: [Task]
    /// Units in flight at most.
    let window: Int
    /// The descriptors of the directories listed, when no file is split: then the other threads
    /// each take a descriptor table of their own holding only these (``PrivateDescriptorTable``),
    /// since each file is opened and closed by the one thread that reads it. A split file's
    /// descriptor is opened by one thread for all.
    let ownTable: [Int32]?

    private let condition = OSCondition()
    // Guarded by `condition`, which makes each access exclusive: so they are not checked again at
    // run time (the checks of the queues' accesses, per file, were 3 % of a per-job directory's
    // instructions on two threads under callgrind).
    @exclusivity(unchecked) private var nextTask = 0
    /// The unit the calling thread hands on next.
    @exclusivity(unchecked) private var next = 0
    /// The units in flight, at `unit % window`.
    @exclusivity(unchecked) private var pending: [Pending?]
    @exclusivity(unchecked) private var linesRead = 0
    @exclusivity(unchecked) private var running = 0
    @exclusivity(unchecked) private var sleepers = 0
    /// Replays handed on, for another thread to let go: the calling thread hands every unit on,
    /// so freeing what a unit allocated is work taken off it (and mostly given back to the
    /// thread that allocated it, which the allocator prefers).
    @exclusivity(unchecked) private var garbage: [[ReplayBox]] = []
    /// Replays handed on whose memory is kept for the next files (``FileReplay/reuse(file:ordinal:asOf:)``):
    /// at most ``spareLimit``.
    @exclusivity(unchecked) private var spares: [ReplayBox] = []
    private var spareLimit: Int { Self.batchFiles * threads }
    /// Files replayed while their directory was listed, taken out as their runs are read.
    private let prefetched: ReplayPrefetch?

    init(items: [ReplayItem], threads: Int, splitSize: Int64, asOf: Int?, render: Replay.Render?, prefetched: ReplayPrefetch? = nil) {
        self.items = items
        self.prefetched = prefetched?.isEmpty == false ? prefetched : nil
        self.threads = threads
        self.asOf = asOf
        self.render = render
        var ordinals: [Int] = []
        var units: [Unit] = []
        var start = 0
        var bytes: Int64 = 0
        func close(_ end: Int) {
            if end > start { units.append(Unit(items: start..<end, partitions: 1)) }
            start = end
            bytes = 0
        }
        var ordinal = 0
        for (index, item) in items.enumerated() {
            guard case .file(_, let size) = item else {
                ordinals.append(0)
                continue
            }
            ordinal += 1
            ordinals.append(ordinal)
            if size >= splitSize {
                close(index)
                units.append(Unit(items: index..<index + 1, partitions: threads))
                start = index + 1
                continue
            }
            bytes += size
            if index + 1 - start >= Self.batchFiles || bytes >= Self.batchBytes { close(index + 1) }
        }
        close(items.count)
        var tasks: [Task] = []
        for (index, unit) in units.enumerated() {
            for partition in 0..<unit.partitions { tasks.append(Task(unit: index, partition: partition)) }
        }
        self.ordinals = ordinals
        self.units = units
        self.tasks = tasks
        window = 4 * threads
        pending = Array(repeating: nil, count: window)
        ownTable = units.contains { $0.partitions > 1 } ? nil : Self.directories(of: items)
    }

    /// The descriptors of the directories `items` were listed from.
    private static func directories(of items: [ReplayItem]) -> [Int32] {
        var descriptors = Set<Int32>()
        var last: UnsafeMutableRawPointer?
        for case .file(.listed(let listing, _), _) in items where listing.toOpaque() != last {
            last = listing.toOpaque()
            descriptors.insert(listing._withUnsafeGuaranteedRef { $0.fd })
        }
        return descriptors.sorted()
    }

    /// Replays every item: `problem`, `file` and `plain` (a plain file, ``PlainFile``) are called
    /// on the calling thread, in item order; `progress` with the lines read so far, now and then,
    /// if `reportsProgress`. (Not an optional closure: that would escape, and a local variable it
    /// captured would be checked for exclusive access at run time in every closure here, once
    /// per file.)
    /// `split` gets the ranges of a file split into ranges, carried across.
    func run(
        reportsProgress: Bool, progress: (Int) -> Void, problem: (JobLedgerError) -> Void, file: (inout FileReplay, JobLedgerError?) -> Void,
        plain: (PlainFile, ArraySlice<UInt8>) -> Void, split: (inout [FileReplay]) -> Void
    ) {
        running = threads - 1
        for index in 1..<threads {
            OSThread.start(name: "replay-\(index)", stackSize: 8 << 20) { self.work() }
        }
        var reported = 0
        // One buffer for every small log a thread reads, for the whole replay: a buffer per run
        // of files, 64 KB, was the size from which glibc's `free` consolidates the heap.
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: FileReplay.scratchSize, alignment: 16)
        defer { scratch.deallocate() }
        condition.lock()
        while next < units.count {
            let unit = next
            if pending[unit % window]?.remaining == 0 {
                // Taken out, so the calling thread owns the replays alone (see `hand`).
                var done = pending[unit % window].take()!
                next += 1
                wake()
                let lines = linesRead
                condition.unlock()
                let handed = hand(units[unit], &done, problem: problem, file: file, plain: plain, split: split)
                if reportsProgress, lines - reported >= FileReplay.tickLines {
                    reported = lines
                    progress(lines)
                }
                condition.lock()
                if threads > 1 && !handed.isEmpty { recycle(handed) }
                continue
            }
            if let task = takeTask(caller: true) {
                condition.unlock()
                var result = perform(task, scratch: scratch) { lines in
                    self.condition.lock()
                    self.linesRead += lines
                    let total = self.linesRead
                    self.condition.unlock()
                    if reportsProgress { progress(total) }
                }
                condition.lock()
                finish(task, &result)
                continue
            }
            sleepers += 1
            if reportsProgress {
                condition.wait(seconds: 0.25)
                let lines = linesRead
                condition.unlock()
                progress(lines)
                condition.lock()
            } else {
                condition.wait()
            }
            sleepers -= 1
        }
        while running > 0 {
            sleepers += 1
            condition.wait()
            sleepers -= 1
        }
        condition.unlock()
    }

    /// A thread other than the calling one: takes tasks until there are none.
    private func work() {
        if let ownTable { PrivateDescriptorTable.enter(keeping: ownTable) }
        PrivateCredentials.enter()
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: FileReplay.scratchSize, alignment: 16)
        defer { scratch.deallocate() }
        condition.lock()
        while nextTask < tasks.count || !garbage.isEmpty {
            if !garbage.isEmpty {
                let handed = garbage
                garbage = []
                condition.unlock()
                _ = consume handed
                condition.lock()
                continue
            }
            guard let task = takeTask(caller: false) else {
                sleepers += 1
                condition.wait()
                sleepers -= 1
                continue
            }
            condition.unlock()
            var result = perform(task, scratch: scratch) { lines in
                self.condition.lock()
                self.linesRead += lines
                self.condition.unlock()
            }
            condition.lock()
            finish(task, &result)
        }
        running -= 1
        wake()
        condition.unlock()
    }

    /// The next task, if its unit is within the window. Call with the lock held.
    private func takeTask(caller: Bool) -> Task? {
        guard nextTask < tasks.count, tasks[nextTask].unit < next + window else { return nil }
        var task = tasks[nextTask]
        nextTask += 1
        let unit = units[task.unit]
        let index = task.unit % window
        if task.partition == 0 {
            pending[index] = Pending(slots: unit.partitions == 1 ? unit.items.count : rangeCount, tasks: unit.partitions)
            task.opens = true
            if unit.partitions > 1 { pending[index]!.free = 0...unit.partitions - 1 }
        }
        if let free = pending[index]!.free {
            task.partition = caller ? free.lowerBound : free.upperBound
            pending[index]!.free = free.count == 1 ? nil : caller ? free.lowerBound + 1...free.upperBound : free.lowerBound...free.upperBound - 1
        }
        return task
    }

    /// What a task made: replays and failures (by item of a run, or the partition's), and the
    /// lines read that were not counted yet.
    struct Result {
        var replays: [(slot: Int, replay: ReplayBox?, failure: JobLedgerError?)] = []
        /// A run's plain files, and their rendered jobs.
        var plain: [(slot: Int, file: PlainFile)] = []
        var bytes: [UInt8] = []
        var lines = 0

        /// Takes a rendered file as a ``PlainFile`` if it replayed plainly, and keeps its replay
        /// in `reusable` for the next file: whether it did.
        mutating func handOnPlain(_ box: ReplayBox, slot: Int, keeping reusable: inout [ReplayBox]) -> Bool {
            guard let file = box.replay.plain(appendingTo: &bytes) else { return false }
            plain.append((slot, file))
            if box.replay.isReusable { reusable.append(box) }
            return true
        }
    }

    /// Files a task's result, its replays moved out of it. Call with the lock held.
    private func finish(_ task: Task, _ result: inout Result) {
        linesRead += result.lines
        let index = task.unit % window
        for entry in result.replays.indices {
            let slot = result.replays[entry].slot
            pending[index]!.replays[slot] = result.replays[entry].replay.take()
            if let failure = result.replays[entry].failure { pending[index]!.failures[slot] = failure }
        }
        if !result.plain.isEmpty {
            swap(&pending[index]!.plain, &result.plain)
            swap(&pending[index]!.bytes, &result.bytes)
        }
        pending[index]!.remaining -= 1
        if pending[index]!.remaining == 0 && task.unit == next { wake() }
    }

    /// Keeps the handed-on replays worth reusing as spares, and gives the rest to the other
    /// threads to let go. Call with the lock held.
    private func recycle(_ handed: consuming [ReplayBox]) {
        var handed = handed
        var rest: [ReplayBox] = []
        while let box = handed.popLast() {
            if box.replay.isReusable && spares.count < spareLimit {
                spares.append(box)
            } else {
                rest.append(box)
            }
        }
        if !rest.isEmpty {
            garbage.append(rest)
            wake()
        }
    }

    /// Up to `count` spare replays, for a run of files. Takes the lock.
    private func takeSpares(_ count: Int) -> [ReplayBox] {
        condition.lock()
        defer { condition.unlock() }
        let taken = min(count, spares.count)
        guard taken > 0 else { return [] }
        var replays: [ReplayBox] = []
        replays.reserveCapacity(taken)
        for _ in 0..<taken { replays.append(spares.removeLast()) }
        return replays
    }

    /// Keeps replays a run did not hand on as spares, up to ``spareLimit``. Takes the lock.
    private func giveBack(_ replays: consuming [ReplayBox]) {
        condition.lock()
        defer { condition.unlock() }
        var replays = replays
        while spares.count < spareLimit, let box = replays.popLast() { spares.append(box) }
    }

    /// The prefetched replays of a run's files, by item. Takes the lock.
    private func takePrefetched(_ run: Range<Int>) -> [Int: ReplayPrefetch.Done] {
        guard let prefetched else { return [:] }
        condition.lock()
        defer { condition.unlock() }
        var found: [Int: ReplayPrefetch.Done] = [:]
        for item in run {
            guard case .file(.listed(let listing, let index), _) = items[item] else { continue }
            let key = listing._withUnsafeGuaranteedRef { listing in listing.prefetched.map { (directory: $0, key: listing.key(index)) } }
            if let key, let done = prefetched.take(directory: key.directory, key: key.key) { found[item] = done }
        }
        return found
    }

    private func wake() {
        if sleepers > 0 { condition.broadcast() }
    }

    /// Replays a run of files, or a partition of a split file: partition 0 opens a split file for
    /// all (the same lock and committed end for every partition), and decides whether to split
    /// it after all. `count` is told lines read as a file goes on (every ``FileReplay/tickLines``).
    private func perform(_ task: Task, scratch: UnsafeMutableRawBufferPointer, count: (Int) -> Void) -> Result {
        let unit = units[task.unit]
        var result = Result()
        if unit.partitions == 1 { return withoutActuallyEscaping(count) { count in performRun(unit, scratch: scratch, count: count) } }
        guard case .file(let source, _) = items[unit.items.lowerBound] else { preconditionFailure("a split unit is a file") }
        var replay = FileReplay(file: source.path, ordinal: ordinals[unit.items.lowerBound], asOf: asOf)
        let log: FileReplay.OpenedLog
        let split: Bool
        var ranges: [Int64]?
        if task.opens {
            do {
                log = try FileReplay.open(source, file: replay.file)
            } catch {
                setLog(task.unit, .failed)
                result.replays.append((task.partition, ReplayBox(replay), error))
                return result
            }
            split = !replay.isOwnLog(log)
            if split, splitByRange ?? FileReplay.isGrouped(log) {
                ranges = FileReplay.ranges(of: log, rangeCount)
            }
            setLog(task.unit, .open(log, split: split, ranges: ranges))
        } else {
            condition.lock()
            while case .pending = pending[task.unit % window]!.log {
                sleepers += 1
                condition.wait()
                sleepers -= 1
            }
            let state = pending[task.unit % window]!.log
            condition.unlock()
            guard case .open(let opened, split: true, let opened_ranges) = state else { return result }
            log = opened
            split = true
            ranges = opened_ranges
        }
        if let ranges { return performRanges(task, replay, log, ranges, count: count) }
        if split { replay.split(partition: task.partition, of: unit.partitions) }
        // The opener counts the lines (every partition reads them all).
        var counted = 0
        var failure: JobLedgerError?
        do {
            try replay.read(log) { lines in
                guard task.opens else { return }
                count(lines - counted)
                counted = lines
            }
        } catch {
            failure = error
        }
        if task.opens { result.lines = replay.lines - counted }
        // Split by job, every job is folded by one partition alone: all can be rendered.
        if let render, failure == nil { replay.render(render) }
        result.replays.append((task.partition, ReplayBox(replay), failure))
        return result
    }

    /// Replays a run of files (``perform(_:scratch:count:)``), reading small logs into the
    /// thread's `scratch`. `count` and `render` are copied once per run, not per file: a copy of
    /// a closure retains its context, here this pool and the caller's renderer, objects every
    /// thread shares (each retain or release moved their cache line between cores).
    private func performRun(_ unit: Unit, scratch: UnsafeMutableRawBufferPointer, count: @escaping (Int) -> Void) -> Result {
        var result = Result()
        // Room for every file at once, rather than an array grown five times per run.
        result.plain.reserveCapacity(unit.items.count)
        let renders = render != nil
        let render = render ?? { _, _ in }
        // Rendered, a plain file is handed on as a ``PlainFile`` and its replay used again for the
        // next file here, so one spare will mostly do.
        var reusable = threads > 1 ? takeSpares(renders ? 1 : unit.items.count) : []
        var early = takePrefetched(unit.items)
        var counted = 0
        let tick = { (lines: Int) in
            count(lines - counted)
            counted = lines
        }
        for (slot, item) in unit.items.enumerated() {
            guard case .file(let source, _) = items[item] else { continue }
            if !early.isEmpty, let done = early.removeValue(forKey: item) {
                result.lines += done.box.replay.lines
                if !(renders && done.failure == nil && result.handOnPlain(done.box, slot: slot, keeping: &reusable)) {
                    done.box.replay.renumber(ordinals[item])
                    result.replays.append((slot, done.box, done.failure))
                }
                continue
            }
            let box: ReplayBox
            if let spare = reusable.popLast() {
                box = spare
                box.replay.reuse(file: source.path, ordinal: ordinals[item], asOf: asOf)
            } else {
                box = ReplayBox(FileReplay(file: source.path, ordinal: ordinals[item], asOf: asOf))
            }
            counted = 0
            var failure: JobLedgerError?
            do {
                try box.replay.run(source, scratch: scratch, tick: tick)
            } catch {
                failure = error
            }
            result.lines += box.replay.lines - counted
            if renders, failure == nil {
                box.replay.render(render)
                if result.handOnPlain(box, slot: slot, keeping: &reusable) { continue }
            }
            result.replays.append((slot, box, failure))
        }
        if !reusable.isEmpty { giveBack(reusable) }
        return result
    }

    /// Whether to split a large file into ranges (`true`), by job id (`false`), or as its lines
    /// suggest (`nil`, ``FileReplay/isGrouped(_:)``): for tests.
    var splitByRange: Bool?

    /// How many ranges a file split into ranges is cut into: more than threads, taken from a
    /// queue, so that a thread on a slower core (a busy one, or a virtual one given less time)
    /// just folds fewer of them.
    static let rangesPerThread = 4
    private var rangeCount: Int { threads * Self.rangesPerThread }

    /// A thread's share of a file split into ranges: folds the next range not taken yet, until
    /// none is left; once all are folded, renders the next range not rendered yet, until none is
    /// left. Rendering a range lets go of its jobs met in no other range, in parallel; those the
    /// hand-on must carry on across ranges (``FileReplay/carry(across:log:)``) stay. Each range's
    /// replay goes to the unit's slot of that range, its failure beside it. A thread that finds
    /// nothing left to fold waits for the others to finish folding theirs.
    private func performRanges(
        _ task: Task, _ prototype: FileReplay, _ log: FileReplay.OpenedLog, _ ranges: [Int64], count: (Int) -> Void
    ) -> Result {
        let index = task.unit % window
        let rangeCount = ranges.count - 1
        var result = Result()
        condition.lock()
        if pending[index]!.tables.isEmpty {
            pending[index]!.tables = Array(repeating: JobTable(buckets: 1), count: rangeCount)
            pending[index]!.filters = Array(repeating: JobFilter(capacity: 0), count: rangeCount)
        }
        while pending[index]!.nextFold < rangeCount {
            let range = pending[index]!.nextFold
            pending[index]!.nextFold += 1
            condition.unlock()
            var replay = prototype
            var counted = 0
            var failure: JobLedgerError?
            do {
                try replay.read(log, range: ranges[range]..<ranges[range + 1]) { lines in
                    count(lines - counted)
                    counted = lines
                }
            } catch {
                failure = error
            }
            result.lines += replay.lines - counted
            var filter = JobFilter(capacity: replay.slots.count)
            // By index: a slot copied out is a copy of its job id.
            for slot in replay.slots.indices { filter.insert(replay.slots[slot].hash) }
            condition.lock()
            pending[index]!.tables[range] = replay.table
            pending[index]!.filters[range] = filter
            pending[index]!.replays[range] = ReplayBox(replay)
            if let failure { pending[index]!.failures[range] = failure }
            pending[index]!.folded += 1
            if pending[index]!.folded == rangeCount { condition.broadcast() }
        }
        while pending[index]!.folded < rangeCount {
            sleepers += 1
            condition.wait()
            sleepers -= 1
        }
        let tables = pending[index]!.tables
        let filters = pending[index]!.filters
        while pending[index]!.nextRender < rangeCount {
            let range = pending[index]!.nextRender
            pending[index]!.nextRender += 1
            let box = pending[index]!.replays[range]!
            let failed = pending[index]!.failures[range] != nil
            condition.unlock()
            if !failed {
                for slot in box.replay.slots.indices {
                    let hash = box.replay.slots[slot].hash
                    var shared = false
                    for other in filters.indices where other != range && filters[other].mayContain(hash) {
                        // A "maybe": the job's id is read, and looked up, only now.
                        if tables[other].find(box.replay.slots[slot].job, hash: hash) != nil {
                            shared = true
                            break
                        }
                    }
                    box.replay.slots[slot].shared = shared
                }
                if let render {
                    box.replay.render(render, sharedToo: false)
                    box.replay.keepUnrenderedStates()
                }
            }
            condition.lock()
        }
        condition.unlock()
        return result
    }

    private func setLog(_ unit: Int, _ log: Log) {
        condition.lock()
        pending[unit % window]!.log = log
        wake()
        condition.unlock()
    }

    /// Hands a unit's results on, in item order (closing a split file; its replay merged from its
    /// partitions', with the first failure of them).
    /// - Returns: the replays of a run of files, handed on, to be let go.
    private func hand(
        _ unit: Unit, _ done: inout Pending, problem: (JobLedgerError) -> Void, file: (inout FileReplay, JobLedgerError?) -> Void,
        plain: (PlainFile, ArraySlice<UInt8>) -> Void, split: (inout [FileReplay]) -> Void
    ) -> [ReplayBox] {
        if unit.partitions == 1 {
            var handed: [ReplayBox] = []
            var nextPlain = 0
            for (slot, item) in unit.items.enumerated() {
                if case .problem(let error) = items[item] {
                    problem(error)
                } else if nextPlain < done.plain.count, done.plain[nextPlain].slot == slot {
                    plain(done.plain[nextPlain].file, done.bytes[done.plain[nextPlain].file.bytes])
                    nextPlain += 1
                } else {
                    let box = done.replays[slot].take()!
                    file(&box.replay, done.failures[slot])
                    handed.append(box)
                }
            }
            return handed
        }
        guard case .open(let log, _, let ranges) = done.log else {
            var replay = FileReplay.merged(done.replays.compactMap { $0?.take() })
            file(&replay, done.firstFailure)
            return []
        }
        defer { close(log.fd) }
        let failure = done.firstFailure
        if ranges != nil, failure == nil {
            // Moved out, not copied: the ranges' arrays are changed below, and a second owner
            // would make each change copy them whole.
            var parts: [FileReplay] = []
            for index in done.replays.indices { parts.append(done.replays[index]!.take()) }
            do {
                try FileReplay.carry(across: &parts, log: log)
            } catch {
                file(&parts[0], error)
                return []
            }
            // The jobs that crossed a range's edge, rendered now that they are complete.
            if let render { for index in parts.indices { parts[index].render(render) } }
            split(&parts)
            return []
        }
        var replay = FileReplay.merged(done.replays.compactMap { $0?.take() })
        file(&replay, failure)
        return []
    }
}

/// A file's replay, boxed: the pool moves each replay through several queues and between
/// threads, and moving a box moves a pointer rather than the replay's several hundred bytes.
final class ReplayBox {
    /// Not checked for overlapping access at run time: a box is used by one thread at a time, handed
    /// on under the pool's lock, and each of the dozen accesses per file was a run-time check (a
    /// fifth of a per-job file's instructions on two threads, under callgrind).
    @exclusivity(unchecked) var replay: FileReplay

    init(_ replay: consuming FileReplay) { self.replay = replay }

    /// The replay, moved out (the box is left with an empty one): so its arrays keep one owner.
    func take() -> FileReplay {
        var replay = FileReplay(file: "", ordinal: 0, asOf: nil)
        swap(&replay, &self.replay)
        return replay
    }
}

extension FileReplay {
    /// Whether the file is its own job's log (`<job>.jsonl` whose first line is of `<job>`): then
    /// it is not split, since one job is folded by one thread.
    func isOwnLog(_ log: OpenedLog) -> Bool {
        guard let stem else { return false }
        var first = [UInt8](repeating: 0, count: 4096)
        let read = first.withUnsafeMutableBytes { pread(log.fd, $0.baseAddress!, $0.count, 0) }
        guard read > 0 else { return false }
        return first.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            let count = memchr(base, 0x0A, read).map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? read
            guard let start = PartitionFilter.jobStart(base, count), let end = memchr(base + start, Int32(UInt8(ascii: "\"")), count - start)
            else { return false }
            let id = UnsafeBufferPointer(start: base + start, count: UnsafeRawPointer(end) - UnsafeRawPointer(base + start))
            return stem.rawValue.utf8.elementsEqual(id)
        }
    }

    /// Makes this replay fold partition `partition` of `partitions` only.
    mutating func split(partition: Int, of partitions: Int) {
        self.partition = partition
        self.partitions = partitions
    }

    /// The partition of `partitions` a job id's bytes go to, by the hash's high half (the job
    /// tables use the low bits). Partition 0 gets a smaller share (3/4 of an even one): the
    /// calling thread usually takes it, and it alone merges the partitions and hands the jobs on
    /// afterwards.
    @inline(__always)
    static func partition(of key: UnsafeBufferPointer<UInt8>, _ partitions: Int) -> Int {
        let x = JobTable.hash(key) >> 32
        let first = (UInt64(1) << 32) * 3 / (4 * UInt64(partitions))
        guard x >= first else { return 0 }
        return 1 + Int(truncatingIfNeeded: (x - first) &* UInt64(partitions - 1) / ((UInt64(1) << 32) - first))
    }

    static func partition(of job: JobID, _ partitions: Int) -> Int {
        return job.withUTF8 { partition(of: $0, partitions) }
    }

    /// Whether `owner` folds a line, its job found by decoding it and identified as `fold` does:
    /// the decoded id, or, for a line that fails, the valid id it names; a line naming none is
    /// partition 0's.
    mutating func decodedOwner(_ base: UnsafePointer<UInt8>, _ count: Int, _ owner: PartitionFilter.Owner) -> Bool {
        func owns(_ job: JobID) -> Bool {
            return job.withUTF8 { owner.owns($0) }
        }
        do throws(LineError) {
            try decoder.decode(base, count: count)
        } catch {
            guard let text = decoder.jobText(base), let job = JobID(validating: text) else { return owner.ownsLinesWithoutJob }
            return owns(job)
        }
        if !decoder.job.escaped {
            let key = UnsafeBufferPointer(start: base + decoder.job.start, count: decoder.job.end - decoder.job.start)
            // An invalid id names no job (`fold` reports the line on its own).
            if JobID.problem(with: key) != nil { return owner.ownsLinesWithoutJob }
            return owner.owns(key)
        }
        guard let job = try? decoder.jobID(base) else { return owner.ownsLinesWithoutJob }
        return owns(job)
    }

    /// One file's replay from its partitions': the slots in order of their first line (a job's
    /// lines are all in one partition, and a line in one only), the file's problems in line order.
    static func merged(_ parts: [FileReplay]) -> FileReplay {
        guard parts.count > 1 else { return parts[0] }
        var merged = parts[0]
        merged.table = JobTable(buckets: 16)
        merged.slots = []
        merged.states = []
        merged.errors = [:]
        merged.snapshots = [:]
        merged.slots.reserveCapacity(parts.reduce(0) { $0 + $1.slots.count })
        merged.states.reserveCapacity(parts.reduce(0) { $0 + $1.states.count })
        var stateBase: [Int] = []
        for part in parts {
            stateBase.append(merged.states.count)
            merged.states.append(contentsOf: part.states)
        }
        // Where each part's slots went.
        var moved: [[Int]] = parts.map { Array(repeating: 0, count: $0.slots.count) }
        var cursor = Array(repeating: 0, count: parts.count)
        while true {
            var best = -1
            for p in parts.indices where cursor[p] < parts[p].slots.count {
                if best < 0 || parts[p].slots[cursor[p]].line < parts[best].slots[cursor[best]].line { best = p }
            }
            guard best >= 0 else { break }
            var slot = parts[best].slots[cursor[best]]
            if slot.state >= 0 { slot.state += stateBase[best] }
            moved[best][cursor[best]] = merged.slots.count
            merged.slots.append(slot)
            cursor[best] += 1
        }
        for (p, part) in parts.enumerated() {
            for (slot, error) in part.errors { merged.errors[moved[p][slot]] = error }
            for (slot, state) in part.snapshots { merged.snapshots[moved[p][slot]] = state }
        }
        for (p, part) in parts.enumerated() {
            for (slot, range) in part.renderedRanges.enumerated() {
                guard let range else { continue }
                if merged.renderedRanges.count < merged.slots.count {
                    merged.renderedRanges = Array(repeating: nil, count: merged.slots.count)
                }
                let start = merged.rendered.count
                merged.rendered.append(contentsOf: part.rendered[range])
                merged.renderedRanges[moved[p][slot]] = start..<merged.rendered.count
            }
        }
        merged.fileProblems = parts.flatMap(\.fileProblems).sorted { ($0.line ?? 0) < ($1.line ?? 0) }
        merged.firstForeignLine = parts.compactMap(\.firstForeignLine).min { $0.line < $1.line }
        return merged
    }

    /// Whether a file's lines come grouped by job (most lines followed by one of the same job,
    /// judged from its first 64 KB): then it is split into ranges, each read by one thread, and
    /// only the jobs that cross a range's edge are carried on by the merge; lines interleaved
    /// from many jobs are better split by job id.
    static func isGrouped(_ log: OpenedLog) -> Bool {
        let sample = Int(min(log.end, 64 << 10))
        guard sample > 0 else { return false }
        var bytes = [UInt8](repeating: 0, count: sample)
        let read = bytes.withUnsafeMutableBytes { pread(log.fd, $0.baseAddress!, sample, 0) }
        guard read == sample else { return false }
        return bytes.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            var start = 0
            var lines = 0
            var changes = 0
            var last: (start: Int, count: Int) = (0, -1)
            while start < sample, let newline = memchr(base + start, 0x0A, sample - start) {
                let end = UnsafeRawPointer(newline) - UnsafeRawPointer(base)
                lines += 1
                if let jobStart = PartitionFilter.jobStart(base + start, end - start),
                    let quote = memchr(base + start + jobStart, Int32(UInt8(ascii: "\"")), end - start - jobStart)
                {
                    let id = (start: start + jobStart, count: UnsafeRawPointer(quote) - UnsafeRawPointer(base + start + jobStart))
                    if id.count != last.count || memcmp(base + id.start, base + last.start, id.count) != 0 { changes += 1 }
                    last = id
                } else {
                    changes += 1
                    last = (0, -1)
                }
                start = end + 1
            }
            return lines >= 8 && changes * 4 <= lines
        }
    }

    /// Offsets splitting a log's committed lines into `partitions` ranges of about equal size,
    /// each starting at a line's start.
    static func ranges(of log: OpenedLog, _ partitions: Int) -> [Int64] {
        let unit = Double(log.end) / Double(partitions)
        var offsets: [Int64] = [0]
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        for p in 1..<partitions {
            var at = max(offsets[p - 1], Int64(unit * Double(p)))
            // The range begins after the first newline at or after its share's start.
            var start = log.end
            search: while at < log.end {
                let wanted = Int(min(Int64(buffer.count), log.end - at))
                let read = buffer.withUnsafeMutableBytes { pread(log.fd, $0.baseAddress!, wanted, off_t(at)) }
                if read <= 0 { break }
                if let newline = buffer.withUnsafeBytes({ memchr($0.baseAddress!, 0x0A, read) }) {
                    start = at + Int64(buffer.withUnsafeBytes { UnsafeRawPointer(newline) - $0.baseAddress! }) + 1
                    break search
                }
                at += Int64(read)
            }
            offsets.append(start)
        }
        offsets.append(log.end)
        return offsets
    }

    /// Where each range's line numbers start in the whole file: the lines of the ranges before it.
    static func lineBases(_ parts: UnsafeBufferPointer<FileReplay>) -> [Int] {
        var bases: [Int] = []
        bases.reserveCapacity(parts.count)
        var lines = 0
        for index in parts.indices {
            bases.append(lines)
            lines += parts[index].lines
        }
        return bases
    }

    /// Carries on, range after range, the jobs a range met that an earlier one began: their
    /// lines in the later range are folded onto their state in the range that began them,
    /// numbered as one thread would number them, and the later slot is marked `carried` (its own
    /// fold, from no state, is dropped). Jobs met in one range only are left as they are.
    static func carry(across parts: inout [FileReplay], log: OpenedLog) throws(JobLedgerError) {
        // The jobs met in more than one range: the range and slot that began each.
        var shared = JobTable(buckets: 16)
        var owners: [(part: Int, slot: Int)] = []
        let bases = parts.withUnsafeBufferPointer { lineBases($0) }
        for part in parts.indices {
            var carried: [(owner: (part: Int, slot: Int), slot: Int)] = []
            for index in parts[part].slots.indices where parts[part].slots[index].shared {
                let slot = parts[part].slots[index]
                if let known = shared.find(slot.job, hash: slot.hash) {
                    carried.append((owners[known], index))
                    parts[part].slots[index].carried = true
                } else {
                    _ = shared.insert(slot.job, hash: slot.hash)
                    owners.append((part, index))
                }
            }
            if !carried.isEmpty { try carry(carried, into: &parts, from: part, bases: bases, log: log) }
        }
    }

    /// Folds the lines range `part` holds of the `carried` jobs onto their states in the ranges
    /// that began them, in one pass over the span of the range that holds them.
    private static func carry(
        _ carried: [(owner: (part: Int, slot: Int), slot: Int)], into parts: inout [FileReplay], from part: Int, bases: [Int],
        log: OpenedLog
    ) throws(JobLedgerError) {
        var fixer = FileReplay(file: parts[part].file, ordinal: parts[part].ordinal, asOf: parts[part].asOf)
        for (owner, _) in carried {
            let home = parts[owner.part]
            var slot = home.slots[owner.slot]
            _ = fixer.table.insert(slot.job, hash: slot.hash)
            if slot.state >= 0 {
                fixer.states.append(home.states[slot.state])
                slot.state = fixer.states.count - 1
            }
            if let error = home.errors[owner.slot] { fixer.errors[fixer.slots.count] = error }
            if let snapshot = home.snapshots[owner.slot] { fixer.snapshots[fixer.slots.count] = snapshot }
            fixer.slots.append(slot)
        }
        let spans = carried.map { parts[part].slots[$0.slot] }
        let first = spans.min { $0.firstOffset < $1.firstOffset }!
        let end = spans.map(\.lastEnd).max()!
        try fixer.refold(log, range: first.firstOffset..<end, firstLine: first.line + bases[part])
        for (index, (owner, _)) in carried.enumerated() {
            let fixed = fixer.slots[index]
            if fixed.rejected && !parts[owner.part].slots[owner.slot].rejected {
                // Numbered in the whole file; the range that began the job numbers from its start.
                var error = fixer.errors[index]!
                error.line = error.line.map { $0 - bases[owner.part] }
                parts[owner.part].errors[owner.slot] = error
                parts[owner.part].slots[owner.slot].rejected = true
            }
            if fixed.state >= 0 {
                if parts[owner.part].slots[owner.slot].state < 0 {
                    parts[owner.part].states.append(nil)
                    parts[owner.part].slots[owner.slot].state = parts[owner.part].states.count - 1
                }
                parts[owner.part].states[parts[owner.part].slots[owner.slot].state] = fixer.states[fixed.state]
            }
            parts[owner.part].snapshots[owner.slot] = fixer.snapshots[index]
        }
    }
}

/// Which lines of a split file a partition folds: a line goes to the partition its job's id
/// hashes to — the job `fold` would charge it to — and a line that names no job to partition 0.
/// A pure function of the line's bytes, so every partition agrees.
///
/// Most lines begin `{"seq":N,"at":"…","job":"ID"`: the id is taken from there (the last line's
/// decision kept while the id is the same). If such a line names a job at all, it is that one: a
/// reader that reaches `job` reads these bytes, and one that stops before (a bad `seq` or `at`)
/// names none. Other lines are left to ``FileReplay/decodedPartition(_:_:)``.
struct PartitionFilter {
    /// Whose lines are folded: a partition's of a file split by job, or the given jobs'.
    enum Owner {
        case partition(Int, of: Int)
        case jobs(JobTable)

        @inline(__always)
        func owns(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
            switch self {
            case .partition(let partition, let partitions): FileReplay.partition(of: key, partitions) == partition
            case .jobs(let table): table.find(key, hash: JobTable.hash(key)) != nil
            }
        }

        /// Whether the lines that name no job are folded (by partition 0 of a split file).
        var ownsLinesWithoutJob: Bool {
            if case .partition(let partition, _) = self { partition == 0 } else { false }
        }
    }

    let owner: Owner
    /// The last id whose partition was worked out (as long as the longest valid id; none while
    /// `length` is 0), and whether it is this partition's.
    private let job: UnsafeMutableRawPointer
    private var length = 0
    private var isThis = false

    init(_ owner: Owner) {
        self.owner = owner
        job = .allocate(byteCount: 128, alignment: 8)
    }

    func deallocate() { job.deallocate() }

    /// Whether this partition folds the line; `nil` when the line must be decoded to tell.
    @inline(__always)
    mutating func owns(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool? {
        guard n <= LogLimits.maximumLineLength else { return owner.ownsLinesWithoutJob }
        guard let start = Self.jobStart(p, n) else { return nil }
        let length = self.length
        if length > 0, n - start > length, p[start + length] == UInt8(ascii: "\""), EventLineDecoder.same(job.assumingMemoryBound(to: UInt8.self), p + start, length) {
            return isThis
        }
        return newJob(p, n, start)
    }

    /// Where the job id starts in a line that begins `{"seq":DIGITS,"at":"…","job":"`; `nil` for
    /// any other line.
    @inline(__always)
    static func jobStart(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int? {
        let raw = UnsafeRawPointer(p)
        // The literals as the fast reader compares them (``EventLineDecoder/readEnvelope``).
        guard n >= 24, EventLineDecoder.literal(p, 0, n, 0x3A_2271_6573_227B, 0xFF_FFFF_FFFF_FFFF) else { return nil }  // {"seq":
        // The digits of seq: most often one or two.
        guard p[7] &- UInt8(ascii: "0") < 10 else { return nil }
        var i = 8
        if p[8] &- UInt8(ascii: "0") < 10 {
            i = 9
            while i < n, p[i] &- UInt8(ascii: "0") < 10 { i += 1 }
        }
        guard EventLineDecoder.literal(p, i, n, 0x22_3A22_7461_222C, 0xFF_FFFF_FFFF_FFFF) else { return nil }  // ,"at":"
        i += 7
        // The time's closing quote: after the 20 bytes of `YYYY-MM-DDThh:mm:ssZ`, or found. (A
        // quote within them ends a string too short to be a time: the line names no job.)
        var quote = i + 20
        if quote >= n || p[quote] != UInt8(ascii: "\"") {
            guard let found = memchr(p + i, Int32(UInt8(ascii: "\"")), n - i) else { return nil }
            quote = UnsafeRawPointer(found) - raw
        }
        guard EventLineDecoder.literal(p, quote, n, 0x3A22_626F_6A22_2C22, ~0, 0x22, 0xFF) else { return nil }  // ","job":"
        return quote + 9
    }

    /// A line of a job other than the last one's: its partition, remembered.
    @inline(never)
    private mutating func newJob(_ p: UnsafePointer<UInt8>, _ n: Int, _ start: Int) -> Bool? {
        // Without a backslash the string ends at the first quote and its bytes are the id's.
        guard let end = memchr(p + start, Int32(UInt8(ascii: "\"")), n - start) else { return nil }
        let length = UnsafeRawPointer(end) - UnsafeRawPointer(p + start)
        if memchr(p + start, Int32(UInt8(ascii: "\\")), length) != nil { return nil }
        let mine = owner.owns(UnsafeBufferPointer(start: p + start, count: length))
        if length > 0 && length <= 128 {
            job.copyMemory(from: p + start, byteCount: length)
            self.length = length
            isThis = mine
        } else {
            self.length = 0
        }
        return mine
    }
}
