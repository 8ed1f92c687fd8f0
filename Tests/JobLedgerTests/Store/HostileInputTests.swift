import Foundation
import JobLedger
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Regression tests for the hostile-inputs issue: each reproduces one defect found on 2243075
/// (wrong job charged, writes through links, bricked jobs, half-applied batches, hangs,
/// quadratic parsing, and the smaller ones) and checks what holds now.
@Suite struct HostileInputTests {
    let job = try! JobID("j-1")

    static func lines(_ events: [Event], job: String = "j-1") -> String {
        Logs.recorded(events, job: job).map(\.jsonLine).joined()
    }

    func replay(_ paths: [String]) -> (states: [String: JobState], problems: [JobLedgerError], torn: [TornWrite]) {
        var states: [String: JobState] = [:]
        var problems: [JobLedgerError] = []
        var torn: [TornWrite] = []
        Replay().run(paths, emit: { states[$0.job.rawValue] = $0 }, reject: { problems.append($0) }, torn: { torn.append($0) })
        return (states, problems, torn)
    }

    // MARK: 1. Lines charged to the job they name

    /// An export whose lines are not all in the writer's compact shape: before, a fast-path try
    /// left the job behind and the next line was charged to it.
    @Test func exportLinesAreChargedToTheirJob() throws {
        let directory = Logs.temporaryDirectory()
        let export = """
            {"seq":1,"at":"2026-01-01T00:00:00Z","job":"a","type":"created","origin":"api","task":"x"}
            {"seq":1,"at":"2026-01-01T00:00:00Z","job":"b","type":"created","origin":"api"}
            {"seq":2,"at":"2026-01-01T00:00:01Z","job":"b","type":"trainingStarted"}
            {"seq":2,"at":"2026-01-01T00:00:01Z","job":"a","type":"trainingStarted"}
            {"seq":3,"at":"2026-01-01T00:00:02Z","job":"b","type":"progressed","percent":90}
            {"seq":3,"at":"2026-01-01T00:00:02Z","job":"a","type":"progressed","percent":10,"epoch":1}
            {"seq":4, "at":"2026-01-01T00:00:03Z","job":"b","type":"progressed","percent":95}

            """
        try export.write(toFile: directory + "/export.txt", atomically: true, encoding: .utf8)
        let result = replay([directory + "/export.txt"])
        #expect(result.problems.isEmpty)
        #expect(result.states["a"]?.percent == 10)
        #expect(result.states["a"]?.seq == 3)
        #expect(result.states["b"]?.percent == 95)
        #expect(result.states["b"]?.seq == 4)
    }

    /// A per-job file holding a line of another job in a shape the fast path does not take.
    @Test func aForeignLineInAPerJobFileIsRefused() throws {
        let directory = Logs.temporaryDirectory()
        let log = Self.lines(Logs.reaching(.queued))
            + #"{"seq":3,"at":"2026-01-01T00:00:00Z","job":"j-2","type":"created","origin":"api","task":"t"}"# + "\n"
        try log.write(toFile: directory + "/j-1.jsonl", atomically: true, encoding: .utf8)
        let result = replay([directory])
        #expect(result.states.isEmpty)
        #expect(result.problems.map(\.message) == ["a line of job j-2 in the log of job j-1 (a per-job file holds one job)"])
        #expect(result.problems.first?.line == 3)
        #expect(throws: JobLedgerError.self) { try DirectoryStore(directory: directory).state(of: job) }
    }

    // MARK: 2. Writes never follow links

