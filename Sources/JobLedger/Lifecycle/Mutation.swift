#if JOBLEDGER_MUTATION
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Mutation testing (docs/testing.md): compiled only into `Scripts/mutate`'s build
/// (`-Xswiftc -DJOBLEDGER_MUTATION`, in `.build-mutate`), never into a normal one.
///
/// A mutant is one deliberate break, named by an id and chosen per process by the environment
/// variable `JOBLEDGER_MUTANT`: a single-row break of the ``TransitionTable`` (drop a from-phase,
/// add one, drop a condition, change the effect), applied to the table's data when it is first
/// read, or a single-arm break of a vocabulary's phase mapping (one phase answered with another
/// value of the same enum), applied where the mapping's `switch` returns.
package enum Mutation {
    /// The mutant this process runs, if any.
    static let current: String? = getenv("JOBLEDGER_MUTANT").map { String(cString: $0) }

    /// Every mutant, table rows first, then every arm of every registered vocabulary's mapping.
    package static var catalog: [String] { tableMutants.map(\.id) + armMutants }

    // MARK: The transition table

    struct TableMutant {
        var id: String
        var apply: (TransitionRule) -> TransitionRule
    }

    static let conditionNames: [(TransitionRule.Conditions, String)] = [
        (.neverQueued, "neverQueued"), (.noDataStageYet, "noDataStageYet"),
        (.processingNeverStarted, "processingNeverStarted"), (.percentNotDecreasing, "percentNotDecreasing"),
        (.epochNotDecreasing, "epochNotDecreasing"),
    ]

    static func name(of effect: TransitionRule.Effect) -> String {
        switch effect {
        case .phase(let phase): "phase.\(phase)"
        case .unchanged: "unchanged"
        case .inference(let status): "inference.\(status)"
        case .modelImport(let status): "import.\(status)"
        }
    }

    static var tableMutants: [TableMutant] {
        var mutants: [TableMutant] = []
        for rule in TransitionTable.baseRules {
            let row = "table/\(rule.event)"
            func mutant(_ what: String, _ change: @escaping (TransitionRule) -> TransitionRule) {
                mutants.append(TableMutant(id: "\(row)/\(what)", apply: change))
            }
            for phase in Phase.allCases {
                var from = rule.from
                if rule.from.contains(phase) {
                    from.remove(PhaseSet(phase))
                    mutant("drop-from/\(phase)") { $0.with(from: from) }
                } else {
                    from.insert(PhaseSet(phase))
                    mutant("add-from/\(phase)") { $0.with(from: from) }
                }
            }
            for (condition, name) in conditionNames where rule.conditions.contains(condition) {
                mutant("drop-when/\(name)") { $0.with(conditions: $0.conditions.subtracting(condition)) }
            }
            if rule.inference != nil { mutant("drop-inference") { $0.with(inference: .some(nil)) } }
            if rule.modelImport != .any { mutant("drop-import") { $0.with(modelImport: .any) } }
            // Every other effect of the same kind; `unchanged` becomes a move to each phase.
            var effects: [TransitionRule.Effect]
            switch rule.effect {
            case .phase, .unchanged: effects = Phase.allCases.map { .phase($0) }
            case .inference: effects = InferenceStatus.allCases.map { .inference($0) }
            case .modelImport: effects = ModelImportStatus.allCases.map { .modelImport($0) }
            }
            for effect in effects where effect != rule.effect {
                mutant("effect/\(name(of: effect))") { $0.with(effect: effect) }
            }
        }
        return mutants
    }

    /// The table with the current mutant applied, if it is a table mutant.
    static func apply(to rules: [TransitionRule]) -> [TransitionRule] {
        guard let current, current.hasPrefix("table/") else { return rules }
        guard let mutant = tableMutants.first(where: { $0.id == current }) else {
            fatalError("JOBLEDGER_MUTANT=\(current) is no mutant (see Mutation.catalog)")
        }
        return rules.map { "table/\($0.event)/" == current.prefix("table/\($0.event)/".count) ? mutant.apply($0) : $0 }
    }

    // MARK: The vocabularies' mappings

    /// The key of each mapping a vocabulary's phase fields come from: `sagemaker.SecondaryStatus`.
    static func mappingKey(_ vocabulary: Vocabulary, field: String) -> String {
        "\(vocabulary).\(field.split(separator: " ")[0])"
    }

    static var armMutants: [String] {
        Vocabulary.allCases.flatMap { vocabulary in
            vocabulary.phaseFields.flatMap { field in
                Phase.allCases.map { "arm/\(mappingKey(vocabulary, field: field))/\($0)" }
            }
        }
    }

    /// `value`, unless the current mutant breaks this arm: then the next other value of the enum.
    static func arm<Value: CaseIterable & Equatable>(_ mapping: StaticString, _ phase: Phase, _ value: Value) -> Value {
        guard let current, current == "arm/\(mapping)/\(phase)" else { return value }
        let all = Array(Value.allCases)
        let index = all.firstIndex(of: value)!
        return all[(index + 1) % all.count]
    }
}

extension TransitionRule {
    func with(
        from: PhaseSet? = nil, inference: InferenceStatus?? = nil, modelImport: ModelImportSet? = nil,
        conditions: Conditions? = nil, effect: Effect? = nil
    ) -> TransitionRule {
        TransitionRule(
            event, from: from ?? self.from, inference: inference ?? self.inference,
            modelImport: modelImport ?? self.modelImport, when: conditions ?? self.conditions, effect: effect ?? self.effect)
    }
}
#endif
