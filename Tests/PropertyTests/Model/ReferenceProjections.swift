#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JobLedger

/// The reference model's projections, straight from SPEC 2's mapping tables, as `J` values to
/// compare with what the library writes (read back by Foundation).
extension ModelJob {
    var sestek: J {
        let status: String
        switch phase {
        case .initialized: status = "Initialized"
        case .queued: status = "PendingTraining"
        case .uploadingDataset: status = "DatasetUploading"
        case .processingData, .dataReady: status = "DataProcessing"
        case .trainingStarted: status = "TrainingStarted"
        case .training: status = "Training"
        case .trained: status = "Trained"
        case .uploadingModel: status = "ModelUploading"
        case .completed: status = "Completed"
        case .failed, .cancelled: status = "Failed"
        }
        let inferenceStatus: J
        switch inference {
        case .none: inferenceStatus = .null
        case .pending: inferenceStatus = .string("Pending")
        case .running: inferenceStatus = .string("Running")
        }
        return .object(["percent": .int(percent), "trainingStatus": .string(status), "inferenceStatus": inferenceStatus])
    }

    var nupicState: String {
        switch phase {
        case .initialized, .queued, .uploadingDataset: "setup"
        case .processingData: "preprocessing"
        case .dataReady: "preprocessed"
        case .trainingStarted, .training, .trained, .uploadingModel: "training"
        case .completed: "trained"
        case .failed: "failed"
        case .cancelled: "stopped"
        }
    }

    var nupic: J {
        .object([
            "state": .string(nupicState), "model_ready": .bool(nupicState == "trained"), "percent": .int(percent),
            "import_status": .string(modelImport.rawValue),
        ])
    }

    var llamaStackStatus: String {
        switch phase {
        case .initialized, .queued, .uploadingDataset, .processingData, .dataReady: "scheduled"
        case .trainingStarted, .training, .trained, .uploadingModel: "in_progress"
        case .completed: "completed"
        case .failed: "failed"
        case .cancelled: "cancelled"
        }
    }

    var llamaStack: J {
        var object: [String: J] = [
            "job_uuid": .string(job), "status": .string(llamaStackStatus), "scheduled_at": .string(Self.rfc3339(createdAt)),
            "checkpoints": .array(
                checkpoints.map { saved in
                    var checkpoint: [String: J] = [
                        "identifier": .string(saved.checkpoint.identifier), "created_at": .string(Self.rfc3339(saved.at)),
                        "epoch": .int(saved.checkpoint.epoch), "post_training_job_id": .string(job),
                        "path": .string(saved.checkpoint.path),
                    ]
                    if let metrics = saved.checkpoint.metrics {
                        checkpoint["training_metrics"] = .object([
                            "epoch": .int(saved.checkpoint.epoch), "train_loss": .number(metrics.trainLoss),
                            "validation_loss": .number(metrics.validationLoss), "perplexity": .number(metrics.perplexity),
                        ])
                    }
                    return .object(checkpoint)
                }),
        ]
        if let trainingStartedAt { object["started_at"] = .string(Self.rfc3339(trainingStartedAt)) }
        if let finishedAt { object["completed_at"] = .string(Self.rfc3339(finishedAt)) }
        if let resources { object["resources_allocated"] = J(resources) }
        return .object(object)
    }

    var novitaStatus: String {
        switch phase {
        case .initialized, .queued, .uploadingDataset, .processingData, .dataReady: "QUEUING"
        case .trainingStarted, .training, .trained, .uploadingModel: "TRAINING"
        case .completed: "SUCCESS"
        case .failed: "FAILED"
        case .cancelled: "CANCELED"
        }
    }

    var novita: J {
        var models: [J] = []
        if phase == .completed, inference != .none, let trainedModel {
            models.append(
                .object([
                    "model_name": .string(trainedModel),
                    "model_status": .string(inference == .pending ? "DEPLOYING" : "SERVING"),
                ]))
        }
        return .object([
            "task_name": .string(creation.name ?? ""), "task_id": .string(job), "task_type": .string(creation.task ?? ""),
            "task_status": .string(novitaStatus), "created_at": .int64(Self.unixSeconds(createdAt)), "models": .array(models),
        ])
    }

