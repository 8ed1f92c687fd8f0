import JobLedger

/// One step of the model-based test: what a server embedding the ledger might do.
enum Command: CustomStringConvertible {
    /// `Ledger.append(contentsOf:to:expectedSeq:)`: one event, or several as one batch.
    case append(job: String, events: [PendingEvent], expectedSeq: Int?)
    /// `Ledger.append(batch:)`: events of several jobs at once.
    case batch([(job: String, events: [PendingEvent])])
    /// `Ledger.checkProgress`: Sestek's check, with the publication rule.
    case check(job: String, at: Timestamp)
    /// `Ledger.state(of:asOf:)` and `canInfer`, as of a seq or now.
    case read(job: String, asOf: Int?)
    /// `Ledger.list(limit:cursor:)`: a page of Novita's list.
    case list(limit: Int, cursor: String)
    /// Opens a new ledger over the same directory: what a restarted server sees.
    case reopen

    var description: String {
        switch self {
        case .append(let job, let events, let expectedSeq):
            return "append \(events.map { $0.event.type.rawValue }.joined(separator: "+")) to \(job)"
                + (expectedSeq.map { " expecting seq \($0)" } ?? "")
        case .batch(let groups):
            return "batch " + groups.map { "\($0.job): \($0.events.map { $0.event.type.rawValue }.joined(separator: "+"))" }
                .joined(separator: ", ")
        case .check(let job, let at): return "checkProgress \(job) at \(at)"
        case .read(let job, let asOf): return "read \(job)" + (asOf.map { " as of seq \($0)" } ?? "")
        case .list(let limit, let cursor): return "list limit \(limit) cursor \"\(cursor)\""
        case .reopen: return "reopen the directory store"
        }
    }

    /// The jobs a command may change or read; all of them for list and reopen.
    var jobs: [String] {
        switch self {
        case .append(let job, _, _), .check(let job, _), .read(let job, _): [job]
        case .batch(let groups): Array(Set(groups.map(\.job))).sorted()
        case .list, .reopen: propertyJobs
        }
    }
}

/// The jobs the generated commands use: valid ids with every allowed kind of character.
let propertyJobs = ["j-1", "A.b_c-9", "x"]

extension Gen {
    /// A random program of about `length` commands over one to three jobs. Generation tracks a
    /// reference model so that most appends are legal and walks reach the late phases; every
    /// kind of mistake (illegal types, bad fields, time going backwards, stale expected seqs,
    /// unknown jobs) still appears.
    mutating func commands(length: Int) -> [Command] {
        let jobs = Array(propertyJobs.prefix(int(1...propertyJobs.count)))
        var world = ModelWorld()
        var commands: [Command] = []
        for _ in 0..<length {
            let job = pick(jobs)
            let model = world.jobs[job]
            let command: Command
            switch int(0...99) {
            case 0..<62:
                command = .append(job: job, events: [pendingEvent(for: model)], expectedSeq: expectedSeq(for: model))
            case 62..<70:
                // A batch for one job: a few events in a row, as one all-or-nothing append.
                var scratch = model ?? ModelJob(job: job)
                var events: [PendingEvent] = []
                for _ in 0..<int(2...4) {
                    let pending = pendingEvent(for: scratch)
                    try? scratch.append(pending.event, at: pending.at)
                    events.append(pending)
                }
                command = .append(job: job, events: events, expectedSeq: expectedSeq(for: model))
            case 70..<74:
                var groups: [(job: String, events: [PendingEvent])] = []
                for other in jobs where chance(0.7) {
                    groups.append((other, [pendingEvent(for: world.jobs[other])]))
                }
                command = groups.isEmpty ? .reopen : .batch(groups)
            case 74..<86:
                let last = model?.lastAt ?? Timestamp(seconds: 1_795_000_000)
                command = .check(job: job, at: chance(0.2) ? time(before: last) : time(after: last))
            case 86..<93:
                let seq = model?.seq ?? 0
                command = .read(job: job, asOf: chance(0.4) ? nil : int(-1...(seq + 2)))
            case 93..<97:
                let limit = chance(0.1) ? pick([0, 101, -3]) : int(1...4)
                let cursor = chance(0.1) ? pick(["x", "c_", "c_-1", "10", "c_1x"]) : (bool() ? "" : "c_\(int(0...4))")
                command = .list(limit: limit, cursor: cursor)
            default:
                command = .reopen
            }
            _ = world.run(command)
            commands.append(command)
        }
        return commands
    }

