// swift-tools-version: 6.0
import PackageDescription

// The PostgreSQL store: its own package, so that the root package (`..`) builds and tests with
// nothing but the toolchain. It links Debian's libpq (`apt-get install libpq-dev`) as a system
// library; see docs/postgres.md.
let package = Package(
    name: "JobLedgerPostgres",
    products: [
        .library(name: "JobLedgerPostgres", targets: ["JobLedgerPostgres"]),
        .executable(name: "jobledger-pg", targets: ["JobLedgerPGCLI"]),
        .executable(name: "jobledger-pg-bench", targets: ["JobLedgerPGBench"]),
    ],
    dependencies: [
        .package(name: "JobLedger", path: "..")
    ],
    targets: [
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"]), .brew(["libpq"])]),
        .target(name: "JobLedgerPostgres", dependencies: ["CLibPQ", .product(name: "JobLedger", package: "JobLedger")]),
        .executableTarget(
            name: "JobLedgerPGCLI",
            dependencies: ["JobLedgerPostgres", .product(name: "JobLedgerCommands", package: "JobLedger")]),
        .executableTarget(
            name: "JobLedgerPGBench", dependencies: ["JobLedgerPostgres", .product(name: "JobLedger", package: "JobLedger")]),
        .testTarget(
            name: "PostgresStoreTests",
            dependencies: [
                "JobLedgerPostgres", "JobLedgerPGCLI", "JobLedgerPGBench",
                .product(name: "JobLedger", package: "JobLedger"),
                .product(name: "JobLedgerStoreContract", package: "JobLedger"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
