import JobLedger
import Testing

/// The five vocabularies of SPEC 2b beyond the seeds: their shapes, times and history-built fields.
@Suite struct VendorVocabularyTests {
    static let t0: Int64 = 1_795_341_600  // 2026-11-22T10:00:00Z

    /// A ledger holding one job's events at the given (seconds after t0, nanoseconds) times.
    static func state(_ job: String, _ events: [(Int64, Int64, Event)]) throws -> JobState {
        let ledger = Ledger.inMemory()
        let id = try JobID(job)
        for (seconds, nanoseconds, event) in events {
            try ledger.append(event, to: id, at: Timestamp(seconds: t0 + seconds, nanoseconds: nanoseconds))
        }
        return try ledger.state(of: id)
    }

    static let created = Event.created(
        Creation(
            origin: .api, name: "sft-run", task: "classification", model: "gpt-4o-mini", trainingFile: "file-train",
            hyperparameters: ["n_epochs": 3]))

    @Test func sagemakerBuildsSecondaryStatusTransitionsFromTheHistory() throws {
        let state = try Self.state(
            "sm-1",
            [(0, 250_000_000, Self.created), (10, 0, .queued), (20, 500_000_000, .datasetUploadStarted(files: nil)),
             (30, 0, .dataProcessingStarted), (40, 0, .dataProcessed), (50, 0, .trainingStarted(resources: nil)),
             (60, 0, .progressed(percent: 50, epoch: 1)), (61, 0, .progressed(percent: 60, epoch: 1)),
             (70, 0, .trainingFinished), (80, 0, .modelUploadStarted), (90, 1, .completed(model: "s3://bucket/sm-1/model.tar.gz"))])
        #expect(SageMakerTrainingJob(state).json == #"{"TrainingJobName":"sm-1","TrainingJobStatus":"Completed","SecondaryStatus":"Completed","CreationTime":1795341600.25,"TrainingStartTime":1795341650,"TrainingEndTime":1795341690.000000001,"LastModifiedTime":1795341690.000000001,"ModelArtifacts":{"S3ModelArtifacts":"s3://bucket/sm-1/model.tar.gz"},"SecondaryStatusTransitions":[{"Status":"Starting","StartTime":1795341600.25,"EndTime":1795341610,"StatusMessage":"Starting the training job."},{"Status":"Pending","StartTime":1795341610,"EndTime":1795341620.5,"StatusMessage":"The training job is waiting for compute capacity."},{"Status":"Downloading","StartTime":1795341620.5,"EndTime":1795341650,"StatusMessage":"Downloading the training data."},{"Status":"Training","StartTime":1795341650,"EndTime":1795341670,"StatusMessage":"Training in progress."},{"Status":"Uploading","StartTime":1795341670,"EndTime":1795341690.000000001,"StatusMessage":"Training is complete; uploading the model artifacts."},{"Status":"Completed","StartTime":1795341690.000000001,"EndTime":1795341690.000000001,"StatusMessage":"The training job has completed."}]}"#)
    }

    @Test func sagemakerFailureReasonIsCutAt1024CharactersAndTheCurrentStatusHasNoEndTime() throws {
        let training = try Self.state("sm-2", [(0, 0, Self.created), (5, 0, .trainingStarted(resources: nil))])
        let job = SageMakerTrainingJob(training)
        #expect(job.json == #"{"TrainingJobName":"sm-2","TrainingJobStatus":"InProgress","SecondaryStatus":"Training","CreationTime":1795341600,"TrainingStartTime":1795341605,"LastModifiedTime":1795341605,"SecondaryStatusTransitions":[{"Status":"Starting","StartTime":1795341600,"EndTime":1795341605,"StatusMessage":"Starting the training job."},{"Status":"Training","StartTime":1795341605,"StatusMessage":"Training in progress."}]}"#)
        let error = String(repeating: "é", count: 1030)
        let failed = SageMakerTrainingJob(try training.after(.failed(error: error)))
        #expect(failed.failureReason == String(repeating: "é", count: 1024))
        #expect(failed.secondaryStatusTransitions.last?.statusMessage == String(repeating: "é", count: 1024))
        #expect(failed.secondaryStatusTransitions.map(\.status) == [.starting, .training, .failed])
        let cancelled = SageMakerTrainingJob(try Self.state("sm-3", [(0, 0, Self.created), (1, 0, .cancelled(reason: nil))]))
        #expect(cancelled.json == #"{"TrainingJobName":"sm-3","TrainingJobStatus":"Stopped","SecondaryStatus":"Stopped","CreationTime":1795341600,"TrainingEndTime":1795341601,"LastModifiedTime":1795341601,"SecondaryStatusTransitions":[{"Status":"Starting","StartTime":1795341600,"EndTime":1795341601,"StatusMessage":"Starting the training job."},{"Status":"Stopped","StartTime":1795341601,"EndTime":1795341601,"StatusMessage":"The training job has stopped."}]}"#)
    }

