#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Offline replay of log files and directories: read every line, check every transition, fold
/// every job — the hot path (SPEC 6). Files are streamed, so memory is flat in their length and
/// bounded per job.
///
/// Which file is whose:
/// - A directory stands for the `*.jsonl` files below it, in name order (subdirectories too;
///   hidden entries and `.torn` files are skipped).
/// - A file named `<job>.jsonl` that holds events of `<job>` is that job's log: a line of another
///   job in it is corruption. Any other file is an export: its lines are grouped by `job`.
/// - A job with events in two files is a `duplicate_job`: the later file's copy is rejected.
/// - A damaged log rejects its job only: a bad line is charged to the job it names; a line too
///   damaged to name a job is reported on its own. Other jobs still replay.
/// - Replay never changes a file: a torn write (a cut last line or batch) is reported and ignored.
/// - Inside a directory no symbolic link is followed and only regular files are read; each file is
///   read under a shared lock, so an append in progress is waited for.
public struct Replay: Sendable {
    /// Replay each job up to this `seq` (time travel); later lines are still checked.
    public var asOf: Int?
    /// How many threads replay (at least 1; by default one per core online). The files of a
    /// directory are spread over them, and a file of ``splitSize`` bytes or more that is not a
    /// job's own log is split between them: into ranges when its lines come grouped by job, else
    /// by job id. What a replay reports, and in which order, does not depend on it.
    /// The threads other than the calling one are the replay's own, started for it and ended with
    /// it; on Linux, when no file is split, each keeps a table of file descriptors of its own,
    /// holding only the directories whose files it opens, and 0, 1 and 2
    /// (``PrivateDescriptorTable``): it holds no copy of the process's other descriptors, so it
    /// keeps none of their files open. Each also takes a copy of its credentials, unchanged, so
    /// that opening a file does not count references on the ones the other threads use
    /// (``PrivateCredentials``).
    public var threads: Int
    /// The size from which a file is split between the threads (4 MB by default).
    public var splitSize: Int64 = 4 << 20
    /// How a large file is split: into ranges (`true`), by job id (`false`), or as its first
    /// lines suggest (`nil`): for tests, which hold both ways to what one thread reports.
    package var splitByRange: Bool?

    public init(asOf: Int? = nil, threads: Int = Replay.allCores) {
        self.asOf = asOf
        self.threads = max(1, threads)
    }

    /// The number of cores online: the default number of threads.
    public static var allCores: Int { OSThread.processorCount }

    /// What a replay saw.
    public struct Summary: Sendable, Hashable {
        public var files = 0
        public var lines = 0
        /// Jobs replayed cleanly (passed to `emit`).
        public var jobs = 0
        /// Problems reported (passed to `reject`).
        public var problems = 0
    }

    /// How far a replay has got: lines read so far and files done.
    public struct Progress: Sendable, Hashable {
        public var lines: Int
        public var files: Int
    }

    /// Replays `paths`, calling `emit` with each job's state (as of ``asOf``) when its file is
    /// done, `reject` with each problem (file and line included), and `torn` for each torn tail;
    /// `progress`, if given, now and then during the run (every 65,536 lines or so, and a few
    /// times a second while waiting for other threads). All of them are called on the calling
    /// thread, in the same order whatever ``threads`` is.
    @discardableResult
    public func run(
        _ paths: [String], emit: (JobState) -> Void, reject: (JobLedgerError) -> Void,
        torn: (TornWrite) -> Void = { _ in }, progress: ((Progress) -> Void)? = nil
    ) -> Summary {
        run(paths, render: nil, emit: emit, write: { _ in }, reject: reject, torn: torn, progress: progress)
    }

    /// Turns a job's state into bytes, appended to the buffer given.
    public typealias Render = @Sendable (JobState, inout [UInt8]) -> Void

    /// Replays `paths` as ``run(_:emit:reject:torn:progress:)`` does, but each job is turned
    /// into bytes by `render` on the thread that replayed it, and `write` is given those bytes on
    /// the calling thread, in the order `emit` would have been called (consecutive jobs' bytes
    /// may come in one call): so the rendering, and the
    /// freeing of each job's state, are spread over the threads too (`jobledger replay` renders its
    /// projection lines so).
    @discardableResult
    public func run(
        _ paths: [String], render: @escaping Render, write: (ArraySlice<UInt8>) -> Void, reject: (JobLedgerError) -> Void,
        torn: (TornWrite) -> Void = { _ in }, progress: ((Progress) -> Void)? = nil
    ) -> Summary {
        run(paths, render: render, emit: { _ in }, write: write, reject: reject, torn: torn, progress: progress)
    }

