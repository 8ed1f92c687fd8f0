import JobLedger

enum HistoryCommand: Command {
    static let name = "history"
    static let usage = "jobledger history DIR JOB"
    static let summary = "Print a job's events as a table: seq, time, type, phase after it, fields."
    static let details = """
        Fields are shown as key=value, the way `append` takes them. The phase column is the
        lifecycle phase after the event, with the inference and model import status once they
        leave none.

        """
    static let options: Set<String> = []

    static func run(_ arguments: Arguments, _ out: inout Output) throws(UsageError) -> ExitCode {
        try arguments.expect(["DIR", "JOB"])
        let job = try jobID(arguments.positionals[1])
        do {
            let events = try readOnlyLedger(arguments.positionals[0]).events(of: job)
            for line in try HistoryTable(events).lines { out.line(line) }
            return .success
        } catch {
            return report(error)
        }
    }
}
