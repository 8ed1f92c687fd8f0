import CLibPQ
import JobLedger
import Synchronization

/// An ``EventStore`` in a PostgreSQL database, so that several processes and machines can share
/// one ledger. One row per event, the event's log line kept verbatim (docs/postgres.md):
///
///     jobledger_events (job text COLLATE "C", seq bigint, line text, PRIMARY KEY (job, seq))
///
/// - ``update(_:_:)`` is one READ COMMITTED transaction: `pg_advisory_xact_lock` on a 64-bit hash
///   of the job, *then* read the job's log, run `decide`, validate with the same fold as every
///   store (``JobState/appending(_:to:job:)``), insert, commit. A unique violation or a
///   serialization failure rolls back and decides again.
/// - Values only ever travel as parameters (`$1`, `$2`, …); no SQL is built from text.
/// - Thread-safe: a pool of connections, each used by one call at a time. A connection that
///   fails is dropped; the next call connects again.
/// - Passwords come from the URL, `PGPASSWORD` or `~/.pgpass`, as libpq reads them; errors name
///   the database by ``describe(_:)``, which leaves the password out.
public final class PostgresStore: EventStore {
    /// The schema version this code reads and writes.
    public static let schemaVersion = 1

    /// The libpq connection string or URL.
    let conninfo: String
    /// The location without a password, for messages.
    public let name: String
    private let idle = Mutex<[Connection]>([])
    /// Idle connections kept open for the next calls; more are closed when returned.
    private let maxIdle = 64
    /// How often `update` decides again after another transaction got there first.
    private let maxAttempts = 16

    /// Connects to the database at `url` (a `postgres://` URL or a libpq connection string) and
    /// creates the tables if they are missing.
    /// - Throws: `io_error` saying why it cannot connect (wrong password, no such database, no
    ///   server), or that the database holds a schema version this code does not know.
    public init(url: String) throws(JobLedgerError) {
        conninfo = url
        name = PostgresStore.describe(url)
        let connection = try connect()
        try createSchema(connection)
        checkIn(connection)
    }

    // MARK: Connections

    private func connect() throws(JobLedgerError) -> Connection {
        do { return try Connection(conninfo) } catch {
            throw JobLedgerError(.io, "cannot connect to PostgreSQL \(name): \(error.message)")
        }
    }

    private func checkOut() throws(JobLedgerError) -> Connection {
        if let connection = idle.withLock({ $0.popLast() }) { return connection }
        return try connect()
    }

    private func checkIn(_ connection: Connection) {
        guard !connection.isBroken else { return }
        // A connection not kept is closed when its last reference goes.
        idle.withLock { idle in if idle.count < maxIdle { idle.append(connection) } }
    }

    /// Runs `body` with a connection of its own; a connection that broke is dropped.
    func withConnection<R>(_ body: (Connection) throws(JobLedgerError) -> R) throws(JobLedgerError) -> R {
        let connection = try checkOut()
        defer { checkIn(connection) }
        return try body(connection)
    }

    /// What a transaction's body can fail with.
    enum Failure: Error {
        case ledger(JobLedgerError)
        case database(DatabaseError)
    }

    /// Runs `body` in one READ COMMITTED transaction and commits; on a unique violation or a
    /// serialization failure rolls back and runs it again; on any other failure rolls back and
    /// throws. The connection's cache is cleared on every failure.
    func transaction<R>(_ connection: Connection, job: JobID?, _ body: (Connection) throws(Failure) -> R)
        throws(JobLedgerError) -> R
    {
        var attempt = 0
        while true {
            attempt += 1
            do throws(Failure) {
                do throws(DatabaseError) { try connection.run("BEGIN ISOLATION LEVEL READ COMMITTED") } catch {
                    // A pooled connection whose server went away (a restart): nothing was sent
                    // yet, so connect again and start over, once.
                    if error.connectionLost && attempt == 1 && connection.reconnect() { continue }
                    throw Failure.database(error)
                }
                let result = try body(connection)
                do throws(DatabaseError) { try connection.run("COMMIT") } catch { throw Failure.database(error) }
                return result
            } catch {
                connection.cache.removeAll()
                if !connection.isBroken { try? connection.run("ROLLBACK") }
                switch error {
                case .ledger(let error): throw error
                case .database(let error):
                    if error.isRetryable && attempt < maxAttempts && !connection.isBroken { continue }
                    throw error.ledgerError(name, job: job)
                }
            }
        }
    }

    // MARK: Schema

