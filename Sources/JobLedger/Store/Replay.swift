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

    public init(asOf: Int? = nil) {
        self.asOf = asOf
    }

    /// What a replay saw.
    public struct Summary: Sendable, Hashable {
        public var files = 0
        public var lines = 0
        /// Jobs replayed cleanly (passed to `emit`).
        public var jobs = 0
        /// Problems reported (passed to `reject`).
        public var problems = 0
    }

    /// Replays `paths`, calling `emit` with each job's state (as of ``asOf``) when its file is
    /// done, `reject` with each problem (file and line included), and `torn` for each torn tail.
    @discardableResult
    public func run(
        _ paths: [String], emit: (JobState) -> Void, reject: (JobLedgerError) -> Void,
        torn: (TornWrite) -> Void = { _ in }
    ) -> Summary {
        var summary = Summary()
        var jobs = ReplayedJobs()
        for path in paths {
            let entries: [LogFile]
            do { entries = try Self.logFiles(at: path) } catch {
                reject(error)
                summary.problems += 1
                continue
            }
            for entry in entries {
                let file: String
                switch entry {
                case .file(let path): file = path
                case .refused(let error):
                    reject(error)
                    summary.problems += 1
                    continue
                }
                summary.files += 1
                var replay = FileReplay(file: file, ordinal: summary.files, asOf: asOf)
                do {
                    try replay.run(&jobs, followLinks: file == path)
                } catch {
                    reject(error)
                    summary.problems += 1
                    continue
                }
                summary.lines += replay.lines
                if let tail = replay.tornTail { torn(tail) }
                replay.finish(
                    emit: { state in
                        emit(state)
                        summary.jobs += 1
                    },
                    reject: { error in
                        reject(error)
                        summary.problems += 1
                    })
            }
        }
        return summary
    }

    /// A file a path stands for, or an entry that looks like a log and is refused.
    enum LogFile {
        case file(String)
        case refused(JobLedgerError)
    }

    /// The log files a path stands for. A path named by the caller is followed if it is a
    /// symbolic link; inside a directory, nothing is: a symbolic link or anything else that is
    /// not a regular file named `*.jsonl` is refused (a store would refuse it too), and a link
    /// to a directory is not entered, so links cannot make a walk loop or leave the tree.
    static func logFiles(at path: String) throws(JobLedgerError) -> [LogFile] {
        switch FileIO.kind(of: path) {
        case .file: return [.file(path)]
        case .directory:
            var files: [LogFile] = []
            try walk(path, into: &files)
            return files
        case .other, .symlink: throw JobLedgerError(.io, "not a regular file or directory; refused", file: path)
        case nil: throw JobLedgerError(.io, "no such file or directory", file: path)
        }
    }

    private static func walk(_ directory: String, into files: inout [LogFile]) throws(JobLedgerError) {
        for name in try FileIO.entries(of: directory) where !name.hasPrefix(".") {
            let child = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            let isLog = name.hasSuffix(".jsonl")
            switch FileIO.kind(of: child, followLinks: false) {
            case .directory: try walk(child, into: &files)
            case .file where isLog: files.append(.file(child))
            case .symlink where isLog:
                files.append(.refused(JobLedgerError(.io, "is a symbolic link; not followed (a store never follows one)", file: child)))
            case .other where isLog:
                files.append(.refused(JobLedgerError(.io, "not a regular file; refused (a store refuses it too)", file: child)))
            default: break
            }
        }
    }
}

/// Every job a replay met, across files: which file and slot it was last seen in.
struct ReplayedJobs {
    var table = JobTable()
    /// Per table entry: the ordinal of the file it was last met in, and its slot there.
    var file: [Int32] = []
    var slot: [Int32] = []
    /// The files by ordinal (1-based), for duplicate messages.
    var paths: [String] = [""]
}

/// One file's replay.
struct FileReplay {
    /// A job of the file: where its state is, and its first problem.
    struct Slot {
        let job: JobID
        /// Index into `states`, once the job's first line folded.
        var state = -1
        /// Whether the job has an error in `errors` (checked per line).
        var rejected = false
    }

