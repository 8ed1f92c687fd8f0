import CLibPQ
import JobLedger

#if canImport(Glibc)
import Glibc
#endif

/// Replays every job of a PostgreSQL store: `COPY (SELECT job, line … ORDER BY job, seq) TO
/// STDOUT (FORMAT binary)`, one statement (one consistent snapshot) streamed row by row while the server goes on
/// producing, each line through the same decoder and fold as a log file (``LineFolder``). Memory
/// is flat in the number of events: one row and one job's state at a time.
public struct PostgresReplay: Sendable {
    /// Replay each job up to this `seq` (time travel); later lines are still checked.
    public var asOf: Int?

    public init(asOf: Int? = nil) { self.asOf = asOf }

    /// Binary COPY: each value arrives as its bytes and length, nothing to escape on either side.
    static let sql = "COPY (SELECT job, line FROM jobledger_events ORDER BY job, seq) TO STDOUT (FORMAT binary)"

    /// The binary COPY file header's signature.
    static let signature: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00]

    /// A big-endian 32-bit integer.
    static func int32(_ base: UnsafePointer<UInt8>) -> Int32 {
        Int32(bitPattern: UInt32(base[0]) << 24 | UInt32(base[1]) << 16 | UInt32(base[2]) << 8 | UInt32(base[3]))
    }

    /// What a replay saw.
    public struct Summary: Sendable, Hashable {
        public var lines = 0
        public var jobs = 0
        public var problems = 0
    }

    /// Replays the database at `url`, calling `emit` with each good job's state (as of ``asOf``),
    /// `reject` with each bad job's first problem (job and seq named), or with the one error that
    /// stopped the replay (no server, a lost connection).
    @discardableResult
    public func run(_ url: String, emit: (JobState) -> Void, reject: (JobLedgerError) -> Void) -> Summary {
        withoutActuallyEscaping(emit) { emit in
            withoutActuallyEscaping(reject) { reject in
                var replay = Run(name: PostgresStore.describe(url), asOf: asOf, emit: emit, reject: reject)
                run(url, &replay)
                return replay.summary
            }
        }
    }

    private func run(_ url: String, _ replay: inout Run) {
        do throws(JobLedgerError) {
            let store = try PostgresStore(url: url)
            try store.withConnection { connection throws(JobLedgerError) in
                do throws(DatabaseError) {
                    try connection.copyOut(PostgresReplay.sql) { bytes, count in replay.message(bytes, count) }
                } catch {
                    throw error.ledgerError(replay.name)
                }
            }
            replay.finishJob()
        } catch {
            // Stopped: the job being read is not emitted.
            replay.failed = false
            replay.fail(error)
        }
    }

    /// One replay's state: the job being read.
    private struct Run {
        let name: String
        let asOf: Int?
        let emit: (JobState) -> Void
        let reject: (JobLedgerError) -> Void
        var summary = Summary()
        var folder = LineFolder()
        /// The job being read: its id bytes as stored, and its id (`nil` if the stored id is invalid).
        var bytes: [UInt8] = []
        var job: JobID?
        var started = false
        var state: JobState?
        var snapshot: JobState?
        var failed = false

        init(name: String, asOf: Int?, emit: @escaping (JobState) -> Void, reject: @escaping (JobLedgerError) -> Void) {
            self.name = name
            self.asOf = asOf
            self.emit = emit
            self.reject = reject
        }

        /// One binary COPY message: a tuple (int16 field count 2, then int32 length and bytes of
        /// job and of line), the first one after the file header, or the trailer (int16 -1).
        mutating func message(_ base: UnsafePointer<UInt8>, _ count: Int) {
            var offset = 0
            if count >= 19, memcmp(base, PostgresReplay.signature, 11) == 0 {
                offset = 19 + Int(PostgresReplay.int32(base + 15))
            }
            guard offset + 2 <= count else { return }
            let fields = Int16(bitPattern: UInt16(base[offset]) << 8 | UInt16(base[offset + 1]))
            if fields == -1 { return }  // the trailer
            offset += 2
            // Two values, each an int32 length (-1 for NULL) and its bytes.
            func value() -> (UnsafePointer<UInt8>, Int)? {
                guard offset + 4 <= count else { return nil }
                let length = Int(PostgresReplay.int32(base + offset))
                offset += 4
                guard length >= 0, offset + length <= count else { return nil }
                defer { offset += length }
                return (base + offset, length)
            }
            guard fields == 2, let job = value(), let line = value() else {
                summary.lines += 1
                fail(JobLedgerError(.corruptLog, "a COPY row that is not (job, line)", file: name))
                return
            }
            row(job: job, line: line)
        }

        mutating func row(job jobValue: (UnsafePointer<UInt8>, Int), line: (UnsafePointer<UInt8>, Int)) {
            summary.lines += 1
            let (jobBase, jobCount) = jobValue
            if !started || jobCount != bytes.count || memcmp(jobBase, bytes, jobCount) != 0 {
                finishJob()
                started = true
                bytes = Array(UnsafeBufferPointer(start: jobBase, count: jobCount))
                let text = String(decoding: bytes, as: UTF8.self)
                job = JobID(validating: text)
                state = nil
                snapshot = nil
                failed = false
                if job == nil {
                    fail(JobLedgerError(.corruptLog, "a stored job id is not valid: \(text.debugDescription)", file: name))
                }
            }
            guard let job, !failed else { return }
            do throws(JobLedgerError) {
                let seq = try folder.fold(line.0, count: line.1, job: job, into: &state)
                if let asOf, seq == asOf { snapshot = state }
            } catch {
                fail(error.at(file: name, line: (state?.seq ?? 0) + 1))
            }
        }

        mutating func finishJob() {
            guard started, job != nil, !failed, let done = snapshot ?? state else { return }
            emit(done)
            summary.jobs += 1
        }

        mutating func fail(_ error: JobLedgerError) {
            guard !failed else { return }
            reject(error)
            summary.problems += 1
            failed = true
        }
    }
}