    /// Creates the tables if missing (under an advisory lock, so racing first opens do not
    /// collide), then checks the schema version.
    private func createSchema(_ connection: Connection) throws(JobLedgerError) {
        do throws(DatabaseError) {
            if let version = try storedVersion(connection) { return try check(version) }
            try connection.run("BEGIN")
            do throws(DatabaseError) {
                try connection.queryOnce("SELECT pg_advisory_xact_lock($1::bigint)", [String(PostgresStore.schemaLockKey)])
                for statement in PostgresStore.schema { try connection.run(statement) }
                try connection.queryOnce(
                    "INSERT INTO jobledger_schema (version) SELECT $1::integer WHERE NOT EXISTS (SELECT 1 FROM jobledger_schema)",
                    [String(PostgresStore.schemaVersion)])
                try connection.run("COMMIT")
            } catch {
                if !connection.isBroken { try? connection.run("ROLLBACK") }
                throw error
            }
            try check(try storedVersion(connection))
        } catch {
            throw error.ledgerError(name)
        }
    }

    /// The schema version in the database; `nil` if it has no JobLedger tables yet.
    private func storedVersion(_ connection: Connection) throws(DatabaseError) -> Int? {
        let rows = try connection.queryOnce("SELECT to_regclass('jobledger_schema') IS NOT NULL", [])
        guard rows.string(0, 0) == "t" else { return nil }
        let versions = try connection.queryOnce("SELECT version FROM jobledger_schema", [])
        return versions.count == 1 ? versions.int(0, 0) : nil
    }

    private func check(_ version: Int?) throws(DatabaseError) {
        guard version == PostgresStore.schemaVersion else {
            throw DatabaseError(
                sqlState: nil,
                message: "jobledger_schema says version \(version.map(String.init) ?? "none"); this JobLedger reads version \(PostgresStore.schemaVersion)",
                connectionLost: false)
        }
    }

    /// The tables and the trigger that keeps the log append-only (what makes a per-connection
    /// cache checkable: a job's rows up to a seq never change).
    static let schema = [
        """
        CREATE TABLE IF NOT EXISTS jobledger_schema (version integer NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS jobledger_events (
            job  text COLLATE "C" NOT NULL,
            seq  bigint NOT NULL CHECK (seq >= 1),
            line text NOT NULL,
            PRIMARY KEY (job, seq))
        """,
        """
        CREATE OR REPLACE FUNCTION jobledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'jobledger_events is append-only: % refused', TG_OP;
        END $$
        """,
        """
        CREATE OR REPLACE TRIGGER jobledger_events_append_only
            BEFORE UPDATE OR DELETE ON jobledger_events FOR EACH ROW EXECUTE FUNCTION jobledger_append_only()
        """,
        """
        CREATE OR REPLACE TRIGGER jobledger_events_no_truncate
            BEFORE TRUNCATE ON jobledger_events FOR EACH STATEMENT EXECUTE FUNCTION jobledger_append_only()
        """,
    ]

    /// The advisory lock key that serialises creating the tables (a job's key is its hash).
    static let schemaLockKey: Int64 = 0x4A6F_624C_6564_6765  // "JobLedge"

    // MARK: Reading a job

    static let readSQL = "SELECT seq, line FROM jobledger_events WHERE job = $1 AND seq >= $2 ORDER BY seq"

    /// The job's state, read under its lock (the caller holds it): the cached state if the log
    /// still ends with the cached line, plus any lines after it; else the whole log.
    private func lockedState(_ connection: Connection, _ job: JobID) throws(Failure) -> JobState? {
        if let cached = connection.cache[job] {
            let rows = try read(connection, job, from: cached.state.seq)
            if rows.count > 0, rows.int(0, 0) == cached.state.seq, rows.string(0, 1) == cached.lastLine {
                var state: JobState? = cached.state
                var last = cached.lastLine
                try fold(rows, from: 1, into: &state, lastLine: &last, job: job, collect: nil)
                connection.cache[job] = (state!, last)
                return state
            }
            connection.cache[job] = nil
        }
        let rows = try read(connection, job, from: 1)
        var state: JobState?
        var last = ""
        try fold(rows, from: 0, into: &state, lastLine: &last, job: job, collect: nil)
        if let state { remember(connection, job, state, last) }
        return state
    }

    private func remember(_ connection: Connection, _ job: JobID, _ state: JobState, _ lastLine: String) {
        if connection.cache.count >= 4096 { connection.cache.removeAll() }
        connection.cache[job] = (state, lastLine)
    }

