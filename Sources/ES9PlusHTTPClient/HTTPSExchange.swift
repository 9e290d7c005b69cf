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

    func perform(_ head: HTTPRequestHead, body: ByteBuffer, check: ES9PlusServerCertificateCheck?) async throws -> Response {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let handshake = loop.makePromise(of: Void.self)
        let response = loop.makePromise(of: Response.self)
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
                        try operations.addHandler(HTTPResponseCollector(response: response, maxBytes: maxResponseBytes))
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            handshake.fail(error)
            response.fail(error)
            throw error
        }
        let deadline = loop.scheduleTask(in: timeout) {
            handshake.fail(Failure.deadlinePassed)
            response.fail(Failure.deadlinePassed)
            channel.close(promise: nil)
        }
        defer {
            deadline.cancel()
            channel.close(promise: nil)
        }
        try await handshake.futureResult.get()
        if let check {
            guard let leaf = try await channel.nioSSL_peerCertificate().get() else { throw Failure.noPeerCertificate }
            let leafDER = try leaf.toDERBytes()
            do { try await check(leafDER) } catch { throw Failure.certificateRefused(error) }
        }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        return try await response.futureResult.get()
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

/// Collects one HTTP response (head and body up to `maxBytes`) into `response`.
private final class HTTPResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    let response: EventLoopPromise<HTTPSExchange.Response>
    let maxBytes: Int
    private var head: HTTPResponseHead?
    private var body = ByteBuffer()

    init(response: EventLoopPromise<HTTPSExchange.Response>, maxBytes: Int) {
        self.response = response
        self.maxBytes = maxBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(received):
            head = received
        case var .body(part):
            guard body.readableBytes + part.readableBytes <= maxBytes else {
                response.fail(HTTPSExchange.Failure.responseTooLarge)
                context.close(promise: nil)
                return
            }
            body.writeBuffer(&part)
        case .end:
            if let head {
                response.succeed(HTTPSExchange.Response(head: head, body: body))
            } else {
                response.fail(HTTPSExchange.Failure.closedBeforeResponse)
            }
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        response.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        response.fail(HTTPSExchange.Failure.closedBeforeResponse)
        context.fireChannelInactive()
    }
}
