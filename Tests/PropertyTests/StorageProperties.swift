import Foundation
import JobLedger
import Testing

/// Properties of the log on disk: the codec round-trips any event, job ids are checked as SPEC
/// says, a log cut at any byte recovers to the prefix of its whole lines, and a damaged byte is
/// reported with its line without changing anything.
@Suite("Storage properties")
struct StorageProperties {
    // MARK: Codec

    /// The JSON object SPEC 3 says a line holds, built from the events table's field names (not
    /// from the library's writer).
    static func expectedJSON(_ recorded: RecordedEvent) -> J {
        var object: [String: J] = [
            "seq": .int(recorded.seq), "at": .string(ModelJob.rfc3339(recorded.at)), "job": .string(recorded.job.rawValue),
            "type": .string(recorded.event.type.rawValue),
        ]
        func optional(_ key: String, _ value: String?) { if let value { object[key] = .string(value) } }
        switch recorded.event {
        case .created(let creation):
            object["origin"] = .string(creation.origin.rawValue)
            optional("name", creation.name)
            optional("task", creation.task)
            optional("model", creation.model)
            optional("trainingFile", creation.trainingFile)
            optional("validationFile", creation.validationFile)
            if let hyperparameters = creation.hyperparameters { object["hyperparameters"] = J(hyperparameters) }
        case .configured(let config): object["config"] = J(config)
        case .datasetUploadStarted(let files): if let files { object["files"] = .array(files.map(J.string)) }
        case .trainingStarted(let resources): if let resources { object["resources"] = J(resources) }
        case .progressed(let percent, let epoch):
            object["percent"] = .int(percent)
            if let epoch { object["epoch"] = .int(epoch) }
        case .checkpointSaved(let checkpoint):
            object["identifier"] = .string(checkpoint.identifier)
            object["epoch"] = .int(checkpoint.epoch)
            object["path"] = .string(checkpoint.path)
            if let metrics = checkpoint.metrics {
                object["metrics"] = .object([
                    "trainLoss": .number(metrics.trainLoss), "validationLoss": .number(metrics.validationLoss),
                    "perplexity": .number(metrics.perplexity),
                ])
            }
        case .completed(let model): object["model"] = .string(model)
        case .failed(let error), .publicationFailed(let error), .modelImportFailed(let error): object["error"] = .string(error)
        case .cancelled(let reason): optional("reason", reason)
        case .publicationStarted(let trigger): object["trigger"] = .string(trigger.rawValue)
        case .modelImportStarted(let type, let name):
            object["modelType"] = .string(type)
            object["modelName"] = .string(name)
        case .queued, .dataProcessingStarted, .dataProcessed, .trainingFinished, .modelUploadStarted, .published, .modelImported:
            break
        }
        return .object(object)
    }

    /// An event as a reader may meet it: same members, another order, whitespace between tokens.
    struct Reordered {
        var recorded: RecordedEvent
        var order: UInt64
    }

    @Test("Codec round trip: any event, odd strings included, encodes and decodes to itself")
    func codecRoundTrip() {
        let property = Property<Reordered>(
            name: "codec round trip", cases: 1500,
            generate: { gen in
                let job = gen.chance(0.5) ? gen.pick(propertyJobs) : gen.jobID()
                let recorded = RecordedEvent(
                    seq: gen.chance(0.2) ? gen.int(1...Int.max) : gen.int(1...10_000), at: gen.anyTime(), job: jobID(job),
                    event: gen.event(gen.pick(EventType.allCases), fieldFaults: 0))
                return Reordered(recorded: recorded, order: gen.next())
            },
            shrink: { input in
                simplerEvents(input.recorded.event).map { event in
                    var simpler = input
                    simpler.recorded.event = event
                    return simpler
                }
            },
            render: { input in Rendering(notes: ["the event as the library writes it"], log: input.recorded.jsonLine) },
            check: { input in
                let recorded = input.recorded
                let line = recorded.jsonLine
                guard line.hasSuffix("\n"), line.utf8.filter({ $0 == 0x0A }).count == 1 else { return "not exactly one line" }
                do {
                    guard try RecordedEvent(jsonLine: line) == recorded else { return "decoding the line gives another event" }
                } catch { return "the library cannot read its own line: \(error)" }
                let parsed: J
                do { parsed = try J.parse(line) } catch { return "the line is not JSON: \(error)" }
                if let difference = J.difference(parsed, Self.expectedJSON(recorded)) {
                    return "the line is not SPEC 3's object (written vs expected): \(difference)"
                }
                var gen = Gen(seed: input.order)
                let reordered = Self.reorder(line, &gen)
                do {
                    guard try RecordedEvent(jsonLine: reordered) == recorded else { return "reordered, it reads as another event: \(reordered)" }
                } catch { return "the library cannot read the same members reordered with whitespace: \(error): \(reordered)" }
                return nil
            })
        PropertyRunner.run(property)
    }

