import EUICC
import Foundation
import RSPASN1
import RSPCrypto
import SwiftASN1

/// Where the BPP load is in the segment sequence of notes §4.
enum BPPStage: Equatable, Sendable {
    case expectFirstSequenceOf87
    case expectSequenceOf88Header
    case inSequenceOf88(remaining: Int)
    case expectSecondSequenceOf87OrSequenceOf86Header
    case expectSequenceOf86Header
    case inSequenceOf86(remaining: Int)
}

/// One BPP load in progress (memory only).
struct BPPLoadState: Sendable {
    var stage: BPPStage = .expectFirstSequenceOf87
    /// BF36 value bytes still to come.
    var remainingOuter: Int
    var context: BSPContext
    /// The context after ReplaceSessionKeys, used for sequenceOf86 only.
    var ppkContext: BSPContext?
    var configureISDP: [UInt8] = []
    var metadataBytes: [UInt8] = []
    var metadata: StoreMetadataRequest?
    var upp: [UInt8] = []
    /// Offset in `upp` up to which complete PEs have been parsed.
    var parsedOffset = 0
    /// Segments received after the first (BF36 + BF23), for diagnostics.
    var segmentNumber = 0
    /// Whether an oversize BSP segment was already reported in this load.
    var reportedOversize = false
}

/// A BPP processing failure: the BppCommandId in progress, the spec ErrorReason, and what failed.
struct BPPFailure: Error {
    let command: BppCommandId
    let reason: ErrorReason
    /// Which check failed (for the diagnostic, never sent to the SM-DP+).
    var detail: String

    init(command: BppCommandId, reason: ErrorReason, _ detail: String) {
        self.command = command
        self.reason = reason
        self.detail = detail
    }
}

/// `SuccessResult.simaResponse` for a profile whose PEs were all accepted: one EUICCResponse
/// `{peStatus {status ok}}` (notes §6).
let simaResponseOK: [UInt8] = [0x30, 0x07, 0xA0, 0x05, 0x30, 0x03, 0x80, 0x01, 0x00]

extension SoftEUICC {
    /// First LoadBoundProfilePackage segment: `BF36 L` + the complete `BF23`
    /// InitialiseSecureChannelRequest (SGP.22 §5.5.1): remote operation 1, CRT `88`/`10`,
    /// transactionId of the session, smdpSign by CERT.DPpb over the notes §2 bytes; then ECKA with
    /// smdpOtpk and the BSP session keys (X9.63, hostId, EID).
    func beginBPPLoad(_ segment: [UInt8]) async -> ES10Outcome {
        bppLoad = nil
        let isc: InitialiseSecureChannelRequest
        let outerLength: Int
        do {
            let (headerLength, length) = try LenientTLV.header(segment)
            let rest = Array(segment[headerLength...])
            isc = try InitialiseSecureChannelRequest(der: rest)
            outerLength = length - rest.count
            guard outerLength >= 0 else { throw RSPASN1Error.truncated("BF36 shorter than BF23") }
        } catch {
            return abortLoad(BPPFailure(command: .initialiseSecureChannel, reason: .incorrectInputValues,
                                        "first segment (\(segment.count) bytes) is not BF36 + InitialiseSecureChannelRequest: \(error)"),
                             transactionId: nil)
        }
        let tid = isc.transactionId
        guard let current = session, let prepared = current.prepared else {
            return abortLoad(BPPFailure(command: .initialiseSecureChannel, reason: .invalidTransactionId,
                                        "no prepared download session (PrepareDownload must come first)"), transactionId: tid)
        }
        do throws(BPPFailure) {
            guard isc.remoteOpId == 1 else {
                throw BPPFailure(command: .initialiseSecureChannel, reason: .unsupportedRemoteOperationType, "remoteOpId \(isc.remoteOpId), expected 1")
            }
            guard isc.controlRefTemplate.keyType == 0x88, isc.controlRefTemplate.keyLen == 0x10 else {
                throw BPPFailure(command: .initialiseSecureChannel, reason: .unsupportedCrtValues,
                                 "CRT keyType \(isc.controlRefTemplate.keyType) keyLen \(isc.controlRefTemplate.keyLen), expected 0x88/0x10")
            }
            guard tid == current.transactionId else {
                throw BPPFailure(command: .initialiseSecureChannel, reason: .invalidTransactionId, "transactionId \(tid) is not the session's")
            }
            let signedData: [UInt8]
            do {
                signedData = try isc.signedData(euiccOtpk: prepared.euiccOtpk)
            } catch {
                throw BPPFailure(command: .initialiseSecureChannel, reason: .incorrectInputValues, "cannot rebuild the signed data: \(error)")
            }
            guard verify(isc.smdpSign.rawValue, over: signedData, by: prepared.dpPbCertificate) else {
                throw BPPFailure(command: .initialiseSecureChannel, reason: .invalidSignature, "smdpSign does not verify with CERT.DPpb")
            }
            let keys: BSPSessionKeys
            do {
                let peer = try ECKAPublicPoint(uncompressed: isc.smdpOtpk)
                let shared = try prepared.otKeyPair.sharedSecret(with: peer)
                keys = try BSPSessionKeys.derive(sharedSecret: shared, hostId: isc.controlRefTemplate.hostId, eid: identity.eid)
            } catch {
                throw BPPFailure(command: .initialiseSecureChannel, reason: .incorrectInputValues, "key agreement failed: \(error)")
            }
            bppLoad = BPPLoadState(remainingOuter: outerLength, context: BSPContext(keys: keys))
            return .data([])
        } catch {
            return abortLoad(error, transactionId: tid)
        }
    }

