import Foundation
import JobLedger
import JobLedgerStoreContract
import Testing

@testable import JobLedgerPostgres

extension PostgresTests {
    /// Text that would break SQL built from strings travels as parameters and comes back
    /// unchanged: quotes, backslashes, `\u0000`, newlines, non-ASCII. A job id with a quote never
    /// reaches the database.
    @Test func hostileTextTravelsAsParameters() throws {
        let url = try Database.freshURL()
        let ledger = Ledger(store: try PostgresStore(url: url))
        let evil = "x'); DROP TABLE jobledger_events; -- \"q\" \\ \\\\ \u{0000} \\u0000 \n\t Zürich 東京 🚀 $1 $$"
        let job = try JobID("evil-1")
        let events: [Event] = [
            .created(Creation(origin: .api, name: evil, task: "t'\"\\", hyperparameters: ["k'\"": .string(evil)])),
            .configured(config: [evil: .string(evil)]),
            .failed(error: evil),
        ]
        for (i, event) in events.enumerated() { try ledger.append(event, to: job, at: Logs.at(i)) }
        let read = try ledger.events(of: job)
        #expect(read.map(\.event) == events)
        #expect(try ledger.state(of: job).error == evil)

        // The stored lines are the directory store's bytes.
        let directory = Logs.temporaryDirectory()
        let files = try Ledger(directory: directory, durability: .none)
        for (i, event) in events.enumerated() { try files.append(event, to: job, at: Logs.at(i)) }
        let fileBytes = try String(contentsOfFile: directory + "/evil-1.jsonl", encoding: .utf8)
        let stored = try Database.admin(url) { admin in
            let rows = try admin.queryOnce("SELECT line FROM jobledger_events WHERE job = $1 ORDER BY seq", [job.rawValue])
            return (0..<rows.count).map { rows.string($0, 0) + "\n" }.joined()
        }
        #expect(stored == fileBytes)

        // Replay streams the lines through COPY, whose escapes it undoes: the same projections.
        let fromDatabase = try Executables.run(Executables.cli, ["replay", url])
        let fromFiles = try Executables.run(Executables.cli, ["replay", directory])
        #expect(fromDatabase.status == 0, "\(fromDatabase.stderr)")
        #expect(fromDatabase.stdout == fromFiles.stdout)
        #expect(fromDatabase.stdout.contains("DROP TABLE"))

        // Job ids are checked before anything is sent.
        for bad in ["x'y", "a\"b", "a\\b", "é", "a b"] {
            let cli = try Executables.run(Executables.cli, ["append", url, bad, "created", "origin=api"])
            #expect(cli.status == 2, "\(bad)")
            #expect(cli.stderr.contains("invalid job id"))
        }
        #expect(try ledger.jobs() == [job])
    }

    /// `copy` moves every log between a directory and a database, either way, byte for byte;
    /// never over an existing job; and the CLI reads a database as it reads a directory.
    @Test func copyBothWaysAndTheCommandsOnAURL() throws {
        let source = Logs.temporaryDirectory()
        let files = try Ledger(directory: source, durability: .none)
        for n in 0..<5 {
            let job = try JobID("job-\(n)")
            for (i, event) in Logs.reaching(n % 2 == 0 ? .completed : .training).enumerated() {
                try files.append(event, to: job, at: Logs.at(i))
            }
        }
        let url = try Database.freshURL()
        let toDatabase = try Executables.run(Executables.cli, ["copy", source, url])
        #expect(toDatabase.status == 0, "\(toDatabase.stderr)")
        #expect(toDatabase.stdout == "copied 5 jobs, 21 events\n")
        #expect(toDatabase.stderr == "")  // no progress line: stderr is not a terminal

        // Every command reads the database as it reads the directory.
        for arguments in [["replay", "LOC"], ["replay", "LOC", "--at", "2", "--vocabulary", "nupic"], ["verify", "LOC"], ["status", "LOC", "job-2"], ["history", "LOC", "job-1"], ["list", "LOC"]] {
            let fromFiles = try Executables.run(Executables.cli, arguments.map { $0 == "LOC" ? source : $0 })
            let fromDatabase = try Executables.run(Executables.cli, arguments.map { $0 == "LOC" ? url : $0 })
            #expect(fromDatabase.status == 0, "\(arguments): \(fromDatabase.stderr)")
            if arguments[0] == "verify" {
                #expect(fromDatabase.stdout == "ok: 1 file, 21 lines, 5 jobs replayed, 0 problems\n")
            } else {
                #expect(fromDatabase.stdout == fromFiles.stdout, "\(arguments)")
            }
        }

        // Back to a new directory: the same lines, byte for byte. (A job is copied as one append,
        // and a directory store frames the lines of an append but its last with a tab before the
        // newline; the source was written an event at a time, unframed.)
        let back = Logs.temporaryDirectory()
        let toFiles = try Executables.run(Executables.cli, ["copy", url, back])
        #expect(toFiles.status == 0, "\(toFiles.stderr)")
        func lines(_ path: String) throws -> String {
            try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "\t\n", with: "\n")
        }
        for n in 0..<5 {
            let name = "/job-\(n).jsonl"
            #expect(try lines(back + name) == lines(source + name))
        }

        // On a terminal (script(1) gives it one), a progress line on stderr, redrawn in place.
        let third = Logs.temporaryDirectory()
        let quoted = [Executables.cli.path, "copy", url, third].map { "'" + $0 + "'" }.joined(separator: " ")
        let onTerminal = try Executables.run(URL(fileURLWithPath: "/usr/bin/script"), ["-qec", quoted, "/dev/null"])
        #expect(onTerminal.status == 0, "\(onTerminal.stdout)")
        #expect(onTerminal.stdout.contains("\rcopying: 5/5 jobs, 21 events"))
        #expect(onTerminal.stdout.contains("copied 5 jobs, 21 events"))

        // Never over an existing job: nothing is copied, and the job is named.
        let ledger = Ledger(store: try PostgresStore(url: url))
        try ledger.append(.cancelled(reason: "x"), to: try JobID("job-1"))
        let again = try Executables.run(Executables.cli, ["copy", source, url])
        #expect(again.status == 1)
        #expect(again.stderr.contains("job job-0") && again.stderr.contains("copy never overwrites a job"))
        #expect(try ledger.state(of: try JobID("job-1")).phase == .cancelled)
        #expect(try ledger.jobs().count == 5)

        // append and check write to the database.
        let appended = try Executables.run(Executables.cli, ["append", url, "job-9", "created", "origin=api", "name=n"])
        #expect(appended.status == 0, "\(appended.stderr)")
        #expect(appended.stdout.contains(#""seq":1"#) && appended.stdout.contains(#""job":"job-9""#))
        let check = try Executables.run(Executables.cli, ["check", url, "job-0"])
        #expect(check.status == 0 && check.stdout.contains(#""inferenceStatus":"Pending""#), "\(check.stderr)")
        #expect(try ledger.events(of: try JobID("job-0")).last?.event == .publicationStarted(trigger: .progressCheck))
    }
}
