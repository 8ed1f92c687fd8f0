/// AWS SageMaker's `DescribeTrainingJob` response (SPEC 2b), the subset a poller reads:
/// `{"TrainingJobName", "TrainingJobStatus", "SecondaryStatus", "FailureReason"?, "CreationTime",
/// "TrainingStartTime"?, "TrainingEndTime"?, "LastModifiedTime", "ModelArtifacts"?,
/// "SecondaryStatusTransitions"}`. Times are epoch seconds as JSON numbers, fractions kept (the
/// AWS JSON protocol); absent values are omitted.
package struct SageMakerTrainingJob: VocabularyProjection, Hashable, Encodable {
    package static let name = "sagemaker"
    package static let title = "AWS SageMaker DescribeTrainingJob"
    package static let phaseFields = ["TrainingJobStatus", "SecondaryStatus"]
    package static func phaseValues(_ phase: Phase) -> [String] {
        [SageMakerTrainingJobStatus(phase).rawValue, SageMakerSecondaryStatus(phase).rawValue]
    }
    package static let documentedValues = [
        DocumentedValues(
            "TrainingJobStatus", produced: SageMakerTrainingJobStatus.allCases.map(\.rawValue),
            notProduced: ["Stopping", "Deleting"]),
        DocumentedValues(
            "SecondaryStatus", produced: SageMakerSecondaryStatus.allCases.map(\.rawValue),
            notProduced: [
                "Stopping", "MaxRuntimeExceeded", "Interrupted", "MaxWaitTimeExceeded", "LaunchingMLInstances",
                "PreparingTrainingStack", "DownloadingTrainingImage", "Updating", "Restarting",
            ]),
    ]

    /// AWS's limit on FailureReason (and our StatusMessage), in characters.
    package static let maximumReasonLength = 1024

    package var trainingJobName: JobID
    package var trainingJobStatus: SageMakerTrainingJobStatus
    package var secondaryStatus: SageMakerSecondaryStatus
    /// The `failed` event's error, cut at 1024 characters.
    package var failureReason: String?
    package var creationTime: Timestamp
    /// The `trainingStarted` time.
    package var trainingStartTime: Timestamp?
    /// The terminal event's time.
    package var trainingEndTime: Timestamp?
    /// The last event's time.
    package var lastModifiedTime: Timestamp
    /// `{"S3ModelArtifacts": <completed model>}` once completed.
    package var s3ModelArtifacts: String?
    package var secondaryStatusTransitions: [SageMakerSecondaryStatusTransition]

    package init(_ state: JobState) {
        trainingJobName = state.job
        trainingJobStatus = SageMakerTrainingJobStatus(state.phase)
        secondaryStatus = SageMakerSecondaryStatus(state.phase)
        failureReason = state.error.map(Self.reason)
        creationTime = state.createdAt
        trainingStartTime = state.trainingStartedAt
        trainingEndTime = state.finishedAt
        lastModifiedTime = state.lastEventAt
        s3ModelArtifacts = state.trainedModel
        var transitions: [SageMakerSecondaryStatusTransition] = []
        for change in state.phaseHistory {
            let status = SageMakerSecondaryStatus(change.phase)
            if transitions.last?.status == status { continue }
            if !transitions.isEmpty { transitions[transitions.count - 1].endTime = change.at }
            transitions.append(
                SageMakerSecondaryStatusTransition(
                    status: status, startTime: change.at, endTime: nil,
                    statusMessage: status == .failed ? Self.reason(state.error ?? "") : status.message))
        }
        if state.phase.isTerminal, let last = transitions.indices.last {
            transitions[last].endTime = transitions[last].startTime
        }
        secondaryStatusTransitions = transitions
    }

    static func reason(_ error: String) -> String { String(error.prefix(maximumReasonLength)) }

    package var enumValues: [(field: String, value: String)] {
        [("TrainingJobStatus", trainingJobStatus.rawValue), ("SecondaryStatus", secondaryStatus.rawValue)]
            + secondaryStatusTransitions.map { ("SecondaryStatus", $0.status.rawValue) }
    }

    package func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("TrainingJobName")
        writer.jobID(trainingJobName)
        writer.key("TrainingJobStatus")
        writer.plainString(trainingJobStatus.rawValue)
        writer.key("SecondaryStatus")
        writer.plainString(secondaryStatus.rawValue)
        if let failureReason {
            writer.key("FailureReason")
            writer.string(failureReason)
        }
        writer.key("CreationTime")
        writer.raw(creationTime.epochSecondsText.utf8)
        if let trainingStartTime {
            writer.key("TrainingStartTime")
            writer.raw(trainingStartTime.epochSecondsText.utf8)
        }
        if let trainingEndTime {
            writer.key("TrainingEndTime")
            writer.raw(trainingEndTime.epochSecondsText.utf8)
        }
        writer.key("LastModifiedTime")
        writer.raw(lastModifiedTime.epochSecondsText.utf8)
        if let s3ModelArtifacts {
            writer.key("ModelArtifacts")
            writer.beginObject()
            writer.key("S3ModelArtifacts")
            writer.string(s3ModelArtifacts)
            writer.endObject()
        }
        writer.key("SecondaryStatusTransitions")
        writer.beginArray()
        for transition in secondaryStatusTransitions { transition.write(to: &writer) }
        writer.endArray()
        writer.endObject()
    }
}

