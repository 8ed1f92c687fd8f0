/// What happened to a job, as a fact in the platform's own words (SPEC 1, events).
///
/// Cases are past-tense facts with the fields of their type; the vendor vocabularies are
/// projections of the state these facts fold into (``JobState``). The last three cases model
/// the NuPIC Training Module's model import (seed 001), which SPEC leaves to us: see
/// docs/model.md.
public enum Event: Sendable, Hashable {
    /// The job exists. `origin` decides the publication rule (SPEC 1).
    /// (Boxed, like `checkpointSaved`, so the common small events stay small to copy.)
    indirect case created(Creation)
    /// Configuration merged over earlier configuration, key by key.
    case configured(config: JSONObject)
    /// The job waits for training resources (at most once).
    case queued
    /// Dataset files started uploading.
    case datasetUploadStarted(files: [String]?)
    /// Uploaded data started being processed or validated.
    case dataProcessingStarted
    /// Data processing finished; the job is ready to train.
    case dataProcessed
    /// Training began, on `resources` if known.
    case trainingStarted(resources: JSONObject?)
    /// Training reported progress: `percent` 0…100, never decreasing; `epoch` ≥ 0 if known.
    case progressed(percent: Int, epoch: Int?)
    /// A checkpoint was saved (llama-stack's checkpoints).
    indirect case checkpointSaved(Checkpoint)
    /// Training itself is over; percent becomes 100.
    case trainingFinished
    /// The trained model started uploading (Sestek's ModelUploading).
    case modelUploadStarted
    /// All training stages concluded; `model` is the trained model's name.
    case completed(model: String)
    /// The job failed with `error`.
    case failed(error: String)
    /// The job was cancelled (NuPIC's stop, force_restart).
    case cancelled(reason: String?)
    /// Publication of the trained model began: Sestek's inferenceStatus becomes Pending.
    case publicationStarted(trigger: PublicationTrigger)
    /// The model serves inference: inferenceStatus Running.
    case published
    /// Publication failed; inference is back to none and may be started again.
    case publicationFailed(error: String)
    /// NuPIC `import_model`: importing the trained model as `modelName` of type `modelType` began.
    case modelImportStarted(modelType: String, modelName: String)
    /// The model import finished.
    case modelImported
    /// The model import failed; it may be started again.
    case modelImportFailed(error: String)

    /// The `type` of this event in the log.
    public var type: EventType {
        switch self {
        case .created: .created
        case .configured: .configured
        case .queued: .queued
        case .datasetUploadStarted: .datasetUploadStarted
        case .dataProcessingStarted: .dataProcessingStarted
        case .dataProcessed: .dataProcessed
        case .trainingStarted: .trainingStarted
        case .progressed: .progressed
        case .checkpointSaved: .checkpointSaved
        case .trainingFinished: .trainingFinished
        case .modelUploadStarted: .modelUploadStarted
        case .completed: .completed
        case .failed: .failed
        case .cancelled: .cancelled
        case .publicationStarted: .publicationStarted
        case .published: .published
        case .publicationFailed: .publicationFailed
        case .modelImportStarted: .modelImportStarted
        case .modelImported: .modelImported
        case .modelImportFailed: .modelImportFailed
        }
    }
}

