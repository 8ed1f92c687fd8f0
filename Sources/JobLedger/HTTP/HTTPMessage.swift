/// One HTTP header field.
public struct HTTPHeader: Sendable, Hashable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// One `name=value` pair of a query string, percent-decoded (`+` is a space).
public struct HTTPQueryItem: Sendable, Hashable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A request as any server framework can hand it over: method, path, query, headers, body bytes.
public struct HTTPRequest: Sendable {
    /// Upper case: `GET`, `POST`.
    public var method: String
    /// The path without the query, still percent-encoded (`/training/jobs/ftjob-1`).
    public var path: String
    public var query: [HTTPQueryItem]
    public var headers: [HTTPHeader]
    public var body: [UInt8]

    public init(method: String, path: String, query: [HTTPQueryItem] = [], headers: [HTTPHeader] = [], body: [UInt8] = []) {
        self.method = method.uppercased()
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// A request for a request target as it appears on the request line: `/v3/training?pagination.limit=2`.
    public init(method: String, target: String, headers: [HTTPHeader] = [], body: [UInt8] = []) {
        let path: Substring
        let query: [HTTPQueryItem]
        if let mark = target.firstIndex(of: "?") {
            path = target[..<mark]
            query = Self.parseQuery(target[target.index(after: mark)...])
        } else {
            path = target[...]
            query = []
        }
        self.init(method: method, path: String(path), query: query, headers: headers, body: body)
    }

    /// The first value of header `name` (case-insensitive), or `nil`.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The first value of query parameter `name`, or `nil`.
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }

    /// Parses `a=1&b=x+y&c=%2F` (application/x-www-form-urlencoded).
    public static func parseQuery(_ text: Substring) -> [HTTPQueryItem] {
        text.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            if let equals = pair.firstIndex(of: "=") {
                return HTTPQueryItem(
                    percentDecoded(pair[..<equals], plusIsSpace: true),
                    percentDecoded(pair[pair.index(after: equals)...], plusIsSpace: true))
            }
            return HTTPQueryItem(percentDecoded(pair, plusIsSpace: true), "")
        }
    }

    /// `text` with `%XX` escapes decoded (and `+` as a space if asked); a malformed escape or
    /// bytes that are not UTF-8 are kept as they are (so they fail validation later, visibly).
    public static func percentDecoded(_ text: Substring, plusIsSpace: Bool = false) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "%") || (plusIsSpace && $0 == UInt8(ascii: "+")) }) else {
            return String(text)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        let utf8 = Array(text.utf8)
        var index = 0
        func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        while index < utf8.count {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%"), index + 2 < utf8.count, let high = hex(utf8[index + 1]), let low = hex(utf8[index + 2]) {
                bytes.append(high << 4 | low)
                index += 3
            } else if byte == UInt8(ascii: "+") && plusIsSpace {
                bytes.append(UInt8(ascii: " "))
                index += 1
            } else {
                bytes.append(byte)
                index += 1
            }
        }
        return String(validating: bytes, as: UTF8.self) ?? String(text)
    }
}

/// A response: status, headers and body bytes, ready for any framework to send.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [HTTPHeader]
    public var body: [UInt8]

    public init(status: Int, headers: [HTTPHeader] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON response (`Content-Type: application/json` unless another JSON type is given).
    public static func json(_ status: Int, _ body: [UInt8], contentType: String = "application/json", headers: [HTTPHeader] = [])
        -> HTTPResponse
    {
        HTTPResponse(status: status, headers: [HTTPHeader("Content-Type", contentType)] + headers, body: body)
    }

    /// The first value of header `name` (case-insensitive), or `nil`.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The body as UTF-8 text.
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// What the routes accept: a request over a limit is answered with 413 or 431 and never reaches
/// the ledger. A server framework should also stop reading a body after ``maxBodyBytes`` + 1
/// bytes (Hummingbird: `request.body.collect(upTo:)`).
public struct HTTPLimits: Sendable, Hashable {
    /// The largest request body accepted (default 64 KiB: a Bluesight job or a NuPIC config is
    /// a few hundred bytes).
    public var maxBodyBytes: Int
    /// The largest total size of the request's header fields, names and values (default 16 KiB).
    public var maxHeaderBytes: Int
    /// The most header fields accepted (default 100).
    public var maxHeaderCount: Int

    public init(maxBodyBytes: Int = 64 << 10, maxHeaderBytes: Int = 16 << 10, maxHeaderCount: Int = 100) {
        self.maxBodyBytes = maxBodyBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
    }
}
