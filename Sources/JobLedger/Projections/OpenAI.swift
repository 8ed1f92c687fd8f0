/// OpenAI's fine-tuning job, `FineTuningJob` (`GET /v1/fine_tuning/jobs/{id}`, SPEC 2b):
/// `{"object": "fine_tuning.job", "id", "model", "created_at", "finished_at", "fine_tuned_model",
/// "status", "error", "training_file", "validation_file", "hyperparameters", "trained_tokens"}`.
/// Times are Unix seconds; nullable keys are present as null when unknown.
package struct OpenAIFineTuningJob: VocabularyProjection, Hashable, Encodable {
    package static let name = "openai"
    package static let title = "OpenAI fine-tuning FineTuningJob"
    package static let phaseFields = ["status"]
    package static func phaseValues(_ phase: Phase) -> [String] { [OpenAIFineTuningStatus(phase).rawValue] }
    package static let documentedValues = [DocumentedValues("status", produced: OpenAIFineTuningStatus.allCases.map(\.rawValue))]

    package var id: JobID
    /// The `created` base model, else null.
    package var model: String?
    package var createdAt: Int64
    /// Null until the job is in a terminal phase.
    package var finishedAt: Int64?
    /// The completed model, else null.
    package var fineTunedModel: String?
    package var status: OpenAIFineTuningStatus
    /// `{"code": "job_failed", "message": <error>, "param": null}` when failed, else null.
    package var errorMessage: String?
    package var trainingFile: String?
    package var validationFile: String?
    /// As Bluesight gives them: the `created` hyperparameters with every `configured` merged over them.
    package var hyperparameters: JSONObject?

    package init(_ state: JobState) {
        id = state.job
        model = state.creation.model
        createdAt = state.createdAt.unixSeconds
        finishedAt = state.finishedAt?.unixSeconds
        fineTunedModel = state.trainedModel
        status = OpenAIFineTuningStatus(state.phase)
        errorMessage = status == .failed ? state.error : nil
        trainingFile = state.creation.trainingFile
        validationFile = state.creation.validationFile
        hyperparameters = BluesightJob.hyperparameters(state)
    }

    package var enumValues: [(field: String, value: String)] { [("status", status.rawValue)] }

    package func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("object")
        writer.plainString("fine_tuning.job")
        writer.key("id")
        writer.jobID(id)
        writer.key("model")
        writer.optionalString(model)
        writer.key("created_at")
        writer.int64(createdAt)
        writer.key("finished_at")
        if let finishedAt { writer.int64(finishedAt) } else { writer.null() }
        writer.key("fine_tuned_model")
        writer.optionalString(fineTunedModel)
        writer.key("status")
        writer.plainString(status.rawValue)
        writer.key("error")
        if let errorMessage {
            writer.beginObject()
            writer.key("code")
            writer.plainString("job_failed")
            writer.key("message")
            writer.string(errorMessage)
            writer.key("param")
            writer.null()
            writer.endObject()
        } else {
            writer.null()
        }
        writer.key("training_file")
        writer.optionalString(trainingFile)
        writer.key("validation_file")
        writer.optionalString(validationFile)
        writer.key("hyperparameters")
        if let hyperparameters { writer.object(hyperparameters) } else { writer.null() }
        writer.key("trained_tokens")
        writer.null()  // we do not count tokens
        writer.endObject()
    }
}

/// OpenAI's fine-tuning job status values, all six.
package enum OpenAIFineTuningStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case validatingFiles = "validating_files"
    case queued, running, succeeded, failed, cancelled

    /// SPEC 2b's OpenAI table. Lossy: OpenAI has no state before validating files, and the
    /// training phases are all running.
    package init(_ phase: Phase) {
        switch phase {
        case .initialized, .uploadingDataset, .processingData, .dataReady: self = .validatingFiles
        case .queued: self = .queued
        case .trainingStarted, .training, .trained, .uploadingModel: self = .running
        case .completed: self = .succeeded
        case .failed: self = .failed
        case .cancelled: self = .cancelled
        }
        #if JOBLEDGER_MUTATION
        self = Mutation.arm("openai.status", phase, self)
        #endif
    }
}

extension Vocabulary {
    package static let openai = Vocabulary(OpenAIFineTuningJob.self)
}
