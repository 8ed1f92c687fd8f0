import JobLedger
import Testing

/// Every row of SPEC 1's transition table, legal and illegal, against an expectation written out
/// by hand from the SPEC (not read from ``TransitionTable``).
@Suite struct TransitionTableTests {
    /// "legal when phase is …", per event type, as SPEC 1 states it.
    static let legalFrom: [EventType: Set<Phase>] = [
        .created: [],
        .configured: [.initialized, .queued, .uploadingDataset],
        .queued: [.initialized, .uploadingDataset, .processingData, .dataReady],
        .datasetUploadStarted: [.initialized, .queued],
        .dataProcessingStarted: [.initialized, .queued, .uploadingDataset],
        .dataProcessed: [.processingData],
        .trainingStarted: [.initialized, .queued, .uploadingDataset, .dataReady],
        .progressed: [.trainingStarted, .training],
        .checkpointSaved: [.trainingStarted, .training, .trained],
        .trainingFinished: [.trainingStarted, .training],
        .modelUploadStarted: [.trained],
        .completed: [.trained, .uploadingModel],
        .failed: Set(Phase.allCases).subtracting([.completed, .failed, .cancelled]),
        .cancelled: Set(Phase.allCases).subtracting([.completed, .failed, .cancelled]),
        // Inference and import rows need a completed job with the sub-machine at its start.
        .publicationStarted: [.completed],
        .published: [],
        .publicationFailed: [],
        .modelImportStarted: [.completed],
        .modelImported: [],
        .modelImportFailed: [],
    ]

    /// Where each legal event leads (SPEC 1's "then" column); `nil` means the phase stays.
    static let target: [EventType: Phase] = [
        .queued: .queued, .datasetUploadStarted: .uploadingDataset, .dataProcessingStarted: .processingData,
        .dataProcessed: .dataReady, .trainingStarted: .trainingStarted, .progressed: .training,
        .trainingFinished: .trained, .modelUploadStarted: .uploadingModel, .completed: .completed,
        .failed: .failed, .cancelled: .cancelled,
    ]

    static let cases: [(EventType, Phase)] = EventType.allCases.flatMap { type in Phase.allCases.map { (type, $0) } }

    @Test(arguments: cases)
    func eventInPhase(_ type: EventType, _ phase: Phase) throws {
        let state = try Logs.state(Logs.reaching(phase))
        #expect(state.phase == phase)
        let legal = Self.legalFrom[type]!.contains(phase)
        do {
            let next = try state.after(Logs.sample(type))
            #expect(legal, "\(type) in \(phase) was accepted; SPEC says it is illegal")
            #expect(next.phase == (Self.target[type] ?? phase))
            #expect(next.invariantViolations() == [])
        } catch let error as JobLedgerError {
            #expect(!legal, "\(type) in \(phase) was refused: \(error)")
            #expect(error.code == .illegalTransition)
            #expect(error.message.contains("illegal transition: \(type)"))
            #expect(error.message.contains("phase \(phase)"))
            #expect(error.job == "j-1")
        }
    }