    /// Every later segment, strictly in the order of notes §4.
    func continueBPPLoad(_ segment: [UInt8]) async -> ES10Outcome {
        guard var load = bppLoad, let current = session else { return .status(.conditionsOfUseNotSatisfied) }
        load.segmentNumber += 1
        do throws(BPPFailure) {
            guard segment.count <= load.remainingOuter else {
                throw BPPFailure(command: command(for: load.stage), reason: .scp03tStructureError,
                                 "runs \(segment.count - load.remainingOuter) bytes past the end of BF36")
            }
            load.remainingOuter -= segment.count
            switch load.stage {
            case .expectFirstSequenceOf87:
                for tlv in try children(of: segment, tag: 0xA0, command: .configureISDP) {
                    load.configureISDP += try unprotect(tlv, expecting: .encryptedCommand, context: &load.context, command: .configureISDP,
                                          segment: load.segmentNumber, reportedOversize: &load.reportedOversize)
                }
                do {
                    _ = try ConfigureISDPRequest(der: load.configureISDP)
                } catch {
                    throw BPPFailure(command: .configureISDP, reason: .incorrectInputValues, "ConfigureISDP does not decode: \(error)")
                }
                load.stage = .expectSequenceOf88Header
            case .expectSequenceOf88Header:
                let length = try headerOnly(segment, tag: 0xA1, command: .storeMetadata)
                guard length > 0 else { throw BPPFailure(command: .storeMetadata, reason: .scp03tStructureError, "empty A1 sequenceOf88") }
                load.stage = .inSequenceOf88(remaining: length)
            case let .inSequenceOf88(remaining):
                guard segment.count <= remaining else {
                    throw BPPFailure(command: .storeMetadata, reason: .scp03tStructureError, "88 segment runs past the end of A1")
                }
                load.metadataBytes += try unprotect(segment, expecting: .macOnly, context: &load.context, command: .storeMetadata,
                                          segment: load.segmentNumber, reportedOversize: &load.reportedOversize)
                if remaining == segment.count {
                    let metadata: StoreMetadataRequest
                    do {
                        metadata = try StoreMetadataRequest(der: load.metadataBytes)
                    } catch {
                        throw BPPFailure(command: .storeMetadata, reason: .incorrectInputValues, "StoreMetadata does not decode: \(error)")
                    }
                    guard !state.profiles.contains(where: { $0.iccid == metadata.iccid.digits }) else {
                        throw BPPFailure(command: .storeMetadata, reason: .installFailedDueToIccidAlreadyExistsOnEuicc,
                                         "ICCID \(metadata.iccid.digits) is already installed")
                    }
                    guard state.profiles.count < configuration.maxProfiles else {
                        throw BPPFailure(command: .storeMetadata, reason: .installFailedDueToInsufficientMemoryForProfile,
                                         "\(state.profiles.count) profiles installed, the limit is \(configuration.maxProfiles)")
                    }
                    load.metadata = metadata
                    load.stage = .expectSecondSequenceOf87OrSequenceOf86Header
                } else {
                    load.stage = .inSequenceOf88(remaining: remaining - segment.count)
                }
            case .expectSecondSequenceOf87OrSequenceOf86Header where segment.first == 0xA2:
                var plaintext: [UInt8] = []
                for tlv in try children(of: segment, tag: 0xA2, command: .replaceSessionKeys) {
                    plaintext += try unprotect(tlv, expecting: .encryptedCommand, context: &load.context, command: .replaceSessionKeys,
                                          segment: load.segmentNumber, reportedOversize: &load.reportedOversize)
                }
                do {
                    let replace = try ReplaceSessionKeysRequest(der: plaintext)
                    load.ppkContext = BSPContext(keys: try BSPSessionKeys(initialMCV: replace.initialMacChainingValue,
                                                                          sEnc: replace.ppkEnc, sMac: replace.ppkCmac))
                } catch {
                    throw BPPFailure(command: .replaceSessionKeys, reason: .incorrectInputValues, "ReplaceSessionKeys does not decode: \(error)")
                }
                load.stage = .expectSequenceOf86Header
            case .expectSecondSequenceOf87OrSequenceOf86Header, .expectSequenceOf86Header:
                let length = try headerOnly(segment, tag: 0xA3, command: .loadProfileElements)
                guard length > 0 else { throw BPPFailure(command: .loadProfileElements, reason: .scp03tStructureError, "empty A3 sequenceOf86") }
                load.stage = .inSequenceOf86(remaining: length)
            case let .inSequenceOf86(remaining):
                guard segment.count <= remaining else {
                    throw BPPFailure(command: .loadProfileElements, reason: .scp03tStructureError, "86 segment runs past the end of A3")
                }
                if var ppk = load.ppkContext {
                    load.upp += try unprotect(segment, expecting: .profileElement, context: &ppk, command: .loadProfileElements,
                                          segment: load.segmentNumber, reportedOversize: &load.reportedOversize)
                    load.ppkContext = ppk
                } else {
                    load.upp += try unprotect(segment, expecting: .profileElement, context: &load.context, command: .loadProfileElements,
                                          segment: load.segmentNumber, reportedOversize: &load.reportedOversize)
                }
                try parseAvailableElements(&load)
                if remaining == segment.count {
                    guard load.remainingOuter == 0 else {
                        throw BPPFailure(command: .loadProfileElements, reason: .scp03tStructureError, "\(load.remainingOuter) bytes of BF36 follow A3")
                    }
                    bppLoad = load
                    return finishInstallation(load, session: current)
                }
                load.stage = .inSequenceOf86(remaining: remaining - segment.count)
            }
            bppLoad = load
            return .data([])
        } catch {
            var failure = error
            failure.detail = "segment \(load.segmentNumber) (\(segment.count) bytes, \(stageName(load.stage))): \(error.detail)"
            return abortLoad(failure, transactionId: current.transactionId, metadata: load.metadata)
        }
    }

