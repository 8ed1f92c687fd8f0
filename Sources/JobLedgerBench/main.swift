#if canImport(Glibc)
import Glibc
#endif

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "append-worker":
    exit(AppendWorker.run(Array(arguments.dropFirst())))
case "workload":
    // `jobledger-bench workload FILE [JOBS]`: writes the workload alone, e.g. to profile
    // `jobledger replay FILE` or time it by hand.
    guard arguments.count >= 2, let jobs = Int(arguments.count > 2 ? arguments[2] : "100000"), jobs > 0 else {
        print("usage: jobledger-bench workload FILE [JOBS]")
        exit(2)
    }
    Workload.write(jobs: jobs, to: arguments[1])
    exit(0)
case "hostile":
    // `jobledger-bench hostile`: the large inputs of the hostile-inputs issue alone.
    exit(HostileBenchmark.main(Array(arguments.dropFirst())))
case "threads":
    // `jobledger-bench threads`: replay on one thread and on every core alone.
    exit(Benchmark.threadsMain(Array(arguments.dropFirst())))
case "writers":
    // `jobledger-bench writers`: the concurrent durable-append figures alone.
    exit(WriterBenchmark.main(Array(arguments.dropFirst())))
default:
    exit(Benchmark.main(arguments))
}
