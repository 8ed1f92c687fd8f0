import Foundation
import JobLedger
import Testing

/// The stateful, model-based test: random programs of appends (any type, legal or not, any field
/// values), progress checks, reads, list pages and restarts run against an in-memory ledger, a
/// directory ledger and the reference model; after every step, accepted or rejected, the answers,
/// every projection of every job and the stored logs must agree, and a rejected step must leave
/// every log file byte for byte as it was.
@Suite("Model-based: the ledger agrees with the reference model")
struct ModelBasedTests {
    /// One ledger under test.
    final class Subject {
        let name: String
        let directory: ScratchDirectory?
        private(set) var ledger: Ledger

        init(inMemory: Void) {
            name = "in-memory"
            directory = nil
            ledger = .inMemory()
        }

        init(directory: ScratchDirectory) {
            name = "directory"
            self.directory = directory
            ledger = Ledger(store: try! DirectoryStore(directory: directory.path, durability: .none))
        }

        func reopen() {
            guard let directory else { return }
            ledger = Ledger(store: try! DirectoryStore(directory: directory.path, durability: .none))
        }

        /// Every job's log file, for byte-for-byte comparisons.
        func files() -> [String: [UInt8]] {
            guard let directory else { return [:] }
            var files: [String: [UInt8]] = [:]
            for job in propertyJobs { files[job] = directory.bytes(job + ".jsonl") }
            return files
        }

        /// Runs a command: the answer to compare (if any) or the error.
        func run(_ command: Command) -> Result<J?, JobLedgerError> {
            do throws(JobLedgerError) {
                switch command {
                case .append(let job, let events, let expectedSeq):
                    try ledger.append(contentsOf: events, to: jobID(job), expectedSeq: expectedSeq)
                    return .success(nil)
                case .batch(let groups):
                    try ledger.append(batch: groups.map { (jobID($0.job), $0.events) })
                    return .success(nil)
                case .check(let job, let at):
                    return .success(try ledger.checkProgress(jobID(job), at: at).j)
                case .read(let job, let asOf):
                    return .success(ProjectionLine(try ledger.state(of: jobID(job), asOf: asOf)).j)
                case .list(let limit, let cursor):
                    let listing = try ledger.list(limit: limit, cursor: cursor)
                    if let problem = listing.unreadable.first { return .failure(problem) }
                    return .success(listing.list.j)
                case .reopen:
                    reopen()
                    return .success(nil)
                }
            } catch {
                return .failure(error)
            }
        }
    }

    /// Runs `commands` and returns the first disagreement, if any.
    static func disagreement(_ commands: [Command], coverage: inout Coverage) -> String? {
        let directory = ScratchDirectory()
        defer { directory.remove() }
        let subjects = [Subject(inMemory: ()), Subject(directory: directory)]
        var world = ModelWorld()
        for (index, command) in commands.enumerated() {
            let step = "step \(index + 1) (\(command))"
            let expected = world.run(command)
            // The files are compared only when the model says the step must be rejected.
            let rejected = if case .rejected = expected { true } else { false }
            let filesBefore = rejected ? subjects[1].files() : [:]
            coverage.record(world.trail)
            world.trail.removeAll()
            for subject in subjects {
                let actual = subject.run(command)
                switch (expected, actual) {
                case (.ok(let answer), .success(let got)):
                    if let answer, let got, let difference = J.difference(got, answer) {
                        return "\(step), \(subject.name) ledger: answer differs (ledger vs model) at \(difference)"
                    }
                case (.ok, .failure(let error)):
                    return "\(step), \(subject.name) ledger: rejected with \(error.code.rawValue) (\(error.message)); the model accepts it"
                case (.rejected(_, let reason), .success):
                    return "\(step), \(subject.name) ledger: accepted; the model rejects it (\(reason))"
                case (.rejected(let codes, let reason), .failure(let error)):
                    if !codes.contains(error.code.rawValue) {
                        return "\(step), \(subject.name) ledger: rejected with \(error.code.rawValue) (\(error.message)); "
                            + "the model expects \(codes.sorted().joined(separator: " or ")) (\(reason))"
                    }
                    if error.job == nil, !["invalid_pagination", "invalid_argument"].contains(error.code.rawValue) {
                        return "\(step), \(subject.name) ledger: the error does not name the job: \(error)"
                    }
                }
                if rejected, subject.directory != nil, subject.files() != filesBefore {
                    return "\(step), \(subject.name) ledger: a rejected command changed a log file"
                }
                if let problem = compare(subject, world, jobs: command.jobs) {
                    return "after \(step), \(subject.name) ledger: \(problem)"
                }
            }
        }
        return nil
    }

