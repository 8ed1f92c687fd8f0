/// llama-stack's `PostTrainingJobStatusResponse` (seed 002, `GET /v1/post-training/job/status`).
///
/// `{"job_uuid", "status", "scheduled_at"?, "started_at"?, "completed_at"?, "resources_allocated"?,
/// "checkpoints": [...]}`: times are RFC 3339 strings; optional keys are omitted when unknown.
public struct PostTrainingJobStatusResponse: VocabularyProjection, Hashable, Encodable {
    public static let name = "llama-stack"
    public static let title = "llama-stack PostTrainingJobStatusResponse"
    public static let phaseFields = ["status"]
    public static func phaseValues(_ phase: Phase) -> [String] { [LlamaStackJobStatus(phase).rawValue] }
    public static let documentedValues = [DocumentedValues("status", produced: LlamaStackJobStatus.allCases.map(\.rawValue))]

    public var jobUUID: String
    public var status: LlamaStackJobStatus
    /// The `created` time.
    public var scheduledAt: Timestamp?
    /// The `trainingStarted` time.
    public var startedAt: Timestamp?
    /// The terminal event's time.
    public var completedAt: Timestamp?
    /// The `trainingStarted` resources.
    public var resourcesAllocated: JSONObject?
    public var checkpoints: [LlamaStackCheckpoint]

    public init(_ state: JobState) {
        jobUUID = state.job.rawValue
        status = LlamaStackJobStatus(state.phase)
        scheduledAt = state.createdAt
        startedAt = state.trainingStartedAt
        completedAt = state.finishedAt
        resourcesAllocated = state.resources
        checkpoints = state.checkpoints.map { LlamaStackCheckpoint($0, job: state.job) }
    }

    public var enumValues: [(field: String, value: String)] { [("status", status.rawValue)] }

    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("job_uuid")
        writer.string(jobUUID)
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
public struct LlamaStackCheckpoint: Sendable, Hashable, Encodable, JSONRenderable {
    public var identifier: String
    public var createdAt: Timestamp
    public var epoch: Int
    public var postTrainingJobID: String
    public var path: String
    public var trainingMetrics: PostTrainingMetric?

    public init(_ saved: JobState.SavedCheckpoint, job: JobID) {
        identifier = saved.checkpoint.identifier
        createdAt = saved.savedAt
        epoch = saved.checkpoint.epoch
        postTrainingJobID = job.rawValue
        path = saved.checkpoint.path
        trainingMetrics = saved.checkpoint.metrics.map {
            PostTrainingMetric(
                epoch: saved.checkpoint.epoch, trainLoss: $0.trainLoss, validationLoss: $0.validationLoss,
                perplexity: $0.perplexity)
        }
    }

    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("identifier")
        writer.string(identifier)
        writer.key("created_at")
        writer.string(createdAt.rfc3339)
        writer.key("epoch")
        writer.int(epoch)
        writer.key("post_training_job_id")
        writer.string(postTrainingJobID)
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
public struct PostTrainingMetric: Sendable, Hashable, Encodable, JSONRenderable {
    public var epoch: Int
    public var trainLoss: Double
    public var validationLoss: Double
    public var perplexity: Double

    public init(epoch: Int, trainLoss: Double, validationLoss: Double, perplexity: Double) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.validationLoss = validationLoss
        self.perplexity = perplexity
    }

    public func write(to writer: inout JSONWriter) {
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
public enum LlamaStackJobStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case completed
    case inProgress = "in_progress"
    case failed, scheduled, cancelled

    /// SPEC 2's llama-stack table. Lossy: every phase before training is scheduled.
    public init(_ phase: Phase) {
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
    public static let llamaStack = Vocabulary(PostTrainingJobStatusResponse.self)
}
