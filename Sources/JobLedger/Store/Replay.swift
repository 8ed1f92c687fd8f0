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
/// - Replay never changes a file: a torn last line is reported and ignored.
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
        var seen: [JobID: String] = [:]
        for path in paths {
            let files: [String]
            do { files = try Self.logFiles(at: path) } catch {
                reject(error)
                summary.problems += 1
                continue
            }
            for file in files {
                summary.files += 1
                var replay = FileReplay(file: file, asOf: asOf)
                do {
                    try replay.run()
                } catch {
                    reject(error)
                    summary.problems += 1
                    continue
                }
                summary.lines += replay.lines
                if let tail = replay.tornTail { torn(tail) }
                for problem in replay.fileProblems {
                    reject(problem)
                    summary.problems += 1
                }
                for slot in replay.finishedSlots() {
                    if let error = slot.error {
                        reject(error)
                        summary.problems += 1
                    } else if let other = seen[slot.job] {
                        reject(
                            JobLedgerError(
                                .duplicateJob, "duplicate job: its events are also in \(other)", job: slot.job.rawValue,
                                file: file, line: slot.firstLine))
                        summary.problems += 1
                    } else if let state = slot.state {
                        seen[slot.job] = file
                        emit(slot.snapshot ?? state)
                        summary.jobs += 1
                    }
                }
            }
        }
        return summary
    }

    /// The log files a path stands for.
    static func logFiles(at path: String) throws(JobLedgerError) -> [String] {
        switch FileIO.kind(of: path) {
        case .file: return [path]
        case .directory:
            var files: [String] = []
            for name in try FileIO.entries(of: path) where !name.hasPrefix(".") {
                let child = path.hasSuffix("/") ? path + name : path + "/" + name
                switch FileIO.kind(of: child) {
                case .directory: files += try logFiles(at: child)
                case .file where name.hasSuffix(".jsonl"): files.append(child)
                default: break
                }
            }
            return files
        case .other: throw JobLedgerError(.io, "not a file or directory", file: path)
        case nil: throw JobLedgerError(.io, "no such file or directory", file: path)
        }
    }
}

/// One file's replay.
struct FileReplay {
    struct Slot {
        let job: JobID
        var state: JobState?
        var snapshot: JobState?
        var error: JobLedgerError?
        let firstLine: Int
    }

    let file: String
    let asOf: Int?
    /// The job the file is named after, if its name is `<job>.jsonl`.
    let stem: JobID?
    var slots: [Slot] = []
    var index: [JobID: Int] = [:]
    var lines = 0
    var fileProblems: [JobLedgerError] = []
    var tornTail: TornWrite?
    /// The first line of a job other than `stem`.
    var firstForeignLine: (line: Int, job: JobID)?
    private var decoder = EventLineDecoder()
    /// The last line's job, to skip the lookup while lines keep naming the same job.
    private var lastJobBytes: [UInt8] = []
    private var lastSlot = -1

    init(file: String, asOf: Int?) {
        self.file = file
        self.asOf = asOf
        var name = Substring(file)
        if let slash = name.lastIndex(of: "/") { name = name[name.index(after: slash)...] }
        stem = name.hasSuffix(".jsonl") ? JobID(validating: String(name.dropLast(6))) : nil
    }

    mutating func run() throws(JobLedgerError) {
        guard let fd = try FileIO.open(file, O_RDONLY) else { throw JobLedgerError(.io, "no such file", file: file) }
        defer { close(fd) }
        #if canImport(Glibc)
        posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
        #endif
        var reader = LineReader(fd: fd, path: file)
        let tail = try reader.forEachLine { base, count, _ in self.fold(base, count) }
        if tail.count > 0 { tornTail = TornWrite(file: file, line: lines + 1, byteCount: tail.count, moved: false) }
    }

    @inline(__always)
    private mutating func fold(_ base: UnsafePointer<UInt8>, _ count: Int) {
        lines += 1
        do throws(LineError) {
            try decoder.decode(base, count: count)
        } catch {
            // Charge the line to the job it names, if it names one.
            if let text = decoder.jobText(base), let job = JobID(validating: text) {
                let slot = slotIndex(for: job)
                reject(slot, JobLedgerError(.corruptLog, error.message, job: job.rawValue, file: file, line: lines))
            } else {
                fileProblems.append(JobLedgerError(.corruptLog, error.message, job: decoder.jobText(base), file: file, line: lines))
            }
            return
        }
        let slot: Int
        let jobBytes = UnsafeBufferPointer(start: base + decoder.job.start, count: decoder.job.end - decoder.job.start)
        if lastSlot >= 0, !decoder.job.escaped, jobBytes.count == lastJobBytes.count,
            memcmp(jobBytes.baseAddress!, lastJobBytes, jobBytes.count) == 0
        {
            slot = lastSlot
        } else {
            let job: JobID
            do { job = try decoder.jobID(base) } catch {
                fileProblems.append(JobLedgerError(.corruptLog, error.message, file: file, line: lines))
                return
            }
            slot = slotIndex(for: job)
            lastSlot = slot
            lastJobBytes = Array(jobBytes)
        }
        if slots[slot].error != nil { return }
        do throws(JobLedgerError) {
            try decoder.fold(base, into: &slots[slot].state, job: slots[slot].job)
        } catch {
            reject(slot, error.at(file: file, line: lines))
            return
        }
        if let asOf, decoder.seq == asOf { slots[slot].snapshot = slots[slot].state }
    }

    private mutating func slotIndex(for job: JobID) -> Int {
        if let existing = index[job] { return existing }
        slots.append(Slot(job: job, firstLine: lines))
        index[job] = slots.count - 1
        if let stem, job != stem, firstForeignLine == nil { firstForeignLine = (lines, job) }
        return slots.count - 1
    }

    private mutating func reject(_ slot: Int, _ error: JobLedgerError) {
        if slots[slot].error == nil { slots[slot].error = error }
    }

    /// The slots to report, with the per-job file rule applied: in `<job>.jsonl` holding `<job>`,
    /// another job's line rejects the file's job and is not replayed as a job of its own.
    func finishedSlots() -> [Slot] {
        guard let stem, let stemSlot = index[stem], let foreign = firstForeignLine else { return slots }
        var own = slots[stemSlot]
        if own.error == nil || (own.error?.line ?? Int.max) > foreign.line {
            own.error = JobLedgerError(
                .corruptLog, "a line of job \(foreign.job) in the log of job \(stem) (a per-job file holds one job)",
                job: stem.rawValue, file: file, line: foreign.line)
        }
        return [own]
    }
}
