import JobLedger

/// An independent reference model of one job, written in the test target straight from SPEC 1's
/// tables (events, phases and legal transitions) and the field rules of docs/model.md.
///
/// It does not call the library's transition code (`TransitionTable`, `JobState`): it uses only
/// the library's plain data types (`Event`, `Timestamp`) as its input. Each rule is spelled out as
/// a `switch`, the way SPEC states it, so a wrong row in the library's table disagrees with it.
struct ModelJob {
    enum Phase: String, CaseIterable {
        case initialized, queued, uploadingDataset, processingData, dataReady, trainingStarted, training, trained
        case uploadingModel, completed, failed, cancelled

        /// SPEC 1: "the last three are terminal".
        var isTerminal: Bool { self == .completed || self == .failed || self == .cancelled }
    }

    enum Inference: String { case none, pending, running }
    enum Import: String { case none, importing, imported, failed }

    /// Why the model refuses an event: the error code the library must answer with, and why.
    struct Rejection: Error, CustomStringConvertible {
        var code: String
        var reason: String
        var description: String { "\(code): \(reason)" }
    }

    let job: String
    private(set) var events: [RecordedEvent] = []
    private(set) var phase: Phase = .initialized
    private(set) var inference: Inference = .none
    private(set) var modelImport: Import = .none
    private(set) var everQueued = false
    private(set) var uploadStarted = false
    private(set) var processingStarted = false
    private(set) var percent = 0
    private(set) var lastCheckpointEpoch: Int?

    // What the projections need.
    private(set) var creation = Creation(origin: .api)
    private(set) var createdAt = Timestamp(seconds: 0)
    private(set) var config: [String: J] = [:]
    private(set) var configSeen = false
    private(set) var trainingStartedAt: Timestamp?
    private(set) var resources: JSONObject?
    private(set) var finishedAt: Timestamp?
    private(set) var trainedModel: String?
    private(set) var error: String?
    private(set) var cancelReason: String?
    /// Every phase the job entered, with the time of the event that entered it (SageMaker's
    /// SecondaryStatusTransitions are built from it).
    private(set) var phaseHistory: [(phase: Phase, at: Timestamp)] = []
    private(set) var checkpoints: [(checkpoint: Checkpoint, at: Timestamp)] = []

    var seq: Int { events.count }
    var lastAt: Timestamp? { events.last?.at }

    init(job: String) { self.job = job }

    /// A job folded from `events` by the model; `nil` if the model rejects one.
    static func fold(job: String, _ events: some Sequence<RecordedEvent>) -> ModelJob? {
        var model = ModelJob(job: job)
        for event in events {
            guard (try? model.append(event.event, at: event.at)) != nil else { return nil }
        }
        return model
    }

    // MARK: The rules

    /// SPEC 1's events table (field rules) and docs/model.md's decisions on fields.
    static func fieldProblem(_ event: Event) -> String? {
        switch event {
        case .progressed(let percent, let epoch):
            if percent < 0 || percent > 100 { return "percent \(percent) outside 0…100" }
            if let epoch, epoch < 0 { return "negative epoch" }
        case .checkpointSaved(let checkpoint):
            if checkpoint.identifier.isEmpty { return "empty identifier" }
            if checkpoint.path.isEmpty { return "empty path" }
            if checkpoint.epoch < 0 { return "negative epoch" }
            if let metrics = checkpoint.metrics,
                !metrics.trainLoss.isFinite || !metrics.validationLoss.isFinite || !metrics.perplexity.isFinite
            {
                return "metrics not finite"
            }
        case .completed(let model): if model.isEmpty { return "empty model" }
        case .failed(let error), .publicationFailed(let error), .modelImportFailed(let error):
            if error.isEmpty { return "empty error" }
        case .modelImportStarted(let type, let name):
            if type.isEmpty || name.isEmpty { return "empty model type or name" }
        default: break
        }
        return nil
    }

    /// SPEC 1's transition table, row by row: `nil` when `event` is legal now, else why not.
    func illegality(_ event: Event) -> String? {
        func from(_ phases: Phase...) -> String? {
            phases.contains(phase) ? nil : "phase \(phase) is not one of \(phases.map(\.rawValue))"
        }
        switch event {
        case .created:
            return "the job already has events"
        case .configured:
            return from(.initialized, .queued, .uploadingDataset)
        case .queued:
            return from(.initialized, .uploadingDataset, .processingData, .dataReady)
                ?? (everQueued ? "queued before" : nil)
        case .datasetUploadStarted:
            return from(.initialized, .queued) ?? (uploadStarted || processingStarted ? "a data stage happened" : nil)
        case .dataProcessingStarted:
            return from(.initialized, .queued, .uploadingDataset) ?? (processingStarted ? "processing started before" : nil)
        case .dataProcessed:
            return from(.processingData)
        case .trainingStarted:
            return from(.initialized, .queued, .uploadingDataset, .dataReady)
        case .progressed(let newPercent, _):
            return from(.trainingStarted, .training) ?? (newPercent < percent ? "percent decreases" : nil)
        case .checkpointSaved(let checkpoint):
            return from(.trainingStarted, .training, .trained)
                ?? (checkpoint.epoch < (lastCheckpointEpoch ?? 0) ? "epoch decreases" : nil)
        case .trainingFinished:
            return from(.trainingStarted, .training)
        case .modelUploadStarted:
            return from(.trained)
        case .completed:
            return from(.trained, .uploadingModel)
        case .failed, .cancelled:
            return phase.isTerminal ? "phase \(phase) is terminal" : nil
        case .publicationStarted:
            return from(.completed) ?? (inference == .none ? nil : "inference is \(inference)")
        case .published:
            return from(.completed) ?? (inference == .pending ? nil : "inference is \(inference)")
        case .publicationFailed:
            return from(.completed) ?? (inference == .pending ? nil : "inference is \(inference)")
        case .modelImportStarted:
            return from(.completed)
                ?? (modelImport == .none || modelImport == .failed ? nil : "model import is \(modelImport)")
        case .modelImported, .modelImportFailed:
            return from(.completed) ?? (modelImport == .importing ? nil : "model import is \(modelImport)")
        }
    }

