#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JobLedger

/// The reference model's projections of SPEC 2b (SageMaker, Vertex AI, Kubeflow, MLflow, OpenAI),
/// straight from its tables and rules, with the model's own time formatting.
extension ModelJob {
    var lastEventAt: Timestamp { events.last?.at ?? createdAt }

    // MARK: SageMaker

    var sagemakerTrainingJobStatus: String {
        switch phase {
        case .completed: "Completed"
        case .failed: "Failed"
        case .cancelled: "Stopped"
        default: "InProgress"
        }
    }

    static func sagemakerSecondaryStatus(_ phase: Phase) -> String {
        switch phase {
        case .initialized: "Starting"
        case .queued: "Pending"
        case .uploadingDataset, .processingData, .dataReady: "Downloading"
        case .trainingStarted, .training: "Training"
        case .trained, .uploadingModel: "Uploading"
        case .completed: "Completed"
        case .failed: "Failed"
        case .cancelled: "Stopped"
        }
    }

    /// The error as AWS bounds it: at most 1024 characters.
    var sagemakerReason: String? { error.map { String(Array($0)[..<min($0.count, 1024)]) } }

    var sagemaker: J {
        // One item per change of SecondaryStatus, from the phases the job went through.
        var items: [(status: String, start: Timestamp, end: Timestamp?)] = []
        for (phase, at) in phaseHistory {
            let status = Self.sagemakerSecondaryStatus(phase)
            if let last = items.last, last.status == status { continue }
            if !items.isEmpty { items[items.count - 1].end = at }
            items.append((status, at, nil))
        }
        if phase.isTerminal { items[items.count - 1].end = items[items.count - 1].start }
        let messages = [
            "Starting": "Starting the training job.", "Pending": "The training job is waiting for compute capacity.",
            "Downloading": "Downloading the training data.", "Training": "Training in progress.",
            "Uploading": "Training is complete; uploading the model artifacts.",
            "Completed": "The training job has completed.", "Stopped": "The training job has stopped.",
        ]
        var object: [String: J] = [
            "TrainingJobName": .string(job), "TrainingJobStatus": .string(sagemakerTrainingJobStatus),
            "SecondaryStatus": .string(Self.sagemakerSecondaryStatus(phase)),
            "CreationTime": Self.epochSeconds(createdAt), "LastModifiedTime": Self.epochSeconds(lastEventAt),
            "SecondaryStatusTransitions": .array(
                items.map { item in
                    var transition: [String: J] = [
                        "Status": .string(item.status), "StartTime": Self.epochSeconds(item.start),
                        "StatusMessage": .string(item.status == "Failed" ? sagemakerReason ?? "" : messages[item.status]!),
                    ]
                    if let end = item.end { transition["EndTime"] = Self.epochSeconds(end) }
                    return .object(transition)
                }),
        ]
        if phase == .failed, let reason = sagemakerReason { object["FailureReason"] = .string(reason) }
        if let trainingStartedAt { object["TrainingStartTime"] = Self.epochSeconds(trainingStartedAt) }
        if let finishedAt { object["TrainingEndTime"] = Self.epochSeconds(finishedAt) }
        if let trainedModel { object["ModelArtifacts"] = .object(["S3ModelArtifacts": .string(trainedModel)]) }
        return .object(object)
    }

    // MARK: Vertex AI

    var vertexState: String {
        switch phase {
        case .initialized, .queued: "JOB_STATE_QUEUED"
        case .uploadingDataset, .processingData, .dataReady: "JOB_STATE_PENDING"
        case .trainingStarted, .training, .trained, .uploadingModel: "JOB_STATE_RUNNING"
        case .completed: "JOB_STATE_SUCCEEDED"
        case .failed: "JOB_STATE_FAILED"
        case .cancelled: "JOB_STATE_CANCELLED"
        }
    }

    var vertex: J {
        var object: [String: J] = [
            "name": .string("customJobs/" + job), "displayName": .string(creation.name ?? job),
            "state": .string(vertexState), "createTime": .string(Self.protoJSON(createdAt)),
            "updateTime": .string(Self.protoJSON(lastEventAt)),
        ]
        if let trainingStartedAt { object["startTime"] = .string(Self.protoJSON(trainingStartedAt)) }
        if let finishedAt { object["endTime"] = .string(Self.protoJSON(finishedAt)) }
        if phase == .failed { object["error"] = .object(["code": .int(13), "message": .string(error ?? "")]) }
        if phase == .cancelled { object["error"] = .object(["code": .int(1), "message": .string(cancelReason ?? "cancelled")]) }
        return .object(object)
    }

    // MARK: Kubeflow