    private func run(
        _ paths: [String], render: Render?, emit: (JobState) -> Void, write: (ArraySlice<UInt8>) -> Void,
        reject: (JobLedgerError) -> Void, torn: (TornWrite) -> Void, progress: ((Progress) -> Void)?
    ) -> Summary {
        var items: [ReplayItem] = []
        // With other threads, they replay a large directory's logs while it is being listed.
        let prefetch = threads > 1 ? ReplayPrefetch(threads: threads - 1, asOf: asOf, render: render) : nil
        // The directories listed, kept for their items (which do not count references to them).
        var listings: [DirectoryListing] = []
        defer { withExtendedLifetime(listings) {} }
        for path in paths {
            do {
                for entry in try Self.logFiles(at: path, threads: threads, prefetch: prefetch, listings: &listings) {
                    switch entry {
                    case .file(let source, let size): items.append(.file(source, size: size))
                    case .refused(let error): items.append(.problem(error))
                    }
                }
            } catch {
                items.append(.problem(error))
            }
        }
        prefetch?.stop()
        var results = ReplayResults(sources: items.compactMap { if case .file(let source, _) = $0 { source } else { nil } })
        let files = results.filesLeft
        let large = items.contains { if case .file(_, let size) = $0 { size >= splitSize } else { false } }
        if threads > 1 && (files > 1 || large) {
            let pool = ReplayPool(items: items, threads: threads, splitSize: splitSize, asOf: asOf, render: render, prefetched: prefetch)
            pool.splitByRange = splitByRange
            pool.run(
                reportsProgress: progress != nil, progress: { lines in progress?(Progress(lines: lines, files: results.summary.files)) },
                problem: { results.problem($0, reject: reject) },
                file: { replay, failure in results.file(&replay, failure: failure, emit: emit, write: write, reject: reject, torn: torn) },
                plain: { file, bytes in results.plain(file, bytes: bytes, write: write, reject: reject) },
                split: { parts in results.split(&parts, emit: emit, write: write, reject: reject, torn: torn) })
            return results.summary
        }
        var done = 0
        var reported = 0
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: FileReplay.scratchSize, alignment: 16)
        defer { scratch.deallocate() }
        // One replay, used again in place for each file while its memory stays small (moving a
        // replay in and out of a spare copied its several hundred bytes each time).
        var replay = FileReplay(file: "", ordinal: 0, asOf: asOf)
        for item in items {
            switch item {
            case .problem(let error): results.problem(error, reject: reject)
            case .file(let source, _):
                if replay.isReusable {
                    replay.reuse(file: source.path, ordinal: results.summary.files + 1, asOf: asOf)
                } else {
                    replay = FileReplay(file: source.path, ordinal: results.summary.files + 1, asOf: asOf)
                }
                var failure: JobLedgerError?
                do {
                    try replay.run(source, scratch: scratch) { lines in
                        progress?(Progress(lines: done + lines, files: results.summary.files))
                    }
                } catch {
                    failure = error
                }
                done += replay.lines
                if let render { replay.render(render) }
                results.file(&replay, failure: failure, emit: emit, write: write, reject: reject, torn: torn)
                if let progress, done - reported >= FileReplay.tickLines {
                    reported = done
                    progress(Progress(lines: done, files: results.summary.files))
                }
            }
        }
        return results.summary
    }

    /// A file a path stands for (with its size), or an entry that looks like a log and is refused.
    enum LogFile {
        case file(LogSource, size: Int64)
        case refused(JobLedgerError)
    }

    /// The log files a path stands for. A path named by the caller is followed if it is a
    /// symbolic link; inside a directory, nothing is: a symbolic link or anything else that is not
    /// a regular file named `*.jsonl` is refused (a store would refuse it too), and a link to a
    /// directory is not entered, so links cannot make a walk loop or leave the tree.
    /// The listings of the directories walked are added to `listings`: the caller keeps them for
    /// as long as it uses the files (``LogSource/listed(_:_:)``).
    static func logFiles(at path: String, threads: Int = 1, prefetch: ReplayPrefetch? = nil, listings: inout [DirectoryListing])
        throws(JobLedgerError) -> [LogFile]
    {
        switch FileIO.status(of: path) {
        case (.file, let size)?: return [.file(.named(path), size: size)]
        case (.directory, _)?:
            var files: [LogFile] = []
            try walk(path, threads: threads, prefetch: prefetch, listings: &listings, into: &files)
            return files
        case (.other, _)?, (.symlink, _)?: throw JobLedgerError(.io, "not a regular file or directory; refused", file: path)
        case nil: throw JobLedgerError(.io, "no such file or directory", file: path)
        }
    }

    /// A directory with more logs than this is taken for a store: its logs' sizes are not asked.
    package static let sizedLogs = 1024

    private static func walk(
        _ directory: String, threads: Int, prefetch: ReplayPrefetch?, listings: inout [DirectoryListing], into files: inout [LogFile]
    ) throws(JobLedgerError) {
        let listing = try DirectoryListing(of: directory, keeping: Journal.folderName, prefetch: prefetch)
        listings.append(listing)
        let unmanaged = Unmanaged.passUnretained(listing)
        // The only hidden entry listed is the store's journals: a replay changes nothing, so if
        // a crash left acknowledged appends only there, it is refused (`jobledger recover` puts
        // them back).
        if listing.count > 0 && (0..<listing.count).contains(where: listing.isHidden) {
            try JournalRecovery.recover(directory, writing: false)
        }
        // What the entry's type from the directory leaves open is asked of the file system (on
        // several threads): any entry of unknown type, and a log's size, so that a large export
        // can be split between threads — but only in a directory of at most `sizedLogs` logs. A
        // larger one is a store's per-job logs, which are never split, and a `stat` per log would
        // cost a path lookup as dear as the replay's own `open` (size 0 stands for "not asked").
        let unknown = UInt8(DT_UNKNOWN)
        let entries = (0..<listing.count).filter { !listing.isHidden($0) }
        let sized = entries.count(where: listing.isLog) <= Self.sizedLogs
        let asked = entries.filter { (sized && listing.isLog($0)) || listing.type($0) == unknown }
        let answers = FileIO.statuses(of: asked.map(listing.name), in: directory, threads: threads)
        var statuses: [Int: (kind: FileIO.Kind, size: Int64)?] = [:]
        for (index, answer) in zip(asked, answers) { statuses[index] = answer }
        for index in entries {
            let isLog = listing.isLog(index)
            let status: (kind: FileIO.Kind, size: Int64)? =
                switch listing.type(index) {
                case unknown: statuses[index] ?? nil
                case UInt8(DT_DIR): (.directory, 0)
                case UInt8(DT_REG): isLog ? (sized ? statuses[index] ?? nil : (.file, 0)) : nil
                case UInt8(DT_LNK): (.symlink, 0)
                default: (.other, 0)
                }
            guard let status else { continue }
            switch status {
            case (.directory, _): try walk(listing.path(index), threads: threads, prefetch: prefetch, listings: &listings, into: &files)
            case (.file, let size) where isLog: files.append(.file(.listed(unmanaged, index), size: size))
            case (.symlink, _) where isLog:
                files.append(.refused(JobLedgerError(.io, "is a symbolic link; not followed (a store never follows one)", file: listing.path(index))))
            case (.other, _) where isLog:
                files.append(.refused(JobLedgerError(.io, "not a regular file; refused (a store refuses it too)", file: listing.path(index))))
            default: break
            }
        }
    }
}

