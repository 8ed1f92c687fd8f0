import Foundation
import JobLedger
import Testing

/// Properties of inputs as the world writes them (the hostile-inputs issue): exports whose lines
/// are formatted every which way, events with values at and past the log's limits, and appends
/// cut short by a crash.
@Suite("Hostile-input properties")
struct HostileInputProperties {
    // MARK: Exports in any format

    /// Several jobs' logs, maybe each ending in an illegal event, and how to format the export.
    struct Export {
        var logs: [[RecordedEvent]]
        var seed: UInt64
    }

    /// A string token's characters written as `\u` escapes at random (`"seq"` → `"s\u0065q"`).
    static func escaping(_ text: String, _ gen: inout Gen) -> String {
        var out = ""
        var inString = false
        var copyVerbatim = 0  // the rest of an escape already in the text
        for scalar in text.unicodeScalars {
            if inString {
                if copyVerbatim > 0 {
                    copyVerbatim -= 1
                    if copyVerbatim == 0 && scalar == "u" { copyVerbatim = 4 }  // \uXXXX: four more
                    out.unicodeScalars.append(scalar)
                    continue
                }
                if scalar == "\\" {
                    copyVerbatim = 1
                    out.unicodeScalars.append(scalar)
                    continue
                }
                if scalar == "\"" {
                    inString = false
                    out.unicodeScalars.append(scalar)
                    continue
                }
                if scalar.value < 0x10000, gen.chance(0.3) {
                    let hex = String(scalar.value, radix: 16, uppercase: gen.chance(0.5))
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            } else {
                if scalar == "\"" { inString = true }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// One line formatted the way another writer might: members reordered, whitespace around
    /// tokens, `\u` escapes in keys and values.
    static func reformatted(_ event: RecordedEvent, _ gen: inout Gen) -> String {
        // JSON strings hold no raw newline, so a newline here is whitespace between tokens: a
        // line of an export keeps it a carriage return.
        var line = StorageProperties.reorder(event.jsonLine, &gen).replacingOccurrences(of: "\n", with: "\r")
        if gen.chance(0.7) { line = escaping(line, &gen) }
        return line + (gen.chance(0.3) ? " " : "")
    }

    @Test("The same jobs as per-job files and as one interleaved export in any format replay the same")
    func exportsInAnyFormat() {
        let property = Property<Export>(
            name: "interleaved reformatted export", cases: 250,
            generate: { gen in
                let count = gen.int(1...4)
                var logs: [[RecordedEvent]] = []
                for index in 0..<count {
                    let job = "job-\(index)" + (gen.chance(0.5) ? "" : ".x_\(gen.int(0...99))")
                    var (events, model) = gen.legalLog(job: job, length: gen.int(1...14))
                    if gen.chance(0.4) {
                        // One more event of any type: often illegal, so both must name it.
                        let type = gen.pick(EventType.allCases)
                        let event = gen.event(type, model: model, fieldFaults: 0)
                        events.append(
                            RecordedEvent(seq: events.count + 1, at: gen.time(after: events.last?.at), job: jobID(job), event: event))
                        _ = try? model.append(event, at: events.last!.at)
                    }
                    logs.append(events)
                }
                return Export(logs: logs, seed: gen.next())
            },
            shrink: { export in
                var smaller: [Export] = []
                for index in export.logs.indices where export.logs.count > 1 {
                    var fewer = export
                    fewer.logs.remove(at: index)
                    smaller.append(fewer)
                }
                return smaller
            },
            size: { $0.logs.map(\.count).reduce(0, +) },
            render: { export in renderLog(export.logs.flatMap { $0 }) },
            check: { export in
                let directory = ScratchDirectory()
                defer { directory.remove() }
                let perJob = directory.path + "/per-job"
                let exported = directory.path + "/export"
                try! FileManager.default.createDirectory(atPath: perJob, withIntermediateDirectories: true)
                try! FileManager.default.createDirectory(atPath: exported, withIntermediateDirectories: true)
                for log in export.logs {
                    _ = FileManager.default.createFile(atPath: perJob + "/" + log[0].job.fileName, contents: Data(jsonLines(log).utf8))
                }
                // Interleave: take the next line of a random job, keeping each job's order.
                var gen = Gen(seed: export.seed)
                var cursors = export.logs.map { _ in 0 }
                var text = ""
                while true {
                    let open = cursors.indices.filter { cursors[$0] < export.logs[$0].count }
                    guard !open.isEmpty else { break }
                    let index = gen.pick(open)
                    text += Self.reformatted(export.logs[index][cursors[index]], &gen) + "\n"
                    cursors[index] += 1
                }
                _ = FileManager.default.createFile(atPath: exported + "/all.txt.jsonl", contents: Data(text.utf8))

                func replay(_ path: String) -> (states: [String: JobState], problems: [String: String]) {
                    var states: [String: JobState] = [:]
                    var problems: [String: String] = [:]
                    Replay().run(
                        [path], emit: { states[$0.job.rawValue] = $0 },
                        reject: { problems[$0.job ?? "?"] = "\($0.code): \($0.message)" })
                    return (states, problems)
                }
                let a = replay(perJob)
                let b = replay(exported)
                for (job, state) in a.states where b.states[job] != nil && b.states[job] != state {
                    var left = ""
                    var right = ""
                    dump(state, to: &left)
                    dump(b.states[job]!, to: &right)
                    let l = left.split(separator: "\n")
                    let r = right.split(separator: "\n")
                    let differing = zip(l, r).filter { $0 != $1 }.prefix(3).map { "\($0) ≠ \($1)" }
                    return "job \(job): \(differing)"
                }
                for (job, state) in a.states where b.states[job] != nil && b.states[job] != state {
                    return "job \(job) replays from its own file to \(ProjectionLine(state).json) and from the export to \(ProjectionLine(b.states[job]!).json) (\(state) vs \(b.states[job]!))"
                }
                if a.states != b.states {
                    return "per-job files replay to \(a.states.keys.sorted()) and the export to \(b.states.keys.sorted()), or other states; problems \(a.problems) vs \(b.problems)"
                }
                if a.problems != b.problems {
                    return "per-job files name \(a.problems) and the export \(b.problems)"
                }
                // On several threads, the export split between them — into ranges (jobs crossing
                // a range's edge carried on) and by job id (every line decided by its job) — the
                // same calls in the same order.
                for path in [perJob, exported] {
                    let one = Self.transcript(path, threads: 1)
                    for threads in [2, 3] {
                        for byRange in [true, false] where Self.transcript(path, threads: threads, byRange: byRange) != one {
                            let many = Self.transcript(path, threads: threads, byRange: byRange)
                            return "\(path) replays differently on \(threads) threads (split by range: \(byRange)): \(many) vs \(one)"
                        }
                    }
                }
                return nil
            })
        PropertyRunner.run(property)
    }

    /// Every call a replay of `path` makes, in order, on `threads` threads; files of any size split.
    static func transcript(_ path: String, threads: Int, byRange: Bool? = nil) -> [String] {
        var calls: [String] = []
        var replay = Replay(threads: threads)
        replay.splitSize = 0
        replay.splitByRange = byRange
        let summary = replay.run(
            [path], emit: { calls.append("emit \($0)") }, reject: { calls.append("reject \($0)") },
            torn: { calls.append("torn \($0)") })
        calls.append("\(summary)")
        return calls
    }

    // MARK: What the writer accepts, the reader reads

    /// An event with values at and past the log's limits, for a job in a known state.
    struct Extreme {
        var setup: [RecordedEvent]
        var pending: PendingEvent
    }

    /// A JSON value nested `depth` containers deep.
    static func nested(_ depth: Int) -> JSONValue {
        var value: JSONValue = 1
        for level in 0..<depth { value = level % 2 == 0 ? ["k": value] : [value] }
        return value
    }

    @Test("Every event the store acknowledges reads back equal; every refused one leaves the log unchanged")
    func acceptedEventsReadBack() {
        let property = Property<Extreme>(
            name: "accepted events read back", cases: 300,
            generate: { gen in
                let (setup, model) = gen.legalLog(job: "x-1", length: gen.int(1...8))
                let type = model.seq > 0 && !model.legalTypes.isEmpty ? gen.pick(model.legalTypes) : EventType.failed
                var event = gen.event(type, model: model, fieldFaults: 0)
                let extremeObject: JSONObject = [
                    "v": gen.pick([
                        Self.nested(gen.int(120...135)), .double(.nan), .double(.infinity), .double(-.infinity),
                        .double(.leastNonzeroMagnitude), .double(.greatestFiniteMagnitude), .int(.min), .int(.max),
                        .string(String(repeating: "\u{0}\u{2028}\\\"", count: gen.int(0...50))),
                    ])
                ]
                switch event {
                case .configured: event = .configured(config: extremeObject)
                case .trainingStarted: event = .trainingStarted(resources: extremeObject)
                case .checkpointSaved(var checkpoint):
                    checkpoint.metrics = TrainingMetrics(
                        trainLoss: gen.pick([.nan, .infinity, 0.5, -0.0, .leastNormalMagnitude]), validationLoss: 1, perplexity: 2)
                    event = .checkpointSaved(checkpoint)
                default: break
                }
                let last = setup.last!.at
                let at = gen.pick([
                    Timestamp(seconds: Int64.max), Timestamp(seconds: Int64.min), Timestamp(seconds: 253_402_300_799, nanoseconds: 999_999_999),
                    Timestamp(seconds: 253_402_300_800), Timestamp(seconds: last.seconds + Int64(gen.int(0...1000))),
                    Timestamp(seconds: Int64.max, nanoseconds: Int64.max), last,
                ])
                return Extreme(setup: setup, pending: PendingEvent(event, at: at))
            },
            render: { input in
                var rendering = renderLog(input.setup)
                rendering.notes.append("then append \(input.pending.event) at \(input.pending.at.seconds)s")
                return rendering
            },
            check: { input in
                let directory = ScratchDirectory()
                defer { directory.remove() }
                let job = input.setup[0].job
                _ = FileManager.default.createFile(atPath: directory.file(job.fileName), contents: Data(jsonLines(input.setup).utf8))
                let before = directory.bytes(job.fileName)
                let ledger = Ledger(store: try! DirectoryStore(directory: directory.path, durability: .none))
                let appended: RecordedEvent
                do {
                    appended = try ledger.append(input.pending.event, to: job, at: input.pending.at)
                } catch let error as JobLedgerError {
                    guard directory.bytes(job.fileName) == before else { return "refused (\(error)) but the log changed" }
                    if error.code == .io { return "refused with an io_error: \(error)" }
                    return nil
                } catch {
                    return "an error that is not a JobLedgerError: \(error)"
                }
                // A fresh store (and a fresh replay) reads exactly what was acknowledged.
                let fresh = Ledger(store: try! DirectoryStore(directory: directory.path, durability: .none))
                do {
                    let events = try fresh.events(of: job)
                    guard events.last == appended, events.count == input.setup.count + 1 else {
                        return "acknowledged \(appended.jsonLine) but read back \(events.last?.jsonLine ?? "nothing")"
                    }
                } catch {
                    return "acknowledged \(appended.jsonLine) but the log no longer reads: \(error)"
                }
                var problems: [JobLedgerError] = []
                Replay().run([directory.path], emit: { _ in }, reject: { problems.append($0) })
                return problems.isEmpty ? nil : "replay refuses the acknowledged log: \(problems)"
            })
        PropertyRunner.run(property)
    }

    // MARK: Appends cut by a crash

    struct CutBatch {
        var events: [RecordedEvent]
        /// How many of `events` were there before the batch.
        var before: Int
        var fraction: Double
    }

    @Test("A batch cut anywhere by a crash recovers to all of it or none of it")
    func cutBatchesAreAllOrNothing() {
        let property = Property<CutBatch>(
            name: "a cut batch is all or nothing", cases: 200,
            generate: { gen in
                let events = gen.legalLog(job: gen.pick(propertyJobs), length: gen.int(3...20)).events
                return CutBatch(
                    events: events, before: gen.int(1...(events.count - 1)), fraction: Double(gen.int(0...1000)) / 1000)
            },
            size: { $0.events.count },
            render: { cut in
                var rendering = renderLog(cut.events)
                rendering.notes.append("the first \(cut.before) events, then the rest as one batch cut at \(cut.fraction) of it")
                return rendering
            },
            check: { cut in
                let directory = ScratchDirectory()
                defer { directory.remove() }
                let job = cut.events[0].job
                let store = try! DirectoryStore(directory: directory.path, durability: .none)
                let ledger = Ledger(store: store)
                do {
                    try ledger.append(
                        contentsOf: cut.events.prefix(cut.before).map { PendingEvent($0.event, at: $0.at) }, to: job)
                } catch { return "the first part was refused: \(error)" }
                let start = directory.bytes(job.fileName)!
                do {
                    try ledger.append(contentsOf: cut.events.dropFirst(cut.before).map { PendingEvent($0.event, at: $0.at) }, to: job)
                } catch { return "the batch was refused: \(error)" }
                let whole = directory.bytes(job.fileName)!
                let length = start.count + Int(Double(whole.count - start.count) * cut.fraction)
                _ = FileManager.default.createFile(atPath: directory.file(job.fileName), contents: Data(whole[..<length]))
                let fresh = Ledger(store: try! DirectoryStore(directory: directory.path, durability: .none))
                let events = (try? fresh.events(of: job)) ?? []
                let expected = length == whole.count ? cut.events.count : cut.before
                guard events == Array(cut.events.prefix(expected)) else {
                    return "cut at byte \(length) of \(whole.count): recovered \(events.count) events, expected \(expected)"
                }
                guard directory.bytes(job.fileName) == (length == whole.count ? whole : start) else {
                    return "the recovered log is not the log before or after the batch"
                }
                return nil
            })
        PropertyRunner.run(property)
    }
}
