/// The folded state of one job: everything every vocabulary needs, built from its events alone.
///
/// Folding is pure: `JobState(first)` then ``apply(_:)`` for each later event. Each event is
/// checked completely — its fields, its `seq` and `at`, its row of the ``TransitionTable`` —
/// before anything changes, so a rejected event leaves the state as it was (SPEC 1).
public struct JobState: Sendable, Hashable {
    /// A checkpoint with the time it was saved (llama-stack's `created_at`).
    public struct SavedCheckpoint: Sendable, Hashable {
        public var checkpoint: Checkpoint
        public var savedAt: Timestamp
    }

    public let job: JobID
    /// The `seq` of the last event folded in; the next event must carry `seq + 1`.
    public private(set) var seq: Int
    /// The `at` of the last event; the next may not be earlier.
    public private(set) var lastEventAt: Timestamp
    public private(set) var phase: Phase
    public private(set) var inference: InferenceStatus = .none
    public private(set) var modelImport: ModelImportStatus = .none
    /// The `created` event's fields.
    public let creation: Creation
    public let createdAt: Timestamp
    /// Every `configured` object merged key by key, in order.
    public private(set) var config: JSONObject = JSONObject()
    /// 0 until the first `progressed`, then the last reported percent; 100 from `trainingFinished` on.
    public private(set) var percent: Int = 0
    /// The last `progressed` epoch, if any was reported.
    public private(set) var epoch: Int?
    public private(set) var checkpoints: [SavedCheckpoint] = []
    public private(set) var wasQueued = false
    public private(set) var datasetUploadStarted = false
    public private(set) var dataProcessingStarted = false
    /// When training started (llama-stack's `started_at`) and on what (`resources_allocated`).
    public private(set) var trainingStartedAt: Timestamp?
    public private(set) var resources: JSONObject?
    /// When the job reached a terminal phase (Bluesight's `finished_at`, llama-stack's `completed_at`).
    public private(set) var finishedAt: Timestamp?
    /// The `completed` event's model.
    public private(set) var trainedModel: String?
    /// The `failed` event's error.
    public private(set) var error: String?
    /// The `cancelled` event's reason.
    public private(set) var cancelReason: String?
    /// What started the current or last publication.
    public private(set) var publicationTrigger: PublicationTrigger?
    /// The last `publicationFailed` error.
    public private(set) var publicationError: String?
    /// The model import's type and name, from `modelImportStarted`.
    public private(set) var importedModelType: String?
    public private(set) var importedModelName: String?
    /// The last `modelImportFailed` error.
    public private(set) var modelImportError: String?

    public var origin: Origin { creation.origin }

    /// Starts a job's state from its first event, which must be `created` with `seq` 1.
    /// - Throws: `invalid_event` for bad fields or `seq`; `illegal_transition` if it is not `created`.
    public init(_ first: RecordedEvent) throws(JobLedgerError) {
        try Self.validate(first.event, job: first.job.rawValue)
        guard case .created(let creation) = first.event else {
            throw JobLedgerError(
                .illegalTransition,
                "illegal transition: \(first.event.type) as the job's first event (a job starts with created)",
                job: first.job.rawValue)
        }
        guard first.seq == 1 else {
            throw JobLedgerError(.invalidEvent, "seq \(first.seq) on the job's first event (expected 1)", job: first.job.rawValue)
        }
        job = first.job
        seq = 1
        lastEventAt = first.at
        phase = .initialized
        self.creation = creation
        createdAt = first.at
    }

    /// The state after `event`.
    /// - Throws: as ``apply(_:)``; `self` is not changed.
    public func applying(_ event: RecordedEvent) throws(JobLedgerError) -> JobState {
        var next = self
        try next.apply(event)
        return next
    }

    /// Folds `event` in.
    /// - Throws: `invalid_event` for another job's event, a `seq` other than the next, an `at`
    ///   before the last, or bad fields; `illegal_transition` when the table forbids it. Nothing
    ///   changes when it throws.
    public mutating func apply(_ event: RecordedEvent) throws(JobLedgerError) {
        guard event.job == job else {
            throw JobLedgerError(.invalidEvent, "event of job \(event.job) folded into job \(job)", job: job.rawValue)
        }
        try apply(seq: event.seq, at: event.at, event: event.event)
    }

    /// Folds an event already known to be this job's (the replay hot path).
    @inline(__always)
    mutating func apply(seq newSeq: Int, at: Timestamp, event: Event) throws(JobLedgerError) {
        try Self.validate(event, job: job.rawValue)
        guard newSeq == seq + 1 else {
            throw JobLedgerError(.invalidEvent, "seq \(newSeq) follows seq \(seq) (expected \(seq + 1))", job: job.rawValue)
        }
        guard at >= lastEventAt else {
            throw JobLedgerError(
                .invalidEvent, "at \(at) is before the previous event's \(lastEventAt) (time never goes backwards)",
                job: job.rawValue)
        }
        let rule = TransitionTable.rule(for: event.type)
        try check(rule, event)
        // Checked: from here on nothing throws.
        seq = newSeq
        lastEventAt = at
        switch rule.effect {
        case .phase(let next): phase = next
        case .unchanged: break
        case .inference(let next): inference = next
        case .modelImport(let next): modelImport = next
        }
        record(event, at: at)
    }

