import CLibPQ
#if canImport(Glibc)
import Glibc
#endif
import JobLedger

/// A failed libpq call: the server's SQLSTATE (if it sent one) and its message.
struct DatabaseError: Error {
    /// The five-character SQLSTATE, e.g. `23505` (unique violation); `nil` when the connection
    /// failed before the server answered.
    var sqlState: String?
    var message: String
    /// Whether the connection is gone (the server closed it, or it died): it must be dropped.
    var connectionLost: Bool

    /// Another transaction got there first: roll back and decide again.
    var isRetryable: Bool {
        sqlState == "23505" || sqlState == "40001" || sqlState == "40P01"
    }

    /// As a ledger error: `io_error`, with where the store is (never its password).
    func ledgerError(_ store: String, job: JobID? = nil) -> JobLedgerError {
        JobLedgerError(.io, "PostgreSQL \(store): \(message)", job: job?.rawValue)
    }
}

/// One libpq connection. libpq connections must not be used by two threads at once: a
/// connection belongs to the pool or to the one call that took it from the pool, never both.
final class Connection: @unchecked Sendable {
    let handle: OpaquePointer
    /// The statements prepared on this connection (prepared statements are per connection).
    private var prepared: Set<String> = []
    /// Per job, its state and last line as this connection last read or wrote them; used only
    /// after checking, under the job's lock, that the job's log still ends with that line.
    var cache: [JobID: (state: JobState, lastLine: String)] = [:]

    /// Connects with a libpq connection string or `postgres://` URL.
    /// - Throws: the server's or libpq's reason, on one line.
    init(_ conninfo: String) throws(DatabaseError) {
        guard let handle = PQconnectdb(conninfo) else {
            throw DatabaseError(sqlState: nil, message: "out of memory", connectionLost: true)
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = Connection.oneLine(PQerrorMessage(handle))
            PQfinish(handle)
            throw DatabaseError(sqlState: nil, message: message, connectionLost: true)
        }
        self.handle = handle
    }

    deinit { PQfinish(handle) }

    var isBroken: Bool { PQstatus(handle) != CONNECTION_OK }

    /// Connects again with the same parameters (after the server closed the connection, e.g. it
    /// restarted); the new session has no prepared statements and the cache is dropped.
    /// - Returns: whether the connection is usable again.
    func reconnect() -> Bool {
        PQreset(handle)
        prepared.removeAll()
        cache.removeAll()
        return !isBroken
    }

    /// The server process serving this connection (for `pg_terminate_backend` in tests).
    var backendPID: Int32 { PQbackendPID(handle) }

    /// Runs a statement without parameters (BEGIN, COMMIT, ROLLBACK, DDL).
    func run(_ sql: String) throws(DatabaseError) {
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        try check(result)
    }

    /// Runs `sql` (prepared once per connection as `name`) with text parameters.
    @discardableResult
    func query(_ name: String, _ sql: String, _ parameters: [String]) throws(DatabaseError) -> Rows {
        if !prepared.contains(name) {
            let result = PQprepare(handle, name, sql, Int32(parameters.count), nil)
            defer { PQclear(result) }
            try check(result)
            prepared.insert(name)
        }
        let result = Connection.withCStrings(parameters) { values in
            PQexecPrepared(handle, name, Int32(values.count), values, nil, nil, 0)
        }
        do { try check(result) } catch {
            PQclear(result)
            throw error
        }
        return Rows(result!)
    }

    /// Runs `sql` once, unprepared, with text parameters.
    @discardableResult
    func queryOnce(_ sql: String, _ parameters: [String]) throws(DatabaseError) -> Rows {
        let result = Connection.withCStrings(parameters) { values in
            PQexecParams(handle, sql, Int32(values.count), nil, values, nil, nil, 0)
        }
        do { try check(result) } catch {
            PQclear(result)
            throw error
        }
        return Rows(result!)
    }

    /// Runs `COPY … TO STDOUT` and passes each row (its bytes, newline included) to `row`, valid
    /// only during the call; the server streams while `row` works.
    func copyOut(_ sql: String, row: (UnsafePointer<UInt8>, Int) -> Void) throws(DatabaseError) {
        let started = PQexec(handle, sql)
        let status = started.map(PQresultStatus)
        if status != PGRES_COPY_OUT {
            defer { PQclear(started) }
            throw failure(started)
        }
        PQclear(started)
        var buffer: UnsafeMutablePointer<CChar>?
        while true {
            let count = PQgetCopyData(handle, &buffer, 0)
            if count > 0, let bytes = buffer {
                bytes.withMemoryRebound(to: UInt8.self, capacity: Int(count)) { row($0, Int(count)) }
                PQfreemem(bytes)
                continue
            }
            break  // -1: done; -2: failed (the result below says why)
        }
        var firstError: DatabaseError?
        while let result = PQgetResult(handle) {
            if PQresultStatus(result) != PGRES_COMMAND_OK && firstError == nil { firstError = failure(result) }
            PQclear(result)
        }
        if let firstError { throw firstError }
        if isBroken { throw failure(nil) }
    }

    private func check(_ result: OpaquePointer?) throws(DatabaseError) {
        switch result.map(PQresultStatus) {
        case PGRES_COMMAND_OK?, PGRES_TUPLES_OK?: return
        default: throw failure(result)
        }
    }

    private func failure(_ result: OpaquePointer?) -> DatabaseError {
        var state: String?
        var message: String
        if let result, let field = PQresultErrorField(result, Int32(UInt8(ascii: "C"))) {
            state = String(cString: field)
            message = Connection.oneLine(PQresultErrorField(result, Int32(UInt8(ascii: "M"))))
            if let detail = PQresultErrorField(result, Int32(UInt8(ascii: "D"))) {
                message += " (\(Connection.oneLine(detail)))"
            }
        } else {
            message = Connection.oneLine(PQerrorMessage(handle))
        }
        if message.isEmpty { message = "the server did not answer" }
        return DatabaseError(sqlState: state, message: message, connectionLost: isBroken)
    }

    /// libpq's messages end with a newline and may have several lines: joined with "; ".
    static func oneLine(_ text: UnsafePointer<CChar>?) -> String {
        guard let text else { return "" }
        return String(cString: text).split(whereSeparator: \.isNewline).map { $0.trimmingSpaces }.joined(separator: "; ")
    }

    /// Runs `body` with the parameters as NUL-terminated C strings.
    static func withCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        let copies = strings.map { strdup($0) }
        defer { for copy in copies { free(copy) } }
        return body(copies.map { UnsafePointer($0) })
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return text
    }
}

/// A query's result rows (text format), freed with the value.
final class Rows {
    let result: OpaquePointer
    init(_ result: OpaquePointer) { self.result = result }
    deinit { PQclear(result) }

    var count: Int { Int(PQntuples(result)) }

    func isNull(_ row: Int, _ column: Int) -> Bool { PQgetisnull(result, Int32(row), Int32(column)) == 1 }

    func string(_ row: Int, _ column: Int) -> String { String(cString: PQgetvalue(result, Int32(row), Int32(column))) }

    func int(_ row: Int, _ column: Int) -> Int? { Int(string(row, column)) }
}
