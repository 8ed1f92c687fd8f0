/// A Bluesight training job (seed 004: `POST /training/jobs`, OpenAI's fine-tuning job shape).
///
/// `{"id", "task", "training_file", "validation_file", "hyperparameters", "created_at", "status",
/// "error", "trained_model", "finished_at"}`; times are Unix seconds; unknown values are null.
package struct BluesightJob: VocabularyProjection, Hashable, Encodable {
    package static let name = "bluesight"
    package static let title = "Bluesight POST /training/jobs"
    package static let phaseFields = ["status"]
    package static func phaseValues(_ phase: Phase) -> [String] { [BluesightStatus(phase).rawValue] }
    package static let documentedValues = [DocumentedValues("status", produced: BluesightStatus.allCases.map(\.rawValue))]

    package var id: JobID
    package var task: String?
    package var trainingFile: String?
    package var validationFile: String?
    /// The `created` hyperparameters with every `configured` object merged over them; null if neither exists.
    package var hyperparameters: JSONObject?
    package var createdAt: Int64
    package var status: BluesightStatus
    /// The `failed` event's error, else null.
    package var error: String?
    /// The trained model's name, null until completed.
    package var trainedModel: String?
    /// Null until the job is in a terminal phase.
    package var finishedAt: Int64?

    package init(_ state: JobState) {
        id = state.job
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

    package var enumValues: [(field: String, value: String)] { [("status", status.rawValue)] }

    package func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("id")
        writer.jobID(id)
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
package enum BluesightStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case initializing
    case downloadingFiles = "downloading_files"
    case validatingFiles = "validating_files"
    case queued, running, succeeded, failed, cancelled

    /// SPEC 2's Bluesight table. Lossy: the four training phases are all running.
    package init(_ phase: Phase) {
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
    package static let bluesight = Vocabulary(BluesightJob.self)
}
