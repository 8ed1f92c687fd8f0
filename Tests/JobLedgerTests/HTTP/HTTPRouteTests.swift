import Foundation
import JobLedger
import Synchronization
import Testing

/// Every seed endpoint through the framework-neutral route table: answers, status codes, headers
/// and error shapes as docs/http.md documents them.
@Suite struct HTTPRouteTests {
    static let token = "s3cret"

    /// A directory store holding copies of the Fixtures/logs directories named.
    static func store(_ fixtures: String...) throws -> String {
        let directory = Logs.temporaryDirectory()
        for fixture in fixtures {
            let source = Executables.packageRoot.appendingPathComponent("Fixtures/logs/\(fixture)")
            for name in try FileManager.default.contentsOfDirectory(atPath: source.path) {
                try FileManager.default.copyItem(atPath: source.appendingPathComponent(name).path, toPath: directory + "/" + name)
            }
        }
        return directory
    }

    static func table(_ directory: String, log: @escaping @Sendable (String) -> Void = { _ in }) throws -> HTTPRouteTable {
        try HTTPRouteTable(ledger: Ledger(directory: directory), authorize: { $0 == token }, log: log)
    }

    static func get(_ target: String, bearer: String? = token) -> HTTPRequest {
        HTTPRequest(method: "GET", target: target, headers: bearer.map { [HTTPHeader("Authorization", "Bearer \($0)")] } ?? [])
    }

    static func post(_ target: String, _ body: String) -> HTTPRequest {
        HTTPRequest(method: "POST", target: target, headers: [HTTPHeader("Content-Type", "application/json")], body: Array(body.utf8))
    }

    /// The response body as a JSON object.
    static func object(_ response: HTTPResponse) throws -> JSONObject {
        guard case .object(let object) = try JSONValue(parsing: response.text) else {
            Issue.record("not an object: \(response.text)")
            return [:]
        }
        return object
    }

    // MARK: Sestek

