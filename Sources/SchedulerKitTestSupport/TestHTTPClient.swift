import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plain HTTP/1.1 client over a TCP socket to 127.0.0.1, for tests that talk to a real
/// server: one request per connection (`Connection: close`), every read bounded by a deadline.
/// It also reads streams (Server-Sent Events) as they arrive.
///
/// Its socket calls block, so the async entry points run them on a thread of their own: a
/// test blocking the cooperative pool would starve the server it talks to in the same process.
///
/// For example:
/// ```swift
/// let r = try TestHTTPClient(port: port).request("GET", "/healthz")
/// #expect(r.status == 200)
/// ```
package struct TestHTTPClient: Sendable {
    package struct Failure: Error, CustomStringConvertible {
        package var description: String
        package init(description: String) { self.description = description }
    }

    /// A whole response: status, headers (lower-case names) and the body, de-chunked.
    package struct Response: Sendable {
        package var status: Int
        package var headers: [String: String]
        package var body: String
    }

    package let port: Int
    package let timeout: Double

    package init(port: Int, timeout: Double = 30) {
        self.port = port
        self.timeout = timeout
    }

    /// Sends one request and reads the response until the server closes the connection.
    package func request(_ method: String, _ path: String, headers: [String: String] = [:], body: String? = nil) async throws -> Response {
        try await Self.offPool {
            let stream = try self.connect(method, path, headers: headers, body: body)
            defer { stream.close() }
            while try stream.readMore() {}
            return try Self.parse(stream.received)
        }
    }

    /// Sends one request and returns the connection, to read a stream bit by bit.
    package func open(_ method: String, _ path: String, headers: [String: String] = [:], body: String? = nil) async throws -> Stream {
        try await Self.offPool { try self.connect(method, path, headers: headers, body: body) }
    }

    /// Runs blocking socket work on a thread of its own.
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
        }
    }

    private func connect(_ method: String, _ path: String, headers: [String: String], body: String?) throws -> Stream {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            Glibc.close(fd)
            throw Failure(description: "connect to 127.0.0.1:\(port): errno \(errno)")
        }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        let bodyBytes = Array((body ?? "").utf8)
        if body != nil { head += "Content-Length: \(bodyBytes.count)\r\n" }
        let bytes = Array((head + "\r\n").utf8) + bodyBytes
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else {
                Glibc.close(fd)
                throw Failure(description: "send: errno \(errno)")
            }
            sent += n
        }
        return Stream(fd: fd, deadline: Date().addingTimeInterval(timeout))
    }

    /// An open connection whose bytes are read as they come.
    package final class Stream: @unchecked Sendable {
        let fd: Int32
        let deadline: Date
        package private(set) var received = Data()
        private var closed = false

        init(fd: Int32, deadline: Date) {
            self.fd = fd
            self.deadline = deadline
        }

        deinit { close() }

        package var text: String { String(decoding: received, as: UTF8.self) }

        /// Reads what has arrived, waiting up to the deadline; false at end of stream.
        @discardableResult
        package func readMore(until: Date? = nil) throws -> Bool {
            let limit = min(until ?? deadline, deadline)
            let ms = Int32(max(0, limit.timeIntervalSinceNow) * 1000)
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, ms)
            if ready == 0 {
                if limit >= deadline { throw Failure(description: "no answer within the deadline; got: \(text.suffix(500))") }
                return true
            }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return false }
            received.append(contentsOf: buffer[0..<n])
            return true
        }

        /// Reads until the text received contains `needle` (true) or the stream ends (false);
        /// throws past `seconds`.
        package func read(until needle: String, seconds: Double) async throws -> Bool {
            try await TestHTTPClient.offPool { try self.readBlocking(until: needle, seconds: seconds) }
        }

        /// Waits up to `seconds` for the server to close the connection.
        package func waitForEnd(seconds: Double) async throws -> Bool {
            try await TestHTTPClient.offPool { try self.waitForEndBlocking(seconds: seconds) }
        }

        private func readBlocking(until needle: String, seconds: Double) throws -> Bool {
            let until = Date().addingTimeInterval(seconds)
            while !text.contains(needle) {
                if Date() >= until { throw Failure(description: "\"\(needle)\" not seen within \(seconds) s; got: \(text.suffix(800))") }
                guard try readMore(until: until) else { return text.contains(needle) }
            }
            return true
        }

        private func waitForEndBlocking(seconds: Double) throws -> Bool {
            let until = Date().addingTimeInterval(seconds)
            while Date() < until {
                guard try readMore(until: until) else { return true }
            }
            return false
        }

        package func close() {
            guard !closed else { return }
            closed = true
            Glibc.close(fd)
        }
    }

    static func parse(_ data: Data) throws -> Response {
        let text = String(decoding: data, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw Failure(description: "no response head in: \(text.prefix(200))") }
        let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Failure(description: "bad status line \(lines[0])") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = String(text[split.upperBound...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = dechunk(body) }
        return Response(status: status, headers: headers, body: body)
    }

    /// The payload of a chunked body (worked on bytes: `"\r\n"` is one Character in Swift).
    package static func dechunk(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var i = 0
        func lineEnd(from start: Int) -> Int? {
            var j = start
            while j + 1 < bytes.count {
                if bytes[j] == 13 && bytes[j + 1] == 10 { return j }
                j += 1
            }
            return nil
        }
        while let end = lineEnd(from: i) {
            let sizeText = String(decoding: bytes[i..<end], as: UTF8.self).split(separator: ";").first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size > 0 else { break }
            let start = end + 2
            let stop = min(bytes.count, start + size)
            out += bytes[start..<stop]
            i = stop + 2
            if i >= bytes.count { break }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
