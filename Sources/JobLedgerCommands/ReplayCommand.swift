#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JobLedger

enum ReplayCommand: Command {
    static let name = "replay"
    static let usage = "jobledger replay PATH… [--vocabulary V]… [--at SEQ] [--threads N]"
    static let summary = "Replay log files or directories and print every job's projections as JSON Lines."
    static let details = """
        Prints one JSON object per job, the job's id and then every vocabulary under its name:
          {"job": ID, \(Vocabulary.allCases.map { "\"\($0)\": {…}" }.joined(separator: ", "))}
        A directory stands for the *.jsonl files below it. A rejected log is named on stderr and
        the other jobs still print (exit status 1). A torn write (a cut last line or batch) is ignored with a note.

        options:
        \(vocabularyOptionHelp)
          --at SEQ         each job as of event SEQ (time travel); later lines are still checked
        \(threadsOptionHelp)

        """
    static let options: Set<String> = ["vocabulary", "at", "threads"]

    static func run(_ arguments: Arguments, _ out: inout Output) throws(UsageError) -> ExitCode {
        guard !arguments.positionals.isEmpty else { throw UsageError(message: "missing PATH") }
        let vocabularies = try arguments.vocabularies()
        let asOf = try arguments.integer("at")
        if let asOf, asOf < 1 { throw UsageError(message: "--at must be 1 or more (a job's first event is seq 1)") }
        let threads = try arguments.threads()
        var output = out
        var progress = ProgressLine()
        // Each job's line is rendered by the thread that replayed it; here it is only written.
        let render: Replay.Render = { state, bytes in
            ProjectionLine.appendLine(state, vocabularies: vocabularies, to: &bytes)
        }
        let summary = replay(
            arguments.positionals, asOf: asOf, threads: threads, render: render,
            write: { output.write($0) },
            reject: { error in
                output.flush()
                progress.clear()
                Output.error(error)
            },
            torn: {
                progress.clear()
                Output.error($0.description)
            },
            progress: progress.enabled ? { progress.update($0) } : nil)
        progress.clear()
        out = output
        return summary.problems == 0 ? .success : .rejected
    }
}

enum VerifyCommand: Command {
    static let name = "verify"
    static let usage = "jobledger verify PATH… [--threads N]"
    static let summary = "Check every log: each line parses, seq runs 1, 2, 3 …, every transition is legal."
    static let details = """
        Lists every problem on stderr as `jobledger: FILE:LINE: message` (the first problem of each
        job; a damaged log rejects its job only) and prints a summary line. Exit status 1 if any
        log is rejected. A torn write is not a problem: it was never acknowledged.

        options:
        \(threadsOptionHelp)

        """
    static let options: Set<String> = ["threads"]

    static func run(_ arguments: Arguments, _ out: inout Output) throws(UsageError) -> ExitCode {
        guard !arguments.positionals.isEmpty else { throw UsageError(message: "missing PATH") }
        let threads = try arguments.threads()
        var progress = ProgressLine()
        // Nothing is printed per job: an empty rendering lets each state go on the thread that
        // replayed it.
        let summary = replay(
            arguments.positionals, asOf: nil, threads: threads, render: { _, _ in },
            reject: {
                progress.clear()
                Output.error($0)
            },
            torn: {
                progress.clear()
                Output.error($0.description)
            },
            progress: progress.enabled ? { progress.update($0) } : nil)
        progress.clear()
        func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
        out.line(
            "\(summary.problems == 0 ? "ok" : "rejected"): \(count(summary.files, "file")), \(count(summary.lines, "line")), "
                + "\(count(summary.jobs, "job")) replayed, \(count(summary.problems, "problem"))")
        return summary.problems == 0 ? .success : .rejected
    }
}

/// The `--threads` line of `replay --help` and `verify --help`.
let threadsOptionHelp = "  --threads N      replay on N threads (default: one per core, here \(Replay.allCores)); the output is the same"

extension Arguments {
    /// `--threads N`: at least 1; all cores by default.
    func threads() throws(UsageError) -> Int {
        guard let threads = try integer("threads") else { return Replay.allCores }
        guard threads >= 1 else { throw UsageError(message: "--threads must be 1 or more") }
        return threads
    }
}

/// The progress line of a long `replay` or `verify`: on a terminal only, events so far and events
/// per second, rewritten in place (`\r`) every half second, cleared before any other message and
/// at the end. Nothing is shown in the first half second, so a short run shows none.
/// (`JOBLEDGER_PROGRESS_AFTER=SECONDS` moves that first half second: the tests show progress of a
/// run however fast the machine is.)
struct ProgressLine {
    /// Whether stderr is a terminal.
    let enabled = isatty(2) == 1
    private let start = ProgressLine.now()
    private let after = getenv("JOBLEDGER_PROGRESS_AFTER").flatMap { Double(String(cString: $0)) } ?? 0.5
    private var last = -Double.infinity
    private var shown = false

    mutating func update(_ progress: Replay.Progress) {
        guard enabled else { return }
        let now = Self.now()
        guard now - start >= after, now - last >= 0.5 else { return }
        last = now
        let rate = Int(Double(progress.lines) / (now - start))
        write("\r\u{1B}[Kjobledger: \(Self.grouped(progress.lines)) events, \(Self.grouped(rate)) events/s")
        shown = true
    }

    /// Erases the line, if shown.
    mutating func clear() {
        guard shown else { return }
        write("\r\u{1B}[K")
        shown = false
    }

    private func write(_ text: String) {
        _ = text.utf8CString.withUnsafeBufferPointer { Glibc.write(2, $0.baseAddress!, $0.count - 1) }
    }

    /// `1234567` as `1,234,567`.
    static func grouped(_ n: Int) -> String {
        let digits = Array(String(n).utf8)
        var text: [UInt8] = []
        for (i, digit) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { text.append(UInt8(ascii: ",")) }
            text.append(digit)
        }
        return String(decoding: text, as: UTF8.self)
    }

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
