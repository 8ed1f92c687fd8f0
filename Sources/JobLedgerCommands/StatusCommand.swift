import JobLedger

enum StatusCommand: Command {
    static let name = "status"
    static let usage = "jobledger status DIR JOB [--vocabulary V]…"
    static let summary = "Print one job's projections: the same object as a replay line."
    static let details = """
        options:
        \(vocabularyOptionHelp)

        """
    static let options: Set<String> = ["vocabulary"]

    static func run(_ arguments: Arguments, _ out: inout Output) throws(UsageError) -> ExitCode {
        try arguments.expect(["DIR", "JOB"])
        let job = try jobID(arguments.positionals[1])
        let vocabularies = try arguments.vocabularies()
        do {
            let ledger = try readOnlyLedger(arguments.positionals[0])
            out.json(try ledger.status(of: job, vocabularies: vocabularies))
            return .success
        } catch {
            return report(error)
        }
    }
}

enum ListCommand: Command {
    static let name = "list"
    static let usage = "jobledger list DIR [--limit N] [--cursor C]"
    static let summary = "Print Novita's task list of the jobs in DIR, newest first."
    static let details = """
        Prints {"tasks": [...], "pagination": {"next_cursor": C}}: tasks by created_at descending,
        then job id. A job whose log cannot be read is listed as UNKNOWN and its error printed on
        stderr (exit status 1).

        options:
          --limit N    tasks per page, 1…100 (default 10)
          --cursor C   where the page starts: c_<offset> as next_cursor gave it (default c_0)

        """
    static let options: Set<String> = ["limit", "cursor"]

    static func run(_ arguments: Arguments, _ out: inout Output) throws(UsageError) -> ExitCode {
        try arguments.expect(["DIR"])
        let limit = try arguments.integer("limit") ?? NovitaTaskList.defaultLimit
        let cursor = try arguments.single("cursor") ?? ""
        do {
            let listing = try readOnlyLedger(arguments.positionals[0]).list(limit: limit, cursor: cursor)
            out.json(listing.list)
            out.flush()
            for error in listing.unreadable { Output.error(error) }
            return listing.unreadable.isEmpty ? .success : .rejected
        } catch {
            if exitCode(for: error) == .usage { throw UsageError(message: error.message) }
            return report(error)
        }
    }
}

enum CheckCommand: Command {
    static let name = "check"
    static let usage = "jobledger check DIR JOB"
    static let summary = "Sestek's progress check, publication rule included; prints the Sestek response."
    static let details = """
        For a job created with origin api that is completed with inference none, the check appends
        publicationStarted (trigger progressCheck) before it answers, so the answer shows
        "inferenceStatus": "Pending". Any other check changes nothing.

        """
    static let options: Set<String> = []

    static func run(_ arguments: Arguments, _ out: inout Output) throws(UsageError) -> ExitCode {
        try arguments.expect(["DIR", "JOB"])
        let job = try jobID(arguments.positionals[1])
        do {
            out.json(try writableLedger(arguments.positionals[0], createDirectory: false).checkProgress(job))
            return .success
        } catch {
            return report(error)
        }
    }
}

enum RecoverCommand: Command {
    static let name = "recover"
    static let usage = "jobledger recover DIR"
    static let summary = "Puts back the appends a machine crash left only in a directory store's journal."
    static let details = """
        A durable directory store makes the appends of several jobs durable together through a
        journal in DIR/.jobledger (docs/log-format.md, "The journal"). After a machine crash, a log
        may lack appends that were acknowledged: opening the store for writing (a server, append,
        check, or this command) puts them back from the journal, byte for byte. replay, verify and
        the other read-only commands change nothing: they refuse a directory that needs this and
        name it. Prints {"restored": N}, the appends written back (0: nothing was missing).

        """
    static let options: Set<String> = []

    /// The command's answer.
    struct Restored: JSONRenderable {
        let count: Int
        func write(to writer: inout JSONWriter) {
            writer.beginObject()
            writer.key("restored")
            writer.int(count)
            writer.endObject()
        }
    }

    static func run(_ arguments: Arguments, _ out: inout Output) throws(UsageError) -> ExitCode {
        try arguments.expect(["DIR"])
        let directory = arguments.positionals[0]
        do throws(JobLedgerError) {
            out.json(Restored(count: try JournalRecovery.recover(directory: directory)))
            return .success
        } catch {
            return report(error)
        }
    }
}
