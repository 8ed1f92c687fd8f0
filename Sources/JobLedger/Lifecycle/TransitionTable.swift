/// The legal transitions of SPEC 1, held as data: one ``TransitionRule`` per event type.
///
/// ``JobState`` consults this table for every event, `jobledger diagram` draws it, docs and tests
/// read it. Changing a row changes behaviour everywhere at once.
package enum TransitionTable {
    /// One row per ``EventType``, in `EventType.allCases` order.
    #if JOBLEDGER_MUTATION
    package static let rules: [TransitionRule] = Mutation.apply(to: baseRules)
    #else
    package static let rules: [TransitionRule] = baseRules
    #endif

    /// The rows as written (``rules`` is these, except in a mutation-testing build).
    static let baseRules: [TransitionRule] = [
        TransitionRule(.created, from: [], effect: .phase(.initialized)),
        TransitionRule(.configured, from: .setup, effect: .unchanged),
        TransitionRule(
            .queued, from: PhaseSet(.initialized, .uploadingDataset, .processingData, .dataReady),
            when: .neverQueued, effect: .phase(.queued)),
        TransitionRule(
            .datasetUploadStarted, from: PhaseSet(.initialized, .queued), when: .noDataStageYet,
            effect: .phase(.uploadingDataset)),
        TransitionRule(
            .dataProcessingStarted, from: PhaseSet(.initialized, .queued, .uploadingDataset),
            when: .processingNeverStarted, effect: .phase(.processingData)),
        TransitionRule(.dataProcessed, from: PhaseSet(.processingData), effect: .phase(.dataReady)),
        TransitionRule(
            .trainingStarted, from: PhaseSet(.initialized, .queued, .uploadingDataset, .dataReady),
            effect: .phase(.trainingStarted)),
        TransitionRule(
            .progressed, from: PhaseSet(.trainingStarted, .training), when: .percentNotDecreasing,
            effect: .phase(.training)),
        TransitionRule(
            .checkpointSaved, from: PhaseSet(.trainingStarted, .training, .trained), when: .epochNotDecreasing,
            effect: .unchanged),
        TransitionRule(.trainingFinished, from: PhaseSet(.trainingStarted, .training), effect: .phase(.trained)),
        TransitionRule(.modelUploadStarted, from: PhaseSet(.trained), effect: .phase(.uploadingModel)),
        TransitionRule(.completed, from: PhaseSet(.trained, .uploadingModel), effect: .phase(.completed)),
        TransitionRule(.failed, from: .nonTerminal, effect: .phase(.failed)),
        TransitionRule(.cancelled, from: .nonTerminal, effect: .phase(.cancelled)),
        TransitionRule(
            .publicationStarted, from: PhaseSet(.completed), inference: InferenceStatus.none, effect: .inference(.pending)),
        TransitionRule(.published, from: PhaseSet(.completed), inference: .pending, effect: .inference(.running)),
        TransitionRule(
            .publicationFailed, from: PhaseSet(.completed), inference: .pending, effect: .inference(.none)),
        TransitionRule(
            .modelImportStarted, from: PhaseSet(.completed), modelImport: [.none, .failed],
            effect: .modelImport(.importing)),
        TransitionRule(
            .modelImported, from: PhaseSet(.completed), modelImport: [.importing], effect: .modelImport(.imported)),
        TransitionRule(
            .modelImportFailed, from: PhaseSet(.completed), modelImport: [.importing], effect: .modelImport(.failed)),
    ]

    /// The phase a job starts in: the effect of the `created` row (`initialized`).
    static let startPhase: Phase = {
        guard case .phase(let start) = rule(for: .created).effect else {
            preconditionFailure("the created row of the transition table must lead to a phase")
        }
        return start
    }()

    /// The row of `type`.
    @inline(__always) package static func rule(for type: EventType) -> TransitionRule { rules[type.ordinal] }

    /// The phase an event leads to from `phase`, or `nil` if the table does not allow it there
    /// (conditions aside). For diagrams and coverage.
    package static func target(of type: EventType, from phase: Phase) -> Phase? {
        let rule = rule(for: type)
        guard rule.from.contains(phase) else { return nil }
        if case .phase(let next) = rule.effect { return next }
        return phase
    }
}

