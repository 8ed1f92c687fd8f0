/// Folds stored log lines one at a time with the same decoder and the same fold step
/// (``JobState/fold(line:_:into:job:)``) as the directory store and replay: for stores outside this module that keep each event's line (the PostgreSQL store's
/// replay, Postgres/).
public struct LineFolder {
    private var decoder = EventLineDecoder()

    public init() {}

    /// Decodes one line of `job` (`count` bytes at `base`, without its newline) and folds it into
    /// `state` (the job's state so far, `nil` before its first line).
    /// - Returns: the line's `seq`.
    /// - Throws: `corrupt_log` for an unreadable line, a line of another job, or a gap or repeat
    ///   in `seq`; the fold's own errors (`invalid_event`, `illegal_transition`). The error names
    ///   the job but no place: callers add it, and reject the job.
    public mutating func fold(_ base: UnsafePointer<UInt8>, count: Int, job: JobID, into state: inout JobState?)
        throws(JobLedgerError) -> Int
    {
        guard count <= LogLimits.maximumLineLength else { throw JobLedgerError.overlongLine(count, job: job.rawValue) }
        do throws(LineError) { try decoder.decode(base, count: count) } catch {
            throw JobLedgerError(.corruptLog, error.message, job: job.rawValue)
        }
        guard decoder.jobIs(job, base) else {
            throw JobLedgerError(
                .corruptLog, "a line of job \(decoder.jobText(base) ?? "?") stored as job \(job)", job: job.rawValue)
        }
        try JobState.fold(line: &decoder, base, into: &state, job: job)
        return decoder.seq
    }
}
