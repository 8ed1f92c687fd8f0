import Foundation
import JobLedger
import Testing

/// Golden tests: `jobledger` run over Fixtures, its whole output compared with
/// Fixtures/expected. `JOBLEDGER_UPDATE_GOLDEN=1 swift test --filter CLIGoldenTests` rewrites the
/// expected files; review the diff before committing it.
@Suite struct CLIGoldenTests {
    /// A command, its exit status and both outputs, as one text (a transcript).
    static func transcript(_ arguments: [String], replacing temporary: String? = nil) throws -> String {
        let result = try Executables.run(Executables.jobledger, arguments)
        var text = "$ jobledger \(arguments.joined(separator: " "))\nexit: \(result.status)\n--- stdout\n\(result.stdout)--- stderr\n\(result.stderr)"
        if let temporary { text = text.replacingOccurrences(of: temporary, with: "$DIR") }
        return text
    }

    static func expect(_ name: String, _ actual: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = Executables.packageRoot.appendingPathComponent("Fixtures/expected/\(name).txt")
        if ProcessInfo.processInfo.environment["JOBLEDGER_UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(actual == expected, "Fixtures/expected/\(name).txt differs", sourceLocation: sourceLocation)
    }

    static let readOnlyCases = handWrittenCases + vocabularyCases

    /// From the registry: every vocabulary's words for every fixture log.
    static let vocabularyCases: [(name: String, arguments: [String])] = Vocabulary.allCases.map { vocabulary in
        ("replay-\(vocabulary)", ["replay", "Fixtures/logs", "--vocabulary", vocabulary.rawValue])
    }

    static let handWrittenCases: [(name: String, arguments: [String])] = [
        ("replay-all", ["replay", "Fixtures/logs"]),
        ("replay-llama-stack-and-novita", ["replay", "Fixtures/logs/llama-stack", "Fixtures/logs/novita-example", "--vocabulary", "llama-stack", "--vocabulary=novita"]),
        ("replay-at-3", ["replay", "Fixtures/logs/lifecycle", "--at", "3", "--vocabulary", "sestek"]),
        ("replay-torn", ["replay", "Fixtures/torn", "--vocabulary", "sestek"]),
        ("replay-damaged-among-good", ["replay", "Fixtures/invalid/damaged-among-good", "--vocabulary", "novita"]),
        ("verify-logs", ["verify", "Fixtures/logs"]),
        ("verify-torn", ["verify", "Fixtures/torn"]),
        ("list-novita-example", ["list", "Fixtures/logs/novita-example"]),
        ("list-page-2", ["list", "Fixtures/logs/lifecycle", "--limit", "5", "--cursor", "c_5"]),
        ("list-past-the-end", ["list", "Fixtures/logs/novita-example", "--cursor", "c_10"]),
        ("list-damaged-among-good", ["list", "Fixtures/invalid/damaged-among-good"]),
        ("status-sestek-example", ["status", "Fixtures/logs/publication", "sestek-example", "--vocabulary", "sestek"]),
        ("status-llama-finetune", ["status", "Fixtures/logs/llama-stack", "llama-finetune"]),
        ("status-bluesight-failed", ["status", "Fixtures/logs/bluesight", "ftjob-bluesight-42", "--vocabulary", "bluesight"]),
        ("status-sagemaker-completed", ["status", "Fixtures/logs/sagemaker", "sm-bert-finetune", "--vocabulary", "sagemaker"]),
        ("status-vertex-running", ["status", "Fixtures/logs/vertex", "vx-resnet-2026", "--vocabulary", "vertex"]),
        ("status-kubeflow-succeeded", ["status", "Fixtures/logs/kubeflow", "pytorch-dist-mnist", "--vocabulary", "kubeflow"]),
        ("status-mlflow-failed", ["status", "Fixtures/logs/mlflow", "mlflow-run-7", "--vocabulary", "mlflow"]),
        ("status-openai-succeeded", ["status", "Fixtures/logs/openai", "ftjob-abc123", "--vocabulary", "openai"]),
        ("history-llama-finetune", ["history", "Fixtures/logs/llama-stack", "llama-finetune"]),
        ("history-nupic-session", ["history", "Fixtures/logs/nupic", "nupic-7c1d0e2f3a4b5c6d"]),
        ("diagram-mermaid", ["diagram"]),
        ("diagram-dot", ["diagram", "--format", "dot"]),
    ]

    @Test(arguments: readOnlyCases.map(\.name))
    func readOnlyCommand(_ name: String) throws {
        let arguments = Self.readOnlyCases.first { $0.name == name }!.arguments
        try Self.expect(name, try Self.transcript(arguments))
    }

    /// docs/lifecycle.md holds exactly what `jobledger diagram` prints, in both formats.
    @Test func diagramsInTheDocsAreTheCodes() throws {
        let doc = try String(contentsOf: Executables.packageRoot.appendingPathComponent("docs/lifecycle.md"), encoding: .utf8)
        func block(_ language: String) -> String? {
            guard let start = doc.ranges(of: "```\(language)\n").first else { return nil }
            let rest = doc[start.upperBound...]
            guard let end = rest.ranges(of: "```").first else { return nil }
            return String(rest[..<end.lowerBound])
        }
        #expect(block("mermaid") == (try Executables.jobledger("diagram").stdout))
        #expect(block("dot") == (try Executables.jobledger("diagram", "--format", "dot").stdout))
    }

    static var invalidCases: [String] {
        let root = Executables.packageRoot.appendingPathComponent("Fixtures/invalid").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted()
    }

    /// Every kind of damage: `verify` exits 1 with exactly the expected message.
    @Test(arguments: invalidCases)
    func verifyInvalid(_ name: String) throws {
        let text = try Self.transcript(["verify", "Fixtures/invalid/\(name)"])
        #expect(text.contains("exit: 1\n"))
        try Self.expect("invalid/\(name)", text)
    }

    @Test func everyInvalidCaseHasItsExpectation() throws {
        #expect(Self.invalidCases.count >= 25)
        for name in Self.invalidCases {
            let url = Executables.packageRoot.appendingPathComponent("Fixtures/expected/invalid/\(name).txt")
            #expect(FileManager.default.fileExists(atPath: url.path), "no expectation for \(name)")
        }
    }

    /// A copy of a fixture directory to change.
    static func copy(_ fixture: String) throws -> String {
        let directory = Logs.temporaryDirectory()
        let source = Executables.packageRoot.appendingPathComponent(fixture).path
        for name in try FileManager.default.contentsOfDirectory(atPath: source) {
            try FileManager.default.copyItem(atPath: source + "/" + name, toPath: directory + "/" + name)
        }
        return directory
    }

    /// The publication rule through the CLI: the first check of a completed api job publishes it
    /// (and says Pending), later checks append nothing, console jobs are never published.
    @Test func checkAppliesThePublicationRule() throws {
        let directory = try Self.copy("Fixtures/logs/publication")
        let log = directory + "/awaiting-check.jsonl"
        let before = try String(contentsOfFile: log, encoding: .utf8)
        var text = try Self.transcript(["check", directory, "awaiting-check"], replacing: directory)
        let afterFirst = try String(contentsOfFile: log, encoding: .utf8)
        text += try Self.transcript(["check", directory, "awaiting-check"], replacing: directory)
        text += try Self.transcript(["check", directory, "publication-failed"], replacing: directory)
        text += try Self.transcript(["check", directory, "sestek-example"], replacing: directory)
        try Self.expect("check-publication-rule", text)
        let appended = afterFirst.dropFirst(before.count)
        #expect(appended.hasPrefix(#"{"seq":5,"#))
        #expect(appended.hasSuffix(#""job":"awaiting-check","type":"publicationStarted","trigger":"progressCheck"}"# + "\n"))
        #expect(try String(contentsOfFile: log, encoding: .utf8) == afterFirst, "the second check appends nothing")
        let console = try String(contentsOfFile: directory + "/publication-failed.jsonl", encoding: .utf8)
        #expect(!console.contains("progressCheck"), "a console job is never published by a check")
    }

    @Test func appendTakesJSONValuesAndStrings() throws {
        let directory = Logs.temporaryDirectory() + "/new"
        var text = ""
        for arguments in [
            ["created", "origin=api", "name=demo", "at=2026-11-22T10:00:00Z"],
            ["configured", #"config={"epochs":3,"lr":0.0001}"#, "at=2026-11-22T10:00:05Z"],
            ["trainingStarted", "at=2026-11-22T10:01:00Z"],
            ["progressed", "percent=40", "epoch=1", "at=2026-11-22T10:02:00Z"],
            ["progressed", "percent=30", "at=2026-11-22T10:03:00Z"],
        ] {
            text += try Self.transcript(["append", directory, "demo", arguments[0]] + arguments.dropFirst(), replacing: directory)
        }
        try Self.expect("append-session", text)
        #expect(try String(contentsOfFile: directory + "/demo.jsonl", encoding: .utf8).split(separator: "\n").count == 4)
    }
}