    /// Throws unless `rule` allows `event` now.
    @inline(__always)
    private func check(_ rule: TransitionRule, _ event: Event) throws(JobLedgerError) {
        guard rule.from.contains(phase) else { throw illegal(rule, because: nil) }
        if let needed = rule.inference, inference != needed { throw illegal(rule, because: nil) }
        guard rule.modelImport.contains(modelImport) else { throw illegal(rule, because: nil) }
        let conditions = rule.conditions
        if conditions.isEmpty { return }
        if conditions.contains(.neverQueued), wasQueued { throw illegal(rule, because: "the job was queued before") }
        if conditions.contains(.noDataStageYet), datasetUploadStarted || dataProcessingStarted {
            throw illegal(rule, because: datasetUploadStarted ? "the dataset upload already started" : "data processing already started")
        }
        if conditions.contains(.processingNeverStarted), dataProcessingStarted {
            throw illegal(rule, because: "data processing already started")
        }
        if conditions.contains(.percentNotDecreasing), case .progressed(let newPercent, _) = event, newPercent < percent {
            throw illegal(rule, because: "percent \(newPercent) is below the last percent \(percent)")
        }
        if conditions.contains(.epochNotDecreasing), case .checkpointSaved(let checkpoint) = event,
            let last = checkpoints.last?.checkpoint.epoch, checkpoint.epoch < last
        {
            throw illegal(rule, because: "epoch \(checkpoint.epoch) is below the last checkpoint's epoch \(last)")
        }
    }

    private func illegal(_ rule: TransitionRule, because reason: String?) -> JobLedgerError {
        var where_ = "in phase \(phase)"
        if rule.inference != nil { where_ += " with inference \(inference)" }
        if rule.modelImport != .any { where_ += " with model import \(modelImport)" }
        var message = "illegal transition: \(rule.event) \(where_)"
        if let reason { message += ": \(reason)" }
        message += " (\(rule.legality))"
        return JobLedgerError(.illegalTransition, message, job: job.rawValue)
    }

    /// Records what an accepted event tells, beyond its table effect.
    @inline(__always)
    private mutating func record(_ event: Event, at: Timestamp) {
        switch event {
        case .created:
            break  // unreachable: `created` is never legal after the first event
        case .configured(let object):
            config = config.merging(object)
        case .queued:
            wasQueued = true
        case .datasetUploadStarted:
            datasetUploadStarted = true
        case .dataProcessingStarted:
            dataProcessingStarted = true
        case .dataProcessed:
            break
        case .trainingStarted(let resources):
            trainingStartedAt = at
            self.resources = resources
        case .progressed(let newPercent, let newEpoch):
            percent = newPercent
            if let newEpoch { epoch = newEpoch }
        case .checkpointSaved(let checkpoint):
            checkpoints.append(SavedCheckpoint(checkpoint: checkpoint, savedAt: at))
        case .trainingFinished:
            percent = 100
        case .modelUploadStarted:
            break
        case .completed(let model):
            trainedModel = model
            finishedAt = at
        case .failed(let message):
            error = message
            finishedAt = at
        case .cancelled(let reason):
            cancelReason = reason
            finishedAt = at
        case .publicationStarted(let trigger):
            publicationTrigger = trigger
        case .published:
            break
        case .publicationFailed(let message):
            publicationError = message
        case .modelImportStarted(let type, let name):
            importedModelType = type
            importedModelName = name
        case .modelImported:
            break
        case .modelImportFailed(let message):
            modelImportError = message
        }
    }

    // MARK: Field rules

    /// Checks the field rules of SPEC 1's events table that types alone do not: ranges and
    /// non-empty names.
    /// - Throws: `invalid_event` naming the field.
    public static func validate(_ event: Event, job: String?) throws(JobLedgerError) {
        func invalid(_ message: String) -> JobLedgerError {
            JobLedgerError(.invalidEvent, "\(event.type): \(message)", job: job)
        }
        func required(_ value: String, _ field: String) throws(JobLedgerError) {
            if value.isEmpty { throw invalid("\(field) must not be empty") }
        }
        switch event {
        case .progressed(let percent, let epoch):
            guard percent >= 0 && percent <= 100 else { throw invalid("percent \(percent) is outside 0…100") }
            if let epoch, epoch < 0 { throw invalid("epoch \(epoch) is negative") }
        case .checkpointSaved(let checkpoint):
            try required(checkpoint.identifier, "identifier")
            try required(checkpoint.path, "path")
            guard checkpoint.epoch >= 0 else { throw invalid("epoch \(checkpoint.epoch) is negative") }
            if let metrics = checkpoint.metrics,
                !(metrics.trainLoss.isFinite && metrics.validationLoss.isFinite && metrics.perplexity.isFinite)
            {
                throw invalid("metrics must be finite numbers")
            }
        case .completed(let model): try required(model, "model")
        case .failed(let error): try required(error, "error")
        case .publicationFailed(let error): try required(error, "error")
        case .modelImportStarted(let type, let name):
            try required(type, "modelType")
            try required(name, "modelName")
        case .modelImportFailed(let error): try required(error, "error")
        case .created, .configured, .queued, .datasetUploadStarted, .dataProcessingStarted, .dataProcessed,
            .trainingStarted, .trainingFinished, .modelUploadStarted, .cancelled, .publicationStarted, .published,
            .modelImported:
            break
        }
    }

    // MARK: Folding a whole log

    /// Folds a job's events, in order; `nil` for no events.
    /// - Throws: the first event's error, placed at its 1-based position as `line`.
    public static func fold(_ events: some Sequence<RecordedEvent>) throws(JobLedgerError) -> JobState? {
        var state: JobState?
        var position = 0
        for event in events {
            position += 1
            do throws(JobLedgerError) {
                if state == nil { state = try JobState(event) } else { try state!.apply(event) }
            } catch {
                throw error.at(file: nil, line: position)
            }
        }
        return state
    }
}
