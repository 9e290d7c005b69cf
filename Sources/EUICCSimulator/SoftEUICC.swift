import Crypto
import EUICC
import Foundation
import RSPASN1
import RSPCrypto

/// Why a `SoftEUICC` could not start.
public enum SoftEUICCError: Error, CustomStringConvertible {
    case state(EUICCStateStoreError)

    public var description: String {
        switch self {
        case let .state(error): "\(error)"
        }
    }
}

/// A software eUICC: an `APDUCard` with logical channels, the ISD-R (SELECT by AID), STORE DATA
/// reassembly, GET RESPONSE, and the ES10a/b/c functions of SGP.22 behind them. State is persisted
/// through an `EUICCStateStore` at commit points only; a download session lives in memory.
public actor SoftEUICC: APDUCard {
    public let identity: EUICCIdentity
    public let store: EUICCStateStore
    /// Fixed facts reported in EUICCInfo2.
    public let configuration: SoftEUICCConfiguration
    /// The committed state (what is on disk).
    public internal(set) var state: EUICCPersistentState

    /// Open logical channels (0 is the basic channel and always open).
    var openChannels: Set<UInt8> = [0]
    /// Channels on which the ISD-R is selected.
    var isdrSelected: Set<UInt8> = []
    /// STORE DATA blocks received so far per channel, with the next expected block number.
    var storeDataBuffers: [UInt8: (nextBlock: Int, bytes: [UInt8])] = [:]
    /// Response bytes waiting for GET RESPONSE per channel.
    var pendingResponses: [UInt8: [UInt8]] = [:]

    /// The last challenge from GetEUICCChallenge (cleared when used).
    var euiccChallenge: [UInt8]?
    /// The RSP session between AuthenticateServer and the end of LoadBoundProfilePackage.
    var session: DownloadSession?
    /// The BPP load in progress.
    var bppLoad: BPPLoadState?
    /// Where diagnostics go (`setDiagnosticHandler`).
    var diagnosticHandler: (@Sendable (EUICCDiagnostic) -> Void)?
    /// The last refusal with its reason (memory only; see `EUICCDiagnostic`).
    public internal(set) var lastFailure: EUICCDiagnostic?
    private var processing = false
    private var processingWaiters: [CheckedContinuation<Void, Never>] = []

    public init(identity: EUICCIdentity, store: EUICCStateStore, configuration: SoftEUICCConfiguration = SoftEUICCConfiguration()) throws(SoftEUICCError) {
        self.identity = identity
        self.store = store
        self.configuration = configuration
        do {
            self.state = try store.load() ?? EUICCPersistentState(defaultDpAddress: configuration.initialDefaultDpAddress,
                                                                   rootDsAddress: configuration.rootDsAddress)
        } catch {
            throw .state(error)
        }
    }

    // MARK: APDUCard

    public func reset() {
        openChannels = [0]
        isdrSelected = []
        storeDataBuffers = [:]
        pendingResponses = [:]
    }

    /// A card processes one APDU at a time; the actor is reentrant at the `await`s inside ES10
    /// handlers (chain validation), so later APDUs wait here until the current one is answered.
    public func process(_ command: CommandAPDU) async -> ResponseAPDU {
        if processing {
            await withCheckedContinuation { processingWaiters.append($0) }
        } else {
            processing = true
        }
        defer {
            if processingWaiters.isEmpty { processing = false } else { processingWaiters.removeFirst().resume() }
        }
        return await processOne(command)
    }

    private func processOne(_ command: CommandAPDU) async -> ResponseAPDU {
        let channel = LogicalChannel.channel(ofCLA: command.cla)
        guard openChannels.contains(channel) else { return ResponseAPDU(status: .logicalChannelNotSupported) }
        if command.ins != ES10Instruction.getResponse { pendingResponses[channel] = nil }
        switch command.ins {
        case ES10Instruction.manageChannel:
            return manageChannel(command, channel: channel)
        case ES10Instruction.select:
            return select(command, channel: channel)
        case ES10Instruction.getResponse:
            return getResponse(command, channel: channel)
        case ES10Instruction.storeData:
            return await storeData(command, channel: channel)
        default:
            return ResponseAPDU(status: .insNotSupported)
        }
    }

    private func manageChannel(_ command: CommandAPDU, channel: UInt8) -> ResponseAPDU {
        guard command.cla & 0x80 == 0 else { return ResponseAPDU(status: .claNotSupported) }
        switch (command.p1, command.p2) {
        case (0x00, 0x00):
            guard let free = (1...19).map({ UInt8($0) }).first(where: { !openChannels.contains($0) }) else {
                return ResponseAPDU(status: .logicalChannelNotSupported)
            }
            openChannels.insert(free)
            return ResponseAPDU(data: [free], status: .success)
        case (0x80, let target):
            guard target != 0, openChannels.contains(target) else { return ResponseAPDU(status: .incorrectP1P2) }
            openChannels.remove(target)
            isdrSelected.remove(target)
            storeDataBuffers[target] = nil
            pendingResponses[target] = nil
            return ResponseAPDU(status: .success)
        default:
            return ResponseAPDU(status: .incorrectP1P2)
        }
    }

    private func select(_ command: CommandAPDU, channel: UInt8) -> ResponseAPDU {
        guard command.cla & 0x80 == 0 else { return ResponseAPDU(status: .claNotSupported) }
        guard command.p1 == 0x04 else { return ResponseAPDU(status: .incorrectP1P2) }
        guard command.data == isdrAID else {
            isdrSelected.remove(channel)
            return ResponseAPDU(status: .fileNotFound)
        }
        isdrSelected.insert(channel)
        storeDataBuffers[channel] = nil
        // FCI: 6F { 84 AID }
        let fci: [UInt8] = [0x6F, UInt8(isdrAID.count + 2), 0x84, UInt8(isdrAID.count)] + isdrAID
        return respond(fci, command: command, channel: channel)
    }

    private func getResponse(_ command: CommandAPDU, channel: UInt8) -> ResponseAPDU {
        guard let pending = pendingResponses[channel], !pending.isEmpty else {
            return ResponseAPDU(status: .conditionsOfUseNotSatisfied)
        }
        let count = min(command.le ?? 256, 256, pending.count)
        let rest = Array(pending.dropFirst(count))
        pendingResponses[channel] = rest.isEmpty ? nil : rest
        return ResponseAPDU(data: Array(pending.prefix(count)), status: rest.isEmpty ? .success : moreData(rest.count))
    }

    /// Sends up to Le (max 256) bytes at once and announces the rest with `61xx`; without Le all data
    /// is announced with `61xx` (as a T=0 card does).
    private func respond(_ data: [UInt8], command: CommandAPDU, channel: UInt8) -> ResponseAPDU {
        guard !data.isEmpty else { return ResponseAPDU(status: .success) }
        guard let le = command.le else {
            pendingResponses[channel] = data
            return ResponseAPDU(status: moreData(data.count))
        }
        let count = min(le, 256, data.count)
        let rest = Array(data.dropFirst(count))
        pendingResponses[channel] = rest.isEmpty ? nil : rest
        return ResponseAPDU(data: Array(data.prefix(count)), status: rest.isEmpty ? .success : moreData(rest.count))
    }

    private func moreData(_ remaining: Int) -> StatusWord {
        StatusWord(0x61, remaining >= 256 ? 0x00 : UInt8(remaining))
    }

    private func storeData(_ command: CommandAPDU, channel: UInt8) async -> ResponseAPDU {
        guard command.cla & 0x80 != 0 else { return ResponseAPDU(status: .claNotSupported) }
        guard isdrSelected.contains(channel) else { return ResponseAPDU(status: .conditionsOfUseNotSatisfied) }
        let last: Bool
        switch command.p1 {
        case ES10Instruction.storeDataMoreBlocks: last = false
        case ES10Instruction.storeDataLastBlock: last = true
        default:
            storeDataBuffers[channel] = nil
            return ResponseAPDU(status: .incorrectP1P2)
        }
        let expected = storeDataBuffers[channel]?.nextBlock ?? 0
        guard Int(command.p2) == expected else {
            storeDataBuffers[channel] = nil
            return ResponseAPDU(status: .incorrectP1P2)
        }
        guard !command.data.isEmpty else {
            storeDataBuffers[channel] = nil
            return ResponseAPDU(status: .wrongLength)
        }
        var bytes = storeDataBuffers[channel]?.bytes ?? []
        bytes += command.data
        guard bytes.count <= configuration.maxRequestBytes else {
            storeDataBuffers[channel] = nil
            return ResponseAPDU(status: .notEnoughMemory)
        }
        if !last {
            storeDataBuffers[channel] = (expected + 1, bytes)
            return ResponseAPDU(status: .success)
        }
        storeDataBuffers[channel] = nil
        switch await handleES10(bytes) {
        case let .data(response):
            return respond(response, command: command, channel: channel)
        case let .status(status):
            return ResponseAPDU(status: status)
        }
    }
}

