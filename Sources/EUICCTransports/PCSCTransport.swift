import CPCSCLite
import Dispatch
import EUICC

/// Why a reader could not be chosen by name.
public enum PCSCReaderSelectionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// pcscd reports no reader at all.
    case noReaders
    /// No reader name equals or contains the requested text.
    case notFound(String, available: [String])
    /// The text matches several readers as a substring and none exactly.
    case ambiguous(String, matches: [String])

    public var description: String {
        switch self {
        case .noReaders:
            "no PC/SC reader is attached"
        case let .notFound(name, available):
            "no PC/SC reader matches \"\(name)\"; available: \(available.joined(separator: ", "))"
        case let .ambiguous(name, matches):
            "\"\(name)\" matches several PC/SC readers: \(matches.joined(separator: ", ")); give more of the name"
        }
    }
}

/// Failures of `PCSCTransport` other than a PC/SC return code.
public enum PCSCTransportError: Error, Hashable, Sendable, CustomStringConvertible {
    /// `transmit` before `connect`.
    case notConnected
    /// The reader returned fewer than the two status bytes.
    case responseTooShort(Int)

    public var description: String {
        switch self {
        case .notConnected: "the PC/SC card is not connected"
        case let .responseTooShort(count): "the reader returned \(count) byte(s), fewer than SW1 SW2"
        }
    }
}

