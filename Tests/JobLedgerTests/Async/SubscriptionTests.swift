import Foundation
import JobLedger
import Synchronization
import Testing

/// Subscriptions: history, then live events, with no gap and no duplicate, on every store and
/// every kind of change detection; and `jobledger follow`.
@Suite struct SubscriptionTests {
    /// The first `count` events of `subscription`; fails after `patience` rather than hanging.
    static func first(_ count: Int, of subscription: LedgerSubscription) async throws -> [RecordedEvent] {
        let collector = Task {
            var events: [RecordedEvent] = []
            for try await event in subscription {
                events.append(event)
                if events.count == count { break }
            }
            return events
        }
        let watchdog = Task {
            try await Task.sleep(for: patience)
            collector.cancel()
        }
        defer { watchdog.cancel() }
        let events = try await collector.value
        #expect(events.count == count, "timed out waiting for \(count) events, got \(events.count)")
        return events
    }

    @Test(arguments: ["memory", "directory", "polling"])
    func oneJobFromAPositionThenLive(kind: String) async throws {
        let ledger = kind == "memory" ? Ledger.inMemory() : try Ledger(directory: Logs.temporaryDirectory(), durability: .none)
        let detection: ChangeDetection = kind == "polling" ? .polling(.milliseconds(10)) : .automatic
        let job = try JobID("m-1")
        _ = try Logs.ledger(Logs.reaching(.training), job: "m-1", ledger: ledger)  // 3 events
        try ledger.append(.created(Creation(origin: .console)), to: JobID("unrelated"))
        let async = AsyncLedger(ledger)
        let subscription = async.subscribe(job: job, after: 1, detection: detection)
        let appender = Task {
            for percent in stride(from: 20, through: 90, by: 10) {
                try await Task.sleep(for: .milliseconds(3))
                try await async.append(.progressed(percent: percent, epoch: 1), to: job)
                // Another job's appends are not this subscription's.
                try await async.append(.configured(config: ["percent": .int(percent)]), to: JobID("unrelated"))
            }
        }
        let events = try await Self.first(2 + 8, of: subscription)
        try await appender.value
        #expect(events.map(\.seq) == Array(2...11))
        #expect(events.allSatisfy { $0.job == job })
        #expect(events.last?.event == .progressed(percent: 90, epoch: 1))
    }

    @Test(arguments: ["memory", "directory"])
    func noGapNoDuplicateWhileAppendsRaceTheSwitchToLive(kind: String) async throws {
        let ledger = kind == "memory" ? Ledger.inMemory() : try Ledger(directory: Logs.temporaryDirectory(), durability: .none)
        let job = try JobID("race")
        try ledger.append(.created(Creation(origin: .api)), to: job)
        try ledger.append(.trainingStarted(resources: nil), to: job)
        let total = 300
        // A thread appends as fast as it can while the subscription starts and reads history.
        let appender = Thread {
            for _ in 3...total { _ = try? ledger.append(.progressed(percent: 50, epoch: nil), to: job) }
        }
        appender.start()
        let events = try await Self.first(total, of: AsyncLedger(ledger).subscribe(job: job))
        #expect(events.map(\.seq) == Array(1...total))
    }

    @Test(arguments: ["memory", "directory"])
    func everyJobIncludingNewOnes(kind: String) async throws {
        let ledger = kind == "memory" ? Ledger.inMemory() : try Ledger(directory: Logs.temporaryDirectory(), durability: .none)
        try ledger.append(.created(Creation(origin: .api)), to: JobID("a"))
        try ledger.append(.queued, to: JobID("a"))
        let async = AsyncLedger(ledger)
        let subscription = async.subscribe(after: LedgerPosition([try JobID("a"): 1]))
        Task {
            try await Task.sleep(for: .milliseconds(20))
            try await async.append(.created(Creation(origin: .console)), to: JobID("b"))
            try await async.append(.trainingStarted(resources: nil), to: JobID("a"))
            try await async.append(.failed(error: "x"), to: JobID("b"))
        }
        let events = try await Self.first(4, of: subscription)
        let byJob = Dictionary(grouping: events, by: \.job.rawValue).mapValues { $0.map(\.seq) }
        #expect(byJob == ["a": [2, 3], "b": [1, 2]])
    }

    @Test func anotherProcessesAppendsAreSeenThroughTheFiles() async throws {
        let directory = Logs.temporaryDirectory()
        let ledger = try Ledger(directory: directory)
        let job = try JobID("cross")
        try ledger.append(.created(Creation(origin: .api)), to: job)
        let subscription = AsyncLedger(ledger).subscribe(job: job)
        let appender = Task {
            try await Task.sleep(for: .milliseconds(50))
            for type in ["trainingStarted", "trainingFinished"] {
                let result = try await onThread { try Executables.jobledger("append", directory, "cross", type) }
                #expect(result.status == 0, "\(result.stderr)")
            }
        }
        let events = try await Self.first(3, of: subscription)
        try await appender.value
        #expect(events.map(\.event.type) == [.created, .trainingStarted, .trainingFinished])
    }

    @Test func followPrintsHistoryThenLiveLines() async throws {
        let directory = Logs.temporaryDirectory()
        let ledger = try Ledger(directory: directory)
        let job = try JobID("f-1")
        try ledger.append(.created(Creation(origin: .api)), to: job)
        try ledger.append(.trainingStarted(resources: nil), to: job)
        // The follower waits for lines this test appends: it must not hold a cooperative thread.
        let follower = Task {
            try await onThread { try Executables.run(Executables.jobledger, ["follow", directory, "f-1", "--count", "4"]) }
        }
        try await Task.sleep(for: .milliseconds(300))
        try ledger.append(.progressed(percent: 30, epoch: nil), to: job)
        try ledger.append(.trainingFinished, to: job)
        let result = try await follower.value
        #expect(result.status == 0, "\(result.stderr)")
        let expected = try ledger.events(of: job).map(\.jsonLine).joined()
        #expect(result.stdout == expected)

        let usage = try await onThread { try Executables.jobledger("follow", directory, "--after", "2") }
        #expect(usage.status == 2)
        #expect(usage.stderr.contains("--after needs a JOB"))
        let help = try await onThread { try Executables.jobledger("follow", "--help") }
        #expect(help.status == 0)
        #expect(help.stdout.hasPrefix("usage: jobledger follow"))
    }
}
