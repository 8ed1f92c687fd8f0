import JobLedger

/// `jobledger-bench append-worker DIR JOB COUNT`: appends COUNT events to JOB in a directory
/// store, each its own durable append: `created` if the job has no events yet, else `configured`.
/// Tests run several at once to show that processes never write the same `seq`.
enum AppendWorker {
    static func run(_ arguments: [String]) -> Int32 {
        guard arguments.count == 3, let count = Int(arguments[2]), let job = JobID(validating: arguments[1]) else {
            print("usage: jobledger-bench append-worker DIR JOB COUNT")
            return 2
        }
        do {
            let store = try DirectoryStore(directory: arguments[0], durability: .fsync)
            for i in 0..<count {
                _ = try store.update(job) { state throws(JobLedgerError) in
                    let event: Event = state == nil ? .created(Creation(origin: .api)) : .configured(config: ["step": .int(i)])
                    return Decision(append: [PendingEvent(event, at: .now(notBefore: state?.lastEventAt))])
                }
            }
            return 0
        } catch {
            print("jobledger-bench: \(error)")
            return 1
        }
    }
}