    /// The next event for a job: usually legal, sometimes not, sometimes at an earlier time.
    mutating func pendingEvent(for model: ModelJob?) -> PendingEvent {
        let type = nextType(for: model)
        let event = self.event(type, model: model)
        let at = model?.lastAt.map { chance(0.04) ? time(before: $0) : time(after: $0) } ?? time(after: nil)
        return PendingEvent(event, at: at)
    }

    /// Usually no expected seq; sometimes the right one, sometimes a stale one.
    mutating func expectedSeq(for model: ModelJob?) -> Int? {
        let seq = model?.seq ?? 0
        switch int(0...9) {
        case 0, 1: return seq
        case 2: return max(0, seq + pick([-1, 1, 5]))
        default: return nil
        }
    }
}

/// The reference model of all jobs, and what it expects each command to answer.
struct ModelWorld {
    var jobs: [String: ModelJob] = [:]

    /// Every event the model judged, in order: its type, the phase it met, and the verdict
    /// (`nil` when accepted, else the error code). The coverage report counts these.
    var trail: [(type: EventType, phase: ModelJob.Phase?, rejection: String?)] = []

    private mutating func judge(_ model: inout ModelJob, _ pending: PendingEvent) throws(ModelJob.Rejection) {
        let phase = model.seq > 0 ? model.phase : nil
        do throws(ModelJob.Rejection) {
            try model.append(pending.event, at: pending.at)
            trail.append((pending.event.type, phase, nil))
        } catch {
            trail.append((pending.event.type, phase, error.code))
            throw error
        }
    }

    /// What a command must do: succeed with this answer (nil when there is nothing to compare),
    /// or be rejected with one of these codes.
    enum Outcome {
        case ok(J?)
        case rejected(Set<String>, reason: String)
    }

    /// Runs `command` on the model: changes the model only if the command succeeds.
    mutating func run(_ command: Command) -> Outcome {
        switch command {
        case .append(let job, let events, let expectedSeq):
            var model = jobs[job] ?? ModelJob(job: job)
            if let expectedSeq, expectedSeq != model.seq {
                return .rejected(["version_conflict"], reason: "expected seq \(expectedSeq), model at \(model.seq)")
            }
            for pending in events {
                do throws(ModelJob.Rejection) {
                    try judge(&model, pending)
                } catch {
                    return .rejected([error.code], reason: error.reason)
                }
            }
            jobs[job] = model
            return .ok(nil)
        case .batch(let groups):
            // Grouped by job in first-appearance order; a rejected event rejects the whole batch.
            var order: [String] = []
            var grouped: [String: [PendingEvent]] = [:]
            for group in groups {
                if grouped[group.job] == nil { order.append(group.job) }
                grouped[group.job, default: []] += group.events
            }
            var changed = jobs
            var codes: Set<String> = []
            var reasons: [String] = []
            for job in order {
                var model = jobs[job] ?? ModelJob(job: job)
                for pending in grouped[job]! {
                    do throws(ModelJob.Rejection) {
                        try judge(&model, pending)
                    } catch {
                        codes.insert(error.code)
                        reasons.append("\(job): \(error.reason)")
                        break
                    }
                }
                changed[job] = model
            }
            if !codes.isEmpty { return .rejected(codes, reason: reasons.joined(separator: "; ")) }
            jobs = changed
            return .ok(nil)
        case .check(let job, let at):
            guard var model = jobs[job], model.seq > 0 else { return .rejected(["unknown_job"], reason: "no events") }
            if let event = model.progressCheckAppends {
                try! judge(&model, PendingEvent(event, at: max(at, model.lastAt!)))
                jobs[job] = model
            }
            return .ok(model.sestek)
        case .read(let job, let asOf):
            // The argument is checked before the job is looked up.
            if let asOf, asOf < 1 { return .rejected(["invalid_argument"], reason: "as of \(asOf)") }
            guard let model = jobs[job], model.seq > 0 else { return .rejected(["unknown_job"], reason: "no events") }
            guard let asOf else { return .ok(model.replayLine) }
            return .ok(ModelJob.fold(job: job, model.events.prefix(asOf))!.replayLine)
        case .list(let limit, let cursor):
            switch ModelList.page(Array(jobs.values), limit: limit, cursor: cursor) {
            case .success(let page): return .ok(page)
            case .failure(let rejection): return .rejected([rejection.code], reason: rejection.reason)
            }
        case .reopen:
            return .ok(nil)
        }
    }

    /// The model's log line numbers for a command's events: the seq each would get.
    func nextSeq(of job: String) -> Int { (jobs[job]?.seq ?? 0) + 1 }
}
