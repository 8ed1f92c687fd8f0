import Foundation
import JobLedger
import Testing

/// Several processes on one job: the per-job file lock (SPEC 3).
@Suite(.serialized) struct MultiProcessTests {
    /// 4 processes × 500 durable appends to one job: 2000 lines, seq 1…2000, no gaps or repeats.
    @Test func fourProcessesAppendingToOneJob() throws {
        let directory = Logs.temporaryDirectory()
        let workers = try (0..<4).map { _ in try Executables.start(Executables.bench, ["append-worker", directory, "shared", "500"]) }
        for worker in workers {
            worker.waitUntilExit()
            #expect(worker.terminationStatus == 0)
        }
        let text = try String(contentsOfFile: directory + "/shared.jsonl", encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2001 && lines.last == "", "2000 complete lines")
        let seqs = try lines.dropLast().map { try RecordedEvent(jsonLine: String($0)).seq }
        #expect(seqs == Array(1...2000))
        let ledger = Ledger(store: try DirectoryStore(directory: directory, mode: .readOnly))
        #expect(try ledger.state(of: try JobID("shared")).seq == 2000)
    }

    /// 16 processes check the same completed API job at once: one publicationStarted.
    @Test func sixteenProcessesCheckingOnce() throws {
        let directory = Logs.temporaryDirectory()
        _ = try Logs.ledger(Logs.reaching(.completed), ledger: try Ledger(directory: directory))
        let checks = try (0..<16).map { _ in try Executables.start(Executables.jobledger, ["check", directory, "j-1"]) }
        for check in checks {
            check.waitUntilExit()
            #expect(check.terminationStatus == 0)
        }
        let events = try Ledger(directory: directory).events(of: try JobID("j-1"))
        #expect(events.filter { $0.event.type == .publicationStarted }.count == 1)
        #expect(events.last?.event == .publicationStarted(trigger: .progressCheck))
    }
}
