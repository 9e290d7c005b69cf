import Crypto
import RSPASN1

/// Why an activation code string was rejected. Each malformed form has its own case.
public enum ActivationCodeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The text does not start with `LPA:`.
    case missingPrefix
    /// The first field (AC_Format) is not `1`.
    case unsupportedFormat(String)
    /// Not 3, 4 or 5 `$`-separated fields after `LPA:`.
    case wrongFieldCount(Int)
    /// The SM-DP+ address field is empty.
    case emptyAddress
    /// The SM-DP+ address is not a host name (letters, digits, `-`, `.`) with an optional `:port`.
    case invalidAddress(String)
    /// The SM-DP+ OID field is not a dotted object identifier (or is empty without a CC flag after it).
    case invalidOID(String)
    /// The confirmation-code flag field is present but not `1`.
    case invalidConfirmationCodeFlag(String)
    /// A space or control character at this (0-based) character offset.
    case forbiddenCharacter(offset: Int)
    /// Longer than `ActivationCode.maxLength` characters.
    case tooLong(Int)

    public var description: String {
        switch self {
        case .missingPrefix: "activation code must start with \"LPA:\""
        case let .unsupportedFormat(format): "activation code format \"\(format)\" is not supported (only 1)"
        case let .wrongFieldCount(count): "activation code has \(count) $-separated field(s); expected 3 to 5 (1$address$matchingId[$oid[$1]])"
        case .emptyAddress: "activation code has an empty SM-DP+ address"
        case let .invalidAddress(address): "activation code SM-DP+ address \"\(address)\" is not a host name"
        case let .invalidOID(oid): "activation code SM-DP+ OID \"\(oid)\" is not a dotted object identifier"
        case let .invalidConfirmationCodeFlag(flag): "activation code confirmation-code flag \"\(flag)\" must be 1"
        case let .forbiddenCharacter(offset): "activation code contains a space or control character at offset \(offset)"
        case let .tooLong(count): "activation code of \(count) characters exceeds \(ActivationCode.maxLength)"
        }
    }
}

/// An SGP.22 activation code (§4.1): `LPA:1$<SM-DP+ address>$<MatchingID>[$<SM-DP+ OID>[$1]]`.
/// The last field `1` means a confirmation code is required; with a CC flag but no OID the OID
/// field is empty (`1$host$token$$1`). `$` cannot occur inside a field.
public struct ActivationCode: Hashable, Sendable, CustomStringConvertible {
    /// Upper bound on the whole string (QR-code payloads in practice stay far below it).
    public static let maxLength = 255
    public static let prefix = "LPA:"

    /// The SM-DP+ FQDN, possibly with `:port`.
    public let smdpAddress: String
    /// The MatchingID (AC_Token) for ctxParams1; may be empty.
    public let matchingId: String
    /// The SM-DP+ OID in dotted form, when given.
    public let smdpOid: String?
    public let confirmationCodeRequired: Bool

    public init(smdpAddress: String, matchingId: String, smdpOid: String? = nil, confirmationCodeRequired: Bool = false) throws(ActivationCodeError) {
        let text = Self.format(smdpAddress: smdpAddress, matchingId: matchingId, smdpOid: smdpOid, confirmationCodeRequired: confirmationCodeRequired)
        self = try ActivationCode(parsing: text)
    }

    /// Parses the text of a QR code or a typed activation code.
    public init(parsing text: String) throws(ActivationCodeError) {
        let characters = Array(text)
        guard characters.count <= Self.maxLength else { throw .tooLong(characters.count) }
        if let offset = characters.firstIndex(where: { character in
            character.unicodeScalars.contains { $0.properties.generalCategory == .control || $0.properties.isWhitespace }
        }) {
            throw .forbiddenCharacter(offset: offset)
        }
        guard text.hasPrefix(Self.prefix) else { throw .missingPrefix }
        let fields = text.dropFirst(Self.prefix.count).split(separator: "$", omittingEmptySubsequences: false).map(String.init)
        guard (3...5).contains(fields.count) else { throw .wrongFieldCount(fields.count) }
        guard fields[0] == "1" else { throw .unsupportedFormat(fields[0]) }
        let address = fields[1]
        guard !address.isEmpty else { throw .emptyAddress }
        guard Self.isHostAddress(address) else { throw .invalidAddress(address) }
        var oid: String?
        var ccRequired = false
        if fields.count >= 4 {
            let oidField = fields[3]
            if oidField.isEmpty {
                guard fields.count == 5 else { throw .invalidOID(oidField) }
            } else {
                guard Self.isDottedOID(oidField) else { throw .invalidOID(oidField) }
                oid = oidField
            }
        }
        if fields.count == 5 {
            guard fields[4] == "1" else { throw .invalidConfirmationCodeFlag(fields[4]) }
            ccRequired = true
        }
        self.smdpAddress = address
        self.matchingId = fields[2]
        self.smdpOid = oid
        self.confirmationCodeRequired = ccRequired
    }

    /// The canonical text form.
    public var description: String {
        Self.format(smdpAddress: smdpAddress, matchingId: matchingId, smdpOid: smdpOid, confirmationCodeRequired: confirmationCodeRequired)
    }

    private static func format(smdpAddress: String, matchingId: String, smdpOid: String?, confirmationCodeRequired: Bool) -> String {
        var text = "\(prefix)1$\(smdpAddress)$\(matchingId)"
        if smdpOid != nil || confirmationCodeRequired { text += "$" + (smdpOid ?? "") }
        if confirmationCodeRequired { text += "$1" }
        return text
    }

    private static func isHostAddress(_ address: String) -> Bool {
        let parts = address.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return false }
        if parts.count == 2 {
            guard let port = Int(parts[1]), (1...65_535).contains(port) else { return false }
        }
        let labels = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    private static func isDottedOID(_ text: String) -> Bool {
        let arcs = text.split(separator: ".", omittingEmptySubsequences: false)
        guard arcs.count >= 2 else { return false }
        guard arcs.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }) else { return false }
        guard let first = Int(arcs[0]), first <= 2 else { return false }
        return true
    }
}

/// The confirmation code hash the LPA puts into PrepareDownload when `ccRequiredFlag` is set
/// (SGP.22 §3.1.3, notes §9): `hashCc = SHA-256( SHA-256(CC as UTF-8) ‖ transactionId )`,
/// where `transactionId` is the raw value bytes of the TransactionId (no tag or length).
public enum ConfirmationCode {
    public static func hash(_ confirmationCode: String, transactionId: [UInt8]) -> [UInt8] {
        let inner = SHA256.hash(data: Array(confirmationCode.utf8))
        return Array(SHA256.hash(data: Array(inner) + transactionId))
    }

    public static func hash(_ confirmationCode: String, transactionId: TransactionID) -> [UInt8] {
        hash(confirmationCode, transactionId: transactionId.bytes)
    }
}
