import Foundation
import JobLedger
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Replay on several threads reports exactly what the one-thread replay does: the same calls to
/// `emit`, `reject` and `torn`, in the same order, and the same summary — for directories spread
/// over threads and for files split between them (every file split, with `splitSize` 0).
@Suite struct ParallelReplayTests {
    /// Every call a replay makes, in order, then its summary.
    /// With `byRange`, a split file is split into ranges (`true`) or by job id (`false`); with
    /// `render`, jobs are rendered on the replaying threads and written on the calling one.
    static func transcript(
        _ paths: [String], threads: Int, splitSize: Int64 = 4 << 20, asOf: Int? = nil, byRange: Bool? = nil, render: Bool = false
    ) -> [String] {
        var calls: [String] = []
        var replay = Replay(asOf: asOf, threads: threads)
        replay.splitSize = splitSize
        replay.splitByRange = byRange
        let summary: Replay.Summary
        if render {
            // Each job's call rendered as text ending in 0x01; `write` may get several at once.
            var written: [UInt8] = []
            func drain() {
                calls += written.split(separator: 1).map { String(decoding: $0, as: UTF8.self) }
                written.removeAll()
            }
            summary = replay.run(
                paths, render: { state, bytes in bytes += Array("emit \(state)".utf8) + [1] },
                write: { written += $0 },
                reject: {
                    drain()
                    calls.append("reject \($0)")
                },
                torn: {
                    drain()
                    calls.append("torn \($0)")
                })
            drain()
        } else {
            summary = replay.run(
                paths, emit: { calls.append("emit \($0)") }, reject: { calls.append("reject \($0)") },
                torn: { calls.append("torn \($0)") })
        }
        calls.append("\(summary)")
        return calls
    }

    /// Checks threads 2, 3 and 4 (files split or not) against one thread; returns the one-thread
    /// transcript for the test's own checks.
    @discardableResult
    static func expectSameOnEveryThreadCount(_ paths: [String], asOf: Int? = nil, sourceLocation: SourceLocation = #_sourceLocation)
        -> [String]
    {
        let one = transcript(paths, threads: 1, asOf: asOf)
        #expect(transcript(paths, threads: 1, asOf: asOf, render: true) == one, "rendered on one thread", sourceLocation: sourceLocation)
        for threads in [2, 3, 4] {
            for splitSize: Int64 in [0, 4 << 20] {
                for byRange in [nil, true, false] as [Bool?] {
                    for render in [false, true] {
                        let many = transcript(paths, threads: threads, splitSize: splitSize, asOf: asOf, byRange: byRange, render: render)
                        let what = "\(threads) threads, split from \(splitSize) bytes, by range \(byRange.map(String.init) ?? "as the lines suggest"), rendered \(render)"
                        #expect(many == one, "\(what)", sourceLocation: sourceLocation)
                        if many != one, let first = zip(many, one).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                            Issue.record("\(what): first difference at call \(first): \(many[first]) vs \(one[first])", sourceLocation: sourceLocation)
                        }
                    }
                }
            }
        }
        return one
    }

    static func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    static func lines(_ events: [Event], job: String) -> [String] {
        Logs.recorded(events, job: job).map { String($0.jsonLine.dropLast()) }
    }

    @Test func theFixturesReplayTheSameOnEveryThreadCount() {
        let fixtures = Executables.packageRoot.appendingPathComponent("Fixtures").path
        let one = Self.expectSameOnEveryThreadCount([fixtures])
        // The fixtures hold good logs, damaged ones and a torn one: all three kinds of call.
        #expect(one.contains { $0.hasPrefix("emit ") })
        #expect(one.contains { $0.hasPrefix("reject ") })
        #expect(one.contains { $0.hasPrefix("torn ") })
        for at in [1, 3] { Self.expectSameOnEveryThreadCount([fixtures], asOf: at) }
    }

