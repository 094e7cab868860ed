// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "SchedulerKit",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SchedulerKit", targets: ["SchedulerKit"]),
        .library(name: "SchedulerKitHTTP", targets: ["SchedulerKitHTTP"]),
        .library(name: "SchedulerKitPostgres", targets: ["SchedulerKitPostgres"]),
        .executable(name: "schedctl", targets: ["schedctl"]),
        // Testing support for programs that embed SchedulerKit (Docs/Testing.md); schedctl never links it.
        .library(name: "SchedulerKitTesting", targets: ["SchedulerKitTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // DocC: `swift package generate-documentation` (Scripts/docs.sh); a plugin only, no target uses it.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .target(
            name: "SchedulerKit",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // the declarative document's YAML form (decision 0025)
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The HTTP API and dashboard (SPEC §9): only programs that serve HTTP build Hummingbird.
        .target(
            name: "SchedulerKitHTTP",
            dependencies: [
                "SchedulerKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Resources")]
        ),
        // The PostgreSQL store (SPEC §10): only programs that use PostgreSQL build postgres-nio.
        .target(
            name: "SchedulerKitPostgres",
            dependencies: [
                "SchedulerKit",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "schedctl",
            dependencies: [
                "SchedulerKit",
                "SchedulerKitHTTP",
                "SchedulerKitPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Real peers for tests (an HTTP receiver, an aiosmtpd SMTP server): shared by both test
        // targets, part of no product.
        .target(
            name: "SchedulerKitTestSupport",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "SchedulerKitTests",
            dependencies: [
                "SchedulerKit",
                // the conformance suite runs against both stores
                "SchedulerKitPostgres",
                "SchedulerKitTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                // raw access to store files: outbox rows, foreign and locked databases
                .product(name: "GRDB", package: "GRDB.swift"),
                // engine metrics read back through a Prometheus registry
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // SchedulerKitTesting: the harness (depends on SchedulerKit only), its own tests, and the
        // Examples/EmbeddedScheduler tests compiled here so `swift test` runs them (decision 0013).
        .target(name: "SchedulerKitTesting", dependencies: ["SchedulerKit"]),
        .testTarget(name: "SchedulerKitTestingTests", dependencies: ["SchedulerKit", "SchedulerKitTesting"]),
        .testTarget(
            name: "EmbeddedSchedulerExampleTests",
            dependencies: ["SchedulerKit", "SchedulerKitTesting"],
            path: "Examples/EmbeddedScheduler",
            exclude: ["Package.swift", "Sources/EmbeddedScheduler"],
            sources: ["Sources/ReportJobs", "Tests/ReportJobsTests"]
        ),
        .testTarget(
            name: "SchedulerKitHTTPTests",
            dependencies: [
                "SchedulerKit",
                "SchedulerKitHTTP",
                "SchedulerKitTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "schedctlTests",
            dependencies: [
                "SchedulerKit",
                // built first, so the tests can run the real binary
                "schedctl",
                "SchedulerKitTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
