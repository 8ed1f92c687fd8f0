import Foundation
import JobLedger
import Testing

/// Novita's UNKNOWN (seed 003, SPEC 2): what the list shows for a job whose log cannot be read,
/// with the reason beside it, so one damaged log never hides the others.
@Suite struct NovitaListTests {
    @Test func aDamagedLogIsListedAsUnknown() throws {
        let directory = Logs.temporaryDirectory()
        let ledger = try Logs.ledger(Logs.reaching(.completed), job: "good-1", ledger: try Ledger(directory: directory))
        _ = try Logs.ledger(Logs.reaching(.queued), job: "good-2", ledger: ledger)
        var damaged = Array(RecordedEvent(seq: 1, at: Logs.t0, job: try JobID("bad"), event: Logs.created()).jsonLine.utf8)
        damaged += Array(#"{"seq":3,"at":"2026-11-18T11:06:41Z","job":"bad","type":"queued"}"#.utf8) + [10]
        #expect(FileManager.default.createFile(atPath: directory + "/bad.jsonl", contents: Data(damaged)))

        let listing = try Ledger(store: try DirectoryStore(directory: directory, mode: .readOnly)).list(limit: 10)
        #expect(listing.list.tasks.map(\.taskID) == ["good-1", "good-2", "bad"])
        let unknown = try #require(listing.list.tasks.last)
        #expect(unknown == NovitaTask.unknown(job: "bad"))
        #expect(unknown.taskStatus == .unknown)
        #expect(unknown.json == #"{"task_name":"","task_id":"bad","task_type":"","task_status":"UNKNOWN","created_at":0,"models":[]}"#)
        #expect(listing.unreadable.count == 1)
        #expect(listing.unreadable[0].description == "\(directory)/bad.jsonl:2: job bad: seq 3 leaves a gap (expected 2)")
    }

    @Test func emptyLogsAreNoJobs() throws {
        let directory = Logs.temporaryDirectory()
        #expect(FileManager.default.createFile(atPath: directory + "/empty.jsonl", contents: Data()))
        let ledger = try Ledger(directory: directory)
        #expect(try ledger.jobs() == [])
        #expect(try ledger.list().list.tasks == [])
    }
}
