/// The client side of an APDU link to a card (an eUICC): in-process, PC/SC reader, vpcd.
/// `transmit` sends one command APDU and returns the card's response APDU; transport failures
/// (reader gone, socket closed) are thrown by the implementation with its own error type.
public protocol APDUTransport: Sendable {
    /// Powers up / connects to the card. Calling it on a connected transport is allowed.
    func connect() async throws
    /// Releases the card.
    func disconnect() async throws
    /// Exchanges one APDU.
    func transmit(_ command: CommandAPDU) async throws -> ResponseAPDU
}

/// The card side of an APDU link: processes one command APDU and answers with a response APDU.
/// Card errors are status words, never thrown (a real card always answers).
public protocol APDUCard: Sendable {
    /// Resets the card (cold reset): closes every logical channel except the basic one.
    func reset() async
    /// Processes one command APDU.
    func process(_ command: CommandAPDU) async -> ResponseAPDU
}

/// Errors of `InProcessTransport`.
public enum InProcessTransportError: Error, Hashable, Sendable, CustomStringConvertible {
    case notConnected

    public var description: String { "the in-process card is not connected" }
}

/// An `APDUTransport` to an `APDUCard` in the same process. Every exchange goes through the APDU
/// wire encoding both ways (the command is encoded and re-parsed, the response likewise), so the
/// bytes the card sees are exactly what a reader would deliver.
public actor InProcessTransport: APDUTransport {
    private let card: any APDUCard
    private var connected = false
    /// Every exchange as wire bytes (command, response), when `recordsExchanges` is set.
    public private(set) var exchanges: [(command: [UInt8], response: [UInt8])] = []
    public var recordsExchanges: Bool

    public init(card: any APDUCard, recordsExchanges: Bool = false) {
        self.card = card
        self.recordsExchanges = recordsExchanges
    }

    public func setRecordsExchanges(_ value: Bool) {
        recordsExchanges = value
        if !value { exchanges.removeAll() }
    }

    public func clearExchanges() { exchanges.removeAll() }

    public func connect() async throws {
        if !connected {
            await card.reset()
            connected = true
        }
    }

    public func disconnect() async throws {
        connected = false
    }

    public func transmit(_ command: CommandAPDU) async throws -> ResponseAPDU {
        guard connected else { throw InProcessTransportError.notConnected }
        let wire = command.bytes
        let received = try CommandAPDU(bytes: wire)
        let response = await card.process(received)
        let responseWire = response.bytes
        if recordsExchanges { exchanges.append((wire, responseWire)) }
        return try ResponseAPDU(bytes: responseWire)
    }

    /// Sends raw bytes that may not form a valid APDU (for testing a card's handling of malformed input):
    /// the card sees them only if they parse; otherwise the parse error is thrown.
    public func transmitRaw(_ bytes: [UInt8]) async throws -> ResponseAPDU {
        guard connected else { throw InProcessTransportError.notConnected }
        let command = try CommandAPDU(bytes: bytes)
        return await card.process(command)
    }
}