    let file: String
    let ordinal: Int
    let asOf: Int?
    /// The job the file is named after, if its name is `<job>.jsonl`.
    let stem: JobID?
    var slots: [Slot] = []
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
    private var decoder = EventLineDecoder()
    /// The slot of the last line's job and its id's bytes, to skip the lookup while lines keep
    /// naming the same job (-1 when the last line named none).
    private var lastSlot = -1
    private var lastJob: [UInt8] = []

    init(file: String, ordinal: Int, asOf: Int?) {
        self.file = file
        self.ordinal = ordinal
        self.asOf = asOf
        var name = Substring(file)
        if let slash = name.lastIndex(of: "/") { name = name[name.index(after: slash)...] }
        stem = name.hasSuffix(".jsonl") ? JobID(validating: String(name.dropLast(6))) : nil
    }

    /// Reads the file under a shared lock, so an append in progress in a store is not mistaken
    /// for a torn write; only the committed lines are folded.
    mutating func run(_ jobs: inout ReplayedJobs, followLinks: Bool = false) throws(JobLedgerError) {
        jobs.paths.append(file)
        guard let fd = try FileIO.open(file, O_RDONLY, followLinks: followLinks) else {
            throw JobLedgerError(.io, "no such file", file: file)
        }
        defer { close(fd) }
        try FileIO.lock(fd, LOCK_SH, file)
        #if canImport(Glibc)
        posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
        #endif
        let size = try FileIO.size(fd, file)
        let end = try FileIO.committedEnd(fd, from: 0, size: size, file)
        var reader = LineReader(fd: fd, path: file, to: end)
        _ = try reader.forEachLine { base, count, _ in self.fold(base, count, &jobs) }
        if size > end { tornTail = TornWrite(file: file, line: lines + 1, byteCount: Int(size - end), moved: false) }
    }

