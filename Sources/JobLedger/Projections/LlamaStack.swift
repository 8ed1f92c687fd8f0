/// llama-stack's `PostTrainingJobStatusResponse` (seed 002, `GET /v1/post-training/job/status`).
///
/// `{"job_uuid", "status", "scheduled_at"?, "started_at"?, "completed_at"?, "resources_allocated"?,
/// "checkpoints": [...]}`: times are RFC 3339 strings; optional keys are omitted when unknown.
package struct PostTrainingJobStatusResponse: VocabularyProjection, Hashable, Encodable {
    package static let name = "llama-stack"
    package static let title = "llama-stack PostTrainingJobStatusResponse"
    package static let phaseFields = ["status"]
    package static func phaseValues(_ phase: Phase) -> [String] { [LlamaStackJobStatus(phase).rawValue] }
    package static let documentedValues = [DocumentedValues("status", produced: LlamaStackJobStatus.allCases.map(\.rawValue))]

    package var jobUUID: JobID
    package var status: LlamaStackJobStatus
    /// The `created` time.
    package var scheduledAt: Timestamp?
    /// The `trainingStarted` time.
    package var startedAt: Timestamp?
    /// The terminal event's time.
    package var completedAt: Timestamp?
    /// The `trainingStarted` resources.
    package var resourcesAllocated: JSONObject?
    package var checkpoints: [LlamaStackCheckpoint]

    package init(_ state: JobState) {
        jobUUID = state.job
        status = LlamaStackJobStatus(state.phase)
        scheduledAt = state.createdAt
        startedAt = state.trainingStartedAt
        completedAt = state.finishedAt
        resourcesAllocated = state.resources
        checkpoints = state.checkpoints.map { LlamaStackCheckpoint($0, job: state.job) }
    }

    package var enumValues: [(field: String, value: String)] { [("status", status.rawValue)] }

    package func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("job_uuid")
        writer.jobID(jobUUID)
        writer.key("status")
        writer.plainString(status.rawValue)
        if let scheduledAt {
            writer.key("scheduled_at")
            writer.string(scheduledAt.rfc3339)
        }
        if let startedAt {
            writer.key("started_at")
            writer.string(startedAt.rfc3339)
        }
        if let completedAt {
            writer.key("completed_at")
            writer.string(completedAt.rfc3339)
        }
        if let resourcesAllocated {
            writer.key("resources_allocated")
            writer.object(resourcesAllocated)
        }
        writer.key("checkpoints")
        writer.beginArray()
        for checkpoint in checkpoints { checkpoint.write(to: &writer) }
        writer.endArray()
        writer.endObject()
    }
}

/// llama-stack's `Checkpoint`.
package struct LlamaStackCheckpoint: Sendable, Hashable, Encodable, JSONRenderable {
    package var identifier: String
    package var createdAt: Timestamp
    package var epoch: Int
    package var postTrainingJobID: JobID
    package var path: String
    package var trainingMetrics: PostTrainingMetric?

    package init(_ saved: JobState.SavedCheckpoint, job: JobID) {
        identifier = saved.checkpoint.identifier
        createdAt = saved.savedAt
        epoch = saved.checkpoint.epoch
        postTrainingJobID = job
        path = saved.checkpoint.path
        trainingMetrics = saved.checkpoint.metrics.map {
            PostTrainingMetric(
                epoch: saved.checkpoint.epoch, trainLoss: $0.trainLoss, validationLoss: $0.validationLoss,
                perplexity: $0.perplexity)
        }
    }

    package func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("identifier")
        writer.string(identifier)
        writer.key("created_at")
        writer.string(createdAt.rfc3339)
        writer.key("epoch")
        writer.int(epoch)
        writer.key("post_training_job_id")
        writer.jobID(postTrainingJobID)
        writer.key("path")
        writer.string(path)
        if let trainingMetrics {
            writer.key("training_metrics")
            trainingMetrics.write(to: &writer)
        }
        writer.endObject()
    }
}

/// llama-stack's `PostTrainingMetric`.
package struct PostTrainingMetric: Sendable, Hashable, Encodable, JSONRenderable {
    package var epoch: Int
    package var trainLoss: Double
    package var validationLoss: Double
    package var perplexity: Double

    package init(epoch: Int, trainLoss: Double, validationLoss: Double, perplexity: Double) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.validationLoss = validationLoss
        self.perplexity = perplexity
    }

    package func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("epoch")
        writer.int(epoch)
        writer.key("train_loss")
        writer.double(trainLoss)
        writer.key("validation_loss")
        writer.double(validationLoss)
        writer.key("perplexity")
        writer.double(perplexity)
        writer.endObject()
    }
}

/// llama-stack's job status values, all five of seed 002.
package enum LlamaStackJobStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case completed
    case inProgress = "in_progress"
    case failed, scheduled, cancelled

    /// SPEC 2's llama-stack table. Lossy: every phase before training is scheduled.
    package init(_ phase: Phase) {
        switch phase {
        case .initialized, .queued, .uploadingDataset, .processingData, .dataReady: self = .scheduled
        case .trainingStarted, .training, .trained, .uploadingModel: self = .inProgress
        case .completed: self = .completed
        case .failed: self = .failed
        case .cancelled: self = .cancelled
        }
        #if JOBLEDGER_MUTATION
        self = Mutation.arm("llama-stack.status", phase, self)
        #endif
    }
}

extension Vocabulary {
    package static let llamaStack = Vocabulary(PostTrainingJobStatusResponse.self)
}