    @Test func aDanglingLinkIsNotFollowedByAnAppend() throws {
        let directory = Logs.temporaryDirectory()
        let elsewhere = Logs.temporaryDirectory()
        try FileManager.default.createSymbolicLink(atPath: directory + "/j-1.jsonl", withDestinationPath: elsewhere + "/new")
        let ledger = try Ledger(directory: directory, durability: .none)
        #expect {
            try ledger.append(Logs.created(), to: job, at: Logs.at(0))
        } throws: { error in
            (error as? JobLedgerError)?.code == .io && "\(error)".contains("symbolic link")
        }
        #expect(FileManager.default.fileExists(atPath: elsewhere + "/new") == false)
    }

    @Test func aLinkToAFileIsNeitherReadNorTruncated() throws {
        let directory = Logs.temporaryDirectory()
        let elsewhere = Logs.temporaryDirectory()
        let target = elsewhere + "/precious"
        let content = Self.lines(Logs.reaching(.completed)) + "no newline at the end"
        try content.write(toFile: target, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: directory + "/j-1.jsonl", withDestinationPath: target)
        let ledger = try Ledger(directory: directory, durability: .none)
        #expect(throws: JobLedgerError.self) { try ledger.checkProgress(job) }
        #expect(throws: JobLedgerError.self) { try ledger.state(of: job) }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == content)
        #expect(FileManager.default.fileExists(atPath: target + ".torn") == false)
    }

    @Test func aLinkedTornFileIsRefused() throws {
        let directory = Logs.temporaryDirectory()
        let elsewhere = Logs.temporaryDirectory()
        try (Self.lines(Logs.reaching(.queued)) + "{\"seq\":3").write(toFile: directory + "/j-1.jsonl", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: directory + "/j-1.jsonl.torn", withDestinationPath: elsewhere + "/planted")
        #expect(throws: JobLedgerError.self) { try DirectoryStore(directory: directory).state(of: job) }
        #expect(FileManager.default.fileExists(atPath: elsewhere + "/planted") == false)
    }

    // MARK: 3. Nothing acknowledged that cannot be read back

    @Test func aTimeOutsideTheLogsRangeIsRefused() throws {
        // -23:59 turns 9999-12-31T23:59:59 into year 10000.
        #expect(Timestamp(rfc3339: "9999-12-31T23:59:59-23:59") == nil)
        #expect(Timestamp(rfc3339: "0000-01-01T00:00:00+00:01") == nil)
        #expect(Timestamp(rfc3339: "9999-12-31T23:59:59+23:59") != nil)
        #expect(throws: JobLedgerError.self) {
            try PendingEvent(type: "created", fields: ["origin": "api", "at": "9999-12-31T23:59:59-23:59"])
        }
        let directory = Logs.temporaryDirectory()
        let ledger = try Ledger(directory: directory, durability: .none)
        try ledger.append(Logs.created(), to: job, at: Logs.at(0))
        for seconds in [Int64.min, Int64.max, 253_402_300_800, -62_167_219_201] {
            #expect {
                try ledger.append(.queued, to: job, at: Timestamp(seconds: seconds))
            } throws: { error in
                (error as? JobLedgerError)?.code == .invalidEvent && "\(error)".contains("outside what a log holds")
            }
        }
        // The latest instant a log holds is fine, and `now(notBefore:)` after it stays in range.
        let latest = Timestamp.logRange.upperBound
        try ledger.append(.queued, to: job, at: latest)
        try ledger.append(.configured(config: ["a": 1]), to: job)
        #expect(try Ledger(directory: directory).events(of: job).count == 3)
    }

    @Test func timestampsNeverTrap() {
        let extremes = [Int64.min, Int64.min + 1, -1, 0, Int64.max - 1, Int64.max]
        for seconds in extremes {
            for nanoseconds in [Int64.min, -1, 0, 999_999_999, Int64.max] {
                let time = Timestamp(seconds: seconds, nanoseconds: nanoseconds)
                #expect((0..<1_000_000_000).contains(time.nanoseconds))
                _ = time.rfc3339  // no trap
            }
        }
    }

    @Test func nestingDeeperThanTheReaderTakesIsRefused() throws {
        func nested(_ depth: Int) -> JSONObject {
            var value: JSONValue = 1
            for _ in 0..<(depth - 1) { value = ["k": value] }
            return ["k": value]
        }
        let ledger = Ledger(store: try DirectoryStore(directory: Logs.temporaryDirectory(), durability: .none))
        #expect {
            try ledger.append(.created(Creation(origin: .api, hyperparameters: nested(200))), to: job, at: Logs.at(0))
        } throws: { error in
            (error as? JobLedgerError)?.code == .invalidEvent && "\(error)".contains("nests 200 levels")
        }
        try ledger.append(.created(Creation(origin: .api, hyperparameters: nested(LogLimits.maximumNesting))), to: job, at: Logs.at(0))
        #expect(throws: JobLedgerError.self) {
            try ledger.append(.configured(config: nested(LogLimits.maximumNesting + 1)), to: job, at: Logs.at(1))
        }
        #expect(throws: JobLedgerError.self) { try ledger.append(.configured(config: ["x": .double(.nan)]), to: job, at: Logs.at(1)) }
        // What was acknowledged reads back.
        let line = try ledger.events(of: job)[0].jsonLine
        #expect(try RecordedEvent(jsonLine: line) == ledger.events(of: job)[0])
    }

    // MARK: 4. Batches are all or nothing across a crash

    /// A multi-line batch cut at every byte offset opens to the log before it or after it.
    @Test func aBatchCutAtEveryByteOffsetIsAllOrNothing() throws {
        let directory = Logs.temporaryDirectory()
        let path = directory + "/j-1.jsonl"
        let ledger = Ledger(store: try DirectoryStore(directory: directory, durability: .none))
        try ledger.append(Logs.created(), to: job, at: Logs.at(0))
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let batch: [Event] = [
            .trainingStarted(resources: ["gpus": 2]), .progressed(percent: 10, epoch: 0), .progressed(percent: 50, epoch: 1),
            .checkpointSaved(Checkpoint(identifier: "c", epoch: 1, path: "/c")), .trainingFinished,
        ]
        try ledger.append(contentsOf: batch.enumerated().map { PendingEvent($0.element, at: Logs.at($0.offset + 1)) }, to: job)
        let after = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(after.filter { $0 == 0x09 }.count == batch.count - 1, "every line of the batch but its last is marked")
        for cut in before.count...after.count {
            try after.prefix(cut).write(to: URL(fileURLWithPath: path))
            try? FileManager.default.removeItem(atPath: path + ".torn")
            let expected = cut == after.count ? 1 + batch.count : 1
            // Read-only replay agrees with the store, and neither sees part of the batch.
            let replayed = replay([directory])
            #expect(replayed.states["j-1"]?.seq == expected, "cut at \(cut)")
            #expect(replayed.torn.count == (cut == after.count || cut == before.count ? 0 : 1), "cut at \(cut)")
            let store = try DirectoryStore(directory: directory, durability: .none)
            #expect(try store.state(of: job)?.seq == expected, "cut at \(cut)")
            let kept = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(kept == (cut == after.count ? after : before), "cut at \(cut)")
            if cut > before.count && cut < after.count {
                let tail = after[before.count..<cut]
                #expect(FileManager.default.contents(atPath: path + ".torn") == tail + (tail.last == 0x0A ? [] : [0x0A]), "cut at \(cut)")
            }
        }
    }

    /// A multi-job batch: each job's part is framed as one append, so a crash (here: each file
    /// cut anywhere in what the batch wrote to it) leaves every job with all of its part or none.
    @Test func aMultiJobBatchLeavesEachJobAllOrNothing() throws {
        let directory = Logs.temporaryDirectory()
        let ledger = Ledger(store: try DirectoryStore(directory: directory, durability: .none))
        let jobs = try ["a", "b", "c"].map { try JobID($0) }
        for job in jobs { try ledger.append(Logs.created(), to: job, at: Logs.at(0)) }
        let before = try jobs.map { try Data(contentsOf: URL(fileURLWithPath: directory + "/" + $0.fileName)) }
        let part = [PendingEvent(.queued, at: Logs.at(1)), PendingEvent(.trainingStarted(resources: nil), at: Logs.at(2))]
        try ledger.append(batch: jobs.map { ($0, part) })
        let after = try jobs.map { try Data(contentsOf: URL(fileURLWithPath: directory + "/" + $0.fileName)) }
        for (index, job) in jobs.enumerated() {
            let path = directory + "/" + job.fileName
            for cut in stride(from: before[index].count, through: after[index].count, by: 7) {
                try after[index].prefix(cut).write(to: URL(fileURLWithPath: path))
                let seq = try DirectoryStore(directory: directory, durability: .none).state(of: job)?.seq
                #expect(seq == (cut == after[index].count ? 3 : 1), "job \(job) cut at \(cut)")
                try after[index].write(to: URL(fileURLWithPath: path))
                try? FileManager.default.removeItem(atPath: path + ".torn")
            }
        }
    }

    // MARK: 5. No hangs

    @Test func aFIFONamedLikeALogIsRefusedNotWaitedOn() throws {
        let directory = Logs.temporaryDirectory()
        try Self.lines(Logs.reaching(.queued), job: "good").write(toFile: directory + "/good.jsonl", atomically: true, encoding: .utf8)
        #expect(mkfifo(directory + "/j-1.jsonl", 0o600) == 0)
        let ledger = try Ledger(directory: directory, durability: .none)
        #expect {
            try ledger.state(of: job)
        } throws: { error in
            (error as? JobLedgerError)?.code == .io && "\(error)".contains("not a regular file")
        }
        #expect(throws: JobLedgerError.self) { try ledger.append(.queued, to: job) }
        let listing = try ledger.list()
        #expect(listing.list.tasks.contains { $0.taskStatus.rawValue == "UNKNOWN" })
        #expect(listing.unreadable.count == 1)
        let replayed = replay([directory])
        #expect(replayed.states.keys.sorted() == ["good"])
        #expect(replayed.problems.count == 1)
        #expect(replayed.problems.first?.file == directory + "/j-1.jsonl")
    }

    @Test func linksInsideAReplayedDirectoryAreNotFollowed() throws {
        let directory = Logs.temporaryDirectory()
        try Self.lines(Logs.reaching(.queued)).write(toFile: directory + "/j-1.jsonl", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: directory + "/loop1", withDestinationPath: ".")
        try FileManager.default.createSymbolicLink(atPath: directory + "/loop2", withDestinationPath: ".")
        try FileManager.default.createSymbolicLink(atPath: directory + "/root", withDestinationPath: "/")
        try FileManager.default.createSymbolicLink(atPath: directory + "/copy.jsonl", withDestinationPath: "j-1.jsonl")
        let replayed = replay([directory])
        #expect(replayed.states.keys.sorted() == ["j-1"])
        #expect(replayed.problems.map(\.file) == [directory + "/copy.jsonl"])
        // A path named by the caller is followed.
        #expect(replay([directory + "/copy.jsonl"]).states.keys.sorted() == ["j-1"])
    }

    // MARK: 6. Linear parsing

    /// Correctness of the large cases the benchmark times (jobledger-bench `hostile`): an
    /// 80,000-key object and 20,000 `configured` events, each adding keys.
    @Test func manyKeysAndManyConfigurations() throws {
        var text = "{\"seq\":1,\"at\":\"2026-01-01T00:00:00Z\",\"job\":\"j-1\",\"type\":\"created\",\"origin\":\"api\",\"hyperparameters\":{"
        text += (0..<80_000).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}}"
        let event = try RecordedEvent(jsonLine: text)
        guard case .created(let creation) = event.event else { Issue.record("not created"); return }
        #expect(creation.hyperparameters?.count == 80_000)
        #expect(creation.hyperparameters?["k79999"] == 79_999)
        let duplicate = text.replacingOccurrences(of: "\"k79999\"", with: "\"k0\"")
        #expect(throws: JobLedgerError.self) { try RecordedEvent(jsonLine: duplicate) }
        var state = try JobState(Logs.recorded([Logs.created()])[0])
        for index in 0..<20_000 {
            try state.apply(RecordedEvent(seq: index + 2, at: Logs.at(0), job: job, event: .configured(config: ["k\(index)": 1, "same": .int(index)])))
        }
        #expect(state.config.count == 20_001)
        #expect(state.config["same"] == 19_999)
        #expect(state.config.keys.first == "k0")
    }

    // MARK: 7. The smaller ones

    /// A crash between copying a torn tail to `.torn` and cutting it from the log: the retry
    /// does not copy it again.
    @Test func aTornMoveInterruptedByACrashIsNotRepeated() throws {
        let directory = Logs.temporaryDirectory()
        let path = directory + "/j-1.jsonl"
        let torn = "{\"seq\":3,\"at\":"
        try (Self.lines(Logs.reaching(.queued)) + torn).write(toFile: path, atomically: true, encoding: .utf8)
        try (torn + "\n").write(toFile: path + ".torn", atomically: true, encoding: .utf8)  // copied, then the crash
        #expect(try DirectoryStore(directory: directory).state(of: job)?.seq == 2)
        #expect(try String(contentsOfFile: path + ".torn", encoding: .utf8) == torn + "\n")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == Self.lines(Logs.reaching(.queued)))
    }

    @Test func newFilesAndDirectoriesAreTheOwnersOnly() throws {
        let root = Logs.temporaryDirectory()
        let directory = root + "/a/b"
        let ledger = try Ledger(directory: directory)
        try ledger.append(Logs.created(), to: job, at: Logs.at(0))
        func mode(_ path: String) throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as! NSNumber).intValue & 0o777
        }
        let mask = Int(umask(0o022))
        umask(mode_t(mask))
        #expect(try mode(directory + "/j-1.jsonl") == 0o600 & ~mask)
        #expect(try mode(directory) == 0o700 & ~mask)
        #expect(try mode(root + "/a") == 0o700 & ~mask)
    }

    /// An append that waits on a writer's lock sees its whole append: replay holds a shared lock,
    /// so a line being written is not called torn.
    @Test func replayWaitsForAnAppendInProgress() throws {
        let directory = Logs.temporaryDirectory()
        let path = directory + "/j-1.jsonl"
        try Self.lines(Logs.reaching(.queued)).write(toFile: path, atomically: true, encoding: .utf8)
        let fd = open(path, O_WRONLY | O_APPEND)
        #expect(fd >= 0)
        #expect(flock(fd, LOCK_EX) == 0)
        let next = Logs.recorded(Logs.reaching(.trainingStarted) + [], job: "j-1")[1]
        let line = Array(RecordedEvent(seq: 3, at: Logs.at(3), job: job, event: next.event).jsonLine.utf8)
        _ = line.prefix(10).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let finished = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var seen: (states: [String: JobState], problems: [JobLedgerError], torn: [TornWrite])?
        DispatchQueue.global().async {
            seen = self.replay([directory])
            finished.signal()
        }
        #expect(finished.wait(timeout: .now() + 0.3) == .timedOut, "replay waits for the writer")
        _ = line.dropFirst(10).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        flock(fd, LOCK_UN)
        close(fd)
        #expect(finished.wait(timeout: .now() + 10) == .success)
        #expect(seen?.torn.isEmpty == true)
        #expect(seen?.states["j-1"]?.seq == 3)
    }

    @Test func anOverlongLineIsReportedWithItsLine() throws {
        let directory = Logs.temporaryDirectory()
        let path = directory + "/j-1.jsonl"
        var log = Array(Self.lines(Logs.reaching(.queued)).utf8)
        log += Array(#"{"seq":3,"at":"2026-01-01T00:00:00Z","job":"j-1","type":"configured","config":{"x":""#.utf8)
        log += [UInt8](repeating: UInt8(ascii: "a"), count: LogLimits.maximumLineLength + 10)
        log += Array("\"}}\n".utf8)
        #expect(FileManager.default.createFile(atPath: path, contents: Data(log)))
        let replayed = replay([directory])
        #expect(replayed.problems.count == 1)
        #expect(replayed.problems.first?.line == 3)
        #expect(replayed.problems.first?.message.contains("longer than a log line may be") == true)
        #expect {
            try DirectoryStore(directory: directory).state(of: job)
        } throws: { error in
            (error as? JobLedgerError)?.line == 3
        }
        // And the writer refuses to make one.
        let ledger = Ledger(store: try DirectoryStore(directory: Logs.temporaryDirectory(), durability: .none))
        try ledger.append(Logs.created(), to: job, at: Logs.at(0))
        #expect {
            try ledger.append(.configured(config: ["x": .string(String(repeating: "a", count: LogLimits.maximumLineLength))]), to: job)
        } throws: { error in
            "\(error)".contains("a log line holds at most")
        }
    }

    @Test func numbersOutOfRangeAreRefusedBothWays() throws {
        #expect(throws: JobLedgerError.self) { try JSONValue(parsing: "1e400") }
        #expect(throws: JobLedgerError.self) { try JSONValue(parsing: "1E-400") }
        #expect(throws: JobLedgerError.self) { try JSONValue(parsing: "-0.0001e-400") }
        #expect(try JSONValue(parsing: "0.0e-400") == .double(0))
        #expect(try JSONValue(parsing: "5e-324") == .double(.leastNonzeroMagnitude))
        #expect {
            try PendingEvent(type: "progressed", fields: ["percent": try JSONValue(parsing: "99999999999999999999")])
        } throws: { error in
            "\(error)".contains("integer out of range") && !"\(error)".contains("fraction")
        }
    }

    @Test func controlCharactersInPathsAreEscapedInMessages() {
        let error = JobLedgerError(.io, "cannot open", file: "logs/evil\u{1B}[2J\n.jsonl")
        #expect(!error.description.contains("\u{1B}"))
        #expect(!error.description.contains("\n"))
        #expect(error.description.hasPrefix("\"logs/evil\\u001b[2J\\u000a.jsonl\": "))
    }

    @Test func aFailedBatchWriteNamesTheJob() throws {
        // /dev/full's file system: every write fails with ENOSPC. A store there cannot be made,
        // so check the message path through a store on a read-only directory instead.
        let directory = Logs.temporaryDirectory()
        let ledger = try Ledger(directory: directory, durability: .none)
        try ledger.append(Logs.created(), to: job, at: Logs.at(0))
        let other = try JobID("j-2")
        try ledger.append(Logs.created(), to: other, at: Logs.at(0))
        // Replace j-2's log with a directory: the batch is refused naming j-2.
        try FileManager.default.removeItem(atPath: directory + "/j-2.jsonl")
        try FileManager.default.createDirectory(atPath: directory + "/j-2.jsonl", withIntermediateDirectories: false)
        #expect {
            try ledger.append(batch: [(job, [PendingEvent(.queued, at: Logs.at(1))]), (other, [PendingEvent(.queued, at: Logs.at(1))])])
        } throws: { error in
            (error as? JobLedgerError)?.job == "j-2"
        }
        #expect(try ledger.state(of: job).seq == 1, "nothing of the batch was written")
    }
}

