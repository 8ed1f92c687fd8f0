#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every endpoint of the five seeds, framework-neutral: a server hands over an ``HTTPRequest`` and
/// sends back the ``HTTPResponse`` (docs/http.md, docs/embedding.md).
///
/// ```swift
/// let routes = try HTTPRouteTable(ledger: Ledger(directory: "/var/lib/jobs"),
///                                 authorize: { token in token == expected })
/// let response = await routes.respond(to: HTTPRequest(method: "GET", target: "/status"))
/// ```
///
/// ``respond(to:)-(HTTPRequest)`` (async) runs the ledger work on the ``AsyncLedger``'s blocking
/// executor, never on the caller's thread; ``respondBlocking(to:)`` runs it on the caller's.
/// An error body never shows a file path: 5xx answers name the job and the error's code, and the
/// full error (file, line, system error) goes to `log`.
public final class HTTPRouteTable: Sendable {
    public let ledger: AsyncLedger
    public let nupic: TrainingModuleServer
    public let limits: HTTPLimits
    /// Checks the token of `Authorization: Bearer <token>` for the routes that need one.
    private let authorize: @Sendable (String) -> Bool
    /// Where the full text of a 5xx error goes (default: standard error).
    private let log: @Sendable (String) -> Void
    private let routes: [Route]

    struct Route: Sendable {
        var spec: HTTPRouteSpec
        var segments: [Substring]
        var handler: @Sendable (Context) throws(HTTPFailure) -> HTTPResponse
    }

    /// What a handler gets: the request, the path's `{parameters}`, and the table.
    struct Context {
        var request: HTTPRequest
        var parameters: [String: String]
        var table: HTTPRouteTable
        var spec: HTTPRouteSpec
        var ledger: Ledger { table.ledger.ledger }
    }

    /// - Parameters:
    ///   - ledger: the ledger the routes read and append to.
    ///   - executor: the threads the blocking work runs on.
    ///   - limits: request size limits.
    ///   - nupicSessionPrefix: job id prefix of NuPIC sessions (``TrainingModuleServer``).
    ///   - authorize: decides whether a bearer token is valid (Sestek and Novita routes).
    ///   - log: receives each 5xx error in full.
    public init(
        ledger: Ledger, executor: BlockingExecutor = .shared, limits: HTTPLimits = HTTPLimits(),
        nupicSessionPrefix: String = "nupic-", authorize: @escaping @Sendable (String) -> Bool,
        log: @escaping @Sendable (String) -> Void = HTTPRouteTable.standardError
    ) throws(JobLedgerError) {
        self.ledger = AsyncLedger(ledger, executor: executor)
        nupic = try TrainingModuleServer(ledger: ledger, sessionPrefix: nupicSessionPrefix)
        self.limits = limits
        self.authorize = authorize
        self.log = log
        routes = Self.allRoutes.map { spec, handler in
            Route(spec: spec, segments: spec.path.split(separator: "/"), handler: handler)
        }
    }

    /// Every route's spec, in the order of docs/openapi.yaml.
    public static var specs: [HTTPRouteSpec] { allRoutes.map(\.0) }