    @Test func sagemakerTimesBeforeTheEpochKeepTheirFraction() throws {
        let ledger = Ledger.inMemory()
        let job = try JobID("sm-old")
        try ledger.append(.created(Creation(origin: .console)), to: job, at: Timestamp(seconds: -5, nanoseconds: 500_000_000))
        try ledger.append(.queued, to: job, at: Timestamp(seconds: -1, nanoseconds: 250_000_000))
        #expect(SageMakerTrainingJob(try ledger.state(of: job)).json == #"{"TrainingJobName":"sm-old","TrainingJobStatus":"InProgress","SecondaryStatus":"Pending","CreationTime":-4.5,"LastModifiedTime":-0.75,"SecondaryStatusTransitions":[{"Status":"Starting","StartTime":-4.5,"EndTime":-0.75,"StatusMessage":"Starting the training job."},{"Status":"Pending","StartTime":-0.75,"StatusMessage":"The training job is waiting for compute capacity."}]}"#)
    }

    @Test func sagemakerQueuedAfterTheDataStages() throws {
        let state = try Self.state(
            "sm-4", [(0, 0, Self.created), (1, 0, .dataProcessingStarted), (2, 0, .dataProcessed), (3, 0, .queued)])
        #expect(SageMakerTrainingJob(state).secondaryStatusTransitions.map(\.status) == [.starting, .downloading, .pending])
    }

    @Test func vertexTimesAreProtoJSONAndErrorsAreRPCStatuses() throws {
        let running = try Self.state(
            "vx-1", [(0, 250_000_000, Self.created), (1, 1_000, .trainingStarted(resources: nil)), (2, 123_456_700, .progressed(percent: 5, epoch: nil))])
        #expect(VertexCustomJob(running).json == #"{"name":"customJobs/vx-1","displayName":"sft-run","state":"JOB_STATE_RUNNING","createTime":"2026-11-22T10:00:00.250Z","startTime":"2026-11-22T10:00:01.000001Z","updateTime":"2026-11-22T10:00:02.123456700Z"}"#)
        let failed = try running.after(.failed(error: "OOM on worker 0"))
        #expect(VertexCustomJob(failed).endTime == failed.finishedAt)
        #expect(VertexCustomJob(failed).updateTime == failed.lastEventAt)
        #expect(VertexCustomJob(failed).error == VertexCustomJob.Status(code: 13, message: "OOM on worker 0"))
        let cancelled = try Self.state("vx-2", [(0, 0, .created(Creation(origin: .api))), (60, 0, .cancelled(reason: nil))])
        #expect(VertexCustomJob(cancelled).json == #"{"name":"customJobs/vx-2","displayName":"vx-2","state":"JOB_STATE_CANCELLED","createTime":"2026-11-22T10:00:00Z","endTime":"2026-11-22T10:01:00Z","updateTime":"2026-11-22T10:01:00Z","error":{"code":1,"message":"cancelled"}}"#)
        let withReason = try Self.state("vx-3", [(0, 0, Self.created), (1, 0, .cancelled(reason: "user asked"))])
        #expect(VertexCustomJob(withReason).error == VertexCustomJob.Status(code: 1, message: "user asked"))
        #expect(VertexCustomJob(try Self.state("vx-4", [(0, 0, Self.created), (1, 0, .datasetUploadStarted(files: nil))])).state == .pending)
    }

