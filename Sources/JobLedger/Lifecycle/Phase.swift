/// Where a job is in its lifecycle (SPEC 1, phases). The last three are terminal.
///
/// Every vocabulary maps each phase with a `switch` and no `default:`, so a new phase does not
/// compile until every vendor has a word for it.
public enum Phase: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    case initialized, queued, uploadingDataset, processingData, dataReady
    case trainingStarted, training, trained, uploadingModel
    case completed, failed, cancelled

    /// Terminal phases accept no lifecycle event.
    public var isTerminal: Bool { PhaseSet.terminal.contains(self) }

    public var description: String { rawValue }

    @inline(__always) var bit: UInt16 {
        switch self {
        case .initialized: 1 << 0
        case .queued: 1 << 1
        case .uploadingDataset: 1 << 2
        case .processingData: 1 << 3
        case .dataReady: 1 << 4
        case .trainingStarted: 1 << 5
        case .training: 1 << 6
        case .trained: 1 << 7
        case .uploadingModel: 1 << 8
        case .completed: 1 << 9
        case .failed: 1 << 10
        case .cancelled: 1 << 11
        }
    }
}

/// A set of phases, as the transition table's "legal when phase is …" column.
package struct PhaseSet: OptionSet, Sendable, Hashable, CustomStringConvertible {
    package let rawValue: UInt16
    package init(rawValue: UInt16) { self.rawValue = rawValue }

    package init(_ phases: Phase...) { self.init(phases) }

    package init(_ phases: some Sequence<Phase>) {
        rawValue = phases.reduce(0) { $0 | $1.bit }
    }

    @inline(__always) package func contains(_ phase: Phase) -> Bool { rawValue & phase.bit != 0 }

    /// The phases in lifecycle order.
    package var phases: [Phase] { Phase.allCases.filter(contains) }

    package static let all = PhaseSet(Phase.allCases)
    package static let terminal = PhaseSet(.completed, .failed, .cancelled)
    package static let nonTerminal = all.subtracting(terminal)
    /// The "setup" phases, where `configured` is legal (NuPIC's setup state).
    package static let setup = PhaseSet(.initialized, .queued, .uploadingDataset)

    /// `initialized, queued` — the phases in lifecycle order, comma-separated.
    package var description: String { phases.map(\.rawValue).joined(separator: ", ") }
}

/// Whether the trained model serves inference (Sestek's inferenceStatus, seed 000).
public enum InferenceStatus: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// Not published (Sestek's null).
    case none
    /// Publication started (Pending).
    case pending
    /// Published (Running).
    case running

    public var description: String { rawValue }
}

/// Where the NuPIC model import stands (our modelling of seed 001's import endpoints).
public enum ModelImportStatus: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    case none, importing, imported, failed

    public var description: String { rawValue }
}