/// Where a log is read from: a path the caller named (a symbolic link there is followed), or an
/// entry of a directory walked (opened relative to the directory, never through a link). The
/// path of an entry is made as a string by the thread that replays it.
///
/// An entry does not count a reference to its listing (the replay keeps the listings, see
/// ``Replay/logFiles(at:threads:prefetch:listings:)``): every thread reads the entries of one
/// listing, and counting on one object from two cores costs each of them.
enum LogSource: @unchecked Sendable {
    case named(String)
    case listed(Unmanaged<DirectoryListing>, Int)

    /// The log's path, as a replay's reports name it.
    var path: String {
        switch self {
        case .named(let path): path
        case .listed(let listing, let index): listing._withUnsafeGuaranteedRef { $0.path(index) }
        }
    }
}

/// What a replay reads, in order: a log file, or a problem reported in its place (a path that
/// cannot be read, an entry refused).
enum ReplayItem {
    case file(LogSource, size: Int64)
    case problem(JobLedgerError)
}

/// What the calling thread does with each file's replay, in file order: the duplicate check
/// across files, then the file's problems and jobs.
struct ReplayResults {
    var summary = Replay.Summary()
    var jobs: ReplayedJobs
    /// Files not handed on yet (the last is checked for duplicates without being noted).
    var filesLeft: Int

    /// The results of replaying the files `sources`, in this order.
    init(sources: [LogSource]) {
        jobs = ReplayedJobs(sources: sources)
        filesLeft = sources.count
    }

    mutating func problem(_ error: JobLedgerError, reject: (JobLedgerError) -> Void) {
        reject(error)
        summary.problems += 1
    }

    mutating func file(
        _ replay: inout FileReplay, failure: JobLedgerError?, emit: (JobState) -> Void, write: (ArraySlice<UInt8>) -> Void,
        reject: (JobLedgerError) -> Void, torn: (TornWrite) -> Void
    ) {
        guard let failure else {
            // The replay as a one-part file, in place: not copied into an array.
            return withUnsafeMutablePointer(to: &replay) {
                split(UnsafeMutableBufferPointer(start: $0, count: 1), emit: emit, write: write, reject: reject, torn: torn)
            }
        }
        jobs.check(&replay, last: noteFile())
        self.problem(failure, reject: reject)
    }

    /// Counts a file handed on, and notes it for the duplicate check (``ReplayedJobs/noted``):
    /// whether it is the replay's last.
    private mutating func noteFile() -> Bool {
        summary.files += 1
        filesLeft -= 1
        jobs.noted += 1
        return filesLeft == 0
    }
}

extension ReplayResults {
    /// Hands on a plain file (``PlainFile``) and its job's rendered bytes: what ``split(_:emit:write:reject:torn:)``
    /// does with the file's replay.
    mutating func plain(_ plain: PlainFile, bytes: ArraySlice<UInt8>, write: (ArraySlice<UInt8>) -> Void, reject: (JobLedgerError) -> Void) {
        let last = noteFile()
        let duplicate = jobs.check(plain.job, hash: plain.hash, line: plain.line, file: nil, last: last)
        summary.lines += plain.lines
        if let duplicate {
            reject(duplicate)
            summary.problems += 1
        } else {
            write(bytes)
            summary.jobs += 1
        }
    }

    /// Hands on a file's replay — or, for a file split into ranges, its ranges' replays in order,
    /// without merging them: the file's problems, then its jobs in order of their first line, each
    /// range's numbered after the lines of the ranges before it. Jobs another range began are
    /// skipped (``FileReplay/carry(across:log:)`` carried them on in the range that began them),
    /// and consecutive rendered jobs are written at once.
    ///
    /// In a per-job file — `<job>.jsonl` holding `<job>` — every line is that job's: a line of
    /// another job, or one too damaged to name its job, rejects the file's job (at the earliest
    /// such line), and no other job is replayed from it. In an export, such a line is reported on
    /// its own.
    mutating func split(
        _ parts: inout [FileReplay], emit: (JobState) -> Void, write: (ArraySlice<UInt8>) -> Void,
        reject: (JobLedgerError) -> Void, torn: (TornWrite) -> Void
    ) {
        parts.withUnsafeMutableBufferPointer { split($0, emit: emit, write: write, reject: reject, torn: torn) }
    }

