import CLibPQ
import Dispatch
import Foundation
import JobLedger
import JobLedgerPostgres

/// `jobledger-pg-bench --postgres URL [--events N] [--appends M]`: the PostgreSQL store's figures,
/// each beside the directory store's (or a bare libpq baseline) measured in the same run.
/// Build with `-c release`. Everything it writes goes to a schema of its own
/// (`jobledger_bench_<pid>`, dropped at the end) and a temp directory.
enum Benchmark {
    struct Options {
        var url = ""
        var events = 1_000_000
        var appends = 300
    }

    static func main(_ arguments: [String]) -> Int32 {
        var options = Options()
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case "--postgres": options.url = rest.popFirst() ?? ""
            case "--events": options.events = rest.popFirst().flatMap { Int($0) } ?? 0
            case "--appends": options.appends = rest.popFirst().flatMap { Int($0) } ?? 0
            default:
                print("usage: jobledger-pg-bench --postgres URL [--events N] [--appends M]")
                return 2
            }
        }
        guard !options.url.isEmpty, options.events >= 10, options.appends >= 10 else {
            print("usage: jobledger-pg-bench --postgres URL [--events N] [--appends M]")
            return 2
        }
        do {
            try run(options)
            return 0
        } catch {
            print("jobledger-pg-bench: \(error)")
            return 1
        }
    }

    struct Failure: Error, CustomStringConvertible { var description: String }

    static func run(_ options: Options) throws {
        let schema = "jobledger_bench_\(getpid())"
        let admin = try Raw(options.url)
        try admin.exec("SET client_min_messages = warning")
        try admin.exec("CREATE SCHEMA \(schema)")
        defer { try? admin.exec("DROP SCHEMA \(schema) CASCADE") }
        let url = options.url + (options.url.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
        let directory = NSTemporaryDirectory() + "jobledger-pg-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { if ProcessInfo.processInfo.environment["KEEP"] == nil { try? FileManager.default.removeItem(atPath: directory) } }

        print("PostgreSQL: \(admin.value("SELECT version()"))")
        print("libpq \(PQlibVersion()), fsync=\(admin.value("SHOW fsync")), synchronous_commit=\(admin.value("SHOW synchronous_commit"))")
        print("")
        print("| figure | PostgreSQL store | baseline (same run) | ratio | target |")
        print("|---|---|---|---|---|")
        try replay(options, url: url, directory: directory)
        try append(options, url: url, directory: directory)
        try threads(options, url: url, directory: directory)
    }

    // MARK: Replay

    /// Jobs of 16 events each, written once as an export file and once into the table (COPY).
    static func replay(_ options: Options, url: String, directory: String) throws {
        let store = try PostgresStore(url: url)  // creates the tables
        _ = store
        let jobs = options.events / 16
        let file = directory + "/workload.jsonl"
        let raw = try Raw(url)
        try raw.beginCopy("COPY jobledger_events (job, seq, line) FROM STDIN")
        _ = FileManager.default.createFile(atPath: file, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        var lines: [UInt8] = []
        var rows: [UInt8] = []
        for n in 0..<jobs {
            let job = jobID(n)
            for (i, event) in workload(n).enumerated() {
                let recorded = RecordedEvent(seq: i + 1, at: Timestamp(seconds: 1_700_000_000 + Int64(n) + Int64(i)), job: job, event: event)
                let start = lines.count
                recorded.appendJSONLine(to: &lines)
                rows.append(contentsOf: job.rawValue.utf8)
                rows.append(UInt8(ascii: "\t"))
                rows.append(contentsOf: String(i + 1).utf8)
                rows.append(UInt8(ascii: "\t"))
                // COPY's text format: backslash, tab, newline and CR are escaped.
                for byte in lines[start..<(lines.count - 1)] {
                    switch byte {
                    case UInt8(ascii: "\\"): rows.append(contentsOf: [92, 92])
                    case 9: rows.append(contentsOf: [92, UInt8(ascii: "t")])
                    case 10: rows.append(contentsOf: [92, UInt8(ascii: "n")])
                    case 13: rows.append(contentsOf: [92, UInt8(ascii: "r")])
                    default: rows.append(byte)
                    }
                }
                rows.append(10)
            }
            if rows.count > 1 << 20 {
                try raw.putCopy(rows)
                rows.removeAll(keepingCapacity: true)
                handle.write(Data(lines))
                lines.removeAll(keepingCapacity: true)
            }
        }
        try raw.putCopy(rows)
        try raw.endCopy()
        handle.write(Data(lines))
        try handle.close()
        try raw.exec("VACUUM ANALYZE jobledger_events")
        let total = jobs * 16

        // Each replay twice; the second (warm) run counts.
        var databaseSeconds = 0.0
        var databasePeak = 0
        var databaseBefore = 0
        for _ in 0..<2 {
            resetPeakMemory()
            let before = residentMB()
            var emitted = 0
            let start = now()
            let summary = PostgresReplay().run(url, emit: { _ in emitted += 1 }, reject: { print("rejected: \($0)") })
            databaseSeconds = now() - start
            databasePeak = peakMB()
            databaseBefore = before
            guard summary.lines == total, emitted == jobs, summary.problems == 0 else {
                throw Failure(description: "database replay saw \(summary.lines) lines, \(emitted) jobs")
            }
        }
        var fileSeconds = 0.0
        for _ in 0..<2 {
            var emitted = 0
            let start = now()
            let summary = Replay().run([file], emit: { _ in emitted += 1 }, reject: { print("rejected: \($0)") })
            fileSeconds = now() - start
            guard summary.lines == total, emitted == jobs else { throw Failure(description: "file replay saw \(summary.lines) lines") }
        }
        let fileMB = ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0) / (1 << 20)
        let databaseRate = Double(total) / databaseSeconds
        let fileRate = Double(total) / fileSeconds
        row(
            "replay \(total) events (\(jobs) jobs)", "\(millions(databaseRate)) M events/s",
            "export file: \(millions(fileRate)) M events/s", String(format: "%.2f×", databaseRate / fileRate), "≥ 1 M events/s from the database")
        row(
            "replay from the database: memory", "peak RSS \(databasePeak) MB (\(databaseBefore) MB before it)",
            "the lines: \(fileMB) MB", "—", "flat (one row, one job at a time)")
    }

    /// The workload of the root benchmark (../shared/WORKLOAD.md, Sources/JobLedgerBench): jobs
    /// of the same 16 events, ids `%08x-0000-4000-8000-%012x` of the job number.
    static func workload(_ n: Int) -> [Event] {
        var events: [Event] = [
            .created(Creation(origin: .api)), .queued, .datasetUploadStarted(files: nil), .dataProcessingStarted,
            .dataProcessed, .trainingStarted(resources: nil),
        ]
        for percent in stride(from: 10, through: 70, by: 10) { events.append(.progressed(percent: percent, epoch: nil)) }
        events += [.trainingFinished, .modelUploadStarted, .completed(model: "model-\(n)")]
        return events
    }

    static func jobID(_ n: Int) -> JobID {
        func hex(_ v: Int, _ width: Int) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return JobID(validating: "\(hex(n, 8))-0000-4000-8000-\(hex(n, 12))")!
    }

    // MARK: One durable append

    /// The store's append (lock, read, validate, insert, commit) against a bare INSERT + COMMIT
    /// of the same row on one connection, alternating in rounds; the directory store's durable
    /// append beside them.
    static func append(_ options: Options, url: String, directory: String) throws {
        let ledger = Ledger(store: try PostgresStore(url: url))
        let storeJob = try JobID("append-store")
        let bareJob = try JobID("append-bare")
        try ledger.append(.created(Creation(origin: .api, name: "a")), to: storeJob)
        try ledger.append(.created(Creation(origin: .api, name: "a")), to: bareJob)
        let raw = try Raw(url)
        let files = try Ledger(directory: directory + "/append", durability: .fsync)
        let fileJob = try JobID("append-file")
        try files.append(.created(Creation(origin: .api, name: "a")), to: fileJob)
        var bareSeq = 1
        func bare(_ i: Int) throws {
            bareSeq += 1
            let line = PostgresStoreLine.line(RecordedEvent(seq: bareSeq, at: .now(), job: bareJob, event: .configured(config: ["i": .int(i)])))
            try raw.exec("BEGIN")
            try raw.prepared("INSERT INTO jobledger_events (job, seq, line) VALUES ($1, $2, $3)", [bareJob.rawValue, String(bareSeq), line])
            try raw.exec("COMMIT")
        }
        // Warm up both paths.
        for i in 0..<20 {
            try ledger.append(.configured(config: ["i": .int(i)]), to: storeJob)
            try bare(i)
        }
        var storeSeconds = 0.0
        var bareSeconds = 0.0
        var fileSeconds = 0.0
        let rounds = 6
        let perRound = max(1, options.appends / rounds)
        for round in 0..<rounds {
            var start = now()
            for i in 0..<perRound { try ledger.append(.configured(config: ["i": .int(round * perRound + i)]), to: storeJob) }
            storeSeconds += now() - start
            start = now()
            for i in 0..<perRound { try bare(round * perRound + i) }
            bareSeconds += now() - start
            start = now()
            for i in 0..<perRound { try files.append(.configured(config: ["i": .int(round * perRound + i)]), to: fileJob) }
            fileSeconds += now() - start
        }
        let count = Double(rounds * perRound)
        let storeMicros = storeSeconds / count * 1e6
        let bareMicros = bareSeconds / count * 1e6
        row(
            "one durable append (\(rounds * perRound)×)", String(format: "%.0f µs", storeMicros),
            String(format: "bare INSERT+COMMIT: %.0f µs; directory store (fsync): %.0f µs", bareMicros, fileSeconds / count * 1e6),
            String(format: "%.2f×", storeMicros / bareMicros), "≤ 1.5× the bare INSERT+COMMIT")
    }

    // MARK: Threads

    /// 16 threads appending to 16 jobs against 1 thread appending to 1 job, durable appends; the
    /// directory store's same ratio beside it.
    static func threads(_ options: Options, url: String, directory: String) throws {
        let store = try PostgresStore(url: url)
        let files = try DirectoryStore(directory: directory + "/threads", durability: .fsync)
        let perThread = max(10, options.appends / 2)
        func rate(_ store: any EventStore, threads: Int, prefix: String) throws -> Double {
            let ledger = Ledger(store: store)
            for t in 0..<threads { try ledger.append(.created(Creation(origin: .api, name: "t")), to: try JobID("\(prefix)-\(t)")) }
            let failures = Counter()
            let start = now()
            // Threads of their own: concurrentPerform runs only as many at once as there are cores,
            // and these threads mostly wait for the server.
            let group = DispatchGroup()
            for t in 0..<threads {
                group.enter()
                Thread {
                    let job = try! JobID("\(prefix)-\(t)")
                    for i in 0..<perThread {
                        do { try ledger.append(.configured(config: ["i": .int(i)]), to: job) } catch { failures.add() }
                    }
                    group.leave()
                }.start()
            }
            group.wait()
            let seconds = now() - start
            guard failures.value == 0 else { throw Failure(description: "\(failures.value) appends failed") }
            return Double(threads * perThread) / seconds
        }
        let one = try rate(store, threads: 1, prefix: "one")
        let sixteen = try rate(store, threads: 16, prefix: "sixteen")
        let fileOne = try rate(files, threads: 1, prefix: "one")
        let fileSixteen = try rate(files, threads: 16, prefix: "sixteen")
        row(
            "16 threads × \(perThread) appends, 16 jobs", String(format: "%.0f appends/s (1 thread: %.0f/s)", sixteen, one),
            String(format: "directory store: %.0f/s (1 thread: %.0f/s, %.1f×)", fileSixteen, fileOne, fileSixteen / fileOne),
            String(format: "%.1f×", sixteen / one), "≥ 6× one thread")
    }

    // MARK: Helpers

    static func row(_ cells: String...) { print("| " + cells.joined(separator: " | ") + " |") }

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    static func millions(_ rate: Double) -> String { String(format: "%.2f", rate / 1e6) }

    /// Resets the process's peak resident set (VmHWM) to its current size.
    static func resetPeakMemory() {
        if let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") {
            handle.write(Data("5".utf8))
            try? handle.close()
        }
    }

    static func status(_ key: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            return Int(line.split(separator: " ").dropFirst().first ?? "0").map { $0 / 1024 } ?? 0
        }
        return 0
    }

    static func residentMB() -> Int { status("VmRSS:") }
    static func peakMB() -> Int { status("VmHWM:") }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