    private func stageName(_ stage: BPPStage) -> String {
        switch stage {
        case .expectFirstSequenceOf87: "A0 firstSequenceOf87"
        case .expectSequenceOf88Header: "A1 header"
        case .inSequenceOf88: "A1 sequenceOf88"
        case .expectSecondSequenceOf87OrSequenceOf86Header: "A2 or A3 header"
        case .expectSequenceOf86Header: "A3 header"
        case .inSequenceOf86: "A3 sequenceOf86"
        }
    }

    private func command(for stage: BPPStage) -> BppCommandId {
        switch stage {
        case .expectFirstSequenceOf87: .configureISDP
        case .expectSequenceOf88Header, .inSequenceOf88: .storeMetadata
        case .expectSecondSequenceOf87OrSequenceOf86Header, .expectSequenceOf86Header, .inSequenceOf86: .loadProfileElements
        }
    }

    /// The TLVs inside a complete constructed segment (`A0`/`A2`).
    private func children(of segment: [UInt8], tag: UInt8, command: BppCommandId) throws(BPPFailure) -> [[UInt8]] {
        do {
            let header = try TLVHeader.read(segment[...])
            guard header.tag == [tag], header.totalLength == segment.count else { throw RSPASN1Error.unexpectedTag("segment") }
            let items = try TLVHeader.split(segment[header.headerLength...])
            guard !items.isEmpty else { throw RSPASN1Error.truncated("empty sequence") }
            return items
        } catch {
            throw BPPFailure(command: command, reason: .scp03tStructureError, String(format: "not a complete %02X sequence: ", tag) + "\(error)")
        }
    }

    /// A segment that must be exactly `tag L` (no value bytes); returns L.
    private func headerOnly(_ segment: [UInt8], tag: UInt8, command: BppCommandId) throws(BPPFailure) -> Int {
        do {
            let (headerLength, length) = try LenientTLV.header(segment)
            guard segment.first == tag, headerLength == segment.count else { throw RSPASN1Error.unexpectedTag("segment header") }
            return length
        } catch {
            throw BPPFailure(command: command, reason: .scp03tStructureError, String(format: "expected a bare %02X header: ", tag) + "\(error)")
        }
    }