    /// Writes `line` to standard error.
    public static let standardError: @Sendable (String) -> Void = { line in
        let text = "jobledger-http: " + line + "\n"
        _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress!, $0.count - 1) }
    }

    // MARK: Answering

    /// Answers `request`, running the ledger work on the executor's threads. If the task is
    /// cancelled before the work starts, the answer is 503 and nothing was done.
    public func respond(to request: HTTPRequest) async -> HTTPResponse {
        switch match(request) {
        case .failure(let response): return response
        case .success(let (route, parameters)):
            do {
                // A request about one job takes its turn with that job's other calls (AsyncLedger).
                let job = (parameters["modelId"] ?? parameters["id"] ?? parameters["key"] ?? request.queryValue("job_uuid"))
                    .flatMap { JobID(validating: $0) }
                if let job {
                    return try await ledger.run(job: job) { [self] _ in self.run(route, request: request, parameters: parameters) }
                }
                return try await ledger.run { [self] _ in self.run(route, request: request, parameters: parameters) }
            } catch let error as JobLedgerError {
                return decorate(failure(error).response(route.spec.vendor.errorStyle), route.spec, parameters)  // shut down
            } catch {
                let failure = HTTPFailure(status: 503, code: "cancelled", message: "the request was cancelled before it ran")
                return decorate(failure.response(route.spec.vendor.errorStyle), route.spec, parameters)
            }
        }
    }

    /// Answers `request` on the calling thread (which may block on a job's lock or the disk).
    public func respondBlocking(to request: HTTPRequest) -> HTTPResponse {
        switch match(request) {
        case .failure(let response): return response
        case .success(let (route, parameters)): return run(route, request: request, parameters: parameters)
        }
    }

    private enum Match {
        case success((Route, [String: String]))
        case failure(HTTPResponse)
    }

    /// Finds the route and checks the limits and the bearer token: everything that needs no
    /// ledger, so a refused request never waits for the executor.
    private func match(_ request: HTTPRequest) -> Match {
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: true)
        var allowed: [String] = []
        var found: (Route, [String: String])?
        for route in routes where route.segments.count == segments.count {
            var parameters: [String: String] = [:]
            var matches = true
            for (template, segment) in zip(route.segments, segments) {
                if template.first == "{" {
                    parameters[String(template.dropFirst().dropLast())] = HTTPRequest.percentDecoded(segment)
                } else if template != segment {
                    matches = false
                    break
                }
            }
            guard matches else { continue }
            if route.spec.method == request.method {
                found = (route, parameters)
                break
            }
            allowed.append(route.spec.method)
        }
        guard let (route, parameters) = found else {
            // Starlette's answers for an unknown path or method.
            if !allowed.isEmpty {
                return .failure(
                    HTTPFailure(
                        status: 405, code: "method_not_allowed", message: "Method Not Allowed",
                        headers: [HTTPHeader("Allow", allowed.joined(separator: ", "))]
                    ).response(.fastAPI))
            }
            return .failure(HTTPFailure(status: 404, code: "not_found", message: "Not Found").response(.fastAPI))
        }
        let style = route.spec.vendor.errorStyle
        var headerBytes = 0
        for header in request.headers { headerBytes += header.name.utf8.count + header.value.utf8.count + 4 }
        if request.headers.count > limits.maxHeaderCount || headerBytes > limits.maxHeaderBytes {
            return .failure(
                decorate(
                    HTTPFailure(
                        status: 431, code: "headers_too_large",
                        message: "the request's header fields exceed \(limits.maxHeaderBytes) bytes or \(limits.maxHeaderCount) fields"
                    ).response(style), route.spec, parameters))
        }
        if request.body.count > limits.maxBodyBytes {
            return .failure(
                decorate(
                    HTTPFailure(
                        status: 413, code: "payload_too_large", message: "the request body exceeds \(limits.maxBodyBytes) bytes"
                    ).response(style), route.spec, parameters))
        }
        if route.spec.bearer {
            let token = Self.bearerToken(request.header("Authorization"))
            guard let token, authorize(token) else {
                let failure = HTTPFailure(
                    status: 401, code: "unauthorized",
                    message: token == nil ? "a bearer token is required (Authorization: Bearer <token>)" : "the bearer token is not valid",
                    headers: [HTTPHeader("WWW-Authenticate", token == nil ? "Bearer" : "Bearer error=\"invalid_token\"")])
                return .failure(decorate(failure.response(style), route.spec, parameters))
            }
        }
        return .success((route, parameters))
    }

    /// `<token>` of `Bearer <token>` (the scheme is case-insensitive), or `nil`.
    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingSpaces
        return token.isEmpty ? nil : token
    }

    private func run(_ route: Route, request: HTTPRequest, parameters: [String: String]) -> HTTPResponse {
        let context = Context(request: request, parameters: parameters, table: self, spec: route.spec)
        do throws(HTTPFailure) {
            return decorate(try route.handler(context), route.spec, parameters)
        } catch {
            return decorate(error.response(route.spec.vendor.errorStyle), route.spec, parameters)
        }
    }

    /// Adds the headers every answer of a route carries (RFC 9745 `Deprecation` and a `Link` to
    /// the successor on the deprecated Sestek path).
    private func decorate(_ response: HTTPResponse, _ spec: HTTPRouteSpec, _ parameters: [String: String]) -> HTTPResponse {
        guard spec.deprecated, let successor = spec.successor(parameters) else { return response }
        var response = response
        response.headers.append(HTTPHeader("Deprecation", HTTPRouteSpec.sestekDeprecation))
        response.headers.append(HTTPHeader("Link", "<\(successor)>; rel=\"successor-version\""))
        return response
    }

    /// A library error as an HTTP failure; a 5xx goes to the server's log in full first.
    func failure(_ error: JobLedgerError) -> HTTPFailure {
        let failure = HTTPFailure(error)
        if failure.status >= 500 { log(error.description) }
        return failure
    }

    /// Runs `body`, turning a library error into an HTTP failure.
    func attempt<T>(_ body: () throws(JobLedgerError) -> T) throws(HTTPFailure) -> T {
        do throws(JobLedgerError) {
            return try body()
        } catch {
            throw failure(error)
        }
    }

    /// Logs an error that does not fail the request (a damaged log listed as UNKNOWN).
    func note(_ error: JobLedgerError) { log(error.description) }
}

extension Substring {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}

extension HTTPRouteSpec {
    /// RFC 9745's `Deprecation` value for the old Sestek path: deprecated from
    /// 2025-01-01T00:00:00Z (seed 000), as a Structured Fields Date.
    public static let sestekDeprecation = "@1735689600"

    /// The path of the successor of a deprecated route, for `Link: <…>; rel="successor-version"`.
    func successor(_ parameters: [String: String]) -> String? {
        guard deprecated, let model = parameters["modelId"] else { return nil }
        var escaped = ""
        for byte in model.utf8 {
            let isSafe =
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
            if isSafe {
                escaped.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                escaped += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return "/sestekai-api/api/external/trainings/\(escaped)/progress"
    }
}