/// The CLI's side of the hostile-inputs issue.
@Suite struct HostileCLITests {
    @Test func outputThatCannotBeWrittenFails() throws {
        let process = Process()
        process.executableURL = Executables.jobledger
        process.arguments = ["replay", "Fixtures/logs"]
        process.currentDirectoryURL = Executables.packageRoot
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/full")
        let err = Pipe()
        process.standardError = err
        try process.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        #expect(message.contains("cannot write output: No space left on device"))
    }

    @Test func integerOptionsTakeTheJSONGrammar() throws {
        for limit in ["+5", "05", "5.0", " 5"] {
            let result = try Executables.jobledger("list", "Fixtures/logs/novita-example", "--limit", limit)
            #expect(result.status == 2, "--limit \(limit)")
        }
        #expect(try Executables.jobledger("list", "Fixtures/logs/novita-example", "--limit", "5").status == 0)
    }
}

/// The number reader's exact fast path agrees with the standard library on every decimal.
@Suite struct NumberReadingTests {
    @Test func decimalsReadAsTheStandardLibraryReadsThem() throws {
        var generator = SystemRandomNumberGenerator()
        var texts = ["0.1", "-0.0", "0.0", "1.5e-3", "29092.4", "1e22", "1e23", "123456789012345.6", "9007199254740993.0",
                     "0.000123", "1.05", "-7.25E+2", "5e-324", "1.7976931348623157e308", "4.9e-324", "0.30000000000000004"]
        for _ in 0..<20_000 {
            let digits = String(UInt64.random(in: 0...999_999_999_999_999_999, using: &generator))
            let point = Int.random(in: 0...digits.count, using: &generator)
            var text = String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
            if text.hasPrefix(".") { text = "0" + text }
            if text.hasSuffix(".") { text += "0" }
            if Bool.random(using: &generator) { text += "e" + String(Int.random(in: -30...30, using: &generator)) }
            texts.append(Bool.random(using: &generator) ? "-" + text : text)
        }
        for text in texts {
            guard case .double(let value) = try JSONValue(parsing: text) else {
                Issue.record("\(text) is not a double")
                continue
            }
            #expect(value.bitPattern == Double(text)!.bitPattern, "\(text)")
        }
    }
}

