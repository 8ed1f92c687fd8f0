/// An RFC 7807 problem, the error shape llama-stack's API uses (seed 002): `status`, `title`,
/// `detail`, and JobLedger's stable `code`.
public struct ProblemDetails: Sendable, Hashable, Codable {
    public var status: Int
    public var title: String
    public var detail: String
    public var instance: String?
    /// The ``JobLedgerError/Code`` raw value, so a client can branch without parsing `detail`.
    public var code: String

    public init(status: Int, title: String, detail: String, instance: String? = nil, code: String) {
        self.status = status
        self.title = title
        self.detail = detail
        self.instance = instance
        self.code = code
    }

    /// `{"status":…,"title":…,"detail":…,"code":…}` (`instance` only when set).
    public var json: String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("status")
        writer.int(status)
        writer.key("title")
        writer.string(title)
        writer.key("detail")
        writer.string(detail)
        if let instance {
            writer.key("instance")
            writer.string(instance)
        }
        writer.key("code")
        writer.string(code)
        writer.endObject()
        return writer.string
    }
}

extension JobLedgerError {
    /// The HTTP status a server answers with (SPEC 5): 400 bad input, 403 a wrong session key,
    /// 404 an unknown job or session, 409 an illegal transition or a conflict, 500 a damaged log
    /// or a failing disk (the request was fine, the server's data or machine is not).
    public var httpStatus: Int {
        switch code {
        case .invalidEvent, .invalidJobID, .invalidPagination, .invalidArgument: 400
        case .invalidSessionKey: 403
        case .unknownJob, .noActiveSession: 404
        case .illegalTransition, .duplicateJob, .versionConflict, .sessionActive, .notReady: 409
        case .corruptLog, .io: 500
        }
    }

    /// The RFC 7807 rendering: `title` is the status's reason phrase, `detail` the message with
    /// its job and place.
    public var problemDetails: ProblemDetails {
        let title: String =
            switch httpStatus {
            case 400: "Bad Request"
            case 403: "Forbidden"
            case 404: "Not Found"
            case 409: "Conflict"
            default: "Internal Server Error"
            }
        return ProblemDetails(status: httpStatus, title: title, detail: description, code: code.rawValue)
    }
}