    /// ``split(_:emit:write:reject:torn:)`` of the parts in place. (Each part is read through
    /// the buffer, never bound to a local: a copy of a replay is a retain of each of its arrays.)
    mutating func split(
        _ parts: UnsafeMutableBufferPointer<FileReplay>, emit: (JobState) -> Void, write: (ArraySlice<UInt8>) -> Void,
        reject: (JobLedgerError) -> Void, torn: (TornWrite) -> Void
    ) {
        let isLast = noteFile()
        let bases = FileReplay.lineBases(UnsafeBufferPointer(parts))
        for index in parts.indices { jobs.check(&parts[index], last: isLast) }
        let last = parts.count - 1
        summary.lines += bases[last] + parts[last].lines
        if let tail = parts[last].tornTail {
            torn(TornWrite(file: tail.file, line: tail.line + bases[last], byteCount: tail.byteCount, moved: tail.moved))
        }
        func shifted(_ error: JobLedgerError, _ base: Int) -> JobLedgerError {
            var moved = error
            moved.line = error.line.map { $0 + base }
            return moved
        }
        // A file named after a job that holds that job's lines: its log.
        var own: (part: Int, slot: Int)?
        if let stem = parts[0].stem {
            for part in parts.indices where own == nil {
                if let slot = parts[part].slots.firstIndex(where: { !$0.carried && $0.job == stem }) { own = (part, slot) }
            }
        }
        if let stem = parts[0].stem, let own {
            var candidates: [JobLedgerError] = []
            var foreign: (line: Int, job: JobID)?
            for index in parts.indices {
                candidates += parts[index].fileProblems.map { shifted($0, bases[index]).about(job: stem.rawValue) }
                if foreign == nil, let first = parts[index].firstForeignLine { foreign = (first.line + bases[index], first.job) }
            }
            if let foreign {
                candidates.append(
                    JobLedgerError(
                        .corruptLog, "a line of job \(foreign.job) in the log of job \(stem) (a per-job file holds one job)",
                        job: stem.rawValue, file: parts[0].file, line: foreign.line))
            }
            let home = parts.baseAddress! + own.part
            if home.pointee.slots[own.slot].rejected { candidates.append(shifted(home.pointee.errors[own.slot]!, bases[own.part])) }
            if let first = candidates.min(by: { ($0.line ?? Int.max) < ($1.line ?? Int.max) }) {
                reject(first)
                summary.problems += 1
            } else if own.slot < home.pointee.renderedRanges.count, let bytes = home.pointee.renderedRanges[own.slot] {
                write(home.pointee.rendered[bytes])
                summary.jobs += 1
            } else if home.pointee.slots[own.slot].state >= 0,
                let state = home.pointee.snapshots[own.slot] ?? home.pointee.states[home.pointee.slots[own.slot].state]
            {
                emit(state)
                summary.jobs += 1
            }
            return
        }
        for index in parts.indices {
            for problem in parts[index].fileProblems {
                reject(shifted(problem, bases[index]))
                summary.problems += 1
            }
        }
        for index in parts.indices {
            let part = parts.baseAddress! + index
            var run: Range<Int>?
            func flush() {
                if let bytes = run { write(part.pointee.rendered[bytes]) }
                run = nil
            }
            for slot in part.pointee.slots.indices where !part.pointee.slots[slot].carried {
                if part.pointee.slots[slot].rejected {
                    flush()
                    reject(shifted(part.pointee.errors[slot]!, bases[index]))
                    summary.problems += 1
                } else if slot < part.pointee.renderedRanges.count, let bytes = part.pointee.renderedRanges[slot] {
                    if let current = run, current.upperBound == bytes.lowerBound {
                        run = current.lowerBound..<bytes.upperBound
                    } else {
                        flush()
                        run = bytes
                    }
                    summary.jobs += 1
                } else if part.pointee.slots[slot].state >= 0, let state = part.pointee.snapshots[slot] ?? part.pointee.states[part.pointee.slots[slot].state] {
                    flush()
                    emit(state)
                    summary.jobs += 1
                }
            }
            flush()
        }
    }
}

/// Every job a replay met, across files: the file it was last seen in.
struct ReplayedJobs {
    var table = JobTable()
    /// Per table entry: the ordinal of the file it was last met in.
    var file: [Int32] = []
    /// The files in order, for duplicate messages: file `n` (1-based) is `sources[n - 1]`. Its
    /// path is made when a message needs it, rather than kept for every file.
    let sources: [LogSource]
    /// The files noted so far; the last of them is the one being checked.
    var noted = 0

    init(sources: [LogSource]) { self.sources = sources }

    /// The path of file `ordinal`.
    func path(of ordinal: Int) -> String { sources[ordinal - 1].path }

    /// Takes note of a file's jobs (the files come in order). A job last met in another file is a
    /// duplicate: its slot here is rejected, at the line the job first appears on — before any
    /// other problem of the slot, so this error replaces any the fold found.
    /// The last file of a replay is only checked against the others, not noted (no file follows
    /// to meet its jobs again); `carried` slots (a job an earlier range of the file began) are
    /// not checked again.
    /// The file must be noted first (`noted`).
    mutating func check(_ replay: inout FileReplay, last: Bool = false) {
        if last && table.count == 0 { return }
        for index in replay.slots.indices where !replay.slots[index].carried {
            let slot = replay.slots[index]
            if let duplicate = check(slot.job, hash: slot.hash, line: slot.line, file: replay.file, last: last) {
                replay.errors[index] = duplicate
                replay.slots[index].rejected = true
            }
        }
    }

    /// Takes note of one job of the file last noted, first met on `line`: the error if it is a
    /// duplicate (see ``check(_:last:)``), naming the file `path` (by default, as `sources` does).
    @inline(__always)
    mutating func check(_ job: JobID, hash: UInt64, line: Int, file path: String?, last: Bool) -> JobLedgerError? {
        let ordinal = Int32(noted)
        guard let entry = table.find(job, hash: hash) else {
            if !last {
                _ = table.insert(job, hash: hash)
                file.append(ordinal)
            }
            return nil
        }
        defer { file[entry] = ordinal }
        return JobLedgerError(
            .duplicateJob, "duplicate job: its events are also in \(self.path(of: Int(file[entry])))", job: job.rawValue,
            file: path ?? self.path(of: noted), line: line)
    }
}

/// A file that replayed plainly — the log of the job it is named after, every line of it that
/// job's, nothing wrong, the job rendered — as the hand-on needs it: the job, for the duplicate
/// check across files, and where its rendered bytes are. A replay thread hands such a file on as
/// this rather than as its whole ``FileReplay``, and keeps the replay for its next file, so the
/// calling thread does not read a replay another core wrote (``ReplayPool``).
struct PlainFile {
    let job: JobID
    let hash: UInt64
    /// The line the job first appears on, and the file's lines.
    let line: Int
    let lines: Int
    /// Where the rendered job is, in the bytes handed on with it.
    let bytes: Range<Int>
}

/// One file's replay, or one partition's share of it (see ``partition``).
struct FileReplay {
    /// A job of the file: where its state is, and its first problem.
    struct Slot {
        let job: JobID
        /// The line the job first appears on, and its id's ``JobTable/hash(_:)``.
        let line: Int
        let hash: UInt64
        /// Where the job's first line starts and its last line so far ends (kept for a file
        /// split into ranges, see ``ReplayPool``; 0 otherwise).
        var firstOffset: Int64 = 0
        var lastEnd: Int64 = 0
        /// In a file split into ranges: whether the job has lines in another range too, and
        /// whether an earlier range began it (then its state and problem are that range's slot's).
        var shared = false
        var carried = false
        /// Index into `states`, once the job's first line folded.
        var state = -1
        /// Whether the job has an error in `errors` (checked per line).
        var rejected = false
    }

