import JobLedger
import Testing

/// The fold's own checks: seq, at, job, field rules; and that a rejected event changes nothing.
@Suite struct FoldTests {
    let job = try! JobID("j-1")

    @Test func firstEventMustBeSeq1() throws {
        let error = try #require(throws: JobLedgerError.self) {
            try JobState(RecordedEvent(seq: 2, at: Logs.t0, job: job, event: Logs.created()))
        }
        #expect(error.code == .corruptLog)
        #expect(error.message == "seq 2 leaves a gap (expected 1)")
    }

    @Test func seqMustBeTheNext() throws {
        let state = try Logs.state(Logs.reaching(.queued))
        let gap = RecordedEvent(seq: 4, at: Logs.at(5), job: job, event: .trainingStarted(resources: nil))
        let error = try #require(throws: JobLedgerError.self) { try state.applying(gap) }
        #expect(error.code == .corruptLog)
        #expect(error.message == "seq 4 leaves a gap (expected 3)")
    }

    @Test func atNeverGoesBackwardsButMayRepeat() throws {
        let state = try Logs.state(Logs.reaching(.queued))
        let same = RecordedEvent(seq: 3, at: state.lastEventAt, job: job, event: .trainingStarted(resources: nil))
        #expect(try state.applying(same).phase == .trainingStarted)
        let earlier = RecordedEvent(seq: 3, at: Logs.t0, job: job, event: .trainingStarted(resources: nil))
        let error = try #require(throws: JobLedgerError.self) { try state.applying(earlier) }
        #expect(error.code == .invalidEvent)
        #expect(error.message.contains("is before the previous event's"))
    }

    @Test func anotherJobsEventIsRefused() throws {
        let state = try Logs.state(Logs.reaching(.queued))
        let other = RecordedEvent(seq: 3, at: Logs.at(5), job: try JobID("j-2"), event: .trainingStarted(resources: nil))
        #expect(throws: JobLedgerError.self) { try state.applying(other) }
    }

    @Test(arguments: [
        (Event.progressed(percent: 101, epoch: nil), "progressed: percent 101 is outside 0…100"),
        (.progressed(percent: -1, epoch: nil), "progressed: percent -1 is outside 0…100"),
        (.progressed(percent: 5, epoch: -1), "progressed: epoch -1 is negative"),
        (.checkpointSaved(Checkpoint(identifier: "", epoch: 0, path: "/p")), "checkpointSaved: identifier must not be empty"),
        (.checkpointSaved(Checkpoint(identifier: "c", epoch: -2, path: "/p")), "checkpointSaved: epoch -2 is negative"),
        (.completed(model: ""), "completed: model must not be empty"),
        (.failed(error: ""), "failed: error must not be empty"),
    ])
    func fieldRules(_ event: Event, _ message: String) throws {
        let state = try Logs.state(Logs.reaching(.training))
        let error = try #require(throws: JobLedgerError.self) { try state.after(event) }
        #expect(error.code == .invalidEvent)
        #expect(error.message == message)
    }

    @Test func rejectedEventChangesNothing() throws {
        var state = try Logs.state(Logs.reaching(.training))
        let before = state
        #expect(throws: JobLedgerError.self) {
            try state.apply(RecordedEvent(seq: state.seq + 1, at: Logs.at(99), job: job, event: .completed(model: "m")))
        }
        #expect(state == before)
    }

    @Test func configMergesKeyByKey() throws {
        let state = try Logs.state([
            .created(Creation(origin: .console, hyperparameters: ["lr": 0.1, "epochs": 1])),
            .configured(config: ["epochs": 3, "batch": 8]),
            .configured(config: ["batch": 16, "seed": 7]),
        ])
        #expect(state.config == ["epochs": 3, "batch": 16, "seed": 7])
        #expect(state.config.keys == ["epochs", "batch", "seed"])
        #expect(BluesightJob(state).hyperparameters == ["lr": 0.1, "epochs": 3, "batch": 16, "seed": 7])
    }

    @Test func foldingALogEqualsApplyingEachEvent() throws {
        let events = Logs.recorded(Logs.reaching(.completed))
        var state = try JobState(events[0])
        for event in events.dropFirst() {
            try state.apply(event)
            #expect(state.invariantViolations() == [])
        }
        #expect(try JobState.fold(events) == state)
        #expect(try JobState.fold([RecordedEvent]()) == nil)
    }
}
