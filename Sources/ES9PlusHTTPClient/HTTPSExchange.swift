import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOTLS

/// Checks the SM-DP+'s TLS server certificate (`leafDER`, the certificate that passed the standard
/// verification: trust roots, validity, host name or IP address) before any request byte is sent.
/// Throwing refuses the server; the message becomes `ES9PlusHTTPClientError.serverCertificateRefused`.
public typealias ES9PlusServerCertificateCheck = @Sendable (_ leafDER: [UInt8]) async throws -> Void

/// One HTTPS request and its response on a connection of its own. Between the TLS handshake and the
/// request, the server certificate is handed to an optional check; AsyncHTTPClient exposes neither
/// the peer certificate nor the connection, which is why ES9+ speaks HTTP/1.1 over NIO directly.
struct HTTPSExchange: Sendable {
    let host: String
    let port: Int
    let sslContext: NIOSSLContext
    let timeout: TimeAmount
    let maxResponseBytes: Int

    struct Response: Sendable {
        let head: HTTPResponseHead
        let body: ByteBuffer
    }

    /// Raised inside the exchange; mapped to `ES9PlusHTTPClientError` by the caller.
    enum Failure: Error {
        case deadlinePassed
        case closedBeforeResponse
        case responseTooLarge
        case noPeerCertificate
        case certificateRefused(any Error)
    }

    /// SNI carries host names only; for an IP address NIOSSL verifies the certificate against the peer address.
    var serverHostname: String? { host.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E }) ? nil : host }

    /// Opens a TLS connection, waits for the handshake (NIOSSL's verification: roots, validity, host) and
    /// hands the verified leaf to `check`; returns the channel with a `ResponseQueue` ready for requests.
    func connect(check: ES9PlusServerCertificateCheck?) async throws -> any Channel {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let handshake = loop.makePromise(of: Void.self)
        let serverHostname = self.serverHostname
        let sslContext = self.sslContext
        let maxResponseBytes = self.maxResponseBytes
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .connectTimeout(timeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let operations = channel.pipeline.syncOperations
                        try operations.addHandler(try NIOSSLClientHandler(context: sslContext, serverHostname: serverHostname))
                        try operations.addHandler(TLSHandshakeObserver(handshake: handshake))
                        try operations.addHTTPClientHandlers()
                        try operations.addHandler(ResponseQueue(maxBytes: maxResponseBytes))
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            handshake.fail(error)
            throw error
        }
        let deadline = loop.scheduleTask(in: timeout) {
            handshake.fail(Failure.deadlinePassed)
            channel.close(promise: nil)
        }
        defer { deadline.cancel() }
        do {
            try await handshake.futureResult.get()
            if let check {
                guard let leaf = try await channel.nioSSL_peerCertificate().get() else { throw Failure.noPeerCertificate }
                let leafDER = try leaf.toDERBytes()
                do { try await check(leafDER) } catch { throw Failure.certificateRefused(error) }
            }
        } catch {
            channel.close(promise: nil)
            throw error
        }
        return channel
    }

    /// Sends one request on `channel` and waits (up to `timeout`) for its response. On a deadline the
    /// connection is closed.
    func send(_ head: HTTPRequestHead, body: ByteBuffer, on channel: any Channel) async throws -> Response {
        let response = channel.eventLoop.makePromise(of: Response.self)
        do {
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.handler(type: ResponseQueue.self).expect(response)
                channel.write(HTTPClientRequestPart.head(head), promise: nil)
                channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil)
                channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            }.get()
        } catch {
            response.fail(error)
            // The server closed the connection since we last used it (its handlers are gone): nothing was sent.
            if error as? ChannelPipelineError == .notFound || error as? ChannelError == .ioOnClosedChannel { throw Failure.closedBeforeResponse }
            throw error
        }
        let deadline = channel.eventLoop.scheduleTask(in: timeout) {
            response.fail(Failure.deadlinePassed)
            channel.close(promise: nil)
        }
        defer { deadline.cancel() }
        return try await response.futureResult.get()
    }
}

