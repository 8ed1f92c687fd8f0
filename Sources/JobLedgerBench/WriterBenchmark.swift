import Foundation
import JobLedger
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Durable appends (one `Ledger.append` per event on a directory store with `.fsync`) from many
/// threads at once: 1, 4, 16 and 64 threads each appending to its own job, and 16 threads all
/// appending to one job. Every configuration runs for the same time, in rounds that alternate the
/// configurations, so a slow spell of the shared disk hits them alike; the median round is kept.
///
/// `jobledger-bench writers [--dir DIR] [--seconds S] [--runs N] [--json]` runs these alone.
enum WriterBenchmark {
    /// A configuration: how many threads, and whether they share one job.
    struct Setup: Hashable {
        var threads: Int
        var oneJob: Bool

        var name: String {
            oneJob ? "durable append, \(threads) threads to 1 job" : "durable append, \(threads) threads, own jobs"
        }
    }

    static let setups = [1, 4, 16, 64].map { Setup(threads: $0, oneJob: false) } + [Setup(threads: 16, oneJob: true)]

    static let usage = """
        usage: jobledger-bench writers [--dir DIR] [--seconds S] [--runs N] [--threads N]
                                       [--batch-jobs N [--bare-against-bare]] [--json]
          --dir DIR     where to make the stores (default /tmp)
          --seconds S   how long each configuration appends per run (default 2)
          --runs N      rounds over all configurations; the median is reported (default 3)
          --threads N   only N threads to their own jobs (e.g. to profile one figure; 0: none)
          --batch-jobs N  also the batched durable append of N jobs' events (16 each, batches
                        of 16384) beside its bare write+syncfs floor (default 0: not run)
          --bare-against-bare  the batched figure's control: bare in ours' place too (its
                        files `<job>.Alain`), to show how far two equal sides differ
          --json        print only the JSON object
        """

    static func main(_ arguments: [String]) -> Int32 {
        var options = Benchmark.Options()
        var seconds = 2.0
        var only: [Setup] = setups
        var batchJobs = 0
        var bareAgainstBare = false
        var rest = arguments[...]
        options.runs = 3
        while let argument = rest.popFirst() {
            switch argument {
            case "--dir":
                guard let dir = rest.popFirst() else { return fail() }
                options.directory = dir
            case "--seconds":
                guard let s = rest.popFirst().flatMap(Double.init), s > 0 else { return fail() }
                seconds = s
            case "--runs":
                guard let n = rest.popFirst().flatMap({ Int($0) }), n > 0 else { return fail() }
                options.runs = n
            case "--threads":
                guard let n = rest.popFirst().flatMap({ Int($0) }), n >= 0 else { return fail() }
                only = n == 0 ? [] : [Setup(threads: n, oneJob: false)]
            case "--batch-jobs":
                guard let n = rest.popFirst().flatMap({ Int($0) }), n >= 0 else { return fail() }
                batchJobs = n
            case "--bare-against-bare": bareAgainstBare = true
            case "--json": options.json = true
            default: return fail()
            }
        }
        let root = options.directory + "/jobledger-bench-writers-\(getpid())"
        mkdir(root, 0o755)
        defer { Benchmark.removeTree(root) }
        var report = Report(options: options)
        report.title = "JobLedger benchmark: durable appends from concurrent writers, \(seconds) s per configuration"
        add(only, to: &report, root: root, seconds: seconds, runs: options.runs, options: options)
        if batchJobs > 0 {
            Benchmark.addBatched(
                to: &report, jobs: batchJobs, batchSize: options.batchSize, root: root, options: options, bareAgainstBare: bareAgainstBare)
        }
        report.print(json: options.json)
        return 0
    }

    static func fail() -> Int32 {
        print(usage)
        return 2
    }

