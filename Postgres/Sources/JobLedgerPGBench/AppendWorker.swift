import JobLedger
import JobLedgerPostgres

/// `jobledger-pg-bench append-worker URL JOB COUNT WORKER`: appends COUNT `configured` events
/// ({"worker": WORKER, "i": i}) to JOB, one durable append each; for the multi-process tests.
enum AppendWorker {
    static func run(_ arguments: [String]) -> Int32 {
        guard arguments.count == 4, let count = Int(arguments[2]), let worker = Int(arguments[3]) else {
            print("usage: jobledger-pg-bench append-worker URL JOB COUNT WORKER")
            return 2
        }
        do {
            let ledger = Ledger(store: try PostgresStore(url: arguments[0]))
            let job = try JobID(arguments[1])
            for i in 0..<count {
                try ledger.append(.configured(config: ["worker": .int(worker), "i": .int(i)]), to: job)
            }
            return 0
        } catch {
            print("append-worker: \(error)")
            return 1
        }
    }
}
