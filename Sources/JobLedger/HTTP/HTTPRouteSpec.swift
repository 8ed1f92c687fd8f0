/// What one route answers, as data: docs/openapi.yaml is generated from these
/// (``HTTPRouteTable/openAPIDocument``) and a test holds the committed file equal to it.
public struct HTTPRouteSpec: Sendable, Hashable {
    /// The seed whose API the route serves.
    public enum Vendor: String, Sendable, Hashable, CaseIterable {
        case sestek, nupic
        case llamaStack = "llama-stack"
        case novita, bluesight

        public var title: String {
            switch self {
            case .sestek: "Sestek (seed 000)"
            case .nupic: "NuPIC Training Module (seed 001)"
            case .llamaStack: "llama-stack (seed 002)"
            case .novita: "Novita (seed 003)"
            case .bluesight: "Bluesight (seed 004)"
            }
        }

        /// The error shape of the vendor's routes.
        public var errorStyle: HTTPErrorStyle {
            switch self {
            case .sestek, .novita: .problem
            case .nupic: .fastAPI
            case .llamaStack: .llamaStack
            case .bluesight: .openAI
            }
        }
    }

    public struct Parameter: Sendable, Hashable {
        public enum Location: String, Sendable, Hashable { case path, query }
        public var name: String
        public var location: Location
        public var required: Bool
        /// `string`, `integer` or `boolean`.
        public var type: String
        public var description: String
        /// A pattern the value must match (job ids).
        public var pattern: String?

        public init(_ name: String, in location: Location, required: Bool, type: String = "string", pattern: String? = nil, _ description: String) {
            self.name = name
            self.location = location
            self.required = required
            self.type = type
            self.description = description
            self.pattern = pattern
        }
    }

    public struct Response: Sendable, Hashable {
        public var status: Int
        public var description: String
        /// The name of the schema in docs/openapi.yaml's `components/schemas`.
        public var schema: String
        public var contentType: String
        /// Names of headers the response carries (`components/headers`).
        public var headers: [String]

        public init(_ status: Int, _ schema: String, _ description: String, contentType: String = "application/json", headers: [String] = []) {
            self.status = status
            self.description = description
            self.schema = schema
            self.contentType = contentType
            self.headers = headers
        }
    }

    public var method: String
    /// The path template: `/training/jobs/{id}`.
    public var path: String
    public var operationID: String
    public var summary: String
    public var vendor: Vendor
    public var parameters: [Parameter]
    /// The request body's schema name, if the route reads a JSON body.
    public var requestBody: String?
    public var responses: [Response]
    public var deprecated: Bool
    /// Needs `Authorization: Bearer <token>`, checked by the embedder's closure.
    public var bearer: Bool

    public init(
        _ method: String, _ path: String, _ operationID: String, _ summary: String, vendor: Vendor,
        parameters: [Parameter] = [], requestBody: String? = nil, responses: [Response], deprecated: Bool = false,
        bearer: Bool = false
    ) {
        self.method = method
        self.path = path
        self.operationID = operationID
        self.summary = summary
        self.vendor = vendor
        self.parameters = parameters
        self.requestBody = requestBody
        self.deprecated = deprecated
        self.bearer = bearer
        // Every route can refuse an oversized request (HTTPLimits).
        let error = Self.errorSchema(vendor.errorStyle)
        let contentType = vendor.errorStyle == .problem ? "application/problem+json" : "application/json"
        var all = responses
        all.append(Response(413, error, "The request body is larger than the server accepts.", contentType: contentType))
        all.append(Response(431, error, "The request's header fields are larger than the server accepts.", contentType: contentType))
        if deprecated {
            all = all.map { response in
                var response = response
                response.headers += ["Deprecation", "Link"]
                return response
            }
        }
        self.responses = all.sorted { $0.status < $1.status }
    }

    /// The schema of a vendor's error body (a 422 in FastAPI style is `HTTPValidationError`).
    public static func errorSchema(_ style: HTTPErrorStyle) -> String {
        switch style {
        case .problem: "Problem"
        case .llamaStack: "Error"
        case .fastAPI: "HTTPExceptionDetail"
        case .openAI: "OpenAIError"
        }
    }

    /// The documented statuses, ascending.
    public var statuses: [Int] { responses.map(\.status) }
}
