#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JobLedger

/// `copy FROM TO`: not a `jobledger` command (its stores are directories only); an executable
/// with other stores adds it (``Commands/copy``).
enum CopyCommand: Command {
    static let name = "copy"
    static let usage = "jobledger copy FROM TO"
    static let summary = "Copy every job's log from one store to another (a directory or a database), either way."
    static let details = """
        Every event keeps its seq, time and fields; each job is validated by the target as it is
        written, one job at a time, all or nothing. A job that already exists in TO is never
        overwritten: if any job of FROM is in TO, nothing is copied (exit status 1). A progress
        line is shown on stderr when it is a terminal; the summary goes to stdout.

        """
    static let options: Set<String> = []

    static func run(_ arguments: Arguments, _ out: inout Output) throws(UsageError) -> ExitCode {
        try arguments.expect(["FROM", "TO"])
        let (from, to) = (arguments.positionals[0], arguments.positionals[1])
        let opener = StoreOpener.current
        do {
            let source = try readOnlyLedger(from).store
            let target = try writableLedger(to, createDirectory: true).store
            let jobs = try source.jobIDs()
            let existing = Set(try target.jobIDs()).intersection(jobs).sorted()
            if !existing.isEmpty {
                for job in existing {
                    Output.error(
                        JobLedgerError(
                            .duplicateJob, "job exists in \(opener.describe(to)); copy never overwrites a job", job: job.rawValue))
                }
                return .rejected
            }
            var progress = Progress(total: jobs.count)
            var events = 0
            for job in jobs {
                let log = try source.events(of: job)
                let pending = log.map { PendingEvent($0.event, at: $0.at) }
                // The check and the write are one update under the target's job lock, so a job
                // created meanwhile is refused, not overwritten.
                _ = try target.update(job) { state throws(JobLedgerError) -> Decision<Void> in
                    guard state == nil else {
                        throw JobLedgerError(
                            .duplicateJob, "job exists in \(opener.describe(to)); copy never overwrites a job", job: job.rawValue)
                    }
                    return Decision(append: pending)
                }
                events += log.count
                progress.advance(events: events)
            }
            progress.finish()
            out.line("copied \(jobs.count) job\(jobs.count == 1 ? "" : "s"), \(events) event\(events == 1 ? "" : "s")")
            return .success
        } catch {
            return report(error)
        }
    }

    /// `copying: 120/4000 jobs, 5230 events` on stderr, redrawn in place, when it is a terminal.
    struct Progress {
        let total: Int
        let shown = isatty(2) == 1
        var done = 0
        var lastDrawn = 0

        init(total: Int) { self.total = total }

        mutating func advance(events: Int) {
            done += 1
            guard shown, done == total || done - lastDrawn >= max(1, total / 200) else { return }
            lastDrawn = done
            let text = "\rcopying: \(done)/\(total) jobs, \(events) events"
            _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress!, $0.count - 1) }
        }

        func finish() {
            if shown && total > 0 { _ = write(2, "\n", 1) }
        }
    }
}

extension Commands {
    /// `copy FROM TO`, for an executable whose opener knows more than directories.
    public static let copy = CopyCommand.spec
}