    private(set) var file: String
    private(set) var ordinal: Int
    private(set) var asOf: Int?
    /// The job the file is named after, if its name is `<job>.jsonl`.
    private(set) var stem: JobID?
    var slots: [Slot] = []
    /// The file's jobs by id: entry `i` is slot `i`.
    var table = JobTable(buckets: 16)
    /// The jobs' states, apart from the slots so folding mutates them in place.
    var states: [JobState?] = []
    /// The first error of each rejected slot, and the `--at` snapshots: rare, so kept aside.
    var errors: [Int: JobLedgerError] = [:]
    var snapshots: [Int: JobState] = [:]
    var lines = 0
    var fileProblems: [JobLedgerError] = []
    var tornTail: TornWrite?
    /// The first line of a job other than `stem`.
    var firstForeignLine: (line: Int, job: JobID)?
    var decoder = EventLineDecoder()
    /// The slot of the last line's job and its id's bytes, to skip the lookup while lines keep
    /// naming the same job (-1 when the last line named none).
    private var lastSlot = -1
    private var lastJob = JobBytes()
    /// When a file is split between threads: this replay folds the lines of the jobs whose id
    /// hashes to `partition` of `partitions` (and the lines that name no job, if it is 0).
    var partition = 0
    var partitions = 1
    /// Where the line being folded starts (kept for a file split into ranges), and the slot it
    /// was charged to (-1 for none).
    var lineStart: Int64 = 0
    private(set) var lineSlot = -1
    /// Jobs turned into bytes by the thread that folded them (``Replay/run(_:render:write:reject:torn:progress:)``):
    /// the bytes, and each slot's range of them (`nil` until rendered; none when not rendering).
    var rendered: [UInt8] = []
    var renderedRanges: [Range<Int>?] = []

    /// Progress is reported every this many lines.
    static let tickLines = 1 << 16
    /// The line reader's buffer a thread lends to each small file it reads in turn.
    static let scratchSize = 64 << 10

    init(file: String, ordinal: Int, asOf: Int?) {
        self.file = file
        self.ordinal = ordinal
        self.asOf = asOf
        stem = Self.stem(of: file)
    }

    /// Makes this the replay of another file, as `init(file:ordinal:asOf:)` would make it, but
    /// keeping the memory its arrays have: a thread reading many small files in turn allocates
    /// next to nothing per file. (Nothing of the last file is kept.)
    mutating func reuse(file: String, ordinal: Int, asOf: Int?) {
        self.file = file
        self.ordinal = ordinal
        self.asOf = asOf
        stem = Self.stem(of: file)
        slots.removeAll(keepingCapacity: true)
        table.removeAll()
        states.removeAll(keepingCapacity: true)
        errors.removeAll()
        snapshots.removeAll()
        lines = 0
        fileProblems.removeAll()
        tornTail = nil
        firstForeignLine = nil
        lastSlot = -1
        lastJob.removeAll()
        partition = 0
        partitions = 1
        lineStart = 0
        lineSlot = -1
        rendered.removeAll(keepingCapacity: true)
        renderedRanges.removeAll(keepingCapacity: true)
    }

    /// Gives the replay its file's ordinal (a replay made before the files were put in order).
    mutating func renumber(_ ordinal: Int) { self.ordinal = ordinal }

    /// The file as a ``PlainFile``, its rendered job appended to `bytes`, if it replayed plainly;
    /// else `nil`, and `bytes` is left as it was. (Mutating, though it changes nothing: called on
    /// a replay in a box, a non-mutating method would be given a copy, a retain of each array.)
    mutating func plain(appendingTo bytes: inout [UInt8]) -> PlainFile? {
        guard let stem, slots.count == 1, partitions == 1, fileProblems.isEmpty, tornTail == nil, firstForeignLine == nil,
            !slots[0].rejected, !slots[0].carried, slots[0].job == stem, let range = renderedRanges.first ?? nil
        else { return nil }
        let start = bytes.count
        bytes.append(contentsOf: rendered[range])
        return PlainFile(job: stem, hash: slots[0].hash, line: slots[0].line, lines: lines, bytes: start..<bytes.count)
    }

    /// Room for the jobs of `bytes` of log, guessed at one job per kilobyte (a job of the
    /// WORKLOAD file takes 1.8 KB), so a large file's job arrays are not copied each time they
    /// double. A file with more jobs than that grows them as ever.
    private mutating func reserve(forBytes bytes: Int64) {
        guard bytes >= 1 << 20 else { return }
        let jobs = Int(min(bytes >> 10, 1 << 20))
        slots.reserveCapacity(jobs)
        states.reserveCapacity(jobs)
    }

    /// Whether the memory this replay keeps is small enough to be worth keeping for another
    /// file (a file of many jobs is let go instead): a pool keeps up to 64 spares per thread,
    /// so at most a few megabytes.
    var isReusable: Bool { slots.capacity <= 256 && rendered.capacity <= 32 << 10 }

    /// The job a file is named after, if its name is `<job>.jsonl`.
    private static func stem(of file: String) -> JobID? {
        // By bytes: a path need not be split into characters to find its last `/` (per file, on
        // the replay's hot path for a directory of per-job logs).
        var path = file
        return path.withUTF8 { bytes -> JobID? in
            var start = bytes.count
            while start > 0 && bytes[start - 1] != UInt8(ascii: "/") { start -= 1 }
            let suffix: StaticString = ".jsonl"
            let end = bytes.count - suffix.utf8CodeUnitCount
            guard end > start, memcmp(bytes.baseAddress! + end, suffix.utf8Start, suffix.utf8CodeUnitCount) == 0 else { return nil }
            let name = UnsafeBufferPointer(rebasing: bytes[start..<end])
            guard JobID.problem(with: name) == nil else { return nil }
            return JobID(uncheckedUTF8: name)
        }
    }

    /// A log opened for reading: under a shared lock, so an append in progress in a store is not
    /// mistaken for a torn write; only the lines before `end` (the committed ones) are folded.
    struct OpenedLog {
        let fd: Int32
        let size: Int64
        let end: Int64
        /// A small log read whole while it was opened (its committed end found in the bytes, not
        /// by reading its last two again): the buffer lent for it, holding its `size` bytes.
        var whole: UnsafeMutableRawBufferPointer? = nil
    }