    var kubeflow: J {
        func condition(_ type: String, _ status: String, reason: String? = nil, _ message: String, _ at: Timestamp) -> J {
            .object([
                "type": .string(type), "status": .string(status), "reason": .string(reason ?? "PyTorchJob" + type),
                "message": .string(message), "lastUpdateTime": .string(Self.wholeSeconds(at)),
                "lastTransitionTime": .string(Self.wholeSeconds(at)),
            ])
        }
        // SPEC 2b: Created; Running from trainingStarted, False once the job ends; then the end.
        var conditions = [condition("Created", "True", "PyTorchJob \(job) is created.", createdAt)]
        if let trainingStartedAt {
            conditions.append(
                finishedAt == nil
                    ? condition("Running", "True", "PyTorchJob \(job) is running.", trainingStartedAt)
                    : condition("Running", "False", "PyTorchJob \(job) is running.", finishedAt!))
        }
        if let finishedAt {
            switch phase {
            case .completed: conditions.append(condition("Succeeded", "True", "PyTorchJob \(job) is successfully completed.", finishedAt))
            case .failed: conditions.append(condition("Failed", "True", error ?? "", finishedAt))
            case .cancelled:
                conditions.append(
                    condition("Suspended", "True", reason: "PyTorchJobCancelled", cancelReason ?? "PyTorchJob \(job) is cancelled.", finishedAt))
            default: break
            }
        }
        var status: [String: J] = [
            "conditions": .array(conditions), "startTime": .string(Self.wholeSeconds(createdAt)),
            "lastReconcileTime": .string(Self.wholeSeconds(lastEventAt)),
        ]
        if phase == .completed || phase == .failed, let finishedAt { status["completionTime"] = .string(Self.wholeSeconds(finishedAt)) }
        return .object(["metadata": .object(["name": .string(job)]), "status": .object(status)])
    }

    // MARK: MLflow

    var mlflowStatus: String {
        switch phase {
        case .initialized, .queued, .uploadingDataset, .processingData, .dataReady: "SCHEDULED"
        case .trainingStarted, .training, .trained, .uploadingModel: "RUNNING"
        case .completed: "FINISHED"
        case .failed: "FAILED"
        case .cancelled: "KILLED"
        }
    }

    var mlflow: J {
        var object: [String: J] = [
            "run_id": .string(job), "run_name": .string(creation.name ?? job), "status": .string(mlflowStatus),
            "start_time": .number(Double(Self.milliseconds(createdAt))), "lifecycle_stage": .string("active"),
        ]
        if let finishedAt { object["end_time"] = .number(Double(Self.milliseconds(finishedAt))) }
        return .object(object)
    }

    // MARK: OpenAI

    var openaiStatus: String {
        switch phase {
        case .initialized, .uploadingDataset, .processingData, .dataReady: "validating_files"
        case .queued: "queued"
        case .trainingStarted, .training, .trained, .uploadingModel: "running"
        case .completed: "succeeded"
        case .failed: "failed"
        case .cancelled: "cancelled"
        }
    }

    var openai: J {
        let bluesight = self.bluesight
        return .object([
            "object": .string("fine_tuning.job"), "id": .string(job), "model": .optional(creation.model),
            "created_at": .int64(Self.unixSeconds(createdAt)),
            "finished_at": finishedAt.map { .int64(Self.unixSeconds($0)) } ?? .null,
            "fine_tuned_model": .optional(trainedModel), "status": .string(openaiStatus),
            "error": phase == .failed
                ? .object(["code": .string("job_failed"), "message": .string(error ?? ""), "param": .null]) : .null,
            "training_file": .optional(creation.trainingFile), "validation_file": .optional(creation.validationFile),
            "hyperparameters": bluesight["hyperparameters"] ?? .null, "trained_tokens": .null,
        ])
    }

    // MARK: Times, without the library's formatters

    /// Nanoseconds since the epoch, wide enough for years 0000 to 9999.
    static func nanoseconds(_ time: Timestamp) -> Int128 { Int128(time.seconds) * 1_000_000_000 + Int128(time.nanoseconds) }

    /// Epoch seconds as a JSON number: the exact decimal, read as the tests' parser reads numbers.
    static func epochSeconds(_ time: Timestamp) -> J {
        let total = nanoseconds(time)
        let magnitude = total.magnitude
        var text = (total < 0 ? "-" : "") + String(magnitude / 1_000_000_000)
        let fraction = magnitude % 1_000_000_000
        if fraction != 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: 9 - digits.count) + digits
            while digits.last == "0" { digits.removeLast() }
            text += "." + digits
        }
        return .number(Double(text)!)
    }

    /// Unix milliseconds, rounded down (towards the past).
    static func milliseconds(_ time: Timestamp) -> Int64 {
        let total = nanoseconds(time)
        let quotient = total / 1_000_000
        return Int64(total % 1_000_000 < 0 ? quotient - 1 : quotient)
    }

    /// RFC 3339 in whole seconds.
    static func wholeSeconds(_ time: Timestamp) -> String { rfc3339(Timestamp(seconds: time.seconds)) }

    /// RFC 3339 with 0, 3, 6 or 9 fractional digits (ProtoJSON).
    static func protoJSON(_ time: Timestamp) -> String {
        let whole = wholeSeconds(time).dropLast()  // without the Z
        let nanos = Int(time.nanoseconds)
        guard nanos != 0 else { return whole + "Z" }
        let digits: Int = nanos % 1_000_000 == 0 ? 3 : nanos % 1_000 == 0 ? 6 : 9
        let scaled = nanos / [3: 1_000_000, 6: 1_000, 9: 1][digits]!
        let text = String(scaled)
        return whole + "." + String(repeating: "0", count: digits - text.count) + text + "Z"
    }
}
