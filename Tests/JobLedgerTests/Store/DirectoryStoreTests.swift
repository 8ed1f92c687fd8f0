import Foundation
import JobLedger
import Testing

/// The directory store's crash safety and corruption rules (SPEC 3).
@Suite struct DirectoryStoreTests {
    let job = try! JobID("j-1")

    func write(_ bytes: [UInt8], to directory: String) -> String {
        let path = directory + "/j-1.jsonl"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        return path
    }

    func bytes(_ events: [Event]) -> [UInt8] {
        var bytes: [UInt8] = []
        for event in Logs.recorded(events) { event.appendJSONLine(to: &bytes) }
        return bytes
    }

    /// A log cut at every byte offset opens to exactly the state of its whole lines, with the rest
    /// moved to `.torn`.
    @Test func cutAtEveryByteOffset() throws {
        let events: [Event] = [
            .created(Creation(origin: .api, name: CodecTests.odd)), .configured(config: ["s": .string(CodecTests.odd)]),
            .trainingStarted(resources: nil), .progressed(percent: 5, epoch: 0), .trainingFinished,
        ]
        let log = bytes(events)
        let lineEnds = log.indices.filter { log[$0] == UInt8(ascii: "\n") }.map { $0 + 1 }
        let directory = Logs.temporaryDirectory()
        for cut in 0...log.count {
            let path = write(Array(log[..<cut]), to: directory)
            try? FileManager.default.removeItem(atPath: path + ".torn")
            let whole = lineEnds.filter { $0 <= cut }.count
            let store = try DirectoryStore(directory: directory, durability: .none)
            let state = try store.state(of: job)
            #expect(state == (whole == 0 ? nil : try Logs.state(Array(events.prefix(whole)))), "cut at \(cut)")
            let kept = whole == 0 ? 0 : lineEnds[whole - 1]
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(log[..<kept]), "cut at \(cut)")
            let torn = FileManager.default.contents(atPath: path + ".torn")
            if cut == kept {
                #expect(torn == nil, "cut at \(cut)")
            } else {
                #expect(torn == Data(log[kept..<cut] + [UInt8(ascii: "\n")]), "cut at \(cut)")
            }
        }
        // After recovery the log goes on.
        let ledger = Ledger(store: try DirectoryStore(directory: directory, durability: .none))
        try ledger.append(.completed(model: "m"), to: job, at: Logs.at(99))
        #expect(try ledger.state(of: job).phase == .completed)
    }

    /// A new job's rejected first append leaves no file behind, alone or in a batch (found by
    /// the model-based property test).
    @Test func aRejectedFirstAppendCreatesNoFile() throws {
        let directory = Logs.temporaryDirectory()
        let ledger = Ledger(store: try DirectoryStore(directory: directory, durability: .none))
        let created = PendingEvent(Logs.created(), at: Logs.at(0))
        #expect(throws: JobLedgerError.self) {
            try ledger.append(contentsOf: [created, PendingEvent(.dataProcessed, at: Logs.at(1))], to: job)
        }
        let other = try JobID("j-2")
        try ledger.append(Logs.created(), to: other, at: Logs.at(0))
        #expect(throws: JobLedgerError.self) {
            try ledger.append(batch: [(job, [created]), (other, [PendingEvent(.completed(model: "m"), at: Logs.at(1))])])
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["j-2.jsonl"])
    }

    /// A batch through a store object that has never seen its jobs' logs: a job whose events are
    /// valid for a new job is not looked for first, yet a log that exists is found and its events
    /// folded before the batch's; a job whose log exists goes on from it; and when an existing
    /// log makes the batch invalid (a second `created`), nothing changes, and no empty log is left
    /// for the batch's new jobs.
    @Test func aBatchOfJobsTheStoreHasNotSeenFindsTheirLogs() throws {
        let directory = Logs.temporaryDirectory()
        let first = Ledger(store: try DirectoryStore(directory: directory, durability: .none))
        let (old, other) = (try JobID("old"), try JobID("other"))
        try first.append(Logs.created(), to: old, at: Logs.at(0))
        try first.append(Logs.created(), to: other, at: Logs.at(0))
        let before = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        let bytes = { (job: JobID) in FileManager.default.contents(atPath: directory + "/" + job.fileName) }
        let oldBytes = bytes(old)

        // A second `created` for `old` is valid for a new job, but `old` has a log.
        let fresh = Ledger(store: try DirectoryStore(directory: directory, durability: .fsync))
        let new = try JobID("new")
        do {
            _ = try fresh.append(batch: [
                (new, [PendingEvent(Logs.created(), at: Logs.at(1))]), (old, [PendingEvent(Logs.created(), at: Logs.at(1))]),
            ])
            Issue.record("a second created for an existing log was accepted")
        } catch {
            #expect(error.job == old.rawValue, "\(error)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == before, "no empty log left for \(new)")
        #expect(bytes(old) == oldBytes)

        // Through another fresh store object: `queued` is not valid for a new job, so `other`'s
        // log is looked for first; `new` is created; `old` goes on from its log.
        let again = Ledger(store: try DirectoryStore(directory: directory, durability: .fsync))
        let recorded = try again.append(batch: [
            (new, [PendingEvent(Logs.created(), at: Logs.at(2))]), (other, [PendingEvent(.queued, at: Logs.at(2))]),
            (old, [PendingEvent(.queued, at: Logs.at(2))]),
        ])
        #expect(recorded.map(\.seq) == [1, 2, 2])
        #expect(try first.events(of: old).map(\.event.type) == [.created, .queued])
        #expect(try first.events(of: other).map(\.event.type) == [.created, .queued])
        #expect(try first.events(of: new).map(\.event.type) == [.created])
    }

    @Test func tornTailsAccumulateAndAreReported() throws {
        let directory = Logs.temporaryDirectory()
        let log = bytes(Logs.reaching(.queued))
        let path = write(log + Array(#"{"seq":3,"at":"20"#.utf8), to: directory)
        let reports = TornReports()
        let store = try DirectoryStore(directory: directory, onTornWrite: { reports.add($0) })
        #expect(try store.state(of: job)?.phase == .queued)
        #expect(reports.all == [TornWrite(file: path, line: 3, byteCount: 17, moved: true)])
        let ledger = Ledger(store: store)
        try ledger.append(.trainingStarted(resources: nil), to: job, at: Logs.at(5))
        // A second crash, a second fragment.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        handle.seekToEndOfFile()
        handle.write(Data("{\"seq\":4".utf8))
        try handle.close()
        let again = try DirectoryStore(directory: directory)
        #expect(try again.state(of: job)?.seq == 3)
        #expect(String(decoding: FileManager.default.contents(atPath: path + ".torn")!, as: UTF8.self) == "{\"seq\":3,\"at\":\"20\n{\"seq\":4\n")
    }

    @Test func readOnlyStoresNeverWrite() throws {
        let directory = Logs.temporaryDirectory()
        let torn = bytes(Logs.reaching(.queued)) + Array("{\"se".utf8)
        let path = write(torn, to: directory)
        let reports = TornReports()
        let store = try DirectoryStore(directory: directory, mode: .readOnly, onTornWrite: { reports.add($0) })
        #expect(try store.state(of: job)?.phase == .queued)
        #expect(try store.events(of: job).count == 2)
        #expect(FileManager.default.contents(atPath: path) == Data(torn))
        #expect(FileManager.default.fileExists(atPath: path + ".torn") == false)
        #expect(reports.all == [TornWrite(file: path, line: 3, byteCount: 4, moved: false)])
        #expect(throws: JobLedgerError.self) { try Ledger(store: store).append(.trainingStarted(resources: nil), to: job) }
        #expect(throws: JobLedgerError.self) { try DirectoryStore(directory: directory + "/missing", mode: .readOnly) }
    }

    /// A flipped byte in a middle line is reported with that line, and nothing is changed.
    @Test func flippedByteIsReportedWithItsLine() throws {
        let events = Logs.reaching(.completed)
        let log = bytes(events)
        let lineStarts = [0] + log.indices.filter { log[$0] == UInt8(ascii: "\n") }.map { $0 + 1 }
        let middle = 4  // 1-based line number
        let directory = Logs.temporaryDirectory()
        var structuralErrors = 0
        for offset in lineStarts[middle - 1]..<(lineStarts[middle] - 1) {
            var damaged = log
            damaged[offset] ^= 0x01
            let path = write(damaged, to: directory)
            let structural = "{}:,\"".utf8.contains(log[offset])
            do {
                _ = try DirectoryStore(directory: directory).state(of: job)
            } catch {
                // A flip that breaks the line is reported at it; one that leaves a well-formed but
                // different value (a later `at`) may only show at the next line. Never earlier.
                #expect(structural ? error.line == middle : (error.line ?? 0) >= middle, "flip at \(offset): \(error)")
                #expect(error.file == path)
                if structural && error.line == middle { structuralErrors += 1 }
            }
            #expect(FileManager.default.contents(atPath: path) == Data(damaged), "nothing is changed")
        }
        let structural = log[lineStarts[middle - 1]..<(lineStarts[middle] - 1)].filter { "{}:,\"".utf8.contains($0) }.count
        #expect(structuralErrors == structural)
    }

    @Test(arguments: [
        ("gap", #"{"seq":3,"at":"2026-11-18T11:06:42Z","job":"j-1","type":"trainingStarted"}"#, "job j-1: seq 3 leaves a gap (expected 2)"),
        ("repeat", #"{"seq":1,"at":"2026-11-18T11:06:42Z","job":"j-1","type":"queued"}"#, "job j-1: seq 1 repeats or goes back (expected 2)"),
        ("foreign", #"{"seq":2,"at":"2026-11-18T11:06:42Z","job":"j-2","type":"queued"}"#, "job j-1: a line of job j-2 in the log of job j-1 (a per-job file holds one job)"),
        ("illegal", #"{"seq":2,"at":"2026-11-18T11:06:42Z","job":"j-1","type":"completed","model":"m"}"#, "job j-1: illegal transition: completed in phase initialized (legal from trained, uploadingModel)"),
        ("garbage", #"{"seq":2,"at""#, "job j-1: invalid JSON at column 14: expected ':' after key"),
        ("blank", "", "job j-1: invalid JSON at column 1: expected a JSON object"),
    ])
    func corruptLinesAreErrorsWithFileAndLine(_ name: String, _ line: String, _ message: String) throws {
        let directory = Logs.temporaryDirectory()
        let log = bytes([Logs.created()]) + Array((line + "\n").utf8) + bytes([.queued]).dropFirst(0)
        let path = write(log, to: directory)
        let error = try #require(throws: JobLedgerError.self) { try DirectoryStore(directory: directory).state(of: job) }
        #expect(error.description == "\(path):2: \(message)")
        let appendError = try #require(throws: JobLedgerError.self) { try Ledger(store: try DirectoryStore(directory: directory)).append(.queued, to: job) }
        #expect(appendError.line == 2)
        #expect(FileManager.default.contents(atPath: path) == Data(log))
    }

    @Test func invalidUTF8InALog() throws {
        let directory = Logs.temporaryDirectory()
        var line = Array(#"{"seq":1,"at":"2026-11-18T11:06:40Z","job":"j-1","type":"created","origin":"api","name":"ab"}"#.utf8)
        line[line.count - 3] = 0xFF
        _ = write(line + [10], to: directory)
        let error = try #require(throws: JobLedgerError.self) { try DirectoryStore(directory: directory).state(of: job) }
        #expect(error.code == .corruptLog)
        #expect(error.message.contains("invalid UTF-8"))
        #expect(error.line == 1)
    }

    /// A rejected append leaves the file byte for byte as it was.
    @Test func rejectedAppendLeavesTheFileUnchanged() throws {
        let directory = Logs.temporaryDirectory()
        let ledger = try Logs.ledger(Logs.reaching(.training), ledger: try Ledger(directory: directory))
        let path = directory + "/j-1.jsonl"
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let attempts: [PendingEvent] = [
            PendingEvent(.completed(model: "m"), at: Logs.at(20)),  // illegal
            PendingEvent(.progressed(percent: 5, epoch: nil), at: Logs.at(20)),  // percent decreases
            PendingEvent(.progressed(percent: 500, epoch: nil), at: Logs.at(20)),  // invalid
            PendingEvent(.progressed(percent: 50, epoch: nil), at: Logs.t0),  // at goes back
            PendingEvent(Logs.created(), at: Logs.at(20)),  // a second created
        ]
        for attempt in attempts {
            #expect(throws: JobLedgerError.self) { try ledger.append(attempt.event, to: job, at: attempt.at) }
            let after = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(fnv1a(after) == fnv1a(before))
            #expect(after == before)
        }
    }

    @Test func jobIdsNeverBecomePaths() throws {
        let directory = Logs.temporaryDirectory()
        for bad in ["../escape", "a/b", ".hidden", ""] {
            let error = try #require(throws: JobLedgerError.self) { try JobID(bad) }
            #expect(error.code == .invalidJobID)
        }
        // Files that are not job logs are not jobs.
        #expect(FileManager.default.createFile(atPath: directory + "/notes.txt", contents: Data("x".utf8)))
        #expect(FileManager.default.createFile(atPath: directory + "/.hidden.jsonl", contents: Data()))
        #expect(try DirectoryStore(directory: directory).jobIDs() == [])
    }
}

func fnv1a(_ data: Data) -> UInt64 {
    data.reduce(0xcbf2_9ce4_8422_2325 as UInt64) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
}

import Synchronization

final class TornReports: Sendable {
    private let reports = Mutex<[TornWrite]>([])
    func add(_ report: TornWrite) { reports.withLock { $0.append(report) } }
    var all: [TornWrite] { reports.withLock { $0 } }
}
