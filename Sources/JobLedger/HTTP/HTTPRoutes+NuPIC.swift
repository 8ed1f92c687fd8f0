/// The NuPIC Training Module's endpoints (seed 001) over ``TrainingModuleServer``, with FastAPI's
/// answers: 422 `{"detail": [...]}` for a malformed request, `{"detail": "..."}` for a refused
/// precondition.
extension HTTPRouteTable {
    private static let key = P("key", in: .path, required: true, pattern: jobIDPattern, "The session key start_session returned.")
    private static let forceRestart = P("force_restart", in: .query, required: false, type: "integer", "If not 0, replaces the active session.")

    private static func nupicResponses(_ schema: String, keyed: Bool, refused: String? = nil, needsSession: Bool = true) -> [R] {
        var responses = [R(200, schema, "The server status dictionary" + (schema == "NuPICStatus" ? "." : " with the endpoint's data."))]
        if keyed { responses.append(R(403, "HTTPExceptionDetail", "The key is not the current session's (invalid_session_key).")) }
        if needsSession { responses.append(R(404, "HTTPExceptionDetail", "There is no session (no_active_session).")) }
        if let refused { responses.append(R(409, "HTTPExceptionDetail", refused)) }
        if keyed { responses.append(R(422, "HTTPValidationError", "A malformed key, query or body (FastAPI validation).")) }
        responses.append(R(500, "HTTPExceptionDetail", "The session's log is damaged or the disk failed; the job and the code only."))
        return responses
    }

    private static func nupic(
        _ method: String, _ path: String, _ operation: String, _ summary: String, parameters: [P] = [], body: String? = nil,
        _ responses: [R], _ handler: @escaping @Sendable (Context, TrainingModuleServer) throws(JobLedgerError) -> HTTPResponse
    ) -> (HTTPRouteSpec, Handler) {
        let spec = HTTPRouteSpec(method, path, operation, summary, vendor: .nupic, parameters: parameters, requestBody: body, responses: responses)
        return (spec, { context throws(HTTPFailure) in
            if spec.parameters.contains(where: { $0.name == "key" }) { try context.validateKey() }
            try context.validateQuery()
            return try context.table.attempt { () throws(JobLedgerError) in try handler(context, context.table.nupic) }
        })
    }

