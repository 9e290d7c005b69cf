import Foundation
import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTPTypes
#if canImport(Glibc)
import Glibc
#endif

/// Limits on what one stranger can hold open: the whole-request deadline, the number of connections per
/// client address, and the number of connections in all.
public struct ConnectionLimits: Sendable, Hashable {
    /// From the moment the server waits for a request (connection accepted, or the previous response sent)
    /// until that request has fully arrived, headers and body. A client that trickles bytes is closed when
    /// it passes, whatever the idle timer says; an idle keep-alive connection is closed then too.
    public var requestDeadline: TimeAmount
    /// Connections one client address may hold at once; more are closed as they arrive.
    public var maxConnectionsPerAddress: Int
    /// Connections in all; beyond it the server stops accepting (the kernel's backlog queues the rest) until
    /// one closes. Capped below the process's file limit (`FileDescriptorLimit`).
    public var maxConnections: Int

    public static let defaultRequestDeadline: TimeAmount = .seconds(20)
    public static let defaultMaxConnectionsPerAddress = 256
    public static let defaultMaxConnections = 10_000

    public init(requestDeadline: TimeAmount = Self.defaultRequestDeadline, maxConnectionsPerAddress: Int = Self.defaultMaxConnectionsPerAddress,
                maxConnections: Int = Self.defaultMaxConnections) throws(SMDPServerError) {
        guard requestDeadline > .zero else { throw .invalidSetting("requestDeadline must be positive") }
        guard maxConnectionsPerAddress >= 1 else { throw .invalidSetting("maxConnectionsPerAddress must be at least 1") }
        guard maxConnections >= 1 else { throw .invalidSetting("maxConnections must be at least 1") }
        self.requestDeadline = requestDeadline
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
        self.maxConnections = maxConnections
    }

    /// `maxConnections`, lowered so that the connections, the database, log files and outgoing callbacks
    /// together stay below the open-file limit `fileLimit` (`reserve` descriptors are left for the rest).
    public func effectiveMaxConnections(fileLimit: Int, reserve: Int = 256) -> Int {
        max(1, min(maxConnections, fileLimit - reserve))
    }
}

/// The process's open-file limit. The server raises the soft limit to the hard limit at start, so that
/// its connection cap, not the limit, is what refuses a flood.
public enum FileDescriptorLimit {
    /// Raises the soft RLIMIT_NOFILE to the hard limit; returns the soft limit in force afterwards.
    @discardableResult
    public static func raiseSoftLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return limit.rlim_cur > rlim_t(Int.max) ? Int.max : Int(limit.rlim_cur)
    }
}

/// Open connections per client IP address, shared by every connection of one server.
final class ConnectionsPerAddress: Sendable {
    private let counts = NIOLockedValueBox<[String: Int]>([:])
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Counts a new connection from `address`; false (and not counted) when the address is at its limit.
    func open(_ address: String) -> Bool {
        counts.withLockedValue { counts in
            let current = counts[address, default: 0]
            guard current < limit else { return false }
            counts[address] = current + 1
            return true
        }
    }

    func close(_ address: String) {
        counts.withLockedValue { counts in
            let remaining = counts[address, default: 1] - 1
            counts[address] = remaining > 0 ? remaining : nil
        }
    }

    var total: Int { counts.withLockedValue { $0.values.reduce(0, +) } }
}

/// Per connection, after HTTP decoding: refuses a connection whose address already holds
/// `ConnectionsPerAddress.limit` connections, and closes the connection when a request has not fully
/// arrived within the deadline (armed when the connection opens and after each response, disarmed
/// when a request's end arrives).
final class ConnectionGuardHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let perAddress: ConnectionsPerAddress
    private let deadline: TimeAmount
    private let logger: Logger
    private let onRefused: @Sendable (String) -> Void
    private var address: String?
    private var timer: Scheduled<Void>?

    init(perAddress: ConnectionsPerAddress, deadline: TimeAmount, logger: Logger, onRefused: @escaping @Sendable (String) -> Void) {
        self.perAddress = perAddress
        self.deadline = deadline
        self.logger = logger
        self.onRefused = onRefused
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let ip = context.channel.remoteAddress?.ipAddress ?? "unknown"
        guard perAddress.open(ip) else {
            logger.notice("connection refused: too many connections from one address", metadata: ["peer": "\(ip)"])
            onRefused("per_address")
            context.close(promise: nil)
            return
        }
        address = ip
        arm(context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        if let address { perAddress.close(address) }
        address = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        if let address { perAddress.close(address) }
        address = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .end = unwrapInboundIn(data) {
            timer?.cancel()
            timer = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { arm(context) }
        context.write(data, promise: promise)
    }

    private func arm(_ context: ChannelHandlerContext) {
        timer?.cancel()
        let loopBound = NIOLoopBound((context, self), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: deadline) {
            let (context, handler) = loopBound.value
            handler.timer = nil
            handler.logger.notice("connection closed: request not complete within the deadline",
                                  metadata: ["peer": "\(handler.address ?? "unknown")"])
            handler.onRefused("request_deadline")
            context.close(promise: nil)
        }
    }
}
