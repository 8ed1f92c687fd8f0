import Foundation
import JobLedger
import Testing

/// Properties of folding a log: determinism, time travel, rejected events, terminal phases,
/// percent, and the vocabularies agreeing with each other.
@Suite("Lifecycle properties")
struct LifecycleProperties {
    /// A legal log of one job, with the shrinking and report every property here shares.
    static func legalLogs(_ name: String, cases: Int, length: ClosedRange<Int> = 1...40, check: @escaping ([RecordedEvent]) -> String?)
        -> Property<[RecordedEvent]>
    {
        Property(
            name: name, cases: cases,
            generate: { gen in gen.legalLog(job: gen.pick(propertyJobs), length: gen.int(length)).events },
            shrink: shrinkLegalLog, size: { $0.count }, render: renderLog, check: check)
    }

    @Test("Replay determinism: folding the stored log gives the state the live appends reached")
    func replayDeterminism() {
        PropertyRunner.run(
            Self.legalLogs("replay determinism", cases: 150) { events in
                let directory = ScratchDirectory()
                defer { directory.remove() }
                let job = events[0].job
                let live = Ledger(store: try! DirectoryStore(directory: directory.path, durability: .none))
                let memory = Ledger.inMemory()
                var state: JobState?
                for event in events {
                    do {
                        try live.append(event.event, to: job, at: event.at)
                        try memory.append(event.event, to: job, at: event.at)
                        state = try live.state(of: job)
                    } catch { return "seq \(event.seq): a legal event was rejected: \(error)" }
                }
                guard let state else { return "no state" }
                let stored = try? live.events(of: job)
                guard stored == events else { return "the stored log differs from the appended events" }
                guard (try? JobState.fold(stored!)) == state else { return "JobState.fold(stored log) differs from the live state" }
                guard (try? memory.state(of: job)) == state else { return "the in-memory ledger's state differs" }
                let reopened = Ledger(store: try! DirectoryStore(directory: directory.path, durability: .none))
                guard (try? reopened.state(of: job)) == state else { return "a reopened store folds a different state" }
                var replayed: [JobState] = []
                var problems: [JobLedgerError] = []
                Replay().run([directory.path], emit: { replayed.append($0) }, reject: { problems.append($0) })
                guard problems.isEmpty, replayed == [state] else {
                    return "Replay of the directory gives \(replayed.count) states and problems \(problems)"
                }
                guard ProjectionLine(state).json == ProjectionLine(replayed[0]).json else { return "projections differ" }
                return nil
            })
    }

    @Test("Prefix: the state as of seq k is the fold of the first k events")
    func prefix() {
        PropertyRunner.run(
            Self.legalLogs("prefix", cases: 120) { events in
                let directory = ScratchDirectory()
                defer { directory.remove() }
                let job = events[0].job
                let ledger = Ledger(store: try! DirectoryStore(directory: directory.path, durability: .none))
                var snapshots: [JobState] = []
                for event in events {
                    guard (try? ledger.append(event.event, to: job, at: event.at)) != nil else { return "seq \(event.seq) rejected" }
                    snapshots.append(try! ledger.state(of: job))
                }
                for k in 1...events.count {
                    let folded = try? JobState.fold(events.prefix(k))
                    guard folded == snapshots[k - 1] else { return "fold of the first \(k) events differs from the live state after \(k)" }
                    guard (try? ledger.state(of: job, asOf: k)) == snapshots[k - 1] else {
                        return "state(asOf: \(k)) differs from the live state after event \(k)"
                    }
                    var replayed: [JobState] = []
                    Replay(asOf: k).run([directory.path], emit: { replayed.append($0) }, reject: { _ in })
                    guard replayed == [snapshots[k - 1]] else { return "Replay(asOf: \(k)) differs from the live state after \(k)" }
                    guard let model = ModelJob.fold(job: job.rawValue, events.prefix(k)) else { return "the model refuses the log" }
                    if let difference = J.difference(ProjectionLine(snapshots[k - 1]).j, model.replayLine) {
                        return "the projections as of \(k) differ from the reference model's (ledger vs model) at \(difference)"
                    }
                }
                return nil
            })
    }

    /// A legal log and an event the reference model refuses after it.
    struct Attempt {
        var events: [RecordedEvent]
        var attempt: PendingEvent
    }

