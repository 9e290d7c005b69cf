#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import EUICC

/// A socket-level failure of the vpcd link.
public enum VPCDConnectionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The host name did not resolve.
    case resolve(String, String)
    /// `socket`/`connect`/`recv`/`send` failed with `errno`.
    case system(String, errno: Int32)
    /// vpcd closed the connection.
    case closed
    /// `stop()` was called.
    case stopped

    public var description: String {
        switch self {
        case let .resolve(host, reason): "cannot resolve \(host): \(reason)"
        case let .system(call, code): "\(call) failed: \(String(cString: strerror(code))) (errno \(code))"
        case .closed: "vpcd closed the connection"
        case .stopped: "the bridge was stopped"
        }
    }
}

/// Serves an `APDUCard` (e.g. the software eUICC) as the card in a vsmartcard `vpcd` reader.
/// The card side is the TCP client: the bridge connects to vpcd (default 127.0.0.1:35963, the
/// first "Virtual PCD" slot), answers its frames, and reconnects with exponential backoff when
/// the connection drops or cannot be made. `stop()` closes the socket and ends `run()`.
public actor VPCDBridge {
    public struct Configuration: Sendable {
        public var host: String
        public var port: UInt16
        public var atr: [UInt8]
        /// Largest incoming frame accepted (bytes of payload).
        public var maxFramePayload: Int
        /// First reconnect delay; doubles after each failed attempt up to `maxReconnectDelay`.
        public var initialReconnectDelay: Duration
        public var maxReconnectDelay: Duration

        public init(host: String = "127.0.0.1", port: UInt16 = 35963, atr: [UInt8] = VPCDCardEndpoint.defaultATR,
                    maxFramePayload: Int = VPCDMessage.maxPayload,
                    initialReconnectDelay: Duration = .milliseconds(250), maxReconnectDelay: Duration = .seconds(8)) {
            self.host = host
            self.port = port
            self.atr = atr
            self.maxFramePayload = maxFramePayload
            self.initialReconnectDelay = initialReconnectDelay
            self.maxReconnectDelay = maxReconnectDelay
        }
    }

    /// What happened on the link, for logs.
    public enum Event: Sendable {
        case connected(String)
        case disconnected(any Error)
        case connectFailed(any Error, retryIn: Duration)
        case frameError(VPCDFrameError)
    }

    public let configuration: Configuration
    private let endpoint: VPCDCardEndpoint
    private let onEvent: @Sendable (Event) -> Void
    private let queue = DispatchQueue(label: "openrsp.vpcd.socket")
    private var socketDescriptor: Int32?
    private var stopped = false
    /// Number of connections established so far.
    public private(set) var connectionCount = 0
    /// Number of command APDUs answered so far.
    public private(set) var apduCount = 0

    public init(card: any APDUCard, configuration: Configuration = Configuration(), onEvent: @escaping @Sendable (Event) -> Void = { _ in }) {
        self.configuration = configuration
        self.endpoint = VPCDCardEndpoint(card: card, atr: configuration.atr)
        self.onEvent = onEvent
    }

    /// Connects and serves until `stop()` (or task cancellation); reconnects on any link failure.
    public func run() async {
        var delay = configuration.initialReconnectDelay
        while !stopped && !Task.isCancelled {
            let descriptor: Int32
            do {
                descriptor = try await onQueue { [configuration] in try Self.openSocket(host: configuration.host, port: configuration.port) }
            } catch {
                onEvent(.connectFailed(error, retryIn: delay))
                do { try await Task.sleep(for: delay) } catch { break }
                delay = min(delay * 2, configuration.maxReconnectDelay)
                continue
            }
            if stopped {
                close(descriptor)
                break
            }
            socketDescriptor = descriptor
            connectionCount += 1
            delay = configuration.initialReconnectDelay
            onEvent(.connected("\(configuration.host):\(configuration.port)"))
            do {
                try await serve(descriptor)
            } catch let error as VPCDFrameError {
                onEvent(.frameError(error))
            } catch {
                if !stopped { onEvent(.disconnected(error)) }
            }
            socketDescriptor = nil
            close(descriptor)
        }
    }

    /// Ends `run()`: shuts the socket down (unblocking a pending read) and stops reconnecting.
    public func stop() {
        stopped = true
        if let socketDescriptor { shutdown(socketDescriptor, Int32(SHUT_RDWR)) }
    }

    private func serve(_ descriptor: Int32) async throws {
        let limit = configuration.maxFramePayload
        while !stopped {
            let payload = try await onQueue { () throws -> [UInt8] in
                let header = try Self.readExactly(descriptor, count: 2)
                let length = try VPCDMessage.payloadLength(header: header, limit: limit)
                return try Self.readExactly(descriptor, count: length)
            }
            let message = try VPCDMessage(payload: payload)
            guard let answer = await endpoint.handle(message) else { continue }
            if case .apdu = message { apduCount += 1 }
            let frame = try VPCDMessage.frame(answer)
            try await onQueue { try Self.writeAll(descriptor, frame) }
        }
        throw VPCDConnectionError.stopped
    }

    private func onQueue<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    // MARK: POSIX sockets (blocking, on `queue`)

    private static func openSocket(host: String, port: UInt16) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let first = result else {
            throw VPCDConnectionError.resolve(host, String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(first) }
        var lastError: Int32 = 0
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            let descriptor = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if descriptor >= 0 {
                if connect(descriptor, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                    var one: Int32 = 1
                    setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                    return descriptor
                }
                lastError = errno
                close(descriptor)
            } else {
                lastError = errno
            }
            entry = info.pointee.ai_next
        }
        throw VPCDConnectionError.system("connect", errno: lastError)
    }

    private static func readExactly(_ descriptor: Int32, count: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let received = buffer.withUnsafeMutableBytes { raw in
                recv(descriptor, raw.baseAddress! + filled, count - filled, 0)
            }
            if received == 0 { throw VPCDConnectionError.closed }
            if received < 0 {
                if errno == EINTR { continue }
                throw VPCDConnectionError.system("recv", errno: errno)
            }
            filled += received
        }
        return buffer
    }

    private static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) throws {
        #if canImport(Glibc)
        let flags = Int32(MSG_NOSIGNAL)
        #else
        let flags: Int32 = 0
        #endif
        var sent = 0
        while sent < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                send(descriptor, raw.baseAddress! + sent, bytes.count - sent, flags)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw VPCDConnectionError.system("send", errno: errno)
            }
            sent += written
        }
    }
}
