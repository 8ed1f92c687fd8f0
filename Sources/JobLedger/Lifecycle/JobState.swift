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

    /// A change of phase: the phase entered and the time of the event that entered it.
    public struct PhaseChange: Sendable, Hashable {
        public var phase: Phase
        public var at: Timestamp
    }

    public let job: JobID
    /// The `seq` of the last event folded in; the next event must carry `seq + 1`.
    public private(set) var seq: Int
    /// The `at` of the last event; the next may not be earlier.
    public private(set) var lastEventAt: Timestamp
    public private(set) var phase: Phase
    public private(set) var inference: InferenceStatus = .none
    public private(set) var modelImport: ModelImportStatus = .none
    /// 0 until the first `progressed`, then the last reported percent; 100 from `trainingFinished` on.
    public private(set) var percent: Int = 0
    /// The last `progressed` epoch, if any was reported.
    public private(set) var epoch: Int?
    public private(set) var wasQueued = false
    public private(set) var datasetUploadStarted = false
    public private(set) var dataProcessingStarted = false
    public let origin: Origin
    /// The `created` event's time.
    public let createdAt: Timestamp
    /// When training started (llama-stack's `started_at`).
    public private(set) var trainingStartedAt: Timestamp?
    /// When the job reached a terminal phase (Bluesight's `finished_at`, llama-stack's `completed_at`).
    public private(set) var finishedAt: Timestamp?
    /// The `completed` event's model.
    public private(set) var trainedModel: String?
    /// The changes of phase after `initialized` (``phaseHistory``), inline: every job has some.
    private var phaseChanges = PackedPhaseChanges()
    /// What most jobs never have, boxed: a config, checkpoints, resources, errors, publication
    /// and import details. Until an event brings one there is no box (`created` with only an
    /// origin, then the lifecycle's plain events): such a job's state allocates nothing but its
    /// id, and a copy of any state is its inline fields and at most one retain.
    private var cold = ColdReference()

    /// Every phase the job was in, oldest first, each with the time of the event that entered it:
    /// the start phase (`initialized`) at the `created` time, then one entry per change of phase (never per event;
    /// phases only move forward, so at most a dozen). SageMaker's SecondaryStatusTransitions.
    public var phaseHistory: [PhaseChange] {
        phaseChanges.decode(start: PhaseChange(phase: TransitionTable.startPhase, at: createdAt))
    }

    /// The `created` event's fields.
    public var creation: Creation { cold.box?.cold.creation?.value ?? Creation(origin: origin) }
    /// Every `configured` object merged key by key, in order.
    public var config: JSONObject { cold.box?.cold.config ?? JSONObject() }
    public var checkpoints: [SavedCheckpoint] { cold.box?.cold.checkpoints ?? [] }
    /// What training started on (llama-stack's `resources_allocated`).
    public var resources: JSONObject? { cold.box?.cold.resources }
    /// The `failed` event's error.
    public var error: String? { cold.box?.cold.error }
    /// The `cancelled` event's reason.
    public var cancelReason: String? { cold.box?.cold.cancelReason }
    /// What started the current or last publication.
    public var publicationTrigger: PublicationTrigger? { cold.box?.cold.publicationTrigger }
    /// The last `publicationFailed` error.
    public var publicationError: String? { cold.box?.cold.publicationError }
    /// The model import's type and name, from `modelImportStarted`.
    public var importedModelType: String? { cold.box?.cold.importedModelType }
    public var importedModelName: String? { cold.box?.cold.importedModelName }
    /// The last `modelImportFailed` error.
    public var modelImportError: String? { cold.box?.cold.modelImportError }

    /// The rarely set part of a state; all defaults when there is no box.
    struct Cold: Sendable, Hashable {
        /// The `created` event's fields when they are more than an origin. Never changes, so
        /// shared rather than copied with the rest.
        var creation: Shared<Creation>?
        var config = JSONObject()
        var checkpoints: [SavedCheckpoint] = []
        var resources: JSONObject?
        var error: String?
        var cancelReason: String?
        var publicationTrigger: PublicationTrigger?
        var publicationError: String?
        var importedModelType: String?
        var importedModelName: String?
        var modelImportError: String?
    }

    /// The cold part's box, if any: equal when the parts are, whether boxed or not (no box is
    /// the default ``Cold``).
    struct ColdReference: Sendable, Hashable {
        var box: ColdBox?
        static func == (lhs: ColdReference, rhs: ColdReference) -> Bool {
            lhs.box === rhs.box || (lhs.box?.cold ?? Cold()) == (rhs.box?.cold ?? Cold())
        }
        func hash(into hasher: inout Hasher) { hasher.combine(box?.cold ?? Cold()) }
    }

    /// A copy-on-write box: `cold` is only changed through ``JobState/changeCold(_:)``, which
    /// first makes the box unique, so no two states ever share a box being changed.
    final class ColdBox: @unchecked Sendable, Hashable {
        /// Unchecked exclusivity: `changeCold` makes the box unique before every change, and no
        /// access to `cold` overlaps another, so the run-time check each access would pay (the
        /// replay hot path changes it on every change of phase) proves nothing.
        @exclusivity(unchecked) var cold: Cold
        init(_ cold: Cold) { self.cold = cold }
        static func == (lhs: ColdBox, rhs: ColdBox) -> Bool { lhs === rhs || lhs.cold == rhs.cold }
        func hash(into hasher: inout Hasher) { hasher.combine(cold) }
    }

    /// An immutable value behind one reference.
    final class Shared<Value: Sendable & Hashable>: Sendable, Hashable {
        let value: Value
        init(_ value: Value) { self.value = value }
        static func == (lhs: Shared, rhs: Shared) -> Bool { lhs === rhs || lhs.value == rhs.value }
        func hash(into hasher: inout Hasher) { hasher.combine(value) }
    }

    @inline(__always)
    private mutating func changeCold(_ change: (inout Cold) -> Void) {
        if !isKnownUniquelyReferenced(&cold.box) { cold.box = ColdBox(cold.box?.cold ?? Cold()) }
        change(&cold.box.unsafelyUnwrapped.cold)
    }

    /// Starts a job's state from its first event, which must be `created` with `seq` 1.
    /// - Throws: `invalid_event` for bad fields; `corrupt_log` for a `seq` other than 1;
    ///   `illegal_transition` if it is not `created`.
    public init(_ first: RecordedEvent) throws(JobLedgerError) {
        do { try Self.validate(first.event) } catch { throw error.about(job: first.job.rawValue) }
        guard case .created(let creation) = first.event else {
            throw JobLedgerError(
                .illegalTransition,
                "illegal transition: \(first.event.type) as the job's first event (a job starts with created)",
                job: first.job.rawValue)
        }
        guard first.seq == 1 else { throw Self.seqError(found: first.seq, expected: 1, job: first.job) }
        job = first.job
        seq = 1
        lastEventAt = first.at
        phase = TransitionTable.startPhase
        origin = creation.origin
        createdAt = first.at
        if creation != Creation(origin: creation.origin) { cold.box = ColdBox(Cold(creation: Shared(creation))) }
    }

    /// Starts a job's state from a `created` event with only its origin: what ``init(_:)`` makes
    /// of `RecordedEvent(seq: seq, at: at, job: job, event: .created(Creation(origin: origin)))`,
    /// without building the event.
    /// - Throws: `corrupt_log` for a `seq` other than 1.
    init(seq: Int, at: Timestamp, job: JobID, origin: Origin) throws(JobLedgerError) {
        guard seq == 1 else { throw Self.seqError(found: seq, expected: 1, job: job) }
        self.init(createdAt: at, job: job, origin: origin)
    }

    /// ``init(seq:at:job:origin:)`` for a `created` known to carry `seq` 1.
    init(createdAt at: Timestamp, job: JobID, origin: Origin) {
        self.job = job
        self.seq = 1
        lastEventAt = at
        phase = TransitionTable.startPhase
        self.origin = origin
        createdAt = at
    }

    /// The state after `event`.
    /// - Throws: as ``apply(_:)``; `self` is not changed.
    public func applying(_ event: RecordedEvent) throws(JobLedgerError) -> JobState {
        var next = self
        try next.apply(event)
        return next
    }

    /// Folds `event` in.
    /// - Throws: `invalid_event` for another job's event, an `at` before the last, or bad fields;
    ///   `corrupt_log` for a `seq` other than the next; `illegal_transition` when the table forbids it. Nothing
    ///   changes when it throws.
    public mutating func apply(_ event: RecordedEvent) throws(JobLedgerError) {
        guard event.job == job else {
            throw JobLedgerError(.invalidEvent, "event of job \(event.job) folded into job \(job)", job: job.rawValue)
        }
        try apply(seq: event.seq, at: event.at, event: event.event)
    }

    /// Folds an event already known to be this job's.
    @inline(__always)
    mutating func apply(seq newSeq: Int, at: Timestamp, event: Event) throws(JobLedgerError) {
        do { try Self.validate(event) } catch { throw error.about(job: job.rawValue) }
        let rule = try checkOrder(seq: newSeq, at: at, type: event.type)
        var newPercent: Int?
        var checkpointEpoch: Int?
        switch event {
        case .progressed(let percent, _): newPercent = percent
        case .checkpointSaved(let checkpoint): checkpointEpoch = checkpoint.epoch
        default: break
        }
        try check(rule, percent: newPercent, checkpointEpoch: checkpointEpoch)
        // Checked: from here on nothing throws.
        take(rule, seq: newSeq, at: at)
        record(event, at: at)
    }

    /// ``apply(seq:at:event:)`` for an event with no fields but `percent`, as a log line's fast
    /// reader finds most of them: the same checks in the same order, without building the event.
    /// `type` is an event with no fields (`files` and `resources` absent) or `progressed` without
    /// an epoch; `percent` is read for `progressed` only.
    ///
    /// Transparent, not `@inline(__always)`: the optimizer left the latter a call per line from
    /// the replay's run loop (with its spills and a 7 KB frame), and inlined into the loop it
    /// takes 4 % fewer instructions of the whole replay.
    @_transparent
    mutating func applyPlain(seq newSeq: Int, at: Timestamp, type: EventType, percent newPercent: Int) throws(JobLedgerError) {
        try applyPlain(seq: newSeq, at: at, type: type, percent: newPercent, rule: TransitionTable.rule(for: type))
    }

    /// ``applyPlain(seq:at:type:percent:)`` with `type`'s row of ``TransitionTable/rules``
    /// looked up by the caller (a run of lines fetches the table once, not once per line).
    @_transparent
    mutating func applyPlain(seq newSeq: Int, at: Timestamp, type: EventType, percent newPercent: Int, rule: TransitionRule)
        throws(JobLedgerError)
    {
        let isProgress = type == .progressed
        if isProgress, newPercent < 0 || newPercent > 100 {
            // The field rule's error, worded by the one validation.
            return try apply(seq: newSeq, at: at, event: .progressed(percent: newPercent, epoch: nil))
        }
        try checkOrder(seq: newSeq, at: at)
        try check(rule, percent: isProgress ? newPercent : nil, checkpointEpoch: nil)
        take(rule, seq: newSeq, at: at)
        switch type {
        case .trainingStarted: recordTrainingStart(at: at, resources: nil)
        case .progressed: percent = newPercent
        default: recordStage(type)
        }
    }

    /// ``apply(seq:at:event:)`` for `completed(model:)` with a non-empty `model`, as a log line's
    /// fast reader finds it: the same checks in the same order, without building the event.
    @inline(__always)
    mutating func applyCompleted(seq newSeq: Int, at: Timestamp, model: String) throws(JobLedgerError) {
        let rule = try checkOrder(seq: newSeq, at: at, type: .completed)
        try check(rule, percent: nil, checkpointEpoch: nil)
        take(rule, seq: newSeq, at: at)
        trainedModel = model
        finishedAt = at
    }

    /// The `seq` and `at` rules, then the event's row of the table.
    @inline(__always)
    private func checkOrder(seq newSeq: Int, at: Timestamp, type: EventType) throws(JobLedgerError) -> TransitionRule {
        try checkOrder(seq: newSeq, at: at)
        return TransitionTable.rule(for: type)
    }

    /// The `seq` and `at` rules.
    @inline(__always)
    private func checkOrder(seq newSeq: Int, at: Timestamp) throws(JobLedgerError) {
        guard newSeq == seq + 1 else { throw Self.seqError(found: newSeq, expected: seq + 1, job: job) }
        guard at >= lastEventAt else {
            throw JobLedgerError(
                .invalidEvent, "at \(at) is before the previous event's \(lastEventAt) (time never goes backwards)",
                job: job.rawValue)
        }
    }

    /// Takes a checked event's `seq`, `at` and table effect.
    @inline(__always)
    private mutating func take(_ rule: TransitionRule, seq newSeq: Int, at: Timestamp) {
        seq = newSeq
        lastEventAt = at
        switch rule.effect {
        case .phase(let next):
            if next != phase {
                phaseChanges.append(next, at: at)
                phase = next
            }
        case .unchanged: break
        case .inference(let next): inference = next
        case .modelImport(let next): modelImport = next
        }
    }

    /// Throws unless `rule` allows the event now; `percent` is a `progressed` event's,
    /// `checkpointEpoch` a `checkpointSaved` event's.
    ///
    /// `mutating` only so the hot path passes `self` by reference: a non-mutating call from
    /// ``apply(seq:at:event:)`` copies the whole state first. It changes nothing.
    @inline(__always)
    private mutating func check(_ rule: TransitionRule, percent newPercent: Int?, checkpointEpoch: Int?) throws(JobLedgerError) {
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
        if conditions.contains(.percentNotDecreasing), let newPercent, newPercent < percent {
            throw illegal(rule, because: "percent \(newPercent) is below the last percent \(percent)")
        }
        if conditions.contains(.epochNotDecreasing), let checkpointEpoch,
            let last = cold.box?.cold.checkpoints.last?.checkpoint.epoch, checkpointEpoch < last
        {
            throw illegal(rule, because: "epoch \(checkpointEpoch) is below the last checkpoint's epoch \(last)")
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
        case .created, .queued, .datasetUploadStarted, .dataProcessingStarted, .dataProcessed, .trainingFinished,
            .modelUploadStarted, .published, .modelImported:
            // `created` is unreachable (never legal after the first event); the dataset upload's
            // file names are the event's alone, not the state's.
            recordStage(event.type)
        case .configured(let object):
            changeCold { $0.config.merge(object) }
        case .trainingStarted(let resources):
            recordTrainingStart(at: at, resources: resources)
        case .progressed(let newPercent, let newEpoch):
            percent = newPercent
            if let newEpoch { epoch = newEpoch }
        case .checkpointSaved(let checkpoint):
            changeCold { $0.checkpoints.append(SavedCheckpoint(checkpoint: checkpoint, savedAt: at)) }
        case .completed(let model):
            trainedModel = model
            finishedAt = at
        case .failed(let message):
            changeCold { $0.error = message }
            finishedAt = at
        case .cancelled(let reason):
            if reason != nil { changeCold { $0.cancelReason = reason } }
            finishedAt = at
        case .publicationStarted(let trigger):
            changeCold { $0.publicationTrigger = trigger }
        case .publicationFailed(let message):
            changeCold { $0.publicationError = message }
        case .modelImportStarted(let type, let name):
            changeCold {
                $0.importedModelType = type
                $0.importedModelName = name
            }
        case .modelImportFailed(let message):
            changeCold { $0.modelImportError = message }
        }
    }

    /// What an event with no fields of its own tells: which stages the job went through, and
    /// that training finished at 100 %.
    @inline(__always)
    private mutating func recordStage(_ type: EventType) {
        switch type {
        case .queued: wasQueued = true
        case .datasetUploadStarted: datasetUploadStarted = true
        case .dataProcessingStarted: dataProcessingStarted = true
        case .trainingFinished: percent = 100
        default: break
        }
    }

    @inline(__always)
    private mutating func recordTrainingStart(at: Timestamp, resources: JSONObject?) {
        trainingStartedAt = at
        // The resources of the last start: boxed only when there are some, or were.
        if resources != nil || cold.box?.cold.resources != nil { changeCold { $0.resources = resources } }
    }

    // MARK: Field rules

    /// Checks the field rules of SPEC 1's events table that types alone do not: ranges and
    /// non-empty names.
    /// - Throws: `invalid_event` naming the field.
    public static func validate(_ event: Event) throws(JobLedgerError) {
        func invalid(_ message: String) -> JobLedgerError {
            JobLedgerError(.invalidEvent, "\(event.type): \(message)")
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

/// A job's phase changes after `created`, held inline: the lifecycle enters each phase at most
/// once (the data stages and `queued` at most once, the training stages strictly in order, the
/// terminal phases end it), so a job has at most ``capacity`` changes — bounded per job, never
/// per event — and recording one allocates nothing. Each change is two words: the seconds, and
/// the nanoseconds with the phase in the top byte.
struct PackedPhaseChanges: Sendable, Hashable {
    /// One change per phase but the first: the most a legal log can make.
    static let capacity = 12
    private var words: (
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64
    ) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    private var count = 0

    @inline(__always)
    mutating func append(_ phase: Phase, at: Timestamp) {
        // A legal log cannot pass the capacity (see above); were the table ever changed so that
        // it could, the history keeps its first changes rather than trap.
        guard count < Self.capacity else { return }
        let index = count
        withUnsafeMutableBytes(of: &words) { raw in
            let slots = raw.bindMemory(to: UInt64.self)
            slots[2 * index] = UInt64(bitPattern: at.seconds)
            slots[2 * index + 1] = UInt64(UInt32(bitPattern: at.nanoseconds)) | UInt64(phase.bit.trailingZeroBitCount) << 56
        }
        count += 1
    }

    /// The history: `start`, then every change in order.
    func decode(start: JobState.PhaseChange) -> [JobState.PhaseChange] {
        let phases = Phase.allCases
        var history = [start]
        var words = self.words
        withUnsafeBytes(of: &words) { raw in
            let slots = raw.bindMemory(to: UInt64.self)
            for index in 0..<count {
                let seconds = Int64(bitPattern: slots[2 * index])
                let packed = slots[2 * index + 1]
                let nanoseconds = Int64(packed & 0xFFFF_FFFF)
                history.append(
                    JobState.PhaseChange(phase: phases[Int(packed >> 56)], at: Timestamp(seconds: seconds, nanoseconds: nanoseconds)))
            }
        }
        return history
    }

    static func == (lhs: PackedPhaseChanges, rhs: PackedPhaseChanges) -> Bool {
        lhs.count == rhs.count && lhs.decode(start: .init(phase: .initialized, at: Timestamp(seconds: 0)))
            == rhs.decode(start: .init(phase: .initialized, at: Timestamp(seconds: 0)))
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for change in decode(start: .init(phase: .initialized, at: Timestamp(seconds: 0))) { hasher.combine(change) }
    }
}