    static let nupicRoutes: [(HTTPRouteSpec, Handler)] = [
        nupic(
            "GET", "/start_session", "nupicStartSession", "Start a new session and return its key.", parameters: [forceRestart],
            [R(200, "NuPICSession", "The new session's key and status."),
             R(409, "HTTPExceptionDetail", "There is already an active session and force_restart is 0 (session_active)."),
             R(422, "HTTPValidationError", "force_restart is not an integer."),
             R(500, "HTTPExceptionDetail", "The disk failed; the code only.")]
        ) { context, server throws(JobLedgerError) in
            let session = try server.startSession(forceRestart: context.intQuery("force_restart") ?? 0 != 0)
            return NuPICBody.session(session)
        },
        nupic(
            "POST", "/parameters/{key}", "nupicUpdateParameters", "Update the training config.", parameters: [key],
            body: "TrainingConfigParams",
            nupicResponses("NuPICParameters", keyed: true, refused: "The session is not in the setup state (illegal_transition).")
        ) { context, server throws(JobLedgerError) in
            // The body was validated by validateQuery (it checks TrainingConfigParams too).
            let config = NuPICBody.trainingConfig(try? NuPICBody.configObject(context.request.body))
            return NuPICBody.parameters(try server.updateParameters(key: context.parameters["key"]!, config: config))
        },
        nupic(
            "GET", "/parameters", "nupicGetParameters", "Return the training config with the session key.",
            nupicResponses("NuPICParameters", keyed: false)
        ) { _, server throws(JobLedgerError) in NuPICBody.parameters(try server.parameters()) },
        nupic(
            "POST", "/preprocess/{key}", "nupicPreprocess", "Perform preprocessing.", parameters: [key],
            nupicResponses("NuPICStatus", keyed: true, refused: "Preprocessing is not possible: not in setup, or no dataset uploaded (illegal_transition).")
        ) { context, server throws(JobLedgerError) in NuPICBody.status(try server.preprocess(key: context.parameters["key"]!)) },
        nupic(
            "GET", "/preprocess_status", "nupicPreprocessStatus", "Get the preprocessing status.", nupicResponses("NuPICStatus", keyed: false)
        ) { _, server throws(JobLedgerError) in NuPICBody.status(try server.preprocessStatus()) },
        nupic(
            "POST", "/training/start/{key}", "nupicStartTraining", "Start training.", parameters: [key],
            nupicResponses("NuPICStatus", keyed: true, refused: "Training is not possible: the data is not preprocessed (illegal_transition).")
        ) { context, server throws(JobLedgerError) in NuPICBody.status(try server.startTraining(key: context.parameters["key"]!)) },
        nupic(
            "POST", "/training/stop/{key}", "nupicStopTraining", "Stop training.", parameters: [key, forceRestart],
            nupicResponses("NuPICSession", keyed: true, refused: "There is no training session (illegal_transition).")
        ) { context, server throws(JobLedgerError) in
            NuPICBody.session(
                try server.stopTraining(key: context.parameters["key"]!, forceRestart: context.intQuery("force_restart") ?? 0 != 0))
        },
        nupic("GET", "/status", "nupicStatus", "Get the session status.", nupicResponses("NuPICStatus", keyed: false)) {
            _, server throws(JobLedgerError) in NuPICBody.status(try server.status())
        },
        nupic(
            "GET", "/monitor/{key}", "nupicMonitor", "Get the last training info.", parameters: [key],
            nupicResponses("NuPICMonitor", keyed: true)
        ) { context, server throws(JobLedgerError) in NuPICBody.monitor(try server.monitor(key: context.parameters["key"]!)) },
        nupic(
            "POST", "/upload_dataset/{key}", "nupicUploadDataset", "Upload the dataset (JobLedger records the two file names).",
            parameters: [key], body: "UploadDataset",
            nupicResponses("NuPICStatus", keyed: true, refused: "Uploading a dataset in a non-setup state (illegal_transition).")
        ) { context, server throws(JobLedgerError) in
            let files = NuPICBody.uploadFiles(context.request.body)!  // validated before
            return NuPICBody.status(try server.uploadDataset(key: context.parameters["key"]!, trainFile: files.train, testFile: files.test))
        },
        nupic(
            "GET", "/model_ready/{key}", "nupicModelReady", "Check if the model is ready.", parameters: [key],
            nupicResponses("NuPICStatus", keyed: true)
        ) { context, server throws(JobLedgerError) in NuPICBody.status(try server.modelReady(key: context.parameters["key"]!)) },
        nupic(
            "GET", "/download_model/{key}", "nupicDownloadModel", "Download the model (JobLedger records its name).", parameters: [key],
            nupicResponses("NuPICModel", keyed: true, refused: "The model is not trained yet (not_ready).")
        ) { context, server throws(JobLedgerError) in
            let model = try server.downloadModel(key: context.parameters["key"]!)
            var writer = JSONWriter()
            writer.beginObject()
            writer.key("model_name")
            writer.string(model.name)
            writer.endObject()
            return .json(200, writer.bytes)
        },
        nupic(
            "GET", "/download_results/{key}", "nupicDownloadResults", "Download the test results: the checkpoints with their metrics.",
            parameters: [key], nupicResponses("NuPICResults", keyed: true, refused: "The model is not trained yet (not_ready).")
        ) { context, server throws(JobLedgerError) in
            let key = context.parameters["key"]!
            let checkpoints = try server.downloadResults(key: key)
            var writer = JSONWriter()
            writer.beginObject()
            writer.key("results")
            writer.beginArray()
            for checkpoint in checkpoints { LlamaStackCheckpoint(checkpoint, job: try JobID(key)).write(to: &writer) }
            writer.endArray()
            writer.endObject()
            return .json(200, writer.bytes)
        },
        nupic(
            "GET", "/healthcheck", "nupicHealthcheck", "Return a healthcheck status for the API.",
            [R(200, "NuPICHealth", "healthcheck ok, and the current session's status if there is one."),
             R(500, "HTTPExceptionDetail", "The current session's log is damaged or the disk failed; the job and the code only.")]
        ) { _, server throws(JobLedgerError) in
            var writer = JSONWriter()
            writer.beginObject()
            writer.key("healthcheck")
            writer.string("ok")
            do throws(JobLedgerError) {
                let status = try server.status()
                NuPICBody.writeStatusFields(status, to: &writer)
            } catch where error.code == .noActiveSession {
                // No session yet: healthy all the same.
            }
            writer.endObject()
            return .json(200, writer.bytes)
        },
        nupic(
            "POST", "/import_model/{key}", "nupicImportModel", "Start the model import process.",
            parameters: [
                key, P("model_type", in: .query, required: true, "The kind of model to import."),
                P("model_name", in: .query, required: true, "The name of the model to import."),
            ],
            nupicResponses("NuPICStatus", keyed: true, refused: "The model is not trained yet, or an import already ran (not_ready, illegal_transition).")
        ) { context, server throws(JobLedgerError) in
            NuPICBody.status(
                try server.importModel(
                    key: context.parameters["key"]!, modelType: context.request.queryValue("model_type")!,
                    modelName: context.request.queryValue("model_name")!))
        },
        nupic("GET", "/import_status", "nupicImportStatus", "Get the import status.", nupicResponses("NuPICStatus", keyed: false)) {
            _, server throws(JobLedgerError) in NuPICBody.status(try server.status())
        },
        nupic(
            "GET", "/get_imported_model/{key}", "nupicGetImportedModel", "Get the imported model.",
            parameters: [
                key, P("on_disk", in: .query, required: false, type: "boolean", "Whether the model is wanted on disk."),
                P("tokenizer", in: .query, required: false, type: "boolean", "Whether the tokenizer is wanted too."),
            ],
            nupicResponses("NuPICImportedModel", keyed: true, refused: "The model is not trained or not imported yet (not_ready).")
        ) { context, server throws(JobLedgerError) in
            let model = try server.importedModel(
                key: context.parameters["key"]!, onDisk: context.boolQuery("on_disk") ?? false,
                tokenizer: context.boolQuery("tokenizer") ?? false)
            var writer = JSONWriter()
            writer.beginObject()
            writer.key("model_type")
            writer.string(model.modelType)
            writer.key("model_name")
            writer.string(model.modelName)
            writer.key("on_disk")
            writer.bool(model.onDisk)
            writer.key("tokenizer")
            writer.bool(model.tokenizer)
            writer.endObject()
            return .json(200, writer.bytes)
        },
    ]
}