    /// The line's top-level members in a random order, with random whitespace around tokens.
    static func reorder(_ line: String, _ gen: inout Gen) -> String {
        var members = J.members(of: line.trimmingCharacters(in: .newlines)) ?? []
        for index in members.indices.reversed() { members.swapAt(index, gen.int(0...index)) }
        func space() -> String { gen.pick(["", " ", "\t", "  ", "\r\n "]) }
        return "{" + space() + members.map { "\($0.key)\(space()):\(space())\($0.value)" }.joined(separator: space() + "," + space())
            + space() + "}"
    }

    // MARK: Job ids

    @Test("Job ids: 1 to 128 of A-Z a-z 0-9 . _ -, not starting with a dot")
    func jobIDs() {
        let property = Property<String>(
            name: "job ids", cases: 2000,
            generate: { gen in gen.chance(0.5) ? gen.jobID() : gen.anyJobIDText() },
            shrink: { text in text.isEmpty ? [] : [String(text.dropFirst()), String(text.dropLast())] },
            render: { Rendering(notes: ["job id text: \(J.string($0))"]) },
            check: { text in
                let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-".unicodeScalars)
                let valid = (1...128).contains(text.unicodeScalars.count) && !text.hasPrefix(".")
                    && text.unicodeScalars.allSatisfy(allowed.contains)
                let accepted = JobID(validating: text) != nil
                if valid != accepted { return "\(J.string(text)) is \(valid ? "valid" : "invalid") but the library \(accepted ? "accepts" : "refuses") it" }
                if !valid {
                    do throws(JobLedgerError) {
                        _ = try JobID(text)
                        return "JobID(_:) did not throw"
                    } catch {
                        if error.code != .invalidJobID { return "refused with \(error.code), not invalid_job_id" }
                    }
                }
                return nil
            })
        PropertyRunner.run(property)
    }

    // MARK: Crashes

    /// A legal log and where a crash cut it.
    struct Cut {
        var events: [RecordedEvent]
        var fraction: Double
    }

    @Test("A log cut at a random byte opens to the prefix of its whole lines, the rest in .torn")
    func cutLogsRecoverToAPrefix() {
        let property = Property<Cut>(
            name: "a cut log recovers to a prefix", cases: 200,
            generate: { gen in
                Cut(events: gen.legalLog(job: gen.pick(propertyJobs), length: gen.int(1...25)).events, fraction: Double(gen.int(0...1000)) / 1000)
            },
            shrink: { cut in shrinkLegalLog(cut.events).map { Cut(events: $0, fraction: cut.fraction) } },
            size: { $0.events.count },
            render: { cut in
                var rendering = renderLog(cut.events)
                let bytes = Array(jsonLines(cut.events).utf8)
                rendering.notes.append("cut after byte \(Int(Double(bytes.count) * cut.fraction)) of \(bytes.count)")
                return rendering
            },
            check: { cut in
                let bytes = Array(jsonLines(cut.events).utf8)
                let length = Int(Double(bytes.count) * cut.fraction)
                let kept = Array(bytes[..<length])
                let whole = kept.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
                let lines = kept[..<whole].filter { $0 == 0x0A }.count
                let directory = ScratchDirectory()
                defer { directory.remove() }
                let job = cut.events[0].job
                _ = FileManager.default.createFile(atPath: directory.file(job.fileName), contents: Data(kept))
                // Read-only replay ignores the torn tail and changes nothing.
                var replayed: [JobState] = []
                var problems: [JobLedgerError] = []
                var torn: [TornWrite] = []
                Replay().run([directory.path], emit: { replayed.append($0) }, reject: { problems.append($0) }, torn: { torn.append($0) })
                guard problems.isEmpty else { return "replay reported \(problems)" }
                guard directory.bytes(job.fileName) == kept else { return "read-only replay changed the file" }
                guard torn.count == (whole < length ? 1 : 0) else { return "replay reported \(torn.count) torn tails" }
                let expected = lines == 0 ? nil : try? JobState.fold(cut.events.prefix(lines))
                guard replayed.first == expected else { return "replay folded another state than the first \(lines) events" }
                // Opening for writing moves the torn tail aside.
                let ledger = Ledger(store: try! DirectoryStore(directory: directory.path, durability: .none))
                let events = (try? ledger.events(of: job)) ?? []
                guard events == Array(cut.events.prefix(lines)) else { return "the store opened \(events.count) events, expected \(lines)" }
                guard directory.bytes(job.fileName) ?? [] == Array(kept[..<whole]) else { return "the log is not its whole lines" }
                let tornBytes = directory.bytes(job.fileName + ".torn")
                if whole < length {
                    guard tornBytes == Array(kept[whole...]) + [0x0A] else { return ".torn does not hold the cut line" }
                } else if tornBytes != nil {
                    return "a .torn file without a torn line"
                }
                // And the log goes on.
                if lines > 0 && lines < cut.events.count {
                    let lost = cut.events[lines]
                    guard let next = try? ledger.append(lost.event, to: job, at: lost.at) else {
                        return "the recovered log does not take the event the cut lost again"
                    }
                    guard next == lost else { return "the event appended again got seq \(next.seq), expected \(lines + 1)" }
                }
                return nil
            })
        PropertyRunner.run(property)
    }

