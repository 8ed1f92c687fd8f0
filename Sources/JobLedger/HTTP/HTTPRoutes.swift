/// The routes of the five seeds: each spec (what docs/openapi.yaml documents) with its handler.
extension HTTPRouteTable {
    typealias Handler = @Sendable (Context) throws(HTTPFailure) -> HTTPResponse
    typealias P = HTTPRouteSpec.Parameter
    typealias R = HTTPRouteSpec.Response

    static let jobIDPattern = "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$"

    static let allRoutes: [(HTTPRouteSpec, Handler)] = sestekRoutes + nupicRoutes + otherRoutes

    // MARK: Sestek (seed 000)

    static let sestekRoutes: [(HTTPRouteSpec, Handler)] = {
        let model = P("modelId", in: .path, required: true, pattern: jobIDPattern, "The training's job id.")
        let responses = [
            R(200, "SestekProgress", "The training and inference status; the check publishes a completed API training (the publication rule)."),
            R(400, "Problem", "The model id is not a valid job id (invalid_job_id).", contentType: "application/problem+json"),
            R(401, "Problem", "No bearer token, or the embedder's check refused it (unauthorized).", contentType: "application/problem+json", headers: ["WWW-Authenticate"]),
            R(404, "Problem", "No training has this id (unknown_job).", contentType: "application/problem+json"),
            R(500, "Problem", "The training's log is damaged or the disk failed; the job and the code only.", contentType: "application/problem+json"),
        ]
        let check: Handler = { context throws(HTTPFailure) in
            let job = try context.jobID("modelId")
            return .json(200, try context.table.attempt { () throws(JobLedgerError) in try context.ledger.checkProgress(job) }.jsonBytes)
        }
        return [
            (HTTPRouteSpec(
                "GET", "/sestekai-api/api/external/trainings/{modelId}/progress", "sestekProgress",
                "Check Training & Inference Status", vendor: .sestek, parameters: [model], responses: responses, bearer: true), check),
            (HTTPRouteSpec(
                "GET", "/sestekai-api/api/app/external-trainings/{modelId}/progress", "sestekProgressDeprecated",
                "Check Training & Inference Status (deprecated path, from 2025-01-01)", vendor: .sestek, parameters: [model],
                responses: responses, deprecated: true, bearer: true), check),
        ]
    }()

    // MARK: llama-stack (seed 002), Novita (seed 003), Bluesight (seed 004)

