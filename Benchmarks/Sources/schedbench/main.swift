import Foundation
import Logging
import SchedulerKit
#if canImport(Glibc)
import Glibc
#endif

// schedbench <name> [options] — prints one JSON line (the last line of stdout) per benchmark.
// See SPEC §8 and Docs/Performance.md.

let arguments = Array(CommandLine.arguments.dropFirst())
guard let name = arguments.first else {
    FileHandle.standardError.write(Data("usage: schedbench cron|add|list|dispatch|lateness|idle|memory|prune|delivery|api|pg-dispatch|pg-lateness|store-probe [options]\n".utf8))
    exit(64)
}
let options = Options(Array(arguments.dropFirst()))

LoggingSystem.bootstrap { _ in SwiftLogNoOpLogHandler() }

do {
    switch name {
    case "cron":
        let result = runCronBenchmark(iterations: options.int("iterations", 2_000_000), cold: options.int("cold", 200_000))
        emit(result.jsonFields + [("checksum", .double(result.checksum))])
    case "add": try await AddBenchmark.run(options)
    case "list": try await ListBenchmark.run(options)
    case "dispatch": try await DispatchBenchmark.run(options)
    case "lateness": try await LatenessBenchmark.run(options)
    case "idle": try await IdleBenchmark.run(options)
    case "memory": try await MemoryBenchmark.run(options)
    case "memory-child": try await MemoryBenchmark.child(options)
    case "store-probe": try await StoreProbe.run(options)
    case "prune": try await PruneBenchmark.run(options)
    case "delivery": try await DeliveryBenchmark.run(options)
    case "api": try await APIBenchmark.run(options)
    case "pg-dispatch": try await PostgresDispatchBenchmark.run(options)
    case "pg-lateness": try await PostgresLatenessBenchmark.run(options)
    case "pg-wake-child": try await PostgresLatenessBenchmark.child(options)
    default:
        emit([("error", "not implemented")])
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("schedbench \(name): \(error)\n".utf8))
    emit([("error", .string("\(error)"))])
    exit(1)
}
