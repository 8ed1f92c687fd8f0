#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import JobLedger
import Synchronization

enum FollowCommand: Command {
    static let name = "follow"
    static let usage = "jobledger follow DIR [JOB] [--after SEQ] [--count N] [--poll MS]"
    static let summary = "Print a job's events, or every job's, then each new one as it is appended (tail -f)."
    static let details = """
        Prints the log lines already there, then waits and prints every event appended later, by
        this or any other process, as it is appended: no line missed or printed twice. Events of
        one job come in seq order. A JOB with no events yet is waited for. New lines are noticed
        with inotify (polling where it is unavailable); the store is opened read-only.

        options:
          --after SEQ   start after this seq of JOB (default 0: from its first event)
          --count N     exit 0 after printing N events (default: run until interrupted)
          --poll MS     poll every MS milliseconds instead of using inotify

        """
    static let options: Set<String> = ["after", "count", "poll"]

    static func run(_ arguments: Arguments, _ out: inout Output) throws(UsageError) -> ExitCode {
        guard (1...2).contains(arguments.positionals.count) else {
            throw UsageError(message: arguments.positionals.isEmpty ? "missing DIR" : "unexpected argument \(arguments.positionals[2])")
        }
        let job = arguments.positionals.count == 2 ? try jobID(arguments.positionals[1]) : nil
        let after = try arguments.integer("after") ?? 0
        guard after >= 0 else { throw UsageError(message: "--after must be 0 or more") }
        guard job != nil || arguments.options["after"] == nil else { throw UsageError(message: "--after needs a JOB") }
        let count = try arguments.integer("count")
        guard count.map({ $0 >= 1 }) ?? true else { throw UsageError(message: "--count must be 1 or more") }
        let poll = try arguments.integer("poll")
        guard poll.map({ $0 >= 1 }) ?? true else { throw UsageError(message: "--poll must be 1 or more milliseconds") }
        let ledger: AsyncLedger
        do {
            ledger = AsyncLedger(try readOnlyLedger(arguments.positionals[0]))
        } catch {
            return report(error)
        }
        let detection = poll.map { ChangeDetection.polling(.milliseconds($0)) } ?? .automatic
        let subscription =
            job.map { ledger.subscribe(job: $0, after: after, detection: detection) } ?? ledger.subscribe(detection: detection)
        out.flush()
        // The main thread waits; the subscription runs on the cooperative pool and the ledger's threads.
        let done = DispatchSemaphore(value: 0)
        let status = Mutex(ExitCode.success)
        Task {
            do {
                var printed = 0
                for try await event in subscription {
                    let line = event.jsonLine
                    guard writeAll(line) else { break }  // stdout closed: nothing more to say
                    printed += 1
                    if let count, printed >= count { break }
                }
            } catch let error as JobLedgerError {
                status.withLock { $0 = report(error) }
            } catch {
                Output.error("\(error)")
                status.withLock { $0 = .rejected }
            }
            done.signal()
        }
        done.wait()
        return status.withLock { $0 }
    }

    /// Writes `text` to standard output now (a follower is read line by line).
    private static func writeAll(_ text: String) -> Bool {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(1, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }
}
