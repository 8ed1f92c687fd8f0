import Foundation
#if canImport(Glibc)
import Glibc
#endif
import JobLedger
import Testing

@testable import JobLedgerPostgres

extension PostgresTests {
    /// The backend killed while an append holds its transaction open: `io_error`, nothing of the
    /// batch written, and the next call connects again.
    @Test func backendKilledMidAppend() throws {
        let name = "victim-" + UUID().uuidString.prefix(8).lowercased()
        let url = try Database.freshURL("&application_name=\(name)")
        let store = try PostgresStore(url: url)
        let job = try JobID("victim")
        let ledger = Ledger(store: store)
        try ledger.append(.created(Creation(origin: .api, name: "v")), to: job)
        let error = try #require(throws: JobLedgerError.self) {
            _ = try store.update(job) { state throws(JobLedgerError) -> Decision<Void> in
                // Under the job's lock, in the open transaction: kill this very backend.
                do {
                    let killed = try Database.admin { admin in
                        try admin.queryOnce(
                            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE application_name = $1) t",
                            [name]
                        ).string(0, 0)
                    }
                    #expect(killed == "1")
                } catch { Issue.record("\(error)") }
                return Decision(append: [PendingEvent(.queued), PendingEvent(.trainingStarted(resources: nil))])
            }
        }
        #expect(error.code == .io)
        #expect(error.job == "victim")
        // Nothing half written; the next calls reconnect and work.
        #expect(try ledger.events(of: job).count == 1)
        let recorded = try ledger.append(.queued, to: job)
        #expect(recorded.seq == 2)
        #expect(try ledger.state(of: job).phase == .queued)
    }

    /// The server stopped: calls fail cleanly with `io_error`; started again: they work, on the
    /// same store (its pooled connections reconnect).
    @Test func serverStoppedAndStarted() throws {
        let control = try Database.required("JOBLEDGER_POSTGRES_CTL", "a script that stops and starts the test server")
        let store = try Database.store()
        let ledger = Ledger(store: store)
        let job = try JobID("restart")
        try ledger.append(.created(Creation(origin: .api, name: "r")), to: job)
        #expect(serverControl(control, "stop") == 0)
        var restarted = false
        defer {
            if !restarted { _ = serverControl(control, "start") }
        }
        for _ in 0..<2 {
            let append = try #require(throws: JobLedgerError.self) { try ledger.append(.queued, to: job) }
            #expect(append.code == .io)
            let read = try #require(throws: JobLedgerError.self) { try ledger.events(of: job) }
            #expect(read.code == .io)
        }
        restarted = true
        #expect(serverControl(control, "start") == 0)
        #expect(try ledger.append(.queued, to: job).seq == 2)
        #expect(try ledger.events(of: job).map(\.seq) == [1, 2])
    }

    /// Runs the cluster's control script (`stop` or `start`) and waits for it; its output goes to a
    /// log beside it. With system(3), not Process: the daemon that `pg_ctl start` leaves behind
    /// kept Foundation from ever seeing the script exit.
    private func serverControl(_ control: String, _ action: String) -> Int32 {
        system("'\(control)' \(action) >>'\(control).log' 2>&1")
    }

    /// A wrong password or a missing database: one clear error, the password never in it.
    @Test func badCredentialsAndMissingDatabase() throws {
        let good = try Database.required("JOBLEDGER_POSTGRES_PASSWORD_URL", "a URL of a role with a password, over TCP")
        #expect(throws: Never.self) { _ = try PostgresStore(url: good) }
        let wrong = good.replacingOccurrences(of: ":", with: ":WRONG-", options: [], range: good.range(of: "//")!.upperBound..<good.range(of: "@")!.lowerBound)
        #expect(wrong != good)
        let error = try #require(throws: JobLedgerError.self) { try PostgresStore(url: wrong) }
        #expect(error.code == .io)
        #expect(error.message.contains("password authentication failed"))
        #expect(!error.description.contains("WRONG"))
        #expect(!error.description.contains("\n"))
        // The CLI says the same in one line.
        let cli = try Executables.run(Executables.cli, ["status", wrong, "j-1"])
        #expect(cli.status == 1)
        #expect(cli.stderr.split(separator: "\n").count == 1)
        #expect(cli.stderr.contains("password authentication failed") && !cli.stderr.contains("WRONG"))

        let url = try Database.url()
        let missing = url.replacingOccurrences(of: ":///postgres", with: ":///jobledger_no_such_db")
        #expect(missing != url)
        let noDatabase = try #require(throws: JobLedgerError.self) { try PostgresStore(url: missing) }
        #expect(noDatabase.code == .io)
        #expect(noDatabase.message.contains("database \"jobledger_no_such_db\" does not exist"))
    }

    /// A row damaged behind the store's back: reads and replay name the job and seq; nothing is
    /// appended after it.
    @Test func aCorruptRowIsReportedWithJobAndSeq() throws {
        let url = try Database.freshURL()
        let ledger = Ledger(store: try PostgresStore(url: url))
        let job = try JobID("damaged")
        try ledger.append(.created(Creation(origin: .api, name: "d")), to: job)
        _ = try Database.admin(url) { admin in
            try admin.queryOnce(
                "INSERT INTO jobledger_events (job, seq, line) VALUES ($1, 2, $2)", ["damaged", #"{"seq":2,"job":"damaged","type":"#])
        }
        let read = try #require(throws: JobLedgerError.self) { try ledger.events(of: job) }
        #expect(read.code == .corruptLog)
        #expect(read.job == "damaged" && read.line == 2)
        let append = try #require(throws: JobLedgerError.self) { try ledger.append(.queued, to: job) }
        #expect(append.code == .corruptLog)
        let replay = try Executables.run(Executables.cli, ["verify", url])
        #expect(replay.status == 1)
        #expect(replay.stderr.contains("job damaged") && replay.stderr.contains(":2:"))
        // The log is append-only: the damaged row cannot be rewritten in place either.
        #expect(throws: DatabaseError.self) {
            try Database.admin(url) { admin in try admin.queryOnce("DELETE FROM jobledger_events WHERE job = $1", ["damaged"]) }
        }
    }
}
