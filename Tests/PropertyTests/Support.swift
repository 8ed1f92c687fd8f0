import Foundation
import JobLedger

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
