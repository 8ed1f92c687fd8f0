import Foundation
import JobLedger
import Testing

@testable import JobLedgerPostgres

/// The PostgreSQL server the tests use: `JOBLEDGER_POSTGRES_URL` (Scripts/ci-postgres starts a
/// throwaway cluster and sets it). Without it the tests are skipped, except under `CI=true`,
/// where they run and fail: CI cannot silently not test the store.
enum Database {
    static let environment = ProcessInfo.processInfo.environment
    static let isCI = environment["CI"] == "true"

    /// Whether the tests run: a server is configured, or this is CI (where its absence fails).
    static let enabled = environment["JOBLEDGER_POSTGRES_URL"] != nil || isCI

    /// The server's URL; records a failure if none is configured.
    static func url() throws -> String {
        try required("JOBLEDGER_POSTGRES_URL", "a PostgreSQL URL (Scripts/ci-postgres sets it)")
    }

    /// An environment variable the test needs: under CI its absence is a failure.
    static func required(_ name: String, _ what: String) throws -> String {
        guard let value = environment[name], !value.isEmpty else {
            Issue.record("\(name) is not set: \(what); run the tests with Scripts/ci-postgres")
            throw Missing()
        }
        return value
    }

    struct Missing: Error {}

    /// A URL whose tables live in a new, empty schema of their own (libpq's `options` parameter
    /// sets `search_path`), so tests never see each other's jobs. `parameters` are added to it.
    static func freshURL(_ parameters: String = "") throws -> String {
        let url = try url()
        let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try admin { connection in try connection.run("CREATE SCHEMA \(schema)") }
        return url + (url.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)" + parameters
    }

    /// A fresh store.
    static func store(_ parameters: String = "") throws -> PostgresStore {
        try PostgresStore(url: freshURL(parameters))
    }

    /// Runs `body` with a connection of its own to the server (not the store's).
    static func admin<R>(_ url: String? = nil, _ body: (Connection) throws -> R) throws -> R {
        try body(try Connection(url ?? Database.url()))
    }
}

/// The package's built executables, found beside the test bundle.
enum Executables {
    static let products: URL = {
        let me = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        var directory = me.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("jobledger-pg").path), directory.path != "/" {
            directory = directory.deletingLastPathComponent()
        }
        return directory
    }()

    static var cli: URL { products.appendingPathComponent("jobledger-pg") }
    static var bench: URL { products.appendingPathComponent("jobledger-pg-bench") }

    struct Result: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Starts `executable`; `wait` gives its result.
    final class Running: @unchecked Sendable {
        let process = Process()
        let out = Pipe()
        let err = Pipe()
        init(_ executable: URL, _ arguments: [String]) throws {
            process.executableURL = executable
            process.arguments = arguments
            process.standardOutput = out
            process.standardError = err
            try process.run()
        }

        func wait() -> Result {
            // Read both pipes before waiting, so a full pipe cannot block the child.
            nonisolated(unsafe) var outData = Data()
            let group = DispatchGroup()
            DispatchQueue.global().async(group: group) { outData = self.out.fileHandleForReading.readDataToEndOfFile() }
            let errData = err.fileHandleForReading.readDataToEndOfFile()
            group.wait()
            process.waitUntilExit()
            return Result(
                status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                stderr: String(decoding: errData, as: UTF8.self))
        }
    }

    static func run(_ executable: URL, _ arguments: [String]) throws -> Result {
        try Running(executable, arguments).wait()
    }
}

/// Events of a job that reach `completed`, created with origin api (the publication rule's jobs).
func completedAPIJob() -> [Event] {
    [
        .created(Creation(origin: .api, name: "job", task: "classification")), .queued, .trainingStarted(resources: nil),
        .progressed(percent: 10, epoch: 0), .trainingFinished, .completed(model: "model-1"),
    ]
}