    @Test func sestekAnswersTheSeedExampleExactly() async throws {
        let routes = try Self.table(Self.store("publication"))
        let response = await routes.respond(to: Self.get("/sestekai-api/api/external/trainings/sestek-example/progress"))
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "application/json")
        #expect(response.text == #"{"percent":100,"trainingStatus":"Completed","inferenceStatus":"Running"}"#)
        #expect(response.header("Deprecation") == nil)
    }

    @Test func sestekDeprecatedPathAnswersTheSameWithDeprecationAndLink() async throws {
        let routes = try Self.table(Self.store("publication"))
        let new = await routes.respond(to: Self.get("/sestekai-api/api/external/trainings/sestek-example/progress"))
        let old = await routes.respond(to: Self.get("/sestekai-api/api/app/external-trainings/sestek-example/progress"))
        #expect(old.status == 200)
        #expect(old.body == new.body)
        #expect(old.header("Deprecation") == "@1735689600")
        #expect(old.header("Link") == #"</sestekai-api/api/external/trainings/sestek-example/progress>; rel="successor-version""#)
        let unknown = await routes.respond(to: Self.get("/sestekai-api/api/app/external-trainings/nobody/progress"))
        #expect(unknown.status == 404)
        #expect(unknown.header("Deprecation") == "@1735689600")
    }

    @Test func sestekNeedsTheBearerTokenTheEmbedderAccepts() async throws {
        let routes = try Self.table(Self.store("publication"))
        let path = "/sestekai-api/api/external/trainings/sestek-example/progress"
        let missing = await routes.respond(to: Self.get(path, bearer: nil))
        #expect(missing.status == 401)
        #expect(missing.header("WWW-Authenticate") == "Bearer")
        #expect(missing.header("Content-Type") == "application/problem+json")
        #expect(try Self.object(missing)["code"] == "unauthorized")
        let wrong = await routes.respond(to: Self.get(path, bearer: "guess"))
        #expect(wrong.status == 401)
        #expect(wrong.header("WWW-Authenticate") == #"Bearer error="invalid_token""#)
        let basic = await routes.respond(
            to: HTTPRequest(method: "GET", target: path, headers: [HTTPHeader("authorization", "Basic czNjcmV0")]))
        #expect(basic.status == 401)
        let lowercase = await routes.respond(
            to: HTTPRequest(method: "GET", target: path, headers: [HTTPHeader("authorization", "bearer \(Self.token)")]))
        #expect(lowercase.status == 200)
    }

    @Test func sestekErrorsAreProblemDetailsWithTheirCode() async throws {
        let routes = try Self.table(Self.store("publication"))
        let unknown = await routes.respond(to: Self.get("/sestekai-api/api/external/trainings/m-404/progress"))
        #expect(unknown.status == 404)
        #expect(unknown.header("JobLedger-Error-Code") == "unknown_job")
        #expect(
            unknown.text == #"{"status":404,"title":"Not Found","detail":"job m-404: unknown job: no events","code":"unknown_job"}"#)
        let invalid = await routes.respond(to: Self.get("/sestekai-api/api/external/trainings/..%2Fetc/progress"))
        #expect(invalid.status == 400)
        #expect(try Self.object(invalid)["code"] == "invalid_job_id")
    }

    @Test func sixteenConcurrentProgressChecksPublishOnce() async throws {
        let directory = try Self.store("publication")
        let routes = try Self.table(directory)
        let answers = await withTaskGroup(of: String.self) { group in
            for _ in 0..<16 {
                group.addTask { await routes.respond(to: Self.get("/sestekai-api/api/external/trainings/awaiting-check/progress")).text }
            }
            return await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(answers.count == 16)
        #expect(answers.allSatisfy { $0 == #"{"percent":100,"trainingStatus":"Completed","inferenceStatus":"Pending"}"# })
        let events = try Ledger(directory: directory).events(of: JobID("awaiting-check"))
        #expect(events.filter { $0.event.type == .publicationStarted }.count == 1)
        #expect(events.last?.event == .publicationStarted(trigger: .progressCheck))
    }

    // MARK: llama-stack

    @Test func llamaStackStatusAndItsErrorObjects() async throws {
        let routes = try Self.table(Self.store("llama-stack"))
        let ok = await routes.respond(to: Self.get("/v1/post-training/job/status?job_uuid=llama-finetune", bearer: nil))
        #expect(ok.status == 200)
        #expect(ok.text == PostTrainingJobStatusResponse(try Ledger(directory: Self.store("llama-stack")).state(of: JobID("llama-finetune"))).json)

        let missing = await routes.respond(to: Self.get("/v1/post-training/job/status", bearer: nil))
        #expect(missing.status == 400)
        #expect(missing.header("Content-Type") == "application/json")
        // Error has additionalProperties: false: exactly status, title, detail.
        #expect(try Self.object(missing).keys == ["status", "title", "detail"])
        #expect(try Self.object(missing)["title"] == "Bad Request")
        #expect(missing.header("JobLedger-Error-Code") == "validation_error")

        let unknown = await routes.respond(to: Self.get("/v1/post-training/job/status?job_uuid=nobody", bearer: nil))
        #expect(unknown.status == 404)
        #expect(unknown.text == #"{"status":404,"title":"Not Found","detail":"job nobody: unknown job: no events"}"#)
        let invalid = await routes.respond(to: Self.get("/v1/post-training/job/status?job_uuid=a%2Fb", bearer: nil))
        #expect(invalid.status == 400)
        #expect(invalid.header("JobLedger-Error-Code") == "invalid_job_id")
    }

    // MARK: Novita

    @Test func novitaListsTheSeedExampleExactlyAndPages() async throws {
        let routes = try Self.table(Self.store("novita-example"))
        let expected = try String(
            contentsOf: Executables.packageRoot.appendingPathComponent("Fixtures/expected/list-novita-example.txt"), encoding: .utf8
        ).split(separator: "\n")[3]
        let page = await routes.respond(to: Self.get("/v3/training?pagination.limit=10&pagination.cursor=c_0"))
        #expect(page.status == 200)
        #expect(page.text == String(expected))
        let second = await routes.respond(to: Self.get("/v3/training?pagination.limit=2&pagination.cursor=c_2"))
        #expect(try Self.object(second)["pagination"] == ["next_cursor": "c_4"])
        let defaults = await routes.respond(to: Self.get("/v3/training"))
        #expect(defaults.text == String(expected))

        for target in ["/v3/training?pagination.limit=0", "/v3/training?pagination.limit=101", "/v3/training?pagination.limit=ten",
                       "/v3/training?pagination.cursor=page2"] {
            let bad = await routes.respond(to: Self.get(target))
            #expect(bad.status == 400, "\(target)")
            #expect(try Self.object(bad)["code"] == "invalid_pagination", "\(target)")
        }
        #expect(await routes.respond(to: Self.get("/v3/training", bearer: nil)).status == 401)
    }

    // MARK: Bluesight

    @Test func bluesightCreatesAJobAndPollsIt() async throws {
        let directory = Logs.temporaryDirectory()
        let routes = try Self.table(directory)
        let created = await routes.respond(
            to: Self.post(
                "/training/jobs",
                #"{"task":"segmentation","training_file":"file-abc","validation_file":null,"hyperparameters":{"epochs":3}}"#))
        #expect(created.status == 200)
        let job = try Self.object(created)
        #expect(job.keys == ["id", "task", "training_file", "validation_file", "hyperparameters", "created_at", "status", "error", "trained_model", "finished_at"])
        #expect(job["status"] == "initializing")
        #expect(job["task"] == "segmentation")
        #expect(job["hyperparameters"] == ["epochs": 3])
        guard case .string(let id)? = job["id"] else { throw JobLedgerError(.invalidArgument, "no id") }
        #expect(id.hasPrefix("ftjob-"))
        let polled = await routes.respond(to: Self.get("/training/jobs/\(id)", bearer: nil))
        #expect(polled.status == 200)
        #expect(polled.body == created.body)
        // The append is in the store, durably: a fresh ledger reads it.
        #expect(try Ledger(directory: directory).events(of: JobID(id)).count == 1)

        let unknown = await routes.respond(to: Self.get("/training/jobs/ftjob-nobody", bearer: nil))
        #expect(unknown.status == 404)
        #expect(try Self.object(unknown)["error"] == [
            "message": "job ftjob-nobody: unknown job: no events", "type": "invalid_request_error", "param": nil, "code": "unknown_job",
        ])
    }

    @Test(arguments: [
        (#"{"training_file":"f"}"#, "task"),
        (#"{"task":"translation","training_file":"f"}"#, "task"),
        (#"{"task":"classification"}"#, "training_file"),
        (#"{"task":"classification","training_file":7}"#, "training_file"),
        (#"{"task":"classification","training_file":"f","validation_file":3}"#, "validation_file"),
        (#"{"task":"classification","training_file":"f","hyperparameters":[1]}"#, "hyperparameters"),
        (#"{"task":"classification","training_file":"f","model":"x"}"#, "model"),
    ])
    func bluesightRejectsTheWrongShape(body: String, param: String) async throws {
        let directory = Logs.temporaryDirectory()
        let routes = try Self.table(directory)
        let response = await routes.respond(to: Self.post("/training/jobs", body))
        #expect(response.status == 400)
        guard case .object(let error)? = try Self.object(response)["error"] else {
            Issue.record("no error object: \(response.text)")
            return
        }
        #expect(error["param"] == .string(param))
        #expect(error["type"] == "invalid_request_error")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty, "a rejected request writes nothing")
    }

    @Test(arguments: ["", "not json", "[1,2]", "\"text\"", "{\"task\":", "{\"a\":1,\"a\":2}"])
    func bluesightRejectsABodyThatIsNotAJSONObject(body: String) async throws {
        let routes = try Self.table(Logs.temporaryDirectory())
        let response = await routes.respond(to: Self.post("/training/jobs", body))
        #expect(response.status == 400, "\(body)")
        #expect(response.header("JobLedger-Error-Code") == "validation_error")
    }

    // MARK: NuPIC

    @Test func nupicSessionOverHTTP() async throws {
        let routes = try Self.table(Logs.temporaryDirectory())
        func call(_ request: HTTPRequest) async -> (Int, JSONObject) {
            let response = await routes.respond(to: request)
            return (response.status, (try? Self.object(response)) ?? [:])
        }
        #expect(await call(Self.get("/status", bearer: nil)).0 == 404)
        #expect(await call(Self.get("/healthcheck", bearer: nil)) == (200, ["healthcheck": "ok"]))
        let (status, session) = await call(Self.get("/start_session", bearer: nil))
        #expect(status == 200)
        guard case .string(let key)? = session["key"] else { throw JobLedgerError(.invalidArgument, "no key") }
        #expect(session == ["key": .string(key), "state": "setup", "model_ready": false, "percent": 0, "import_status": "none"])

        let again = await routes.respond(to: Self.get("/start_session", bearer: nil))
        #expect(again.status == 409)
        #expect(try Self.object(again).keys == ["detail"])
        #expect(again.header("JobLedger-Error-Code") == "session_active")

        let badQuery = await routes.respond(to: Self.get("/start_session?force_restart=yes", bearer: nil))
        #expect(badQuery.status == 422)
        #expect(
            badQuery.text
                == #"{"detail":[{"type":"int_parsing","loc":["query","force_restart"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"yes"}]}"#
        )

        let badConfig = await call(Self.post("/parameters/\(key)", #"{"epochs":"three","learning_rate":true,"seed":4}"#))
        #expect(badConfig.0 == 422)
        guard case .array(let issues)? = badConfig.1["detail"] else { throw JobLedgerError(.invalidArgument, "no list") }
        #expect(issues.count == 2)
        #expect(await call(Self.post("/parameters/\(key)", "epochs=3")).0 == 422)

        let configured = await call(Self.post("/parameters/\(key)", #"{"epochs":3,"batch_size":8,"unknown":1}"#))
        #expect(configured.0 == 200)
        #expect(configured.1["config"] == ["epochs": 3, "batch_size": 8])
        #expect(await call(Self.get("/parameters", bearer: nil)).1["config"] == ["epochs": 3, "batch_size": 8])

        #expect(await call(Self.post("/preprocess/\(key)", "")).0 == 409)
        #expect(await call(Self.post("/preprocess/nupic-0000000000000000", "")).0 == 403)
        #expect(await call(Self.post("/preprocess/%2E%2E", "")).0 == 422)
        let missingFile = await call(Self.post("/upload_dataset/\(key)", #"{"train_file":"train.csv"}"#))
        #expect(missingFile.0 == 422)
        #expect(await call(Self.post("/upload_dataset/\(key)", #"{"train_file":"train.csv","test_file":"test.csv"}"#)).0 == 200)
        #expect(await call(Self.post("/preprocess/\(key)", "")).1["state"] == "preprocessing")
        #expect(await call(Self.get("/preprocess_status", bearer: nil)).1["state"] == "preprocessing")
        _ = try routes.nupic.preprocessingFinished(key: key)
        #expect(await call(Self.post("/training/start/\(key)", "")).1["state"] == "training")
        _ = try routes.nupic.trainingProgressed(key: key, percent: 40, epoch: 1)
        _ = try routes.nupic.checkpointSaved(
            key: key, Checkpoint(identifier: "ck-1", epoch: 1, path: "/ck/1", metrics: TrainingMetrics(trainLoss: 0.5, validationLoss: 0.6, perplexity: 1.8)))
        let monitor = await call(Self.get("/monitor/\(key)", bearer: nil))
        #expect(monitor.1["epoch"] == 1)
        #expect(monitor.1["percent"] == 40)
        #expect(await call(Self.get("/download_model/\(key)", bearer: nil)).0 == 409)
        #expect(await call(Self.post("/import_model/\(key)?model_type=bert", "")).0 == 422)
        _ = try routes.nupic.trainingFinished(key: key, model: "model-7")
        #expect(await call(Self.get("/model_ready/\(key)", bearer: nil)).1["model_ready"] == true)
        #expect(await call(Self.get("/download_model/\(key)", bearer: nil)) == (200, ["model_name": "model-7"]))
        let results = await call(Self.get("/download_results/\(key)", bearer: nil))
        guard case .array(let checkpoints)? = results.1["results"] else { throw JobLedgerError(.invalidArgument, "no results") }
        #expect(checkpoints.count == 1)
        #expect(await call(Self.get("/get_imported_model/\(key)", bearer: nil)).0 == 409)
        #expect(await call(Self.post("/import_model/\(key)?model_type=bert&model_name=m", "")).1["import_status"] == "importing")
        #expect(await call(Self.get("/import_status", bearer: nil)).1["import_status"] == "importing")
        _ = try routes.nupic.importFinished(key: key)
        #expect(await call(Self.get("/get_imported_model/\(key)?on_disk=true&tokenizer=0", bearer: nil)) == (200, [
            "model_type": "bert", "model_name": "m", "on_disk": true, "tokenizer": false,
        ]))
        #expect(await call(Self.get("/get_imported_model/\(key)?on_disk=maybe", bearer: nil)).0 == 422)
        #expect(await call(Self.post("/training/stop/\(key)", "")).0 == 409)
        let restarted = await call(Self.get("/start_session?force_restart=1", bearer: nil))
        #expect(restarted.0 == 200)
        #expect(restarted.1["key"] != .string(key))
    }

    // MARK: Everything

    @Test func serverErrorsNeverShowTheStoresPath() async throws {
        let directory = Logs.temporaryDirectory()
        try Data(
            (#"{"seq":1,"at":"2026-11-22T10:00:00Z","job":"broken","type":"created","origin":"api"}"# + "\n" + "not json\n").utf8
        ).write(to: URL(fileURLWithPath: directory + "/broken.jsonl"))
        let logged = Mutex<[String]>([])
        let routes = try Self.table(directory) { line in logged.withLock { $0.append(line) } }
        let requests = [
            Self.get("/sestekai-api/api/external/trainings/broken/progress"), Self.get("/v1/post-training/job/status?job_uuid=broken"),
            Self.get("/training/jobs/broken"),
        ]
        for request in requests {
            let response = await routes.respond(to: request)
            #expect(response.status == 500, "\(request.path)")
            #expect(response.header("JobLedger-Error-Code") == "corrupt_log")
            #expect(!response.text.contains(directory) && !response.text.contains(".jsonl") && !response.text.contains(":2"), "\(response.text)")
            #expect(response.text.contains("job broken"))
        }
        #expect(logged.withLock { $0.count } == requests.count)
        #expect(logged.withLock { $0.allSatisfy { $0.contains(directory + "/broken.jsonl:2") } })
        // The list still answers: the damaged log is UNKNOWN, its reason in the server's log.
        let list = await routes.respond(to: Self.get("/v3/training"))
        #expect(list.status == 200)
        #expect(list.text.contains(#""task_status":"UNKNOWN""#))
        #expect(!list.text.contains(directory))
    }

    @Test func aStoreThatCannotBeReadOrWrittenIsA500WithoutItsPath() async throws {
        let directory = Logs.temporaryDirectory()
        let logged = Mutex<[String]>([])
        let routes = try Self.table(directory) { line in logged.withLock { $0.append(line) } }
        try FileManager.default.removeItem(atPath: directory)
        let list = await routes.respond(to: Self.get("/v3/training"))
        let create = await routes.respond(to: Self.post("/training/jobs", #"{"task":"classification","training_file":"f"}"#))
        for response in [list, create] {
            #expect(response.status == 500)
            #expect(response.header("JobLedger-Error-Code") == "io_error")
            #expect(!response.text.contains(directory), "\(response.text)")
        }
        guard case .object(let error)? = try Self.object(create)["error"] else { throw JobLedgerError(.invalidArgument, "no error object") }
        #expect(error["type"] == "server_error")
        #expect(logged.withLock { $0.count } == 2)
        #expect(logged.withLock { $0.allSatisfy { $0.contains(directory) } })
    }

    @Test func progressEventsResumeAfterTheLastEventIDThenGoLive() async throws {
        let ledger = try Logs.ledger(Logs.reaching(.training), job: "sse")  // created, trainingStarted, progressed 10
        let job = try JobID("sse")
        let async = AsyncLedger(ledger)
        #expect(ProgressEvents.lastEventID(" 2 ") == 2)
        #expect(ProgressEvents.lastEventID("x") == 0)
        #expect(ProgressEvents.lastEventID(nil) == 0)
        var frames = ProgressEvents(async, job: job, after: 2).makeAsyncIterator()
        let third = try await frames.next().map { String(decoding: $0, as: UTF8.self) }
        #expect(third == """
            id: 3
            event: progress
            data: {"job":"sse","seq":3,"type":"progressed","sestek":{"percent":10,"trainingStatus":"Training","inferenceStatus":null}}


            """)
        try await async.append(.trainingFinished, to: job)
        let fourth = try await frames.next().map { String(decoding: $0, as: UTF8.self) }
        #expect(fourth?.hasPrefix("id: 4\nevent: progress\ndata: {\"job\":\"sse\",\"seq\":4,\"type\":\"trainingFinished\",\"sestek\":{\"percent\":100,\"trainingStatus\":\"Trained\"") == true)

        // Nothing new: heartbeat comments, so a server notices a client that went away.
        var quiet = ProgressEvents(async, job: job, after: 4, heartbeat: .milliseconds(20)).makeAsyncIterator()
        #expect(try await quiet.next() == ProgressEvents.heartbeatFrame)
        #expect(try await quiet.next() == ProgressEvents.heartbeatFrame)
    }

    @Test func unknownRoutesAndMethodsAndLimits() async throws {
        let routes = try HTTPRouteTable(
            ledger: .inMemory(), limits: HTTPLimits(maxBodyBytes: 64, maxHeaderBytes: 256, maxHeaderCount: 4), authorize: { _ in true })
        let unknown = await routes.respond(to: HTTPRequest(method: "GET", target: "/nothing/here"))
        #expect(unknown.status == 404)
        #expect(unknown.text == #"{"detail":"Not Found"}"#)
        let method = await routes.respond(to: HTTPRequest(method: "DELETE", target: "/training/jobs"))
        #expect(method.status == 405)
        #expect(method.header("Allow") == "POST")
        let large = await routes.respond(to: Self.post("/training/jobs", #"{"task":"classification","training_file":""# + String(repeating: "x", count: 64) + "\"}"))
        #expect(large.status == 413)
        #expect(large.header("JobLedger-Error-Code") == "payload_too_large")
        let headers = (0..<5).map { HTTPHeader("X-\($0)", "1") }
        let many = await routes.respond(to: HTTPRequest(method: "GET", target: "/status", headers: headers))
        #expect(many.status == 431)
        let long = await routes.respond(
            to: HTTPRequest(method: "GET", target: "/status", headers: [HTTPHeader("X-Long", String(repeating: "y", count: 300))]))
        #expect(long.status == 431)
        #expect(try Self.object(long).keys == ["detail"])
    }

    @Test func queryAndPathDecoding() {
        let request = HTTPRequest(method: "get", target: "/v3/training?pagination.limit=2&pagination.cursor=c%5F2&x=a+b&flag")
        #expect(request.method == "GET")
        #expect(request.path == "/v3/training")
        #expect(request.queryValue("pagination.cursor") == "c_2")
        #expect(request.queryValue("x") == "a b")
        #expect(request.queryValue("flag") == "")
        #expect(HTTPRequest.percentDecoded("%zz%4") == "%zz%4")
        #expect(HTTPRequest.percentDecoded("%FF") == "%FF", "bytes that are not UTF-8 stay as written")
    }
}