    @Test("A rejected event changes nothing: state, stored log and file bytes")
    func rejectedEventsChangeNothing() {
        let property = Property<Attempt>(
            name: "rejected events change nothing", cases: 200,
            generate: { gen in
                let (events, model) = gen.legalLog(job: gen.pick(propertyJobs), length: gen.int(1...30))
                while true {
                    let last = model.lastAt!
                    let pending = PendingEvent(
                        gen.event(gen.pick(EventType.allCases), model: model, fieldFaults: 0.2),
                        at: gen.chance(0.15) ? gen.time(before: last) : gen.time(after: last))
                    var probe = model
                    if (try? probe.append(pending.event, at: pending.at)) == nil { return Attempt(events: events, attempt: pending) }
                }
            },
            shrink: { input in
                shrinkLegalLog(input.events).map { Attempt(events: $0, attempt: input.attempt) }
                    + simplerEvents(input.attempt.event).map {
                        Attempt(events: input.events, attempt: PendingEvent($0, at: input.attempt.at))
                    }
            },
            size: { $0.events.count + 1 },
            render: { input in
                var rendering = renderLog(input.events)
                let job = input.events[0].job
                rendering.notes.append("then the refused event (last line)")
                rendering.log += RecordedEvent(seq: input.events.count + 1, at: input.attempt.at, job: job, event: input.attempt.event).jsonLine
                return rendering
            },
            check: { input in
                // The model must refuse it (shrinking may have made it legal: not a counterexample).
                var model = ModelJob.fold(job: input.events[0].job.rawValue, input.events)!
                let refusal: String
                do throws(ModelJob.Rejection) {
                    try model.append(input.attempt.event, at: input.attempt.at)
                    return nil
                } catch { refusal = error.description }
                let directory = ScratchDirectory()
                defer { directory.remove() }
                let job = input.events[0].job
                let ledger = Ledger(store: try! DirectoryStore(directory: directory.path, durability: .none))
                for event in input.events { _ = try? ledger.append(event.event, to: job, at: event.at) }
                let before = (try? ledger.state(of: job), directory.bytes(job.fileName))
                do throws(JobLedgerError) {
                    try ledger.append(input.attempt.event, to: job, at: input.attempt.at)
                    return "the ledger accepted \(input.attempt.event.type), which the model refuses (\(refusal))"
                } catch {
                    guard error.job == job.rawValue else { return "the error does not name the job: \(error)" }
                }
                guard (try? ledger.state(of: job)) == before.0 else { return "the state changed" }
                guard directory.bytes(job.fileName) == before.1 else { return "the log file changed" }
                guard (try? ledger.events(of: job)) == input.events else { return "the stored log changed" }
                return nil
            })
        PropertyRunner.run(property)
    }

    @Test("Terminal phases are final: no lifecycle event is accepted after completed, failed or cancelled")
    func terminalPhasesAreFinal() {
        let property = Property<[RecordedEvent]>(
            name: "terminal phases are final", cases: 150,
            generate: { gen in
                var (events, model) = gen.legalLog(job: gen.pick(propertyJobs), length: gen.int(1...30))
                if !model.phase.isTerminal {
                    try! model.append(gen.bool() ? .cancelled(reason: nil) : .failed(error: "e"), at: gen.time(after: model.lastAt))
                    events = model.events
                }
                return events
            },
            shrink: { shrinkLegalLog($0).filter { ModelJob.fold(job: $0[0].job.rawValue, $0)!.phase.isTerminal } },
            size: { $0.count }, render: renderLog,
            check: { events in
                let ledger = Ledger.inMemory()
                let job = events[0].job
                for event in events { _ = try? ledger.append(event.event, to: job, at: event.at) }
                guard let state = try? ledger.state(of: job), state.phase.isTerminal else { return "the log does not end terminal" }
                var gen = Gen(seed: UInt64(events.count))
                // Lifecycle rows: every row but the completed job's publication and import rows.
                let after: [EventType] = EventType.allCases.filter {
                    state.phase != .completed
                        || ![.publicationStarted, .published, .publicationFailed, .modelImportStarted, .modelImported, .modelImportFailed].contains($0)
                }
                for type in after {
                    let event = gen.event(type, fieldFaults: 0)
                    do throws(JobLedgerError) {
                        try ledger.append(event, to: job, at: state.lastEventAt)
                        return "\(type) was accepted in terminal phase \(state.phase)"
                    } catch {
                        if error.code != .illegalTransition { return "\(type) in \(state.phase): \(error.code) instead of illegal_transition" }
                    }
                    guard (try? ledger.state(of: job)) == state else { return "refusing \(type) changed the state" }
                }
                return nil
            })
        PropertyRunner.run(property)
    }

