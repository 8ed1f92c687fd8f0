import Synchronization

/// The NuPIC Training Module's REST endpoints (seed 001) as one type over a ``Ledger``.
///
/// A session is a job; `start_session` is its `created` (origin `api`). The session key that
/// keyed calls present is the session's job id: the seed uses the key to check a caller talks to
/// the current session, not as a secret, and a job id keeps that check working across restarts of
/// the server. One session is current at a time (the newest); it is *active* until it is stopped
/// or fails. Each endpoint checks its documented precondition on the session's state under the
/// job's lock and refuses with a ``JobLedgerError``:
///
/// | endpoint | needs | error |
/// | --- | --- | --- |
/// | `start_session` | no active session, or `force_restart` | `session_active` |
/// | keyed calls | the current session's key | `invalid_session_key`, `no_active_session` |
/// | `parameters`, `upload_dataset` | state setup | `illegal_transition` ("non-setup state") |
/// | `preprocess` | state setup, a dataset uploaded | `illegal_transition` |
/// | `training/start` | state preprocessed | `illegal_transition` |
/// | `training/stop` | state training | `illegal_transition` ("no training session") |
/// | `download_model`, `download_results` | state trained (`model_ready`) | `not_ready` |
/// | `import_model` | state trained, no import running or done | `not_ready`, `illegal_transition` |
/// | `get_imported_model` | an import that finished | `not_ready` |
///
/// The server's own background work (preprocessing, training, importing) reports through the
/// `…Finished`/`…Progressed` methods, which append the facts it observed.
public final class TrainingModuleServer: Sendable {
    public let ledger: Ledger
    /// Session job ids are this prefix and 16 random hex digits.
    public let sessionPrefix: String
    private let current: Mutex<JobID?>

    /// A server over `ledger`; the newest session already in it (by `created` time, then id) is
    /// current again, so a restarted server picks up where it was.
    public init(ledger: Ledger, sessionPrefix: String = "nupic-") throws(JobLedgerError) {
        self.ledger = ledger
        self.sessionPrefix = sessionPrefix
        var newest: (at: Timestamp, job: JobID)?
        for job in try ledger.jobs() where job.rawValue.hasPrefix(sessionPrefix) {
            guard let state = try? ledger.state(of: job) else { continue }
            if newest == nil || (state.createdAt, job) > (newest!.at, newest!.job) { newest = (state.createdAt, job) }
        }
        current = Mutex(newest?.job)
    }

    // MARK: Responses

    /// The server status dictionary most endpoints return: the session's ``NuPICStatus``.
    public typealias Status = NuPICStatus

    /// `start_session`'s answer: the new key and the status.
    public struct Session: Sendable, Hashable {
        public var key: String
        public var status: Status
    }

    /// `GET /parameters`: status, the full config and the session key.
    public struct Parameters: Sendable, Hashable {
        public var key: String
        public var status: Status
        public var config: JSONObject
    }

    /// `monitor`: the last training information.
    public struct TrainingInfo: Sendable, Hashable {
        public var status: Status
        /// The last reported epoch.
        public var epoch: Int?
        /// The last checkpoint with its metrics.
        public var lastCheckpoint: JobState.SavedCheckpoint?
    }

    /// `download_model`: the trained model (JobLedger records its name; the bytes live elsewhere).
    public struct TrainedModel: Sendable, Hashable {
        public var name: String
    }

    /// `get_imported_model`.
    public struct ImportedModel: Sendable, Hashable {
        public var modelType: String
        public var modelName: String
        public var onDisk: Bool
        public var tokenizer: Bool
    }

    // MARK: Sessions

    /// `GET /start_session?force_restart=`: starts a session and returns its key. With an active
    /// session it fails unless `forceRestart`, which cancels that session (`cancelled`, reason
    /// `force_restart`) first; the old log is kept.
    public func startSession(forceRestart: Bool = false, at: Timestamp? = nil) throws(JobLedgerError) -> Session {
        try current.withLock { current throws(JobLedgerError) -> Session in
            if let active = current {
                let state = try ledger.state(of: active)
                if Self.isActive(state) {
                    guard forceRestart else {
                        throw JobLedgerError(
                            .sessionActive,
                            "there is already an active session (state \(NuPICState(state.phase).rawValue)); pass force_restart to replace it",
                            job: active.rawValue)
                    }
                    if !state.phase.isTerminal {
                        try ledger.append(.cancelled(reason: "force_restart"), to: active, at: at.map { max($0, state.lastEventAt) })
                    }
                }
            }
            var key: JobID
            repeat {
                key = try JobID(sessionPrefix + Self.randomHex())
            } while (try? ledger.state(of: key)) != nil
            try ledger.append(.created(Creation(origin: .api)), to: key, at: at)
            current = key
            return Session(key: key.rawValue, status: Status(try ledger.state(of: key)))
        }
    }

    /// `GET /status`: the current session's status.
    public func status() throws(JobLedgerError) -> Status {
        Status(try ledger.state(of: try currentSession()))
    }