    /// The jobs' stored logs, projections and readiness against the model.
    static func compare(_ subject: Subject, _ world: ModelWorld, jobs: [String]) -> String? {
        for job in jobs {
            let model = world.jobs[job]
            guard let model, model.seq > 0 else {
                do {
                    let events = try subject.ledger.events(of: jobID(job))
                    return "job \(job) has \(events.count) events; the model has none"
                } catch {
                    if error.code != .unknownJob { return "job \(job): \(error.code.rawValue) instead of unknown_job" }
                    continue
                }
            }
            do throws(JobLedgerError) {
                let events = try subject.ledger.events(of: jobID(job))
                if events != model.events {
                    let firstDifference = zip(events, model.events).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                        ?? min(events.count, model.events.count)
                    return "job \(job): stored log differs from the model's at seq \(firstDifference + 1) "
                        + "(\(events.count) events stored, \(model.events.count) in the model)"
                }
                let line = try subject.ledger.status(of: jobID(job)).j
                if let difference = J.difference(line, model.replayLine) {
                    return "job \(job): projection differs (ledger vs model) at \(difference)"
                }
                if try subject.ledger.canInfer(jobID(job)).isReady != model.canInfer {
                    return "job \(job): canInfer disagrees with the model (\(model.canInfer))"
                }
            } catch {
                return "job \(job): \(error)"
            }
        }
        return nil
    }

    static func render(_ commands: [Command]) -> Rendering {
        var world = ModelWorld()
        var lines: [String] = []
        var notes: [String] = []
        for (index, command) in commands.enumerated() {
            notes.append("step \(index + 1): \(command)")
            switch command {
            case .append(let job, let events, _):
                var seq = world.nextSeq(of: job)
                for pending in events {
                    lines.append(RecordedEvent(seq: seq, at: pending.at, job: jobID(job), event: pending.event).jsonLine)
                    seq += 1
                }
            case .batch(let groups):
                var next: [String: Int] = [:]
                for group in groups {
                    for pending in group.events {
                        let seq = next[group.job] ?? world.nextSeq(of: group.job)
                        lines.append(RecordedEvent(seq: seq, at: pending.at, job: jobID(group.job), event: pending.event).jsonLine)
                        next[group.job] = seq + 1
                    }
                }
            default: break
            }
            _ = world.run(command)
        }
        return Rendering(notes: notes, log: lines.joined())
    }

    static var property: Property<[Command]> {
        Property(
        name: "model-based",
        cases: 400,
        generate: { gen in gen.commands(length: gen.int(1...45)) },
        shrink: shrinkCommands,
        size: { $0.count },
        render: render,
        check: { _ in nil })
    }

    @Test("Random programs agree with the reference model, and every table row is exercised")
    func agreesWithTheModel() {
        var coverage = Coverage()
        var property = Self.property
        property.check = { commands in Self.disagreement(commands, coverage: &coverage) }
        let failure = PropertyRunner.run(property)
        if PropertyConfig.current.printCoverage {
            print("Transition-table coverage (model-based test):\n\(coverage.table)")
            if !coverage.untakenPhases.isEmpty {
                print("Never taken from: " + coverage.untakenPhases.joined(separator: "; "))
            }
        }
        // A single replayed seed covers too little to judge coverage.
        if failure == nil && PropertyConfig.current.onlySeed == nil {
            #expect(coverage.unexercised.isEmpty, "rows of the transition table never exercised: \(coverage.unexercised)")
            // At the full budget every row is also taken from every phase it is legal from.
            if PropertyConfig.current.scale >= 1 {
                #expect(coverage.untakenPhases.isEmpty, "rows never taken from a phase they are legal from: \(coverage.untakenPhases)")
            }
        }
    }
}
