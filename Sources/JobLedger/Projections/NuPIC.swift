/// The NuPIC Training Module's server status dictionary (seed 001), for one session (a job):
/// `{"state", "model_ready", "percent", "import_status"}`.
///
/// The server's source is not public; its states are inferred from the endpoints' documented
/// preconditions (SPEC 2, NuPIC). `model_ready` holds exactly when `state` is trained.
public struct NuPICStatus: VocabularyProjection, Hashable, Encodable {
    package static let name = "nupic"
    package static let title = "NuPIC Training Module session status"
    package static let phaseFields = ["state"]
    package static func phaseValues(_ phase: Phase) -> [String] { [NuPICState(phase).rawValue] }
    package static let documentedValues = [
        DocumentedValues("state", produced: NuPICState.allCases.map(\.rawValue)),
        DocumentedValues("import_status", produced: ModelImportStatus.allCases.map(\.rawValue)),
    ]

    public var state: NuPICState
    public var modelReady: Bool
    /// Training progress, as Sestek's percent.
    public var percent: Int
    /// Where the model import stands (none, importing, imported, failed).
    public var importStatus: ModelImportStatus

    public init(_ state: JobState) {
        self.state = NuPICState(state.phase)
        modelReady = self.state == .trained
        percent = state.percent
        importStatus = state.modelImport
    }

    package var enumValues: [(field: String, value: String)] {
        [("state", state.rawValue), ("import_status", importStatus.rawValue)]
    }

    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("state")
        writer.plainString(state.rawValue)
        writer.key("model_ready")
        writer.bool(modelReady)
        writer.key("percent")
        writer.int(percent)
        writer.key("import_status")
        writer.plainString(importStatus.rawValue)
        writer.endObject()
    }
}

/// The NuPIC session states, as inferred from seed 001.
public enum NuPICState: String, Sendable, Hashable, CaseIterable, Codable {
    /// Parameters and dataset may change (the endpoints' "setup state").
    case setup
    case preprocessing
    case preprocessed
    case training
    /// The model is ready: download and import are allowed.
    case trained
    case failed
    /// Stopped by `training/stop` or replaced by `start_session(force_restart)`.
    case stopped

    /// SPEC 2's NuPIC table.
    public init(_ phase: Phase) {
        switch phase {
        case .initialized, .queued, .uploadingDataset: self = .setup
        case .processingData: self = .preprocessing
        case .dataReady: self = .preprocessed
        case .trainingStarted, .training, .trained, .uploadingModel: self = .training
        case .completed: self = .trained
        case .failed: self = .failed
        case .cancelled: self = .stopped
        }
        #if JOBLEDGER_MUTATION
        self = Mutation.arm("nupic.state", phase, self)
        #endif
    }
}

extension Vocabulary {
    public static let nupic = Vocabulary(NuPICStatus.self)
}
