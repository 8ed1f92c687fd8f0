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
        guard let first = events.first else { return }
        var taken: [UInt8] = []
        swap(&taken, &bytes)
        var writer = JSONWriter(continuing: consume taken)
        var shared = LogLineCache(job: first.job)
        for (index, event) in events.enumerated() {
            event.writeLogLine(to: &writer, continued: index < events.count - 1, cache: &shared)
        }
        bytes = writer.finish()
    }

    /// Appends the log line; `continued` marks it as not the last of its append.
    func appendLogLine(to bytes: inout [UInt8], continued: Bool) {
        var taken: [UInt8] = []
        swap(&taken, &bytes)
        var writer = JSONWriter(continuing: consume taken)
        var shared = LogLineCache(job: job)
        writeLogLine(to: &writer, continued: continued, cache: &shared)
        bytes = writer.finish()
    }

    /// Writes the log line with what it shares with the line before (`cache`, kept up to date
    /// for the next): the bytes of ``appendLogLine(to:continued:)``. How an append writes its
    /// lines, one writer for all of them.
    func writeLogLine(to writer: inout JSONWriter, continued: Bool, cache: inout LogLineCache) {
        if job != cache.job { cache = LogLineCache(job: job) }
        // The four fields every line starts with, written as text between fixed pieces (this is
        // the hot path of every append); the writer then goes on after them with the type's own.
        writer.beginObject()
        writer.elementFollows()  // the object's first element: what follows needs a comma
        let (seq, at) = (self.seq, self.at)
        // `"seq":`, at most 20 characters of number, `,"at":"` and the time, with one check for room.
        writer.text(atMost: 6 + 20 + 7 + Timestamp.maximumRFC3339Length) { p in
            var count = LogLineCache.put(#""seq":"#, at: p)
            count += JSONWriter.withDecimal(seq) { digits in
                JSONWriter.copy(digits.baseAddress.unsafelyUnwrapped, to: p + count, digits.count)  // no call for a few digits
                return digits.count
            }
            count += LogLineCache.put(#","at":""#, at: p + count)
            return count + at.writeRFC3339(to: p + count, minute: &cache.minute)
        }
        cache.writeJob(to: &writer)  // `","job":"<id>","type":"`
        writer.text(event.type.logName)  // its raw value, without making a `String`
        writer.text(byte: UInt8(ascii: "\""))
        event.writeFields(to: &writer)
        writer.endObject()
        if continued { writer.text(byte: LogFraming.continued) }
        writer.text(byte: UInt8(ascii: "\n"))
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

/// What consecutive log lines of one job share, worked out for the first and kept for the rest:
/// the job id's text between the fixed pieces around it (a UUID id is held as two words, and was
/// spelled out again for every line), and the minute of the last time written
/// (``Timestamp/MinuteText``).
struct LogLineCache {
    /// The job whose text ``piece`` holds.
    let job: JobID
    /// `","job":"<id>","type":"` in its first `count` bytes: what comes between a line's time and
    /// its type. Held inline (room for a 128-character id), so that preparing it allocates nothing.
    private var piece:
        (
            UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
            UInt64, UInt64, UInt64, UInt64, UInt64
        ) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    private var count = 0
    var minute = Timestamp.MinuteText()

    init(job: JobID) {
        self.job = job
        count = withUnsafeMutableBytes(of: &piece) { raw in
            let p = raw.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt8.self)
            var count = Self.put(#"","job":""#, at: p)
            job.withUTF8 { id in  // a job id needs no escaping
                (p + count).update(from: id.baseAddress.unsafelyUnwrapped, count: id.count)
                count += id.count
            }
            return count + Self.put(#"","type":""#, at: p + count)
        }
    }

    /// Writes `","job":"<id>","type":"`.
    @inline(__always)
    mutating func writeJob(to writer: inout JSONWriter) {
        let count = count
        withUnsafeBytes(of: &piece) { writer.text(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
    }

    /// Writes the bytes of `text` at `p` and returns how many.
    @inline(__always)
    static func put(_ text: StaticString, at p: UnsafeMutablePointer<UInt8>) -> Int {
        p.update(from: text.utf8Start, count: text.utf8CodeUnitCount)
        return text.utf8CodeUnitCount
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
