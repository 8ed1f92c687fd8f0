import Foundation
import JobLedger
import Testing

/// The docs show what the code does: the transition table in docs/model.md is the one the code
/// runs.
@Suite struct DocsTests {
    @Test func modelDocHoldsTheTransitionTable() throws {
        let doc = try String(contentsOf: Executables.packageRoot.appendingPathComponent("docs/model.md"), encoding: .utf8)
        #expect(doc.contains(TransitionTable.markdown), "regenerate the table in docs/model.md from TransitionTable.markdown:\n\(TransitionTable.markdown)")
    }

    /// docs/vocabularies.md holds the tables generated from the vocabulary registry: the phase ×
    /// vocabulary table, each vocabulary's mapping table and the produced / not produced values.
    @Test func vocabulariesDocHoldsTheRegistrysTables() throws {
        let doc = try String(contentsOf: Executables.packageRoot.appendingPathComponent("docs/vocabularies.md"), encoding: .utf8)
        #expect(doc.contains(Vocabulary.phaseTableMarkdown), "regenerate the phase × vocabulary table in docs/vocabularies.md:\n\(Vocabulary.phaseTableMarkdown)")
        #expect(doc.contains(Vocabulary.documentedValuesMarkdown), "regenerate the documented values table in docs/vocabularies.md:\n\(Vocabulary.documentedValuesMarkdown)")
        for vocabulary in Vocabulary.allCases {
            #expect(doc.contains("(`\(vocabulary)`)"), "docs/vocabularies.md has no section for \(vocabulary)")
            #expect(doc.contains(vocabulary.mappingMarkdown), "regenerate \(vocabulary)'s table in docs/vocabularies.md:\n\(vocabulary.mappingMarkdown)")
        }
        let readme = try String(contentsOf: Executables.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        for vocabulary in Vocabulary.allCases {
            #expect(readme.contains("| `\(vocabulary)` |"), "README's vocabulary table lacks \(vocabulary)")
        }
    }

    /// docs/api.md lists every public type of the library (top-level and nested), so the public
    /// surface is a decision written down, not an accident.
    @Test func everyPublicTypeIsListed() throws {
        let root = Executables.packageRoot
        let doc = try String(contentsOf: root.appendingPathComponent("docs/api.md"), encoding: .utf8)
        let sources = root.appendingPathComponent("Sources/JobLedger")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        let declaration = try Regex(#"^\s*public (?:final class|struct|enum|protocol|actor|typealias) ([A-Za-z0-9_]+)"#)
        var types: [String] = []
        for file in files {
            for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
                if let match = try declaration.firstMatch(in: String(line)), let name = match.output[1].substring {
                    types.append(String(name))
                }
            }
        }
        #expect(types.count > 20)
        for type in Set(types).sorted() {
            #expect(doc.contains("`\(type)`"), "docs/api.md does not list the public type \(type)")
        }
    }

    /// The README's embedding example, run as written.
    @Test func readmeEmbeddingExample() throws {
        let ledger = Ledger.inMemory()
        let job = try JobID("m-42")
        try ledger.append(.created(Creation(origin: .api, task: "classification")), to: job)
        try ledger.append(.trainingStarted(resources: ["gpus": 2]), to: job)
        try ledger.append(.progressed(percent: 40, epoch: 1), to: job)
        try ledger.append(.trainingFinished, to: job)
        try ledger.append(.completed(model: "m-42-v1"), to: job)
        let answer = try ledger.checkProgress(job)
        #expect(answer.json == #"{"percent":100,"trainingStatus":"Completed","inferenceStatus":"Pending"}"#)
        let error = try #require(throws: JobLedgerError.self) { try ledger.append(.progressed(percent: 90, epoch: nil), to: job) }
        #expect(error.description.hasPrefix("job m-42: illegal transition: progressed in phase completed (legal from trainingStarted, training"))
        #expect(error.problemDetails.json.hasPrefix(#"{"status":409,"title":"Conflict","detail":"#))
        #expect(error.problemDetails.json.hasSuffix(#""code":"illegal_transition"}"#))
    }
}