/// The `type` of an event: its name in the log and its row in the ``TransitionTable``.
public enum EventType: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    case created, configured, queued, datasetUploadStarted, dataProcessingStarted, dataProcessed
    case trainingStarted, progressed, checkpointSaved, trainingFinished, modelUploadStarted
    case completed, failed, cancelled, publicationStarted, published, publicationFailed
    case modelImportStarted, modelImported, modelImportFailed

    public var description: String { rawValue }

    /// ``rawValue`` as a static string: how a log line's writer spells the type without a
    /// `String` (the raw value's getter, the reach for its bytes and its release cost more than
    /// the rest of the line's first four fields; a test keeps the two equal).
    package var logName: StaticString {
        switch self {
        case .created: "created"
        case .configured: "configured"
        case .queued: "queued"
        case .datasetUploadStarted: "datasetUploadStarted"
        case .dataProcessingStarted: "dataProcessingStarted"
        case .dataProcessed: "dataProcessed"
        case .trainingStarted: "trainingStarted"
        case .progressed: "progressed"
        case .checkpointSaved: "checkpointSaved"
        case .trainingFinished: "trainingFinished"
        case .modelUploadStarted: "modelUploadStarted"
        case .completed: "completed"
        case .failed: "failed"
        case .cancelled: "cancelled"
        case .publicationStarted: "publicationStarted"
        case .published: "published"
        case .publicationFailed: "publicationFailed"
        case .modelImportStarted: "modelImportStarted"
        case .modelImported: "modelImported"
        case .modelImportFailed: "modelImportFailed"
        }
    }

    /// Position in `allCases`, for table lookups without hashing.
    @inline(__always) var ordinal: Int {
        switch self {
        case .created: 0
        case .configured: 1
        case .queued: 2
        case .datasetUploadStarted: 3
        case .dataProcessingStarted: 4
        case .dataProcessed: 5
        case .trainingStarted: 6
        case .progressed: 7
        case .checkpointSaved: 8
        case .trainingFinished: 9
        case .modelUploadStarted: 10
        case .completed: 11
        case .failed: 12
        case .cancelled: 13
        case .publicationStarted: 14
        case .published: 15
        case .publicationFailed: 16
        case .modelImportStarted: 17
        case .modelImported: 18
        case .modelImportFailed: 19
        }
    }
}

/// Who started a training: the publication rule applies to `api` trainings only (seed 000).
public enum Origin: String, Sendable, Hashable, CaseIterable, Codable {
    case api, console
}

/// What began a publication: the Sestek progress check (seed 000) or an explicit request.
public enum PublicationTrigger: String, Sendable, Hashable, CaseIterable, Codable {
    case progressCheck, explicit
}

/// The fields of a `created` event.
public struct Creation: Sendable, Hashable {
    public var origin: Origin
    /// A display name (Novita's task_name).
    public var name: String?
    /// The task type, e.g. classification, segmentation, subject (Bluesight's task, Novita's task_type).
    public var task: String?
    /// The base model.
    public var model: String?
    /// Bluesight's training_file.
    public var trainingFile: String?
    /// Bluesight's validation_file.
    public var validationFile: String?
    /// Initial hyperparameters; `configured` events merge over them in Bluesight's view.
    public var hyperparameters: JSONObject?

    public init(
        origin: Origin, name: String? = nil, task: String? = nil, model: String? = nil, trainingFile: String? = nil,
        validationFile: String? = nil, hyperparameters: JSONObject? = nil
    ) {
        self.origin = origin
        self.name = name
        self.task = task
        self.model = model
        self.trainingFile = trainingFile
        self.validationFile = validationFile
        self.hyperparameters = hyperparameters
    }
}

/// A saved checkpoint (llama-stack's `Checkpoint`, seed 002).
public struct Checkpoint: Sendable, Hashable {
    public var identifier: String
    /// The training epoch it was saved at; never lower than the previous checkpoint's.
    public var epoch: Int
    /// Where it is stored.
    public var path: String
    public var metrics: TrainingMetrics?

    public init(identifier: String, epoch: Int, path: String, metrics: TrainingMetrics? = nil) {
        self.identifier = identifier
        self.epoch = epoch
        self.path = path
        self.metrics = metrics
    }
}

/// llama-stack's `PostTrainingMetric` without its epoch, which is the checkpoint's.
public struct TrainingMetrics: Sendable, Hashable {
    public var trainLoss: Double
    public var validationLoss: Double
    public var perplexity: Double

    public init(trainLoss: Double, validationLoss: Double, perplexity: Double) {
        self.trainLoss = trainLoss
        self.validationLoss = validationLoss
        self.perplexity = perplexity
    }
}

/// An event as the log holds it: its place in the job's history (`seq`, 1, 2, 3 …), when it
/// happened (`at`, never before the previous event's), and the job.
public struct RecordedEvent: Sendable, Hashable {
    public var seq: Int
    public var at: Timestamp
    public var job: JobID
    public var event: Event

    public init(seq: Int, at: Timestamp, job: JobID, event: Event) {
        self.seq = seq
        self.at = at
        self.job = job
        self.event = event
    }
}

/// An event not yet in a log: what a caller asks to append, with when it happened.
public struct PendingEvent: Sendable, Hashable {
    public var event: Event
    public var at: Timestamp

    public init(_ event: Event, at: Timestamp = .now()) {
        self.event = event
        self.at = at
    }
}