    @Test("Percent never decreases and stays within 0…100")
    func percentIsMonotone() {
        PropertyRunner.run(
            Self.legalLogs("percent is monotone", cases: 200) { events in
                var state: JobState?
                var last = 0
                for event in events {
                    do {
                        if let current = state { state = try current.applying(event) } else { state = try JobState(event) }
                    } catch { return "seq \(event.seq) rejected: \(error)" }
                    let sestek = SestekProgress(state!).percent
                    let nupic = NuPICStatus(state!).percent
                    guard (0...100).contains(sestek), sestek >= last else { return "percent \(last) → \(sestek) at seq \(event.seq)" }
                    guard nupic == sestek else { return "NuPIC percent \(nupic) ≠ Sestek percent \(sestek) at seq \(event.seq)" }
                    if case .trainingFinished = event.event, sestek != 100 { return "percent \(sestek) after trainingFinished" }
                    last = sestek
                }
                return nil
            })
    }

    @Test("The vocabularies agree: completed, failed, cancelled, running and queued mean the same in each")
    func vocabulariesAgree() {
        PropertyRunner.run(
            Self.legalLogs("cross-vocabulary agreement", cases: 250, length: 1...45) { events in
                var state: JobState?
                for event in events {
                    do {
                        if let current = state { state = try current.applying(event) } else { state = try JobState(event) }
                    } catch { return "seq \(event.seq) rejected: \(error)" }
                    if let problem = Self.disagreement(ProjectionLine(state!).j) { return "after seq \(event.seq): \(problem)" }
                }
                return nil
            })
    }

