import Foundation
import Logging
import SchedulerKit
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Alert delivery latency: from a failed run's end (`run.finished_at` in the body) to the
/// arrival of its webhook POST at a receiver on 127.0.0.1, over one-shot jobs spaced apart.
///
/// Measured twice in one run: alone, then with `--hanging N` (default 5) more receivers that
/// accept every connection and never answer, each also an alert target of every job. The second
/// figure (`hanging_p99_ms`, target ≤ 1,000 ms) is the healthy receiver's, beside the hanging
/// ones: a receiver that hangs must delay no other.
enum DeliveryBenchmark {
    static func run(_ o: Options) async throws {
        let n = o.int("runs", 200)
        let spacing = o.double("spacing-ms", 20) / 1000
        let hangingCount = o.int("hanging", 5)
        let dir = try scratchDirectory(o)
        defer { try? FileManager.default.removeItem(at: dir) }
        let alone = try await measure(runs: n, spacing: spacing, hanging: 0, path: dir.appendingPathComponent("delivery.sqlite").path)
        let beside = try await measure(
            runs: n, spacing: spacing, hanging: hangingCount, path: dir.appendingPathComponent("delivery-hanging.sqlite").path)
        emit([
            ("runs", .int(n)), ("received", .int(alone.count)),
            ("p50_ms", round3(percentile(alone, 50))), ("p99_ms", round3(percentile(alone, 99))), ("max_ms", round3(alone.max() ?? .nan)),
            ("hanging_receivers", .int(hangingCount)), ("hanging_received", .int(beside.count)),
            ("hanging_p50_ms", round3(percentile(beside, 50))), ("hanging_p99_ms", round3(percentile(beside, 99))),
            ("hanging_max_ms", round3(beside.max() ?? .nan)), ("hanging_p99_target_ms", .int(1000)),
        ])
    }

    /// The healthy receiver's latencies (ms) for `runs` failures, with `hanging` hanging receivers beside it.
    static func measure(runs n: Int, spacing: Double, hanging: Int, path: String) async throws -> [Double] {
        let receiver = try PlainHTTPReceiver()
        defer { receiver.stop() }
        let hangers = try (0..<hanging).map { _ in try PlainHTTPReceiver(hang: true) }
        defer { for h in hangers { h.stop() } }
        let store = try SQLiteJobStore(path: path)
        let client = SchedulerClient(store: store)
        var config = Scheduler.Configuration()
        config.concurrency = 16
        // The hanging attempts still in flight at the end are cancelled after this.
        config.shutdownGrace = 1
        config.logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let scheduler = Scheduler(store: store, configuration: config)
        scheduler.register("fail") { _ in throw RunFailure(.handlerError, "failing on purpose") }
        let first = Date().addingTimeInterval(1.5)
        for i in 0..<n {
            try await client.addJob(JobSpec(name: "fail-\(i)", schedule: .at(first.addingTimeInterval(Double(i) * spacing)), kind: "fail"))
            try await client.addAlert("fail-\(i)", .webhook("http://127.0.0.1:\(receiver.port)/hook", secret: "bench-secret"))
            for h in hangers { try await client.addAlert("fail-\(i)", .webhook("http://127.0.0.1:\(h.port)/hang")) }
        }
        let task = Task { try await scheduler.run() }
        let deadline = Date().addingTimeInterval(Double(n) * spacing + 60)
        while receiver.latencies.count < n && Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        scheduler.shutdown()
        _ = try await task.value
        try? store.close()
        return receiver.latencies
    }
}

/// A minimal HTTP/1.1 receiver on 127.0.0.1 (a thread per connection, keep-alive) that answers
/// 200 and records, per request, its arrival minus the body's `run.finished_at`, in ms — or,
/// with `hang`, accepts connections and reads them but never answers.
final class PlainHTTPReceiver: Sendable {
    let port: Int
    private let hang: Bool
    private let listener: Int32
    private let samples = Mutex<[Double]>([])
    private let stopped = Atomic<Bool>(false)

    var latencies: [Double] { samples.withLock { $0 } }

    init(hang: Bool = false) throws {
        self.hang = hang
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SchedulerError(.storage, "socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, listen(fd, 64) == 0 else { throw SchedulerError(.storage, "bind/listen failed") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while !stopped.load(ordering: .relaxed) {
            let connection = accept(listener, nil, nil)
            if connection < 0 { return }
            let thread = Thread { [self] in serve(connection) }
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        if hang {
            // Read and discard until the client gives up and closes.
            while !stopped.load(ordering: .relaxed), chunk.withUnsafeMutableBytes({ recv(fd, $0.baseAddress, $0.count, 0) }) > 0 {}
            return
        }
        while !stopped.load(ordering: .relaxed) {
            // Headers, then Content-Length bytes of body.
            guard let headerEnd = readUntil(fd, &buffer, &chunk, { Self.find($0, [13, 10, 13, 10]) }) else { return }
            let head = String(decoding: buffer[..<headerEnd], as: UTF8.self).lowercased()
            var contentLength = 0
            for line in head.split(separator: "\r\n") where line.hasPrefix("content-length:") {
                contentLength = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
            }
            let bodyStart = headerEnd + 4
            guard readUntil(fd, &buffer, &chunk, { $0.count >= bodyStart + contentLength ? 0 : nil }) != nil else { return }
            let arrived = Date()
            let body = Data(buffer[bodyStart..<(bodyStart + contentLength)])
            buffer.removeFirst(bodyStart + contentLength)
            if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
                let run = object["run"] as? [String: Any], let text = run["finished_at"] as? String,
                let finished = ISO8601.parse(text)
            {
                let latency = arrived.timeIntervalSince(finished) * 1000
                samples.withLock { $0.append(latency) }
            }
            let response = Array("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".utf8)
            _ = response.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
    }

    /// Reads into `buffer` until `done` returns an index; nil when the peer closed first.
    private func readUntil(_ fd: Int32, _ buffer: inout [UInt8], _ chunk: inout [UInt8], _ done: ([UInt8]) -> Int?) -> Int? {
        while true {
            if let index = done(buffer) { return index }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return nil }
            buffer.append(contentsOf: chunk[..<count])
        }
    }

    private static func find(_ haystack: [UInt8], _ needle: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if Array(haystack[i..<(i + needle.count)]) == needle { return i }
        }
        return nil
    }
}
