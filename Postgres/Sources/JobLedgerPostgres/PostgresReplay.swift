import CLibPQ
import JobLedger

#if canImport(Glibc)
import Glibc
#endif

/// Replays every job of a PostgreSQL store: `COPY (SELECT job, line … ORDER BY job, seq) TO
/// STDOUT`, one statement (one consistent snapshot) streamed row by row while the server goes on
/// producing, each line through the same decoder and fold as a log file (``LineFolder``). Memory
/// is flat in the number of events: one row and one job's state at a time.
public struct PostgresReplay: Sendable {
    /// Replay each job up to this `seq` (time travel); later lines are still checked.
    public var asOf: Int?

    public init(asOf: Int? = nil) { self.asOf = asOf }

    static let sql = "COPY (SELECT job, line FROM jobledger_events ORDER BY job, seq) TO STDOUT"

    /// Undoes COPY's text escapes (`\\` `\t` `\n` `\r` and the other C escapes it uses).
    static func unescape(_ base: UnsafePointer<UInt8>, _ count: Int, into output: inout [UInt8]) {
        output.removeAll(keepingCapacity: true)
        var i = 0
        while i < count {
            let byte = base[i]
            i += 1
            guard byte == UInt8(ascii: "\\"), i < count else {
                output.append(byte)
                continue
            }
            let next = base[i]
            i += 1
            switch next {
            case UInt8(ascii: "t"): output.append(9)
            case UInt8(ascii: "n"): output.append(10)
            case UInt8(ascii: "r"): output.append(13)
            case UInt8(ascii: "b"): output.append(8)
            case UInt8(ascii: "f"): output.append(12)
            case UInt8(ascii: "v"): output.append(11)
            default: output.append(next)
            }
        }
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
                    try connection.copyOut(PostgresReplay.sql) { row, count in replay.row(row, count) }
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

        /// Scratch space for a row whose text COPY escaped (a line with a backslash).
        var unescaped: [UInt8] = []

        /// One COPY row: `job TAB line NEWLINE` in COPY's text format.
        mutating func row(_ base: UnsafePointer<UInt8>, _ count: Int) {
            summary.lines += 1
            var end = count
            if end > 0 && base[end - 1] == 10 { end -= 1 }
            guard let tab = UnsafeBufferPointer(start: base, count: end).firstIndex(of: 9) else {
                finishJob()
                started = false
                fail(JobLedgerError(.corruptLog, "a COPY row without a tab", file: name))
                failed = false
                return
            }
            if !started || tab != bytes.count || memcmp(base, bytes, tab) != 0 {
                finishJob()
                started = true
                bytes = Array(UnsafeBufferPointer(start: base, count: tab))
                // A valid job id has nothing COPY escapes, so an escaped one is invalid anyway.
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
            let line = base + tab + 1
            let length = end - tab - 1
            do throws(JobLedgerError) {
                let seq: Int
                if memchr(line, Int32(UInt8(ascii: "\\")), length) == nil {
                    seq = try folder.fold(line, count: length, job: job, into: &state)
                } else {
                    PostgresReplay.unescape(line, length, into: &unescaped)
                    seq = try unescaped.withUnsafeBufferPointer { buffer throws(JobLedgerError) in
                        try folder.fold(buffer.baseAddress!, count: buffer.count, job: job, into: &state)
                    }
                }
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