    @Test func tableRowsMatchTheSpec() {
        // The table the code runs, read back, equals the hand-written expectation.
        for rule in TransitionTable.rules where !rule.startsJob {
            #expect(Set(rule.from.phases) == (rule.inference == nil && rule.modelImport == .any ? Self.legalFrom[rule.event]! : [.completed]),
                    "row \(rule.event)")
        }
        #expect(TransitionTable.rules.map(\.event) == EventType.allCases)
    }

    @Test func illegalTransitionNamesJobEventPhaseAndLegalPhases() throws {
        let state = try Logs.state(Logs.reaching(.trained))
        let error = try #require(throws: JobLedgerError.self) { try state.after(.progressed(percent: 90, epoch: nil)) }
        #expect(error.description == "job j-1: illegal transition: progressed in phase trained (legal from trainingStarted, training when percent ≥ the last percent)")
    }

    @Test func createdOnlyAsFirstEvent() throws {
        let state = try Logs.state(Logs.reaching(.initialized))
        let error = try #require(throws: JobLedgerError.self) { try state.after(Logs.created()) }
        #expect(error.code == .illegalTransition)
        #expect(error.message.contains("legal only as a job's first event"))
        let first = RecordedEvent(seq: 1, at: Logs.t0, job: try JobID("j-1"), event: .queued)
        let notCreated = try #require(throws: JobLedgerError.self) { try JobState(first) }
        #expect(notCreated.code == .illegalTransition)
        #expect(notCreated.message == "illegal transition: queued as the job's first event (a job starts with created)")
    }

    // MARK: The "and …" conditions

    @Test func queuedAtMostOnceEvenAfterTheDataStages() throws {
        // Sestek's order: queued before the data stages; then queued is not legal again.
        let state = try Logs.state([Logs.created(), .queued, .datasetUploadStarted(files: nil), .dataProcessingStarted, .dataProcessed])
        #expect(state.phase == .dataReady)
        let error = try #require(throws: JobLedgerError.self) { try state.after(.queued) }
        #expect(error.message == "illegal transition: queued in phase dataReady: the job was queued before (legal from initialized, uploadingDataset, processingData, dataReady when the job was never queued)")
    }

    @Test func bluesightOrderQueuesAfterTheDataStages() throws {
        var state = try Logs.state([Logs.created(), .datasetUploadStarted(files: nil), .dataProcessingStarted, .dataProcessed])
        state = try state.after(.queued)
        #expect(state.phase == .queued)
        state = try state.after(.trainingStarted(resources: nil))
        #expect(state.phase == .trainingStarted)
    }

    @Test func dataStagesHappenAtMostOnceAndInOrder() throws {
        let afterUpload = try Logs.state([Logs.created(), .datasetUploadStarted(files: nil), .queued])
        let reupload = try #require(throws: JobLedgerError.self) { try afterUpload.after(.datasetUploadStarted(files: nil)) }
        #expect(reupload.message.contains("the dataset upload already started"))
        let afterProcessing = try Logs.state([Logs.created(), .dataProcessingStarted, .dataProcessed, .queued])
        let reprocess = try #require(throws: JobLedgerError.self) { try afterProcessing.after(.dataProcessingStarted) }
        #expect(reprocess.message.contains("data processing already started"))
        let uploadAfterProcessing = try #require(throws: JobLedgerError.self) {
            try afterProcessing.after(.datasetUploadStarted(files: nil))
        }
        #expect(uploadAfterProcessing.message.contains("data processing already started"))
        // Processing may follow an upload, also with queued in between.
        let processing = try afterUpload.after(.dataProcessingStarted)
        #expect(processing.phase == .processingData)
    }

    @Test func percentNeverDecreasesButMayRepeat() throws {
        let state = try Logs.state(Logs.reaching(.trainingStarted) + [.progressed(percent: 40, epoch: nil)])
        #expect(try state.after(.progressed(percent: 40, epoch: nil)).percent == 40)
        let error = try #require(throws: JobLedgerError.self) { try state.after(.progressed(percent: 30, epoch: nil)) }
        #expect(error.message.contains("percent 30 is below the last percent 40"))
    }

    @Test func checkpointEpochsNeverDecrease() throws {
        let state = try Logs.state(Logs.reaching(.training) + [.checkpointSaved(Checkpoint(identifier: "a", epoch: 2, path: "/a"))])
        #expect(try state.after(.checkpointSaved(Checkpoint(identifier: "b", epoch: 2, path: "/b"))).checkpoints.count == 2)
        let error = try #require(throws: JobLedgerError.self) {
            try state.after(.checkpointSaved(Checkpoint(identifier: "c", epoch: 1, path: "/c")))
        }
        #expect(error.message.contains("epoch 1 is below the last checkpoint's epoch 2"))
        // A checkpoint may still be saved once training finished.
        #expect(try state.after(.trainingFinished).after(.checkpointSaved(Checkpoint(identifier: "d", epoch: 3, path: "/d"))).phase == .trained)
    }

    @Test func trainingFinishedMakesPercent100() throws {
        let state = try Logs.state(Logs.reaching(.training))
        #expect(state.percent == 10)
        #expect(try state.after(.trainingFinished).percent == 100)
    }

    @Test(arguments: [Phase.completed, .failed, .cancelled])
    func terminalPhasesAcceptNoLifecycleEvent(_ phase: Phase) throws {
        let state = try Logs.state(Logs.reaching(phase))
        for type in EventType.allCases where ![.publicationStarted, .modelImportStarted].contains(type) {
            #expect(throws: JobLedgerError.self) { try state.after(Logs.sample(type)) }
        }
    }

    // MARK: The inference and import sub-machines

    @Test func inferenceSubMachine() throws {
        var state = try Logs.state(Logs.reaching(.completed))
        #expect(state.inference == .none)
        #expect(throws: JobLedgerError.self) { try state.after(.published) }
        #expect(throws: JobLedgerError.self) { try state.after(.publicationFailed(error: "x")) }
        state = try state.after(.publicationStarted(trigger: .explicit))
        #expect(state.inference == .pending)
        #expect(throws: JobLedgerError.self) { try state.after(.publicationStarted(trigger: .explicit)) }
        let failed = try state.after(.publicationFailed(error: "no capacity"))
        #expect(failed.inference == .none)
        #expect(failed.publicationError == "no capacity")
        state = try failed.after(.publicationStarted(trigger: .progressCheck)).after(.published)
        #expect(state.inference == .running)
        for type in [EventType.publicationStarted, .published, .publicationFailed] {
            let error = try #require(throws: JobLedgerError.self) { try state.after(Logs.sample(type)) }
            #expect(error.message.contains("with inference running"))
        }
    }

    @Test func modelImportSubMachine() throws {
        var state = try Logs.state(Logs.reaching(.completed))
        #expect(throws: JobLedgerError.self) { try state.after(.modelImported) }
        state = try state.after(.modelImportStarted(modelType: "bert", modelName: "m"))
        #expect(state.modelImport == .importing)
        #expect(throws: JobLedgerError.self) { try state.after(.modelImportStarted(modelType: "bert", modelName: "m")) }
        state = try state.after(.modelImportFailed(error: "bad"))
        #expect(state.modelImport == .failed)
        state = try state.after(.modelImportStarted(modelType: "bert", modelName: "m2")).after(.modelImported)
        #expect(state.modelImport == .imported)
        #expect(state.importedModelName == "m2")
        let error = try #require(throws: JobLedgerError.self) { try state.after(.modelImportStarted(modelType: "x", modelName: "y")) }
        #expect(error.message.contains("with model import imported"))
    }
}