/// Fixed properties of a `SoftEUICC`.
public struct SoftEUICCConfiguration: Sendable {
    public var svn = VersionType(2, 2, 2)
    public var profileVersion = VersionType(2, 3, 1)
    public var firmwareVersion = VersionType(1, 0, 0)
    public var ppVersion = VersionType(0, 0, 1)
    public var sasAccreditationNumber = "OPENRSP-SIM"
    public var rootDsAddress = "lpa.ds.gsma.com"
    public var initialDefaultDpAddress: String?
    /// Largest reassembled STORE DATA request accepted.
    public var maxRequestBytes = 64 * 1024
    /// Maximum number of installed profiles (insufficientMemoryForProfile beyond).
    public var maxProfiles = 8
    /// EUICCInfo2 uiccCapability: only what this eUICC does. It installs and keeps profiles with USIM,
    /// ISIM and CSIM applications (usimSupport(1), isimSupport(2), csimSupport(3)) but runs none of them:
    /// no AKA algorithm, no Java Card or MULTOS runtime, no GBA/MBMS/EAP, no contactless, no RFU bits.
    public var uiccCapability = NamedBits(setBits: [1, 2, 3])
    /// EUICCInfo2 rspCapability: additionalProfile(0) and testProfileSupport(3); no CRL (1) or RPM (2) support.
    public var rspCapability = NamedBits(setBits: [0, 3])

    public init() {}
}

/// The outcome of one ES10 request: response data (possibly empty, `9000`) or a bare status word.
enum ES10Outcome {
    case data([UInt8])
    case status(StatusWord)
}
