extension JobState {
    /// What must hold of every folded state, whatever the log: a violation is a bug in the fold or
    /// the table, never bad input. Tests call it after each event (as swift-collections'
    /// `OrderedSet+Invariants.swift` does).
    /// - Returns: the broken invariants in words; empty when all hold.
    public func invariantViolations() -> [String] {
        var broken: [String] = []
        func expect(_ condition: Bool, _ message: @autoclosure () -> String) {
            if !condition { broken.append(message()) }
        }
        expect(seq >= 1, "seq \(seq) < 1")
        expect(lastEventAt >= createdAt, "last event before creation")
        expect(percent >= 0 && percent <= 100, "percent \(percent) outside 0…100")
        let trainedOrLater = PhaseSet(.trained, .uploadingModel, .completed)
        expect(!trainedOrLater.contains(phase) || percent == 100, "phase \(phase) with percent \(percent)")
        expect(phase.isTerminal == (finishedAt != nil), "phase \(phase) but finishedAt \(String(describing: finishedAt))")
        expect((phase == .completed) == (trainedModel != nil), "phase \(phase) but trained model \(String(describing: trainedModel))")
        expect((phase == .failed) == (error != nil), "phase \(phase) but error \(String(describing: error))")
        expect(inference == .none || phase == .completed, "inference \(inference) in phase \(phase)")
        expect(modelImport == .none || phase == .completed, "model import \(modelImport) in phase \(phase)")
        expect(inference == .none || publicationTrigger != nil, "inference \(inference) without a publication")
        let started = PhaseSet(.trainingStarted, .training, .trained, .uploadingModel)
        expect(!started.contains(phase) || trainingStartedAt != nil, "phase \(phase) without trainingStarted")
        expect(phase != .queued || wasQueued, "phase queued but never queued")
        expect(phase != .uploadingDataset || datasetUploadStarted, "phase uploadingDataset without an upload")
        expect(
            !PhaseSet(.processingData, .dataReady).contains(phase) || dataProcessingStarted,
            "phase \(phase) without data processing")
        let history = phaseHistory
        expect(history.last?.phase == phase, "phase history ends in \(String(describing: history.last?.phase)), not \(phase)")
        expect(history.count <= Phase.allCases.count, "phase history of \(history.count) entries")
        for (earlier, later) in zip(history, history.dropFirst()) {
            expect(earlier.phase != later.phase, "phase history repeats \(later.phase)")
            expect(earlier.at <= later.at && later.at <= lastEventAt, "phase history out of order")
        }
        var lastEpoch = Int.min
        for saved in checkpoints {
            expect(saved.checkpoint.epoch >= lastEpoch, "checkpoint epochs decrease")
            lastEpoch = saved.checkpoint.epoch
            expect(saved.savedAt <= lastEventAt && saved.savedAt >= createdAt, "checkpoint time out of range")
        }
        return broken
    }
}
