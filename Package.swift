// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "JobLedger",
    products: [
        .library(name: "JobLedger", targets: ["JobLedger"]),
        .executable(name: "jobledger", targets: ["JobLedgerCLI"]),
        .executable(name: "jobledger-bench", targets: ["JobLedgerBench"]),
        // The CLI's commands, so another package's executable (Postgres/: jobledger-pg) can run
        // them with stores of its own.
        .library(name: "JobLedgerCommands", targets: ["JobLedgerCommands"]),
        // What every EventStore must do, for the tests of any package with a store.
        .library(name: "JobLedgerStoreContract", targets: ["JobLedgerStoreContract"]),
    ],
    targets: [
        .target(name: "JobLedger"),
        .target(name: "JobLedgerCommands", dependencies: ["JobLedger"]),
        .executableTarget(name: "JobLedgerCLI", dependencies: ["JobLedgerCommands"]),
        .executableTarget(name: "JobLedgerBench", dependencies: ["JobLedger"]),
        .target(name: "JobLedgerStoreContract", dependencies: ["JobLedger"], path: "Tests/StoreContract"),
        .testTarget(
            name: "JobLedgerTests", dependencies: ["JobLedger", "JobLedgerCLI", "JobLedgerBench", "JobLedgerStoreContract"]),
        .testTarget(name: "PropertyTests", dependencies: ["JobLedger", "JobLedgerStoreContract"]),
    ],
    swiftLanguageModes: [.v6]
)