/// One item of SageMaker's `SecondaryStatusTransitions`: a SecondaryStatus the job was in.
package struct SageMakerSecondaryStatusTransition: Sendable, Hashable, Encodable, JSONRenderable {
    package var status: SageMakerSecondaryStatus
    /// The time of the event that entered the status.
    package var startTime: Timestamp
    /// The time of the event that left it; omitted for the current status, equal to the start
    /// for a terminal one.
    package var endTime: Timestamp?
    /// Our short sentence for the status; the error (cut at 1024 characters) for Failed.
    package var statusMessage: String

    package func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("Status")
        writer.plainString(status.rawValue)
        writer.key("StartTime")
        writer.raw(startTime.epochSecondsText.utf8)
        if let endTime {
            writer.key("EndTime")
            writer.raw(endTime.epochSecondsText.utf8)
        }
        writer.key("StatusMessage")
        writer.string(statusMessage)
        writer.endObject()
    }
}

/// SageMaker's TrainingJobStatus values our events produce (Stopping and Deleting are not).
package enum SageMakerTrainingJobStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case inProgress = "InProgress"
    case completed = "Completed"
    case failed = "Failed"
    case stopped = "Stopped"

    /// SPEC 2b's SageMaker table. Lossy: every phase before a terminal one is InProgress.
    package init(_ phase: Phase) {
        switch phase {
        case .initialized, .queued, .uploadingDataset, .processingData, .dataReady, .trainingStarted, .training,
            .trained, .uploadingModel:
            self = .inProgress
        case .completed: self = .completed
        case .failed: self = .failed
        case .cancelled: self = .stopped
        }
        #if JOBLEDGER_MUTATION
        self = Mutation.arm("sagemaker.TrainingJobStatus", phase, self)
        #endif
    }
}

/// SageMaker's SecondaryStatus values our events produce.
package enum SageMakerSecondaryStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case starting = "Starting"
    case pending = "Pending"
    case downloading = "Downloading"
    case training = "Training"
    case uploading = "Uploading"
    case completed = "Completed"
    case failed = "Failed"
    case stopped = "Stopped"

    /// SPEC 2b's SageMaker table.
    package init(_ phase: Phase) {
        switch phase {
        case .initialized: self = .starting
        case .queued: self = .pending
        case .uploadingDataset, .processingData, .dataReady: self = .downloading
        case .trainingStarted, .training: self = .training
        case .trained, .uploadingModel: self = .uploading
        case .completed: self = .completed
        case .failed: self = .failed
        case .cancelled: self = .stopped
        }
        #if JOBLEDGER_MUTATION
        self = Mutation.arm("sagemaker.SecondaryStatus", phase, self)
        #endif
    }

    /// Our StatusMessage for the status (Failed's is the error instead).
    package var message: String {
        switch self {
        case .starting: "Starting the training job."
        case .pending: "The training job is waiting for compute capacity."
        case .downloading: "Downloading the training data."
        case .training: "Training in progress."
        case .uploading: "Training is complete; uploading the model artifacts."
        case .completed: "The training job has completed."
        case .failed: "The training job has failed."
        case .stopped: "The training job has stopped."
        }
    }
}

extension Vocabulary {
    package static let sagemaker = Vocabulary(SageMakerTrainingJob.self)
}
