import Foundation
import HTTPTypes
import Hummingbird
import JobLedger

// jobledger-server --store DIR [--host 127.0.0.1] --port N
// JobLedger's route table mounted on Hummingbird 2, over a durable directory store, plus
// GET /jobs/{job}/progress/events: the job's progress as Server-Sent Events (docs/embedding.md).

let options = ServerOptions.parse(CommandLine.arguments.dropFirst())
let ledger = try Ledger(directory: options.store, durability: .fsync)
let routes = try HTTPRouteTable(ledger: ledger, authorize: { $0 == options.token })

let responder = CallbackResponder<BasicRequestContext> { request, _ in
    var request = request
    let path = request.uri.path.split(separator: "/")
    if request.method == .get, path.count == 4, path[0] == "jobs", path[2] == "progress", path[3] == "events" {
        return events(for: String(path[1]), request)
    }
    let body: [UInt8]
    do {
        body = Array(buffer: try await request.collectBody(upTo: routes.limits.maxBodyBytes))
    } catch {
        body = [UInt8](repeating: 0, count: routes.limits.maxBodyBytes + 1)  // over the limit: the route answers 413
    }
    let answer = await routes.respond(to: JobLedger.HTTPRequest(
        method: request.method.rawValue, target: request.head.path ?? "/",
        headers: request.headers.map { HTTPHeader($0.name.rawName, $0.value) }, body: body))
    return response(answer)
}

/// The SSE route: a bearer token as for Sestek, then one frame per event, resuming after `Last-Event-ID`.
func events(for job: String, _ request: Request) -> Response {
    let token = request.headers[.authorization].map { $0.split(separator: " ", maxSplits: 1) }
    guard let token, token.count == 2, token[0].lowercased() == "bearer", String(token[1]) == options.token else {
        return Response(status: .unauthorized, headers: [.wwwAuthenticate: "Bearer"])
    }
    guard let job = JobID(validating: job) else { return Response(status: .badRequest) }
    let frames = ProgressEvents(routes.ledger, job: job, after: ProgressEvents.lastEventID(request.headers[values: HTTPField.Name("Last-Event-ID")!].first))
    return Response(
        status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
        body: ResponseBody(asyncSequence: frames.map { ByteBuffer(bytes: $0) }))
}

func response(_ answer: JobLedger.HTTPResponse) -> Response {
    var headers = HTTPFields()
    for header in answer.headers { headers.append(HTTPField(name: HTTPField.Name(header.name)!, value: header.value)) }
    return Response(status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
}

let app = Application(
    responder: responder,
    configuration: .init(address: .hostname(options.host, port: options.port), serverName: "jobledger-server"))
try await app.runService()  // until SIGINT or SIGTERM: stops accepting, finishes requests in flight
routes.ledger.executor.shutdown()
