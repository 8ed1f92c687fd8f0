#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decodes one log line in place: the replay hot path.
///
/// Strings are kept as byte ranges of the line until the event type says which are wanted; the
/// job id is left as a range so a reader can compare it with the previous line's without building
/// a `String`.
///
/// The decoder keeps no memory of earlier lines that could change what a line decodes to: a
/// line's result depends on its bytes alone (the only thing kept is a cache of the last time's
/// minute and its seconds, a pure function of the minute's text). Which job a line belongs to is its reader's
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
    /// Whether the last decoded line is an event with no fields (or `progressed` with only its
    /// percent), read by the fast path: ``JobState/applyPlain(seq:at:type:percent:)`` folds it
    /// without building an ``Event``.
    var plain = false
    /// Whether the last decoded line was read by the fast path (``readCanonical(_:_:_:)``): its job
    /// id's characters are then known to be allowed ones.
    var canonical = false
    /// The origin of the last decoded line when it is a `created` line in canonical form, which
    /// then has no other field: ``JobState/fold(line:_:into:job:)`` starts the state from it
    /// without building an ``Event``.
    var canonicalOrigin: Origin?
    var type = EventType.created
    var strings = [Span](repeating: Span(), count: LineField.allCases.count)
    var percent = 0
    var epoch = 0
    var objects: [JSONObject?] = [nil, nil, nil]  // hyperparameters, config, resources
    var files: [String] = []
    var metrics = TrainingMetrics(trainLoss: 0, validationLoss: 0, perplexity: 0)
    var metricsEpochSeen: Int?
    /// The minute (`YYYY-MM-DDTHH:MM`) of the last `at` read, and its seconds.
    var minutes = Timestamp.MinuteCache()
    /// The name tables, held here so the hot path reads them without a lazy global's check.
    let names = LineNames.shared

    @inline(__always) func has(_ field: LineField) -> Bool { present & field.bit != 0 }

    /// Reads the line's fields; afterwards `seq`, `at`, `job` and `type` are set.
    /// - Parameter knownJob: the bytes of a job id the caller already checked (the previous
    ///   line's): a canonical line naming exactly it is recognised with one comparison, and
    ///   ``jobIsKnown`` says so. Nothing of it is kept.
    mutating func decode(_ base: UnsafePointer<UInt8>, count: Int, knownJob: UnsafeBufferPointer<UInt8>? = nil) throws(LineError) {
        jobIsKnown = false
        plain = false
        canonical = false
        canonicalOrigin = nil
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

    /// The object's keys and values; JSON errors are `JSONSyntaxError`, field errors `LineError`.
    ///
    /// The hot path: one pass with the index in a local, the frequent keys and the envelope's
    /// values read in place; everything else goes through ``JSONScanner``.
    mutating func readFields(_ p: UnsafePointer<UInt8>, count n: Int) throws {
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
            if let (known, length) = names.quotedField(p + i + 1, n - i - 1) {
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
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): found = "a number"
        case let byte where byte >= 0x21 && byte < 0x7F: found = "'\(Character(Unicode.Scalar(byte)))', which starts no value"
        default: found = "a byte that starts no value"
        }
        return LineError(message: "field \(field.name) must be \(expected), found \(found) at column \(i + 1)")
    }

    func typeError(_ field: LineField, _ expected: String, _ s: JSONScanner) -> LineError {
        Self.typeError(field, expected, s.base, s.index, s.count)
    }

    /// Consumes `null` if it is next.
    @inline(__always)
    func readNull(_ s: inout JSONScanner) throws -> Bool {
        guard s.index < s.count, s.base[s.index] == UInt8(ascii: "n") else { return false }
        try s.literal("null")
        return true
    }

    /// A JSON integer literal in the 64-bit range (``JSONInteger``); fractions, exponents,
    /// leading zeros and other types refused with the field's name.
    @inline(__always)
    static func integer(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ n: Int, _ field: LineField) throws -> Int {
        let (scan, end) = JSONInteger.scan(p, from: i, n)
        if case .integer(let value) = scan {
            i = end
            return value
        }
        guard i < n, p[i] == UInt8(ascii: "-") || (p[i] &- UInt8(ascii: "0")) <= 9 else {
            throw typeError(field, "an integer", p, i, n)
        }
        var scanner = JSONScanner(p, count: n)
        scanner.index = i
        let problem = scanner.integerProblem(scan)
        throw LineError(message: "field \(field.name): \(problem.message) at column \(problem.offset + 1)")
    }

    @inline(__always)
    func readInteger(_ field: LineField, _ s: inout JSONScanner) throws -> Int {
        try Self.integer(s.base, &s.index, s.count, field)
    }

    @inline(__always)
    func readString(_ field: LineField, _ s: inout JSONScanner) throws -> Span {
        guard s.index < s.count, s.base[s.index] == UInt8(ascii: "\"") else { throw typeError(field, "a string", s) }
        let (start, end, escaped) = try s.scanString()
        return Span(start: start, end: end, escaped: escaped)
    }

    /// The fields other than the envelope and `percent`; `false` when the value is `null` (an
    /// absent optional field).
    mutating func readValue(of field: LineField, _ s: inout JSONScanner) throws -> Bool {
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

    /// `at`: RFC 3339, read in place unless the string has escapes.
    @inline(__always)
    mutating func readTimestamp(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ n: Int) throws {
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
                at = try Timestamp.parse(p + span.start, count: span.end - span.start, cache: &minutes)
            }
        } catch let error as Timestamp.ParseError {
            throw LineError(message: "field at is not RFC 3339: \(error.message)")
        }
    }

    /// `job`: kept as a range of the line.
    @inline(__always)
    mutating func readJob(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ n: Int) throws {
        guard i < n, p[i] == UInt8(ascii: "\"") else { throw Self.typeError(.job, "a string", p, i, n) }
        var s = JSONScanner(p, count: n)
        s.index = i
        job = try readString(.job, &s)
        i = s.index
    }

    @inline(__always)
    mutating func readType(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ n: Int) throws {
        guard i < n, p[i] == UInt8(ascii: "\"") else { throw Self.typeError(.type, "a string", p, i, n) }
        let start = i + 1
        if let (known, length) = names.quotedType(p + start, n - start) {
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

    /// `metrics`: trainLoss, validationLoss and perplexity, all numbers; an `epoch` inside must be
    /// the checkpoint's own.
    mutating func readMetrics(_ s: inout JSONScanner) throws {
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

}