    /// An export with the lines of many jobs interleaved, and every kind of damage between them.
    @Test func anInterleavedExportWithProblemsReplaysTheSame() throws {
        let directory = Logs.temporaryDirectory()
        let phases: [Phase] = [.completed, .training, .failed, .queued, .uploadingModel, .cancelled, .dataReady]
        var logs = (0..<40).map { index in Self.lines(Logs.reaching(phases[index % phases.count]), job: "j-\(index)") }
        // Lines in other shapes that name the same jobs: an escaped id, spaces, keys reordered.
        logs[5][1] = logs[5][1].replacingOccurrences(of: #""job":"j-5""#, with: #""job":"j\u002d5""#)
        logs[6][1] = logs[6][1].replacingOccurrences(of: ",", with: ", ")
        logs[7][1] = logs[7][1].replacingOccurrences(of: #"{"seq":2,"#, with: "{").replacingOccurrences(of: "}", with: #","seq":2}"#)
        // A transition error (a seq gap) for one job.
        logs[8][2] = logs[8][2].replacingOccurrences(of: #""seq":3"#, with: #""seq":4"#)
        var text = ""
        var cursors = logs.map { _ in 0 }
        var turn = 0
        while cursors.indices.contains(where: { cursors[$0] < logs[$0].count }) {
            let index = turn % logs.count
            turn += 1
            guard cursors[index] < logs[index].count else { continue }
            text += logs[index][cursors[index]] + "\n"
            cursors[index] += 1
            switch turn {
            case 3: text += "not json at all\n"
            case 11: text += #"{"seq":2,"at":"2026-13-01T00:00:00Z","job":"j-9","type":"queued"}"# + "\n"  // bad time: names no job
            case 17: text += #"{"seq":1,"at":"2026-01-01T00:00:00Z","job":".hidden","type":"created","origin":"api"}"# + "\n"
            case 23: text += #"{"seq":9,"at":"2026-01-01T00:00:00Z","job":"j-10","type":"nonsense"}"# + "\n"  // charged to j-10
            case 29: text += #"{"seq":3,"at":"2026-01-01T00:00:00Z","job":"j-11","type":"queued","job":"j-12"}"# + "\n"
            case 31: text += #"{"seq":1,"at":"2026-01-01T00:00:00Z","job":"j-"# + "\n"  // cut inside the id
            case 37: text += "{\"seq\":1,\"at\":\"2026-01-01T00:00:00Z\",\"job\":\"j-\\\"13\",\"type\":\"queued\"}\n"
            case 41: text += "\n"
            case 47: text += "{\"seq\":1,\"at\":\"2026-01-01T00:00:00Z\",\"job\":\"j-14\",\"type\":\"queued\"}\t\n"  // a batch's first line, committed
            default: break
            }
        }
        // A torn batch at the end: a line ending with a tab, then a cut line.
        text += #"{"seq":99,"at":"2026-01-01T00:00:00Z","job":"j-1","type":"queued"}"# + "\t\n" + #"{"seq":100,"at":"#
        try Self.write(text, to: directory + "/export.jsonl")
        let one = Self.expectSameOnEveryThreadCount([directory + "/export.jsonl"])
        #expect(one.filter { $0.hasPrefix("emit ") }.count > 25)
        #expect(one.filter { $0.hasPrefix("reject ") }.count >= 8)
        #expect(one.contains { $0.hasPrefix("torn ") })
        Self.expectSameOnEveryThreadCount([directory + "/export.jsonl"], asOf: 2)
        Self.expectSameOnEveryThreadCount([directory + "/export.jsonl"], asOf: 4)
    }

    /// An export with each job's lines together (as the WORKLOAD file): split into ranges, the
    /// jobs that cross a range's edge are carried on, damage and all, as one thread reads them.
    @Test func aGroupedExportWithProblemsReplaysTheSame() throws {
        let directory = Logs.temporaryDirectory()
        let phases: [Phase] = [.completed, .training, .failed, .queued, .uploadingModel, .cancelled, .dataReady]
        var text = ""
        for index in 0..<60 {
            var log = Self.lines(Logs.reaching(phases[index % phases.count]), job: "g-\(index)")
            switch index % 10 {
            case 1: log[log.count / 2] = log[log.count / 2].replacingOccurrences(of: #""seq":"#, with: #""seq":1"#)  // a seq error mid-job
            case 3: log.insert("not json at all", at: log.count / 2)  // a line naming no job, inside a job's run
            case 5: log.insert(#"{"seq":9,"at":"2026-01-01T00:00:00Z","job":"g-5","type":"nonsense"}"#, at: 1)  // charged to g-5
            case 7: log[1] = log[1].replacingOccurrences(of: ",", with: ", ")  // not canonical
            case 9: log += Self.lines(Logs.reaching(.queued), job: "g-0")  // g-0 again, much later: a repeat
            default: break
            }
            text += log.joined(separator: "\n") + "\n"
        }
        try Self.write(text, to: directory + "/grouped.jsonl")
        let one = Self.expectSameOnEveryThreadCount([directory + "/grouped.jsonl"])
        #expect(one.filter { $0.hasPrefix("emit ") }.count > 40)
        #expect(one.filter { $0.hasPrefix("reject ") }.count >= 6)
        Self.expectSameOnEveryThreadCount([directory + "/grouped.jsonl"], asOf: 3)
    }

    /// A directory whose files disagree: duplicates across files (per-job logs and exports),
    /// foreign lines in per-job files, a file named after a job that holds others, damage first.
    @Test func aDirectoryOfDisagreeingFilesReplaysTheSame() throws {
        let directory = Logs.temporaryDirectory()
        let good = Self.lines(Logs.reaching(.completed), job: "a")
        try Self.write(good.joined(separator: "\n") + "\n", to: directory + "/1/a.jsonl")
        // An export holding `a` again (a duplicate, rejected at its first line here) and others.
        var export: [String] = []
        for (index, line) in Self.lines(Logs.reaching(.training), job: "b").enumerated() {
            export.append(line)
            if index == 2 { export.append(good[0]) }
        }
        export += Self.lines(Logs.reaching(.queued), job: "c")
        try Self.write(export.joined(separator: "\n") + "\n", to: directory + "/2/export.jsonl")
        // A per-job file with a line of another job in it, and one whose first line is damaged.
        try Self.write(
            (Self.lines(Logs.reaching(.queued), job: "d") + Self.lines([Logs.created()], job: "e")).joined(separator: "\n") + "\n",
            to: directory + "/3/d.jsonl")
        try Self.write("{\"seq\":1,\n" + Self.lines(Logs.reaching(.queued), job: "f").joined(separator: "\n") + "\n", to: directory + "/3/f.jsonl")
        // A file named after a job that holds two others (an export), one of them `c` again.
        try Self.write(
            (Self.lines(Logs.reaching(.failed), job: "h") + Self.lines(Logs.reaching(.queued), job: "c")).joined(separator: "\n") + "\n",
            to: directory + "/4/g.jsonl")
        // The same job in three files: the message names the last one it was seen in.
        for file in ["5/x.jsonl", "6/x-again.jsonl", "7/x-third.jsonl"] {
            try Self.write(Self.lines(Logs.reaching(.queued), job: "x").joined(separator: "\n") + "\n", to: directory + "/" + file)
        }
        // Entries that are refused, and a path that does not exist, between the others.
        symlink(directory + "/1/a.jsonl", directory + "/5/link.jsonl")
        // Enough per-job files that the window of files in flight turns over.
        for index in 0..<150 {
            try Self.write(
                Self.lines(Logs.reaching(index % 3 == 0 ? .completed : .training), job: "p-\(index)").joined(separator: "\n") + "\n",
                to: directory + "/8/p-\(index).jsonl")
        }
        let one = Self.expectSameOnEveryThreadCount([directory, directory + "/missing", directory + "/1"])
        let rejections = one.filter { $0.hasPrefix("reject ") }
        #expect(rejections.contains { $0.contains("duplicate job") && $0.contains("x-again.jsonl") && $0.contains("x-third.jsonl") })
        #expect(rejections.contains { $0.contains("a line of job e in the log of job d") })
        #expect(rejections.contains { $0.contains("symbolic link") })
        #expect(rejections.contains { $0.contains("no such file or directory") })
        #expect(one.filter { $0.hasPrefix("emit ") }.count > 150)
        Self.expectSameOnEveryThreadCount([directory], asOf: 2)
    }

    /// A large per-job log is not split (one job, one thread), and a large export is: both read
    /// the same as on one thread.
    /// A directory of more than ``Replay/sizedLogs`` logs is taken for a store: its logs' sizes are
    /// not asked, so an export among them is not split, yet every thread count reports the same
    /// as one thread (with a damaged log, a torn one and a duplicate among the rest). With more
    /// than one thread, logs are replayed while the directory is still being listed
    /// (``ReplayPrefetch``), in the directory's order: their reports still come in name order,
    /// each under its own file (a symbolic link and a hidden log among them are not read).
    @Test func aDirectoryTooLargeToSizeReplaysTheSame() throws {
        let directory = Logs.temporaryDirectory()
        let count = Replay.sizedLogs + 600
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for index in 0..<count {
            var lines = Self.lines(Logs.reaching(index % 3 == 0 ? .completed : .training), job: "job-\(index)")
            if index == 17 { lines[1] = lines[1].replacingOccurrences(of: #""seq":2"#, with: #""seq":5"#) }
            var text = lines.joined(separator: "\n") + "\n"
            if index == 29 { text += #"{"seq":"# }
            try text.write(toFile: directory + "/job-\(index).jsonl", atomically: false, encoding: .utf8)
        }
        let export = (0..<30).flatMap { Self.lines(Logs.reaching(.completed), job: "export-\($0)") } + Self.lines(Logs.reaching(.queued), job: "job-3")
        try (export.joined(separator: "\n") + "\n").write(toFile: directory + "/all.jsonl", atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: directory + "/job-link.jsonl", withDestinationPath: "job-1.jsonl")
        try FileManager.default.copyItem(atPath: directory + "/job-1.jsonl", toPath: directory + "/.hidden.jsonl")
        let one = Self.transcript([directory], threads: 1)
        #expect(one.count(where: { $0.hasPrefix("emit ") }) == count + 30 - 1)
        #expect(one.contains { $0.hasPrefix("reject ") && $0.contains("job-link.jsonl") && $0.contains("symbolic link") })
        #expect(!one.contains { $0.contains(".hidden") })
        let atTwo = Self.transcript([directory], threads: 1, asOf: 2)
        #expect(atTwo != one && atTwo.count(where: { $0.hasPrefix("emit ") }) == count + 30 - 1)
        #expect(one.contains { $0.hasPrefix("reject ") && $0.contains("job-3") }, "the export's copy of job-3 is a duplicate")
        #expect(one.contains { $0.hasPrefix("torn ") })
        for threads in [2, 3] {
            for splitSize: Int64 in [0, 4 << 20] {
                #expect(Self.transcript([directory], threads: threads, splitSize: splitSize) == one, "\(threads) threads, split from \(splitSize)")
            }
            #expect(Self.transcript([directory], threads: threads, render: true) == one, "\(threads) threads, rendered")
            #expect(Self.transcript([directory], threads: threads, asOf: 2) == atTwo, "\(threads) threads, as of seq 2")
        }
    }

    @Test func largeFilesReplayTheSame() throws {
        let directory = Logs.temporaryDirectory()
        var log = Self.lines(Logs.reaching(.training), job: "long")
        var at = 100
        for percent in 11...99 {
            for _ in 0..<20 {
                at += 1
                log.append(RecordedEvent(seq: log.count + 1, at: Logs.at(at), job: try JobID("long"), event: .progressed(percent: percent, epoch: nil)).jsonLine.dropLast().description)
            }
        }
        try Self.write(log.joined(separator: "\n") + "\n", to: directory + "/long.jsonl")
        var export: [String] = []
        for index in 0..<300 { export += Self.lines(Logs.reaching(.completed), job: "e-\(index)") }
        try Self.write(export.joined(separator: "\n") + "\n", to: directory + "/export/all.jsonl")
        let one = Self.transcript([directory], threads: 1)
        for splitSize: Int64 in [0, 1 << 10] {
            for threads in [2, 3] {
                for byRange in [nil, true, false] as [Bool?] {
                    #expect(Self.transcript([directory], threads: threads, splitSize: splitSize, byRange: byRange) == one)
                    #expect(Self.transcript([directory], threads: threads, splitSize: splitSize, byRange: byRange, render: true) == one)
                }
            }
        }
        #expect(Self.transcript([directory], threads: 1).filter { $0.hasPrefix("emit ") }.count == 301)
    }

    @Test func progressIsReportedOnTheCallingThread() throws {
        let directory = Logs.temporaryDirectory()
        var export: [String] = []
        for index in 0..<(1 << 15) { export += Self.lines(Logs.reaching(.queued), job: "q-\(index)") }
        try Self.write(export.joined(separator: "\n") + "\n", to: directory + "/all.jsonl")
        let caller = pthread_self()
        for threads in [1, 2] {
            var reports: [Replay.Progress] = []
            var onCaller = true
            var replay = Replay(threads: threads)
            replay.splitSize = 0
            let summary = replay.run(
                [directory], emit: { _ in }, reject: { _ in },
                progress: {
                    reports.append($0)
                    onCaller = onCaller && pthread_equal(pthread_self(), caller) != 0
                })
            #expect(summary.lines == 1 << 16)
            #expect(!reports.isEmpty)
            #expect(onCaller)
            #expect(reports.map(\.lines) == reports.map(\.lines).sorted())
            #expect(reports.allSatisfy { $0.lines <= 1 << 16 })
        }
    }
}
