/// Google Vertex AI's `CustomJob` (SPEC 2b), the subset a poller reads:
/// `{"name": "customJobs/<job>", "displayName", "state", "createTime", "startTime"?, "endTime"?,
/// "updateTime", "error"?}`. Times are RFC 3339 UTC with `Z` and 0, 3, 6 or 9 fractional digits;
/// unset fields are omitted (ProtoJSON never writes null).
package struct VertexCustomJob: VocabularyProjection, Hashable, Encodable {
    package static let name = "vertex"
    package static let title = "Google Vertex AI CustomJob"
    package static let phaseFields = ["state"]
    package static func phaseValues(_ phase: Phase) -> [String] { [VertexJobState(phase).rawValue] }
    package static let documentedValues = [
        DocumentedValues(
            "state", produced: VertexJobState.allCases.map(\.rawValue),
            notProduced: [
                "JOB_STATE_UNSPECIFIED", "JOB_STATE_CANCELLING", "JOB_STATE_PAUSED", "JOB_STATE_EXPIRED",
                "JOB_STATE_UPDATING", "JOB_STATE_PARTIALLY_SUCCEEDED",
            ]),
        DocumentedValues("error.code", produced: ["1", "13"]),
    ]

    /// `google.rpc.Status`: `{"code", "message"}`.
    package struct Status: Sendable, Hashable {
        /// `google.rpc.Code`: 13 INTERNAL for a failed job, 1 CANCELLED for a cancelled one.
        package var code: Int
        package var message: String

        package init(code: Int, message: String) {
            self.code = code
            self.message = message
        }
    }

    /// `customJobs/<job>`.
    package var name: String
    /// The `created` name, else the job id.
    package var displayName: String
    package var state: VertexJobState
    package var createTime: Timestamp
    /// The first time the job was RUNNING (`trainingStarted`).
    package var startTime: Timestamp?
    /// The terminal event's time.
    package var endTime: Timestamp?
    /// The last event's time.
    package var updateTime: Timestamp
    /// Only when failed (code 13, the error) or cancelled (code 1, the reason or "cancelled").
    package var error: Status?

    package init(_ state: JobState) {
        name = "customJobs/" + state.job.rawValue
        displayName = state.creation.name ?? state.job.rawValue
        self.state = VertexJobState(state.phase)
        createTime = state.createdAt
        startTime = state.trainingStartedAt
        endTime = state.finishedAt
        updateTime = state.lastEventAt
        switch state.phase {
        case .failed: error = Status(code: 13, message: state.error ?? "")
        case .cancelled: error = Status(code: 1, message: state.cancelReason ?? "cancelled")
        default: error = nil
        }
    }

    package var enumValues: [(field: String, value: String)] {
        [("state", state.rawValue)] + (error.map { [("error.code", String($0.code))] } ?? [])
    }

    package func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("name")
        writer.string(name)
        writer.key("displayName")
        writer.string(displayName)
        writer.key("state")
        writer.plainString(state.rawValue)
        writer.key("createTime")
        writer.plainString(createTime.protoJSON)
        if let startTime {
            writer.key("startTime")
            writer.plainString(startTime.protoJSON)
        }
        if let endTime {
            writer.key("endTime")
            writer.plainString(endTime.protoJSON)
        }
        writer.key("updateTime")
        writer.plainString(updateTime.protoJSON)
        if let error {
            writer.key("error")
            writer.beginObject()
            writer.key("code")
            writer.int(error.code)
            writer.key("message")
            writer.string(error.message)
            writer.endObject()
        }
        writer.endObject()
    }
}

/// Vertex AI's JobState values our events produce.
package enum VertexJobState: String, Sendable, Hashable, CaseIterable, Codable {
    case queued = "JOB_STATE_QUEUED"
    case pending = "JOB_STATE_PENDING"
    case running = "JOB_STATE_RUNNING"
    case succeeded = "JOB_STATE_SUCCEEDED"
    case failed = "JOB_STATE_FAILED"
    case cancelled = "JOB_STATE_CANCELLED"

    /// SPEC 2b's Vertex table. Lossy: the data stages are all PENDING, the training phases RUNNING.
    package init(_ phase: Phase) {
        switch phase {
        case .initialized, .queued: self = .queued
        case .uploadingDataset, .processingData, .dataReady: self = .pending
        case .trainingStarted, .training, .trained, .uploadingModel: self = .running
        case .completed: self = .succeeded
        case .failed: self = .failed
        case .cancelled: self = .cancelled
        }
        #if JOBLEDGER_MUTATION
        self = Mutation.arm("vertex.state", phase, self)
        #endif
    }
}

extension Vocabulary {
    package static let vertex = Vocabulary(VertexCustomJob.self)
}
