import JobLedger
#if canImport(Glibc)
import Glibc
#endif

// Quick replay timing (a full benchmark replaces this).
func now() -> Double { var t = timespec(); clock_gettime(CLOCK_MONOTONIC, &t); return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9 }
let jobs = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1])! : 100_000
let path = "/tmp/workload-\(jobs).jsonl"
if access(path, F_OK) != 0 {
    let f = fopen(path, "w")!
    var bytes: [UInt8] = []
    func hex(_ v: Int, _ width: Int) -> String { let s = String(v, radix: 16); return String(repeating: "0", count: max(0, width - s.count)) + s }
    for j in 0..<jobs {
        let id = try! JobID("\(hex(j, 8))-0000-4000-8000-\(hex(j, 12))")
        var events: [Event] = [.created(Creation(origin: .api)), .queued, .datasetUploadStarted(files: nil), .dataProcessingStarted, .dataProcessed, .trainingStarted(resources: nil)]
        for p in stride(from: 10, through: 70, by: 10) { events.append(.progressed(percent: p, epoch: nil)) }
        events += [.trainingFinished, .modelUploadStarted, .completed(model: "model-\(j)")]
        for (i, e) in events.enumerated() {
            RecordedEvent(seq: i + 1, at: Timestamp(seconds: Int64(1_700_000_000 + j + i)), job: id, event: e).appendJSONLine(to: &bytes)
        }
        if bytes.count > 1 << 20 { fwrite(bytes, 1, bytes.count, f); bytes.removeAll(keepingCapacity: true) }
    }
    fwrite(bytes, 1, bytes.count, f); fclose(f)
}
for _ in 0..<3 {
    let t0 = now()
    var n = 0
    var lastPercent = 0
    let s = Replay().run([path], emit: { n += 1; lastPercent &+= $0.percent }, reject: { print($0) })
    let t = now() - t0
    print("replay: \(s.lines) lines, \(n) jobs in \(t)s = \(Int(Double(s.lines) / t)) events/s \(lastPercent)")
}