extension HTTPRouteTable.Context {
    /// 422 unless the path's key could be a session key (a job id).
    func validateKey() throws(HTTPFailure) {
        let key = parameters["key"] ?? ""
        if let problem = JobID.problem(with: key) {
            throw HTTPFailure.validation(
                [HTTPValidationIssue(type: "string_pattern_mismatch", location: ["path", "key"], message: "the key is not a session key: \(problem)", input: .string(key))],
                style: .fastAPI)
        }
    }

    /// 422 for every query parameter or body field of the route that is missing or malformed,
    /// all listed at once as FastAPI does.
    func validateQuery() throws(HTTPFailure) {
        var issues: [HTTPValidationIssue] = []
        for parameter in spec.parameters where parameter.location == .query {
            let value = request.queryValue(parameter.name)
            guard let value else {
                if parameter.required {
                    issues.append(HTTPValidationIssue(type: "missing", location: ["query", parameter.name], message: "Field required"))
                }
                continue
            }
            switch parameter.type {
            case "integer" where Int(value) == nil:
                issues.append(
                    HTTPValidationIssue(
                        type: "int_parsing", location: ["query", parameter.name],
                        message: "Input should be a valid integer, unable to parse string as an integer", input: .string(value)))
            case "boolean" where NuPICBody.bool(value) == nil:
                issues.append(
                    HTTPValidationIssue(
                        type: "bool_parsing", location: ["query", parameter.name],
                        message: "Input should be a valid boolean, unable to interpret input", input: .string(value)))
            default: break
            }
        }
        switch spec.requestBody {
        case "TrainingConfigParams"?:
            do throws(HTTPFailure) {
                issues += NuPICBody.configIssues(try NuPICBody.configObject(request.body))
            } catch {
                issues += error.issues
            }
        case "UploadDataset"?:
            issues += NuPICBody.uploadIssues(request.body)
        default: break
        }
        if !issues.isEmpty { throw HTTPFailure.validation(issues, style: .fastAPI) }
    }

    func intQuery(_ name: String) -> Int? { request.queryValue(name).flatMap { Int($0) } }
    func boolQuery(_ name: String) -> Bool? { request.queryValue(name).flatMap { NuPICBody.bool($0) } }
}

/// NuPIC's request and response bodies.
enum NuPICBody {
    /// TrainingConfigParams (seed 001): each field optional, with its type.
    static let configFields: [(name: String, type: String)] = [
        ("model", "string"), ("task_type", "string"), ("batch_size", "integer"), ("epochs", "integer"),
        ("eval_metrics", "array"), ("epochs_per_test_run", "integer"), ("learning_rate", "number"), ("seed", "integer"),
        ("init_eval", "boolean"), ("cache_dir", "string"), ("overwrite_cache", "boolean"),
    ]