    @inline(__always)
    private mutating func fold(_ base: UnsafePointer<UInt8>, _ count: Int, _ jobs: inout ReplayedJobs) {
        lines += 1
        if foldPlain(base, count) { return }
        guard count <= LogLimits.maximumLineLength else {
            lastSlot = -1
            fileProblems.append(JobLedgerError.overlongLine(count, job: nil).at(file: file, line: lines))
            return
        }
        do throws(LineError) {
            if lastSlot >= 0 {
                try lastJob.withUnsafeBufferPointer { known throws(LineError) in
                    try decoder.decode(base, count: count, knownJob: known)
                }
            } else {
                try decoder.decode(base, count: count)
            }
        } catch {
            lastSlot = -1
            // Charge the line to the job it names, if it names one.
            if let text = decoder.jobText(base), let job = JobID(validating: text) {
                var id = job.rawValue
                let slot = id.withUTF8 { slotIndex(for: $0, jobs: &jobs) { job } }
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
                lastJob.withUnsafeBufferPointer({ memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 })
            {
                slot = lastSlot
            } else {
                if let problem = JobID.problem(with: bytes) {
                    lastSlot = -1
                    fileProblems.append(
                        JobLedgerError(
                            .corruptLog, "invalid job id \(JobLedgerError.quote(String(decoding: bytes, as: UTF8.self))): \(problem)",
                            file: file, line: lines))
                    return
                }
                slot = slotIndex(for: bytes, jobs: &jobs) { JobID(unchecked: String(decoding: bytes, as: UTF8.self)) }
                lastSlot = slot
                lastJob.removeAll(keepingCapacity: true)
                lastJob.append(contentsOf: bytes)
            }
        } else {
            let job: JobID
            do { job = try decoder.jobID(base) } catch {
                lastSlot = -1
                fileProblems.append(JobLedgerError(.corruptLog, error.message, file: file, line: lines))
                return
            }
            var id = job.rawValue
            slot = id.withUTF8 { slotIndex(for: $0, jobs: &jobs) { job } }
            lastSlot = slot
            lastJob = Array(job.rawValue.utf8)
        }
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

    /// The most frequent line, the fast way: a plain line (``EventLineDecoder/readPlain(_:count:job:)``)
    /// of the last line's job, folded straight into its state. `false`, having changed nothing,
    /// for any other line, or when the job has no state yet, is rejected, or `--at` is asked.
    @inline(__always)
    private mutating func foldPlain(_ base: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        guard asOf == nil, lastSlot >= 0, count < 4096, !slots[lastSlot].rejected else { return false }
        let stateIndex = slots[lastSlot].state
        guard stateIndex >= 0, case .some = states[stateIndex],
            let line = lastJob.withUnsafeBufferPointer({ decoder.readPlain(base, count: count, job: $0) })
        else { return false }
        do throws(JobLedgerError) {
            try states[stateIndex]!.applyPlain(seq: line.seq, at: line.at, type: line.type, percent: line.percent)
        } catch {
            reject(lastSlot, error.at(file: file, line: lines))
        }
        return true
    }

    /// The slot of the job with id bytes `key`, made on its first line in this file. A job last
    /// met in another file is a duplicate: its slot here is rejected.
    private mutating func slotIndex(
        for key: UnsafeBufferPointer<UInt8>, jobs: inout ReplayedJobs, makeID: () -> JobID
    ) -> Int {
        let hash = JobTable.hash(key)
        if let entry = jobs.table.find(key, hash: hash) {
            if jobs.file[entry] == Int32(ordinal) { return Int(jobs.slot[entry]) }
            let job = jobs.table.ids[entry]
            let slot = newSlot(job)
            reject(
                slot,
                JobLedgerError(
                    .duplicateJob, "duplicate job: its events are also in \(jobs.paths[Int(jobs.file[entry])])", job: job.rawValue,
                    file: file, line: lines))
            jobs.file[entry] = Int32(ordinal)
            jobs.slot[entry] = Int32(slot)
            return slot
        }
        let job = makeID()
        let slot = newSlot(job)
        _ = jobs.table.insert(key, hash: hash, id: job)
        jobs.file.append(Int32(ordinal))
        jobs.slot.append(Int32(slot))
        return slot
    }

    private mutating func newSlot(_ job: JobID) -> Int {
        slots.append(Slot(job: job))
        if let stem, firstForeignLine == nil, job != stem { firstForeignLine = (lines, job) }
        return slots.count - 1
    }

    private mutating func reject(_ slot: Int, _ error: JobLedgerError) {
        if !slots[slot].rejected {
            errors[slot] = error
            slots[slot].rejected = true
        }
    }

    /// Reports the file's problems and jobs, jobs in order of their first line. In a per-job file
    /// — `<job>.jsonl` holding `<job>` — every line is that job's: a line of another job, or one
    /// too damaged to name its job, rejects the file's job (at the earliest such line), and no
    /// other job is replayed from it. In an export, such a line is reported on its own.
    func finish(emit: (JobState) -> Void, reject: (JobLedgerError) -> Void) {
        guard let stem, let own = slots.firstIndex(where: { $0.job == stem }) else {
            for problem in fileProblems { reject(problem) }
            for (index, slot) in slots.enumerated() {
                if let error = errors[index] {
                    reject(error)
                } else if slot.state >= 0, let state = snapshots[index] ?? states[slot.state] {
                    emit(state)
                }
            }
            return
        }
        var candidates: [JobLedgerError] = fileProblems.map { $0.about(job: stem.rawValue) }
        if let error = errors[own] { candidates.append(error) }
        if let foreign = firstForeignLine {
            candidates.append(
                JobLedgerError(
                    .corruptLog, "a line of job \(foreign.job) in the log of job \(stem) (a per-job file holds one job)",
                    job: stem.rawValue, file: file, line: foreign.line))
        }
        if let first = candidates.min(by: { ($0.line ?? Int.max) < ($1.line ?? Int.max) }) {
            reject(first)
        } else if slots[own].state >= 0, let state = snapshots[own] ?? states[slots[own].state] {
            emit(state)
        }
    }
}
