import JobLedger
import Testing

/// SPEC 2's mapping tables, one parameterised test per vocabulary, written out by hand; and a
/// proof that every documented status value is reached by a legal log.
@Suite struct VocabularyTests {
    static let sestek: [Phase: String] = [
        .initialized: "Initialized", .queued: "PendingTraining", .uploadingDataset: "DatasetUploading",
        .processingData: "DataProcessing", .dataReady: "DataProcessing", .trainingStarted: "TrainingStarted",
        .training: "Training", .trained: "Trained", .uploadingModel: "ModelUploading", .completed: "Completed",
        .failed: "Failed", .cancelled: "Failed",
    ]
    static let bluesight: [Phase: String] = [
        .initialized: "initializing", .uploadingDataset: "downloading_files", .processingData: "validating_files",
        .dataReady: "validating_files", .queued: "queued", .trainingStarted: "running", .training: "running",
        .trained: "running", .uploadingModel: "running", .completed: "succeeded", .failed: "failed", .cancelled: "cancelled",
    ]
    static let llamaStack: [Phase: String] = [
        .initialized: "scheduled", .queued: "scheduled", .uploadingDataset: "scheduled", .processingData: "scheduled",
        .dataReady: "scheduled", .trainingStarted: "in_progress", .training: "in_progress", .trained: "in_progress",
        .uploadingModel: "in_progress", .completed: "completed", .failed: "failed", .cancelled: "cancelled",
    ]
    static let novita: [Phase: String] = [
        .initialized: "QUEUING", .queued: "QUEUING", .uploadingDataset: "QUEUING", .processingData: "QUEUING",
        .dataReady: "QUEUING", .trainingStarted: "TRAINING", .training: "TRAINING", .trained: "TRAINING",
        .uploadingModel: "TRAINING", .completed: "SUCCESS", .failed: "FAILED", .cancelled: "CANCELED",
    ]
    static let nupic: [Phase: String] = [
        .initialized: "setup", .queued: "setup", .uploadingDataset: "setup", .processingData: "preprocessing",
        .dataReady: "preprocessed", .trainingStarted: "training", .training: "training", .trained: "training",
        .uploadingModel: "training", .completed: "trained", .failed: "failed", .cancelled: "stopped",
    ]

    @Test(arguments: Phase.allCases)
    func everyVocabularyMapsThePhase(_ phase: Phase) throws {
        let state = try Logs.state(Logs.reaching(phase))
        #expect(SestekProgress(state).trainingStatus.rawValue == Self.sestek[phase])
        #expect(BluesightJob(state).status.rawValue == Self.bluesight[phase])
        #expect(PostTrainingJobStatusResponse(state).status.rawValue == Self.llamaStack[phase])
        #expect(NovitaTask(state).taskStatus.rawValue == Self.novita[phase])
        #expect(NuPICStatus(state).state.rawValue == Self.nupic[phase])
        #expect(NuPICStatus(state).modelReady == (phase == .completed))
    }