    /// Verifies and decrypts one BSP TLV. A TLV over SGP.22's 1020 bytes (but within
    /// `BSPContext.maxReceivedSegmentBytes`) is accepted and reported once per load as a notice.
    private func unprotect(_ tlv: [UInt8], expecting tag: BSPSegmentTag, context: inout BSPContext, command: BppCommandId,
                           segment: Int, reportedOversize: inout Bool) throws(BPPFailure) -> [UInt8] {
        guard tlv.first == tag.rawValue else {
            throw BPPFailure(command: command, reason: .scp03tStructureError,
                             String(format: "tag %02X where %02X was expected", tlv.first ?? 0, tag.rawValue))
        }
        let plaintext: [UInt8]
        do {
            plaintext = try context.unprotect(tlv).plaintext
        } catch {
            switch error {
            case .security(let why): throw BPPFailure(command: command, reason: .scp03tSecurityError, why)
            case .structure(let why): throw BPPFailure(command: command, reason: .scp03tStructureError, why)
            }
        }
        if BSPContext.isOversized(tlv), !reportedOversize {
            reportedOversize = true
            report(EUICCDiagnostic(kind: .notice, function: "LoadBoundProfilePackage", message:
                "segment \(segment): accepted a \(tlv.count)-byte BSP TLV (SGP.22 allows 1020, this eUICC up to " +
                "\(BSPContext.maxReceivedSegmentBytes)); later oversize segments of this load are not reported"))
        }
        return plaintext
    }

    /// Parses the profile elements completed so far (they may span 86 segments). The first PE must
    /// be the ProfileHeader, whose ICCID must equal the StoreMetadata ICCID.
    private func parseAvailableElements(_ load: inout BPPLoadState) throws(BPPFailure) {
        while load.parsedOffset < load.upp.count {
            let header: TLVHeader
            do {
                header = try TLVHeader.read(load.upp[load.parsedOffset...])
            } catch {
                if case .truncated = error { return }
                throw BPPFailure(command: .loadProfileElements, reason: .installFailedDueToPEProcessingError,
                                 "profile element at UPP offset \(load.parsedOffset): \(error)")
            }
            let element = Array(load.upp[load.parsedOffset..<(load.parsedOffset + header.totalLength)])
            if load.parsedOffset == 0 {
                let profileHeader: ProfileHeader
                do {
                    profileHeader = try ProfileHeader(der: element)
                } catch {
                    throw BPPFailure(command: .loadProfileElements, reason: .installFailedDueToPEProcessingError,
                                     "the first profile element is not a ProfileHeader: \(error)")
                }
                guard let metadata = load.metadata, metadata.iccid == profileHeader.iccid else {
                    throw BPPFailure(command: .loadProfileElements, reason: .installFailedDueToDataMismatch,
                                     "ProfileHeader ICCID \(profileHeader.iccid.digits) differs from StoreMetadata's")
                }
            }
            load.parsedOffset += header.totalLength
        }
    }

    /// Validates the whole UPP, then commits the profile (Disabled) together with the signed PIR
    /// as a pending install notification, in one state write.
    private func finishInstallation(_ load: BPPLoadState, session current: DownloadSession) -> ES10Outcome {
        guard let metadata = load.metadata, let metadataDER = try? metadata.derEncoded() else {
            return abortLoad(BPPFailure(command: .storeMetadata, reason: .incorrectInputValues, "StoreMetadata missing at the end of the load"),
                             transactionId: current.transactionId)
        }
        do {
            _ = try ProfileElementSequence(der: load.upp)
        } catch {
            return abortLoad(BPPFailure(command: .loadProfileElements, reason: .installFailedDueToPEProcessingError,
                                        "the complete UPP is not a valid profile element sequence: \(error)"),
                             transactionId: current.transactionId, metadata: metadata)
        }
        var next = state
        let aid = isdpAID(number: next.nextISDPNumber)
        next.nextISDPNumber += 1
        let seq = next.nextSequenceNumber
        next.nextSequenceNumber += 1
        do {
            let result = try profileInstallationResult(transactionId: current.transactionId, seqNumber: seq, iccid: metadata.iccid,
                                                       finalResult: .success(aid: aid, simaResponse: simaResponseOK))
            let resultDER = try result.derEncoded()
            next.profiles.append(InstalledProfile(iccid: metadata.iccid.digits, isdpAid: Data(aid), state: ProfileState.disabled.rawValue,
                                                  nickname: nil, storeMetadata: Data(metadataDER), profilePackage: Data(load.upp)))
            next.notifications.append(StoredNotification(seqNumber: seq, event: NotificationEvent.install.rawValue,
                                                         pendingNotification: Data(resultDER)))
            guard commit(next) else {
                return abortLoad(BPPFailure(command: .loadProfileElements, reason: .installFailedDueToUnknownError,
                                            "the eUICC state could not be written"),
                                 transactionId: current.transactionId, metadata: metadata)
            }
            bppLoad = nil
            session = nil
            return .data(resultDER)
        } catch {
            bppLoad = nil
            session = nil
            return .status(.noPreciseDiagnosis)
        }
    }

