// swift-tools-version: 6.1
// Benchmarks live in their own package so that programs linking SchedulerKit never resolve
// benchmark-only dependencies.
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, which depends on where the repository was
// cloned; compute it rather than hard-code it.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "SchedulerKitBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // `prune` seeds a million runs with raw inserts
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // `api` drives the HTTP server at concurrency 32
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // `pg-dispatch` and `pg-lateness` create a fresh database for each measurement
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        .executableTarget(
            name: "schedbench",
            dependencies: [
                .product(name: "SchedulerKit", package: root),
                .product(name: "SchedulerKitHTTP", package: root),
                .product(name: "SchedulerKitPostgres", package: root),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
