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
        writer.string(job.rawValue)
        writer.key("type")
        writer.string(event.type.rawValue)
        event.writeFields(to: &writer)
        writer.endObject()
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
            writer.string(creation.origin.rawValue)
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
            writer.string(trigger.rawValue)
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
struct EventLineDecoder {
    struct Range {
        var start = 0
        var end = 0
        var escaped = false
    }

    var present: UInt32 = 0
    var seq = 0
    var at = Timestamp(uncheckedSeconds: 0, nanoseconds: 0)
    var job = Range()
    var type = EventType.created
    var strings = [Range](repeating: Range(), count: LineField.allCases.count)
    var percent = 0
    var epoch = 0
    var objects: [JSONObject?] = [nil, nil, nil]  // hyperparameters, config, resources
    var files: [String] = []
    var metrics = TrainingMetrics(trainLoss: 0, validationLoss: 0, perplexity: 0)

    @inline(__always) func has(_ field: LineField) -> Bool { present & field.bit != 0 }

    /// Reads the line's fields; afterwards `seq`, `at`, `job` and `type` are set.
    mutating func decode(_ base: UnsafePointer<UInt8>, count: Int) throws(LineError) {
        do {
            try readFields(base, count: count)
        } catch let error as JSONSyntaxError {
            throw LineError(message: "invalid JSON at column \(error.offset + 1): \(error.message)")
        } catch let error as LineError {
            throw error
        } catch {
            throw LineError(message: "\(error)")
        }
        for field in [LineField.seq, .at, .job, .type] where !has(field) {
            throw LineError(message: "missing field \(field.name)")
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

    /// The object's keys and values; JSON errors are `JSONSyntaxError`, field errors `LineError`.
    private mutating func readFields(_ base: UnsafePointer<UInt8>, count: Int) throws {
        var scanner = JSONScanner(base, count: count)
        present = 0
        do {
            scanner.skipWhitespace()
            guard !scanner.isAtEnd, base[scanner.index] == UInt8(ascii: "{") else {
                throw scanner.error("expected a JSON object")
            }
            scanner.index += 1
            if scanner.consume(UInt8(ascii: "}")) { throw LineError(message: "empty object, missing field seq") }
            repeat {
                let keyOffset = scanner.index
                let key = try scanner.scanString()
                guard let field = try Self.field(base, key, scanner) else {
                    let name = (try? scanner.makeString(start: key.start, end: key.end, escaped: key.escaped)) ?? "?"
                    throw LineError(message: "unknown field \(JobLedgerError.quote(name)) at column \(keyOffset + 1)")
                }
                guard present & field.bit == 0 else {
                    throw LineError(message: "duplicate field \(field.name) at column \(keyOffset + 1)")
                }
                try scanner.expect(UInt8(ascii: ":"), "':' after key")
                try readValue(of: field, &scanner)
            } while scanner.consume(UInt8(ascii: ","))
            try scanner.expect(UInt8(ascii: "}"), "',' or '}' after a field")
            scanner.skipWhitespace()
            guard scanner.isAtEnd else { throw scanner.error("unexpected text after the object") }
        }
    }

    /// Errors of the JSON layer pass through as `JSONSyntaxError`; field errors are `LineError`.
    private mutating func readValue(of field: LineField, _ scanner: inout JSONScanner) throws -> Void {
        let base = scanner.base
        func fieldError(_ expected: String) -> LineError {
            let found: String
            switch scanner.peekKind() {
            case UInt8(ascii: "\""): found = "a string"
            case UInt8(ascii: "{"): found = "an object"
            case UInt8(ascii: "["): found = "an array"
            case UInt8(ascii: "t"), UInt8(ascii: "f"): found = "a boolean"
            case UInt8(ascii: "n"): found = "null"
            default: found = "a number"
            }
            return LineError(message: "field \(field.name) must be \(expected), found \(found) at column \(scanner.index + 1)")
        }
        func isNull() throws -> Bool {
            if scanner.peekKind() == UInt8(ascii: "n") {
                try scanner.literal("null")
                return true
            }
            return false
        }
        func string() throws -> Range {
            guard scanner.peekKind() == UInt8(ascii: "\"") else { throw fieldError("a string") }
            let (start, end, escaped) = try scanner.scanString()
            return Range(start: start, end: end, escaped: escaped)
        }
        func integer(_ what: String) throws -> Int {
            guard let kind = scanner.peekKind(), kind == UInt8(ascii: "-") || (kind >= 0x30 && kind <= 0x39) else {
                throw fieldError(what)
            }
            do { return try scanner.parseInteger() } catch { throw LineError(message: "field \(field.name): \(error.message) at column \(error.offset + 1)") }
        }
        func object() throws -> JSONObject {
            guard scanner.peekKind() == UInt8(ascii: "{") else { throw fieldError("an object") }
            return try scanner.parseObject(depth: 1)
        }

        switch field {
        case .seq:
            seq = try integer("an integer")
            guard seq >= 1 else { throw LineError(message: "seq \(seq) is not positive") }
        case .at:
            let range = try string()
            do {
                if range.escaped {
                    var text = try scanner.makeString(start: range.start, end: range.end, escaped: true)
                    at = try text.withUTF8 { buffer throws(Timestamp.ParseError) in
                        try Timestamp.parse(buffer.baseAddress!, count: buffer.count)
                    }
                } else {
                    at = try Timestamp.parse(base + range.start, count: range.end - range.start)
                }
            } catch let error as Timestamp.ParseError {
                throw LineError(message: "field at is not RFC 3339: \(error.message)")
            }
        case .job:
            job = try string()
        case .type:
            let range = try string()
            guard let type = Self.eventType(base, range) else {
                let name = try scanner.makeString(start: range.start, end: range.end, escaped: range.escaped)
                throw LineError(message: "unknown event type \(JobLedgerError.quote(name))")
            }
            self.type = type
        case .percent:
            percent = try integer("an integer")
        case .epoch:
            if try isNull() { return }
            epoch = try integer("an integer")
        case .hyperparameters, .config, .resources:
            if try isNull() { return }
            let index = field == .hyperparameters ? 0 : field == .config ? 1 : 2
            objects[index] = try object()
        case .files:
            if try isNull() { return }
            guard scanner.peekKind() == UInt8(ascii: "[") else { throw fieldError("an array of strings") }
            scanner.index += 1
            files.removeAll(keepingCapacity: true)
            if !scanner.consume(UInt8(ascii: "]")) {
                repeat {
                    guard scanner.peekKind() == UInt8(ascii: "\"") else { throw fieldError("an array of strings") }
                    files.append(try scanner.parseString())
                } while scanner.consume(UInt8(ascii: ","))
                try scanner.expect(UInt8(ascii: "]"), "',' or ']' in files")
            }
        case .metrics:
            if try isNull() { return }
            try readMetrics(&scanner)
        case .origin, .name, .task, .model, .trainingFile, .validationFile, .identifier, .path, .error, .reason,
            .trigger, .modelType, .modelName:
            if try isNull() { return }
            strings[field.rawValue] = try string()
        }
        present |= field.bit
    }

    /// `metrics`: trainLoss, validationLoss and perplexity, all numbers; an `epoch` inside must be
    /// the checkpoint's own.
    private mutating func readMetrics(_ scanner: inout JSONScanner) throws {
        guard case .object(let object) = try scanner.parseValue(depth: 1) else {
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

    var metricsEpochSeen: Int?

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
    static func eventType(_ base: UnsafePointer<UInt8>, _ range: Range) -> EventType? {
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
