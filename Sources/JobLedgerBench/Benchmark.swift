import Foundation
import JobLedger

#if canImport(Glibc)
import Glibc
#endif

/// `jobledger-bench`: the benchmark of ../shared/WORKLOAD.md. Every figure is events per second,
/// with its baseline measured in the same run, on the same machine, from the same bytes.
enum Benchmark {
    struct Options {
        var jobs = 100_000
        var runs = 5
        /// Events appended one durable append at a time (each costs an fsync, so a sample).
        var perEventSample = 4_096
        /// Events per batch in the batched durable append.
        var batchSize = 16_384
        /// Jobs in the batched durable append (0: all of the workload).
        var batchJobs = 0
        var skipBaseline = false
        /// Seconds each concurrent-writer configuration appends per run (0: skip them).
        var writerSeconds = 2.0
        var json = false
        var directory = "/tmp"
        /// Another build's `jobledger` (e.g. an older commit's), whose whole-process replay of the
        /// same workload is timed alternately with ours.
        var baselineCLI: String?
    }

    static let usage = """
        usage: jobledger-bench [--jobs N] [--runs N] [--per-event N] [--batch N] [--batch-jobs N]
                               [--writer-seconds S] [--skip-baseline] [--json] [--dir DIR]
                               [--baseline-cli PATH]
               jobledger-bench hostile [--json]    (only the hostile-input figures)
               jobledger-bench writers [--dir DIR] [--seconds S] [--runs N] [--json]
                                                   (only the concurrent-writer figures)
               jobledger-bench workload FILE [JOBS] [--per-job]
               jobledger-bench replay-once PATH THREADS [TIMES]   (one rendered replay, timed alone)
          --jobs N        jobs in the workload (16 events each; default 100000)
          --runs N        runs of each timed figure; the median is reported (default 5)
          --per-event N   events in the one-durable-append-per-event sample (default 4096)
          --batch N       events per batch in the batched durable append (default 16384)
          --batch-jobs N  jobs appended in batches (default: all)
          --writer-seconds S  how long each concurrent-writer figure (1, 4, 16, 64 threads
                          to their own jobs; 16 threads to one job) appends per run
                          (default 2; 0 skips them)
          --skip-baseline skip the JSONDecoder baseline (it takes seconds)
          --json          print only the JSON object
          --dir DIR       where to write the workload and the stores (default /tmp)
          --baseline-cli PATH  another build's jobledger: its whole-process replay is timed
                          alternately with this build's (e.g. an older commit's, for a regression)
        """