    /// What is inconsistent between the vocabularies of one replay line (the library's output
    /// only: no model involved).
    static func disagreement(_ line: J) -> String? {
        func text(_ vocabulary: String, _ key: String) -> String? {
            if case .string(let value)? = line[vocabulary]?[key] { return value }
            return nil
        }
        let sestek = text("sestek", "trainingStatus") ?? "?"
        let inference = text("sestek", "inferenceStatus")
        let llama = text("llama-stack", "status") ?? "?"
        let novita = text("novita", "task_status") ?? "?"
        let bluesight = text("bluesight", "status") ?? "?"
        let nupic = text("nupic", "state") ?? "?"
        let sagemaker = text("sagemaker", "TrainingJobStatus") ?? "?"
        let secondary = text("sagemaker", "SecondaryStatus") ?? "?"
        let vertex = text("vertex", "state") ?? "?"
        let mlflow = text("mlflow", "status") ?? "?"
        let openai = text("openai", "status") ?? "?"
        // Kubeflow: the last condition's type (kubectl's State) and whether Running is True.
        var kubeflow = "?"
        var kubeflowRunning = false
        if case .array(let conditions)? = line["kubeflow"]?["status"]?["conditions"] {
            if case .string(let type)? = conditions.last?["type"] { kubeflow = type }
            kubeflowRunning = conditions.contains { $0["type"] == .string("Running") && $0["status"] == .string("True") }
        }
        let all = "sestek \(sestek), llama-stack \(llama), novita \(novita), bluesight \(bluesight), nupic \(nupic), "
            + "sagemaker \(sagemaker)/\(secondary), vertex \(vertex), kubeflow \(kubeflow), mlflow \(mlflow), openai \(openai)"
        func same(_ facts: Bool...) -> Bool { facts.allSatisfy { $0 } || facts.allSatisfy { !$0 } }
        guard
            same(
                sestek == "Completed", llama == "completed", novita == "SUCCESS", bluesight == "succeeded", nupic == "trained",
                sagemaker == "Completed", secondary == "Completed", vertex == "JOB_STATE_SUCCEEDED", kubeflow == "Succeeded",
                mlflow == "FINISHED", openai == "succeeded")
        else { return "completed disagrees: \(all)" }
        guard
            same(
                llama == "failed", novita == "FAILED", bluesight == "failed", nupic == "failed", sagemaker == "Failed",
                secondary == "Failed", vertex == "JOB_STATE_FAILED", kubeflow == "Failed", mlflow == "FAILED", openai == "failed")
        else { return "failed disagrees: \(all)" }
        guard
            same(
                llama == "cancelled", novita == "CANCELED", bluesight == "cancelled", nupic == "stopped", sagemaker == "Stopped",
                secondary == "Stopped", vertex == "JOB_STATE_CANCELLED", kubeflow == "Suspended", mlflow == "KILLED",
                openai == "cancelled")
        else { return "cancelled disagrees: \(all)" }
        guard same(sestek == "Failed", llama == "failed" || llama == "cancelled") else { return "Sestek Failed disagrees: \(all)" }
        guard
            same(
                llama == "in_progress", novita == "TRAINING", bluesight == "running", nupic == "training",
                ["TrainingStarted", "Training", "Trained", "ModelUploading"].contains(sestek),
                ["Training", "Uploading"].contains(secondary), vertex == "JOB_STATE_RUNNING", kubeflow == "Running",
                kubeflowRunning, mlflow == "RUNNING", openai == "running")
        else { return "running disagrees: \(all)" }
        guard
            same(
                llama == "scheduled", novita == "QUEUING",
                ["initializing", "downloading_files", "validating_files", "queued"].contains(bluesight),
                ["setup", "preprocessing", "preprocessed"].contains(nupic),
                ["Initialized", "PendingTraining", "DatasetUploading", "DataProcessing"].contains(sestek),
                ["Starting", "Pending", "Downloading"].contains(secondary),
                ["JOB_STATE_QUEUED", "JOB_STATE_PENDING"].contains(vertex), kubeflow == "Created", mlflow == "SCHEDULED",
                ["validating_files", "queued"].contains(openai))
        else { return "queued disagrees: \(all)" }
        guard same(sestek == "PendingTraining", bluesight == "queued", secondary == "Pending", openai == "queued")
        else { return "queued (the phase) disagrees: \(all)" }
        guard same(sestek == "DatasetUploading", bluesight == "downloading_files") else { return "dataset upload disagrees: \(all)" }
        guard same(sestek == "DataProcessing", bluesight == "validating_files", ["preprocessing", "preprocessed"].contains(nupic))
        else { return "data processing disagrees: \(all)" }
        guard
            same(
                ["DatasetUploading", "DataProcessing"].contains(sestek), secondary == "Downloading", vertex == "JOB_STATE_PENDING")
        else { return "data stages disagree: \(all)" }
        guard same(sestek == "Initialized", bluesight == "initializing", secondary == "Starting") else {
            return "initialized disagrees: \(all)"
        }
        guard same(["Trained", "ModelUploading"].contains(sestek), secondary == "Uploading") else { return "trained disagrees: \(all)" }
        guard same(sagemaker == "InProgress", !["completed", "failed", "cancelled"].contains(llama)) else {
            return "SageMaker InProgress disagrees: \(all)"
        }
        if inference != nil, sestek != "Completed" { return "inferenceStatus \(inference!) but trainingStatus \(sestek)" }
        let models = line["novita"]?["models"]
        guard same(inference != nil, models != .array([])) else { return "Novita models \(models!) with inferenceStatus \(inference ?? "null")" }
        if inference == "Running", case .array(let list)? = models, list.first?["model_status"] != .string("SERVING") {
            return "Running but Novita model status is not SERVING"
        }
        let terminal = ["completed", "failed", "cancelled"].contains(llama)
        guard
            same(
                terminal, line["bluesight"]?["finished_at"] != .null, line["llama-stack"]?["completed_at"] != nil,
                line["sagemaker"]?["TrainingEndTime"] != nil, line["vertex"]?["endTime"] != nil,
                line["mlflow"]?["end_time"] != nil, line["openai"]?["finished_at"] != .null)
        else { return "the end times disagree with the phase: \(all)" }
        guard
            same(
                line["llama-stack"]?["started_at"] != nil, line["sagemaker"]?["TrainingStartTime"] != nil,
                line["vertex"]?["startTime"] != nil)
        else { return "the start times disagree: \(all)" }
        guard same(mlflow == "FINISHED", line["sagemaker"]?["ModelArtifacts"] != nil, line["openai"]?["fine_tuned_model"] != .null)
        else { return "the trained model disagrees: \(all)" }
        guard same(openai == "failed", line["openai"]?["error"] != .null, line["sagemaker"]?["FailureReason"] != nil)
        else { return "the error disagrees: \(all)" }
        guard same(vertex == "JOB_STATE_FAILED" || vertex == "JOB_STATE_CANCELLED", line["vertex"]?["error"] != nil)
        else { return "Vertex error disagrees: \(all)" }
        if case .array(let transitions)? = line["sagemaker"]?["SecondaryStatusTransitions"] {
            guard transitions.last?["Status"] == .string(secondary) else { return "SageMaker's last transition is not \(secondary)" }
        }
        guard same(nupic == "trained", line["nupic"]?["model_ready"] == .bool(true)) else { return "model_ready disagrees" }
        guard line["sestek"]?["percent"] == line["nupic"]?["percent"] else { return "percent disagrees" }
        return nil
    }
}