/// One row of the ``TransitionTable``: where an event is legal and what it does.
package struct TransitionRule: Sendable, Hashable {
    /// What else must hold besides the phase (SPEC 1's "and …" clauses).
    package struct Conditions: OptionSet, Sendable, Hashable {
        package let rawValue: UInt8
        package init(rawValue: UInt8) { self.rawValue = rawValue }

        /// `queued` happens at most once.
        package static let neverQueued = Conditions(rawValue: 1 << 0)
        /// The dataset upload is the first data stage, if it happens at all.
        package static let noDataStageYet = Conditions(rawValue: 1 << 1)
        /// Processing starts at most once.
        package static let processingNeverStarted = Conditions(rawValue: 1 << 2)
        /// `percent` ≥ the last reported percent.
        package static let percentNotDecreasing = Conditions(rawValue: 1 << 3)
        /// A checkpoint's `epoch` ≥ the last checkpoint's.
        package static let epochNotDecreasing = Conditions(rawValue: 1 << 4)

        static let named: [(Conditions, String)] = [
            (.neverQueued, "the job was never queued"),
            (.noDataStageYet, "no data stage happened yet"),
            (.processingNeverStarted, "processing never started"),
            (.percentNotDecreasing, "percent ≥ the last percent"),
            (.epochNotDecreasing, "epoch ≥ the last checkpoint's"),
        ]

        /// The conditions in words, as SPEC states them.
        package var descriptions: [String] { Self.named.filter { contains($0.0) }.map(\.1) }
    }

    /// Model import states, for the import rows.
    package struct ModelImportSet: OptionSet, Sendable, Hashable {
        package let rawValue: UInt8
        package init(rawValue: UInt8) { self.rawValue = rawValue }
        package static let none = ModelImportSet(rawValue: 1 << 0)
        package static let importing = ModelImportSet(rawValue: 1 << 1)
        package static let imported = ModelImportSet(rawValue: 1 << 2)
        package static let failed = ModelImportSet(rawValue: 1 << 3)
        package static let any: ModelImportSet = [.none, .importing, .imported, .failed]

        @inline(__always) package func contains(_ status: ModelImportStatus) -> Bool {
            switch status {
            case .none: contains(ModelImportSet.none)
            case .importing: contains(ModelImportSet.importing)
            case .imported: contains(ModelImportSet.imported)
            case .failed: contains(ModelImportSet.failed)
            }
        }

        package var statuses: [ModelImportStatus] { ModelImportStatus.allCases.filter(contains) }
    }

    /// What the event changes.
    package enum Effect: Sendable, Hashable {
        /// The lifecycle moves to this phase.
        case phase(Phase)
        /// The phase stays; the event only records data (config, a checkpoint).
        case unchanged
        /// The inference sub-machine moves to this status.
        case inference(InferenceStatus)
        /// The model import sub-machine moves to this status.
        case modelImport(ModelImportStatus)
    }

    package let event: EventType
    /// The phases where the event is legal; empty for `created`, legal only as a job's first event.
    package let from: PhaseSet
    /// The inference status the event needs, if any.
    package let inference: InferenceStatus?
    /// The model import statuses the event needs.
    package let modelImport: ModelImportSet
    package let conditions: Conditions
    package let effect: Effect

    init(
        _ event: EventType, from: PhaseSet, inference: InferenceStatus? = nil, modelImport: ModelImportSet = .any,
        when conditions: Conditions = [], effect: Effect
    ) {
        self.event = event
        self.from = from
        self.inference = inference
        self.modelImport = modelImport
        self.conditions = conditions
        self.effect = effect
    }

    /// Whether the event starts a job (legal only when the job has no events).
    package var startsJob: Bool { from.isEmpty }

    /// Where the event is legal, in words: `legal from trainingStarted, training when percent ≥ the last percent`.
    package var legality: String {
        if startsJob { return "legal only as a job's first event" }
        var text = "legal from \(from)"
        if let inference { text += " with inference \(inference)" }
        if modelImport != .any { text += " with model import \(modelImport.statuses.map(\.rawValue).joined(separator: " or "))" }
        let conditions = conditions.descriptions
        if !conditions.isEmpty { text += " when " + conditions.joined(separator: " and ") }
        return text
    }
}
