import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A real HTTP/1.1 server on 127.0.0.1 for webhook tests: scriptable per request, and it
/// records everything it receives.
///
/// Requests are answered in arrival order by the scripted actions, then by the default action.
/// For example:
/// ```swift
/// let receiver = try await TestHTTPReceiver.start(script: [.respond(status: 500), .hang])
/// defer { Task { await receiver.shutdown() } }   // or: await receiver.shutdown() at the end
/// let result = await sender.post(url: receiver.url("/hook"), headers: [], body: body)
/// let request = try await receiver.request(1, timeout: .seconds(5))
/// ```
package final class TestHTTPReceiver: Sendable {
    /// What the receiver does with one request.
    package enum Action: Sendable, Hashable {
        /// Answers with this status, extra headers and body.
        case respond(status: Int, headers: [String: String] = [:], body: String = "")
        /// Answers after waiting `delay` (measured on the server's event loop, not a test sleep).
        case respondAfter(delay: Duration, status: Int)
        /// Never answers; the connection stays open until the client or `shutdown` closes it.
        case hang
        /// Closes the connection without answering.
        case close
        /// Sends a complete response head (with a 1 MB `Content-Length`) and then one body byte
        /// per `interval`: every byte resets a per-read timeout, so only a whole-attempt deadline
        /// ends it.
        case trickle(status: Int, interval: Duration)

        /// Shorthand for `.respond(status:)`.
        package static func status(_ code: Int) -> Action { .respond(status: code) }
    }

    /// One request as received.
    package struct RecordedRequest: Sendable {
        package var method: String
        /// The request target (path and query).
        package var path: String
        /// Header fields in order, names as sent.
        package var headers: [(String, String)]
        package var body: [UInt8]
        /// Arrival order, 1-based.
        package var index: Int
        /// When the request's last byte arrived (wall clock), so latency is measured at the
        /// receiver rather than when a waiting test got round to looking.
        package var receivedAt = Date()

        /// The first value of a header, case-insensitively.
        package func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }

        package var bodyString: String { String(decoding: body, as: UTF8.self) }
    }

    package struct WaitTimedOut: Error, CustomStringConvertible {
        package var index: Int
        package var received: Int
        package var description: String { "timed out waiting for request #\(index); received \(received)" }
    }

    fileprivate struct State {
        package var script: [Action]
        package var defaultAction: Action
        package var requests: [RecordedRequest] = []
        package var waiters: [UInt64: (index: Int, continuation: CheckedContinuation<RecordedRequest, any Error>)] = [:]
        package var nextWaiterID: UInt64 = 0
        package var children: [ObjectIdentifier: any Channel] = [:]
        package var isShutDown = false
    }

    /// The port the server listens on.
    package let port: Int
    /// `http://127.0.0.1:<port>`.
    package var baseURL: String { "http://127.0.0.1:\(port)" }

    private let serverChannel: any Channel
    private let state: NIOLockedValueBox<State>

    private init(serverChannel: any Channel, port: Int, state: NIOLockedValueBox<State>) {
        self.serverChannel = serverChannel
        self.port = port
        self.state = state
    }

    /// Starts a receiver on an ephemeral port of 127.0.0.1.
    ///
    /// - parameters:
    ///   - script: actions for the first requests, in arrival order.
    ///   - defaultAction: the action once the script is used up (200 by default).
    package static func start(
        script: [Action] = [], defaultAction: Action = .respond(status: 200),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> TestHTTPReceiver {
        let state = NIOLockedValueBox(State(script: script, defaultAction: defaultAction))
        let recorder = Recorder(state: state)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try child.pipeline.syncOperations.addHandler(ReceiverHandler(recorder: recorder))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        guard let port = channel.localAddress?.port else {
            try? await channel.close()
            throw ChannelError.unknownLocalAddress
        }
        return TestHTTPReceiver(serverChannel: channel, port: port, state: state)
    }

    /// `baseURL` + `path`.
    package func url(_ path: String = "/") -> String { baseURL + path }

    /// Appends actions to the script.
    package func enqueue(_ actions: Action...) {
        state.withLockedValue { $0.script.append(contentsOf: actions) }
    }

    /// Every request received so far, in order.
    package var requests: [RecordedRequest] { state.withLockedValue { $0.requests } }

    /// Waits for the `index`-th request (1-based) to be fully received.
    ///
    /// - throws: ``WaitTimedOut`` after `timeout`, or `CancellationError`.
    package func request(_ index: Int, timeout: Duration = .seconds(5)) async throws -> RecordedRequest {
        try await withThrowingTaskGroup(of: RecordedRequest?.self) { group in
            group.addTask { try await self.waitUnbounded(index) }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            if let request = try await group.next() ?? nil { return request }
            throw WaitTimedOut(index: index, received: self.requests.count)
        }
    }

    /// Closes the listener and every open connection (hanging ones included). Idempotent.
    package func shutdown() async {
        let (children, waiters) = state.withLockedValue { state in
            state.isShutDown = true
            let children = Array(state.children.values)
            let waiters = Array(state.waiters.values)
            state.waiters = [:]
            return (children, waiters)
        }
        for waiter in waiters {
            waiter.continuation.resume(throwing: ChannelError.ioOnClosedChannel)
        }
        try? await serverChannel.close()
        for child in children {
            try? await child.close()
        }
    }

    private func waitUnbounded(_ index: Int) async throws -> RecordedRequest {
        let id = state.withLockedValue { state -> UInt64 in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let immediate: Result<RecordedRequest, any Error>? = state.withLockedValue { state in
                    if state.requests.count >= index { return .success(state.requests[index - 1]) }
                    if state.isShutDown { return .failure(ChannelError.ioOnClosedChannel) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters[id] = (index, continuation)
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let waiter = state.withLockedValue { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Shared between the handlers of all connections; every access holds the lock.
    fileprivate struct Recorder: Sendable {
        package let state: NIOLockedValueBox<State>

        package func connectionOpened(_ channel: any Channel) {
            state.withLockedValue { $0.children[ObjectIdentifier(channel)] = channel }
        }

        package func connectionClosed(_ channel: any Channel) {
            _ = state.withLockedValue { $0.children.removeValue(forKey: ObjectIdentifier(channel)) }
        }

        /// Records a complete request and returns the action for it.
        package func record(method: String, path: String, headers: [(String, String)], body: [UInt8]) -> Action {
            let (action, ready) = state.withLockedValue { state in
                let request = RecordedRequest(
                    method: method, path: path, headers: headers, body: body, index: state.requests.count + 1)
                state.requests.append(request)
                let action = state.script.isEmpty ? state.defaultAction : state.script.removeFirst()
                var ready: [(CheckedContinuation<RecordedRequest, any Error>, RecordedRequest)] = []
                for (id, waiter) in state.waiters where waiter.index <= state.requests.count {
                    ready.append((waiter.continuation, state.requests[waiter.index - 1]))
                    state.waiters.removeValue(forKey: id)
                }
                return (action, ready)
            }
            for (continuation, request) in ready {
                continuation.resume(returning: request)
            }
            return action
        }
    }
}

/// Handles one connection: collects each request, records it, performs the scripted action.
private final class ReceiverHandler: ChannelInboundHandler {
    package typealias InboundIn = HTTPServerRequestPart
    package typealias OutboundOut = HTTPServerResponsePart

    /// Bounds the trickle so a forgotten connection cannot run forever.
    private static let maximumTrickleBytes = 100_000

    private let recorder: TestHTTPReceiver.Recorder
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var isActive = false
    private var isHanging = false

    package init(recorder: TestHTTPReceiver.Recorder) {
        self.recorder = recorder
    }

    package func channelActive(context: ChannelHandlerContext) {
        isActive = true
        recorder.connectionOpened(context.channel)
        context.fireChannelActive()
    }

    package func channelInactive(context: ChannelHandlerContext) {
        isActive = false
        recorder.connectionClosed(context.channel)
        context.fireChannelInactive()
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            self.body = []
        case .body(var buffer):
            body.append(contentsOf: buffer.readBytes(length: buffer.readableBytes) ?? [])
        case .end:
            guard let head, !isHanging else { return }
            self.head = nil
            let action = recorder.record(
                method: head.method.rawValue, path: head.uri,
                headers: head.headers.map { ($0.name, $0.value) }, body: body)
            perform(action, keepAlive: head.isKeepAlive, context: context)
        }
    }

    private func perform(_ action: TestHTTPReceiver.Action, keepAlive: Bool, context: ChannelHandlerContext) {
        switch action {
        case .respond(let status, let headers, let body):
            respond(status: status, headers: headers, body: body, keepAlive: keepAlive, context: context)
        case .respondAfter(let delay, let status):
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: TimeAmount(delay)) {
                let (handler, context) = loopBound.value
                guard handler.isActive else { return }
                handler.respond(status: status, headers: [:], body: "", keepAlive: keepAlive, context: context)
            }
        case .hang:
            isHanging = true
        case .close:
            context.close(promise: nil)
        case .trickle(let status, let interval):
            isHanging = true
            var head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status))
            head.headers.add(name: "Content-Length", value: "1000000")
            context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
            trickle(interval: TimeAmount(interval), sent: 0, context: context)
        }
    }

    private func respond(
        status: Int, headers: [String: String], body: String, keepAlive: Bool, context: ChannelHandlerContext
    ) {
        var head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status))
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            head.headers.add(name: name, value: value)
        }
        head.headers.replaceOrAdd(name: "Content-Length", value: String(body.utf8.count))
        if !keepAlive { head.headers.replaceOrAdd(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if !body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    private func trickle(interval: TimeAmount, sent: Int, context: ChannelHandlerContext) {
        guard isActive, sent < Self.maximumTrickleBytes else { return }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: interval) {
            let (handler, context) = loopBound.value
            guard handler.isActive else { return }
            let byte = context.channel.allocator.buffer(string: "a")
            context.writeAndFlush(handler.wrapOutboundOut(.body(.byteBuffer(byte))), promise: nil)
            handler.trickle(interval: interval, sent: sent + 1, context: context)
        }
    }
}
