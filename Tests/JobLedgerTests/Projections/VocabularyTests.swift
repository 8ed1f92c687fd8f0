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

    static let sagemaker: [Phase: [String]] = [
        .initialized: ["InProgress", "Starting"], .queued: ["InProgress", "Pending"],
        .uploadingDataset: ["InProgress", "Downloading"], .processingData: ["InProgress", "Downloading"],
        .dataReady: ["InProgress", "Downloading"], .trainingStarted: ["InProgress", "Training"],
        .training: ["InProgress", "Training"], .trained: ["InProgress", "Uploading"],
        .uploadingModel: ["InProgress", "Uploading"], .completed: ["Completed", "Completed"],
        .failed: ["Failed", "Failed"], .cancelled: ["Stopped", "Stopped"],
    ]
    static let vertex: [Phase: String] = [
        .initialized: "JOB_STATE_QUEUED", .queued: "JOB_STATE_QUEUED", .uploadingDataset: "JOB_STATE_PENDING",
        .processingData: "JOB_STATE_PENDING", .dataReady: "JOB_STATE_PENDING", .trainingStarted: "JOB_STATE_RUNNING",
        .training: "JOB_STATE_RUNNING", .trained: "JOB_STATE_RUNNING", .uploadingModel: "JOB_STATE_RUNNING",
        .completed: "JOB_STATE_SUCCEEDED", .failed: "JOB_STATE_FAILED", .cancelled: "JOB_STATE_CANCELLED",
    ]
    /// Kubeflow: the conditions (type=status) of a job that reached the phase by `Logs.reaching`.
    static let kubeflow: [Phase: [String]] = [
        .initialized: ["Created=True"], .queued: ["Created=True"], .uploadingDataset: ["Created=True"],
        .processingData: ["Created=True"], .dataReady: ["Created=True"],
        .trainingStarted: ["Created=True", "Running=True"], .training: ["Created=True", "Running=True"],
        .trained: ["Created=True", "Running=True"], .uploadingModel: ["Created=True", "Running=True"],
        .completed: ["Created=True", "Running=False", "Succeeded=True"], .failed: ["Created=True", "Failed=True"],
        .cancelled: ["Created=True", "Suspended=True"],
    ]
    static let mlflow: [Phase: String] = [
        .initialized: "SCHEDULED", .queued: "SCHEDULED", .uploadingDataset: "SCHEDULED", .processingData: "SCHEDULED",
        .dataReady: "SCHEDULED", .trainingStarted: "RUNNING", .training: "RUNNING", .trained: "RUNNING",
        .uploadingModel: "RUNNING", .completed: "FINISHED", .failed: "FAILED", .cancelled: "KILLED",
    ]
    static let openai: [Phase: String] = [
        .initialized: "validating_files", .queued: "queued", .uploadingDataset: "validating_files",
        .processingData: "validating_files", .dataReady: "validating_files", .trainingStarted: "running",
        .training: "running", .trained: "running", .uploadingModel: "running", .completed: "succeeded",
        .failed: "failed", .cancelled: "cancelled",
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
        let sagemaker = SageMakerTrainingJob(state)
        #expect([sagemaker.trainingJobStatus.rawValue, sagemaker.secondaryStatus.rawValue] == Self.sagemaker[phase])
        #expect(VertexCustomJob(state).state.rawValue == Self.vertex[phase])
        #expect(KubeflowPyTorchJob(state).conditions.map { "\($0.type.rawValue)=\($0.status)" } == Self.kubeflow[phase])
        #expect(MLflowRunInfo(state).status.rawValue == Self.mlflow[phase])
        #expect(OpenAIFineTuningJob(state).status.rawValue == Self.openai[phase])
    }

    /// Every documented value of every enum, in full, as the platforms document them (SPEC 2, 2b):
    /// the registry's produced and not-produced values must split exactly these.
    static let platformEnums: [String: [String: Set<String>]] = [
        "sestek": [
            "trainingStatus": ["Initialized", "PendingTraining", "DatasetUploading", "DataProcessing", "TrainingStarted", "Training", "Trained", "ModelUploading", "Completed", "Failed"],
            "inferenceStatus": ["null", "Pending", "Running"],
        ],
        "nupic": [
            "state": ["setup", "preprocessing", "preprocessed", "training", "trained", "failed", "stopped"],
            "import_status": ["none", "importing", "imported", "failed"],
        ],
        "llama-stack": ["status": ["completed", "in_progress", "failed", "scheduled", "cancelled"]],
        "novita": [
            "task_status": ["UNKNOWN", "QUEUING", "TRAINING", "SUCCESS", "CANCELED", "FAILED"],
            "model_status": ["DEPLOYING", "SERVING"],
        ],
        "bluesight": ["status": ["initializing", "downloading_files", "validating_files", "queued", "running", "succeeded", "failed", "cancelled"]],
        "sagemaker": [
            "TrainingJobStatus": ["InProgress", "Completed", "Failed", "Stopping", "Stopped", "Deleting"],
            "SecondaryStatus": ["Starting", "LaunchingMLInstances", "PreparingTrainingStack", "Downloading", "DownloadingTrainingImage", "Training", "Uploading", "Stopping", "Stopped", "MaxRuntimeExceeded", "Completed", "Failed", "Interrupted", "MaxWaitTimeExceeded", "Updating", "Restarting", "Pending"],
        ],
        "vertex": [
            "state": ["JOB_STATE_UNSPECIFIED", "JOB_STATE_QUEUED", "JOB_STATE_PENDING", "JOB_STATE_RUNNING", "JOB_STATE_SUCCEEDED", "JOB_STATE_FAILED", "JOB_STATE_CANCELLING", "JOB_STATE_CANCELLED", "JOB_STATE_PAUSED", "JOB_STATE_EXPIRED", "JOB_STATE_UPDATING", "JOB_STATE_PARTIALLY_SUCCEEDED"],
            "error.code": ["1", "13"],
        ],
        "kubeflow": [
            "type": ["Created", "Running", "Restarting", "Succeeded", "Suspended", "Failed"],
            "status": ["True", "False", "Unknown"],
        ],
        "mlflow": [
            "status": ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"],
            "lifecycle_stage": ["active", "deleted"],
        ],
        "openai": ["status": ["validating_files", "queued", "running", "succeeded", "failed", "cancelled"]],
    ]

    /// States of legal logs that between them reach every produced value.
    static func reachingStates() throws -> [JobState] {
        var states = try Phase.allCases.map { try Logs.state(Logs.reaching($0)) }
        let completed = try Logs.state(Logs.reaching(.completed))
        states.append(try completed.after(.publicationStarted(trigger: .explicit)))
        states.append(try completed.after(.publicationStarted(trigger: .explicit)).after(.published))
        let importing = try completed.after(.modelImportStarted(modelType: "t", modelName: "n"))
        states += [importing, try importing.after(.modelImported), try importing.after(.modelImportFailed(error: "e"))]
        return states
    }

    /// Every registered vocabulary: each value it declares produced is reached by a legal log
    /// (Novita's UNKNOWN by an unreadable log), nothing else is, and produced plus not produced
    /// is exactly the platform's enum.
    @Test(arguments: Vocabulary.allCases.map(\.rawValue))
    func everyDocumentedValueIsReached(_ name: String) throws {
        let vocabulary = try #require(Vocabulary(named: name))
        var reached: [String: Set<String>] = [:]
        for state in try Self.reachingStates() {
            for (field, value) in vocabulary.enumValues(of: state) { reached[field, default: []].insert(value) }
        }
        if vocabulary == .novita {
            for (field, value) in NovitaTask.unknown(job: "damaged").enumValues { reached[field, default: []].insert(value) }
        }
        let enums = try #require(Self.platformEnums[name])
        #expect(Set(vocabulary.documentedValues.map(\.field)) == Set(enums.keys), "\(name): fields")
        #expect(Set(reached.keys) == Set(enums.keys), "\(name): fields reached")
        for values in vocabulary.documentedValues {
            #expect(reached[values.field] == Set(values.produced), "\(name).\(values.field): reached vs produced")
            #expect(Set(values.produced).isDisjoint(with: values.notProduced), "\(name).\(values.field)")
            #expect(Set(values.produced).union(values.notProduced) == enums[values.field], "\(name).\(values.field): the platform's enum")
        }
    }

    @Test func theRegistryNamesEveryVocabularyOnce() {
        let names = Vocabulary.allCases.map(\.rawValue)
        #expect(names == ["sestek", "nupic", "llama-stack", "novita", "bluesight", "sagemaker", "vertex", "kubeflow", "mlflow", "openai"])
        for vocabulary in Vocabulary.allCases {
            #expect(Vocabulary(named: vocabulary.rawValue) == vocabulary)
            for phase in Phase.allCases { #expect(vocabulary.phaseValues(phase).count == vocabulary.phaseFields.count) }
        }
        #expect(Vocabulary(named: "azure") == nil)
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

    /// Each projection's keys are written once, in `write(to:)`; its `Encodable` conformance is
    /// derived from that and encodes the same JSON (null versus omitted included).
    @Test(arguments: Phase.allCases)
    func encodableIsTheWriter(_ phase: Phase) throws {
        var events = Logs.reaching(phase)
        if phase == .completed { events += [.publicationStarted(trigger: .explicit)] }
        let state = try Logs.state(events)
        try expectSameJSON(SestekProgress(state))
        try expectSameJSON(BluesightJob(state))
        try expectSameJSON(PostTrainingJobStatusResponse(state))
        try expectSameJSON(NovitaTask(state))
        try expectSameJSON(NuPICStatus(state))
        try expectSameJSON(SageMakerTrainingJob(state))
        try expectSameJSON(VertexCustomJob(state))
        try expectSameJSON(KubeflowPyTorchJob(state))
        try expectSameJSON(MLflowRunInfo(state))
        try expectSameJSON(OpenAIFineTuningJob(state))
    }
}

import Foundation

func expectSameJSON<T: Encodable & JSONRenderable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let encoded = try JSONEncoder().encode(value)
    let viaEncodable = try JSONValue(parsing: String(decoding: encoded, as: UTF8.self))
    let viaWriter = try JSONValue(parsing: value.json)
    #expect(viaEncodable == viaWriter, sourceLocation: sourceLocation)
}
