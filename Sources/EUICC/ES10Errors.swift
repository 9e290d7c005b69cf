import RSPASN1

/// A card status word other than success, mapped to its ISO/IEC 7816-4 / GlobalPlatform meaning.
/// Unknown status words keep their value.
public enum CardStatusError: Error, Hashable, Sendable, CustomStringConvertible {
    case wrongLength                    // 6700
    case logicalChannelNotSupported     // 6881
    case securityStatusNotSatisfied     // 6982
    case conditionsOfUseNotSatisfied    // 6985
    case incorrectData                  // 6A80
    case functionNotSupported           // 6A81
    case fileOrApplicationNotFound      // 6A82
    case notEnoughMemory                // 6A84
    case incorrectP1P2                  // 6A86
    case referencedDataNotFound         // 6A88
    case insNotSupported                // 6D00
    case claNotSupported                // 6E00
    case noPreciseDiagnosis             // 6F00
    case wrongLe(available: UInt8)      // 6Cxx
    case other(StatusWord)

    public init(_ status: StatusWord) {
        switch status.value {
        case 0x6700: self = .wrongLength
        case 0x6881: self = .logicalChannelNotSupported
        case 0x6982: self = .securityStatusNotSatisfied
        case 0x6985: self = .conditionsOfUseNotSatisfied
        case 0x6A80: self = .incorrectData
        case 0x6A81: self = .functionNotSupported
        case 0x6A82: self = .fileOrApplicationNotFound
        case 0x6A84: self = .notEnoughMemory
        case 0x6A86: self = .incorrectP1P2
        case 0x6A88: self = .referencedDataNotFound
        case 0x6D00: self = .insNotSupported
        case 0x6E00: self = .claNotSupported
        case 0x6F00: self = .noPreciseDiagnosis
        default:
            self = status.sw1 == 0x6C ? .wrongLe(available: status.sw2) : .other(status)
        }
    }

    /// The status word this error stands for.
    public var statusWord: StatusWord {
        switch self {
        case .wrongLength: .wrongLength
        case .logicalChannelNotSupported: .logicalChannelNotSupported
        case .securityStatusNotSatisfied: .securityStatusNotSatisfied
        case .conditionsOfUseNotSatisfied: .conditionsOfUseNotSatisfied
        case .incorrectData: .incorrectData
        case .functionNotSupported: .functionNotSupported
        case .fileOrApplicationNotFound: .fileNotFound
        case .notEnoughMemory: .notEnoughMemory
        case .incorrectP1P2: .incorrectP1P2
        case .referencedDataNotFound: .referencedDataNotFound
        case .insNotSupported: .insNotSupported
        case .claNotSupported: .claNotSupported
        case .noPreciseDiagnosis: .noPreciseDiagnosis
        case let .wrongLe(available): StatusWord(0x6C, available)
        case let .other(status): status
        }
    }

    public var description: String {
        let name: String = switch self {
        case .wrongLength: "wrong length"
        case .logicalChannelNotSupported: "logical channel not supported"
        case .securityStatusNotSatisfied: "security status not satisfied"
        case .conditionsOfUseNotSatisfied: "conditions of use not satisfied"
        case .incorrectData: "incorrect data in command"
        case .functionNotSupported: "function not supported"
        case .fileOrApplicationNotFound: "file or application not found"
        case .notEnoughMemory: "not enough memory"
        case .incorrectP1P2: "incorrect P1/P2"
        case .referencedDataNotFound: "referenced data not found"
        case .insNotSupported: "instruction not supported"
        case .claNotSupported: "class not supported"
        case .noPreciseDiagnosis: "no precise diagnosis"
        case .wrongLe: "wrong Le"
        case .other: "unknown status"
        }
        return "card returned SW \(statusWord): \(name)"
    }
}

/// A failure of an ES10 exchange seen from the LPA side.
public enum ES10Error: Error, CustomStringConvertible {
    /// The card answered with a non-success status word.
    case card(CardStatusError, command: String)
    /// An APDU could not be built or the response was not a valid APDU.
    case apdu(APDUError)
    /// The response DER does not decode as the expected message.
    case malformedResponse(RSPASN1Error, command: String)
    /// The request could not be encoded.
    case requestEncoding(RSPASN1Error)
    /// MANAGE CHANNEL returned no usable channel number.
    case noChannel(String)
    /// An ES10 call was made before `open()` (no logical channel with the ISD-R selected).
    case notOpen
    /// The response exceeded the configured maximum while collecting GET RESPONSE data.
    case responseTooLarge(Int)
    /// The chunk size is outside 1…255.
    case invalidChunkSize(Int)
    /// The transport failed (its own error is kept).
    case transport(any Error)

    public var description: String {
        switch self {
        case let .card(error, command): "\(command): \(error)"
        case let .apdu(error): "\(error)"
        case let .malformedResponse(error, command): "\(command): malformed response: \(error)"
        case let .requestEncoding(error): "cannot encode ES10 request: \(error)"
        case let .noChannel(reason): "cannot open a logical channel: \(reason)"
        case .notOpen: "no ISD-R session: call open() first"
        case let .responseTooLarge(count): "response exceeds \(count) bytes"
        case let .invalidChunkSize(size): "STORE DATA chunk size \(size) outside 1...255"
        case let .transport(error): "transport: \(error)"
        }
    }
}
