#if canImport(Glibc)
import Glibc
#endif

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "append-worker":
    exit(AppendWorker.run(Array(arguments.dropFirst())))
case "workload":
    // `jobledger-bench workload FILE [JOBS] [--per-job]`: writes the workload alone (or, with
    // `--per-job`, its per-job files into the directory FILE), e.g. to profile
    // `jobledger replay FILE` or time it by hand.
    let perJob = arguments.contains("--per-job")
    let operands = arguments.filter { $0 != "--per-job" }
    guard operands.count >= 2, let jobs = Int(operands.count > 2 ? operands[2] : "100000"), jobs > 0 else {
        print("usage: jobledger-bench workload FILE [JOBS] [--per-job]")
        exit(2)
    }
    if perJob { Workload.writePerJob(jobs: jobs, to: operands[1]) } else { Workload.write(jobs: jobs, to: operands[1]) }
    exit(0)
case "hostile":
    // `jobledger-bench hostile`: the large inputs of the hostile-inputs issue alone.
    exit(HostileBenchmark.main(Array(arguments.dropFirst())))
case "threads":
    // `jobledger-bench threads`: replay on one thread and on every core alone.
    exit(Benchmark.threadsMain(Array(arguments.dropFirst())))
case "replay-once":
    // `jobledger-bench replay-once PATH THREADS [TIMES]`: the bench's rendered replay of one path,
    // timed alone, e.g. under `perf stat` or `perf record`; prints each run's seconds.
    guard arguments.count >= 3, let threads = Int(arguments[2]), threads > 0,
        let times = Int(arguments.count > 3 ? arguments[3] : "1"), times > 0
    else {
        print("usage: jobledger-bench replay-once PATH THREADS [TIMES]")
        exit(2)
    }
    // A thread started and ended first, as in the full benchmark: glibc then takes its
    // multi-threaded paths (malloc's locks, cancellation points) for the one-thread replay too.
    _ = Benchmark.side(by: 1) {}
    for _ in 0..<times { print(Benchmark.replayRenderedOnce(arguments[1], threads: threads)) }
    exit(0)
case "writers":
    // `jobledger-bench writers`: the concurrent durable-append figures alone.
    exit(WriterBenchmark.main(Array(arguments.dropFirst())))
default:
    exit(Benchmark.main(arguments))
}
