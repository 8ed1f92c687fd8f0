/// What a decoded line holds: its job, its strings, its event.
extension EventLineDecoder {
    // MARK: Results

    func text(_ base: UnsafePointer<UInt8>, _ field: LineField) throws(LineError) -> String {
        let range = strings[field.rawValue]
        do {
            return try JSONScanner(base, count: range.end).makeString(start: range.start, end: range.end, escaped: range.escaped)
        } catch {
            throw LineError(message: "field \(field.name): \(error.message) at column \(error.offset + 1)")
        }
    }

    func optionalText(_ base: UnsafePointer<UInt8>, _ field: LineField) throws(LineError) -> String? {
        has(field) ? try text(base, field) : nil
    }

    /// The job's text as written, for error messages (`nil` if the line has none readable).
    func jobText(_ base: UnsafePointer<UInt8>) -> String? {
        guard has(.job) else { return nil }
        return try? JSONScanner(base, count: job.end).makeString(start: job.start, end: job.end, escaped: job.escaped)
    }

    /// The line's job id, checked against the job id rule.
    func jobID(_ base: UnsafePointer<UInt8>) throws(LineError) -> JobID {
        if !job.escaped {
            let bytes = UnsafeBufferPointer(start: base + job.start, count: job.end - job.start)
            if let problem = JobID.problem(with: bytes) {
                throw LineError(message: "invalid job id \(JobLedgerError.quote(String(decoding: bytes, as: UTF8.self))): \(problem)")
            }
            return JobID(uncheckedUTF8: bytes)
        }
        guard let text = jobText(base) else { throw LineError(message: "field job is not a valid string") }
        if let problem = JobID.problem(with: text) {
            throw LineError(message: "invalid job id \(JobLedgerError.quote(text)): \(problem)")
        }
        return JobID(unchecked: text)
    }

    /// The event the line's type and fields make.
    mutating func event(_ base: UnsafePointer<UInt8>) throws(LineError) -> Event {
        switch type {
        case .created:
            let originText = try text(base, .origin)
            guard let origin = Origin(rawValue: originText) else {
                throw LineError(message: "origin must be \"api\" or \"console\", found \(JobLedgerError.quote(originText))")
            }
            return .created(
                Creation(
                    origin: origin, name: try optionalText(base, .name), task: try optionalText(base, .task),
                    model: try optionalText(base, .model), trainingFile: try optionalText(base, .trainingFile),
                    validationFile: try optionalText(base, .validationFile),
                    hyperparameters: has(.hyperparameters) ? objects[0] : nil))
        case .configured: return .configured(config: objects[1] ?? JSONObject())
        case .queued: return .queued
        case .datasetUploadStarted: return .datasetUploadStarted(files: has(.files) ? files : nil)
        case .dataProcessingStarted: return .dataProcessingStarted
        case .dataProcessed: return .dataProcessed
        case .trainingStarted: return .trainingStarted(resources: has(.resources) ? objects[2] : nil)
        case .progressed: return .progressed(percent: percent, epoch: has(.epoch) ? epoch : nil)
        case .checkpointSaved:
            if has(.metrics), let metricsEpoch = metricsEpochSeen, metricsEpoch != epoch {
                throw LineError(message: "metrics.epoch \(metricsEpoch) differs from the checkpoint's epoch \(epoch)")
            }
            return .checkpointSaved(
                Checkpoint(
                    identifier: try text(base, .identifier), epoch: epoch, path: try text(base, .path),
                    metrics: has(.metrics) ? metrics : nil))
        case .trainingFinished: return .trainingFinished
        case .modelUploadStarted: return .modelUploadStarted
        case .completed: return .completed(model: try text(base, .model))
        case .failed: return .failed(error: try text(base, .error))
        case .cancelled: return .cancelled(reason: try optionalText(base, .reason))
        case .publicationStarted:
            let triggerText = try text(base, .trigger)
            guard let trigger = PublicationTrigger(rawValue: triggerText) else {
                throw LineError(
                    message: "trigger must be \"progressCheck\" or \"explicit\", found \(JobLedgerError.quote(triggerText))")
            }
            return .publicationStarted(trigger: trigger)
        case .published: return .published
        case .publicationFailed: return .publicationFailed(error: try text(base, .error))
        case .modelImportStarted:
            return .modelImportStarted(modelType: try text(base, .modelType), modelName: try text(base, .modelName))
        case .modelImported: return .modelImported
        case .modelImportFailed: return .modelImportFailed(error: try text(base, .error))
        }
    }

}