    /// `GET /preprocess_status`.
    public func preprocessStatus() throws(JobLedgerError) -> Status { try status() }

    /// `GET /import_status`.
    public func importStatus() throws(JobLedgerError) -> ModelImportStatus { try status().importStatus }

    /// `GET /parameters`: the training config of the current session, with its key.
    public func parameters() throws(JobLedgerError) -> Parameters {
        let job = try currentSession()
        let state = try ledger.state(of: job)
        return Parameters(key: job.rawValue, status: Status(state), config: state.config)
    }

    // MARK: Setup

    /// `POST /parameters/{key}`: merges `config` over the training config; only in setup.
    public func updateParameters(key: String, config: JSONObject, at: Timestamp? = nil) throws(JobLedgerError)
        -> Parameters
    {
        let state = try perform(key, "update the training config", at: at) { state throws(JobLedgerError) in
            try Self.requireSetup(state, "update the training config")
            return .configured(config: config)
        }
        return Parameters(key: key, status: Status(state), config: state.config)
    }

    /// `POST /upload_dataset/{key}`: records the upload of `trainFile` and `testFile`; only in setup,
    /// before any data stage.
    public func uploadDataset(key: String, trainFile: String, testFile: String, at: Timestamp? = nil)
        throws(JobLedgerError) -> Status
    {
        Status(
            try perform(key, "upload a dataset", at: at) { state throws(JobLedgerError) in
                try Self.requireSetup(state, "upload a dataset")
                return .datasetUploadStarted(files: [trainFile, testFile])
            })
    }

    /// `POST /preprocess/{key}`: starts preprocessing; needs setup and an uploaded dataset.
    public func preprocess(key: String, at: Timestamp? = nil) throws(JobLedgerError) -> Status {
        Status(
            try perform(key, "preprocess", at: at) { state throws(JobLedgerError) in
                try Self.requireSetup(state, "preprocess")
                guard state.datasetUploadStarted else {
                    throw JobLedgerError(.illegalTransition, "preprocessing is not possible: no dataset was uploaded")
                }
                return .dataProcessingStarted
            })
    }

    /// `POST /training/start/{key}`: starts training; needs state preprocessed.
    public func startTraining(key: String, resources: JSONObject? = nil, at: Timestamp? = nil) throws(JobLedgerError)
        -> Status
    {
        Status(
            try perform(key, "start training", at: at) { state throws(JobLedgerError) in
                guard NuPICState(state.phase) == .preprocessed else {
                    throw JobLedgerError(
                        .illegalTransition,
                        "training is not possible in state \(NuPICState(state.phase).rawValue) (it needs preprocessed data)")
                }
                return .trainingStarted(resources: resources)
            })
    }

    /// `POST /training/stop/{key}?force_restart=`: stops training (`cancelled`, reason `stop`);
    /// with `forceRestart` a new session starts and its key is returned.
    public func stopTraining(key: String, forceRestart: Bool = false, at: Timestamp? = nil) throws(JobLedgerError)
        -> Session
    {
        let state = try perform(key, "stop training", at: at) { state throws(JobLedgerError) in
            guard NuPICState(state.phase) == .training else {
                throw JobLedgerError(
                    .illegalTransition, "there is no training session (state \(NuPICState(state.phase).rawValue))")
            }
            return .cancelled(reason: forceRestart ? "force_restart" : "stop")
        }
        if forceRestart { return try startSession(forceRestart: true, at: at.map { max($0, state.lastEventAt) }) }
        return Session(key: key, status: Status(state))
    }

    // MARK: Training results

    /// `GET /monitor/{key}`: the last training information.
    public func monitor(key: String) throws(JobLedgerError) -> TrainingInfo {
        let state = try ledger.state(of: try session(key))
        return TrainingInfo(status: Status(state), epoch: state.epoch, lastCheckpoint: state.checkpoints.last)
    }

    /// `GET /model_ready/{key}`.
    public func modelReady(key: String) throws(JobLedgerError) -> Status {
        Status(try ledger.state(of: try session(key)))
    }

    /// `GET /download_model/{key}`: the trained model; only when state is trained.
    public func downloadModel(key: String) throws(JobLedgerError) -> TrainedModel {
        let state = try trainedSession(key, "download the model")
        return TrainedModel(name: state.trainedModel!)
    }

    /// `GET /download_results/{key}`: the checkpoints with their metrics; only when trained.
    public func downloadResults(key: String) throws(JobLedgerError) -> [JobState.SavedCheckpoint] {
        try trainedSession(key, "download the results").checkpoints
    }

    // MARK: Model import

    /// `POST /import_model/{key}?model_type=&model_name=`: starts importing the trained model.
    public func importModel(key: String, modelType: String, modelName: String, at: Timestamp? = nil)
        throws(JobLedgerError) -> Status
    {
        Status(
            try perform(key, "import the model", at: at) { state throws(JobLedgerError) in
                guard state.phase == .completed else { throw Self.notTrained(state, "import the model") }
                return .modelImportStarted(modelType: modelType, modelName: modelName)
            })
    }