    private func read(_ connection: Connection, _ job: JobID, from seq: Int) throws(Failure) -> Rows {
        do { return try connection.query("read", PostgresStore.readSQL, [job.rawValue, String(seq)]) } catch {
            throw .database(error)
        }
    }

    /// Folds rows (seq, line) from row `start` on, checking each line is the job's and its seq
    /// the next.
    private func fold(
        _ rows: Rows, from start: Int, into state: inout JobState?, lastLine: inout String, job: JobID,
        collect: UnsafeMutablePointer<[RecordedEvent]>?
    ) throws(Failure) {
        guard start < rows.count else { return }
        for row in start..<rows.count {
            let line = rows.string(row, 1)
            do throws(JobLedgerError) {
                let event = try PostgresStore.decode(line, job: job, seq: rows.int(row, 0) ?? 0, after: state)
                if state == nil { state = try JobState(event) } else { try state!.apply(event) }
                collect?.pointee.append(event)
            } catch {
                throw .ledger(error.at(file: name, line: rows.int(row, 0)))
            }
            lastLine = line
        }
    }

    /// Reads one stored line of `job`, which must be its event number `seq`, right after `state`.
    static func decode(_ line: String, job: JobID, seq: Int, after state: JobState?) throws(JobLedgerError) -> RecordedEvent {
        let event: RecordedEvent
        do { event = try RecordedEvent(jsonLine: line) } catch {
            throw JobLedgerError(.corruptLog, error.message, job: job.rawValue)
        }
        guard event.job == job else {
            throw JobLedgerError(.corruptLog, "a line of job \(event.job) stored as job \(job)", job: job.rawValue)
        }
        let expected = (state?.seq ?? 0) + 1
        guard event.seq == seq, seq == expected else {
            throw JobLedgerError(
                .corruptLog, "seq \(event.seq) stored as seq \(seq), expected \(expected)", job: job.rawValue)
        }
        return event
    }

    // MARK: EventStore

    public func update<Result: Sendable>(
        _ job: JobID, _ decide: (JobState?) throws(JobLedgerError) -> Decision<Result>
    ) throws(JobLedgerError) -> Update<Result> {
        try withConnection { connection throws(JobLedgerError) -> Update<Result> in
            let (update, last) = try transaction(connection, job: job) { connection throws(Failure) -> (Update<Result>, String?) in
                try lock(connection, job)
                let state = try lockedState(connection, job)
                let decision: Decision<Result>
                do throws(JobLedgerError) { decision = try decide(state) } catch { throw .ledger(error) }
                if decision.events.isEmpty { return (Update(appended: [], state: state, result: decision.result), nil) }
                let (after, recorded) = try validated(decision.events, state, job)
                let last = try insert(connection, recorded)
                return (Update(appended: recorded, state: after, result: decision.result), last)
            }
            if let last, let state = update.state { remember(connection, job, state, last) }
            return update
        }
    }

    public func appendBatch(_ batch: [(job: JobID, events: [PendingEvent])]) throws(JobLedgerError) -> [RecordedEvent] {
        var order: [JobID] = []
        var grouped: [JobID: [PendingEvent]] = [:]
        for (job, pending) in batch {
            if grouped[job] == nil { order.append(job) }
            grouped[job, default: []].append(contentsOf: pending)
        }
        // Locks in job id order, so concurrent batches cannot deadlock.
        let sorted = order.sorted()
        return try withConnection { connection throws(JobLedgerError) -> [RecordedEvent] in
            let results = try transaction(connection, job: nil) { connection throws(Failure) -> [JobID: (JobState?, [RecordedEvent])] in
                var results: [JobID: (JobState?, [RecordedEvent])] = [:]
                for job in sorted {
                    try lock(connection, job)
                    results[job] = try validated(grouped[job]!, try lockedState(connection, job), job)
                }
                for job in sorted { _ = try insert(connection, results[job]!.1) }
                return results
            }
            return order.flatMap { results[$0]!.1 }
        }
    }

    /// Runs a read (one statement, so nothing to undo) with a connection; if the connection was
    /// lost (a pooled connection whose server restarted), connects again and reads again, once.
    func reading<R>(job: JobID?, _ body: (Connection) throws(Failure) -> R) throws(JobLedgerError) -> R {
        try withConnection { connection throws(JobLedgerError) -> R in
            var attempt = 0
            while true {
                attempt += 1
                do throws(Failure) { return try body(connection) } catch {
                    switch error {
                    case .ledger(let error): throw error
                    case .database(let error):
                        if error.connectionLost && attempt == 1 && connection.reconnect() { continue }
                        throw error.ledgerError(name, job: job)
                    }
                }
            }
        }
    }