    /// The documented enums of the seeds, in full.
    @Test func everyDocumentedValueIsReached() throws {
        var reached: [String: Set<String>] = [:]
        func note(_ state: JobState) {
            reached["sestek", default: []].insert(SestekProgress(state).trainingStatus.rawValue)
            reached["sestek-inference", default: []].insert(SestekProgress(state).inferenceStatus?.rawValue ?? "null")
            reached["bluesight", default: []].insert(BluesightJob(state).status.rawValue)
            reached["llama-stack", default: []].insert(PostTrainingJobStatusResponse(state).status.rawValue)
            reached["novita", default: []].insert(NovitaTask(state).taskStatus.rawValue)
            for model in NovitaTask(state).models { reached["novita-model", default: []].insert(model.modelStatus.rawValue) }
            reached["nupic", default: []].insert(NuPICStatus(state).state.rawValue)
            reached["nupic-import", default: []].insert(NuPICStatus(state).importStatus.rawValue)
        }
        for phase in Phase.allCases { note(try Logs.state(Logs.reaching(phase))) }
        let completed = try Logs.state(Logs.reaching(.completed))
        note(try completed.after(.publicationStarted(trigger: .explicit)))
        note(try completed.after(.publicationStarted(trigger: .explicit)).after(.published))
        let importing = try completed.after(.modelImportStarted(modelType: "t", modelName: "n"))
        note(importing)
        note(try importing.after(.modelImported))
        note(try importing.after(.modelImportFailed(error: "e")))

        #expect(reached["sestek"] == ["Initialized", "PendingTraining", "DatasetUploading", "DataProcessing", "TrainingStarted", "Training", "Trained", "ModelUploading", "Completed", "Failed"])
        #expect(reached["sestek-inference"] == ["null", "Pending", "Running"])
        #expect(reached["bluesight"] == ["initializing", "downloading_files", "validating_files", "queued", "running", "succeeded", "failed", "cancelled"])
        #expect(reached["llama-stack"] == ["completed", "in_progress", "failed", "scheduled", "cancelled"])
        // UNKNOWN is for unreadable logs: NovitaListTests reaches it through a damaged log.
        #expect(reached["novita"] == ["QUEUING", "TRAINING", "SUCCESS", "CANCELED", "FAILED"])
        #expect(reached["novita-model"] == ["DEPLOYING", "SERVING"])
        #expect(reached["nupic"] == Set(NuPICState.allCases.map(\.rawValue)))
        #expect(reached["nupic-import"] == ["none", "importing", "imported", "failed"])
        // The enums hold exactly the documented values.
        #expect(Set(SestekTrainingStatus.allCases.map(\.rawValue)) == reached["sestek"])
        #expect(Set(BluesightStatus.allCases.map(\.rawValue)) == reached["bluesight"])
        #expect(Set(LlamaStackJobStatus.allCases.map(\.rawValue)) == reached["llama-stack"])
        #expect(Set(NovitaTaskStatus.allCases.map(\.rawValue)) == reached["novita"]!.union(["UNKNOWN"]))
    }

    @Test func sestekPercentRules() throws {
        #expect(SestekProgress(try Logs.state(Logs.reaching(.trainingStarted))).percent == 0)
        let training = try Logs.state(Logs.reaching(.trainingStarted) + [.progressed(percent: 35, epoch: nil)])
        #expect(SestekProgress(training).percent == 35)
        #expect(SestekProgress(try training.after(.failed(error: "x"))).percent == 35)
        #expect(SestekProgress(try training.after(.trainingFinished)).percent == 100)
        #expect(SestekProgress(try training.after(.trainingFinished)).inferenceStatus == nil)
    }

    @Test func sestekRendersNullInferenceStatus() throws {
        let state = try Logs.state(Logs.reaching(.queued))
        #expect(SestekProgress(state).json == #"{"percent":0,"trainingStatus":"PendingTraining","inferenceStatus":null}"#)
    }

    @Test func bluesightShape() throws {
        let job = try JobID("bs-1")
        let ledger = Ledger.inMemory()
        try ledger.append(
            .created(Creation(origin: .api, task: "segmentation", trainingFile: "file-1", hyperparameters: ["epochs": 2])), to: job,
            at: Timestamp(seconds: 1_700_000_000, nanoseconds: 900_000_000))
        #expect(try ledger.status(of: job, vocabularies: [.bluesight]).json == #"{"job":"bs-1","bluesight":{"id":"bs-1","task":"segmentation","training_file":"file-1","validation_file":null,"hyperparameters":{"epochs":2},"created_at":1700000000,"status":"initializing","error":null,"trained_model":null,"finished_at":null}}"#)
        try ledger.append(.failed(error: "validation file has no rows"), to: job, at: Timestamp(seconds: 1_700_000_100))
        let failed = BluesightJob(try ledger.state(of: job))
        #expect(failed.status == .failed)
        #expect(failed.error == "validation file has no rows")
        #expect(failed.finishedAt == 1_700_000_100)
        #expect(failed.trainedModel == nil)
    }

