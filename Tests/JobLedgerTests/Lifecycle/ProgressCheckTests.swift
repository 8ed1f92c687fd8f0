import Dispatch
import JobLedger
import Testing

/// The publication rule (seed 000, SPEC 1): a progress check of a completed API-initiated job
/// triggers publication exactly once; nothing else does.
@Suite struct ProgressCheckTests {
    @Test func decisionIsPure() throws {
        let completed = try Logs.state(Logs.reaching(.completed))
        #expect(ProgressCheck.decide(completed) == .appendThenRespond(.publicationStarted(trigger: .progressCheck)))
        #expect(ProgressCheck.decide(try completed.after(.publicationStarted(trigger: .explicit))) == .respond)
        #expect(ProgressCheck.decide(try Logs.state(Logs.reaching(.completed, origin: .console))) == .respond)
        for phase in Phase.allCases where phase != .completed {
            #expect(ProgressCheck.decide(try Logs.state(Logs.reaching(phase))) == .respond)
        }
        // After a failed publication the next check tries again.
        let failed = try completed.after(.publicationStarted(trigger: .progressCheck)).after(.publicationFailed(error: "x"))
        #expect(ProgressCheck.decide(failed) == .appendThenRespond(.publicationStarted(trigger: .progressCheck)))
    }

    @Test func checkAppendsBeforeAnswering() throws {
        let job = try JobID("j-1")
        let ledger = try Logs.ledger(Logs.reaching(.completed))
        let answer = try ledger.checkProgress(job, at: Logs.at(50))
        #expect(answer == SestekProgress(percent: 100, trainingStatus: .completed, inferenceStatus: .pending))
        let last = try #require(try ledger.events(of: job).last)
        #expect(last.event == .publicationStarted(trigger: .progressCheck))
        #expect(last.at == Logs.at(50))
        // A second check appends nothing.
        _ = try ledger.checkProgress(job, at: Logs.at(60))
        #expect(try ledger.events(of: job).count == last.seq)
    }

    @Test func checkNeverMovesTimeBackwards() throws {
        let job = try JobID("j-1")
        let ledger = try Logs.ledger(Logs.reaching(.completed))
        _ = try ledger.checkProgress(job, at: Timestamp(seconds: 0))
        let events = try ledger.events(of: job)
        #expect(events.last!.at == events[events.count - 2].at)
    }

    @Test(arguments: Phase.allCases)
    func checksInOtherStatesAppendNothing(_ phase: Phase) throws {
        for origin in Origin.allCases where !(origin == .api && phase == .completed) {
            let ledger = try Logs.ledger(Logs.reaching(phase, origin: origin))
            let before = try ledger.events(of: try JobID("j-1"))
            _ = try ledger.checkProgress(try JobID("j-1"))
            #expect(try ledger.events(of: try JobID("j-1")) == before)
        }
    }

    @Test func consoleJobIsPublishedOnlyExplicitly() throws {
        let job = try JobID("j-1")
        let ledger = try Logs.ledger(Logs.reaching(.completed, origin: .console))
        for _ in 0..<5 { #expect(try ledger.checkProgress(job).inferenceStatus == nil) }
        try ledger.append(.publicationStarted(trigger: .explicit), to: job)
        #expect(try ledger.checkProgress(job).inferenceStatus == .pending)
    }

    @Test func checkOfUnknownJob() throws {
        let error = try #require(throws: JobLedgerError.self) { try Ledger.inMemory().checkProgress(try JobID("nope")) }
        #expect(error.code == .unknownJob)
    }

    static func concurrentChecks(_ ledger: Ledger) throws {
        let job = try JobID("j-1")
        _ = try Logs.ledger(Logs.reaching(.completed), ledger: ledger)
        let answers = Answers()
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            answers.add(try? ledger.checkProgress(job))
        }
        let publications = try ledger.events(of: job).filter { $0.event.type == .publicationStarted }
        #expect(publications.count == 1)
        #expect(answers.all.count == 16)
        #expect(answers.all.allSatisfy { $0?.inferenceStatus == .pending })
    }

    @Test func sixteenConcurrentChecksPublishOnceInMemory() throws {
        try Self.concurrentChecks(.inMemory())
    }

    @Test func sixteenConcurrentChecksPublishOnceOnDisk() throws {
        try Self.concurrentChecks(try Ledger(directory: Logs.temporaryDirectory(), durability: .none))
    }

    @Test func canInferSaysWhatIsMissing() throws {
        let job = try JobID("j-1")
        let training = try Logs.ledger(Logs.reaching(.training))
        #expect(try training.canInfer(job) == .notReady(["trainingStatus is Training, not Completed", "inferenceStatus is null, not Running"]))
        let completed = try Logs.ledger(Logs.reaching(.completed, origin: .console))
        #expect(try completed.canInfer(job) == .notReady(["inferenceStatus is null, not Running"]))
        try completed.append(.publicationStarted(trigger: .explicit), to: job)
        #expect(try completed.canInfer(job) == .notReady(["inferenceStatus is Pending, not Running"]))
        try completed.append(.published, to: job)
        #expect(try completed.canInfer(job).isReady)
    }
}

import Synchronization

/// Answers collected from many threads.
final class Answers: Sendable {
    private let answers = Mutex<[SestekProgress?]>([])
    func add(_ answer: SestekProgress?) { answers.withLock { $0.append(answer) } }
    var all: [SestekProgress?] { answers.withLock { $0 } }
}