    /// Files from this size on are read with the kernel told to read ahead (a small one is read
    /// whole at once anyway).
    static let readAheadSize: Int64 = 1 << 20

    /// Opens the log at `source` (`file` is its path). With `scratch`, a log smaller than it is
    /// read into it whole at once (``OpenedLog/whole``).
    static func open(_ source: LogSource, file: String, scratch: UnsafeMutableRawBufferPointer? = nil) throws(JobLedgerError) -> OpenedLog {
        // Whether it is a regular file is asked after locking, with its size (one `fstat`).
        let opened =
            switch source {
            case .named(let path): try FileIO.open(path, O_RDONLY, followLinks: true, regularOnly: false)
            case .listed(let listing, let index):
                try listing._withUnsafeGuaranteedRef { listing in
                    Result { () throws(JobLedgerError) in try listing.open(index, flags: O_RDONLY, path: file, regularOnly: false) }
                }.get()
            }
        return try Self.opened(opened, file: file, scratch: scratch)
    }

    /// Opens the log `name` in the open directory `directory` (never through a symbolic link;
    /// `file` is its path), as ``open(_:file:scratch:)``.
    static func open(at directory: Int32, name: UnsafePointer<CChar>, file: String, scratch: UnsafeMutableRawBufferPointer? = nil)
        throws(JobLedgerError) -> OpenedLog
    {
        try opened(FileIO.open(file, O_RDONLY, at: (directory, name), regularOnly: false), file: file, scratch: scratch)
    }