    public func events(of job: JobID) throws(JobLedgerError) -> [RecordedEvent] {
        try reading(job: job) { connection throws(Failure) -> [RecordedEvent] in
            let rows = try read(connection, job, from: 1)
            var events: [RecordedEvent] = []
            events.reserveCapacity(rows.count)
            var state: JobState?
            var last = ""
            try withUnsafeMutablePointer(to: &events) { pointer throws(Failure) in
                try fold(rows, from: 0, into: &state, lastLine: &last, job: job, collect: pointer)
            }
            return events
        }
    }

    public func state(of job: JobID) throws(JobLedgerError) -> JobState? {
        try reading(job: job) { connection throws(Failure) -> JobState? in
            let rows = try read(connection, job, from: 1)
            var state: JobState?
            var last = ""
            try fold(rows, from: 0, into: &state, lastLine: &last, job: job, collect: nil)
            return state
        }
    }

    public func jobIDs() throws(JobLedgerError) -> [JobID] {
        try reading(job: nil) { connection throws(Failure) -> [JobID] in
            let rows: Rows
            do throws(DatabaseError) { rows = try connection.query("jobs", "SELECT DISTINCT job FROM jobledger_events", []) } catch {
                throw .database(error)
            }
            var jobs: [JobID] = []
            jobs.reserveCapacity(rows.count)
            for row in 0..<rows.count {
                let text = rows.string(row, 0)
                guard let job = JobID(validating: text) else {
                    throw .ledger(JobLedgerError(.corruptLog, "a stored job id is not valid: \(text.debugDescription)", file: name))
                }
                jobs.append(job)
            }
            return jobs.sorted()
        }
    }

    // MARK: Writing

    /// Takes the job's transaction-scoped advisory lock (released at commit or rollback).
    private func lock(_ connection: Connection, _ job: JobID) throws(Failure) {
        do {
            try connection.query("lock", "SELECT pg_advisory_xact_lock($1::bigint)", [String(PostgresStore.lockKey(job))])
        } catch { throw .database(error) }
    }

    private func validated(_ pending: [PendingEvent], _ state: JobState?, _ job: JobID) throws(Failure)
        -> (JobState?, [RecordedEvent])
    {
        do { return try JobState.appending(pending, to: state, job: job) } catch { throw .ledger(error) }
    }

    /// Inserts the events' rows; returns the last line.
    private func insert(_ connection: Connection, _ events: [RecordedEvent]) throws(Failure) -> String {
        var last = ""
        for event in events {
            last = PostgresStore.storedLine(event)
            do {
                try connection.query(
                    "insert", "INSERT INTO jobledger_events (job, seq, line) VALUES ($1, $2, $3)",
                    [event.job.rawValue, String(event.seq), last])
            } catch { throw .database(error) }
        }
        return last
    }

    /// The event's log line without its newline: exactly the directory store's bytes.
    static func storedLine(_ event: RecordedEvent) -> String {
        var line = event.jsonLine
        if line.last == "\n" { line.removeLast() }
        return line
    }

    /// A job's advisory lock key: the 64-bit FNV-1a hash of its id's UTF-8 bytes. Stable across
    /// processes and versions; two jobs with the same key only wait for each other.
    static func lockKey(_ job: JobID) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in job.rawValue.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }

    // MARK: Locations

    /// Whether `location` names a PostgreSQL database (a `postgres://` or `postgresql://` URL).
    public static func isURL(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }

    /// `location` without its password: the URL's `user:password@` becomes `user@`, and a
    /// `password=` parameter is dropped.
    public static func describe(_ location: String) -> String {
        guard let scheme = location.firstRange(of: "://") else {
            // A key=value connection string: drop password=…
            return location.split(separator: " ").filter { !$0.hasPrefix("password=") }.joined(separator: " ")
        }
        var rest = location[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") {
            var user = authority[..<at]
            if let colon = user.firstIndex(of: ":") { user = user[..<colon] }
            authority = Substring(String(user) + String(authority[at...]))
        }
        var tail = String(rest[authorityEnd...])
        if let question = tail.firstIndex(of: "?") {
            let parameters = tail[tail.index(after: question)...].split(separator: "&").filter {
                !$0.lowercased().hasPrefix("password=")
            }
            tail = String(tail[..<question]) + (parameters.isEmpty ? "" : "?" + parameters.joined(separator: "&"))
        }
        rest = Substring(String(authority) + tail)
        return String(location[..<scheme.upperBound]) + rest
    }
}