/// An `APDUTransport` to a card in a PC/SC reader through pcsc-lite (pcscd).
/// Connects in shared mode offering T=0 and T=1; every blocking PC/SC call runs on a private
/// serial dispatch queue, never on the Swift concurrency pool.
public actor PCSCTransport: APDUTransport {
    /// The full reader name as pcscd lists it.
    public let readerName: String
    private let queue: DispatchQueue
    private var context: SCARDCONTEXT?
    private var card: SCARDHANDLE?
    private var activeProtocol: DWORD = 0

    public init(readerName: String) {
        self.readerName = readerName
        self.queue = DispatchQueue(label: "openrsp.pcsc.\(readerName)")
    }

    /// Lists the readers pcscd knows (empty when none is attached).
    public static func listReaders() async throws -> [String] {
        try await onQueue(DispatchQueue(label: "openrsp.pcsc.list")) {
            let context = try establishContext()
            defer { SCardReleaseContext(context) }
            return try readerNames(context: context)
        }
    }

    /// Lists the readers synchronously on the calling thread (for start-up checks outside async code).
    public static func listReadersBlocking() throws -> [String] {
        let context = try establishContext()
        defer { SCardReleaseContext(context) }
        return try readerNames(context: context)
    }

    /// Picks a reader: the one whose name equals `name`, else the only one containing it
    /// (case-insensitive); with `name == nil`, the only reader or the first of several.
    public static func selectReader(_ name: String?, among readers: [String]) throws(PCSCReaderSelectionError) -> String {
        guard !readers.isEmpty else { throw .noReaders }
        guard let name, !name.isEmpty else { return readers[0] }
        if let exact = readers.first(where: { $0 == name }) { return exact }
        let matches = readers.filter { $0.lowercased().contains(name.lowercased()) }
        switch matches.count {
        case 0: throw .notFound(name, available: readers)
        case 1: return matches[0]
        default: throw .ambiguous(name, matches: matches)
        }
    }

    /// A transport to the reader selected by `name` (see `selectReader`).
    public static func open(readerMatching name: String?) async throws -> PCSCTransport {
        let readers = try await listReaders()
        return PCSCTransport(readerName: try selectReader(name, among: readers))
    }

    /// Waits up to `milliseconds` for a card to be present in the reader; returns whether one is.
    public func waitForCard(milliseconds: UInt32) async throws -> Bool {
        let reader = readerName
        return try await Self.onQueue(queue) {
            let context = try Self.establishContext()
            defer { SCardReleaseContext(context) }
            return try reader.withCString { namePointer in
                var state = SCARD_READERSTATE()
                state.szReader = namePointer
                state.dwCurrentState = DWORD(SCARD_STATE_UNAWARE)
                var status = SCardGetStatusChange(context, 0, &state, 1)
                try Self.check(status, "SCardGetStatusChange")
                if state.dwEventState & DWORD(SCARD_STATE_PRESENT) != 0 { return true }
                state.dwCurrentState = state.dwEventState & ~DWORD(SCARD_STATE_CHANGED)
                status = SCardGetStatusChange(context, DWORD(milliseconds), &state, 1)
                if UInt32(truncatingIfNeeded: status) == PCSCError.timeout { return false }
                try Self.check(status, "SCardGetStatusChange")
                return state.dwEventState & DWORD(SCARD_STATE_PRESENT) != 0
            }
        }
    }

    public func connect() async throws {
        if card != nil { return }
        let reader = readerName
        let (context, handle, negotiated) = try await Self.onQueue(queue) { () throws -> (SCARDCONTEXT, SCARDHANDLE, DWORD) in
            let context = try Self.establishContext()
            var handle: SCARDHANDLE = 0
            var negotiated: DWORD = 0
            let status = SCardConnect(context, reader, DWORD(SCARD_SHARE_SHARED),
                                      DWORD(SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1), &handle, &negotiated)
            if status != SCARD_S_SUCCESS {
                SCardReleaseContext(context)
                try Self.check(status, "SCardConnect")
            }
            return (context, handle, negotiated)
        }
        self.context = context
        self.card = handle
        self.activeProtocol = negotiated
    }

    public func disconnect() async throws {
        guard let context else { return }
        let handle = card
        self.card = nil
        self.context = nil
        try await Self.onQueue(queue) {
            var failure: PCSCError?
            if let handle {
                let status = SCardDisconnect(handle, DWORD(SCARD_LEAVE_CARD))
                if status != SCARD_S_SUCCESS { failure = PCSCError(function: "SCardDisconnect", code: UInt32(truncatingIfNeeded: status)) }
            }
            let released = SCardReleaseContext(context)
            if let failure { throw failure }
            try Self.check(released, "SCardReleaseContext")
        }
    }

    public func transmit(_ command: CommandAPDU) async throws -> ResponseAPDU {
        guard let card else { throw PCSCTransportError.notConnected }
        let protocolID = activeProtocol
        let bytes = command.bytes
        let received = try await Self.onQueue(queue) { () throws -> [UInt8] in
            var sendPCI = SCARD_IO_REQUEST(dwProtocol: UInt(protocolID), cbPciLength: UInt(MemoryLayout<SCARD_IO_REQUEST>.size))
            var buffer = [UInt8](repeating: 0, count: 4 + 3 + 65_536 + 3 + 2) // pcsc-lite MAX_BUFFER_SIZE_EXTENDED
            var length = DWORD(buffer.count)
            let status = bytes.withUnsafeBufferPointer { send in
                buffer.withUnsafeMutableBufferPointer { receive in
                    SCardTransmit(card, &sendPCI, send.baseAddress, DWORD(send.count), nil, receive.baseAddress, &length)
                }
            }
            try Self.check(status, "SCardTransmit")
            return Array(buffer.prefix(Int(length)))
        }
        guard received.count >= 2 else { throw PCSCTransportError.responseTooShort(received.count) }
        return try ResponseAPDU(bytes: received)
    }

    // MARK: pcsc-lite calls (run on a dispatch queue)

    private static func onQueue<T: Sendable>(_ queue: DispatchQueue, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    private static func check(_ status: LONG, _ function: String) throws {
        guard status == SCARD_S_SUCCESS else {
            throw PCSCError(function: function, code: UInt32(truncatingIfNeeded: status))
        }
    }

    private static func establishContext() throws -> SCARDCONTEXT {
        var context: SCARDCONTEXT = 0
        try check(SCardEstablishContext(DWORD(SCARD_SCOPE_SYSTEM), nil, nil, &context), "SCardEstablishContext")
        return context
    }

    private static func readerNames(context: SCARDCONTEXT) throws -> [String] {
        var length: DWORD = 0
        var status = SCardListReaders(context, nil, nil, &length)
        if UInt32(truncatingIfNeeded: status) == PCSCError.noReadersAvailable { return [] }
        try check(status, "SCardListReaders")
        var buffer = [CChar](repeating: 0, count: Int(length))
        status = SCardListReaders(context, nil, &buffer, &length)
        if UInt32(truncatingIfNeeded: status) == PCSCError.noReadersAvailable { return [] }
        try check(status, "SCardListReaders")
        // A multi-string: names separated by NUL, ended by an empty name.
        return buffer.prefix(Int(length))
            .split(separator: 0, omittingEmptySubsequences: true)
            .map { String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    }
}
