import Foundation
import JobLedgerStoreContract
import Synchronization
import Testing

/// How many cases to run and from which seeds, from the environment (docs/testing.md):
///
/// - `JOBLEDGER_PROPERTY_SEED=<n>` runs only the case of seed `n` (as printed by a failure) in
///   every property;
/// - `JOBLEDGER_PROPERTY_RUNS=<x>` multiplies every property's number of cases by `x` (default 1:
///   the whole suite within about a minute in a debug build); the cases of a smaller budget are
///   always among those of a larger one;
/// - `JOBLEDGER_PROPERTY_BASE_SEED=<n>` starts the case seeds elsewhere, for fresh cases;
/// - `JOBLEDGER_PROPERTY_COVERAGE=1` prints the transition-table coverage report;
/// - `JOBLEDGER_PROPERTY_FAIL_FAST=1` (for `Scripts/mutate`) reports the first failure unshrunk
///   and stops every other property of the process at its next case: the question is only
///   whether anything fails.
struct PropertyConfig: Sendable {
    var onlySeed: UInt64?
    var scale: Double
    var baseSeed: UInt64
    var printCoverage: Bool
    var failFast = false

    static let current: PropertyConfig = {
        let environment = ProcessInfo.processInfo.environment
        func number(_ name: String) -> String? {
            guard let text = environment[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return text
        }
        return PropertyConfig(
            onlySeed: number("JOBLEDGER_PROPERTY_SEED").flatMap { UInt64($0) },
            scale: number("JOBLEDGER_PROPERTY_RUNS").flatMap { Double($0) }.map { max($0, 0) } ?? 1,
            baseSeed: number("JOBLEDGER_PROPERTY_BASE_SEED").flatMap { UInt64($0) } ?? 0x4A6F_624C_6564_6765,
            printCoverage: ["1", "true", "yes"].contains(environment["JOBLEDGER_PROPERTY_COVERAGE"]?.lowercased() ?? ""),
            failFast: ["1", "true", "yes"].contains(environment["JOBLEDGER_PROPERTY_FAIL_FAST"]?.lowercased() ?? ""))
    }()

    /// The number of cases for a property whose default budget is `cases`.
    func cases(_ cases: Int) -> Int { max(1, Int((Double(cases) * scale).rounded())) }

    /// The seeds of a property's cases: derived from the base seed, the property's name (FNV-1a,
    /// stable across processes, unlike `Hasher`) and the case number.
    func seeds(for name: String, cases: Int) -> [UInt64] {
        if let onlySeed { return [onlySeed] }
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return (0..<self.cases(cases)).map { SplitMix64.mix((baseSeed ^ hash) &+ UInt64($0)) }
    }
}

/// A property: a generator of inputs, a check that returns what went wrong (or `nil`), and how to
/// shrink and show a failing input.
struct Property<Input> {
    var name: String
    /// Cases at the default budget.
    var cases: Int
    var generate: (inout Gen) -> Input
    /// Smaller variants of an input, most aggressive first.
    var shrink: (Input) -> [Input] = { _ in [] }
    /// A measure of size for the report (events, commands, bytes).
    var size: (Input) -> Int = { _ in 1 }
    /// The input as a person reads it: notes (the steps, the values) and a log in JSON Lines
    /// that the CLI can replay.
    var render: (Input) -> Rendering
    /// `nil` when the property holds for the input; otherwise what went wrong.
    var check: (Input) -> String?
}

/// A counterexample shown to a person: what happened, in words, and the events as log lines.
struct Rendering {
    var notes: [String] = []
    var log: String = ""
}

/// What a failing property found, after shrinking.
struct Counterexample<Input> {
    var seed: UInt64
    var original: Input
    var shrunk: Input
    var failure: String
    var shrinkSteps: Int
}

enum PropertyRunner {
    /// The most checks shrinking may spend on one counterexample.
    static let shrinkBudget = 3000

    /// Whether a property of this process failed (for `failFast`).
    static let anyFailed = Atomic<Bool>(false)

    /// Runs `property` on every case of the budget; on the first failure shrinks it, records a
    /// test issue with the report, and returns the counterexample.
    @discardableResult
    static func run<Input>(
        _ property: Property<Input>, config: PropertyConfig = .current,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> Counterexample<Input>? {
        for seed in config.seeds(for: property.name, cases: property.cases) {
            if config.failFast && anyFailed.load(ordering: .relaxed) { return nil }
            var gen = Gen(seed: seed)
            let input = property.generate(&gen)
            guard let failure = property.check(input) else { continue }
            anyFailed.store(true, ordering: .relaxed)
            let example =
                config.failFast
                ? Counterexample(seed: seed, original: input, shrunk: input, failure: failure, shrinkSteps: 0)
                : shrink(property, seed: seed, input: input, failure: failure)
            Issue.record(Comment(rawValue: report(property, example)), sourceLocation: sourceLocation)
            return example
        }
        return nil
    }

    /// Greedy shrinking: take the first smaller candidate that still fails, repeat until no
    /// candidate fails or the budget is spent.
    static func shrink<Input>(_ property: Property<Input>, seed: UInt64, input: Input, failure: String)
        -> Counterexample<Input>
    {
        var example = Counterexample(seed: seed, original: input, shrunk: input, failure: failure, shrinkSteps: 0)
        var checks = 0
        var improved = true
        while improved && checks < shrinkBudget {
            improved = false
            for candidate in property.shrink(example.shrunk) {
                checks += 1
                if let failure = property.check(candidate) {
                    example.shrunk = candidate
                    example.failure = failure
                    example.shrinkSteps += 1
                    improved = true
                    break
                }
                if checks >= shrinkBudget { break }
            }
        }
        return example
    }

    /// The failure report: the seed to replay, the sizes, what broke, and the shrunk input
    /// (also written to a file the CLI can read).
    static func report<Input>(_ property: Property<Input>, _ example: Counterexample<Input>) -> String {
        let rendered = property.render(example.shrunk)
        var text = """
            Property failed: \(property.name)
            seed: \(example.seed)    replay: JOBLEDGER_PROPERTY_SEED=\(example.seed) swift test --filter PropertyTests
            size: \(property.size(example.original)) before shrinking, \(property.size(example.shrunk)) after \
            \(example.shrinkSteps) shrink steps
            what broke: \(example.failure)

            """
        if !rendered.notes.isEmpty { text += rendered.notes.joined(separator: "\n") + "\n" }
        if !rendered.log.isEmpty {
            let file = FileManager.default.temporaryDirectory
                .appendingPathComponent("jobledger-property-\(example.seed).jsonl").path
            if FileManager.default.createFile(atPath: file, contents: Data(rendered.log.utf8)) {
                text += "the log (JSON Lines; saved as \(file): `swift run jobledger verify \(file)`):\n"
            } else {
                text += "the log (JSON Lines):\n"
            }
            text += rendered.log
        }
        return text
    }
}
