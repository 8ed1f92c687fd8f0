import JobLedger

enum ReplayCommand: Command {
    static let name = "replay"
    static let usage = "jobledger replay PATH… [--vocabulary V]… [--at SEQ]"
    static let summary = "Replay log files or directories and print every job's projections as JSON Lines."
    static let details = """
        Prints one JSON object per job, the job's id and then every vocabulary under its name:
          {"job": ID, \(Vocabulary.allCases.map { "\"\($0)\": {…}" }.joined(separator: ", "))}
        A directory stands for the *.jsonl files below it. A rejected log is named on stderr and
        the other jobs still print (exit status 1). A torn write (a cut last line or batch) is ignored with a note.

        options:
        \(vocabularyOptionHelp)
          --at SEQ         each job as of event SEQ (time travel); later lines are still checked

        """
    static let options: Set<String> = ["vocabulary", "at"]

    static func run(_ arguments: Arguments, _ out: inout Output) throws(UsageError) -> ExitCode {
        guard !arguments.positionals.isEmpty else { throw UsageError(message: "missing PATH") }
        let vocabularies = try arguments.vocabularies()
        let asOf = try arguments.integer("at")
        if let asOf, asOf < 1 { throw UsageError(message: "--at must be 1 or more (a job's first event is seq 1)") }
        var writer = JSONWriter(capacity: 1 << 20)
        var output = out
        let summary = replay(
            arguments.positionals, asOf: asOf,
            emit: { state in
                ProjectionLine(state, vocabularies: vocabularies).write(to: &writer)
                writer.bytes.append(UInt8(ascii: "\n"))
                if writer.bytes.count >= 1 << 20 {
                    output.write(writer.bytes)
                    writer.bytes.removeAll(keepingCapacity: true)
                }
            },
            reject: { error in
                output.write(writer.bytes)
                writer.bytes.removeAll(keepingCapacity: true)
                output.flush()
                Output.error(error)
            },
            torn: { Output.error($0.description) })
        output.write(writer.bytes)
        out = output
        return summary.problems == 0 ? .success : .rejected
    }
}

enum VerifyCommand: Command {
    static let name = "verify"
    static let usage = "jobledger verify PATH…"
    static let summary = "Check every log: each line parses, seq runs 1, 2, 3 …, every transition is legal."
    static let details = """
        Lists every problem on stderr as `jobledger: FILE:LINE: message` (the first problem of each
        job; a damaged log rejects its job only) and prints a summary line. Exit status 1 if any
        log is rejected. A torn write is not a problem: it was never acknowledged.

        """
    static let options: Set<String> = []

    static func run(_ arguments: Arguments, _ out: inout Output) throws(UsageError) -> ExitCode {
        guard !arguments.positionals.isEmpty else { throw UsageError(message: "missing PATH") }
        let summary = replay(
            arguments.positionals, asOf: nil, emit: { _ in }, reject: { Output.error($0) }, torn: { Output.error($0.description) })
        func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
        out.line(
            "\(summary.problems == 0 ? "ok" : "rejected"): \(count(summary.files, "file")), \(count(summary.lines, "line")), "
                + "\(count(summary.jobs, "job")) replayed, \(count(summary.problems, "problem"))")
        return summary.problems == 0 ? .success : .rejected
    }
}
