import JobLedger

enum AppendCommand: Command {
    static let name = "append"
    static let usage = "jobledger append DIR JOB TYPE [key=value …]"
    static let summary = "Append one validated event to a job's log (created as needed) and print the line."
    static let details = """
        A value that parses as JSON is that JSON (percent=40, config={"epochs":3}, name='"42"'),
        anything else is a string (origin=api). `at` defaults to now (at=2026-11-22T10:00:00Z sets
        it); seq is assigned by the ledger. The append is fsync'ed before the line is printed. An
        event that is invalid or not legal now is rejected (exit status 1) and nothing is written.

        """
    static let options: Set<String> = []

    static func run(_ arguments: Arguments, _ out: inout Output) throws(UsageError) -> ExitCode {
        guard arguments.positionals.count >= 3 else {
            throw UsageError(message: "missing \(["DIR", "JOB", "TYPE"][arguments.positionals.count])")
        }
        let job = try jobID(arguments.positionals[1])
        var fields = JSONObject()
        for pair in arguments.positionals.dropFirst(3) {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw UsageError(message: "expected key=value, not \(pair)")
            }
            let key = String(pair[..<equals])
            guard fields[key] == nil else { throw UsageError(message: "\(key) is given more than once") }
            fields[key] = JSONValue(commandLineValue: String(pair[pair.index(after: equals)...]))
        }
        do {
            let pending = try PendingEvent(type: arguments.positionals[2], fields: fields)
            let recorded = try writableLedger(arguments.positionals[0], createDirectory: true)
                .append(pending.event, to: job, at: fields["at"] == nil ? nil : pending.at)  // now, under the lock
            out.write(Array(recorded.jsonLine.utf8))
            return .success
        } catch {
            return report(error.about(job: job.rawValue))
        }
    }
}

enum DiagramCommand: Command {
    static let name = "diagram"
    static let usage = "jobledger diagram [--format mermaid|dot]"
    static let summary = "Draw the lifecycle and the inference and model import sub-machines from the transition table."
    static let details = """
        options:
          --format F   mermaid (default; a stateDiagram-v2) or dot (Graphviz)

        """
    static let options: Set<String> = ["format"]

    static func run(_ arguments: Arguments, _ out: inout Output) throws(UsageError) -> ExitCode {
        try arguments.expect([])
        let name = try arguments.single("format") ?? "mermaid"
        guard let format = Diagram.Format(rawValue: name) else {
            throw UsageError(message: "unknown format \(name) (mermaid or dot)")
        }
        out.write(Array(Diagram.render(format).utf8))
        return .success
    }
}