    /// Runs every configuration `runs` times, alternating, and adds each one's median to `report`.
    static func add(
        _ setups: [Setup] = setups, to report: inout Report, root: String, seconds: Double, runs: Int, options: Benchmark.Options
    ) {
        var results: [Setup: [(events: Int, seconds: Double)]] = [:]
        for run in 0..<runs {
            for setup in setups {
                Benchmark.progress(options, "writers, run \(run + 1) of \(runs): \(setup.name)")
                let directory = root + "/writers-\(run)-\(setup.threads)\(setup.oneJob ? "-one" : "")"
                results[setup, default: []].append(measure(setup, seconds: seconds, in: directory))
                Benchmark.removeTree(directory)
            }
        }
        for setup in setups {
            let sorted = results[setup]!.sorted { Double($0.events) / $0.seconds < Double($1.events) / $1.seconds }
            let median = sorted[sorted.count / 2]
            report.add(setup.name, events: median.events, seconds: median.seconds)
        }
    }

    /// What every thread shares: when to start, when to stop, and the events appended.
    private final class Shared: Sendable {
        let ready = Atomic<Int>(0)
        let go = Atomic<Bool>(false)
        let stop = Atomic<Bool>(false)
        let appended = Atomic<Int>(0)
        let finished = Atomic<Int>(0)
        let failure = Mutex<String?>(nil)
    }

    /// Starts `setup.threads` threads on a new durable store in `directory`; each appends one
    /// `configured` event at a time (its job made beforehand) until `seconds` have passed.
    /// Returns the events appended and the time from the start until the last thread returned.
    static func measure(_ setup: Setup, seconds: Double, in directory: String) -> (events: Int, seconds: Double) {
        let ledger = try! Ledger(directory: directory, durability: .fsync)
        let jobs = (0..<(setup.oneJob ? 1 : setup.threads)).map { JobID(validating: "writer-\($0)")! }
        for job in jobs { try! ledger.append(.created(Creation(origin: .api)), to: job) }
        let shared = Shared()
        for thread in 0..<setup.threads {
            let job = jobs[setup.oneJob ? 0 : thread]
            let worker = Thread {
                shared.ready.add(1, ordering: .sequentiallyConsistent)
                while !shared.go.load(ordering: .acquiring) { sched_yield() }
                var count = 0
                while !shared.stop.load(ordering: .relaxed) {
                    do {
                        try ledger.append(.configured(config: ["step": .int(count)]), to: job)
                        count += 1
                    } catch {
                        shared.failure.withLock { $0 = "\(error)" }
                        break
                    }
                }
                shared.appended.add(count, ordering: .sequentiallyConsistent)
                shared.finished.add(1, ordering: .sequentiallyConsistent)
            }
            worker.stackSize = 256 << 10
            worker.start()
        }
        while shared.ready.load(ordering: .sequentiallyConsistent) < setup.threads { usleep(1000) }
        let start = Benchmark.now()
        shared.go.store(true, ordering: .releasing)
        usleep(useconds_t(seconds * 1e6))
        shared.stop.store(true, ordering: .relaxed)
        while shared.finished.load(ordering: .sequentiallyConsistent) < setup.threads { usleep(200) }
        let elapsed = Benchmark.now() - start
        if let failure = shared.failure.withLock({ $0 }) { fatalError("jobledger-bench: a writer failed: \(failure)") }
        let events = shared.appended.load(ordering: .sequentiallyConsistent)
        check(ledger, jobs, events: events)
        return (events, elapsed)
    }

    /// Every acknowledged event is in the logs, numbered without gaps.
    static func check(_ ledger: Ledger, _ jobs: [JobID], events: Int) {
        var total = 0
        for job in jobs {
            let logged = try! ledger.events(of: job)
            precondition(logged.enumerated().allSatisfy { $0.element.seq == $0.offset + 1 }, "seqs must be contiguous")
            total += logged.count - 1
        }
        precondition(total == events, "every acknowledged event must be in the log: \(total) of \(events)")
    }
}