    static func parse(_ arguments: [String]) -> Options? {
        var options = Options()
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            func number() -> Int? { rest.popFirst().flatMap { Int($0) }.flatMap { $0 >= 0 ? $0 : nil } }
            switch argument {
            case "--jobs": guard let n = number(), n > 0 else { return nil }; options.jobs = n
            case "--runs": guard let n = number(), n > 0 else { return nil }; options.runs = n
            case "--per-event": guard let n = number() else { return nil }; options.perEventSample = n
            case "--batch": guard let n = number(), n > 0 else { return nil }; options.batchSize = n
            case "--batch-jobs": guard let n = number() else { return nil }; options.batchJobs = n
            case "--skip-baseline": options.skipBaseline = true
            case "--writer-seconds":
                guard let s = rest.popFirst().flatMap(Double.init), s >= 0 else { return nil }
                options.writerSeconds = s
            case "--json": options.json = true
            case "--dir": guard let dir = rest.popFirst() else { return nil }; options.directory = dir
            case "--baseline-cli": guard let path = rest.popFirst() else { return nil }; options.baselineCLI = path
            default: return nil
            }
        }
        return options
    }

    /// Parses `arguments`, writes the workload into a folder of its own (removed at the end),
    /// runs `body` with the report, the folder and the workload's path, and prints the report.
    static func withWorkload(
        _ arguments: [String], folder name: String, _ body: (Options, inout Report, _ root: String, _ workload: String) -> Void
    ) -> Int32 {
        guard let options = parse(arguments) else {
            print(usage)
            return 2
        }
        var report = Report(options: options)
        let root = options.directory + "/\(name)-\(getpid())"
        mkdir(root, 0o755)
        defer { removeTree(root) }
        let workload = root + "/workload.jsonl"
        progress(options, "writing the workload: \(options.jobs) jobs, \(options.jobs * 16) events")
        Workload.write(jobs: options.jobs, to: workload)
        report.fileBytes = fileSize(workload)
        body(options, &report, root, workload)
        report.print(json: options.json)
        return 0
    }

    static func main(_ arguments: [String]) -> Int32 {
        withWorkload(arguments, folder: "jobledger-bench") { options, report, root, workload in
            run(options, &report, root: root, workload: workload)
        }
    }

    /// Every figure (``main(_:)``).
    static func run(_ options: Options, _ report: inout Report, root: String, workload: String) {
        let events = options.jobs * 16

        progress(options, "replay")
        report.add("replay", events: events, seconds: median(options.runs) { replayOnce(workload) })
        if let peak = Memory.peakDuring({ _ = replayOnce(workload) }) {
            report.peakMemoryKB["in-process replay, \(options.jobs) jobs"] = peak
        }

        addThreads(to: &report, workload: workload, root: root, options: options)

        progress(options, "hostile inputs: an 80,000-key line, 20,000 configured events")
        HostileBenchmark.add(to: &report, root: root)

        if !options.skipBaseline {
            progress(options, "baseline: JSONDecoder")
            report.add("baseline JSONDecoder", events: events, seconds: median(1) { decoderBaselineOnce(workload) })
        }

        let cli = Executable.sibling("jobledger")
        if access(cli, X_OK) == 0 {
            progress(options, "jobledger replay as a whole process")
            var rss = 0
            let seconds = median(options.runs) {
                let (time, peak) = Executable.run(cli, ["replay", workload, "--vocabulary", "sestek"])
                rss = max(rss, peak)
                return time
            }
            report.add("cli replay --vocabulary sestek", events: events, seconds: seconds)
            if let other = options.baselineCLI {
                progress(options, "the baseline build's jobledger replay, alternated with ours")
                var theirs: [Double] = []
                var ours: [Double] = []
                for _ in 0..<max(3, options.runs) {
                    theirs.append(Executable.run(other, ["replay", workload, "--vocabulary", "sestek"]).seconds)
                    ours.append(Executable.run(cli, ["replay", workload, "--vocabulary", "sestek"]).seconds)
                }
                report.add("cli replay, this build (alternated)", events: events, seconds: ours.sorted()[ours.count / 2])
                report.add("cli replay, baseline build (alternated)", events: events, seconds: theirs.sorted()[theirs.count / 2])
            }
            report.peakMemoryKB["cli replay, \(options.jobs) jobs"] = rss
            progress(options, "memory flat in the log's length")
            for count in [10_000, 1_000_000] {
                let single = root + "/one-job-\(count).jsonl"
                Workload.writeOneJob(events: count, to: single)
                let (_, peak) = Executable.run(cli, ["replay", single])
                report.peakMemoryKB["cli replay, 1 job, \(count) events"] = peak
            }
        } else {
            progress(options, "(\(cli) not built: skipping the whole-process figures)")
        }

        let sample = min(options.perEventSample, events)
        if sample > 0 {
            progress(options, "durable appends, one per event (\(sample) events)")
            let lines = Workload.lines(jobs: (sample + 15) / 16).prefix(sample)
            var bare: [Double] = []
            var ours: [Double] = []
            for run in 0..<max(1, options.runs / 2) {
                bare.append(bareWriteFsync(Array(lines), in: root + "/bare-\(run)"))
                ours.append(durablePerEvent(Array(lines), in: root + "/ours-\(run)"))
            }
            report.add("bare write+fsync per event", events: sample, seconds: bare.sorted()[bare.count / 2])
            report.add("durable append per event", events: sample, seconds: ours.sorted()[ours.count / 2])
        }

        if options.writerSeconds > 0 {
            WriterBenchmark.add(to: &report, root: root, seconds: options.writerSeconds, runs: min(3, options.runs), options: options)
        }

        let batchJobs = options.batchJobs == 0 ? options.jobs : min(options.batchJobs, options.jobs)
        addBatched(to: &report, jobs: batchJobs, batchSize: options.batchSize, root: root, options: options)
    }

    /// Batched durable appends of `jobs` jobs' events against their bare floor, batch by batch in
    /// turn, in one directory: each batch is appended by ours (`<job>.jsonl`) and written bare
    /// (`<job>.plain`, a name as long), the two in alternating order (bare first in even batches,
    /// then ours first), so the file system's state (how long ext4 takes to create a file
    /// changes threefold here, from one directory, and one minute, to the next) weighs on both
    /// alike. That order still favoured one side: bare against bare, the side second in the first
    /// batch took 8–14 % less time, and with the order turned round the other side did. So the
    /// whole is run twice, the order turned round the second time, each time in a new directory
    /// (both removed at the end: ext4 here creates files slowly for minutes after many deletes).
    /// Each side's time is the sum of its batches' over both, and the ratio is the geometric mean
    /// of the two passes' ratios: an order effect that multiplies one side's time cancels out of
    /// it even when one pass runs slower than the other, which it does not out of the sums.
    /// With `bareAgainstBare` (the control), ours' side is bare too, writing `<job>.Alain`.
    static func addBatched(
        to report: inout Report, jobs: Int, batchSize: Int, root: String, options: Options, bareAgainstBare: Bool = false
    ) {
        progress(options, "batched durable appends (\(jobs) jobs, batches of \(batchSize) events), each batch ours and bare in turn")
        let lines = Workload.lines(jobs: jobs)
        let batches = stride(from: 0, to: lines.count, by: batchSize).map { lines[$0..<min(lines.count, $0 + batchSize)] }
        // Both sides' input is made before the clock starts: ours as a server hands a batch over
        // (one entry per event), bare's as each job's bytes, in one piece.
        let ours = batches.map { batch in
            batch.map { line in
                let event = try! RecordedEvent(jsonLine: String(decoding: line.line, as: UTF8.self))
                return (job: event.job, events: [PendingEvent(event.event, at: event.at)])
            }
        }
        let bare = batches.map { BareBatch($0) }
        let control = bareAgainstBare ? batches.map { BareBatch($0, suffix: ".Alain") } : []
        var (oursSeconds, bareSeconds) = (0.0, 0.0)
        var passRatios: [Double] = []
        var directories: [String] = []
        for oursFirst in [false, true] {
            let directory = root + "/batched-\(oursFirst ? "ours" : "bare")-first"
            var (oursPass, barePass) = (0.0, 0.0)
            do {
                let ledger = try! Ledger(directory: directory, durability: .fsync)
                let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                precondition(directoryFD >= 0, "the store's directory opens")
                defer { close(directoryFD) }
                for index in batches.indices {
                    for isOurs in (index % 2 == 0) == oursFirst ? [true, false] : [false, true] {
                        let start = now()
                        if isOurs {
                            if bareAgainstBare { control[index].write(in: directoryFD) } else { _ = try! ledger.append(batch: ours[index]) }
                            oursPass += now() - start
                        } else {
                            bare[index].write(in: directoryFD)
                            barePass += now() - start
                        }
                    }
                }
            }
            directories.append(directory)
            progress(
                options,
                "batched, \(oursFirst ? "ours" : "bare") first: ours \(String(format: "%.3f", oursPass)) s, bare \(String(format: "%.3f", barePass)) s")
            oursSeconds += oursPass
            bareSeconds += barePass
            passRatios.append(oursPass / barePass)
        }
        for directory in directories { removeTree(directory) }
        report.add("bare batched write+syncfs", events: lines.count * 2, seconds: bareSeconds)
        report.add(bareAgainstBare ? "bare batched, in ours' place" : "durable append in batches", events: lines.count * 2, seconds: oursSeconds)
        let ratio = (passRatios[0] * passRatios[1]).squareRoot()
        report.measuredRatios.append(
            bareAgainstBare
                ? ("bare in ours' place time / bare batched time (the control; geometric mean of the two passes)", ratio)
                : ("batched append time / bare batched time (geometric mean of the two passes)", ratio))
    }

    // MARK: Figures

    /// Replay: read, check every transition, fold every job, and compute all five projections
    /// (on one thread unless told).
    static func replayOnce(_ file: String, threads: Int = 1) -> Double {
        var checksum = 0
        let start = now()
        let summary = Replay(threads: threads).run(
            [file],
            emit: { checksum &+= projectionsChecksum($0) },
            reject: { print("jobledger-bench: \($0)") })
        let seconds = now() - start
        precondition(summary.problems == 0 && checksum != 0, "the workload must replay cleanly")
        return seconds
    }

    /// The five seed projections of a job, computed and summed (so none is optimised away).
    static func projectionsChecksum(_ state: JobState) -> Int {
        var sum = SestekProgress(state).percent
        sum &+= NuPICStatus(state).modelReady ? 1 : 0
        sum &+= PostTrainingJobStatusResponse(state).checkpoints.count
        sum &+= NovitaTask(state).models.count
        sum &+= Int(BluesightJob(state).finishedAt ?? 0) & 1
        return sum
    }

    /// Replay as `jobledger replay` runs it: each job's five projections computed on the thread
    /// that replayed it (``Replay/run(_:render:write:reject:torn:progress:)``), a checksum of them
    /// written on the calling thread.
    /// One thread against all of them, alternated, on the export and on per-job files; and what
    /// the machine gives two threads that share nothing: two one-thread replays at once.
    static func addThreads(to report: inout Report, workload: String, root: String, options: Options) {
        let cores = Replay.allCores
        let events = options.jobs * 16
        let perJob = root + "/per-job"
        progress(options, "replay on 1 thread and on \(cores), alternated: the export, and per-job files")
        Workload.writePerJob(jobs: options.jobs, to: perJob)
        for (name, path) in [("export", workload), ("per-job files", perJob)] {
            var one: [Double] = []
            var all: [Double] = []
            var apart: [Double] = []
            for _ in 0..<max(3, options.runs) {
                one.append(replayRenderedOnce(path, threads: 1))
                all.append(replayRenderedOnce(path, threads: cores))
                apart.append(side(by: cores) { _ = replayRenderedOnce(path, threads: 1) })
            }
            report.add("replay \(name), 1 thread", events: events, seconds: one.sorted()[one.count / 2])
            report.add("replay \(name), \(cores) threads", events: events, seconds: all.sorted()[all.count / 2])
            report.add("replay \(name), \(cores) one-thread replays at once", events: events * cores, seconds: apart.sorted()[apart.count / 2])
        }
        removeTree(perJob)
    }

    /// `jobledger-bench threads [--jobs N] [--runs N] [--dir DIR] [--json]`: the replay-on-every-core
    /// figures alone (``addThreads(to:workload:root:options:)``).
    static func threadsMain(_ arguments: [String]) -> Int32 {
        withWorkload(arguments, folder: "jobledger-bench-threads") { options, report, root, workload in
            addThreads(to: &report, workload: workload, root: root, options: options)
        }
    }

    static func replayRenderedOnce(_ file: String, threads: Int) -> Double {
        var checksum = 0
        let start = now()
        let summary = Replay(threads: threads).run(
            [file],
            render: { state, bytes in bytes.append(UInt8(truncatingIfNeeded: projectionsChecksum(state))) },
            write: { for byte in $0 { checksum &+= Int(byte) } },
            reject: { print("jobledger-bench: \($0)") })
        let seconds = now() - start
        precondition(summary.problems == 0 && checksum != 0, "the workload must replay cleanly")
        return seconds
    }

    /// Runs `body` on `count` threads at once; the seconds until the last is done.
    static func side(by count: Int, _ body: @escaping @Sendable () -> Void) -> Double {
        let done = DispatchGroup()
        let start = now()
        for _ in 0..<count {
            done.enter()
            Thread.detachNewThread {
                body()
                done.leave()
            }
        }
        done.wait()
        return now() - start
    }

    /// What a plain Codable reader does: JSONDecoder on each line, keeping the last type per job.
    struct BaselineEvent: Decodable {
        var seq: Int
        var at: String
        var job: String
        var type: String
        var percent: Int?
        var origin: String?
        var model: String?
    }

    static func decoderBaselineOnce(_ file: String) -> Double {
        let start = now()
        let decoder = JSONDecoder()
        var lastType: [String: String] = [:]
        let data = FileManager.default.contents(atPath: file) ?? Data()
        var lineStart = data.startIndex
        for index in data.indices where data[index] == UInt8(ascii: "\n") {
            if let event = try? decoder.decode(BaselineEvent.self, from: data[lineStart..<index]) {
                lastType[event.job] = event.type
            }
            lineStart = index + 1
        }
        let seconds = now() - start
        precondition(!lastType.isEmpty)
        return seconds
    }

    /// The floor for one durable append per event: each line written to its job's file and
    /// fsync'ed, the file kept open while the job's lines go on.
    static func bareWriteFsync(_ lines: [(job: JobID, line: [UInt8])], in directory: String) -> Double {
        mkdir(directory, 0o755)
        let start = now()
        var fd: Int32 = -1
        var current: JobID?
        for (job, line) in lines {
            if job != current {
                if fd >= 0 { close(fd) }
                fd = open(directory + "/" + job.fileName, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
                current = job
            }
            _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            fsync(fd)
        }
        if fd >= 0 { close(fd) }
        return now() - start
    }

    /// Ours: `Ledger.append` per event on a durable directory store (lock, catch up, validate,
    /// write, fsync; and the directory's fsync when a job's file is new).
    static func durablePerEvent(_ lines: [(job: JobID, line: [UInt8])], in directory: String) -> Double {
        let events = lines.map { try! RecordedEvent(jsonLine: String(decoding: $0.line, as: UTF8.self)) }
        let ledger = try! Ledger(directory: directory, durability: .fsync)
        let start = now()
        for event in events { try! ledger.append(event.event, to: event.job, at: event.at) }
        return now() - start
    }

    /// The floor for a batch: each job's lines in one `write` to its file (`<job>.plain`, or
    /// another suffix as long; created as needed), then one `syncfs`. Its files' names and bytes
    /// are made beforehand; a failed call stops the benchmark (a floor that skipped work would
    /// flatter nobody but itself).
    struct BareBatch {
        var names: [[CChar]] = []
        var bytes: [[UInt8]] = []

        init(_ lines: ArraySlice<(job: JobID, line: [UInt8])>, suffix: String = ".plain") {
            var index: [JobID: Int] = [:]
            for (job, line) in lines {
                if let at = index[job] {
                    bytes[at] += line
                } else {
                    index[job] = bytes.count
                    names.append(Array((job.rawValue + suffix).utf8CString))
                    bytes.append(line)
                }
            }
        }

        func write(in directory: Int32) {
            for (name, bytes) in zip(names, bytes) {
                let fd = openat(directory, name, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
                let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
                precondition(fd >= 0 && written == bytes.count, "bare: \(String(cString: strerror(errno)))")
                close(fd)
            }
            precondition(Executable.syncfs(directory) == 0, "bare: syncfs: \(String(cString: strerror(errno)))")
        }
    }

    // MARK: Helpers

    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    static func median(_ runs: Int, _ body: () -> Double) -> Double {
        let times = (0..<runs).map { _ in body() }.sorted()
        return times[times.count / 2]
    }

    static func progress(_ options: Options, _ message: String) {
        if !options.json { FileHandle.standardError.write(Data("… \(message)\n".utf8)) }
    }

    static func fileSize(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }

    static func removeTree(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// The figures of one run, printed as a table and as one JSON object.
struct Report {
    let options: Benchmark.Options
    var figures: [(name: String, events: Int, seconds: Double)] = []
    var peakMemoryKB: [String: Int] = [:]
    var fileBytes = 0
    /// The table's first line, if not the workload's.
    var title: String?
    /// Ratios measured as such rather than made from two figures (the batched appends').
    var measuredRatios: [(name: String, value: Double)] = []

    init(options: Benchmark.Options) { self.options = options }

    mutating func add(_ name: String, events: Int, seconds: Double) { figures.append((name, events, seconds)) }

    func rate(_ name: String) -> Double? {
        figures.first { $0.name == name }.map { Double($0.events) / $0.seconds }
    }

    /// The ratios the targets are stated in.
    var ratios: [(name: String, value: Double)] {
        var ratios: [(String, Double)] = []
        if let replay = rate("replay"), let baseline = rate("baseline JSONDecoder") {
            ratios.append(("replay / JSONDecoder baseline", replay / baseline))
        }
        if let cli = rate("cli replay --vocabulary sestek"), let baseline = rate("baseline JSONDecoder") {
            ratios.append(("cli replay / JSONDecoder baseline", cli / baseline))
        }
        if let ours = rate("cli replay, this build (alternated)"), let theirs = rate("cli replay, baseline build (alternated)") {
            ratios.append(("cli replay, this build / baseline build", ours / theirs))
        }
        for name in ["export", "per-job files"] {
            if let one = rate("replay \(name), 1 thread"),
                let all = figures.first(where: { $0.name.hasPrefix("replay \(name), ") && $0.name.hasSuffix(" threads") })
            {
                let threads = all.name.split(separator: " ").dropLast().last ?? "all"
                ratios.append(("replay \(name), \(threads) threads / 1 thread", Double(all.events) / all.seconds / one))
                if let apart = rate("replay \(name), \(threads) one-thread replays at once") {
                    ratios.append(("replay \(name), \(threads) one-thread replays at once / 1 thread (the machine's ceiling)", apart / one))
                }
            }
        }
        if let configured = rate("replay 20,000 configured events"), let replay = rate("replay") {
            ratios.append(("configured-event replay / workload replay", configured / replay))
        }
        if let ours = rate("durable append per event"), let bare = rate("bare write+fsync per event") {
            ratios.append(("per-event append time / bare write+fsync time", bare / ours))
        }
        if let ours = rate("durable append in batches"), let bare = rate("bare batched write+syncfs") {
            ratios.append(("batched append time / bare batched time (the sums)", bare / ours))
        }
        if let control = rate("bare batched, in ours' place"), let bare = rate("bare batched write+syncfs") {
            ratios.append(("bare in ours' place time / bare batched time (the control; the sums)", bare / control))
        }
        ratios += measuredRatios
        let one = WriterBenchmark.Setup(threads: 1, oneJob: false)
        for setup in WriterBenchmark.setups where setup != one {
            if let many = rate(setup.name), let single = rate(one.name) {
                let what = setup.oneJob ? "\(setup.threads) writers to 1 job" : "\(setup.threads) writers"
                ratios.append(("\(what) / 1 writer", many / single))
            }
        }
        return ratios
    }

    func print(json: Bool) {
        if !json {
            Swift.print(title ?? "JobLedger benchmark: \(options.jobs) jobs, \(options.jobs * 16) events, \(fileBytes / 1_000_000) MB")
            Swift.print("")
            let width = figures.map(\.name.count).max() ?? 10
            for figure in figures {
                let rate = Double(figure.events) / figure.seconds
                Swift.print(
                    figure.name.padding(toLength: width, withPad: " ", startingAt: 0)
                        + "  " + String(format: "%12.0f events/s  %9.3f s  (%d events)", rate, figure.seconds, figure.events))
            }
            Swift.print("")
            for ratio in ratios { Swift.print(ratio.name + ": " + String(format: "%.2f", ratio.value)) }
            for (name, kb) in peakMemoryKB.sorted(by: { $0.key < $1.key }) { Swift.print("peak memory, \(name): \(kb / 1024) MB") }
            Swift.print("")
        }
        var object = JSONObject()
        object["jobs"] = .int(options.jobs)
        object["events"] = .int(options.jobs * 16)
        object["file_bytes"] = .int(fileBytes)
        var rates = JSONObject()
        for figure in figures { rates[figure.name] = .int(Int(Double(figure.events) / figure.seconds)) }
        object["events_per_second"] = .object(rates)
        var ratioObject = JSONObject()
        for ratio in ratios { ratioObject[ratio.name] = .double((ratio.value * 100).rounded() / 100) }
        object["ratios"] = .object(ratioObject)
        var memory = JSONObject()
        for (name, kb) in peakMemoryKB.sorted(by: { $0.key < $1.key }) { memory[name] = .int(kb) }
        object["peak_memory_kb"] = .object(memory)
        Swift.print(JSONValue.object(object).description)
    }
}

/// Peak resident memory, from /proc.
enum Memory {
    /// `VmHWM` of a process (`self` or a pid), in KB.
    static func highWaterMark(of process: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(process)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])
        }
        return nil
    }

    /// This process's peak memory while `body` runs, the peak reset first (Linux's clear_refs 5).
    static func peakDuring(_ body: () -> Void) -> Int? {
        guard let file = fopen("/proc/self/clear_refs", "w") else { return nil }
        fputs("5", file)
        fclose(file)
        body()
        return highWaterMark(of: "self")
    }
}

