/// The error shape each vendor's clients expect (docs/http.md, "Errors").
public enum HTTPErrorStyle: String, Sendable, Hashable, CaseIterable {
    /// RFC 7807 `application/problem+json` with JobLedger's `code`:
    /// `{"status", "title", "detail", "code"}` (Sestek and Novita, whose docs show no error body).
    case problem
    /// llama-stack's `Error` (seed 002): `{"status", "title", "detail"}` exactly
    /// (`additionalProperties: false`), as `application/json`.
    case llamaStack
    /// FastAPI's: `{"detail": "..."}` for a refused precondition (`HTTPException`), and
    /// `{"detail": [{"type", "loc", "msg", "input"}]}` with 422 for a malformed request (NuPIC).
    case fastAPI
    /// OpenAI's, which Bluesight's job shape follows:
    /// `{"error": {"message", "type", "param", "code"}}`.
    case openAI
}

/// One problem with a request's query or body, for FastAPI's 422 list and OpenAI's `param`.
public struct HTTPValidationIssue: Sendable, Hashable {
    /// Pydantic's error type: `missing`, `int_parsing`, `string_type`, `json_invalid` …
    public var type: String
    /// Where: `["query", "force_restart"]`, `["body", "epochs"]`, `["body"]`.
    public var location: [String]
    public var message: String
    /// The offending input, when there is one (a query value or a JSON value).
    public var input: JSONValue?

    public init(type: String, location: [String], message: String, input: JSONValue? = nil) {
        self.type = type
        self.location = location
        self.message = message
        self.input = input
    }
}

/// Why a route refused a request: a status, a stable code, a message safe to show a client (the
/// job and the rule, never a file path), and the validation issues if any.
public struct HTTPFailure: Error, Sendable, Hashable {
    public var status: Int
    /// A ``JobLedgerError/Code`` raw value, or one of the HTTP layer's own: `unauthorized`,
    /// `validation_error`, `payload_too_large`, `headers_too_large`, `not_found`, `method_not_allowed`.
    public var code: String
    public var message: String
    public var issues: [HTTPValidationIssue]
    /// Extra headers (`WWW-Authenticate`, `Allow`).
    public var headers: [HTTPHeader]

    public init(status: Int, code: String, message: String, issues: [HTTPValidationIssue] = [], headers: [HTTPHeader] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.issues = issues
        self.headers = headers
    }

    /// A malformed request: 422 for FastAPI, 400 elsewhere; `message` sums up the issues.
    static func validation(_ issues: [HTTPValidationIssue], style: HTTPErrorStyle) -> HTTPFailure {
        let message = issues.map { issue in
            issue.location.isEmpty ? issue.message : issue.location.joined(separator: ".") + ": " + issue.message
        }.joined(separator: "; ")
        return HTTPFailure(status: style == .fastAPI ? 422 : 400, code: "validation_error", message: message, issues: issues)
    }

    /// A library error as a client may see it. 4xx errors keep their message (the job and the
    /// rule); 5xx errors (a damaged log, a failing disk) say only which job and which kind, the
    /// rest (file, line, system error) is for the server's own log.
    public init(_ error: JobLedgerError) {
        let status = error.httpStatus
        let message: String
        if status >= 500 {
            let what = error.code == .corruptLog ? "a log on the server is damaged" : "the server could not read or write a log"
            message = (error.job.map { "job \($0): " } ?? "") + what + " (\(error.code.rawValue)); the details are in the server's log"
        } else {
            message = error.detail
        }
        self.init(status: status, code: error.code.rawValue, message: message)
    }

    /// The reason phrase of `status`.
    public static func title(of status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 413: "Content Too Large"
        case 422: "Unprocessable Content"
        case 431: "Request Header Fields Too Large"
        case 503: "Service Unavailable"
        default: "Internal Server Error"
        }
    }

    /// The response in `style`, with `JobLedger-Error-Code: <code>` on every style (llama-stack's
    /// Error object admits no extra key, so the header is where a client finds the code).
    public func response(_ style: HTTPErrorStyle) -> HTTPResponse {
        var writer = JSONWriter()
        var contentType = "application/json"
        switch style {
        case .problem, .llamaStack:
            writer.beginObject()
            writer.key("status")
            writer.int(status)
            writer.key("title")
            writer.string(Self.title(of: status))
            writer.key("detail")
            writer.string(message)
            if style == .problem {
                contentType = "application/problem+json"
                writer.key("code")
                writer.string(code)
            }
            writer.endObject()
        case .fastAPI:
            writer.beginObject()
            writer.key("detail")
            if status == 422 && !issues.isEmpty {
                writer.beginArray()
                for issue in issues {
                    writer.beginObject()
                    writer.key("type")
                    writer.string(issue.type)
                    writer.key("loc")
                    writer.beginArray()
                    for part in issue.location { writer.string(part) }
                    writer.endArray()
                    writer.key("msg")
                    writer.string(issue.message)
                    writer.key("input")
                    writer.value(issue.input ?? .null)
                    writer.endObject()
                }
                writer.endArray()
            } else {
                writer.string(message)
            }
            writer.endObject()
        case .openAI:
            writer.beginObject()
            writer.key("error")
            writer.beginObject()
            writer.key("message")
            writer.string(message)
            writer.key("type")
            writer.string(status >= 500 ? "server_error" : status == 401 ? "authentication_error" : "invalid_request_error")
            writer.key("param")
            let param = issues.first.flatMap { $0.location.count > 1 ? $0.location.dropFirst().joined(separator: ".") : nil }
            writer.optionalString(param)
            writer.key("code")
            writer.string(code)
            writer.endObject()
            writer.endObject()
        }
        return .json(status, writer.bytes, contentType: contentType, headers: [HTTPHeader("JobLedger-Error-Code", code)] + headers)
    }
}