    var bluesightStatus: String {
        switch phase {
        case .initialized: "initializing"
        case .uploadingDataset: "downloading_files"
        case .processingData, .dataReady: "validating_files"
        case .queued: "queued"
        case .trainingStarted, .training, .trained, .uploadingModel: "running"
        case .completed: "succeeded"
        case .failed: "failed"
        case .cancelled: "cancelled"
        }
    }

    var bluesight: J {
        // "the created hyperparameters merged with config"; null when neither has anything.
        var hyperparameters: J = .null
        if let initial = creation.hyperparameters, case .object(var merged) = J(initial) {
            merged.merge(config) { _, new in new }
            hyperparameters = .object(merged)
        } else if !config.isEmpty {
            hyperparameters = .object(config)
        }
        return .object([
            "id": .string(job), "task": .optional(creation.task), "training_file": .optional(creation.trainingFile),
            "validation_file": .optional(creation.validationFile), "hyperparameters": hyperparameters,
            "created_at": .int64(Self.unixSeconds(createdAt)), "status": .string(bluesightStatus),
            "error": .optional(phase == .failed ? error : nil), "trained_model": .optional(trainedModel),
            "finished_at": finishedAt.map { .int64(Self.unixSeconds($0)) } ?? .null,
        ])
    }

    /// One line of `jobledger replay`: the job and all ten vocabularies.
    var replayLine: J {
        .object([
            "job": .string(job), "sestek": sestek, "nupic": nupic, "llama-stack": llamaStack, "novita": novita,
            "bluesight": bluesight, "sagemaker": sagemaker, "vertex": vertex, "kubeflow": kubeflow, "mlflow": mlflow,
            "openai": openai,
        ])
    }

    /// Whether inference may be requested (seed 000): Completed and Running.
    var canInfer: Bool { phase == .completed && inference == .running }

    // MARK: Times, without the library's formatter

    /// Unix seconds, rounded down.
    static func unixSeconds(_ time: Timestamp) -> Int64 { time.seconds }

    /// RFC 3339 in UTC via the C library's `gmtime_r`, with the shortest fraction.
    static func rfc3339(_ time: Timestamp) -> String {
        var seconds = time_t(time.seconds)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let year = String(parts.tm_year + 1900)
        var text =
            String(repeating: "0", count: max(0, 4 - year.count)) + year + "-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
        if time.nanoseconds > 0 {
            var fraction = String(time.nanoseconds)
            fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        return text + "Z"
    }
}

/// Novita's list over the model's jobs (SPEC 2): `created_at` descending, then job id ascending
/// (bytewise); a page of `limit` from the cursor's offset; `next_cursor` is `c_<offset+limit>` when
/// the page holds a task, else "".
enum ModelList {
    static func page(_ jobs: [ModelJob], limit: Int, cursor: String) -> Result<J, ModelJob.Rejection> {
        guard (1...100).contains(limit) else { return .failure(.init(code: "invalid_pagination", reason: "limit")) }
        let offset: Int
        if cursor.isEmpty {
            offset = 0
        } else if cursor.hasPrefix("c_"), let number = Int(cursor.dropFirst(2)), number >= 0,
            cursor.dropFirst(2).allSatisfy({ $0.isASCII && $0.isNumber })
        {
            offset = number
        } else {
            return .failure(.init(code: "invalid_pagination", reason: "cursor \(cursor)"))
        }
        let sorted = jobs.filter { $0.seq > 0 }.sorted { a, b in
            if a.createdAt.seconds != b.createdAt.seconds { return a.createdAt.seconds > b.createdAt.seconds }
            return Array(a.job.utf8).lexicographicallyPrecedes(Array(b.job.utf8))
        }
        let page = offset < sorted.count ? Array(sorted[offset..<min(sorted.count, offset + limit)]) : []
        return .success(
            .object([
                "tasks": .array(page.map(\.novita)),
                "pagination": .object(["next_cursor": .string(page.isEmpty ? "" : "c_\(offset + limit)")]),
            ]))
    }
}
