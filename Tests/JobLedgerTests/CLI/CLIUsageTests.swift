import Foundation
import Testing

/// Bad input to every command: exit 1 or 2, a clear message on stderr, nothing on stdout, and no
/// file changed.
@Suite struct CLIUsageTests {
    /// (arguments, exit status, the first stderr line)
    static let cases: [([String], Int32, String)] = [
        ([], 2, "jobledger: missing command"),
        (["launch"], 2, "jobledger: unknown command launch"),
        (["replay"], 2, "jobledger: missing PATH"),
        (["replay", "DIR", "--vocabulary", "azure"], 2, "jobledger: unknown vocabulary azure (one of sestek, nupic, llama-stack, novita, bluesight, sagemaker, vertex, kubeflow, mlflow, openai)"),
        (["replay", "DIR", "--at", "0"], 2, "jobledger: --at must be 1 or more (a job's first event is seq 1)"),
        (["replay", "DIR", "--at", "x"], 2, "jobledger: --at must be an integer, not x"),
        (["replay", "DIR", "--colour"], 2, "jobledger: unknown option --colour"),
        (["replay", "DIR", "--vocabulary"], 2, "jobledger: --vocabulary needs a value"),
        (["replay", "DIR/missing"], 1, "jobledger: DIR/missing: no such file or directory"),
        (["replay", "DIR", "--threads", "0"], 2, "jobledger: --threads must be 1 or more"),
        (["verify", "DIR", "--threads", "many"], 2, "jobledger: --threads must be an integer, not many"),
        (["status", "DIR"], 2, "jobledger: missing JOB"),
        (["status", "DIR", "a/b"], 2, "jobledger: invalid job id \"a/b\": character 2 is '/'; only A-Z a-z 0-9 . _ - are allowed"),
        (["status", "DIR", "nobody"], 1, "jobledger: job nobody: unknown job: no events"),
        (["status", "DIR", "queued", "extra"], 2, "jobledger: unexpected argument extra"),
        (["status", "DIR", "queued", "--vocabulary", "x"], 2, "jobledger: unknown vocabulary x (one of sestek, nupic, llama-stack, novita, bluesight, sagemaker, vertex, kubeflow, mlflow, openai)"),
        (["list", "DIR", "--limit", "0"], 2, "jobledger: limit 0 is outside 1…100"),
        (["list", "DIR", "--limit", "101"], 2, "jobledger: limit 101 is outside 1…100"),
        (["list", "DIR", "--limit", "ten"], 2, "jobledger: --limit must be an integer, not ten"),
        (["list", "DIR", "--cursor", "10"], 2, "jobledger: cursor \"10\" is not c_<offset> (e.g. c_0, c_10)"),
        (["list", "DIR", "--limit", "5", "--limit", "6"], 2, "jobledger: --limit is given more than once"),
        (["history", "DIR", ".hidden"], 2, "jobledger: invalid job id \".hidden\": it starts with '.'"),
        (["history", "DIR", "nobody"], 1, "jobledger: job nobody: unknown job: no events"),
        (["append", "DIR", "queued", "launched"], 1, "jobledger: job queued: unknown event type \"launched\""),
        (["append", "DIR", "queued", "progressed", "percent=forty"], 1, "jobledger: job queued: field percent must be an integer, found a string"),
        (["append", "DIR", "queued", "trainingStarted", "resources=4"], 1, "jobledger: job queued: field resources must be an object, found a number"),
        (["append", "DIR", "queued", "completed", "model=m"], 1, "jobledger: DIR/queued.jsonl:3: job queued: illegal transition: completed in phase queued (legal from trained, uploadingModel)"),
        (["append", "DIR", "queued", "queued", "seq=9"], 1, "jobledger: job queued: seq is not an event field (the ledger assigns seq; job and type are given apart)"),
        (["append", "DIR", "queued", "queued", "oops"], 2, "jobledger: expected key=value, not oops"),
        (["append", "DIR", "queued"], 2, "jobledger: missing TYPE"),
        (["append", "DIR", "nobody", "queued"], 1, "jobledger: job nobody: unknown job: it has no events, so its first must be created, not queued"),
        (["append", "DIR", "../x", "created", "origin=api"], 2, "jobledger: invalid job id \"../x\": it starts with '.'"),
        (["check", "DIR", "nobody"], 1, "jobledger: job nobody: unknown job: no events"),
        (["check", "DIR/missing", "queued"], 1, "jobledger: DIR/missing: no such directory"),
        (["diagram", "--format", "svg"], 2, "jobledger: unknown format svg (mermaid or dot)"),
        (["verify"], 2, "jobledger: missing PATH"),
    ]

    static func snapshot(_ directory: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            files[name] = FileManager.default.contents(atPath: directory + "/" + name)
        }
        return files
    }

    @Test(arguments: cases.indices)
    func badInput(_ index: Int) throws {
        let (arguments, status, message) = Self.cases[index]
        let directory = try CLIGoldenTests.copy("Fixtures/logs/lifecycle")
        let before = try Self.snapshot(directory)
        let concrete = arguments.map { $0.replacingOccurrences(of: "DIR", with: directory) }
        let result = try Executables.run(Executables.jobledger, concrete)
        #expect(result.status == status, "\(arguments): \(result.stderr)")
        #expect(result.stdout == "")
        let first = result.stderr.split(separator: "\n").first.map(String.init)?.replacingOccurrences(of: directory, with: "DIR")
        #expect(first == message)
        if status == 2 && !arguments.isEmpty && arguments[0] != "launch" {
            #expect(result.stderr.contains("jobledger: usage: jobledger "), "a usage error shows the usage line")
        }
        #expect(try Self.snapshot(directory) == before, "no file changed")
        #expect(!FileManager.default.fileExists(atPath: directory + "/nobody.jsonl"))
    }

    @Test(arguments: ["replay", "status", "list", "history", "append", "check", "verify", "diagram", "recover"])
    func everyCommandHasHelp(_ command: String) throws {
        let result = try Executables.jobledger(command, "--help")
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("usage: jobledger \(command)"))
        #expect(result.stderr == "")
    }

    @Test func overviewHelp() throws {
        let result = try Executables.jobledger("--help")
        #expect(result.status == 0)
        for command in ["replay", "status", "list", "history", "append", "check", "verify", "diagram", "recover"] {
            #expect(result.stdout.contains("  \(command) "))
        }
    }
}