    /// Ends the load and the session and answers with a signed error PIR. No profile state changes; when a
    /// download session existed, the error PIR is kept as a pending install notification (its own sequence
    /// number, one state write), so the SM-DP+ still learns of the failure if the LPA's immediate
    /// HandleNotification does not get through. Should that write fail, the PIR is answered unsaved.
    func abortLoad(_ failure: BPPFailure, transactionId: TransactionID?, metadata: StoreMetadataRequest? = nil) -> ES10Outcome {
        report(EUICCDiagnostic(kind: .failure, function: "LoadBoundProfilePackage", code: "\(failure.command) \(failure.reason)",
                               message: failure.detail))
        let serverSession = session
        bppLoad = nil
        session = nil
        guard let tid = transactionId ?? serverSession?.transactionId else { return .status(.incorrectData) }
        var next = state
        let seq = next.nextSequenceNumber
        next.nextSequenceNumber += 1
        do {
            let result = try profileInstallationResult(transactionId: tid, seqNumber: seq, iccid: metadata?.iccid,
                                                       finalResult: .error(bppCommandId: failure.command, errorReason: failure.reason, simaResponse: nil),
                                                       session: serverSession)
            let resultDER = try result.derEncoded()
            if serverSession != nil {
                next.notifications.append(StoredNotification(seqNumber: seq, event: NotificationEvent.install.rawValue,
                                                             pendingNotification: Data(resultDER)))
                _ = commit(next)
            }
            return .data(resultDER)
        } catch {
            return .status(.noPreciseDiagnosis)
        }
    }

    private func profileInstallationResult(transactionId: TransactionID, seqNumber: Int, iccid: ICCID?, finalResult: FinalResult,
                                           session override: DownloadSession? = nil) throws -> ProfileInstallationResult {
        let serverSession = override ?? session
        let metadata = try NotificationMetadata(seqNumber: seqNumber, profileManagementOperation: .install,
                                                notificationAddress: serverSession?.serverAddress ?? "", iccid: iccid)
        let data = try ProfileInstallationResultData(transactionId: transactionId, notificationMetadata: metadata,
                                                     smdpOid: serverSession?.smdpOid, finalResult: finalResult)
        return ProfileInstallationResult(profileInstallationResultData: data, euiccSignPIR: try sign(data.rawDER))
    }

    /// ISD-P AIDs `A0000005591010FFFFFFFF89 0000 1n 00`.
    func isdpAID(number: Int) -> [UInt8] {
        [0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, UInt8(truncatingIfNeeded: 0x0F + number), 0x00]
    }
}

/// Reads a TLV header whose value may not be present yet (BPP segments carry headers alone).
enum LenientTLV {
    static func header(_ bytes: [UInt8]) throws(RSPASN1Error) -> (headerLength: Int, length: Int) {
        var index = 0
        guard !bytes.isEmpty else { throw .truncated("empty segment") }
        if bytes[0] & 0x1F == 0x1F {
            index = 1
            while true {
                guard index < bytes.count else { throw .truncated("tag") }
                let byte = bytes[index]
                index += 1
                if byte & 0x80 == 0 { break }
                guard index < 4 else { throw .unexpectedTag("tag too long") }
            }
        } else {
            index = 1
        }
        guard index < bytes.count else { throw .truncated("length") }
        let first = bytes[index]
        index += 1
        if first < 0x80 { return (index, Int(first)) }
        let count = Int(first & 0x7F)
        guard (1...3).contains(count), index + count <= bytes.count else { throw .invalidLength("length form") }
        var length = 0
        for _ in 0..<count {
            length = length << 8 | Int(bytes[index])
            index += 1
        }
        guard length >= (count == 1 ? 0x80 : 1 << (8 * (count - 1))) else { throw .invalidLength("non-minimal length") }
        return (index, length)
    }
}