    /// Pydantic's lax booleans for a query value.
    static func bool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "1", "true", "t", "yes", "y", "on": true
        case "0", "false", "f", "no", "n", "off": false
        default: nil
        }
    }

    static func configObject(_ body: [UInt8]) throws(HTTPFailure) -> JSONObject {
        try HTTPBody.object(body, style: .fastAPI)
    }

    /// The typed fields of a config body that are wrong.
    static func configIssues(_ object: JSONObject) -> [HTTPValidationIssue] {
        var issues: [HTTPValidationIssue] = []
        for (name, type) in configFields {
            guard let value = object[name], value != .null else { continue }
            let fits: Bool
            switch (type, value) {
            case ("string", .string), ("boolean", .bool), ("array", .array), ("integer", .int), ("number", .int), ("number", .double):
                fits = true
            case ("integer", .double(let number)): fits = number.rounded() == number && abs(number) < 1e15
            default: fits = false
            }
            if !fits {
                let (kind, message) =
                    switch type {
                    case "string": ("string_type", "Input should be a valid string")
                    case "boolean": ("bool_type", "Input should be a valid boolean")
                    case "array": ("list_type", "Input should be a valid list")
                    case "integer": ("int_type", "Input should be a valid integer")
                    default: ("float_type", "Input should be a valid number")
                    }
                issues.append(HTTPValidationIssue(type: kind, location: ["body", name], message: message, input: value))
            }
        }
        return issues
    }

    /// The config to record: the documented fields present and not null (others are ignored,
    /// as pydantic ignores unknown fields).
    static func trainingConfig(_ object: JSONObject?) -> JSONObject {
        var config = JSONObject()
        guard let object else { return config }
        for entry in object where configFields.contains(where: { $0.name == entry.key }) && entry.value != .null {
            config[entry.key] = entry.value
        }
        return config
    }

    static func uploadIssues(_ body: [UInt8]) -> [HTTPValidationIssue] {
        let object: JSONObject
        do throws(HTTPFailure) {
            object = try HTTPBody.object(body, style: .fastAPI)
        } catch {
            return error.issues
        }
        var issues: [HTTPValidationIssue] = []
        for name in ["train_file", "test_file"] {
            switch object[name] {
            case .string(let value) where !value.isEmpty: break
            case nil: issues.append(HTTPValidationIssue(type: "missing", location: ["body", name], message: "Field required"))
            case let value?: issues.append(HTTPValidationIssue(type: "string_type", location: ["body", name], message: "Input should be a non-empty string", input: value))
            }
        }
        return issues
    }

    static func uploadFiles(_ body: [UInt8]) -> (train: String, test: String)? {
        guard let object = try? HTTPBody.object(body, style: .fastAPI), case .string(let train)? = object["train_file"],
            case .string(let test)? = object["test_file"]
        else { return nil }
        return (train, test)
    }

    static func writeStatusFields(_ status: NuPICStatus, to writer: inout JSONWriter) {
        writer.key("state")
        writer.plainString(status.state.rawValue)
        writer.key("model_ready")
        writer.bool(status.modelReady)
        writer.key("percent")
        writer.int(status.percent)
        writer.key("import_status")
        writer.plainString(status.importStatus.rawValue)
    }

    static func status(_ status: NuPICStatus) -> HTTPResponse { .json(200, status.jsonBytes) }

    static func session(_ session: TrainingModuleServer.Session) -> HTTPResponse {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("key")
        writer.string(session.key)
        writeStatusFields(session.status, to: &writer)
        writer.endObject()
        return .json(200, writer.bytes)
    }

    static func parameters(_ parameters: TrainingModuleServer.Parameters) -> HTTPResponse {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("key")
        writer.string(parameters.key)
        writeStatusFields(parameters.status, to: &writer)
        writer.key("config")
        writer.object(parameters.config)
        writer.endObject()
        return .json(200, writer.bytes)
    }

    static func monitor(_ info: TrainingModuleServer.TrainingInfo) -> HTTPResponse {
        var writer = JSONWriter()
        writer.beginObject()
        writeStatusFields(info.status, to: &writer)
        writer.key("epoch")
        if let epoch = info.epoch { writer.int(epoch) } else { writer.null() }
        writer.key("last_checkpoint")
        if let last = info.lastCheckpoint {
            writer.beginObject()
            writer.key("identifier")
            writer.string(last.checkpoint.identifier)
            writer.key("epoch")
            writer.int(last.checkpoint.epoch)
            writer.key("path")
            writer.string(last.checkpoint.path)
            writer.key("created_at")
            writer.string(last.savedAt.rfc3339)
            if let metrics = last.checkpoint.metrics {
                writer.key("training_metrics")
                PostTrainingMetric(
                    epoch: last.checkpoint.epoch, trainLoss: metrics.trainLoss, validationLoss: metrics.validationLoss,
                    perplexity: metrics.perplexity
                ).write(to: &writer)
            }
            writer.endObject()
        } else {
            writer.null()
        }
        writer.endObject()
        return .json(200, writer.bytes)
    }
}
