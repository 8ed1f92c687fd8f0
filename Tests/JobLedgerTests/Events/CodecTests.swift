import JobLedger
import Testing

/// The JSON Lines codec (SPEC 3): every event type round-trips with every optional field, odd
/// strings and nested JSON included; malformed lines are errors, never crashes.
@Suite struct CodecTests {
    static let odd = "quote \" backslash \\ slash / newline \n tab \t nul \u{0} bell \u{7} é 漢字 emoji 🚀 \u{2028}"

    /// Every event type, with every optional field set (and, where it has them, unset).
    static let events: [Event] = [
        .created(Creation(origin: .api)),
        .created(Creation(
            origin: .console, name: odd, task: "classification", model: "base-7b", trainingFile: "file-abc",
            validationFile: "file-def",
            hyperparameters: ["lr": 0.0001, "epochs": 3, "big": 12_345_678_901_234, "neg": -7, "exp": 1.5e300,
                              "nested": ["a": [1, 2.5, "x", true, false, nil], "empty": [:], "list": []], "s": .string(odd)])),
        .configured(config: [:]),
        .configured(config: ["epochs": 5, "schedule": ["warmup": 100]]),
        .queued,
        .datasetUploadStarted(files: nil),
        .datasetUploadStarted(files: []),
        .datasetUploadStarted(files: ["a.csv", odd]),
        .dataProcessingStarted,
        .dataProcessed,
        .trainingStarted(resources: nil),
        .trainingStarted(resources: ["gpus": 8, "kind": "a100", "spot": false]),
        .progressed(percent: 0, epoch: nil),
        .progressed(percent: 100, epoch: 12),
        .checkpointSaved(Checkpoint(identifier: "ck-1", epoch: 0, path: "/ck/1")),
        .checkpointSaved(Checkpoint(identifier: odd, epoch: 3, path: "s3://b/k", metrics: TrainingMetrics(trainLoss: 0.1, validationLoss: 1e-7, perplexity: 3))),
        .trainingFinished,
        .modelUploadStarted,
        .completed(model: odd),
        .failed(error: odd),
        .cancelled(reason: nil),
        .cancelled(reason: "force_restart"),
        .publicationStarted(trigger: .progressCheck),
        .publicationStarted(trigger: .explicit),
        .published,
        .publicationFailed(error: "no capacity"),
        .modelImportStarted(modelType: "bert", modelName: odd),
        .modelImported,
        .modelImportFailed(error: "bad"),
    ]

    @Test func everyTypeIsCovered() {
        #expect(Set(Self.events.map(\.type)) == Set(EventType.allCases))
    }

    @Test(arguments: events)
    func roundTrip(_ event: Event) throws {
        for at in [Timestamp(seconds: 1_700_000_000), Timestamp(seconds: 1_700_000_000, nanoseconds: 5), Timestamp(seconds: 0, nanoseconds: 120_000_000)] {
            let recorded = RecordedEvent(seq: 42, at: at, job: try JobID("a.B_c-1"), event: event)
            let line = recorded.jsonLine
            #expect(line.hasSuffix("\n"))
            #expect(line.dropLast().contains("\n") == false, "one event, one line")
            #expect(try RecordedEvent(jsonLine: line) == recorded)
            #expect(try RecordedEvent(jsonLine: line).jsonLine == line)
        }
    }

    /// Lines in the exact form JobLedger writes take a fast path; the same line with a space
    /// added takes the general one. Both must read the same event.
    @Test(arguments: events)
    func fastAndGeneralReadersAgree(_ event: Event) throws {
        for seq in [1, 9, 10, 12_345] {
            let recorded = RecordedEvent(seq: seq, at: Timestamp(seconds: 1_700_000_000, nanoseconds: 250_000_000), job: try JobID("job-7"), event: event)
            let line = recorded.jsonLine
            let spaced = "{ " + line.dropFirst()
            #expect(try RecordedEvent(jsonLine: line) == recorded)
            #expect(try RecordedEvent(jsonLine: spaced) == recorded)
        }
    }

