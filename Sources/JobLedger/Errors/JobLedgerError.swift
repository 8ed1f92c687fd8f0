/// The one error JobLedger throws: a stable ``Code`` per kind, a message a person understands, and
/// where it happened (job, file, line) when that is known (SPEC 5).
///
/// Bad input of every kind — a log line, an event, a CLI argument, a job id — is one of these,
/// never a trap. ``description`` reads
/// `logs/m-42.jsonl:7: job m-42: illegal transition: progressed in phase trained (legal from trainingStarted, training)`.
public struct JobLedgerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of error. Raw values are stable: clients match on them, tests pin them.
    public enum Code: String, Sendable, CaseIterable, Codable {
        /// The event is not legal in the job's current state (SPEC 1, legal transitions).
        case illegalTransition = "illegal_transition"
        /// The event itself is malformed: a missing or mistyped field, a value out of range, `at`
        /// going backwards.
        case invalidEvent = "invalid_event"
        /// No job has that id.
        case unknownJob = "unknown_job"
        /// The same job's events were found in two logs.
        case duplicateJob = "duplicate_job"
        /// An append said which `seq` it expected to follow and the job has moved on.
        case versionConflict = "version_conflict"
        /// A log on disk is damaged: a line that does not parse, a gap or repeat in `seq`, another
        /// job's line in a per-job file.
        case corruptLog = "corrupt_log"
        /// A job id breaks the job id rule (SPEC 1).
        case invalidJobID = "invalid_job_id"
        /// A Novita list `limit` or `cursor` is out of range or malformed.
        case invalidPagination = "invalid_pagination"
        /// Another argument is out of range (an as-of `seq` below 1, an unknown vocabulary).
        case invalidArgument = "invalid_argument"
        /// A NuPIC session call presented a key that is not the active session's.
        case invalidSessionKey = "invalid_session_key"
        /// A NuPIC session call that needs a session, with none active.
        case noActiveSession = "no_active_session"
        /// NuPIC `start_session` while a session is active, without `force_restart`.
        case sessionActive = "session_active"
        /// A NuPIC call whose result does not exist yet (a model not trained, an import not done).
        case notReady = "not_ready"
        /// The file system refused: a log could not be opened, read, written or synced.
        case io = "io_error"
    }

    public let code: Code
    /// What went wrong, naming the event, the phase and the rule; without the place.
    public let message: String
    /// The job concerned, as written (it may not be a valid ``JobID``).
    public var job: String?
    /// The log file concerned.
    public var file: String?
    /// The 1-based line of ``file``.
    public var line: Int?

    public init(_ code: Code, _ message: String, job: String? = nil, file: String? = nil, line: Int? = nil) {
        self.code = code
        self.message = message
        self.job = job
        self.file = file
        self.line = line
    }

    /// The message with its job: `job m-42: illegal transition: …`.
    public var detail: String {
        if let job { return "job \(job): \(message)" }
        return message
    }

    /// `file:line: job J: message`, as the CLI prints it after `jobledger: `.
    public var description: String {
        var place = ""
        if let file {
            place = Self.visible(file)
            if let line { place += ":\(line)" }
            place += ": "
        }
        return place + detail
    }

    /// This error placed at a file and line (the first place wins: an error keeps where it arose).
    public func at(file: String?, line: Int?) -> JobLedgerError {
        var copy = self
        if copy.file == nil { copy.file = file }
        if copy.line == nil { copy.line = line }
        return copy
    }

    /// This error about `job`, unless it already names one.
    public func about(job: String) -> JobLedgerError {
        var copy = self
        if copy.job == nil { copy.job = job }
        return copy
    }

    /// A path as it can be shown on a terminal: as it is, or — when it holds control characters,
    /// which a file name may but a terminal must not receive raw — quoted with them escaped.
    static func visible(_ path: String) -> String {
        func isControl(_ scalar: Unicode.Scalar) -> Bool {
            scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value)
        }
        guard path.unicodeScalars.contains(where: isControl) else { return path }
        var shown = "\""
        for scalar in path.unicodeScalars {
            if isControl(scalar) {
                shown += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            } else if scalar == "\"" || scalar == "\\" {
                shown += "\\" + String(scalar)
            } else {
                shown.unicodeScalars.append(scalar)
            }
        }
        return shown + "\""
    }

    /// `text` in double quotes with control characters made visible, for messages.
    static func quote(_ text: String) -> String {
        var writer = JSONWriter()
        writer.string(text)
        return writer.string
    }
}
