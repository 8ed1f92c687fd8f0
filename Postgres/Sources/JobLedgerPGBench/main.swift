#if canImport(Glibc)
import Glibc
#endif

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "append-worker":
    exit(AppendWorker.run(Array(arguments.dropFirst())))
default:
    exit(Benchmark.main(arguments))
}