    static let otherRoutes: [(HTTPRouteSpec, Handler)] = [
        (HTTPRouteSpec(
            "GET", "/v1/post-training/job/status", "llamaStackJobStatus", "Get the status of a training job.", vendor: .llamaStack,
            parameters: [P("job_uuid", in: .query, required: true, pattern: jobIDPattern, "The UUID of the job to get the status of.")],
            responses: [
                R(200, "PostTrainingJobStatusResponse", "A PostTrainingJobStatusResponse."),
                R(400, "Error", "job_uuid is missing or not a valid job id."),
                R(404, "Error", "No job has this id (unknown_job)."),
                R(500, "Error", "The job's log is damaged or the disk failed; the job and the code only."),
            ]),
         { context throws(HTTPFailure) in
             guard let text = context.request.queryValue("job_uuid") else {
                 throw HTTPFailure.validation(
                     [HTTPValidationIssue(type: "missing", location: ["query", "job_uuid"], message: "job_uuid is required")], style: .llamaStack)
             }
             let job = try context.jobID(text)
             let state = try context.table.attempt { () throws(JobLedgerError) in try context.ledger.state(of: job) }
             return .json(200, PostTrainingJobStatusResponse(state).jsonBytes)
         }),
        (HTTPRouteSpec(
            "GET", "/v3/training", "novitaListTrainings", "List the user's training tasks.", vendor: .novita,
            parameters: [
                P("pagination.limit", in: .query, required: false, type: "integer", "Tasks per page, 1…100 (default 10)."),
                P("pagination.cursor", in: .query, required: false, "c_<offset> from the previous page's next_cursor; empty is the start."),
            ],
            responses: [
                R(200, "NovitaTaskList", "A page of tasks, created_at descending then task_id; a task whose log cannot be read is UNKNOWN."),
                R(400, "Problem", "The limit is not an integer in 1…100 or the cursor is not c_<offset> (invalid_pagination).", contentType: "application/problem+json"),
                R(401, "Problem", "No bearer token, or the embedder's check refused it (unauthorized).", contentType: "application/problem+json", headers: ["WWW-Authenticate"]),
                R(500, "Problem", "The store's directory cannot be read.", contentType: "application/problem+json"),
            ], bearer: true),
         { context throws(HTTPFailure) in
             var limit = NovitaTaskList.defaultLimit
             if let text = context.request.queryValue("pagination.limit") {
                 guard let value = Int(text) else {
                     throw HTTPFailure(
                         status: 400, code: JobLedgerError.Code.invalidPagination.rawValue,
                         message: "pagination.limit \(JobLedgerError.quote(text)) is not an integer in 1…100")
                 }
                 limit = value
             }
             let cursor = context.request.queryValue("pagination.cursor") ?? ""
             let listing = try context.table.attempt { () throws(JobLedgerError) in try context.ledger.list(limit: limit, cursor: cursor) }
             for error in listing.unreadable { context.table.note(error) }
             return .json(200, listing.list.jsonBytes)
         }),
        (HTTPRouteSpec(
            "POST", "/training/jobs", "bluesightCreateJob", "Create a training job.", vendor: .bluesight,
            requestBody: "BluesightCreateJob",
            responses: [
                R(200, "BluesightJob", "The job as created: status initializing."),
                R(400, "OpenAIError", "The body is not JSON, or not the documented shape (task enum, training_file required)."),
                R(500, "OpenAIError", "The disk failed; the code only."),
            ]),
         { context throws(HTTPFailure) in
             let creation = try BluesightRequest.creation(from: context.request.body)
             let state = try context.table.attempt { () throws(JobLedgerError) -> JobState in
                 while true {
                     let job = try JobID("ftjob-" + TrainingModuleServer.randomHex() + TrainingModuleServer.randomHex().prefix(8))
                     let update = try context.ledger.store.update(job) { state throws(JobLedgerError) -> Decision<Bool> in
                         guard state == nil else { return Decision(append: [], result: false) }  // an id taken: draw again
                         return Decision(append: [PendingEvent(.created(creation), at: .now())], result: true)
                     }
                     if update.result, let state = update.state { return state }
                 }
             }
             return .json(200, BluesightJob(state).jsonBytes)
         }),
        (HTTPRouteSpec(
            "GET", "/training/jobs/{id}", "bluesightGetJob", "Get a training job (JobLedger's, to poll a created job).", vendor: .bluesight,
            parameters: [P("id", in: .path, required: true, pattern: jobIDPattern, "The job's id.")],
            responses: [
                R(200, "BluesightJob", "The job."),
                R(400, "OpenAIError", "The id is not a valid job id."),
                R(404, "OpenAIError", "No job has this id."),
                R(500, "OpenAIError", "The job's log is damaged or the disk failed; the job and the code only."),
            ]),
         { context throws(HTTPFailure) in
             let job = try context.jobID("id")
             let state = try context.table.attempt { () throws(JobLedgerError) in try context.ledger.state(of: job) }
             return .json(200, BluesightJob(state).jsonBytes)
         }),
    ]
}

extension HTTPRouteTable.Context {
    /// The job id in path parameter `name`, or in `text` itself if it is no parameter name.
    func jobID(_ nameOrText: String) throws(HTTPFailure) -> JobID {
        let text = parameters[nameOrText] ?? nameOrText
        do throws(JobLedgerError) {
            return try JobID(text)
        } catch {
            throw table.failure(error)
        }
    }
}