    /// Appends `event` at `at` if SPEC allows it; otherwise throws the rejection and changes nothing.
    mutating func append(_ event: Event, at: Timestamp) throws(Rejection) {
        // A job without events is unknown to anything but `created`, whatever the fields say.
        if events.isEmpty, event.type != .created {
            throw Rejection(code: "unknown_job", reason: "first event is \(event.type), not created")
        }
        if let problem = Self.fieldProblem(event) { throw Rejection(code: "invalid_event", reason: problem) }
        if events.isEmpty {
            guard case .created(let creation) = event else { fatalError("checked above") }
            self.creation = creation
            createdAt = at
            phaseHistory = [(.initialized, at)]
        } else {
            if let lastAt, at < lastAt { throw Rejection(code: "invalid_event", reason: "at goes backwards") }
            if let reason = illegality(event) {
                throw Rejection(code: "illegal_transition", reason: "\(event.type): \(reason)")
            }
            let before = phase
            take(event, at: at)
            if phase != before { phaseHistory.append((phase, at)) }
        }
        events.append(RecordedEvent(seq: events.count + 1, at: at, job: try! JobID(job), event: event))
    }

    /// The "then" column, and what the projections remember.
    private mutating func take(_ event: Event, at: Timestamp) {
        switch event {
        case .created: break
        case .configured(let object):
            configSeen = true
            for entry in object { config[entry.key] = J(entry.value) }
        case .queued:
            phase = .queued
            everQueued = true
        case .datasetUploadStarted:
            phase = .uploadingDataset
            uploadStarted = true
        case .dataProcessingStarted:
            phase = .processingData
            processingStarted = true
        case .dataProcessed: phase = .dataReady
        case .trainingStarted(let resources):
            phase = .trainingStarted
            trainingStartedAt = at
            self.resources = resources
        case .progressed(let newPercent, _):
            phase = .training
            percent = newPercent
        case .checkpointSaved(let checkpoint):
            checkpoints.append((checkpoint, at))
            lastCheckpointEpoch = checkpoint.epoch
        case .trainingFinished:
            phase = .trained
            percent = 100
        case .modelUploadStarted: phase = .uploadingModel
        case .completed(let model):
            phase = .completed
            trainedModel = model
            finishedAt = at
        case .failed(let message):
            phase = .failed
            error = message
            finishedAt = at
        case .cancelled(let reason):
            phase = .cancelled
            cancelReason = reason
            finishedAt = at
        case .publicationStarted: inference = .pending
        case .published: inference = .running
        case .publicationFailed: inference = .none
        case .modelImportStarted: modelImport = .importing
        case .modelImported: modelImport = .imported
        case .modelImportFailed: modelImport = .failed
        }
    }

    /// The event types the model would accept now (with fitting field values), for generators.
    var legalTypes: [EventType] {
        if events.isEmpty { return [.created] }
        let probes: [Event] = [
            .configured(config: [:]), .queued, .datasetUploadStarted(files: nil), .dataProcessingStarted, .dataProcessed,
            .trainingStarted(resources: nil), .progressed(percent: 100, epoch: nil),
            .checkpointSaved(Checkpoint(identifier: "c", epoch: Int.max, path: "p")), .trainingFinished,
            .modelUploadStarted, .completed(model: "m"), .failed(error: "e"), .cancelled(reason: nil),
            .publicationStarted(trigger: .explicit), .published, .publicationFailed(error: "e"),
            .modelImportStarted(modelType: "t", modelName: "n"), .modelImported, .modelImportFailed(error: "e"),
        ]
        return probes.filter { illegality($0) == nil }.map(\.type)
    }

    // MARK: The publication rule (SPEC 1, seed 000)

    /// What a progress check appends: `publicationStarted(progressCheck)` for an `api` job that
    /// is completed with inference none, else nothing.
    var progressCheckAppends: Event? {
        creation.origin == .api && phase == .completed && inference == .none
            ? .publicationStarted(trigger: .progressCheck) : nil
    }
}