/// Child processes, timed, with their peak memory.
enum Executable {
    /// A program built beside this one.
    static func sibling(_ name: String) -> String {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (me as NSString).deletingLastPathComponent + "/" + name
    }

    /// Runs `path` with stdout to /dev/null; wall seconds and peak resident memory (KB), read
    /// from the child's `VmHWM` while it runs (the `ru_maxrss` of a spawned child also counts the
    /// parent's memory at the moment of the spawn).
    static func run(_ path: String, _ arguments: [String]) -> (seconds: Double, peakKB: Int) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let start = Benchmark.now()
        guard posix_spawn(&pid, path, &actions, nil, argv, environ) == 0 else { return (0, 0) }
        var status: Int32 = 0
        var peak = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            peak = max(peak, Memory.highWaterMark(of: "\(pid)") ?? 0)
            usleep(500)
        }
        return (Benchmark.now() - start, peak)
    }

    typealias SyncFS = @convention(c) (Int32) -> Int32

    static let syncfsFunction: SyncFS? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "syncfs") else { return nil }
        return unsafeBitCast(symbol, to: SyncFS.self)
    }()

    static func syncfs(_ fd: Int32) -> Int32 {
        if let syncfsFunction { return syncfsFunction(fd) }
        sync()
        return 0
    }
}
