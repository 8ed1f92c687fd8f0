/// A Novita training task (seed 003, `GET /v3/training`):
/// `{"task_name", "task_id", "task_type", "task_status", "created_at", "models"}`.
public struct NovitaTask: VocabularyProjection, Hashable, Encodable {
    package static let name = "novita"
    package static let title = "Novita AI training task (GET /v3/training)"
    package static let phaseFields = ["task_status"]
    package static func phaseValues(_ phase: Phase) -> [String] { [NovitaTaskStatus(phase).rawValue] }
    package static let documentedValues = [
        DocumentedValues("task_status", produced: NovitaTaskStatus.allCases.map(\.rawValue)),
        DocumentedValues("model_status", produced: NovitaModelStatus.allCases.map(\.rawValue)),
    ]

    /// The `created` name, "" when unknown.
    public var taskName: String
    public var taskID: String
    /// The `created` task, "" when unknown.
    public var taskType: String
    public var taskStatus: NovitaTaskStatus
    /// Unix seconds of `created`.
    public var createdAt: Int64
    /// Empty unless the job completed and publication started.
    public var models: [NovitaModel]

    public init(
        taskName: String, taskID: String, taskType: String, taskStatus: NovitaTaskStatus, createdAt: Int64,
        models: [NovitaModel]
    ) {
        self.taskName = taskName
        self.taskID = taskID
        self.taskType = taskType
        self.taskStatus = taskStatus
        self.createdAt = createdAt
        self.models = models
    }

    public init(_ state: JobState) {
        taskName = state.creation.name ?? ""
        taskID = state.job.rawValue
        taskType = state.creation.task ?? ""
        taskStatus = NovitaTaskStatus(state.phase)
        createdAt = state.createdAt.unixSeconds
        if let model = state.trainedModel, let status = NovitaModelStatus(state.inference) {
            models = [NovitaModel(modelName: model, modelStatus: status)]
        } else {
            models = []
        }
    }

    /// The task a list shows for a job whose log cannot be read (SPEC 2): UNKNOWN, no name, type or
    /// models, `created_at` 0 (so it sorts after every readable task).
    public static func unknown(job: String) -> NovitaTask {
        NovitaTask(taskName: "", taskID: job, taskType: "", taskStatus: .unknown, createdAt: 0, models: [])
    }

    package var enumValues: [(field: String, value: String)] {
        [("task_status", taskStatus.rawValue)] + models.map { ("model_status", $0.modelStatus.rawValue) }
    }

    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("task_name")
        writer.string(taskName)
        writer.key("task_id")
        writer.string(taskID)
        writer.key("task_type")
        writer.string(taskType)
        writer.key("task_status")
        writer.plainString(taskStatus.rawValue)
        writer.key("created_at")
        writer.int64(createdAt)
        writer.key("models")
        writer.beginArray()
        for model in models { model.write(to: &writer) }
        writer.endArray()
        writer.endObject()
    }
}

/// A trained model of a Novita task.
public struct NovitaModel: Sendable, Hashable, Encodable, JSONRenderable {
    public var modelName: String
    public var modelStatus: NovitaModelStatus

    public init(modelName: String, modelStatus: NovitaModelStatus) {
        self.modelName = modelName
        self.modelStatus = modelStatus
    }

    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("model_name")
        writer.string(modelName)
        writer.key("model_status")
        writer.plainString(modelStatus.rawValue)
        writer.endObject()
    }
}

/// Novita's task_status values, all six of seed 003.
public enum NovitaTaskStatus: String, Sendable, Hashable, CaseIterable, Codable {
    /// Only for a job whose log cannot be read; no phase maps here.
    case unknown = "UNKNOWN"
    case queuing = "QUEUING"
    case training = "TRAINING"
    case success = "SUCCESS"
    case canceled = "CANCELED"
    case failed = "FAILED"

    /// SPEC 2's Novita table. Lossy: every phase before training is QUEUING.
    public init(_ phase: Phase) {
        switch phase {
        case .initialized, .queued, .uploadingDataset, .processingData, .dataReady: self = .queuing
        case .trainingStarted, .training, .trained, .uploadingModel: self = .training
        case .completed: self = .success
        case .failed: self = .failed
        case .cancelled: self = .canceled
        }
        #if JOBLEDGER_MUTATION
        self = Mutation.arm("novita.task_status", phase, self)
        #endif
    }
}

/// Novita's model_status values, both of seed 003.
public enum NovitaModelStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case deploying = "DEPLOYING"
    case serving = "SERVING"

    /// DEPLOYING while publication is pending, SERVING once running; `nil` when not published.
    public init?(_ inference: InferenceStatus) {
        switch inference {
        case .none: return nil
        case .pending: self = .deploying
        case .running: self = .serving
        }
    }
}

/// Novita's list response: `{"tasks": [...], "pagination": {"next_cursor": String}}`.
public struct NovitaTaskList: Sendable, Hashable, Encodable, JSONRenderable {
    public struct Pagination: Sendable, Hashable {
        public var nextCursor: String
        public init(nextCursor: String) { self.nextCursor = nextCursor }
    }

    public var tasks: [NovitaTask]
    public var pagination: Pagination

    /// Default and bounds of `limit` (SPEC 2).
    public static let defaultLimit = 10
    public static let limitRange = 1...100

    public init(tasks: [NovitaTask], nextCursor: String) {
        self.tasks = tasks
        pagination = Pagination(nextCursor: nextCursor)
    }

    /// One page of `tasks`: ordered by `created_at` descending, then task id ascending; starting at
    /// the cursor's offset (`c_<offset>`, empty means `c_0`); `next_cursor` is `c_<offset+limit>`
    /// when the page holds at least one task, else "".
    /// - Throws: `invalid_pagination` for a limit outside 1…100 or a malformed cursor.
    public init(page tasks: [NovitaTask], limit: Int = defaultLimit, cursor: String = "") throws(JobLedgerError) {
        guard Self.limitRange.contains(limit) else {
            throw JobLedgerError(.invalidPagination, "limit \(limit) is outside 1…100")
        }
        let offset = try Self.offset(of: cursor)
        let ordered = tasks.sorted { a, b in
            if a.createdAt != b.createdAt { return a.createdAt > b.createdAt }
            return a.taskID.utf8.lexicographicallyPrecedes(b.taskID.utf8)
        }
        let page = offset < ordered.count ? Array(ordered[offset..<min(ordered.count, offset + limit)]) : []
        self.init(tasks: page, nextCursor: page.isEmpty ? "" : "c_\(offset + limit)")
    }

    /// The offset a cursor stands for.
    /// - Throws: `invalid_pagination` unless it is "" or `c_` followed by a decimal offset.
    public static func offset(of cursor: String) throws(JobLedgerError) -> Int {
        if cursor.isEmpty { return 0 }
        let digits = cursor.utf8.dropFirst(2)
        guard cursor.utf8.starts(with: "c_".utf8), !digits.isEmpty, digits.count <= 18,
            digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let offset = Int(String(decoding: digits, as: UTF8.self))
        else {
            throw JobLedgerError(
                .invalidPagination, "cursor \(JobLedgerError.quote(cursor)) is not c_<offset> (e.g. c_0, c_10)")
        }
        return offset
    }

    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("tasks")
        writer.beginArray()
        for task in tasks { task.write(to: &writer) }
        writer.endArray()
        writer.key("pagination")
        writer.beginObject()
        writer.key("next_cursor")
        writer.string(pagination.nextCursor)
        writer.endObject()
        writer.endObject()
    }
}

extension Vocabulary {
    public static let novita = Vocabulary(NovitaTask.self)
}
