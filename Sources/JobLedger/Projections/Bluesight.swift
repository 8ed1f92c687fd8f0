/// A Bluesight training job (seed 004: `POST /training/jobs`, OpenAI's fine-tuning job shape).
///
/// `{"id", "task", "training_file", "validation_file", "hyperparameters", "created_at", "status",
/// "error", "trained_model", "finished_at"}`; times are Unix seconds; unknown values are null.
public struct BluesightJob: Sendable, Hashable, Codable, JSONRenderable {
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
        if let initial = state.creation.hyperparameters {
            hyperparameters = initial.merging(state.config)
        } else {
            hyperparameters = state.config.isEmpty ? nil : state.config
        }
        createdAt = state.createdAt.unixSeconds
        status = BluesightStatus(state.phase)
        error = state.error
        trainedModel = state.trainedModel
        finishedAt = state.finishedAt?.unixSeconds
    }

    enum CodingKeys: String, CodingKey {
        case id, task
        case trainingFile = "training_file"
        case validationFile = "validation_file"
        case hyperparameters
        case createdAt = "created_at"
        case status, error
        case trainedModel = "trained_model"
        case finishedAt = "finished_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(task, forKey: .task)
        try container.encode(trainingFile, forKey: .trainingFile)
        try container.encode(validationFile, forKey: .validationFile)
        try container.encode(hyperparameters, forKey: .hyperparameters)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(status, forKey: .status)
        try container.encode(error, forKey: .error)
        try container.encode(trainedModel, forKey: .trainedModel)
        try container.encode(finishedAt, forKey: .finishedAt)
    }

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
    }
}