    /// `GET /get_imported_model/{key}?on_disk=&tokenizer=`: the imported model; only once imported.
    public func importedModel(key: String, onDisk: Bool = false, tokenizer: Bool = false) throws(JobLedgerError)
        -> ImportedModel
    {
        let state = try trainedSession(key, "get the imported model")
        guard state.modelImport == .imported else {
            throw JobLedgerError(
                .notReady, "cannot get the imported model: the import is \(state.modelImport.rawValue)",
                job: state.job.rawValue)
        }
        return ImportedModel(
            modelType: state.importedModelType!, modelName: state.importedModelName!, onDisk: onDisk, tokenizer: tokenizer)
    }

    // MARK: What the server's background work reports

    /// Preprocessing finished (`dataProcessed`).
    public func preprocessingFinished(key: String, at: Timestamp? = nil) throws(JobLedgerError) -> Status {
        Status(try perform(key, "finish preprocessing", at: at) { _ in .dataProcessed })
    }

    /// Training reported progress.
    public func trainingProgressed(key: String, percent: Int, epoch: Int? = nil, at: Timestamp? = nil)
        throws(JobLedgerError) -> Status
    {
        Status(try perform(key, "report progress", at: at) { _ in .progressed(percent: percent, epoch: epoch) })
    }

    /// Training saved a checkpoint.
    public func checkpointSaved(key: String, _ checkpoint: Checkpoint, at: Timestamp? = nil) throws(JobLedgerError)
        -> Status
    {
        Status(try perform(key, "save a checkpoint", at: at) { _ in .checkpointSaved(checkpoint) })
    }

    /// Training finished and produced `model` (`trainingFinished`, `completed`): the state is trained.
    public func trainingFinished(key: String, model: String, at: Timestamp? = nil) throws(JobLedgerError) -> Status {
        let job = try session(key)
        _ = try ledger.append(job: job, expectedSeq: nil) { state in
            let now = at ?? .now(notBefore: state?.lastEventAt)
            return [PendingEvent(.trainingFinished, at: now), PendingEvent(.completed(model: model), at: now)]
        }
        return Status(try ledger.state(of: job))
    }

    /// The model import finished, or failed with `error`.
    public func importFinished(key: String, error: String? = nil, at: Timestamp? = nil) throws(JobLedgerError)
        -> Status
    {
        Status(
            try perform(key, "finish the import", at: at) { _ in
                if let error { return .modelImportFailed(error: error) }
                return .modelImported
            })
    }

    /// The session failed with `error`.
    public func sessionFailed(key: String, error: String, at: Timestamp? = nil) throws(JobLedgerError) -> Status {
        Status(try perform(key, "fail", at: at) { _ in .failed(error: error) })
    }

    // MARK: Helpers

    static func isActive(_ state: JobState) -> Bool { state.phase != .failed && state.phase != .cancelled }

    private func currentSession() throws(JobLedgerError) -> JobID {
        guard let job = current.withLock({ $0 }) else {
            throw JobLedgerError(.noActiveSession, "there is no session; call start_session first")
        }
        return job
    }

    /// The current session, if `key` is its key.
    private func session(_ key: String) throws(JobLedgerError) -> JobID {
        let job = try currentSession()
        guard key == job.rawValue else {
            throw JobLedgerError(.invalidSessionKey, "the session key is not the current session's (it may have been restarted)")
        }
        return job
    }

    private func trainedSession(_ key: String, _ action: String) throws(JobLedgerError) -> JobState {
        let state = try ledger.state(of: try session(key))
        guard NuPICState(state.phase) == .trained else { throw Self.notTrained(state, action) }
        return state
    }

    static func notTrained(_ state: JobState, _ action: String) -> JobLedgerError {
        JobLedgerError(
            .notReady, "cannot \(action): the model is not trained yet (state \(NuPICState(state.phase).rawValue))",
            job: state.job.rawValue)
    }

    static func requireSetup(_ state: JobState, _ action: String) throws(JobLedgerError) {
        guard NuPICState(state.phase) == .setup else {
            throw JobLedgerError(
                .illegalTransition, "cannot \(action) in a non-setup state (state \(NuPICState(state.phase).rawValue))",
                job: state.job.rawValue)
        }
    }

    /// Checks `key`, then under the job's lock checks the precondition `decide` encodes and
    /// appends the event it returns. The table still validates it.
    private func perform(
        _ key: String, _ action: String, at: Timestamp?, _ decide: (JobState) throws(JobLedgerError) -> Event
    ) throws(JobLedgerError) -> JobState {
        let job = try session(key)
        let update = try ledger.store.update(job) { state throws(JobLedgerError) -> Decision<Void> in
            guard let state else { throw JobLedgerError(.noActiveSession, "the session has no events", job: job.rawValue) }
            // No time given: now, taken under the lock, so concurrent calls never go back in time.
            return Decision(append: [PendingEvent(try decide(state), at: at ?? .now(notBefore: state.lastEventAt))])
        }
        return update.state!
    }

    static func randomHex() -> String {
        let value = UInt64.random(in: .min ... .max)
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
