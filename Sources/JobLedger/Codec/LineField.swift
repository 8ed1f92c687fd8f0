/// Why a line is not an event.
struct LineError: Error {
    var message: String
}

/// The fields a log line may carry, as bits of a mask.
enum LineField: Int, CaseIterable {
    case seq, at, job, type
    case origin, name, task, model, trainingFile, validationFile, hyperparameters
    case config, files, resources, percent, epoch, identifier, path, metrics
    case error, reason, trigger, modelType, modelName

    @inline(__always) var bit: UInt32 { 1 << UInt32(rawValue) }

    var name: String {
        switch self {
        case .seq: "seq"
        case .at: "at"
        case .job: "job"
        case .type: "type"
        case .origin: "origin"
        case .name: "name"
        case .task: "task"
        case .model: "model"
        case .trainingFile: "trainingFile"
        case .validationFile: "validationFile"
        case .hyperparameters: "hyperparameters"
        case .config: "config"
        case .files: "files"
        case .resources: "resources"
        case .percent: "percent"
        case .epoch: "epoch"
        case .identifier: "identifier"
        case .path: "path"
        case .metrics: "metrics"
        case .error: "error"
        case .reason: "reason"
        case .trigger: "trigger"
        case .modelType: "modelType"
        case .modelName: "modelName"
        }
    }

    static let envelope: UInt32 = seq.bit | at.bit | job.bit | type.bit

    static func mask(_ fields: LineField...) -> UInt32 { fields.reduce(0) { $0 | $1.bit } }

    /// The fields each event type requires and allows beyond the envelope (SPEC 1's events table).
    @inline(__always)
    static func fields(of type: EventType) -> (required: UInt32, allowed: UInt32) {
        switch type {
        case .created:
            return (origin.bit, mask(.origin, .name, .task, .model, .trainingFile, .validationFile, .hyperparameters))
        case .configured: return (config.bit, config.bit)
        case .datasetUploadStarted: return (0, files.bit)
        case .trainingStarted: return (0, resources.bit)
        case .progressed: return (percent.bit, mask(.percent, .epoch))
        case .checkpointSaved: return (mask(.identifier, .epoch, .path), mask(.identifier, .epoch, .path, .metrics))
        case .completed: return (model.bit, model.bit)
        case .failed, .publicationFailed, .modelImportFailed: return (error.bit, error.bit)
        case .cancelled: return (0, reason.bit)
        case .publicationStarted: return (trigger.bit, trigger.bit)
        case .modelImportStarted: return (mask(.modelType, .modelName), mask(.modelType, .modelName))
        case .queued, .dataProcessingStarted, .dataProcessed, .trainingFinished, .modelUploadStarted, .published,
            .modelImported:
            return (0, 0)
        }
    }
}