    @Test func kubeflowConditionsFollowTheHistory() throws {
        let completed = try Self.state(
            "kf-1",
            [(0, 900_000_000, Self.created), (10, 0, .queued), (20, 0, .trainingStarted(resources: nil)),
             (30, 0, .trainingFinished), (40, 500_000_000, .completed(model: "m"))])
        #expect(KubeflowPyTorchJob(completed).json == #"{"metadata":{"name":"kf-1"},"status":{"conditions":[{"type":"Created","status":"True","reason":"PyTorchJobCreated","message":"PyTorchJob kf-1 is created.","lastUpdateTime":"2026-11-22T10:00:00Z","lastTransitionTime":"2026-11-22T10:00:00Z"},{"type":"Running","status":"False","reason":"PyTorchJobRunning","message":"PyTorchJob kf-1 is running.","lastUpdateTime":"2026-11-22T10:00:40Z","lastTransitionTime":"2026-11-22T10:00:40Z"},{"type":"Succeeded","status":"True","reason":"PyTorchJobSucceeded","message":"PyTorchJob kf-1 is successfully completed.","lastUpdateTime":"2026-11-22T10:00:40Z","lastTransitionTime":"2026-11-22T10:00:40Z"}],"startTime":"2026-11-22T10:00:00Z","completionTime":"2026-11-22T10:00:40Z","lastReconcileTime":"2026-11-22T10:00:40Z"}}"#)
        let failed = KubeflowPyTorchJob(try Self.state("kf-2", [(0, 0, Self.created), (5, 0, .trainingStarted(resources: nil)), (9, 0, .failed(error: "NCCL timeout"))]))
        #expect(failed.conditions.map { "\($0.type.rawValue)=\($0.status) \($0.reason): \($0.message)" } == [
            "Created=True PyTorchJobCreated: PyTorchJob kf-2 is created.", "Running=False PyTorchJobRunning: PyTorchJob kf-2 is running.",
            "Failed=True PyTorchJobFailed: NCCL timeout",
        ])
        #expect(failed.completionTime == Timestamp(seconds: Self.t0 + 9))
        let cancelled = KubeflowPyTorchJob(try Self.state("kf-3", [(0, 0, Self.created), (5, 0, .cancelled(reason: "preempted"))]))
        #expect(cancelled.json == #"{"metadata":{"name":"kf-3"},"status":{"conditions":[{"type":"Created","status":"True","reason":"PyTorchJobCreated","message":"PyTorchJob kf-3 is created.","lastUpdateTime":"2026-11-22T10:00:00Z","lastTransitionTime":"2026-11-22T10:00:00Z"},{"type":"Suspended","status":"True","reason":"PyTorchJobCancelled","message":"preempted","lastUpdateTime":"2026-11-22T10:00:05Z","lastTransitionTime":"2026-11-22T10:00:05Z"}],"startTime":"2026-11-22T10:00:00Z","lastReconcileTime":"2026-11-22T10:00:05Z"}}"#)
        let noReason = KubeflowPyTorchJob(try Self.state("kf-4", [(0, 0, Self.created), (5, 0, .cancelled(reason: nil))]))
        #expect(noReason.conditions.last?.message == "PyTorchJob kf-4 is cancelled.")
    }

    @Test func mlflowTimesAreMillisecondsAndEndTimeIsOmittedUntilTheEnd() throws {
        let scheduled = try Self.state("ml-1", [(0, 123_999_999, .created(Creation(origin: .console)))])
        #expect(MLflowRunInfo(scheduled).json == #"{"run_id":"ml-1","run_name":"ml-1","status":"SCHEDULED","start_time":1795341600123,"lifecycle_stage":"active"}"#)
        let killed = try scheduled.after(.cancelled(reason: nil))
        #expect(MLflowRunInfo(killed).status == .killed)
        #expect(MLflowRunInfo(try Self.state("ml-2", [(0, 0, Self.created), (2, 5_000_000, .failed(error: "x"))])).json == #"{"run_id":"ml-2","run_name":"sft-run","status":"FAILED","start_time":1795341600000,"end_time":1795341602005,"lifecycle_stage":"active"}"#)
    }

    @Test func openaiKeepsNullableKeysAsNull() throws {
        let validating = try Self.state("ft-1", [(0, 0, .created(Creation(origin: .api)))])
        #expect(OpenAIFineTuningJob(validating).json == #"{"object":"fine_tuning.job","id":"ft-1","model":null,"created_at":1795341600,"finished_at":null,"fine_tuned_model":null,"status":"validating_files","error":null,"training_file":null,"validation_file":null,"hyperparameters":null,"trained_tokens":null}"#)
        let failed = try Self.state(
            "ft-2", [(0, 0, Self.created), (1, 0, .configured(config: ["learning_rate_multiplier": 2])), (2, 0, .queued), (3, 0, .trainingStarted(resources: nil)), (4, 700_000_000, .failed(error: "bad \"row\""))])
        #expect(OpenAIFineTuningJob(failed).json == #"{"object":"fine_tuning.job","id":"ft-2","model":"gpt-4o-mini","created_at":1795341600,"finished_at":1795341604,"fine_tuned_model":null,"status":"failed","error":{"code":"job_failed","message":"bad \"row\"","param":null},"training_file":"file-train","validation_file":null,"hyperparameters":{"n_epochs":3,"learning_rate_multiplier":2},"trained_tokens":null}"#)
        let succeeded = try Self.state("ft-3", [(0, 0, Self.created), (1, 0, .trainingStarted(resources: nil)), (2, 0, .trainingFinished), (3, 0, .completed(model: "ft:gpt-4o-mini:org::abc"))])
        #expect(OpenAIFineTuningJob(succeeded).fineTunedModel == "ft:gpt-4o-mini:org::abc")
        #expect(OpenAIFineTuningJob(succeeded).errorMessage == nil)
        #expect(OpenAIFineTuningJob(succeeded).finishedAt == Self.t0 + 3)
    }

    /// The history SageMaker and Kubeflow read stays bounded: one entry per change of phase,
    /// however many events the job has.
    @Test func phaseHistoryGrowsOnlyWithPhaseChanges() throws {
        var state = try Logs.state(Logs.reaching(.trainingStarted))
        for percent in 0...100 { state = try state.after(.progressed(percent: percent, epoch: nil)) }
        for epoch in 0..<50 { state = try state.after(.checkpointSaved(Checkpoint(identifier: "c\(epoch)", epoch: epoch, path: "/c"))) }
        #expect(state.phaseHistory.map(\.phase) == [.initialized, .trainingStarted, .training])
        #expect(state.invariantViolations() == [])
    }
}