    /// Locks and sizes a log just opened (`nil`: there was none), and finds its committed end:
    /// a log smaller than `scratch` is read into it whole, and its end found in the bytes (one
    /// `pread` per small log, where reading its last two bytes first took two).
    private static func opened(_ opened: Int32?, file: String, scratch: UnsafeMutableRawBufferPointer?) throws(JobLedgerError) -> OpenedLog {
        guard let fd = opened else {
            throw JobLedgerError(.io, "no such file", file: file)
        }
        do throws(JobLedgerError) {
            try FileIO.lock(fd, LOCK_SH, file)
            let size = try FileIO.regularSize(fd, file)
            #if canImport(Glibc)
            if size >= Self.readAheadSize { posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL)) }
            #endif
            // Smaller than the buffer, not as large: the line reader then takes it as its own.
            // (A log that shrank since it was sized is left to the reads below, which say so.)
            if let scratch, size > 0, size < scratch.count {
                let bytes = UnsafeMutableRawBufferPointer(rebasing: scratch[..<Int(size)])
                if try FileIO.read(fd, at: 0, into: bytes, file) == bytes.count {
                    return OpenedLog(fd: fd, size: size, end: FileIO.committedEnd(of: UnsafeRawBufferPointer(bytes)), whole: scratch)
                }
            }
            return OpenedLog(fd: fd, size: size, end: try FileIO.committedEnd(fd, from: 0, size: size, file))
        } catch {
            close(fd)
            throw error
        }
    }

    /// Opens, reads and closes the file; `tick` is called with the lines read so far about every
    /// ``tickLines`` lines (a run of one job's plain lines is counted at its end).
    /// `scratch` is lent to the line reader (``LineReader/init(fd:path:from:to:scratch:)``).
    mutating func run(_ source: LogSource, scratch: UnsafeMutableRawBufferPointer? = nil, tick: (Int) -> Void = { _ in })
        throws(JobLedgerError)
    {
        let log = try Self.open(source, file: file, scratch: scratch)
        defer { close(log.fd) }
        try read(log, scratch: scratch, tick: tick)
    }

    /// Folds the committed lines of an opened log (this partition's, if split).
    mutating func read(_ log: OpenedLog, scratch: UnsafeMutableRawBufferPointer? = nil, tick: (Int) -> Void) throws(JobLedgerError) {
        reserve(forBytes: log.end)
        var reader =
            if let whole = log.whole {
                LineReader(fd: log.fd, path: file, to: log.end, read: whole, count: Int(log.size))
            } else {
                LineReader(fd: log.fd, path: file, to: log.end, scratch: scratch)
            }
        if partitions == 1 {
            var nextTick = Self.tickLines
            _ = try reader.forEachLine(trying: { start, available, _ in
                let used = self.foldPlainRun(start, limit: available)
                if self.lines >= nextTick {
                    nextTick = self.lines + Self.tickLines
                    tick(self.lines)
                }
                return used
            }) { base, count, _ in
                self.fold(base, count, plainTried: true)
            }
        } else {
            try foldOwned(by: .partition(partition, of: partitions), from: &reader, tick: tick)
        }
        noteTornTail(of: log)
    }

    /// Folds the lines `owner` folds and counts the others.
    private mutating func foldOwned(by owner: PartitionFilter.Owner, from reader: inout LineReader, tick: (Int) -> Void)
        throws(JobLedgerError)
    {
        var filter = PartitionFilter(owner)
        defer { filter.deallocate() }
        _ = try reader.forEachLine { base, count, _ in
            if filter.owns(base, count) ?? self.decodedOwner(base, count, owner) { self.fold(base, count) } else { self.lines += 1 }
            if self.lines & (Self.tickLines - 1) == 0 { tick(self.lines) }  // one line at a time here
        }
    }

    /// A torn tail after the log's committed lines, numbered after the lines read.
    private mutating func noteTornTail(of log: OpenedLog) {
        if log.size > log.end { tornTail = TornWrite(file: file, line: lines + 1, byteCount: Int(log.size - log.end), moved: false) }
    }

    /// Folds every line of `range` of an opened log — a share of a file split into ranges (see
    /// ``ReplayPool``). Line numbers count from the range's start (the merge adds the lines
    /// before it), and each job's first and last byte in the range are kept; only the last range
    /// reports a torn tail.
    mutating func read(_ log: OpenedLog, range: Range<Int64>, tick: (Int) -> Void) throws(JobLedgerError) {
        reserve(forBytes: range.upperBound - range.lowerBound)
        var reader = LineReader(fd: log.fd, path: file, from: range.lowerBound, to: range.upperBound)
        // A job's last byte is noted when a run of its lines ends, not on every line.
        var runSlot = -1
        var runEnd: Int64 = 0
        var nextTick = Self.tickLines
        func folded(after: Int64) {
            if lineSlot != runSlot {
                if runSlot >= 0 { slots[runSlot].lastEnd = runEnd }
                runSlot = lineSlot
            }
            runEnd = after
            if lines >= nextTick {
                nextTick = lines + Self.tickLines
                tick(lines)
            }
        }
        _ = try reader.forEachLine(trying: { start, available, offset in
            // Plain lines continue their job's run, so only the run's end moves.
            let used = self.foldPlainRun(start, limit: available)
            if used > 0 { folded(after: offset + Int64(used)) }
            return used
        }) { base, count, after in
            self.lineStart = after - Int64(count) - 1
            self.fold(base, count, plainTried: true)
            folded(after: after)
        }
        if runSlot >= 0 { slots[runSlot].lastEnd = runEnd }
        if range.upperBound == log.end { noteTornTail(of: log) }
    }

    /// Folds the lines of `range` that belong to the jobs already in this replay (and no
    /// others), the first of them numbered `firstLine`: how the merge of a file split into
    /// ranges carries on a job that an earlier range began.
    mutating func refold(_ log: OpenedLog, range: Range<Int64>, firstLine: Int) throws(JobLedgerError) {
        lines = firstLine - 1
        lastSlot = -1
        var reader = LineReader(fd: log.fd, path: file, from: range.lowerBound, to: range.upperBound)
        try foldOwned(by: .jobs(table), from: &reader) { _ in }
    }

    /// Lets go of the states of the jobs rendered (``render(_:sharedToo:)``) in one go: the
    /// others' states move to a smaller array, and a rendered slot has no state any more. For a
    /// range of a split file, rendered on a thread of the pool, so the array of all its states
    /// (mostly empty by then) is not let go on the calling thread, one optional at a time.
    mutating func keepUnrenderedStates() {
        var kept: [JobState?] = []
        for index in slots.indices where slots[index].state >= 0 {
            if index < renderedRanges.count, renderedRanges[index] != nil {
                slots[index].state = -1
            } else {
                kept.append(Self.moveOut(&states, slots[index].state))
                slots[index].state = kept.count - 1
            }
        }
        states = kept
    }

    /// Turns the state of each job not rejected (as of ``asOf``) into bytes with `render`, on
    /// the calling thread, and lets the state go; with `sharedToo` false, a job met in another
    /// range of a split file is left as it is (the hand-on must still carry it on).
    mutating func render(_ render: Replay.Render, sharedToo: Bool = true) {
        if renderedRanges.count < slots.count { renderedRanges += repeatElement(nil, count: slots.count - renderedRanges.count) }
        var estimated = false
        for index in slots.indices
        where !slots[index].rejected && !slots[index].carried && (sharedToo || !slots[index].shared) && slots[index].state >= 0
            && renderedRanges[index] == nil
        {
            let stateIndex = slots[index].state
            let start = rendered.count
            if snapshots.isEmpty {
                // Moved out (one copy of its bytes, no retain; a state is a few hundred bytes)
                // and let go once rendered.
                guard let state = Self.moveOut(&states, stateIndex) else { continue }
                Self.render(state, with: render, into: &rendered)
            } else {
                // The `--at` snapshot if there is one; the state is let go either way.
                guard let state = snapshots.removeValue(forKey: index) ?? states[stateIndex].take() else { continue }
                states[stateIndex] = nil
                render(state, &rendered)
            }
            renderedRanges[index] = start..<rendered.count
            if !estimated {
                // Room for the rest at the first job's length, so the bytes are not copied each
                // time the buffer doubles.
                estimated = true
                rendered.reserveCapacity(rendered.count + (rendered.count - start) * (slots.count - index - 1) * 9 / 8)
            }
        }
    }

    /// Renders a state moved out of its slot, and lets it go: the caller keeps no optional
    /// temporary of it, whose destruction went through the runtime's generic value witnesses.
    @inline(never)
    private static func render(_ state: consuming JobState, with render: Replay.Render, into bytes: inout [UInt8]) {
        render(state, &bytes)
    }

    /// The state at `index`, moved out and replaced by `nil`.
    @inline(__always)
    private static func moveOut(_ states: inout [JobState?], _ index: Int) -> JobState? {
        states.withUnsafeMutableBufferPointer { buffer in
            let slot = buffer.baseAddress.unsafelyUnwrapped + index
            let state = slot.move()
            slot.initialize(to: nil)
            return state
        }
    }

    /// Folds the line `base[0..<count]` (followed by its `\n`). With `plainTried`, the caller
    /// already offered it to ``foldPlainRun(_:limit:)``, which did not take it.
    @inline(__always)
    private mutating func fold(_ base: UnsafePointer<UInt8>, _ count: Int, plainTried: Bool = false) {
        if !plainTried, count < 4096, foldPlainRun(base, limit: count + 1) > 0 { return }
        if count < 4096, foldCreated(base, count) { return }
        lines += 1
        lineSlot = -1
        guard count <= LogLimits.maximumLineLength else {
            lastSlot = -1
            fileProblems.append(JobLedgerError.overlongLine(count, job: nil).at(file: file, line: lines))
            return
        }
        do throws(LineError) {
            if lastSlot >= 0 {
                try lastJob.withBuffer { known throws(LineError) in
                    try decoder.decode(base, count: count, knownJob: known)
                }
            } else {
                try decoder.decode(base, count: count)
            }
        } catch {
            lastSlot = -1
            // Charge the line to the job it names, if it names one.
            if let text = decoder.jobText(base), let job = JobID(validating: text) {
                let slot = job.withUTF8 { slotIndex(for: $0) { job } }
                lineSlot = slot
                reject(slot, JobLedgerError(.corruptLog, error.message, job: job.rawValue, file: file, line: lines))
            } else {
                fileProblems.append(JobLedgerError(.corruptLog, error.message, job: decoder.jobText(base), file: file, line: lines))
            }
            return
        }
        // The line's job: the last line's slot when the bytes are the same, else looked up.
        let slot: Int
        if decoder.jobIsKnown {
            slot = lastSlot
        } else if !decoder.job.escaped {
            let bytes = UnsafeBufferPointer(start: base + decoder.job.start, count: decoder.job.end - decoder.job.start)
            if lastSlot >= 0, bytes.count == lastJob.count,
                lastJob.withBuffer({ memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 })
            {
                slot = lastSlot
            } else {
                if let problem = JobID.problem(with: bytes, charactersChecked: decoder.canonical) {
                    lastSlot = -1
                    fileProblems.append(
                        JobLedgerError(
                            .corruptLog, "invalid job id \(JobLedgerError.quote(String(decoding: bytes, as: UTF8.self))): \(problem)",
                            file: file, line: lines))
                    return
                }
                slot = slotIndex(for: bytes) { JobID(uncheckedUTF8: bytes) }
                lastSlot = slot
                lastJob.set(bytes)
            }
        } else {
            let job: JobID
            do { job = try decoder.jobID(base) } catch {
                lastSlot = -1
                fileProblems.append(JobLedgerError(.corruptLog, error.message, file: file, line: lines))
                return
            }
            slot = job.withUTF8 { bytes in
                lastJob.set(bytes)
                return slotIndex(for: bytes) { job }
            }
            lastSlot = slot
        }
        lineSlot = slot
        if slots[slot].rejected { return }
        if slots[slot].state < 0 {
            states.append(nil)
            slots[slot].state = states.count - 1
        }
        let stateIndex = slots[slot].state
        do throws(JobLedgerError) {
            try JobState.fold(line: &decoder, base, into: &states[stateIndex], job: slots[slot].job)
        } catch {
            reject(slot, error.at(file: file, line: lines))
            return
        }
        if let asOf, decoder.seq == asOf { snapshots[slot] = states[stateIndex] }
    }

    /// The most frequent lines, the fast way: the run of plain lines (``PlainRun``) of the last
    /// line's job that starts at `base`, each ending with its `\n` within `limit` bytes, folded
    /// straight into the job's state (held here for the run, not looked up per line) and
    /// counted. The bytes they take, `\n`s included; 0, having changed nothing, when the first
    /// line is no such line, or the job has no state yet, is rejected, or `--at` is asked. A line
    /// the fold refuses rejects the job and ends the run.
    @inline(__always)
    private mutating func foldPlainRun(_ base: UnsafePointer<UInt8>, limit: Int) -> Int {
        guard asOf == nil, lastSlot >= 0, !slots[lastSlot].rejected else { return 0 }
        let stateIndex = slots[lastSlot].state
        guard stateIndex >= 0 else { return 0 }
        // The state is folded where it lies (a state is a few hundred bytes, and a run is tried
        // after every job's first line): the array is swapped out of `self` for the run, so the
        // fold's access to it does not overlap the decoder's.
        var all: [JobState?] = []
        swap(&all, &states)
        defer { swap(&all, &states) }
        // A pattern that binds nothing: binding the state would copy it.
        guard case .some = all[stateIndex] else { return 0 }
        var used = 0
        var read = 0
        do throws(JobLedgerError) {
            try lastJob.withBuffer { job throws(JobLedgerError) in
                try PlainRun.fold(
                    base, limit: limit, job: job, names: decoder.names, into: &all[stateIndex]!, minutes: &decoder.minutes, used: &used,
                    lines: &read)
            }
            lines += read
        } catch {
            lines += read
            reject(lastSlot, error.at(file: file, line: lines))
        }
        if used > 0 { lineSlot = lastSlot }
        return used
    }

    /// The slot of the job with id bytes `key`, made on its first line in this file. (Whether
    /// the job was met in an earlier file is checked when the files are put in order:
    /// ``ReplayedJobs/check(_:)``.)
    private mutating func slotIndex(for key: UnsafeBufferPointer<UInt8>, makeID: () -> JobID) -> Int {
        let hash = JobTable.hash(key)
        if let entry = table.find(key, hash: hash) { return entry }
        return newSlot(hash: hash, job: makeID())
    }

    /// The slot of a job met for the first time in this file, on this line.
    private mutating func newSlot(hash: UInt64, job: JobID) -> Int {
        slots.append(Slot(job: job, line: lines, hash: hash, firstOffset: lineStart))
        if let stem, firstForeignLine == nil, job != stem { firstForeignLine = (lines, job) }
        _ = table.insert(job, hash: hash)
        return slots.count - 1
    }

    /// A job's first line, the fast way (``CreatedLine``): a canonical `created` with only its
    /// origin, of a job this file has not met, folded as the general way folds it. `false`,
    /// having changed nothing, for any other line.
    @inline(__always)
    private mutating func foldCreated(_ base: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        guard let line = CreatedLine(base, count: count, minutes: &decoder.minutes) else { return false }
        let key = UnsafeBufferPointer(start: base + line.idStart, count: line.idEnd - line.idStart)
        guard JobID.problem(with: key, charactersChecked: true) == nil else { return false }
        let hash = JobTable.hash(key)
        guard table.find(key, hash: hash) == nil else { return false }
        lines += 1
        let job = JobID(uncheckedUTF8: key)
        let slot = newSlot(hash: hash, job: job)
        lastSlot = slot
        lastJob.set(key)
        lineSlot = slot
        states.append(JobState(createdAt: line.at, job: job, origin: line.origin))  // the line's `seq` is 1
        slots[slot].state = states.count - 1
        if asOf == 1 { snapshots[slot] = states[states.count - 1] }
        return true
    }

    private mutating func reject(_ slot: Int, _ error: JobLedgerError) {
        if !slots[slot].rejected {
            errors[slot] = error
            slots[slot].rejected = true
        }
    }
}
