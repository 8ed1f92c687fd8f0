import CLibPQ
import JobLedger

/// Replays every job of a PostgreSQL store: one statement (one consistent snapshot) streamed row
/// by row in job, seq order, each line through the same decoding and fold as a log file. Memory
/// is flat in the number of events: one row and one job's state at a time.
public struct PostgresReplay: Sendable {
    /// Replay each job up to this `seq` (time travel); later lines are still checked.
    public var asOf: Int?

    public init(asOf: Int? = nil) { self.asOf = asOf }

    /// What a replay saw.
    public struct Summary: Sendable, Hashable {
        public var lines = 0
        public var jobs = 0
        public var problems = 0
    }

    static let sql = "SELECT job, seq, line FROM jobledger_events ORDER BY job, seq"

    /// Replays the database at `url`, calling `emit` with each good job's state (as of ``asOf``),
    /// `reject` with each bad job's first problem (job and seq named), or with the one error that
    /// stopped the replay (no server, a lost connection).
    @discardableResult
    public func run(_ url: String, emit: (JobState) -> Void, reject: (JobLedgerError) -> Void) -> Summary {
        var summary = Summary()
        let name = PostgresStore.describe(url)
        let store: PostgresStore
        do { store = try PostgresStore(url: url) } catch {
            reject(error)
            summary.problems += 1
            return summary
        }
        var current: (job: JobID?, bytes: [UInt8])?
        var state: JobState?
        var snapshot: JobState?
        var failed = false

        func finish() {
            guard current?.job != nil, !failed, let done = snapshot ?? state else { return }
            emit(done)
            summary.jobs += 1
        }
        func fail(_ error: JobLedgerError) {
            if !failed { reject(error) }
            if !failed { summary.problems += 1 }
            failed = true
        }

        do throws(JobLedgerError) {
            try store.withConnection { connection throws(JobLedgerError) in
                do throws(DatabaseError) {
                    try connection.stream(PostgresReplay.sql, []) { result in
                        summary.lines += 1
                        let jobBytes = PQgetvalue(result, 0, 0)!
                        let jobLength = Int(PQgetlength(result, 0, 0))
                        let sameJob =
                            current.map { current in
                                current.bytes.count == jobLength
                                    && current.bytes.withUnsafeBufferPointer { memcmp($0.baseAddress!, jobBytes, jobLength) == 0 }
                            } ?? false
                        if !sameJob {
                            finish()
                            let bytes = Array(UnsafeBufferPointer(start: UnsafeRawPointer(jobBytes).assumingMemoryBound(to: UInt8.self), count: jobLength))
                            let text = String(decoding: bytes, as: UTF8.self)
                            state = nil
                            snapshot = nil
                            failed = false
                            current = (JobID(validating: text), bytes)
                            if current?.job == nil {
                                fail(JobLedgerError(.corruptLog, "a stored job id is not valid: \(text.debugDescription)", file: name))
                                return
                            }
                        }
                        guard let job = current?.job ?? nil, !failed else { return }
                        let seq = Int(String(cString: PQgetvalue(result, 0, 1))) ?? 0
                        do throws(JobLedgerError) {
                            let event = try PostgresStore.decode(
                                String(cString: PQgetvalue(result, 0, 2)), job: job, seq: seq, after: state)
                            if state == nil { state = try JobState(event) } else { try state!.apply(event) }
                        } catch {
                            fail(error.at(file: name, line: seq))
                            return
                        }
                        if let asOf, seq == asOf { snapshot = state }
                    }
                } catch {
                    throw error.ledgerError(name)
                }
            }
            finish()
        } catch {
            // The stream stopped: the job being read is not emitted.
            failed = false
            fail(error)
        }
        return summary
    }
}

#if canImport(Glibc)
import Glibc
#endif