    @Test(arguments: [
        // Near misses of the fast path: each must be read (or refused) like any other line.
        (#"{"seq":01,"at":"2026-11-22T10:00:00Z","job":"j-1","type":"queued"}"#, "field seq: leading zero in number at column 8"),
        (#"{"seq":1,"at":"2026-11-22T10:00:00Z","job":"j-1","type":"progressed","percent":040}"#, "field percent: leading zero in number at column 80"),
        (#"{"seq":1,"at":"2026-11-22T10:00:00Z","job":"j-1","type":"progressed","percent":1000}"#, "progressed: percent 1000 is outside 0…100"),
        (#"{"seq":1,"at":"2026-11-22T10:00:00Z","job":"j/1","type":"queued"}"#, #"invalid job id "j/1": character 2 is '/'; only A-Z a-z 0-9 . _ - are allowed"#),
        (#"{"seq":1,"at":"2026-11-22T10:00:00Z","job":"j-1","type":"created","origin":"web"}"#, #"origin must be "api" or "console", found "web""#),
        (#"{"seq":1,"at":"2026-11-22T10:00:00Z","job":"j-1","type":"completed","model":""}"#, "completed: model must not be empty"),
        (#"{"seq":1,"at":"2026-11-22T10:00:00Z","job":"j-1","type":"queued","epoch":null,"epoch":3}"#, "duplicate field epoch at column 79"),
    ])
    func nearMissesOfTheFastPath(_ line: String, _ message: String) {
        do {
            let event = try RecordedEvent(jsonLine: line)
            // Field rules beyond types are the fold's: apply it.
            _ = try JobState(RecordedEvent(seq: 1, at: event.at, job: event.job, event: event.event))
            Issue.record("accepted: \(line)")
        } catch {
            #expect(error.message == message)
        }
    }

    @Test func lineFormatMatchesTheSpec() throws {
        let line = #"{"seq":1,"at":"2026-11-22T10:00:00Z","job":"j-1","type":"created","origin":"api","task":"classification"}"#
        let event = try RecordedEvent(jsonLine: line)
        #expect(event == RecordedEvent(seq: 1, at: Timestamp(rfc3339: "2026-11-22T10:00:00Z")!, job: try JobID("j-1"), event: .created(Creation(origin: .api, task: "classification"))))
        #expect(event.jsonLine == line + "\n")
    }

    @Test func readsWhatOthersMayWrite() throws {
        // Keys in any order, whitespace, escapes, null for an absent optional, offsets in `at`.
        let line = #" { "type" : "progressed" , "percent" : 40, "epoch": null, "job":"j\u002d1", "at":"2026-11-22t12:00:00.5+02:00", "seq":3 } "#
        let event = try RecordedEvent(jsonLine: line)
        #expect(event.job.rawValue == "j-1")
        #expect(event.event == .progressed(percent: 40, epoch: nil))
        #expect(event.at == Timestamp(seconds: Timestamp(rfc3339: "2026-11-22T10:00:00Z")!.seconds, nanoseconds: 500_000_000))
        #expect(event.jsonLine == #"{"seq":3,"at":"2026-11-22T10:00:00.5Z","job":"j-1","type":"progressed","percent":40}"# + "\n")
    }

    @Test(arguments: [
        ("", "empty line"),
        ("not json", "invalid JSON at column 1: expected a JSON object"),
        ("[1]", "invalid JSON at column 1: expected a JSON object"),
        ("{}", "empty object, missing field seq"),
        (#"{"seq":1,"at":"2026-11-22T10:00:00Z","job":"j-1","type":"queued""#, "invalid JSON at column 65: expected ',' or '}' after a field"),
        (#"{"seq":1,"at":"2026-11-22T10:00:00Z","job":"j-1","type":"queued"} x"#, "invalid JSON at column 67: unexpected text after the object"),
        (#"{"seq":1,"at":"2026-11-22T10:00:00Z","job":"j-1"}"#, "missing field type"),
        (#"{"seq":1,"at":"2026-11-22T10:00:00Z","type":"queued"}"#, "missing field job"),
        (#"{"seq":"1","at":"2026-11-22T10:00:00Z","job":"j-1","type":"queued"}"#, "field seq must be an integer, found a string at column 8"),
        (#"{"seq":1.0,"at":"2026-11-22T10:00:00Z","job":"j-1","type":"queued"}"#, "field seq: expected an integer, found a fraction or exponent at column 8"),
        (#"{"seq":0,"at":"2026-11-22T10:00:00Z","job":"j-1","type":"queued"}"#, "seq 0 is not positive"),
        (#"{"seq":1,"seq":2,"at":"2026-11-22T10:00:00Z","job":"j-1","type":"queued"}"#, "duplicate field seq at column 10"),
        (#"{"seq":1,"at":"2026-11-22 10:00:00Z","job":"j-1","type":"queued"}"#, "field at is not RFC 3339: expected 'T' at character 11"),
        (#"{"seq":1,"at":"2026-02-30T10:00:00Z","job":"j-1","type":"queued"}"#, "field at is not RFC 3339: day 30 out of range for 2026-02"),
        (#"{"seq":1,"at":"2026-11-22T10:00:00","job":"j-1","type":"queued"}"#, "field at is not RFC 3339: too short for RFC 3339 (YYYY-MM-DDTHH:MM:SSZ)"),
        (#"{"seq":1,"at":"2026-11-22T10:00:00Z","job":"../x","type":"queued"}"#, #"invalid job id "../x": it starts with '.'"#),
        (#"{"seq":1,"at":"2026-11-22T10:00:00Z","job":"j-1","type":"launched"}"#, #"unknown event type "launched""#),
        (#"{"seq":1,"at":"2026-11-22T10:00:00Z","job":"j-1","type":"queued","percent":5}"#, "field percent is not a field of queued"),
        (#"{"seq":1,"at":"2026-11-22T10:00:00+00:00x","job":"j-1","type":"queued"}"#, "field at is not RFC 3339: unexpected text after the time zone"),
        (#"{"seq":1,"at":"2026-11-22T10:00:00Q","job":"j-1","type":"queued"}"#, "field at is not RFC 3339: expected 'Z' or an offset at character 20"),
        (#"{"seq":1,"at":"2026-11-22T10:00:00Z","job":"j-1","type":"queued","colour":5}"#, #"unknown field "colour" at column 66"#),
        (#"{"seq":1,"at":"2026-11-22T10:00:00Z","job":"j-1","type":"progressed"}"#, "progressed needs field percent"),
        (#"{"seq":1,"at":"2026-11-22T10:00:00Z","job":"j-1","type":"created","origin":"web"}"#, #"origin must be "api" or "console", found "web""#),
        (#"{"seq":1,"at":"2026-11-22T10:00:00Z","job":"j-1","type":"configured","config":[1]}"#, "field config must be an object, found an array at column 79"),
        (#"{"seq":1,"at":"2026-11-22T10:00:00Z","job":"j-1","type":"checkpointSaved","identifier":"c","epoch":1,"path":"p","metrics":{"trainLoss":1}}"#, "metrics needs validationLoss (trainLoss, validationLoss and perplexity, or no metrics)"),
        (#"{"seq":1,"at":"2026-11-22T10:00:00Z","job":"j-1","type":"failed","error":"\ud800"}"#, "field error: unpaired surrogate \\ud800 at column 75"),
        ("{\"seq\":1,\"at\":\"2026-11-22T10:00:00Z\",\"job\":\"j-1\",\"type\":\"failed\",\"error\":\"a\u{1}b\"}", "invalid JSON at column 76: control character 0x01 in string"),
    ])
    func malformedLines(_ line: String, _ message: String) {
        do {
            _ = try RecordedEvent(jsonLine: line)
            Issue.record("accepted: \(line)")
        } catch {
            #expect(error.code == .invalidEvent)
            #expect(error.message == message)
        }
    }

    @Test func deeplyNestedJSONIsRefusedNotACrash() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let line = #"{"seq":1,"at":"2026-11-22T10:00:00Z","job":"j-1","type":"configured","config":{"x":"# + deep + "}}"
        let error = try? #require(throws: JobLedgerError.self) { try RecordedEvent(jsonLine: line) }
        #expect(error?.message.contains("nesting deeper than 128") == true)
    }

    /// The writer's commas: one between the elements of every container at every depth (below
    /// and past 64), one after a closed container that has a sibling, none after a key, none
    /// inside an empty container. The expected text is built here, without the writer.
    @Test func writerPutsOneCommaBetweenElementsAtEveryDepth() throws {
        func tree(_ depth: Int) -> JSONValue {
            guard depth > 0 else { return ["leaf": 7] }
            let inner = tree(depth - 1)
            return depth % 2 == 0 ? ["a": 1, "b": inner, "c": [:], "d": [inner.isObject ? 2 : 3]] : [[], inner, "x", [1, 2]]
        }
        func text(_ value: JSONValue) -> String {
            switch value {
            case .int(let int): "\(int)"
            case .string(let string): "\"\(string)\""
            case .array(let elements): "[" + elements.map(text).joined(separator: ",") + "]"
            case .object(let object): "{" + object.entries.map { "\"\($0.key)\":" + text($0.value) }.joined(separator: ",") + "}"
            default: "unexpected"
            }
        }
        for depth in [0, 1, 2, 63, 64, 65, 66, 130] {
            let value = tree(depth)
            #expect(value.description == text(value), "depth \(depth)")
        }
        let readable = tree(100)
        #expect(try JSONValue(parsing: readable.description) == readable)
    }

    /// The writer's integers (written two digits at a time) are Swift's decimal text: every
    /// value up to 10,000 and its negation, powers of ten and their neighbours, the extremes.
    @Test func writerWritesIntegersAsSwiftDoes() {
        var values = Array(-10_000...10_000) + [Int.max, Int.min, Int.max - 1, Int.min + 1]
        var power = 1
        while power <= Int.max / 10 {
            power *= 10
            values += [power - 1, power, power + 1, -power + 1, -power, -power - 1]
        }
        let wrong = values.filter { JSONValue.int($0).description != String($0) }
        #expect(wrong.isEmpty, "\(wrong.prefix(10))")
    }
}

extension JSONValue {
    fileprivate var isObject: Bool { if case .object = self { true } else { false } }
}

@Suite struct TimestampTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00Z", 0, 0), ("2023-11-14T22:13:20Z", 1_700_000_000, 0),
        ("2026-11-22T10:00:00.5Z", 1_795_341_600, 500_000_000), ("2000-02-29T23:59:59.999999999Z", 951_868_799, 999_999_999),
        ("1969-12-31T23:59:59Z", -1, 0), ("0000-01-01T00:00:00Z", -62_167_219_200, 0), ("9999-12-31T23:59:59Z", 253_402_300_799, 0),
        ("2026-11-22T12:00:00+02:00", 1_795_341_600, 0), ("2026-11-22T05:30:00-04:30", 1_795_341_600, 0),
    ])
    func parsesAndFormats(_ text: String, _ seconds: Int64, _ nanos: Int64) throws {
        let stamp = try #require(Timestamp(rfc3339: text))
        #expect(stamp == Timestamp(seconds: seconds, nanoseconds: nanos))
        #expect(Timestamp(rfc3339: stamp.rfc3339) == stamp)
        if text.hasSuffix("Z") { #expect(stamp.rfc3339 == text) }
    }

    @Test(arguments: ["", "2026-11-22", "2026-13-01T00:00:00Z", "2026-11-31T00:00:00Z", "2026-11-22T24:00:00Z", "2026-11-22T10:60:00Z",
                      "2026-11-22T10:00:60Z", "2026-11-22T10:00:00.Z", "2026-11-22T10:00:00.1234567890Z", "2026-11-22T10:00:00+2:00",
                      "2026-11-22T10:00:00Zjunk", "2100-02-29T00:00:00Z", "+2026-11-22T10:00:00Z"])
    func refuses(_ text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    /// A reader keeps the last minute it read; with that cache warm, every time reads — or is
    /// refused, in the same words — as with a cold one.
    @Test(arguments: ["2026-11-22T10:00:07Z", "2026-11-22T10:00:59Z", "2026-11-22T10:00:60Z", "2026-11-22T10:00:6xZ",
                      "2026-11-22T10:00:07z", "2026-11-22T10:00:07.25Z", "2026-11-22T10:00:07+01:00", "2026-11-22T10:00:07",
                      "2026-11-22T10:00-07Z", "2026-11-22T10:01:00Z", "2026-11-23T10:00:00Z", "2026-11-22T10:00:07Zjunk"])
    func aWarmMinuteCacheReadsAsACold(_ text: String) {
        func read(_ cache: inout Timestamp.MinuteCache) -> String {
            var bytes = Array(text.utf8)
            return bytes.withUnsafeMutableBufferPointer { buffer in
                do throws(Timestamp.ParseError) {
                    let (time, length) = try Timestamp.read(buffer.baseAddress!, count: buffer.count, cache: &cache)
                    return "\(time.rfc3339) \(length)"
                } catch {
                    return error.message
                }
            }
        }
        var cold = Timestamp.MinuteCache()
        var warm = Timestamp.MinuteCache()
        var first = Array("2026-11-22T10:00:00Z".utf8)
        _ = first.withUnsafeMutableBufferPointer { try? Timestamp.read($0.baseAddress!, count: $0.count, cache: &warm) }
        #expect(warm.seconds != 0)
        #expect(read(&warm) == read(&cold))
    }

    @Test func orderAndUnixSeconds() {
        #expect(Timestamp(seconds: 5, nanoseconds: 1) > Timestamp(seconds: 5))
        #expect(Timestamp(seconds: -1, nanoseconds: 500_000_000).unixSeconds == -1)
        #expect(Timestamp(seconds: 0, nanoseconds: -1) == Timestamp(seconds: -1, nanoseconds: 999_999_999))
    }
}

@Suite struct JSONTests {
    @Test(arguments: [
        "null", "true", "false", "0", "-0", "12", "-9007199254740993", "1.5", "-2.5e-3", "1E+2", #""""#, #""\u00e9\ud83d\ude80""#,
        "[]", "{}", #"{"a":[1,{"b":null}],"c":"d"}"#, "123456789012345678901234567890",
    ])
    func parsesValidJSON(_ text: String) throws {
        let value = try JSONValue(parsing: text)
        #expect(try JSONValue(parsing: value.description) == value)
    }

    @Test(arguments: ["", "nul", "01", "1.", ".5", "1e", "--1", "+1", "[1,]", "{\"a\"}", "{\"a\":1,}", "{\"a\":1,\"a\":2}", "\"\\x\"", "[1] 2", "1e999"])
    func refusesInvalidJSON(_ text: String) {
        #expect(throws: JobLedgerError.self) { try JSONValue(parsing: text) }
    }

    @Test func objectsCompareWithoutOrderButKeepIt() throws {
        let a = try JSONValue(parsing: #"{"x":1,"y":2}"#)
        let b = try JSONValue(parsing: #"{"y":2,"x":1}"#)
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(b.description == #"{"y":2,"x":1}"#)
    }

    @Test func numbersKeepTheirKind() throws {
        #expect(try JSONValue(parsing: "3") == .int(3))
        #expect(try JSONValue(parsing: "3.0") == .double(3))
        #expect(JSONValue.double(3).description == "3.0")
        #expect(JSONValue.double(.infinity).description == "null")
    }

    @Test func commandLineValues() {
        #expect(JSONValue(commandLineValue: "40") == .int(40))
        #expect(JSONValue(commandLineValue: "api") == .string("api"))
        #expect(JSONValue(commandLineValue: #"{"epochs":3}"#) == ["epochs": 3])
        #expect(JSONValue(commandLineValue: #""42""#) == .string("42"))
    }
}
