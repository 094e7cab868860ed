import NIOConcurrencyHelpers
import NIOCore

/// A request to the SMTP session: optional bytes to send, and the promise of the next reply.
///
/// Replies are matched to requests in order. A request without payload just waits for the next
/// reply (used for the greeting and for the reply after the message data).
struct SMTPRequest: Sendable {
    var payload: ByteBuffer?
    var replyPromise: EventLoopPromise<SMTPReply>
}

/// The connection closed before the expected reply arrived.
struct SMTPConnectionClosedError: Error, CustomStringConvertible {
    var description: String { "connection closed by the server" }
}

/// A reply line was longer than RFC 5321 allows (512) by a wide margin.
struct SMTPLineTooLongError: Error, CustomStringConvertible {
    var description: String { "reply line too long" }
}

/// The first error seen on a connection, kept beyond the pipeline's life.
///
/// When a TLS handshake fails the channel may be closed before the next request is written;
/// that write then fails with a bare "closed channel" error. This box keeps the real cause
/// (say, an untrusted certificate) so the reported error names it.
final class SMTPConnectionFailure: Sendable {
    private let box = NIOLockedValueBox<(any Error)?>(nil)

    func record(_ error: any Error) {
        box.withLockedValue { if $0 == nil { $0 = error } }
    }

    var error: (any Error)? { box.withLockedValue { $0 } }
}

/// Frames server bytes into replies and hands each one to the oldest waiting request.
///
/// It sits after the TLS handler (when there is one), so a STARTTLS upgrade only inserts
/// `NIOSSLClientHandler` at the front of the pipeline and this handler keeps its state.
final class SMTPReplyHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = SMTPRequest
    typealias OutboundOut = ByteBuffer

    /// Far above the 512 octets RFC 5321 allows, yet a bound on what a hostile server can make
    /// us buffer.
    static let maximumLineLength = 8192

    private var buffer = ByteBuffer()
    private var parser = SMTPReplyParser()
    private var waiting = CircularBuffer<EventLoopPromise<SMTPReply>>()
    private var unclaimed = CircularBuffer<SMTPReply>()
    private var terminalError: (any Error)?
    private let failure: SMTPConnectionFailure

    init(failure: SMTPConnectionFailure) {
        self.failure = failure
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        buffer.writeBuffer(&bytes)
        do {
            while let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                let length = newline - buffer.readerIndex
                var line = buffer.readString(length: length) ?? ""
                buffer.moveReaderIndex(forwardBy: 1)
                if line.hasSuffix("\r") { line.removeLast() }
                if let reply = try parser.feed(line) {
                    deliver(reply)
                }
            }
            guard buffer.readableBytes <= Self.maximumLineLength else { throw SMTPLineTooLongError() }
            buffer.discardReadBytes()
        } catch {
            failure.record(error)
            failAll(error)
            context.close(promise: nil)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let terminalError {
            request.replyPromise.fail(terminalError)
            promise?.fail(terminalError)
            return
        }
        if let reply = unclaimed.popFirst() {
            request.replyPromise.succeed(reply)
        } else {
            waiting.append(request.replyPromise)
        }
        if let payload = request.payload {
            context.write(wrapOutboundOut(payload), promise: promise)
        } else {
            promise?.succeed(())
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failure.record(error)
        failAll(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(SMTPConnectionClosedError())
        context.fireChannelInactive()
    }

    private func deliver(_ reply: SMTPReply) {
        if let promise = waiting.popFirst() {
            promise.succeed(reply)
        } else {
            unclaimed.append(reply)
        }
    }

    private func failAll(_ error: any Error) {
        if terminalError == nil { terminalError = error }
        let failure = terminalError ?? error
        while let promise = waiting.popFirst() {
            promise.fail(failure)
        }
    }
}
