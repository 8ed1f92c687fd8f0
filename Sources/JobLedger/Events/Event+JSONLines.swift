#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The log's line format (SPEC 3): one compact JSON object per event, `seq, at, job, type` first,
// then the type's fields in the order of SPEC 1's events table; `\n` ends every line.

extension RecordedEvent {
    /// This event as one log line, `\n` included.
    public var jsonLine: String {
        var bytes: [UInt8] = []
        appendJSONLine(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends this event's log line, `\n` included.
    public func appendJSONLine(to bytes: inout [UInt8]) {
        appendLogLine(to: &bytes, continued: false)
    }

    /// Appends events as the lines of one append (docs/log-format.md, "Batches"): every line but
    /// the last ends with a tab before its `\n`, which says "more of this append follows", so
    /// a crash that cuts a batch anywhere leaves a tail that recovery recognises and drops whole.
    /// JSON allows the tab, so `jq` and older readers read the lines as they are.
    public static func appendLogLines(_ events: [RecordedEvent], to bytes: inout [UInt8]) {
        for (index, event) in events.enumerated() {
            event.appendLogLine(to: &bytes, continued: index < events.count - 1)
        }
    }

    /// Appends the log line; `continued` marks it as not the last of its append.
    func appendLogLine(to bytes: inout [UInt8], continued: Bool) {
        var writer = JSONWriter()
        swap(&writer.bytes, &bytes)
        writer.beginObject()
        writer.key("seq")
        writer.int(seq)
        writer.key("at")
        var at: [UInt8] = []
        self.at.appendRFC3339(to: &at)
        writer.raw([UInt8(ascii: "\"")] + at + [UInt8(ascii: "\"")])
        writer.key("job")
        writer.plainString(job.rawValue)
        writer.key("type")
        writer.plainString(event.type.rawValue)
        event.writeFields(to: &writer)
        writer.endObject()
        if continued { writer.bytes.append(LogFraming.continued) }
        writer.bytes.append(UInt8(ascii: "\n"))
        swap(&writer.bytes, &bytes)
    }

    /// Reads one log line (with or without its `\n`).
    /// - Throws: `invalid_event` saying what is wrong and where in the line.
    public init(jsonLine: String) throws(JobLedgerError) {
        var line = jsonLine
        let result: Result<RecordedEvent, JobLedgerError> = line.withUTF8 { buffer in
            var count = buffer.count
            if count > 0, buffer[count - 1] == UInt8(ascii: "\n") { count -= 1 }
            guard let base = buffer.baseAddress, count > 0 else {
                return .failure(JobLedgerError(.invalidEvent, "empty line"))
            }
            var decoder = EventLineDecoder()
            do throws(LineError) {
                try decoder.decode(base, count: count)
                let job = try decoder.jobID(base)
                return .success(RecordedEvent(seq: decoder.seq, at: decoder.at, job: job, event: try decoder.event(base)))
            } catch {
                return .failure(JobLedgerError(.invalidEvent, error.message, job: decoder.jobText(base)))
            }
        }
        self = try result.get()
    }
}

extension Event {
    /// Writes this event's own fields (after `type`), in the events table's order.
    func writeFields(to writer: inout JSONWriter) {
        func optional(_ key: StaticString, _ value: String?) {
            if let value {
                writer.key(key)
                writer.string(value)
            }
        }
        switch self {
        case .created(let creation):
            writer.key("origin")
            writer.plainString(creation.origin.rawValue)
            optional("name", creation.name)
            optional("task", creation.task)
            optional("model", creation.model)
            optional("trainingFile", creation.trainingFile)
            optional("validationFile", creation.validationFile)
            if let hyperparameters = creation.hyperparameters {
                writer.key("hyperparameters")
                writer.object(hyperparameters)
            }
        case .configured(let config):
            writer.key("config")
            writer.object(config)
        case .datasetUploadStarted(let files):
            if let files {
                writer.key("files")
                writer.beginArray()
                for file in files { writer.string(file) }
                writer.endArray()
            }
        case .trainingStarted(let resources):
            if let resources {
                writer.key("resources")
                writer.object(resources)
            }
        case .progressed(let percent, let epoch):
            writer.key("percent")
            writer.int(percent)
            if let epoch {
                writer.key("epoch")
                writer.int(epoch)
            }
        case .checkpointSaved(let checkpoint):
            writer.key("identifier")
            writer.string(checkpoint.identifier)
            writer.key("epoch")
            writer.int(checkpoint.epoch)
            writer.key("path")
            writer.string(checkpoint.path)
            if let metrics = checkpoint.metrics {
                writer.key("metrics")
                writer.beginObject()
                writer.key("trainLoss")
                writer.double(metrics.trainLoss)
                writer.key("validationLoss")
                writer.double(metrics.validationLoss)
                writer.key("perplexity")
                writer.double(metrics.perplexity)
                writer.endObject()
            }
        case .completed(let model):
            writer.key("model")
            writer.string(model)
        case .failed(let error), .publicationFailed(let error), .modelImportFailed(let error):
            writer.key("error")
            writer.string(error)
        case .cancelled(let reason):
            optional("reason", reason)
        case .publicationStarted(let trigger):
            writer.key("trigger")
            writer.plainString(trigger.rawValue)
        case .modelImportStarted(let type, let name):
            writer.key("modelType")
            writer.string(type)
            writer.key("modelName")
            writer.string(name)
        case .queued, .dataProcessingStarted, .dataProcessed, .trainingFinished, .modelUploadStarted, .published,
            .modelImported:
            break
        }
    }
}

/// Why a line is not an event.
struct LineError: Error {
    var message: String
}

/// The fields a log line may carry, as bits of a mask.
enum LineField: Int, CaseIterable {
    case seq, at, job, type
    case origin, name, task, model, trainingFile, validationFile, hyperparameters
    case config, files, resources, percent, epoch, identifier, path, metrics
    case error, reason, trigger, modelType, modelName

    @inline(__always) var bit: UInt32 { 1 << UInt32(rawValue) }

    var name: String {
        switch self {
        case .seq: "seq"
        case .at: "at"
        case .job: "job"
        case .type: "type"
        case .origin: "origin"
        case .name: "name"
        case .task: "task"
        case .model: "model"
        case .trainingFile: "trainingFile"
        case .validationFile: "validationFile"
        case .hyperparameters: "hyperparameters"
        case .config: "config"
        case .files: "files"
        case .resources: "resources"
        case .percent: "percent"
        case .epoch: "epoch"
        case .identifier: "identifier"
        case .path: "path"
        case .metrics: "metrics"
        case .error: "error"
        case .reason: "reason"
        case .trigger: "trigger"
        case .modelType: "modelType"
        case .modelName: "modelName"
        }
    }

    static let envelope: UInt32 = seq.bit | at.bit | job.bit | type.bit

    static func mask(_ fields: LineField...) -> UInt32 { fields.reduce(0) { $0 | $1.bit } }

    /// The fields each event type requires and allows beyond the envelope (SPEC 1's events table).
    @inline(__always)
    static func fields(of type: EventType) -> (required: UInt32, allowed: UInt32) {
        switch type {
        case .created:
            return (origin.bit, mask(.origin, .name, .task, .model, .trainingFile, .validationFile, .hyperparameters))
        case .configured: return (config.bit, config.bit)
        case .datasetUploadStarted: return (0, files.bit)
        case .trainingStarted: return (0, resources.bit)
        case .progressed: return (percent.bit, mask(.percent, .epoch))
        case .checkpointSaved: return (mask(.identifier, .epoch, .path), mask(.identifier, .epoch, .path, .metrics))
        case .completed: return (model.bit, model.bit)
        case .failed, .publicationFailed, .modelImportFailed: return (error.bit, error.bit)
        case .cancelled: return (0, reason.bit)
        case .publicationStarted: return (trigger.bit, trigger.bit)
        case .modelImportStarted: return (mask(.modelType, .modelName), mask(.modelType, .modelName))
        case .queued, .dataProcessingStarted, .dataProcessed, .trainingFinished, .modelUploadStarted, .published,
            .modelImported:
            return (0, 0)
        }
    }
}

@inline(__always)
private func bytesEqual(_ p: UnsafePointer<UInt8>, _ count: Int, _ s: StaticString) -> Bool {
    count == s.utf8CodeUnitCount && memcmp(p, s.utf8Start, count) == 0
}

/// Decodes one log line in place: the replay hot path.
///
/// Strings are kept as byte ranges of the line until the event type says which are wanted; the
/// job id is left as a range so a reader can compare it with the previous line's without building
/// a `String`.
///
/// The decoder keeps no memory of earlier lines that could change what a line decodes to: a
/// line's result depends on its bytes alone (the only thing kept is a cache of the last date's
/// day number, a pure function of the date's text). Which job a line belongs to is its reader's
/// business (``FileReplay``, ``JobLogReader``), decided from ``job`` every line.
struct EventLineDecoder {
    /// A string value's bytes within the line, between its quotes.
    struct Span {
        var start = 0
        var end = 0
        var escaped = false
    }

    var present: UInt32 = 0
    var seq = 0
    var at = Timestamp(uncheckedSeconds: 0, nanoseconds: 0)
    var job = Span()
    /// Whether the last decoded line's job is exactly the `knownJob` given to ``decode(_:count:knownJob:)``
    /// (found by one comparison instead of a scan): a result of that line alone.
    var jobIsKnown = false
    var type = EventType.created
    var strings = [Span](repeating: Span(), count: LineField.allCases.count)
    var percent = 0
    var epoch = 0
    var objects: [JSONObject?] = [nil, nil, nil]  // hyperparameters, config, resources
    var files: [String] = []
    var metrics = TrainingMetrics(trainLoss: 0, validationLoss: 0, perplexity: 0)
    var metricsEpochSeen: Int?
    /// The date part (`YYYY-MM-DD`) of the last `at` read the fast way, and its day number.
    private var cachedDate: (UInt64, UInt16) = (0, 0)
    private var cachedDays: Int64 = 0

    @inline(__always) func has(_ field: LineField) -> Bool { present & field.bit != 0 }

    /// Reads the line's fields; afterwards `seq`, `at`, `job` and `type` are set.
    /// - Parameter knownJob: the bytes of a job id the caller already checked (the previous
    ///   line's): a canonical line naming exactly it is recognised with one comparison, and
    ///   ``jobIsKnown`` says so. Nothing of it is kept.
    mutating func decode(_ base: UnsafePointer<UInt8>, count: Int, knownJob: UnsafeBufferPointer<UInt8>? = nil) throws(LineError) {
        jobIsKnown = false
        // A line of a batch ends with a tab (docs/log-format.md, "Batches"): the fast path
        // reads it without.
        if readCanonical(base, count > 1 && base[count - 1] == LogFraming.continued ? count - 1 : count, knownJob) { return }
        do {
            try readFields(base, count: count)
        } catch let error as JSONSyntaxError {
            throw LineError(message: "invalid JSON at column \(error.offset + 1): \(error.message)")
        } catch let error as LineError {
            throw error
        } catch {
            throw LineError(message: "\(error)")
        }
        if present & LineField.envelope != LineField.envelope {
            for field in [LineField.seq, .at, .job, .type] where !has(field) {
                throw LineError(message: "missing field \(field.name)")
            }
        }
        let (required, allowed) = LineField.fields(of: type)
        let extra = present & ~(allowed | LineField.envelope)
        if extra != 0, let field = LineField.allCases.first(where: { extra & $0.bit != 0 }) {
            throw LineError(message: "field \(field.name) is not a field of \(type)")
        }
        let missing = required & ~present
        if missing != 0, let field = LineField.allCases.first(where: { missing & $0.bit != 0 }) {
            throw LineError(message: "\(type) needs field \(field.name)")
        }
    }

    /// Reads a line in exactly the form JobLedger writes it (keys in order, no whitespace, no
    /// escapes, the frequent event shapes), or returns `false` having decided nothing: the
    /// general reader then reads the line from the start and words any error. Lines it accepts
    /// decode to what the general reader would make of them.
    @inline(__always)
    private mutating func readCanonical(_ p: UnsafePointer<UInt8>, _ n: Int, _ knownJob: UnsafeBufferPointer<UInt8>?) -> Bool {
        // Each literal is compared as one or two little-endian words (the constants spell it);
        // a line too short to load them goes the general way.
        let raw = UnsafeRawPointer(p)
        @inline(__always) func word(_ i: Int) -> UInt64 { raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) }
        @inline(__always) func literal(_ i: Int, _ first: UInt64, _ firstMask: UInt64, _ rest: UInt32 = 0,
                                       _ restMask: UInt32 = 0) -> Bool {
            guard n - i >= 12 else { return false }
            return word(i) & firstMask == first
                && raw.loadUnaligned(fromByteOffset: i + 8, as: UInt32.self) & restMask == rest
        }
        guard literal(0, 0x3A_2271_6573_227B, 0xFF_FFFF_FFFF_FFFF) else { return false }  // {"seq":
        var i = 7
        let seqStart = i
        var value = 0
        while i < n {
            let d = p[i] &- UInt8(ascii: "0")
            if d > 9 { break }
            value = value &* 10 &+ Int(d)
            i += 1
        }
        guard i > seqStart, i - seqStart <= 18, p[seqStart] != UInt8(ascii: "0") || i - seqStart == 1, value >= 1,
            literal(i, 0x22_3A22_7461_222C, 0xFF_FFFF_FFFF_FFFF)  // ,"at":"
        else { return false }
        i += 7
        guard let (stamp, stampLength) = fastTimestamp(p + i, n - i) else { return false }
        i += stampLength
        guard literal(i, 0x3A22_626F_6A22_2C22, ~0, 0x22, 0xFF) else { return false }  // ","job":"
        i += 9
        // The job: the known job's bytes, or a run of plain job id characters.
        let jobStart = i
        var jobKnown = false
        if let knownJob, let bytes = knownJob.baseAddress, n - i > knownJob.count, p[i + knownJob.count] == UInt8(ascii: "\""),
            memcmp(bytes, p + i, knownJob.count) == 0
        {
            i += knownJob.count
            jobKnown = true
        } else {
            while i < n, JobID.isAllowed(p[i]) { i += 1 }
            guard i < n, p[i] == UInt8(ascii: "\"") else { return false }
        }
        let jobEnd = i
        guard literal(i, 0x2265_7079_7422_2C22, ~0, 0x223A, 0xFFFF) else { return false }  // ","type":"
        i += 10
        guard let (known, typeLength) = Self.knownType(p + i, n - i) else { return false }
        i += typeLength
        // The type's fields, in the frequent shapes. Nothing is stored until the whole line is
        // known to be canonical, so a line that goes the general way finds no trace of this try.
        var fields: UInt32 = 0
        var string = Span()
        var percent = 0
        switch known {
        case .progressed:
            guard literal(i, 0x6E65_6372_6570_222C, ~0, 0x3A_2274, 0xFF_FFFF) else { return false }  // ,"percent":
            i += 11
            let start = i
            while i < n, i - start < 4 {
                let d = p[i] &- UInt8(ascii: "0")
                if d > 9 { break }
                percent = percent &* 10 &+ Int(d)
                i += 1
            }
            guard i > start, i - start <= 3, p[start] != UInt8(ascii: "0") || i - start == 1 else { return false }
            fields = LineField.percent.bit
        case .created:
            guard literal(i, 0x6E69_6769_726F_222C, ~0, 0x22_3A22, 0xFF_FFFF) else { return false }  // ,"origin":"
            i += 11
            let start = i
            while i < n, p[i] >= UInt8(ascii: "a"), p[i] <= UInt8(ascii: "z") { i += 1 }
            guard i < n, p[i] == UInt8(ascii: "\"") else { return false }
            string = Span(start: start, end: i, escaped: false)
            i += 1
            fields = LineField.origin.bit
        case .completed:
            guard literal(i, 0x226C_6564_6F6D_222C, ~0, 0x223A, 0xFFFF) else { return false }  // ,"model":"
            i += 10
            let start = i
            while i < n, p[i] >= 0x20, p[i] < 0x80, p[i] != UInt8(ascii: "\""), p[i] != UInt8(ascii: "\\") { i += 1 }
            guard i < n, p[i] == UInt8(ascii: "\""), i > start else { return false }
            string = Span(start: start, end: i, escaped: false)
            i += 1
            fields = LineField.model.bit
        case .queued, .datasetUploadStarted, .dataProcessingStarted, .dataProcessed, .trainingStarted, .trainingFinished,
            .modelUploadStarted, .published, .modelImported:
            break
        default:
            return false
        }
        guard i == n - 1, p[i] == UInt8(ascii: "}") else { return false }
        switch known {
        case .progressed: self.percent = percent
        case .created: strings[LineField.origin.rawValue] = string
        case .completed: strings[LineField.model.rawValue] = string
        default: break
        }
        seq = value
        at = stamp
        job = Span(start: jobStart, end: jobEnd, escaped: false)
        jobIsKnown = jobKnown
        type = known
        present = LineField.envelope | fields
        return true
    }

    /// The object's keys and values; JSON errors are `JSONSyntaxError`, field errors `LineError`.
    ///
    /// The hot path: one pass with the index in a local, the frequent keys and the envelope's
    /// values read in place; everything else goes through ``JSONScanner``.
    private mutating func readFields(_ p: UnsafePointer<UInt8>, count n: Int) throws {
        present = 0
        var i = Self.skipWhitespace(p, 0, n)
        guard i < n, p[i] == UInt8(ascii: "{") else { throw JSONSyntaxError(offset: i, message: "expected a JSON object") }
        i = Self.skipWhitespace(p, i + 1, n)
        if i < n, p[i] == UInt8(ascii: "}") { throw LineError(message: "empty object, missing field seq") }
        // Keys met so far (a key given `null` is seen but not present).
        var seen: UInt32 = 0
        while true {
            guard i < n, p[i] == UInt8(ascii: "\"") else { throw JSONSyntaxError(offset: i, message: "expected a string key") }
            let keyOffset = i
            let field: LineField
            if let (known, length) = Self.knownKey(p + i + 1, n - i - 1) {
                field = known
                i += length + 1
            } else {
                var scanner = JSONScanner(p, count: n)
                scanner.index = i
                let key = try scanner.scanString()
                i = scanner.index
                guard let found = try Self.field(p, key, scanner) else {
                    let name = (try? scanner.makeString(start: key.start, end: key.end, escaped: key.escaped)) ?? "?"
                    throw LineError(message: "unknown field \(JobLedgerError.quote(name)) at column \(keyOffset + 1)")
                }
                field = found
            }
            guard seen & field.bit == 0 else {
                throw LineError(message: "duplicate field \(field.name) at column \(keyOffset + 1)")
            }
            if i < n, p[i] <= 0x20 { i = Self.skipWhitespace(p, i, n) }
            guard i < n, p[i] == UInt8(ascii: ":") else { throw JSONSyntaxError(offset: i, message: "expected ':' after key") }
            i += 1
            if i < n, p[i] <= 0x20 { i = Self.skipWhitespace(p, i, n) }
            var given = true
            switch field {
            case .seq:
                seq = try Self.integer(p, &i, n, .seq)
                guard seq >= 1 else { throw LineError(message: "seq \(seq) is not positive") }
            case .percent:
                percent = try Self.integer(p, &i, n, .percent)
            case .at:
                try readTimestamp(p, &i, n)
            case .job:
                try readJob(p, &i, n)
            case .type:
                try readType(p, &i, n)
            default:
                var scanner = JSONScanner(p, count: n)
                scanner.index = i
                given = try readValue(of: field, &scanner)
                i = scanner.index
            }
            seen |= field.bit
            // `null` for an optional field means absent.
            if given { present |= field.bit }
            if i < n, p[i] <= 0x20 { i = Self.skipWhitespace(p, i, n) }
            guard i < n else { throw JSONSyntaxError(offset: i, message: "expected ',' or '}' after a field") }
            if p[i] == UInt8(ascii: ",") {
                i += 1
                if i < n, p[i] <= 0x20 { i = Self.skipWhitespace(p, i, n) }
                continue
            }
            guard p[i] == UInt8(ascii: "}") else { throw JSONSyntaxError(offset: i, message: "expected ',' or '}' after a field") }
            i += 1
            break
        }
        if i < n { i = Self.skipWhitespace(p, i, n) }
        guard i == n else { throw JSONSyntaxError(offset: i, message: "unexpected text after the object") }
    }

    /// The index of the first non-whitespace byte at or after `i`.
    @inline(__always)
    static func skipWhitespace(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Int {
        var i = i
        while i < n {
            let b = p[i]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { break }
            i += 1
        }
        return i
    }

    /// A field's value must be of another JSON type: say what was found.
    static func typeError(_ field: LineField, _ expected: String, _ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> LineError {
        let found: String
        switch i < n ? p[i] : 0 {
        case UInt8(ascii: "\""): found = "a string"
        case UInt8(ascii: "{"): found = "an object"
        case UInt8(ascii: "["): found = "an array"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): found = "a boolean"
        case UInt8(ascii: "n"): found = "null"
        case 0: found = "the end of the line"
        default: found = "a number"
        }
        return LineError(message: "field \(field.name) must be \(expected), found \(found) at column \(i + 1)")
    }

    private func typeError(_ field: LineField, _ expected: String, _ s: JSONScanner) -> LineError {
        Self.typeError(field, expected, s.base, s.index, s.count)
    }

    /// Consumes `null` if it is next.
    @inline(__always)
    private func readNull(_ s: inout JSONScanner) throws -> Bool {
        guard s.index < s.count, s.base[s.index] == UInt8(ascii: "n") else { return false }
        try s.literal("null")
        return true
    }

    /// A JSON integer literal in the 64-bit range (up to 18 digits here, longer ones through the
    /// scanner); fractions, exponents, leading zeros refused.
    @inline(__always)
    static func integer(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ n: Int, _ field: LineField) throws -> Int {
        var j = i
        let negative = j < n && p[j] == UInt8(ascii: "-")
        if negative { j += 1 }
        let start = j
        var value = 0
        while j < n {
            let d = p[j] &- UInt8(ascii: "0")
            if d > 9 { break }
            value = value &* 10 &+ Int(d)
            j += 1
        }
        let digits = j - start
        if digits == 0 || digits > 18 || (digits > 1 && p[start] == UInt8(ascii: "0"))
            || (j < n && (p[j] == UInt8(ascii: ".") || p[j] == UInt8(ascii: "e") || p[j] == UInt8(ascii: "E")))
        {
            // Let the general reader word the error.
            guard i < n, p[i] == UInt8(ascii: "-") || (p[i] &- UInt8(ascii: "0")) <= 9 else {
                throw typeError(field, "an integer", p, i, n)
            }
            var scanner = JSONScanner(p, count: n)
            scanner.index = i
            do {
                let exact = try scanner.parseInteger()  // 19 digits that fit 64 bits
                i = scanner.index
                return exact
            } catch {
                throw LineError(message: "field \(field.name): \(error.message) at column \(error.offset + 1)")
            }
        }
        i = j
        return negative ? -value : value
    }

    @inline(__always)
    private func readInteger(_ field: LineField, _ s: inout JSONScanner) throws -> Int {
        try Self.integer(s.base, &s.index, s.count, field)
    }

    @inline(__always)
    private func readString(_ field: LineField, _ s: inout JSONScanner) throws -> Span {
        guard s.index < s.count, s.base[s.index] == UInt8(ascii: "\"") else { throw typeError(field, "a string", s) }
        let (start, end, escaped) = try s.scanString()
        return Span(start: start, end: end, escaped: escaped)
    }

    /// The fields other than the envelope and `percent`; `false` when the value is `null` (an
    /// absent optional field).
    private mutating func readValue(of field: LineField, _ s: inout JSONScanner) throws -> Bool {
        switch field {
        case .seq, .at, .job, .type, .percent:
            preconditionFailure("read in readFields")
        case .epoch:
            if try readNull(&s) { return false }
            epoch = try readInteger(.epoch, &s)
        case .hyperparameters, .config, .resources:
            if try readNull(&s) { return false }
            guard s.index < s.count, s.base[s.index] == UInt8(ascii: "{") else { throw typeError(field, "an object", s) }
            let index = field == .hyperparameters ? 0 : field == .config ? 1 : 2
            objects[index] = try s.parseObject(depth: 1)
        case .files:
            if try readNull(&s) { return false }
            guard s.index < s.count, s.base[s.index] == UInt8(ascii: "[") else { throw typeError(field, "an array of strings", s) }
            s.index += 1
            files.removeAll(keepingCapacity: true)
            if !s.consume(UInt8(ascii: "]")) {
                repeat {
                    guard s.peekKind() == UInt8(ascii: "\"") else { throw typeError(field, "an array of strings", s) }
                    files.append(try s.parseString())
                } while s.consume(UInt8(ascii: ","))
                try s.expect(UInt8(ascii: "]"), "',' or ']' in files")
            }
        case .metrics:
            if try readNull(&s) { return false }
            try readMetrics(&s)
        case .origin, .name, .task, .model, .trainingFile, .validationFile, .identifier, .path, .error, .reason,
            .trigger, .modelType, .modelName:
            if try readNull(&s) { return false }
            strings[field.rawValue] = try readString(field, &s)
        }
        return true
    }

    /// `at`: RFC 3339 read in place when it is in the usual UTC form, else by the full parser.
    @inline(__always)
    private mutating func readTimestamp(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ n: Int) throws {
        guard i < n, p[i] == UInt8(ascii: "\"") else { throw Self.typeError(.at, "a string", p, i, n) }
        let start = i + 1
        if let (stamp, length) = fastTimestamp(p + start, n - start), start + length < n, p[start + length] == UInt8(ascii: "\"") {
            at = stamp
            i = start + length + 1
            return
        }
        var s = JSONScanner(p, count: n)
        s.index = i
        let span = try readString(.at, &s)
        i = s.index
        do {
            if span.escaped {
                var text = try s.makeString(start: span.start, end: span.end, escaped: true)
                at = try text.withUTF8 { buffer throws(Timestamp.ParseError) in
                    try Timestamp.parse(buffer.baseAddress!, count: buffer.count)
                }
            } else {
                at = try Timestamp.parse(p + span.start, count: span.end - span.start)
            }
        } catch let error as Timestamp.ParseError {
            throw LineError(message: "field at is not RFC 3339: \(error.message)")
        }
    }

    /// `job`: kept as a range of the line.
    @inline(__always)
    private mutating func readJob(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ n: Int) throws {
        guard i < n, p[i] == UInt8(ascii: "\"") else { throw Self.typeError(.job, "a string", p, i, n) }
        var s = JSONScanner(p, count: n)
        s.index = i
        job = try readString(.job, &s)
        i = s.index
    }

    @inline(__always)
    private mutating func readType(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ n: Int) throws {
        guard i < n, p[i] == UInt8(ascii: "\"") else { throw Self.typeError(.type, "a string", p, i, n) }
        let start = i + 1
        if let (known, length) = Self.knownType(p + start, n - start) {
            type = known
            i = start + length
            return
        }
        var s = JSONScanner(p, count: n)
        s.index = i
        let span = try readString(.type, &s)
        i = s.index
        guard let known = Self.eventType(p, span) else {
            let name = try s.makeString(start: span.start, end: span.end, escaped: span.escaped)
            throw LineError(message: "unknown event type \(JobLedgerError.quote(name))")
        }
        type = known
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fraction]Z` without checks that throw: `nil` sends the text to the
    /// full parser, which also words the error. The day number of the last date is cached.
    @inline(__always)
    private mutating func fastTimestamp(_ p: UnsafePointer<UInt8>, _ n: Int) -> (Timestamp, Int)? {
        guard n >= 21 else { return nil }
        let raw = UnsafeRawPointer(p)
        let date = (raw.loadUnaligned(as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt16.self))
        let days: Int64
        if date == cachedDate {
            days = cachedDays
        } else {
            guard p[4] == UInt8(ascii: "-"), p[7] == UInt8(ascii: "-") else { return nil }
            let y0 = p[0] &- 48, y1 = p[1] &- 48, y2 = p[2] &- 48, y3 = p[3] &- 48
            let m0 = p[5] &- 48, m1 = p[6] &- 48, d0 = p[8] &- 48, d1 = p[9] &- 48
            guard y0 <= 9, y1 <= 9, y2 <= 9, y3 <= 9, m0 <= 9, m1 <= 9, d0 <= 9, d1 <= 9 else { return nil }
            let year = Int(y0) * 1000 + Int(y1) * 100 + Int(y2) * 10 + Int(y3)
            let month = Int(m0) * 10 + Int(m1)
            let day = Int(d0) * 10 + Int(d1)
            guard month >= 1, month <= 12, day >= 1, day <= Timestamp.daysInMonth(year: year, month: month) else { return nil }
            days = Timestamp.daysFromCivil(year: year, month: month, day: day)
            cachedDate = date
            cachedDays = days
        }
        guard p[10] == UInt8(ascii: "T"), p[13] == UInt8(ascii: ":"), p[16] == UInt8(ascii: ":") else { return nil }
        let h0 = p[11] &- 48, h1 = p[12] &- 48, i0 = p[14] &- 48, i1 = p[15] &- 48, s0 = p[17] &- 48, s1 = p[18] &- 48
        guard h0 <= 2, h1 <= 9, i0 <= 5, i1 <= 9, s0 <= 5, s1 <= 9 else { return nil }
        let hour = Int(h0) * 10 + Int(h1)
        guard hour <= 23 else { return nil }
        var i = 19
        var nanos = 0
        if p[i] == UInt8(ascii: ".") {
            i += 1
            let fractionStart = i
            while i < n, i - fractionStart < 9 {
                let d = p[i] &- 48
                if d > 9 { break }
                nanos = nanos * 10 + Int(d)
                i += 1
            }
            guard i > fractionStart, i < n else { return nil }
            for _ in (i - fractionStart)..<9 { nanos *= 10 }
        }
        guard p[i] == UInt8(ascii: "Z") else { return nil }
        let second = hour * 3600 + (Int(i0) * 10 + Int(i1)) * 60 + Int(s0) * 10 + Int(s1)
        return (Timestamp(uncheckedSeconds: days * 86_400 + Int64(second), nanoseconds: Int32(nanos)), i + 1)
    }

    /// `metrics`: trainLoss, validationLoss and perplexity, all numbers; an `epoch` inside must be
    /// the checkpoint's own.
    private mutating func readMetrics(_ s: inout JSONScanner) throws {
        guard s.index < s.count, s.base[s.index] == UInt8(ascii: "{"), case .object(let object) = try s.parseValue(depth: 1) else {
            throw LineError(message: "field metrics must be an object with trainLoss, validationLoss and perplexity")
        }
        func number(_ key: String) throws -> Double {
            switch object[key] {
            case .int(let value): return Double(value)
            case .double(let value): return value
            case nil: throw LineError(message: "metrics needs \(key) (trainLoss, validationLoss and perplexity, or no metrics)")
            default: throw LineError(message: "metrics.\(key) must be a number")
            }
        }
        metrics = TrainingMetrics(
            trainLoss: try number("trainLoss"), validationLoss: try number("validationLoss"),
            perplexity: try number("perplexity"))
        for key in object.keys where !["trainLoss", "validationLoss", "perplexity", "epoch"].contains(key) {
            throw LineError(message: "unknown field \(JobLedgerError.quote(key)) in metrics")
        }
        if let epochValue = object["epoch"] {
            guard case .int(let metricsEpoch) = epochValue else { throw LineError(message: "metrics.epoch must be an integer") }
            metricsEpochSeen = metricsEpoch
        } else {
            metricsEpochSeen = nil
        }
    }

    /// The frequent keys, recognised with their closing quote by one integer compare: the field
    /// and the key's length with the quote. Anything else goes the general way.
    @inline(__always)
    static func knownKey(_ p: UnsafePointer<UInt8>, _ n: Int) -> (LineField, Int)? {
        guard n >= 8 else { return nil }
        let word = UnsafeRawPointer(p).loadUnaligned(as: UInt64.self)
        switch p[0] {
        case UInt8(ascii: "s"): if word & 0xFFFF_FFFF == 0x2271_6573 { return (.seq, 4) }  // seq"
        case UInt8(ascii: "a"): if word & 0xFF_FFFF == 0x22_7461 { return (.at, 3) }  // at"
        case UInt8(ascii: "j"): if word & 0xFFFF_FFFF == 0x2262_6F6A { return (.job, 4) }  // job"
        case UInt8(ascii: "t"): if word & 0xFF_FFFF_FFFF == 0x22_6570_7974 { return (.type, 5) }  // type"
        case UInt8(ascii: "p"): if word == 0x2274_6E65_6372_6570 { return (.percent, 8) }  // percent"
        case UInt8(ascii: "m"): if word & 0xFFFF_FFFF_FFFF == 0x226C_6564_6F6D { return (.model, 6) }  // model"
        case UInt8(ascii: "o"): if word & 0xFF_FFFF_FFFF_FFFF == 0x22_6E69_6769_726F { return (.origin, 7) }  // origin"
        case UInt8(ascii: "e"):
            if word & 0xFFFF_FFFF_FFFF == 0x2268_636F_7065 { return (.epoch, 6) }  // epoch"
            if word & 0xFFFF_FFFF_FFFF == 0x2272_6F72_7265 { return (.error, 6) }  // error"
        default: break
        }
        return nil
    }

    /// The event type named at `p` with its closing quote, and the name's length with the quote.
    @inline(__always)
    static func knownType(_ p: UnsafePointer<UInt8>, _ n: Int) -> (EventType, Int)? {
        @inline(__always) func starts(_ name: StaticString) -> Bool {
            let length = name.utf8CodeUnitCount
            return n > length && p[length] == UInt8(ascii: "\"") && memcmp(p, name.utf8Start, length) == 0
        }
        switch p[0] {
        case UInt8(ascii: "p"):
            if starts("progressed") { return (.progressed, 11) }
            if starts("publicationStarted") { return (.publicationStarted, 19) }
            if starts("published") { return (.published, 10) }
            if starts("publicationFailed") { return (.publicationFailed, 18) }
        case UInt8(ascii: "c"):
            if starts("created") { return (.created, 8) }
            if starts("completed") { return (.completed, 10) }
            if starts("checkpointSaved") { return (.checkpointSaved, 16) }
            if starts("configured") { return (.configured, 11) }
            if starts("cancelled") { return (.cancelled, 10) }
        case UInt8(ascii: "q"):
            if starts("queued") { return (.queued, 7) }
        case UInt8(ascii: "d"):
            if starts("datasetUploadStarted") { return (.datasetUploadStarted, 21) }
            if starts("dataProcessingStarted") { return (.dataProcessingStarted, 22) }
            if starts("dataProcessed") { return (.dataProcessed, 14) }
        case UInt8(ascii: "t"):
            if starts("trainingStarted") { return (.trainingStarted, 16) }
            if starts("trainingFinished") { return (.trainingFinished, 17) }
        case UInt8(ascii: "m"):
            if starts("modelUploadStarted") { return (.modelUploadStarted, 19) }
            if starts("modelImportStarted") { return (.modelImportStarted, 19) }
            if starts("modelImported") { return (.modelImported, 14) }
            if starts("modelImportFailed") { return (.modelImportFailed, 18) }
        case UInt8(ascii: "f"):
            if starts("failed") { return (.failed, 7) }
        default: break
        }
        return nil
    }

    // MARK: Results

    func text(_ base: UnsafePointer<UInt8>, _ field: LineField) throws(LineError) -> String {
        let range = strings[field.rawValue]
        do {
            return try JSONScanner(base, count: range.end).makeString(start: range.start, end: range.end, escaped: range.escaped)
        } catch {
            throw LineError(message: "field \(field.name): \(error.message) at column \(error.offset + 1)")
        }
    }

    func optionalText(_ base: UnsafePointer<UInt8>, _ field: LineField) throws(LineError) -> String? {
        has(field) ? try text(base, field) : nil
    }

    /// The job's text as written, for error messages (`nil` if the line has none readable).
    func jobText(_ base: UnsafePointer<UInt8>) -> String? {
        guard has(.job) else { return nil }
        return try? JSONScanner(base, count: job.end).makeString(start: job.start, end: job.end, escaped: job.escaped)
    }

    /// The line's job id, checked against the job id rule.
    func jobID(_ base: UnsafePointer<UInt8>) throws(LineError) -> JobID {
        if !job.escaped {
            let bytes = UnsafeBufferPointer(start: base + job.start, count: job.end - job.start)
            if let problem = JobID.problem(with: bytes) {
                throw LineError(message: "invalid job id \(JobLedgerError.quote(String(decoding: bytes, as: UTF8.self))): \(problem)")
            }
            return JobID(unchecked: String(decoding: bytes, as: UTF8.self))
        }
        guard let text = jobText(base) else { throw LineError(message: "field job is not a valid string") }
        if let problem = JobID.problem(with: text) {
            throw LineError(message: "invalid job id \(JobLedgerError.quote(text)): \(problem)")
        }
        return JobID(unchecked: text)
    }

    /// The event the line's type and fields make.
    mutating func event(_ base: UnsafePointer<UInt8>) throws(LineError) -> Event {
        switch type {
        case .created:
            let originText = try text(base, .origin)
            guard let origin = Origin(rawValue: originText) else {
                throw LineError(message: "origin must be \"api\" or \"console\", found \(JobLedgerError.quote(originText))")
            }
            return .created(
                Creation(
                    origin: origin, name: try optionalText(base, .name), task: try optionalText(base, .task),
                    model: try optionalText(base, .model), trainingFile: try optionalText(base, .trainingFile),
                    validationFile: try optionalText(base, .validationFile),
                    hyperparameters: has(.hyperparameters) ? objects[0] : nil))
        case .configured: return .configured(config: objects[1] ?? JSONObject())
        case .queued: return .queued
        case .datasetUploadStarted: return .datasetUploadStarted(files: has(.files) ? files : nil)
        case .dataProcessingStarted: return .dataProcessingStarted
        case .dataProcessed: return .dataProcessed
        case .trainingStarted: return .trainingStarted(resources: has(.resources) ? objects[2] : nil)
        case .progressed: return .progressed(percent: percent, epoch: has(.epoch) ? epoch : nil)
        case .checkpointSaved:
            if has(.metrics), let metricsEpoch = metricsEpochSeen, metricsEpoch != epoch {
                throw LineError(message: "metrics.epoch \(metricsEpoch) differs from the checkpoint's epoch \(epoch)")
            }
            return .checkpointSaved(
                Checkpoint(
                    identifier: try text(base, .identifier), epoch: epoch, path: try text(base, .path),
                    metrics: has(.metrics) ? metrics : nil))
        case .trainingFinished: return .trainingFinished
        case .modelUploadStarted: return .modelUploadStarted
        case .completed: return .completed(model: try text(base, .model))
        case .failed: return .failed(error: try text(base, .error))
        case .cancelled: return .cancelled(reason: try optionalText(base, .reason))
        case .publicationStarted:
            let triggerText = try text(base, .trigger)
            guard let trigger = PublicationTrigger(rawValue: triggerText) else {
                throw LineError(
                    message: "trigger must be \"progressCheck\" or \"explicit\", found \(JobLedgerError.quote(triggerText))")
            }
            return .publicationStarted(trigger: trigger)
        case .published: return .published
        case .publicationFailed: return .publicationFailed(error: try text(base, .error))
        case .modelImportStarted:
            return .modelImportStarted(modelType: try text(base, .modelType), modelName: try text(base, .modelName))
        case .modelImported: return .modelImported
        case .modelImportFailed: return .modelImportFailed(error: try text(base, .error))
        }
    }

    // MARK: Name tables

    /// The field a key names, or `nil` for an unknown key.
    @inline(__always)
    static func field(_ base: UnsafePointer<UInt8>, _ key: (start: Int, end: Int, escaped: Bool), _ scanner: JSONScanner)
        throws(JSONSyntaxError) -> LineField?
    {
        if key.escaped {
            var name = try scanner.makeString(start: key.start, end: key.end, escaped: true)
            return name.withUTF8 { field($0.baseAddress!, $0.count) }
        }
        return field(base + key.start, key.end - key.start)
    }

    @inline(__always)
    static func field(_ p: UnsafePointer<UInt8>, _ n: Int) -> LineField? {
        switch n {
        case 2: if bytesEqual(p, n, "at") { return .at }
        case 3:
            if bytesEqual(p, n, "seq") { return .seq }
            if bytesEqual(p, n, "job") { return .job }
        case 4:
            if bytesEqual(p, n, "type") { return .type }
            if bytesEqual(p, n, "name") { return .name }
            if bytesEqual(p, n, "task") { return .task }
            if bytesEqual(p, n, "path") { return .path }
        case 5:
            if bytesEqual(p, n, "model") { return .model }
            if bytesEqual(p, n, "epoch") { return .epoch }
            if bytesEqual(p, n, "error") { return .error }
            if bytesEqual(p, n, "files") { return .files }
        case 6:
            if bytesEqual(p, n, "origin") { return .origin }
            if bytesEqual(p, n, "config") { return .config }
            if bytesEqual(p, n, "reason") { return .reason }
        case 7:
            if bytesEqual(p, n, "percent") { return .percent }
            if bytesEqual(p, n, "metrics") { return .metrics }
            if bytesEqual(p, n, "trigger") { return .trigger }
        case 9:
            if bytesEqual(p, n, "resources") { return .resources }
            if bytesEqual(p, n, "modelType") { return .modelType }
            if bytesEqual(p, n, "modelName") { return .modelName }
        case 10: if bytesEqual(p, n, "identifier") { return .identifier }
        case 12: if bytesEqual(p, n, "trainingFile") { return .trainingFile }
        case 14: if bytesEqual(p, n, "validationFile") { return .validationFile }
        case 15: if bytesEqual(p, n, "hyperparameters") { return .hyperparameters }
        default: break
        }
        return nil
    }

    /// The event type a `type` value names, or `nil`.
    @inline(__always)
    static func eventType(_ base: UnsafePointer<UInt8>, _ range: Span) -> EventType? {
        if range.escaped {
            guard var name = try? JSONScanner(base, count: range.end).makeString(start: range.start, end: range.end, escaped: true)
            else { return nil }
            return name.withUTF8 { eventType($0.baseAddress!, $0.count) }
        }
        return eventType(base + range.start, range.end - range.start)
    }

    @inline(__always)
    static func eventType(_ p: UnsafePointer<UInt8>, _ n: Int) -> EventType? {
        switch n {
        case 6:
            if bytesEqual(p, n, "queued") { return .queued }
            if bytesEqual(p, n, "failed") { return .failed }
        case 7: if bytesEqual(p, n, "created") { return .created }
        case 9:
            if bytesEqual(p, n, "completed") { return .completed }
            if bytesEqual(p, n, "cancelled") { return .cancelled }
            if bytesEqual(p, n, "published") { return .published }
        case 10:
            if bytesEqual(p, n, "progressed") { return .progressed }
            if bytesEqual(p, n, "configured") { return .configured }
        case 13:
            if bytesEqual(p, n, "dataProcessed") { return .dataProcessed }
            if bytesEqual(p, n, "modelImported") { return .modelImported }
        case 15:
            if bytesEqual(p, n, "trainingStarted") { return .trainingStarted }
            if bytesEqual(p, n, "checkpointSaved") { return .checkpointSaved }
        case 16: if bytesEqual(p, n, "trainingFinished") { return .trainingFinished }
        case 17:
            if bytesEqual(p, n, "publicationFailed") { return .publicationFailed }
            if bytesEqual(p, n, "modelImportFailed") { return .modelImportFailed }
        case 18:
            if bytesEqual(p, n, "modelUploadStarted") { return .modelUploadStarted }
            if bytesEqual(p, n, "publicationStarted") { return .publicationStarted }
            if bytesEqual(p, n, "modelImportStarted") { return .modelImportStarted }
        case 20: if bytesEqual(p, n, "datasetUploadStarted") { return .datasetUploadStarted }
        case 21: if bytesEqual(p, n, "dataProcessingStarted") { return .dataProcessingStarted }
        default: break
        }
        return nil
    }
}
