import JobLedger
#if canImport(Glibc)
import Glibc
#endif

/// The benchmark of ../shared/WORKLOAD.md (filled in by the performance work).
enum Benchmark {
    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    static func main(_ arguments: [String]) -> Int32 {
        let jobs = arguments.first.flatMap { Int($0) } ?? 100_000
        let path = "/tmp/workload-\(jobs).jsonl"
        if access(path, F_OK) != 0 { Workload.write(jobs: jobs, to: path) }
        let rounds = arguments.count > 1 ? Int(arguments[1]) ?? 3 : 3
        for _ in 0..<rounds {
            let t0 = now()
            var n = 0
            let summary = Replay().run([path], emit: { _ in n += 1 }, reject: { print($0) })
            let t = now() - t0
            print("replay: \(summary.lines) lines, \(n) jobs in \(t)s = \(Int(Double(summary.lines) / t)) events/s")
        }
        return 0
    }
}

/// The workload of ../shared/WORKLOAD.md.
enum Workload {
    static func jobID(_ j: Int) -> JobID {
        func hex(_ v: Int, _ width: Int) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return JobID(validating: "\(hex(j, 8))-0000-4000-8000-\(hex(j, 12))")!
    }

    /// Job `j`'s 16 events.
    static func events(_ j: Int) -> [RecordedEvent] {
        var events: [Event] = [
            .created(Creation(origin: .api)), .queued, .datasetUploadStarted(files: nil), .dataProcessingStarted,
            .dataProcessed, .trainingStarted(resources: nil),
        ]
        for percent in stride(from: 10, through: 70, by: 10) { events.append(.progressed(percent: percent, epoch: nil)) }
        events += [.trainingFinished, .modelUploadStarted, .completed(model: "model-\(j)")]
        let job = jobID(j)
        return events.enumerated().map { i, event in
            RecordedEvent(seq: i + 1, at: Timestamp(seconds: Int64(1_700_000_000 + j + i)), job: job, event: event)
        }
    }

    static func write(jobs: Int, to path: String) {
        guard let file = fopen(path, "w") else { return }
        var bytes: [UInt8] = []
        for j in 0..<jobs {
            for event in events(j) { event.appendJSONLine(to: &bytes) }
            if bytes.count > 1 << 20 {
                fwrite(bytes, 1, bytes.count, file)
                bytes.removeAll(keepingCapacity: true)
            }
        }
        fwrite(bytes, 1, bytes.count, file)
        fclose(file)
    }
}
