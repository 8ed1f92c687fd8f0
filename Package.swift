// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "JobLedger",
    products: [
        .library(name: "JobLedger", targets: ["JobLedger"]),
        .executable(name: "jobledger", targets: ["JobLedgerCLI"]),
        .executable(name: "jobledger-bench", targets: ["JobLedgerBench"]),
    ],
    targets: [
        .target(name: "JobLedger"),
        .executableTarget(name: "JobLedgerCLI", dependencies: ["JobLedger"]),
        .executableTarget(name: "JobLedgerBench", dependencies: ["JobLedger"]),
        .testTarget(name: "JobLedgerTests", dependencies: ["JobLedger", "JobLedgerCLI", "JobLedgerBench"]),
        .testTarget(name: "PropertyTests", dependencies: ["JobLedger"]),
    ],
    swiftLanguageModes: [.v6]
)
