#if canImport(Glibc)
import Glibc
#endif
import JobLedger

/// The large inputs of the hostile-inputs issue, timed: parsing and merging must be linear.
///
/// - one line whose `hyperparameters` object has 80,000 keys (869 KB), verified;
/// - one job of 20,000 `configured` events, each adding a key, replayed.
///
/// Each is the best of seven runs: they take milliseconds, so on a shared machine the best run
/// is the one another process did not interrupt. The main benchmark prints the configured-event
/// rate as a ratio to its WORKLOAD replay of the same process.
enum HostileBenchmark {
    static func main(_ arguments: [String]) -> Int32 {
        let root = "/tmp/jobledger-bench-hostile-\(getpid())"
        mkdir(root, 0o700)
        defer { Benchmark.removeTree(root) }
        var report = Report(options: Benchmark.Options())
        add(to: &report, root: root)
        report.print(json: arguments.contains("--json"))
        return 0
    }

    static func add(to report: inout Report, root: String) {
        let wide = root + "/wide.jsonl"
        var line = #"{"seq":1,"at":"2026-01-01T00:00:00Z","job":"wide","type":"created","origin":"api","hyperparameters":{"#
        line += (0..<80_000).map { "\"key-\($0)\":\($0)" }.joined(separator: ",") + "}}\n"
        write(line, to: wide)
        report.add("verify one line of 80,000 keys", events: 1, seconds: best(of: 7) { replayCleanly(wide) })

        let configured = root + "/configured.jsonl"
        var log = #"{"seq":1,"at":"2026-01-01T00:00:00Z","job":"conf","type":"created","origin":"api"}"# + "\n"
        for index in 0..<20_000 {
            log += #"{"seq":\#(index + 2),"at":"2026-01-01T00:00:01Z","job":"conf","type":"configured","config":{"k\#(index)":\#(index),"lr":0.1}}"# + "\n"
        }
        write(log, to: configured)
        report.add("replay 20,000 configured events", events: 20_001, seconds: best(of: 7) { replayCleanly(configured) })
    }

    static func best(of runs: Int, _ body: () -> Double) -> Double {
        (0..<runs).map { _ in body() }.min()!
    }

    static func replayCleanly(_ file: String) -> Double {
        let start = Benchmark.now()
        let summary = Replay().run([file], emit: { _ in }, reject: { print("jobledger-bench: \($0)") })
        let seconds = Benchmark.now() - start
        precondition(summary.problems == 0 && summary.jobs == 1, "the hostile inputs must replay cleanly")
        return seconds
    }

    static func write(_ text: String, to path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(fd >= 0, "cannot create \(path)")
        var text = text
        text.withUTF8 { bytes in
            var done = 0
            while done < bytes.count {
                let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
                precondition(n > 0, "cannot write \(path)")
                done += n
            }
        }
        close(fd)
    }
}
