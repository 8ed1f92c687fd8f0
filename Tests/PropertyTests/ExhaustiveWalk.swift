import JobLedger
import Testing

/// Every event type (with values that probe each condition of its row) from every reachable
/// state of the reference model, breadth first: the library's fold must accept exactly what the
/// model accepts, refuse the rest with the model's error code, keep its invariants, and project
/// every accepted state into all ten vocabularies as the model does; and every row of the table
/// must be taken from every phase it says it is legal from (no row claims a move no log can make).
///
/// Random programs (the model-based test) find most breaks; this walk finds every single-row
/// break of the transition table and every single-arm break of a vocabulary's mapping in well
/// under a second, which is what `Scripts/mutate` relies on (docs/testing.md).
@Suite("Exhaustive walk")
struct ExhaustiveWalk {
    /// What decides which events are legal next and what the projections show; the walk visits
    /// each value once.
    struct Key: Hashable {
        var phase: ModelJob.Phase
        var inference: ModelJob.Inference
        var modelImport: ModelJob.Import
        var everQueued, uploadStarted, processingStarted: Bool
        var percent: Int
        var lastCheckpointEpoch: Int?

        init(_ model: ModelJob) {
            phase = model.phase
            inference = model.inference
            modelImport = model.modelImport
            everQueued = model.everQueued
            uploadStarted = model.uploadStarted
            processingStarted = model.processingStarted
            percent = model.percent
            lastCheckpointEpoch = model.lastCheckpointEpoch
        }
    }

    /// The events tried in a state: one of each type with valid fields, plus the values that
    /// probe a row's conditions (percent and epoch below the last, a second `created`).
    static func candidates(after model: ModelJob) -> [Event] {
        var events: [Event] = [
            .created(Creation(origin: .api)), .configured(config: ["learning_rate": 0.1]), .queued,
            .datasetUploadStarted(files: ["train.csv"]), .dataProcessingStarted, .dataProcessed,
            .trainingStarted(resources: ["gpus": 2]), .progressed(percent: 50, epoch: 1), .progressed(percent: 100, epoch: nil),
            .checkpointSaved(Checkpoint(identifier: "ck", epoch: 2, path: "/ck/2")), .trainingFinished,
            .modelUploadStarted, .completed(model: "model-1"), .failed(error: "out of memory"), .cancelled(reason: "user"),
            .cancelled(reason: nil), .publicationStarted(trigger: .explicit), .publicationStarted(trigger: .progressCheck),
            .published, .publicationFailed(error: "no capacity"), .modelImportStarted(modelType: "bert", modelName: "m"),
            .modelImported, .modelImportFailed(error: "bad format"),
        ]
        if model.percent > 0 { events.append(.progressed(percent: model.percent - 1, epoch: nil)) }
        if let last = model.lastCheckpointEpoch, last > 0 {
            events.append(.checkpointSaved(Checkpoint(identifier: "ck-old", epoch: last - 1, path: "/ck/old")))
        }
        return events
    }

    @Test("Every event from every reachable state: the fold and the projections agree with the model")
    func everyEventFromEveryReachableState() throws {
        let job = jobID("walk-1")
        let creation = Creation(
            origin: .api, name: "walk", task: "classification", model: "base-model", trainingFile: "file-train",
            hyperparameters: ["n_epochs": 3])
        let start = Timestamp(seconds: 1_795_341_600, nanoseconds: 500_000_000)
        var first = ModelJob(job: job.rawValue)
        try first.append(.created(creation), at: start)
        let firstState = try JobState(RecordedEvent(seq: 1, at: start, job: job, event: .created(creation)))
        var queue = [(model: first, state: firstState)]
        var seen: Set<Key> = [Key(first)]
        var tried = 0
        var index = 0
        /// The (event type, phase) pairs the library accepted.
        var taken: Set<String> = []

        func fail(_ model: ModelJob, _ event: Event, _ problem: String) {
            PropertyRunner.anyFailed.store(true, ordering: .relaxed)
            let path = model.events.map { "\($0.event.type)" }.joined(separator: ", ")
            Issue.record("exhaustive walk: after [\(path)], \(event.type): \(problem)")
        }

        while index < queue.count {
            let (model, state) = queue[index]
            index += 1
            // Some times with a fraction, so the vocabularies' time formats are compared too.
            let last = model.lastAt!
            let at = Timestamp(seconds: last.seconds + 60, nanoseconds: index % 3 == 0 ? 125_000_000 : 0)
            for event in Self.candidates(after: model) {
                tried += 1
                var next = model
                let rejection: ModelJob.Rejection?
                do throws(ModelJob.Rejection) {
                    try next.append(event, at: at)
                    rejection = nil
                } catch {
                    rejection = error
                }
                let result: Result<JobState, JobLedgerError>
                do throws(JobLedgerError) {
                    result = .success(try state.applying(RecordedEvent(seq: state.seq + 1, at: at, job: job, event: event)))
                } catch {
                    result = .failure(error)
                }
                switch (result, rejection) {
                case (.success, let rejection?):
                    fail(model, event, "accepted; the model rejects it (\(rejection))")
                    return
                case (.failure(let error), nil):
                    fail(model, event, "rejected (\(error)); the model accepts it")
                    return
                case (.failure(let error), let rejection?):
                    if error.code.rawValue != rejection.code {
                        fail(model, event, "\(error.code.rawValue) instead of \(rejection.code) (\(error))")
                        return
                    }
                case (.success(let after), nil):
                    taken.insert("\(event.type)@\(model.phase)")
                    let broken = after.invariantViolations()
                    if !broken.isEmpty {
                        fail(model, event, "invariants broken: \(broken)")
                        return
                    }
                    if let difference = J.difference(ProjectionLine(after).j, next.replayLine) {
                        fail(model, event, "projection differs (library vs model) at \(difference)")
                        return
                    }
                    if seen.insert(Key(next)).inserted { queue.append((next, after)) }
                }
            }
        }
        // The table has no dead entries: every row is taken from every phase it says it is legal from.
        for rule in TransitionTable.rules where !rule.startsJob {
            for phase in rule.from.phases where !taken.contains("\(rule.event)@\(phase)") {
                PropertyRunner.anyFailed.store(true, ordering: .relaxed)
                Issue.record("exhaustive walk: the table says \(rule.event) is legal from \(phase), but no reachable state takes it")
            }
        }
        // Every phase and every sub-machine state is reached, or the walk proves little.
        #expect(Set(queue.map(\.model.phase)) == Set(ModelJob.Phase.allCases))
        #expect(Set(queue.map(\.model.inference.rawValue)) == ["none", "pending", "running"])
        #expect(Set(queue.map(\.model.modelImport.rawValue)) == ["none", "importing", "imported", "failed"])
        #expect(tried > 1000)
    }
}