/// One HTTPS connection kept alive for an SM-DP+: the handshake and the server-certificate check once per
/// connection, then the ES9+ calls one after another on it (HTTP/1.1 keep-alive). A closed connection is
/// replaced at the next call, with a new handshake and check; a request that found a reused connection
/// already closed by the server (before any answer) is sent once more on a new one.
actor KeptAliveConnection {
    let exchange: HTTPSExchange
    let check: ES9PlusServerCertificateCheck?
    private var channel: (any Channel)?
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    /// Connections opened so far (each one a handshake and a check).
    private(set) var connections = 0

    init(exchange: HTTPSExchange, check: ES9PlusServerCertificateCheck?) {
        self.exchange = exchange
        self.check = check
    }

    func perform(_ head: HTTPRequestHead, body: ByteBuffer) async throws -> HTTPSExchange.Response {
        if busy { await withCheckedContinuation { waiters.append($0) } } else { busy = true }
        defer { if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() } }
        let reused = channel?.isActive == true
        do {
            return try await attempt(head, body: body)
        } catch HTTPSExchange.Failure.closedBeforeResponse where reused {
            return try await attempt(head, body: body)
        }
    }

    private func attempt(_ head: HTTPRequestHead, body: ByteBuffer) async throws -> HTTPSExchange.Response {
        let current: any Channel
        if let open = channel, open.isActive {
            current = open
        } else {
            channel = nil
            current = try await exchange.connect(check: check)
            connections += 1
            channel = current
        }
        do {
            let response = try await exchange.send(head, body: body, on: current)
            if response.head.headers[canonicalForm: "connection"].contains(where: { $0.lowercased() == "close" }) || response.head.version.minor == 0 {
                close()
            }
            return response
        } catch {
            close()
            throw error
        }
    }

    func close() {
        channel?.close(promise: nil)
        channel = nil
    }
}

extension HTTPSExchange {
    /// The certificates the server presents (leaf first, DER), read in a handshake of its own that is
    /// aborted in the verification step: nothing is sent on it. Used to explain a refused handshake.
    func presentedChain() async throws -> [[UInt8]] {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let presented = loop.makePromise(of: [[UInt8]].self)
        let (sslContext, serverHostname) = (self.sslContext, self.serverHostname)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = try NIOSSLClientHandler(
                        context: sslContext, serverHostname: serverHostname,
                        customVerificationCallback: { certificates, verdict in
                            presented.completeWith(Result { try certificates.map { try $0.toDERBytes() } })
                            verdict.succeed(.failed)
                        })
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .connect(host: host, port: port).get()
        } catch {
            // A promise must be completed before it is dropped (the server may be gone by now).
            presented.fail(error)
            throw error
        }
        let deadline = loop.scheduleTask(in: timeout) { presented.fail(Failure.deadlinePassed) }
        channel.closeFuture.whenComplete { _ in presented.fail(Failure.closedBeforeResponse) }
        defer {
            deadline.cancel()
            channel.close(promise: nil)
        }
        return try await presented.futureResult.get()
    }
}

/// Completes `handshake` when NIOSSL reports the TLS handshake done (after its certificate
/// verification), and fails it on an error or an early close.
private final class TLSHandshakeObserver: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny
    let handshake: EventLoopPromise<Void>

    init(handshake: EventLoopPromise<Void>) {
        self.handshake = handshake
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls {
            handshake.succeed(())
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        handshake.fail(error)
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshake.fail(HTTPSExchange.Failure.closedBeforeResponse)
        context.fireChannelInactive()
    }
}

/// Collects the response to the request in flight (head and body up to `maxBytes`) into the promise given
/// with `expect`; a connection that closes or fails fails it.
private final class ResponseQueue: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    let maxBytes: Int
    private var pending: EventLoopPromise<HTTPSExchange.Response>?
    private var head: HTTPResponseHead?
    private var body = ByteBuffer()

    init(maxBytes: Int) { self.maxBytes = maxBytes }

    func expect(_ promise: EventLoopPromise<HTTPSExchange.Response>) {
        pending = promise
        head = nil
        body.clear()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(received):
            head = received
        case var .body(part):
            guard body.readableBytes + part.readableBytes <= maxBytes else {
                fail(HTTPSExchange.Failure.responseTooLarge)
                context.close(promise: nil)
                return
            }
            body.writeBuffer(&part)
        case .end:
            if let head {
                pending?.succeed(HTTPSExchange.Response(head: head, body: body))
                pending = nil
            } else {
                fail(HTTPSExchange.Failure.closedBeforeResponse)
            }
        }
    }

    private func fail(_ error: any Error) {
        pending?.fail(error)
        pending = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(HTTPSExchange.Failure.closedBeforeResponse)
        context.fireChannelInactive()
    }
}
