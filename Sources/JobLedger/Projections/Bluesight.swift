/// A Bluesight training job (seed 004: `POST /training/jobs`, OpenAI's fine-tuning job shape).
///
/// `{"id", "task", "training_file", "validation_file", "hyperparameters", "created_at", "status",
/// "error", "trained_model", "finished_at"}`; times are Unix seconds; unknown values are null.
public struct BluesightJob: VocabularyProjection, Hashable, Encodable {
    public static let name = "bluesight"
    public static let title = "Bluesight POST /training/jobs"
    public static let phaseFields = ["status"]
    public static func phaseValues(_ phase: Phase) -> [String] { [BluesightStatus(phase).rawValue] }
    public static let documentedValues = [DocumentedValues("status", produced: BluesightStatus.allCases.map(\.rawValue))]

    public var id: String
    public var task: String?
    public var trainingFile: String?
    public var validationFile: String?
    /// The `created` hyperparameters with every `configured` object merged over them; null if neither exists.
    public var hyperparameters: JSONObject?
    public var createdAt: Int64
    public var status: BluesightStatus
    /// The `failed` event's error, else null.
    public var error: String?
    /// The trained model's name, null until completed.
    public var trainedModel: String?
    /// Null until the job is in a terminal phase.
    public var finishedAt: Int64?

    public init(_ state: JobState) {
        id = state.job.rawValue
        task = state.creation.task
        trainingFile = state.creation.trainingFile
        validationFile = state.creation.validationFile
        hyperparameters = Self.hyperparameters(state)
        createdAt = state.createdAt.unixSeconds
        status = BluesightStatus(state.phase)
        error = state.error
        trainedModel = state.trainedModel
        finishedAt = state.finishedAt?.unixSeconds
    }

    /// The `created` hyperparameters with every `configured` object merged over them; nil if neither exists.
    static func hyperparameters(_ state: JobState) -> JSONObject? {
        if let initial = state.creation.hyperparameters { return initial.merging(state.config) }
        return state.config.isEmpty ? nil : state.config
    }

    public var enumValues: [(field: String, value: String)] { [("status", status.rawValue)] }

    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("id")
        writer.string(id)
        writer.key("task")
        writer.optionalString(task)
        writer.key("training_file")
        writer.optionalString(trainingFile)
        writer.key("validation_file")
        writer.optionalString(validationFile)
        writer.key("hyperparameters")
        if let hyperparameters { writer.object(hyperparameters) } else { writer.null() }
        writer.key("created_at")
        writer.int64(createdAt)
        writer.key("status")
        writer.plainString(status.rawValue)
        writer.key("error")
        writer.optionalString(error)
        writer.key("trained_model")
        writer.optionalString(trainedModel)
        writer.key("finished_at")
        if let finishedAt { writer.int64(finishedAt) } else { writer.null() }
        writer.endObject()
    }
}

/// Bluesight's status values, all eight of seed 004.
public enum BluesightStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case initializing
    case downloadingFiles = "downloading_files"
    case validatingFiles = "validating_files"
    case queued, running, succeeded, failed, cancelled

    /// SPEC 2's Bluesight table. Lossy: the four training phases are all running.
    public init(_ phase: Phase) {
        switch phase {
        case .initialized: self = .initializing
        case .uploadingDataset: self = .downloadingFiles
        case .processingData, .dataReady: self = .validatingFiles
        case .queued: self = .queued
        case .trainingStarted, .training, .trained, .uploadingModel: self = .running
        case .completed: self = .succeeded
        case .failed: self = .failed
        case .cancelled: self = .cancelled
        }
        #if JOBLEDGER_MUTATION
        self = Mutation.arm("bluesight.status", phase, self)
        #endif
    }
}

extension Vocabulary {
    public static let bluesight = Vocabulary(BluesightJob.self)
}
