// swift-tools-version: 6.0
import PackageDescription

// The example server: JobLedger's framework-neutral routes (``HTTPRouteTable``) mounted on
// Hummingbird 2, over a directory store. Its own package, so the root package keeps no dependencies.
let package = Package(
    name: "JobLedgerServer",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "jobledger-server", targets: ["JobLedgerServer"])
    ],
    dependencies: [
        .package(name: "JobLedger", path: "../.."),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
    ],
    targets: [
        .executableTarget(
            name: "JobLedgerServer",
            dependencies: [
                .product(name: "JobLedger", package: "JobLedger"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
