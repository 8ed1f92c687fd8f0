// Shared by the root tests and the PostgreSQL package's tests (product JobLedgerStoreContract).
import Foundation
import JobLedger

/// Logs that reach each phase, written out by hand from SPEC 1 (not derived from the table).
public enum Logs {
    public static let t0 = Timestamp(seconds: 1_795_000_000)

    public static func at(_ i: Int) -> Timestamp { Timestamp(seconds: t0.seconds + Int64(i)) }

    public static func created(_ origin: Origin = .api) -> Event {
        .created(Creation(origin: origin, name: "job", task: "classification"))
    }

    /// Events (after `created`) that lead from nothing to `phase`.
    public static func reaching(_ phase: Phase, origin: Origin = .api) -> [Event] {
        let start = [created(origin)]
        switch phase {
        case .initialized: return start
        case .queued: return start + [.queued]
        case .uploadingDataset: return start + [.datasetUploadStarted(files: ["train.csv"])]
        case .processingData: return start + [.dataProcessingStarted]
        case .dataReady: return start + [.dataProcessingStarted, .dataProcessed]
        case .trainingStarted: return start + [.trainingStarted(resources: nil)]
        case .training: return reaching(.trainingStarted, origin: origin) + [.progressed(percent: 10, epoch: 0)]
        case .trained: return reaching(.training, origin: origin) + [.trainingFinished]
        case .uploadingModel: return reaching(.trained, origin: origin) + [.modelUploadStarted]
        case .completed: return reaching(.trained, origin: origin) + [.completed(model: "model-1")]
        case .failed: return start + [.failed(error: "pod crashed")]
        case .cancelled: return start + [.cancelled(reason: "user")]
        }
    }

    /// A valid instance of every event type (fields in range).
    public static func sample(_ type: EventType) -> Event {
        switch type {
        case .created: created()
        case .configured: .configured(config: ["epochs": 3])
        case .queued: .queued
        case .datasetUploadStarted: .datasetUploadStarted(files: ["train.csv", "test.csv"])
        case .dataProcessingStarted: .dataProcessingStarted
        case .dataProcessed: .dataProcessed
        case .trainingStarted: .trainingStarted(resources: ["gpus": 1])
        case .progressed: .progressed(percent: 50, epoch: 1)
        case .checkpointSaved: .checkpointSaved(Checkpoint(identifier: "ck-1", epoch: 1, path: "/ck/1"))
        case .trainingFinished: .trainingFinished
        case .modelUploadStarted: .modelUploadStarted
        case .completed: .completed(model: "model-1")
        case .failed: .failed(error: "out of memory")
        case .cancelled: .cancelled(reason: "user")
        case .publicationStarted: .publicationStarted(trigger: .explicit)
        case .published: .published
        case .publicationFailed: .publicationFailed(error: "no capacity")
        case .modelImportStarted: .modelImportStarted(modelType: "bert", modelName: "m")
        case .modelImported: .modelImported
        case .modelImportFailed: .modelImportFailed(error: "bad format")
        }
    }

    /// Records `events` as job `job`'s log, seq 1…, one second apart.
    public static func recorded(_ events: [Event], job: String = "j-1") -> [RecordedEvent] {
        let id = try! JobID(job)
        return events.enumerated().map { RecordedEvent(seq: $0.offset + 1, at: at($0.offset), job: id, event: $0.element) }
    }

    /// The folded state of `events`.
    public static func state(_ events: [Event], job: String = "j-1") throws -> JobState {
        try JobState.fold(recorded(events, job: job))!
    }

    /// A ledger holding `events` for `job`.
    public static func ledger(_ events: [Event], job: String = "j-1", ledger: Ledger = .inMemory()) throws -> Ledger {
        let id = try JobID(job)
        for (i, event) in events.enumerated() { try ledger.append(event, to: id, at: at(i)) }
        return ledger
    }

    /// A fresh empty directory under the system's temporary directory, removed with everything
    /// in it when the test process exits (all of a process's directories share one folder,
    /// `jobledger-tests-<pid>-<uuid>`; a crashed run leaves that folder behind).
    public static func temporaryDirectory(_ name: String = #function) -> String {
        let path = scratchRoot + "/" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// The folder of this process's temporary directories, made on first use and removed at exit.
private let scratchRoot: String = {
    let root = NSTemporaryDirectory() + "jobledger-tests-\(getpid())-" + UUID().uuidString
    try! FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(atPath: scratchRoot) }
    return root
}()

extension JobState {
    /// The state after one more event, one second after the last.
    public func after(_ event: Event) throws -> JobState {
        try applying(RecordedEvent(seq: seq + 1, at: Timestamp(seconds: lastEventAt.seconds + 1), job: job, event: event))
    }
}
