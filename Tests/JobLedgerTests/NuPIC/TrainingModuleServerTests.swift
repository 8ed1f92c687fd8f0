import JobLedger
import Testing

/// The NuPIC Training Module endpoints (seed 001) over a ledger: one session's life, and each
/// endpoint refusing with its documented error when its precondition fails.
@Suite struct TrainingModuleServerTests {
    func expectError(_ code: JobLedgerError.Code, _ fragment: String = "", sourceLocation: SourceLocation = #_sourceLocation,
                     _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected \(code)", sourceLocation: sourceLocation)
        } catch let error as JobLedgerError {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            #expect(fragment.isEmpty || error.message.contains(fragment), "\(error.message)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    /// Takes a fresh session from setup to training.
    func train(_ server: TrainingModuleServer, _ key: String) throws {
        _ = try server.uploadDataset(key: key, trainFile: "a", testFile: "b")
        _ = try server.preprocess(key: key)
        _ = try server.preprocessingFinished(key: key)
        _ = try server.startTraining(key: key)
    }

    @Test func aSessionFromSetupToImportedModel() throws {
        let server = try TrainingModuleServer(ledger: .inMemory())
        expectError(.noActiveSession) { _ = try server.status() }
        let session = try server.startSession()
        let key = session.key
        #expect(session.status.state == .setup)
        #expect(try server.parameters().key == key)

        let parameters = try server.updateParameters(key: key, config: ["epochs": 3, "batch_size": 8])
        #expect(parameters.config == ["epochs": 3, "batch_size": 8])
        expectError(.illegalTransition, "no dataset was uploaded") { _ = try server.preprocess(key: key) }
        expectError(.illegalTransition, "training is not possible in state setup") { _ = try server.startTraining(key: key) }
        #expect(try server.uploadDataset(key: key, trainFile: "train.csv", testFile: "test.csv").state == .setup)
        #expect(try server.preprocess(key: key).state == .preprocessing)
        expectError(.illegalTransition, "non-setup state (state preprocessing)") {
            _ = try server.updateParameters(key: key, config: ["epochs": 4])
        }
        expectError(.illegalTransition, "non-setup state") { _ = try server.uploadDataset(key: key, trainFile: "a", testFile: "b") }
        #expect(try server.preprocessStatus().state == .preprocessing)
        #expect(try server.preprocessingFinished(key: key).state == .preprocessed)

        expectError(.illegalTransition, "there is no training session (state preprocessed)") { _ = try server.stopTraining(key: key) }
        #expect(try server.startTraining(key: key, resources: ["gpus": 1]).state == .training)
        _ = try server.trainingProgressed(key: key, percent: 50, epoch: 1)
        _ = try server.checkpointSaved(key: key, Checkpoint(identifier: "ck", epoch: 1, path: "/ck", metrics: TrainingMetrics(trainLoss: 0.4, validationLoss: 0.5, perplexity: 1.5)))
        let info = try server.monitor(key: key)
        #expect(info.status.percent == 50)
        #expect(info.epoch == 1)
        #expect(info.lastCheckpoint?.checkpoint.identifier == "ck")
        #expect(try server.modelReady(key: key).modelReady == false)
        expectError(.notReady, "not trained yet (state training)") { _ = try server.downloadModel(key: key) }
        expectError(.notReady) { _ = try server.downloadResults(key: key) }
        expectError(.notReady) { _ = try server.importModel(key: key, modelType: "bert", modelName: "m") }

        let trained = try server.trainingFinished(key: key, model: "session-model.pt")
        #expect(trained.state == .trained)
        #expect(trained.modelReady)
        #expect(try server.downloadModel(key: key).name == "session-model.pt")
        #expect(try server.downloadResults(key: key).count == 1)

        expectError(.notReady, "the import is none") { _ = try server.importedModel(key: key) }
        #expect(try server.importModel(key: key, modelType: "bert", modelName: "served").importStatus == .importing)
        expectError(.illegalTransition) { _ = try server.importModel(key: key, modelType: "bert", modelName: "again") }
        #expect(try server.importStatus() == .importing)
        #expect(try server.importFinished(key: key).importStatus == .imported)
        let imported = try server.importedModel(key: key, onDisk: true)
        #expect(imported.modelType == "bert")
        #expect(imported.modelName == "served")
        #expect(imported.onDisk && !imported.tokenizer)
    }

    @Test func importCanFailAndBeRetried() throws {
        let server = try TrainingModuleServer(ledger: .inMemory())
        let key = try server.startSession().key
        try train(server, key)
        _ = try server.trainingFinished(key: key, model: "m")
        _ = try server.importModel(key: key, modelType: "t", modelName: "n")
        #expect(try server.importFinished(key: key, error: "disk full").importStatus == .failed)
        #expect(try server.importModel(key: key, modelType: "t", modelName: "n").importStatus == .importing)
    }

    @Test func startSessionWhileActiveNeedsForceRestart() throws {
        let ledger = Ledger.inMemory()
        let server = try TrainingModuleServer(ledger: ledger)
        let first = try server.startSession(at: Logs.at(0)).key
        expectError(.sessionActive, "there is already an active session (state setup)") { _ = try server.startSession() }
        let second = try server.startSession(forceRestart: true, at: Logs.at(5)).key
        #expect(second != first)
        // The old session was cancelled with reason force_restart, and its log kept.
        let old = try ledger.state(of: try JobID(first))
        #expect(old.phase == .cancelled)
        #expect(old.cancelReason == "force_restart")
        #expect(NuPICStatus(old).state == .stopped)
        // Keyed calls with the old key are refused.
        expectError(.invalidSessionKey) { _ = try server.updateParameters(key: first, config: [:]) }
        #expect(try server.status().state == .setup)
    }

    @Test func stoppedOrFailedSessionsAreNotActive() throws {
        let server = try TrainingModuleServer(ledger: .inMemory())
        let key = try server.startSession().key
        _ = try server.sessionFailed(key: key, error: "worker died")
        #expect(try server.status().state == .failed)
        let next = try server.startSession().key
        try train(server, next)
        #expect(try server.stopTraining(key: next).status.state == .stopped)
        _ = try server.startSession()
    }

    @Test func stopWithForceRestartStartsANewSession() throws {
        let server = try TrainingModuleServer(ledger: .inMemory())
        let key = try server.startSession().key
        try train(server, key)
        let restarted = try server.stopTraining(key: key, forceRestart: true)
        #expect(restarted.key != key)
        #expect(restarted.status.state == .setup)
    }

    @Test func aTrainedSessionStaysActiveAndMayBeReplaced() throws {
        let server = try TrainingModuleServer(ledger: .inMemory())
        let key = try server.startSession().key
        try train(server, key)
        _ = try server.trainingFinished(key: key, model: "m")
        expectError(.sessionActive, "state trained") { _ = try server.startSession() }
        let next = try server.startSession(forceRestart: true)
        #expect(next.key != key)
    }

    @Test func aRestartedServerFindsTheCurrentSession() throws {
        let directory = Logs.temporaryDirectory()
        let key = try TrainingModuleServer(ledger: try Ledger(directory: directory, durability: .none)).startSession().key
        let again = try TrainingModuleServer(ledger: try Ledger(directory: directory, durability: .none))
        #expect(try again.parameters().key == key)
        _ = try again.updateParameters(key: key, config: ["seed": 1])
    }
}