extension JSONRenderable {
    var jsonBytes: [UInt8] {
        var writer = JSONWriter()
        write(to: &writer)
        return writer.bytes
    }
}

/// Bluesight's `POST /training/jobs` body (seed 004).
enum BluesightRequest {
    static let tasks = ["classification", "segmentation"]
    static let fields = ["task", "training_file", "validation_file", "hyperparameters"]

    static func creation(from body: [UInt8]) throws(HTTPFailure) -> Creation {
        let object = try HTTPBody.object(body, style: .openAI)
        for key in object.keys where !fields.contains(key) {
            throw HTTPFailure.validation(
                [HTTPValidationIssue(type: "extra_forbidden", location: ["body", key], message: "Unrecognized request argument supplied: \(key)")],
                style: .openAI)
        }
        var issues: [HTTPValidationIssue] = []
        var task: String?
        switch object["task"] {
        case .string(let value) where tasks.contains(value): task = value
        case nil, .null?:
            issues.append(HTTPValidationIssue(type: "missing", location: ["body", "task"], message: "task is required (classification or segmentation)"))
        case let value?:
            issues.append(
                HTTPValidationIssue(type: "enum", location: ["body", "task"], message: "task must be classification or segmentation", input: value))
        }
        var trainingFile: String?
        switch object["training_file"] {
        case .string(let value) where !value.isEmpty: trainingFile = value
        case nil, .null?:
            issues.append(HTTPValidationIssue(type: "missing", location: ["body", "training_file"], message: "training_file is required"))
        case let value?:
            issues.append(
                HTTPValidationIssue(type: "string_type", location: ["body", "training_file"], message: "training_file must be a non-empty string (a file id)", input: value))
        }
        var validationFile: String?
        switch object["validation_file"] {
        case nil, .null?: break
        case .string(let value): validationFile = value
        case let value?:
            issues.append(HTTPValidationIssue(type: "string_type", location: ["body", "validation_file"], message: "validation_file must be a string or null", input: value))
        }
        var hyperparameters: JSONObject?
        switch object["hyperparameters"] {
        case nil, .null?: break
        case .object(let value): hyperparameters = value
        case let value?:
            issues.append(HTTPValidationIssue(type: "dict_type", location: ["body", "hyperparameters"], message: "hyperparameters must be an object or null", input: value))
        }
        guard issues.isEmpty, let task, let trainingFile else { throw HTTPFailure.validation(issues, style: .openAI) }
        return Creation(origin: .api, task: task, trainingFile: trainingFile, validationFile: validationFile, hyperparameters: hyperparameters)
    }
}

/// Reading a JSON request body.
enum HTTPBody {
    /// The body as a JSON object.
    /// - Throws: a validation failure in `style` for a body that is not UTF-8 JSON or not an object.
    static func object(_ body: [UInt8], style: HTTPErrorStyle) throws(HTTPFailure) -> JSONObject {
        guard !body.isEmpty else {
            throw HTTPFailure.validation([HTTPValidationIssue(type: "missing", location: ["body"], message: "Field required")], style: style)
        }
        guard let text = String(validating: body, as: UTF8.self) else {
            throw HTTPFailure.validation([HTTPValidationIssue(type: "json_invalid", location: ["body"], message: "JSON decode error: the body is not UTF-8")], style: style)
        }
        let value: JSONValue
        do throws(JobLedgerError) {
            value = try JSONValue(parsing: text)
        } catch {
            throw HTTPFailure.validation([HTTPValidationIssue(type: "json_invalid", location: ["body"], message: "JSON decode error: \(error.message)")], style: style)
        }
        guard case .object(let object) = value else {
            throw HTTPFailure.validation(
                [HTTPValidationIssue(type: "model_attributes_type", location: ["body"], message: "Input should be a valid dictionary or object to extract fields from", input: value)],
                style: style)
        }
        return object
    }
}
