// swift-tools-version: 6.1
// A Swift program that embeds SchedulerKit with its own handler, run inside a
// swift-service-lifecycle ServiceGroup, and its tests with SchedulerKitTesting.
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, which depends on where the repository was cloned.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "EmbeddedScheduler",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../.."),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // The program's jobs, a library so its tests can use them.
        .target(
            name: "ReportJobs",
            dependencies: [.product(name: "SchedulerKit", package: root)]
        ),
        .executableTarget(
            name: "EmbeddedScheduler",
            dependencies: [
                "ReportJobs",
                .product(name: "SchedulerKit", package: root),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The same test files also run in the main package's `swift test` (decision 0013).
        .testTarget(
            name: "ReportJobsTests",
            dependencies: [
                "ReportJobs",
                .product(name: "SchedulerKit", package: root),
                .product(name: "SchedulerKitTesting", package: root),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