    @Test func bluesightWithoutAnyHyperparametersIsNull() throws {
        #expect(BluesightJob(try Logs.state([.created(Creation(origin: .api))])).hyperparameters == nil)
        #expect(BluesightJob(try Logs.state([.created(Creation(origin: .api)), .configured(config: ["a": 1])])).hyperparameters == ["a": 1])
    }

    @Test func llamaStackOmitsUnknownKeysAndListsCheckpoints() throws {
        let queued = try Logs.state(Logs.reaching(.queued), job: "ls-1")
        #expect(PostTrainingJobStatusResponse(queued).json == #"{"job_uuid":"ls-1","status":"scheduled","scheduled_at":"2026-11-18T11:06:40Z","checkpoints":[]}"#)
        let done = try Logs.state(
            [Logs.created(), .trainingStarted(resources: ["gpus": 8, "node": "a100"]),
             .checkpointSaved(Checkpoint(identifier: "ck-0", epoch: 0, path: "/ck/0")),
             .checkpointSaved(Checkpoint(identifier: "ck-1", epoch: 1, path: "/ck/1", metrics: TrainingMetrics(trainLoss: 0.5, validationLoss: 0.75, perplexity: 2.1))),
             .trainingFinished, .completed(model: "m")], job: "ls-1")
        #expect(PostTrainingJobStatusResponse(done).json == #"{"job_uuid":"ls-1","status":"completed","scheduled_at":"2026-11-18T11:06:40Z","started_at":"2026-11-18T11:06:41Z","completed_at":"2026-11-18T11:06:45Z","resources_allocated":{"gpus":8,"node":"a100"},"checkpoints":[{"identifier":"ck-0","created_at":"2026-11-18T11:06:42Z","epoch":0,"post_training_job_id":"ls-1","path":"/ck/0"},{"identifier":"ck-1","created_at":"2026-11-18T11:06:43Z","epoch":1,"post_training_job_id":"ls-1","path":"/ck/1","training_metrics":{"epoch":1,"train_loss":0.5,"validation_loss":0.75,"perplexity":2.1}}]}"#)
    }

    @Test func novitaModelsAppearOnlyOncePublicationStarted() throws {
        let completed = try Logs.state(Logs.reaching(.completed))
        #expect(NovitaTask(completed).models == [])
        let pending = try completed.after(.publicationStarted(trigger: .explicit))
        #expect(NovitaTask(pending).models == [NovitaModel(modelName: "model-1", modelStatus: .deploying)])
        #expect(NovitaTask(try pending.after(.published)).models == [NovitaModel(modelName: "model-1", modelStatus: .serving)])
        #expect(NovitaTask(try pending.after(.publicationFailed(error: "x"))).models == [])
    }

    /// The Codable conformances encode what the hand-written renderings write.
    @Test(arguments: Phase.allCases)
    func codableAgreesWithTheWriter(_ phase: Phase) throws {
        var events = Logs.reaching(phase)
        if phase == .completed { events += [.publicationStarted(trigger: .explicit)] }
        let state = try Logs.state(events)
        try expectSameJSON(SestekProgress(state))
        try expectSameJSON(BluesightJob(state))
        try expectSameJSON(PostTrainingJobStatusResponse(state))
        try expectSameJSON(NovitaTask(state))
        try expectSameJSON(NuPICStatus(state))
    }
}

import Foundation

func expectSameJSON<T: Codable & JSONRenderable & Equatable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let encoded = try JSONEncoder().encode(value)
    let viaCodable = try JSONValue(parsing: String(decoding: encoded, as: UTF8.self))
    let viaWriter = try JSONValue(parsing: value.json)
    #expect(viaCodable == viaWriter, sourceLocation: sourceLocation)
    let decoded = try JSONDecoder().decode(T.self, from: Data(value.json.utf8))
    #expect(decoded == value, sourceLocation: sourceLocation)
}