/// The row a store writes for an event (its log line without the newline).
enum PostgresStoreLine {
    static func line(_ event: RecordedEvent) -> String {
        var line = event.jsonLine
        if line.last == "\n" { line.removeLast() }
        return line
    }
}

/// A bare libpq connection: the baseline, and COPY for loading.
final class Raw {
    let handle: OpaquePointer
    var prepared: [String: String] = [:]

    init(_ url: String) throws {
        guard let handle = PQconnectdb(url) else { throw Benchmark.Failure(description: "out of memory") }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(handle))
            PQfinish(handle)
            throw Benchmark.Failure(description: message)
        }
        self.handle = handle
    }

    deinit { PQfinish(handle) }

    func exec(_ sql: String) throws {
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        try check(result)
    }

    func value(_ sql: String) -> String {
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_TUPLES_OK, PQntuples(result) > 0 else { return "?" }
        return String(cString: PQgetvalue(result, 0, 0))
    }

    func prepared(_ sql: String, _ parameters: [String]) throws {
        let name = prepared[sql] ?? "s\(prepared.count)"
        if prepared[sql] == nil {
            let result = PQprepare(handle, name, sql, Int32(parameters.count), nil)
            defer { PQclear(result) }
            try check(result)
            prepared[sql] = name
        }
        let copies = parameters.map { strdup($0) }
        defer { for copy in copies { free(copy) } }
        let values = copies.map { UnsafePointer($0) }
        let result = PQexecPrepared(handle, name, Int32(values.count), values, nil, nil, 0)
        defer { PQclear(result) }
        try check(result)
    }

    func beginCopy(_ sql: String) throws {
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COPY_IN else { throw failure() }
    }

    func putCopy(_ bytes: [UInt8]) throws {
        let sent = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { PQputCopyData(handle, $0.baseAddress, Int32($0.count)) }
        }
        guard sent == 1 else { throw failure() }
    }

    func endCopy() throws {
        guard PQputCopyEnd(handle, nil) == 1 else { throw failure() }
        while let result = PQgetResult(handle) {
            defer { PQclear(result) }
            try check(result)
        }
    }

    private func check(_ result: OpaquePointer?) throws {
        let status = result.map(PQresultStatus)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else { throw failure() }
    }

    private func failure() -> Benchmark.Failure { Benchmark.Failure(description: String(cString: PQerrorMessage(handle))) }
}