    /// A legal log and a byte to damage.
    struct Damage {
        var events: [RecordedEvent]
        var position: Double
        var byte: UInt8
    }

    @Test("A damaged byte is reported with its line, or reads as a legal log; nothing is changed")
    func damagedBytesAreReported() {
        let property = Property<Damage>(
            name: "a damaged byte is reported with its line", cases: 400,
            generate: { gen in
                Damage(
                    events: gen.legalLog(job: gen.pick(propertyJobs), length: gen.int(2...20)).events,
                    position: Double(gen.int(0...999)) / 1000,
                    byte: gen.pick([0x00, 0x0A, 0x22, 0x5C, 0x7B, 0x7D, 0x2C, 0x3A, 0x31, 0x61, 0xFF, 0xC3, UInt8(gen.int(0...255))]))
            },
            shrink: { damage in
                shrinkLegalLog(damage.events).filter { $0.count >= 2 }.map { Damage(events: $0, position: damage.position, byte: damage.byte) }
            },
            size: { $0.events.count },
            render: { damage in
                var rendering = renderLog(damage.events)
                rendering.notes.append("then byte \(damage.byte) written at \(Int(damage.position * 100))% of the lines before the last")
                return rendering
            },
            check: { damage in
                var bytes = Array(jsonLines(damage.events).utf8)
                // Not in the last line: a damaged last line may look torn, which is recovery, not damage.
                let lastLineStart = bytes.dropLast().lastIndex(of: 0x0A)! + 1
                let position = Int(Double(lastLineStart - 1) * damage.position)
                guard bytes[position] != damage.byte else { return nil }
                bytes[position] = damage.byte
                let damagedLine = bytes[..<position].filter { $0 == 0x0A }.count + 1
                let directory = ScratchDirectory()
                defer { directory.remove() }
                let job = damage.events[0].job
                _ = FileManager.default.createFile(atPath: directory.file(job.fileName), contents: Data(bytes))
                let ledger = Ledger(store: try! DirectoryStore(directory: directory.path, durability: .none))
                do throws(JobLedgerError) {
                    let events = try ledger.events(of: job)
                    // Still well-formed (a letter in a string, a digit in a time): then it is a legal log.
                    guard (try? JobState.fold(events)) != nil else { return "the store read a log that does not fold" }
                } catch {
                    guard let line = error.line, line <= damagedLine + 1, line >= 1 else {
                        return "the error names line \(error.line.map(String.init) ?? "none"), the damage is on line \(damagedLine): \(error)"
                    }
                    guard error.file != nil else { return "the error names no file: \(error)" }
                }
                guard directory.bytes(job.fileName) == bytes else { return "opening the damaged log changed it" }
                return nil
            })
        PropertyRunner.run(property)
    }
}

extension Gen {
    /// A valid job id: 1 to 128 of the allowed characters, not starting with a dot.
    mutating func jobID() -> String {
        let first = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
        let rest = first + ["."]
        let count = chance(0.1) ? 128 : int(1...20)
        return String(pick(first)) + String((1..<count).map { _ in pick(rest) })
    }

    /// Job id text that is often invalid: empty, too long, a leading dot, a slash, a space, non-ASCII.
    mutating func anyJobIDText() -> String {
        let pieces = ["a", "Z", "9", ".", "_", "-", "/", "..", " ", "é", "\u{0}", "\n", "j-1", "💥", ":", "*"]
        switch int(0...4) {
        case 0: return ""
        case 1: return String(repeating: "a", count: int(127...130))
        default: return (0..<int(1...6)).map { _ in pick(pieces) }.joined()
        }
    }
}

extension J {
    /// The raw text of each top-level member of a JSON object: `("\"key\"", "value text")`.
    static func members(of text: String) -> [(key: String, value: String)]? {
        let bytes = Array(text.utf8)
        var index = 1
        var members: [(key: String, value: String)] = []
        // Walk the object with a depth counter and string awareness, cutting at top-level , and :.
        var depth = 0
        var inString = false
        var escaped = false
        var start = 1
        var key = ""
        while index < bytes.count {
            let byte = bytes[index]
            if inString {
                if escaped { escaped = false } else if byte == 0x5C { escaped = true } else if byte == 0x22 { inString = false }
            } else {
                switch byte {
                case 0x22: inString = true
                case 0x7B, 0x5B: depth += 1
                case 0x7D, 0x5D:
                    if depth == 0 {
                        members.append((key, String(decoding: bytes[start..<index], as: UTF8.self)))
                        return members
                    }
                    depth -= 1
                case 0x3A where depth == 0:
                    key = String(decoding: bytes[start..<index], as: UTF8.self)
                    start = index + 1
                case 0x2C where depth == 0:
                    members.append((key, String(decoding: bytes[start..<index], as: UTF8.self)))
                    start = index + 1
                default: break
                }
            }
            index += 1
        }
        return nil
    }
}
