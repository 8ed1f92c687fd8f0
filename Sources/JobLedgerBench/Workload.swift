import JobLedger

#if canImport(Glibc)
import Glibc
#endif

/// The workload of ../shared/WORKLOAD.md: J jobs of the same 16 events, one after another.
enum Workload {
    /// `%08x-0000-4000-8000-%012x` of the job number.
    static func jobID(_ j: Int) -> JobID {
        func hex(_ v: Int, _ width: Int) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return JobID(validating: "\(hex(j, 8))-0000-4000-8000-\(hex(j, 12))")!
    }

    /// Job `j`'s 16 events; event i happens at 1,700,000,000 + j + i.
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

    /// Every event of `jobs` jobs as (job, line with its `\n`).
    static func lines(jobs: Int) -> [(job: JobID, line: [UInt8])] {
        var lines: [(job: JobID, line: [UInt8])] = []
        lines.reserveCapacity(jobs * 16)
        for j in 0..<jobs {
            for event in events(j) {
                var line: [UInt8] = []
                event.appendJSONLine(to: &line)
                lines.append((event.job, line))
            }
        }
        return lines
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

    /// The same events as ``write(jobs:to:)``, one file per job (`<job>.jsonl`) in `directory`.
    static func writePerJob(jobs: Int, to directory: String) {
        mkdir(directory, 0o755)
        var bytes: [UInt8] = []
        for j in 0..<jobs {
            bytes.removeAll(keepingCapacity: true)
            for event in events(j) { event.appendJSONLine(to: &bytes) }
            guard let file = fopen(directory + "/" + jobID(j).fileName, "w") else { return }
            fwrite(bytes, 1, bytes.count, file)
            fclose(file)
        }
    }

    /// One job with `count` events: created, trainingStarted, then progress reports (0 … 100,
    /// never decreasing), to show memory does not grow with a log's length.
    static func writeOneJob(events count: Int, to path: String) {
        guard let file = fopen(path, "w") else { return }
        let job = JobID(validating: "long-job")!
        var bytes: [UInt8] = []
        for i in 0..<count {
            let event: Event =
                switch i {
                case 0: .created(Creation(origin: .api))
                case 1: .trainingStarted(resources: nil)
                default: .progressed(percent: (i - 2) * 100 / max(1, count - 2), epoch: nil)
                }
            RecordedEvent(seq: i + 1, at: Timestamp(seconds: 1_700_000_000 + Int64(i)), job: job, event: event)
                .appendJSONLine(to: &bytes)
            if bytes.count > 1 << 20 {
                fwrite(bytes, 1, bytes.count, file)
                bytes.removeAll(keepingCapacity: true)
            }
        }
        fwrite(bytes, 1, bytes.count, file)
        fclose(file)
    }
}