extension HostileCLITests {
    /// A first append whose write fails (here: the file size limit, `EFBIG`) leaves no empty log
    /// behind; an append to an existing log that fails leaves it byte for byte as it was.
    @Test func aFailedFirstAppendLeavesNoFile() throws {
        let directory = Logs.temporaryDirectory()
        let limited = "trap '' XFSZ; ulimit -f 0; exec \"$0\" \"$@\""
        let bash = URL(fileURLWithPath: "/bin/bash")
        let first = try Executables.run(bash, ["-c", limited, Executables.jobledger.path, "append", directory, "j-1", "created", "origin=api"])
        #expect(first.status == 1)
        #expect(first.stderr.contains("job j-1"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        let ok = try Executables.jobledger("append", directory, "j-1", "created", "origin=api")
        #expect(ok.status == 0)
        let before = FileManager.default.contents(atPath: directory + "/j-1.jsonl")
        let second = try Executables.run(bash, ["-c", limited, Executables.jobledger.path, "append", directory, "j-1", "queued"])
        #expect(second.status == 1)
        #expect(FileManager.default.contents(atPath: directory + "/j-1.jsonl") == before)
    }
}

extension NumberReadingTests {
    /// The one integer reader at its edges: 18, 19 and 20 digits, Int.min and Int.max.
    @Test func integersAtTheEdgesOf64Bits() throws {
        for value in [Int.max, Int.min, Int.max - 1, Int.min + 1, 999_999_999_999_999_999, -999_999_999_999_999_999, 1_000_000_000_000_000_000] {
            #expect(try JSONValue(parsing: String(value)) == .int(value))
        }
        #expect(try JSONValue(parsing: "9223372036854775808") == .double(9_223_372_036_854_775_808))
        #expect(try JSONValue(parsing: "-9223372036854775809") == .double(Double("-9223372036854775809")!))
        #expect(try JSONValue(parsing: "123456789012345678901234567890") == .double(Double("123456789012345678901234567890")!))
        let line = #"{"seq":9223372036854775807,"at":"2026-01-01T00:00:00Z","job":"j","type":"created","origin":"api"}"#
        #expect(try RecordedEvent(jsonLine: line).seq == Int.max)
        #expect(throws: JobLedgerError.self) { try RecordedEvent(jsonLine: line.replacingOccurrences(of: "807", with: "808")) }
    }
}
