import JobLedger

/// Generators of events: any type with any field values, or aimed at what a job's reference
/// model would accept, so random walks get deep into the lifecycle.
extension Gen {
    /// An event of `type`. With a `model`, numbers are mostly ones its rules accept (percent not
    /// below the last, epochs not below the last checkpoint's); `fieldFaults` is how often a field
    /// breaks a field rule (a percent of 150, an empty error).
    mutating func event(_ type: EventType, model: ModelJob? = nil, fieldFaults: Double = 0.05) -> Event {
        let fault = chance(fieldFaults)
        func required(_ gen: inout Gen) -> String { fault ? "" : gen.nonEmptyString() }
        switch type {
        case .created:
            return .created(
                Creation(
                    origin: bool() ? .api : .console, name: optionalString(), task: optionalString(),
                    model: optionalString(), trainingFile: optionalString(), validationFile: optionalString(),
                    hyperparameters: optionalObject()))
        case .configured:
            return .configured(config: jsonObject())
        case .queued: return .queued
        case .datasetUploadStarted:
            return .datasetUploadStarted(files: chance(0.4) ? nil : (0..<int(0...3)).map { _ in string() })
        case .dataProcessingStarted: return .dataProcessingStarted
        case .dataProcessed: return .dataProcessed
        case .trainingStarted: return .trainingStarted(resources: optionalObject())
        case .progressed:
            let last = model?.percent ?? 0
            let percent: Int
            if fault {
                percent = pick([-1, 101, 150, Int.min, Int.max])
            } else if chance(0.1) {
                percent = int(0...100)  // may go backwards
            } else {
                percent = int(last...min(100, last + pick([0, 1, 5, 20, 100])))
            }
            return .progressed(percent: percent, epoch: chance(0.5) ? nil : (fault && bool() ? -1 : int(0...50)))
        case .checkpointSaved:
            let last = model?.lastCheckpointEpoch ?? 0
            let epoch = fault && bool() ? -int(1...3) : (chance(0.1) ? int(0...20) : last + int(0...3))
            let metrics =
                chance(0.4)
                ? nil : TrainingMetrics(trainLoss: double(), validationLoss: double(), perplexity: abs(double()))
            return .checkpointSaved(
                Checkpoint(
                    identifier: fault && bool() ? "" : nonEmptyString(), epoch: epoch,
                    path: fault && bool() ? "" : nonEmptyString(), metrics: metrics))
        case .trainingFinished: return .trainingFinished
        case .modelUploadStarted: return .modelUploadStarted
        case .completed: return .completed(model: required(&self))
        case .failed: return .failed(error: required(&self))
        case .cancelled: return .cancelled(reason: chance(0.3) ? "force_restart" : optionalString())
        case .publicationStarted: return .publicationStarted(trigger: bool() ? .explicit : .progressCheck)
        case .published: return .published
        case .publicationFailed: return .publicationFailed(error: required(&self))
        case .modelImportStarted:
            return .modelImportStarted(modelType: required(&self), modelName: fault ? "" : nonEmptyString())
        case .modelImported: return .modelImported
        case .modelImportFailed: return .modelImportFailed(error: required(&self))
        }
    }

    /// The type of the next event for `model`: usually one its rules allow (terminal events and
    /// explicit publications rarely, so walks reach the late phases), sometimes any type.
    mutating func nextType(for model: ModelJob?, legalBias: Double = 0.75) -> EventType {
        guard let model, model.seq > 0 else { return chance(0.9) ? .created : pick(EventType.allCases) }
        let legal = model.legalTypes
        guard !legal.isEmpty, chance(legalBias) else { return pick(EventType.allCases) }
        return weighted(
            legal.map { type in
                switch type {
                case .failed, .cancelled: (0.08, type)
                case .configured, .checkpointSaved: (0.5, type)
                default: (1.0, type)
                }
            })
    }

    /// A legal history of one job of at most `length` events, with the reference model after it.
    /// Walks end early only when the job fails or is cancelled (no event is legal then).
    mutating func legalLog(job: String, length: Int) -> (events: [RecordedEvent], model: ModelJob) {
        var model = ModelJob(job: job)
        var at: Timestamp?
        for _ in 0..<length {
            let type = model.seq == 0 ? .created : nextType(for: model, legalBias: 1)
            let event = self.event(type, model: model, fieldFaults: 0)
            let time = self.time(after: at)
            if (try? model.append(event, at: time)) != nil { at = time }
            if model.seq > 0 && model.legalTypes.isEmpty { break }
        }
        return (model.events, model)
    }
}

extension Gen {
    /// A legal history that ends `completed` with inference none: no failure, no cancellation,
    /// no publication on the way (origin api or console at random).
    mutating func completedLog(job: String) -> [RecordedEvent] {
        var model = ModelJob(job: job)
        var at: Timestamp?
        while model.phase != .completed || model.seq == 0 {
            let choices = model.legalTypes.filter { ![.failed, .cancelled].contains($0) }
            let type = model.seq == 0 ? .created : pick(choices)
            let time = self.time(after: at)
            if (try? model.append(event(type, model: model, fieldFaults: 0), at: time)) != nil { at = time }
        }
        return model.events
    }
}
