/// The one step every reader of a log takes for each line — the directory store's
/// ``JobLogReader``, offline ``FileReplay``, and any store built on the same codec: fold the line
/// just decoded into its job's state. Each reader keeps only its own policy around it (which job
/// a line must be, where errors are reported, what a bad line rejects).
extension JobState {
    /// Folds the line `decoder` just read into `state`, the state of the line's job (`nil`
    /// before its first line). Errors carry no place; callers add file and line.
    /// - Throws: `corrupt_log` for a gap or repeat in `seq` or an unreadable field; the fold's own
    ///   errors (`invalid_event`, `illegal_transition`) as they are. `state` is unchanged then.
    @inline(__always)
    static func fold(
        line decoder: inout EventLineDecoder, _ base: UnsafePointer<UInt8>, into state: inout JobState?, job: @autoclosure () -> JobID
    ) throws(JobLedgerError) {
        // A pattern that binds nothing: `state == nil` would copy the state (and so copy its
        // copy-on-write part on the next change) on every line.
        if decoder.plain, case .some = state {
            return try state!.applyPlain(seq: decoder.seq, at: decoder.at, type: decoder.type, percent: decoder.percent)
        }
        // The first line, when it is a canonical `created` with only its origin (the common
        // case): the state starts from it as `JobState(_:)` would start it from its event.
        if let origin = decoder.canonicalOrigin, case .none = state {
            state = try JobState(seq: decoder.seq, at: decoder.at, job: job(), origin: origin)
            return
        }
        let event: Event
        do { event = try decoder.event(base) } catch { throw JobLedgerError(.corruptLog, error.message, job: job().rawValue) }
        switch state {
        case .none: state = try JobState(RecordedEvent(seq: decoder.seq, at: decoder.at, job: job(), event: event))
        case .some: try state!.apply(seq: decoder.seq, at: decoder.at, event: event)
        }
    }

    /// The `seq` rule's error, in one wording for every reader and the API: a log whose `seq`
    /// repeats or skips is corrupt.
    static func seqError(found: Int, expected: Int, job: JobID) -> JobLedgerError {
        let message =
            found < expected
            ? "seq \(found) repeats or goes back (expected \(expected))"
            : "seq \(found) leaves a gap (expected \(expected))"
        return JobLedgerError(.corruptLog, message, job: job.rawValue)
    }
}

extension EventLineDecoder {
    /// The recorded event of the line just decoded.
    mutating func recorded(_ base: UnsafePointer<UInt8>, job: JobID) throws(JobLedgerError) -> RecordedEvent {
        do { return RecordedEvent(seq: seq, at: at, job: job, event: try event(base)) } catch {
            throw JobLedgerError(.corruptLog, error.message, job: job.rawValue)
        }
    }

    /// Whether the line's job is `job`: its bytes compared with the id (``JobID/hasText(_:)``),
    /// unless the line escapes characters (which a job id never needs, but JSON allows).
    @inline(__always)
    func jobIs(_ job: JobID, _ base: UnsafePointer<UInt8>) -> Bool {
        if !self.job.escaped {
            return job.hasText(UnsafeBufferPointer(start: base + self.job.start, count: self.job.end - self.job.start))
        }
        return jobText(base) == job.rawValue
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads one job's log file (`<job>.jsonl`) from an offset: every complete line must be that
/// job's, in `seq` order, and legal.
struct JobLogReader {
    let job: JobID
    let path: String
    var state: JobState?
    /// Complete lines read so far (the line number of the last one).
    var lines = 0
    /// File offset just past the last complete line read.
    var offset: Int64 = 0

    init(job: JobID, path: String, state: JobState? = nil, lines: Int = 0, offset: Int64 = 0) {
        self.job = job
        self.path = path
        self.state = state
        self.lines = lines
        self.offset = offset
    }

    /// Folds the committed lines from `offset` on; `collect` also returns them as events.
    /// - Returns: the tail after the last committed line: a torn write, or the lines of an
    ///   append a crash cut short (``FileIO/committedEnd(_:from:size:_:)``).
    /// - Throws: the first bad line's error with file and line; `state`, `lines` and `offset` then
    ///   describe the log up to the line before it.
    mutating func readNewLines(fd: Int32, collect: Bool = false, into events: inout [RecordedEvent])
        throws(JobLedgerError) -> LineReader.Tail
    {
        let size = try FileIO.size(fd, path)
        let end = try FileIO.committedEnd(fd, from: offset, size: size, path)
        var reader = LineReader(fd: fd, path: path, from: offset, to: end)
        // Made per read, not kept: a store keeps one reader per job it has seen.
        var decoder = EventLineDecoder()
        let job = self.job
        let path = self.path
        _ = try reader.forEachLine { base, count, lineEnd throws(JobLedgerError) in
            let line = lines + 1
            do throws(JobLedgerError) {
                guard count <= LogLimits.maximumLineLength else { throw JobLedgerError.overlongLine(count, job: job.rawValue) }
                do throws(LineError) { try decoder.decode(base, count: count) } catch {
                    throw JobLedgerError(.corruptLog, error.message, job: decoder.jobText(base) ?? job.rawValue)
                }
                guard decoder.jobIs(job, base) else {
                    throw JobLedgerError(
                        .corruptLog,
                        "a line of job \(decoder.jobText(base) ?? "?") in the log of job \(job) (a per-job file holds one job)",
                        job: job.rawValue)
                }
                if collect {
                    let recorded = try decoder.recorded(base, job: job)
                    var next = state
                    try JobState.fold(line: &decoder, base, into: &next, job: job)
                    state = next
                    events.append(recorded)
                } else {
                    try JobState.fold(line: &decoder, base, into: &state, job: job)
                }
            } catch {
                throw error.at(file: path, line: line)
            }
            lines = line
            offset = lineEnd
        }
        return LineReader.Tail(offset: end, count: size - end)
    }
}

extension JobLedgerError {
    /// A line longer than ``LogLimits/maximumLineLength``.
    static func overlongLine(_ count: Int, job: String?) -> JobLedgerError {
        JobLedgerError(
            .corruptLog, "line of \(count) bytes is longer than a log line may be (\(LogLimits.maximumLineLength) bytes)", job: job)
    }
}
