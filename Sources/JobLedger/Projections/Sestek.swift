/// Sestek's "Check Training & Inference Status" response (seed 000):
/// `{"percent": Int, "trainingStatus": String, "inferenceStatus": "Pending" | "Running" | null}`.
public struct SestekProgress: VocabularyProjection, Hashable, Encodable {
    package static let name = "sestek"
    package static let title = "Sestek (Knovvu) Check Training & Inference Status"
    package static let phaseFields = ["trainingStatus"]
    package static func phaseValues(_ phase: Phase) -> [String] { [SestekTrainingStatus(phase).rawValue] }
    package static let documentedValues = [
        DocumentedValues("trainingStatus", produced: SestekTrainingStatus.allCases.map(\.rawValue)),
        DocumentedValues("inferenceStatus", produced: ["null"] + SestekInferenceStatus.allCases.map(\.rawValue)),
    ]

    /// 0 until the first progress report, then the last reported percent; 100 once trained.
    public var percent: Int
    public var trainingStatus: SestekTrainingStatus
    /// `nil` (JSON null) while training is not done or the model is not published.
    public var inferenceStatus: SestekInferenceStatus?

    public init(percent: Int, trainingStatus: SestekTrainingStatus, inferenceStatus: SestekInferenceStatus?) {
        self.percent = percent
        self.trainingStatus = trainingStatus
        self.inferenceStatus = inferenceStatus
    }

    public init(_ state: JobState) {
        percent = state.percent
        trainingStatus = SestekTrainingStatus(state.phase)
        inferenceStatus = SestekInferenceStatus(state.inference)
    }

    package var enumValues: [(field: String, value: String)] {
        [("trainingStatus", trainingStatus.rawValue), ("inferenceStatus", inferenceStatus?.rawValue ?? "null")]
    }

    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("percent")
        writer.int(percent)
        writer.key("trainingStatus")
        writer.plainString(trainingStatus.rawValue)
        writer.key("inferenceStatus")
        writer.optionalString(inferenceStatus?.rawValue)  // null, not omitted
        writer.endObject()
    }
}

/// Sestek's trainingStatus values, all ten of seed 000.
public enum SestekTrainingStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case initialized = "Initialized"
    case pendingTraining = "PendingTraining"
    case datasetUploading = "DatasetUploading"
    case dataProcessing = "DataProcessing"
    case trainingStarted = "TrainingStarted"
    case training = "Training"
    case trained = "Trained"
    case modelUploading = "ModelUploading"
    case completed = "Completed"
    case failed = "Failed"

    /// SPEC 2's Sestek table. Lossy: processingData and dataReady are both DataProcessing, and
    /// cancelled is Failed (Sestek documents no cancelled state).
    public init(_ phase: Phase) {
        switch phase {
        case .initialized: self = .initialized
        case .queued: self = .pendingTraining
        case .uploadingDataset: self = .datasetUploading
        case .processingData, .dataReady: self = .dataProcessing
        case .trainingStarted: self = .trainingStarted
        case .training: self = .training
        case .trained: self = .trained
        case .uploadingModel: self = .modelUploading
        case .completed: self = .completed
        case .failed, .cancelled: self = .failed
        }
        #if JOBLEDGER_MUTATION
        self = Mutation.arm("sestek.trainingStatus", phase, self)
        #endif
    }
}

/// Sestek's inferenceStatus values; null is `nil`.
public enum SestekInferenceStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case pending = "Pending"
    case running = "Running"

    /// `nil` for inference `none` (Sestek's null: training not done, or not published).
    public init?(_ inference: InferenceStatus) {
        switch inference {
        case .none: return nil
        case .pending: self = .pending
        case .running: self = .running
        }
    }
}

extension Vocabulary {
    public static let sestek = Vocabulary(SestekProgress.self)
}
