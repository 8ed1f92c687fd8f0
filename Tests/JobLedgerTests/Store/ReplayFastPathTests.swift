import Foundation
import JobLedger
import Testing

/// Replay reads most lines by a fast path: a canonical line of the previous line's job whose event
/// has no fields, or only a percent or a model, is read and folded without searching for its
/// newline first. These tests replay the same events written canonically and written with one
/// space after the `{` (which the fast path never takes), and expect every call to be the same.
@Suite struct ReplayFastPathTests {
    /// Sixteen canonical lines per job, as the WORKLOAD file has them, with a kind of trouble
    /// chosen by `index`: the lines the fast path must take, refuse, or fold into an error.
    static func job(_ index: Int) -> [String] {
        let job = "job-\(index)"
        func line(_ seq: Int, _ second: Int, _ rest: String) -> String {
            let at = String(format: "2026-11-22T10:%02d:%02dZ", (index / 60) % 60, second)
            return #"{"seq":\#(seq),"at":"\#(at)","job":"\#(job)","type":\#(rest)}"#
        }
        let types = ["queued", "datasetUploadStarted", "dataProcessingStarted", "dataProcessed", "trainingStarted"]
        var lines = [line(1, 0, #""created","origin":"\#(index % 2 == 0 ? "api" : "console")""#)]
        for (offset, type) in types.enumerated() { lines.append(line(2 + offset, 1 + offset, #""\#(type)""#)) }
        for step in 1...7 { lines.append(line(6 + step, 6 + step, #""progressed","percent":\#(step * 10)"#)) }
        lines.append(line(14, 14, #""trainingFinished""#))
        lines.append(line(15, 15, #""modelUploadStarted""#))
        lines.append(line(16, 16, #""completed","model":"model-\#(index)""#))
        switch index % 9 {
        case 1: lines[15] = lines[15].replacingOccurrences(of: "model-", with: "modèle-")  // not plain ASCII: the general path
        case 2: lines[9] = lines[9].replacingOccurrences(of: #""seq":10,"#, with: #""seq":11,"#)  // a gap in seq
        case 3: lines[10] = lines[10].replacingOccurrences(of: #""percent":50"#, with: #""percent":5"#)  // percent goes down
        case 4: for i in 2...4 { lines[i] += "\t" }  // a batch of three, committed by the next line
        case 5: lines[8] = lines[8].replacingOccurrences(of: ":09Z", with: ":01Z")  // time goes back
        case 6: lines[4] = lines[4].replacingOccurrences(of: "dataProcessed", with: "trainingFinished")  // illegal here
        case 7: lines[12] = lines[12].replacingOccurrences(of: #""percent":70"#, with: #""percent":101"#)  // out of range
        case 8: lines[15] = lines[15].replacingOccurrences(of: #""model":"model-\#(index)""#, with: #""model":"""#)  // empty model
        default: break
        }
        return lines
    }

    /// The one-thread transcript (``ParallelReplayTests/transcript(_:threads:splitSize:asOf:byRange:render:)``)
    /// of `lines` written as a file, and of the same lines each with a space after its `{`.
    func transcripts(_ lines: [String], named name: String) throws -> (canonical: [String], spaced: [String]) {
        let directory = Logs.temporaryDirectory(name)
        let canonical = directory + "/canonical/export.jsonl"
        let spaced = directory + "/spaced/export.jsonl"
        try ParallelReplayTests.write(lines.map { $0 + "\n" }.joined(), to: canonical)
        try ParallelReplayTests.write(lines.map { "{ " + $0.dropFirst() + "\n" }.joined(), to: spaced)
        // File names differ by directory only, so the transcripts can be compared as they are.
        func transcript(_ path: String) -> [String] {
            ParallelReplayTests.transcript([path], threads: 1).map { $0.replacingOccurrences(of: (path as NSString).deletingLastPathComponent, with: "DIR") }
        }
        return (transcript(canonical), transcript(spaced))
    }

    /// Nine hundred jobs, 1.6 MB: lines cross the reader's 1 MB chunk, and every kind of trouble
    /// above appears a hundred times. Both forms replay alike, on one thread and split.
    @Test func theFastAndTheGeneralPathReplayAlike() throws {
        let lines = (0..<900).flatMap { Self.job($0) }
        #expect(lines.reduce(0) { $0 + $1.utf8.count + 1 } > 1 << 20, "more than one chunk of the line reader")
        let (canonical, spaced) = try transcripts(lines, named: #function)
        #expect(canonical == spaced)
        if let first = zip(canonical, spaced).enumerated().first(where: { $0.element.0 != $0.element.1 }) {
            Issue.record("first difference: \(first.element.0) vs \(first.element.1)")
        }
        // Every kind of trouble was met: rejections and good jobs alike.
        #expect(canonical.filter { $0.hasPrefix("emit ") }.count == 900 - 6 * 100)
        #expect(canonical.filter { $0.hasPrefix("reject ") }.count == 6 * 100)
        for rule in ["leaves a gap", "below the last percent", "time never goes backwards", "trainingFinished in phase", "outside 0…100", "must not be empty"] {
            #expect(canonical.filter { $0.hasPrefix("reject ") && $0.contains(rule) }.count == 100, "\(rule): \(canonical.filter { $0.hasPrefix("reject ") }.prefix(8))")
        }
        let directory = Logs.temporaryDirectory(#function + "-split")
        try ParallelReplayTests.write(lines.map { $0 + "\n" }.joined(), to: directory + "/export.jsonl")
        ParallelReplayTests.expectSameOnEveryThreadCount([directory + "/export.jsonl"])
    }

    /// The fast path checks a line's `seq` as the digits it expects, counted up from line to line
    /// (`PlainRun`): long jobs cross 9, 99 and 999, and a `seq` that repeats or skips just after
    /// a carry is refused there as on the general path.
    @Test func longJobsCarryTheirSeqDigits() throws {
        func job(_ name: String, events: Int, wrong: (seq: Int, written: Int)?) -> [String] {
            var lines = [#"{"seq":1,"at":"2026-11-22T10:00:00Z","job":"\#(name)","type":"created","origin":"api"}"#]
            lines.append(#"{"seq":2,"at":"2026-11-22T10:00:01Z","job":"\#(name)","type":"trainingStarted"}"#)
            for seq in 3...events {
                let written = seq == wrong?.seq ? wrong!.written : seq
                let at = String(format: "2026-11-22T%02d:%02d:%02dZ", 10 + seq / 3600, (seq / 60) % 60, seq % 60)
                lines.append(#"{"seq":\#(written),"at":"\#(at)","job":"\#(name)","type":"progressed","percent":\#(min(100, seq / 12))}"#)
            }
            return lines
        }
        let lines =
            job("long-good", events: 1_205, wrong: nil) + job("gap-at-100", events: 150, wrong: (100, 200))
            + job("repeat-at-1000", events: 1_010, wrong: (1_000, 999)) + job("gap-at-10", events: 20, wrong: (10, 11))
            + job("short-good", events: 9, wrong: nil)
        let (canonical, spaced) = try transcripts(lines, named: #function)
        #expect(canonical == spaced)
        #expect(canonical.contains { $0.hasPrefix("emit ") && $0.contains("long-good") && $0.contains("seq: 1205,") }, "\(canonical)")
        #expect(canonical.contains { $0.hasPrefix("emit ") && $0.contains("short-good") })
        #expect(canonical.contains { $0.hasPrefix("reject ") && $0.contains("gap-at-100") && $0.contains("seq 200 leaves a gap (expected 100)") }, "\(canonical)")
        #expect(canonical.contains { $0.hasPrefix("reject ") && $0.contains("repeat-at-1000") && $0.contains("seq 999 repeats or goes back (expected 1000)") })
        #expect(canonical.contains { $0.hasPrefix("reject ") && $0.contains("gap-at-10") && $0.contains("seq 11 leaves a gap (expected 10)") })
    }

    /// A job's first line goes a fast way too (`CreatedLine`) when it is a canonical `created`
    /// with only its origin, of a job the file has not met. Every other first line, and every
    /// id the fast way must not take, replays as on the general path, `--at 1` too.
    @Test func createdLinesReplayAlikeOnBothPaths() throws {
        func created(_ job: String, seq: Int = 1, origin: String = "api", at: String = "2026-11-22T10:00:00Z") -> String {
            #"{"seq":\#(seq),"at":"\#(at)","job":"\#(job)","type":"created","origin":"\#(origin)"}"#
        }
        func queued(_ job: String, seq: Int = 2) -> String {
            #"{"seq":\#(seq),"at":"2026-11-22T10:00:01Z","job":"\#(job)","type":"queued"}"#
        }
        let long = String(repeating: "a", count: 129)
        let lines = [
            created("a"), queued("a"),  // the shortest id
            created("b", origin: "console"), queued("b"),
            created("c"), queued("c"), created("c"),  // the same job created again, seq 1
            created("d"), queued("d"), created("d", seq: 3),  // created again later
            created("bad/id"), queued("bad/id"),  // a character ids may not have
            created(".hidden"), queued(".hidden"),  // an id may not start with '.'
            created(""),  // no id
            created(long), queued(long),  // too long an id
            created(String(repeating: "b", count: 128)), queued(String(repeating: "b", count: 128)),  // the longest id
            created("e", origin: "robot"), queued("e"),  // no such origin
            created("f", origin: "ap"), created("g", origin: "consoles"),
            created("h", at: "2026-11-22T10:00:00.5Z"), queued("h"),  // a time with a fraction
            created("i", at: "2026-11-22T09:59:59Z"), queued("i"),  // another minute
            created("j", seq: 2),  // a first line with seq 2
            created("k") + "\t", queued("k"),  // a batch
        ]
        let (canonical, spaced) = try transcripts(lines, named: #function)
        #expect(canonical == spaced)
        for job in ["a", "b", String(repeating: "b", count: 128), "h", "i", "k"] {
            #expect(canonical.contains { $0.hasPrefix("emit ") && $0.contains("(job: \(job), ") }, "\(job): \(canonical)")
        }
        #expect(canonical.filter { $0.hasPrefix("emit ") }.count == 6, "\(canonical)")
        let directory = Logs.temporaryDirectory(#function + "-at")
        try ParallelReplayTests.write(lines.map { $0 + "\n" }.joined(), to: directory + "/canonical/export.jsonl")
        try ParallelReplayTests.write(lines.map { "{ " + $0.dropFirst() + "\n" }.joined(), to: directory + "/spaced/export.jsonl")
        func atOne(_ form: String) -> [String] {
            ParallelReplayTests.transcript([directory + "/\(form)/export.jsonl"], threads: 1, asOf: 1)
                .map { $0.replacingOccurrences(of: directory + "/\(form)", with: "DIR") }
        }
        #expect(atOne("canonical") == atOne("spaced"))
        #expect(atOne("canonical").contains { $0.hasPrefix("emit ") && $0.contains("(job: a, seq: 1,") })
    }

    /// A plain line's percent is read by the fast path's own digit reader: every spelling, good
    /// and bad, replays as on the general path.
    @Test func percentsReplayAlikeOnBothPaths() throws {
        let spellings = ["0", "7", "10", "99", "100", "101", "999", "1000", "05", "00", "-5", "1e2", "5.0", "", "\"5\""]
        var lines: [String] = []
        for (index, spelling) in spellings.enumerated() {
            let job = "p\(index)"
            lines.append(#"{"seq":1,"at":"2026-11-22T10:00:00Z","job":"\#(job)","type":"created","origin":"api"}"#)
            lines.append(#"{"seq":2,"at":"2026-11-22T10:00:01Z","job":"\#(job)","type":"trainingStarted"}"#)
            lines.append(#"{"seq":3,"at":"2026-11-22T10:00:02Z","job":"\#(job)","type":"progressed","percent":\#(spelling)}"#)
        }
        // The spaced lines' errors name a column one further on.
        func columnless(_ calls: [String]) -> [String] {
            calls.map { $0.replacingOccurrences(of: #"at column \d+"#, with: "at column N", options: .regularExpression) }
        }
        let (canonical, spaced) = try transcripts(lines, named: #function)
        #expect(columnless(canonical) == columnless(spaced))
        for (index, percent) in [(0, 0), (1, 7), (2, 10), (3, 99), (4, 100)] {
            #expect(canonical.contains { $0.hasPrefix("emit ") && $0.contains("(job: p\(index), ") && $0.contains("percent: \(percent),") }, "\(canonical)")
        }
        #expect(canonical.filter { $0.hasPrefix("emit ") }.count == 5, "\(canonical)")
    }

    /// A `completed` line read by the fast path (`JobState.applyCompleted`) is folded as the
    /// general path folds it: legal after the model upload, and refused with the same words out
    /// of place, with a gap in `seq`, with time going back, or after another terminal event.
    @Test func completedLinesReplayAlikeOnBothPaths() throws {
        func job(_ name: String, _ types: [String], completedSeq: Int? = nil, completedSecond: Int? = nil) -> [String] {
            var lines = [#"{"seq":1,"at":"2026-11-22T10:00:00Z","job":"\#(name)","type":"created","origin":"api"}"#]
            for (offset, type) in types.enumerated() {
                lines.append(#"{"seq":\#(offset + 2),"at":"2026-11-22T10:00:\#(String(format: "%02d", offset + 10))Z","job":"\#(name)","type":"\#(type)"}"#)
            }
            let seq = completedSeq ?? types.count + 2
            let second = String(format: "%02d", completedSecond ?? 50)
            lines.append(#"{"seq":\#(seq),"at":"2026-11-22T10:00:\#(second)Z","job":"\#(name)","type":"completed","model":"m-\#(name)"}"#)
            return lines
        }
        let done = ["trainingStarted", "trainingFinished", "modelUploadStarted"]
        let lines =
            job("legal", done) + job("early", ["queued"]) + job("gap", done, completedSeq: 7) + job("back", done, completedSecond: 5)
            + job("twice", done) + [#"{"seq":6,"at":"2026-11-22T10:00:51Z","job":"twice","type":"completed","model":"again"}"#]
            + job("cancelled", ["cancelled"])
        let (canonical, spaced) = try transcripts(lines, named: #function)
        #expect(canonical == spaced)
        #expect(canonical.contains { $0.hasPrefix("emit ") && $0.contains("(job: legal, ") && $0.contains("completed") }, "\(canonical)")
        #expect(canonical.filter { $0.hasPrefix("emit ") }.count == 1, "\(canonical)")
        for (job, rule) in [
            ("early", "illegal transition: completed in phase queued"), ("gap", "leaves a gap"), ("back", "time never goes backwards"),
            ("twice", "illegal transition: completed in phase completed"), ("cancelled", "illegal transition: completed in phase cancelled"),
        ] {
            #expect(canonical.contains { $0.hasPrefix("reject ") && $0.contains(job) && $0.contains(rule) }, "\(job): \(canonical)")
        }
    }

    /// A last line complete but for its newline is a torn write, never folded, even when it is a
    /// plain line the fast path would take.
    @Test func aPlainLineWithoutItsNewlineIsTorn() throws {
        let lines = Self.job(0)
        let directory = Logs.temporaryDirectory()
        try ParallelReplayTests.write(lines.dropLast().map { $0 + "\n" }.joined() + lines[lines.count - 1], to: directory + "/cut.jsonl")
        let transcript = ParallelReplayTests.transcript([directory + "/cut.jsonl"], threads: 1)
        #expect(transcript.contains { $0.hasPrefix("torn ") && $0.contains("cut.jsonl:16: torn write") }, "\(transcript)")
        #expect(transcript.contains { $0.hasPrefix("emit ") && $0.contains("uploadingModel") }, "\(transcript)")
    }
}

/// A thread reading many small files in turn reuses one replay's memory from file to file
/// (`FileReplay.reuse`): nothing of a file may show in the next. A directory replayed at once
/// reports what each of its files replayed alone reports, whatever came before it.
@Suite struct ReplayReuseTests {
    /// The calls of a replay of `paths`, without its summary.
    static func calls(_ paths: [String], threads: Int, asOf: Int? = nil) -> [String] {
        Array(ParallelReplayTests.transcript(paths, threads: threads, asOf: asOf).dropLast())
    }

    @Test func everyFileReplaysAsIfAlone() throws {
        let directory = Logs.temporaryDirectory()
        var files: [(String, String)] = []
        for index in 0..<200 {
            var lines = ReplayFastPathTests.job(index)
            let name = String(format: "f-%03d", index)
            lines = lines.map { $0.replacingOccurrences(of: "\"job-\(index)\"", with: "\"\(name)\"") }
            switch index % 10 {
            case 3: lines.insert("not json at all", at: 5)  // a line naming no job
            case 5: lines.insert(#"{"seq":1,"at":"2026-11-22T10:00:00Z","job":"other-\#(index)","type":"created","origin":"api"}"#, at: 3)  // a foreign job
            case 7: lines[lines.count - 1] = String(lines[lines.count - 1].prefix(30))  // torn at the end
            default: break
            }
            let text = lines.joined(separator: "\n") + (index % 10 == 7 ? "" : "\n")
            files.append((directory + "/" + name + ".jsonl", text))
        }
        for (path, text) in files { try ParallelReplayTests.write(text, to: path) }
        for asOf in [nil, 3] as [Int?] {
            let alone = files.flatMap { Self.calls([$0.0], threads: 1, asOf: asOf) }
            #expect(alone.contains { $0.hasPrefix("reject ") } && alone.contains { $0.hasPrefix("torn ") })
            for threads in [1, 2, 3] {
                let together = Self.calls([directory], threads: threads, asOf: asOf)
                #expect(together == alone, "\(threads) threads, as of \(asOf.map(String.init) ?? "the end")")
                if let first = zip(together, alone).enumerated().first(where: { $0.element.0 != $0.element.1 }) {
                    Issue.record("first difference: \(first.element.0) vs \(first.element.1)")
                }
            }
        }
    }
}
