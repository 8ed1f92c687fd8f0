/// MLflow's `RunInfo` (`GET /api/2.0/mlflow/runs/get`, SPEC 2b), the part a poller reads:
/// `{"run_id", "run_name", "status", "start_time", "end_time"?, "lifecycle_stage": "active"}`.
/// Times are Unix milliseconds (JSON numbers); `end_time` is omitted before the run ends.
package struct MLflowRunInfo: VocabularyProjection, Hashable, Encodable {
    package static let name = "mlflow"
    package static let title = "MLflow RunInfo"
    package static let phaseFields = ["status"]
    package static func phaseValues(_ phase: Phase) -> [String] { [MLflowRunStatus(phase).rawValue] }
    package static let documentedValues = [
        DocumentedValues("status", produced: MLflowRunStatus.allCases.map(\.rawValue)),
        DocumentedValues("lifecycle_stage", produced: ["active"], notProduced: ["deleted"]),
    ]

    package var runID: JobID
    /// The `created` name, else the job id.
    package var runName: String
    package var status: MLflowRunStatus
    /// Unix milliseconds of `created`.
    package var startTime: Int64
    /// Unix milliseconds of the terminal event.
    package var endTime: Int64?
    /// Always "active": a job's log is never deleted.
    package var lifecycleStage: String

    package init(_ state: JobState) {
        runID = state.job
        runName = state.creation.name ?? state.job.rawValue
        status = MLflowRunStatus(state.phase)
        startTime = state.createdAt.unixMilliseconds
        endTime = state.finishedAt?.unixMilliseconds
        lifecycleStage = "active"
    }

    package var enumValues: [(field: String, value: String)] {
        [("status", status.rawValue), ("lifecycle_stage", lifecycleStage)]
    }

    package func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("run_id")
        writer.jobID(runID)
        writer.key("run_name")
        writer.string(runName)
        writer.key("status")
        writer.plainString(status.rawValue)
        writer.key("start_time")
        writer.int64(startTime)
        if let endTime {
            writer.key("end_time")
            writer.int64(endTime)
        }
        writer.key("lifecycle_stage")
        writer.plainString(lifecycleStage)
        writer.endObject()
    }
}

/// MLflow's RunStatus values, all five.
package enum MLflowRunStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case running = "RUNNING"
    case scheduled = "SCHEDULED"
    case finished = "FINISHED"
    case failed = "FAILED"
    case killed = "KILLED"

    /// SPEC 2b's MLflow table. Lossy: every phase before training is SCHEDULED.
    package init(_ phase: Phase) {
        switch phase {
        case .initialized, .queued, .uploadingDataset, .processingData, .dataReady: self = .scheduled
        case .trainingStarted, .training, .trained, .uploadingModel: self = .running
        case .completed: self = .finished
        case .failed: self = .failed
        case .cancelled: self = .killed
        }
        #if JOBLEDGER_MUTATION
        self = Mutation.arm("mlflow.status", phase, self)
        #endif
    }
}

extension Vocabulary {
    package static let mlflow = Vocabulary(MLflowRunInfo.self)
}
