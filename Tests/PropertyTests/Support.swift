import Foundation
import JobLedger
import Synchronization

/// A fresh directory for one case, removed by `remove()`.
struct ScratchDirectory {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("jobledger-property-\(getpid())-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func bytes(_ name: String) -> [UInt8]? {
        FileManager.default.contents(atPath: file(name)).map { [UInt8]($0) }
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

extension JSONRenderable {
    /// The library's JSON, read back by the tests' own parser.
    var j: J { try! J.parse(json) }
}

/// Events as log lines (the CLI's input format).
func jsonLines(_ events: [RecordedEvent]) -> String { events.map(\.jsonLine).joined() }

func jobID(_ text: String) -> JobID { try! JobID(text) }

/// Runs `body(0)`, …, `body(count - 1)` on `count` threads released together: each thread
/// waits, yielding, until all have started, so the calls overlap as much as the machine allows
/// (`concurrentPerform` on two cores tends to run short calls one after another).
func race(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    final class Gate: Sendable {
        let arrived = Atomic<Int>(0)
    }
    let gate = Gate()
    let finished = DispatchGroup()
    for index in 0..<count {
        finished.enter()
        Thread.detachNewThread {
            gate.arrived.add(1, ordering: .sequentiallyConsistent)
            while gate.arrived.load(ordering: .sequentiallyConsistent) < count { sched_yield() }
            body(index)
            finished.leave()
        }
    }
    finished.wait()
}
