// Typed binding of contracts/src/IdentityRegistry.vy (issue 17 item 4; ABI: contracts/build/IdentityRegistry.json):
// per account one attestation (a commitment to a credential, never personal data, and predicate bits) by an
// active MNO or KYC provider, and issuers' status list anchors.
import EthereumCore

public enum IdentityRegistry: ContractBinding {
    public static let contractName = "IdentityRegistry"

    /// Predicate bits (contracts/README.md): what the attesting issuer vouches for.
    public struct Predicates: OptionSet, Sendable, Hashable {
        public let rawValue: UInt64
        public init(rawValue: UInt64) { self.rawValue = rawValue }
        public static let kycVerified = Predicates(rawValue: 1)
        public static let ageOver18 = Predicates(rawValue: 2)
        public static let euResident = Predicates(rawValue: 4)
    }

    public enum Functions {
        public static let attest = ABIFunction(name: "attest", inputs: [.address, .b32, .uint256, .u64])
        public static let revokeAttestation = ABIFunction(name: "revokeAttestation", inputs: [.address])
        public static let clearAttestation = ABIFunction(name: "clearAttestation", inputs: [])
        public static let anchorStatusList = ABIFunction(name: "anchorStatusList", inputs: [.uint256, .b32, .string])
        public static let satisfies = ABIFunction(name: "satisfies", inputs: [.address, .uint256], outputs: [.bool])
        public static let isValid = ABIFunction(name: "isValid", inputs: [.address], outputs: [.bool])
        public static let attestationOf = ABIFunction(name: "attestationOf", inputs: [.address], outputs: [.address, .b32, .uint256, .u64, .bool])
        public static let VERSION = ABIFunction(name: "VERSION", inputs: [], outputs: [.uint256])
        public static let REGISTRY = ABIFunction(name: "REGISTRY", inputs: [], outputs: [.address])
        public static let statusListDigest = ABIFunction(name: "statusListDigest", inputs: [.address, .uint256], outputs: [.b32])
        public static let statusListAnchoredAt = ABIFunction(name: "statusListAnchoredAt", inputs: [.address, .uint256], outputs: [.uint256])
    }

    public static let functions: [ABIFunction] = [
        Functions.attest, Functions.revokeAttestation, Functions.clearAttestation, Functions.anchorStatusList, Functions.satisfies,
        Functions.isValid, Functions.attestationOf, Functions.VERSION, Functions.REGISTRY, Functions.statusListDigest, Functions.statusListAnchoredAt,
    ]
    public static let events: [ABIEvent] = [Attested.event, AttestationRevoked.event, AttestationCleared.event, StatusListAnchored.event]

    /// `constructor(registry: address)` (the TrustRegistry).
    public static let constructor = ContractConstructor(inputs: [.address])

    public static func deploymentData(bytecode: [UInt8], registry: Address) throws(BindingError) -> [UInt8] {
        try constructor.deploymentData(bytecode: bytecode, arguments: [.address(registry)])
    }

    /// By an active MNO or KYC provider: `account` holds a credential whose issuer-signed JWT hashes to
    /// `commitment`, vouching for `predicates` until `expiry`.
    public static func attest(account: Address, commitment: Hash32, predicates: Predicates, expiry: UInt64) -> ContractCall<Void> {
        ContractCall(Functions.attest, [.address(account), .b32(commitment), .uint(UInt256(predicates.rawValue)), .u64(expiry)])
    }

    public static func revokeAttestation(account: Address) -> ContractCall<Void> {
        ContractCall(Functions.revokeAttestation, [.address(account)])
    }

    public static func clearAttestation() -> ContractCall<Void> {
        ContractCall(Functions.clearAttestation, [])
    }

    /// By an active MNO or KYC provider: the SHA-256 of its current status list token for `listId` (keccak256 of the URI).
    public static func anchorStatusList(listId: UInt256, digest: Hash32, uri: String) -> ContractCall<Void> {
        ContractCall(Functions.anchorStatusList, [.u256(listId), .b32(digest), .string(uri)])
    }

    public static func satisfies(account: Address, required: Predicates) -> ContractCall<Bool> {
        ContractCall(Functions.satisfies, [.address(account), .uint(UInt256(required.rawValue))], decoder: Decode.bool)
    }

    public static func isValid(account: Address) -> ContractCall<Bool> {
        ContractCall(Functions.isValid, [.address(account)], decoder: Decode.bool)
    }

    public struct Attestation: Sendable, Hashable {
        public let issuer: Address
        public let commitment: Hash32
        public let predicates: UInt256
        public let expiry: UInt64
        public let revoked: Bool
    }

    /// Nil when the account has no attestation slot.
    public static func attestationOf(account: Address) -> ContractCall<Attestation?> {
        ContractCall(Functions.attestationOf, [.address(account)]) { (values: [ABIValue]) throws(BindingError) -> Attestation? in
            var r = ABIValueReader(values: values)
            let issuer = try r.address(), commitment = try r.bytes32(), predicates = try r.uint256(), expiry = try r.uint64(), revoked = try r.bool()
            return issuer == .zero ? nil : Attestation(issuer: issuer, commitment: commitment, predicates: predicates, expiry: expiry, revoked: revoked)
        }
    }

    public static func statusListDigest(issuer: Address, listId: UInt256) -> ContractCall<Hash32> {
        ContractCall(Functions.statusListDigest, [.address(issuer), .u256(listId)], decoder: Decode.bytes32)
    }

    public static func statusListAnchoredAt(issuer: Address, listId: UInt256) -> ContractCall<UInt256> {
        ContractCall(Functions.statusListAnchoredAt, [.address(issuer), .u256(listId)], decoder: Decode.uint256)
    }

    public struct Attested: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "Attested", parameters: [
            .init(name: "account", type: .address, indexed: true), .init(name: "issuer", type: .address, indexed: true),
            .init(name: "commitment", type: .b32, indexed: false), .init(name: "predicates", type: .uint256, indexed: false),
            .init(name: "expiry", type: .u64, indexed: false),
        ])
        public let account: Address, issuer: Address, commitment: Hash32, predicates: UInt256, expiry: UInt64
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            account = try r.address(); issuer = try r.address(); commitment = try r.bytes32(); predicates = try r.uint256(); expiry = try r.uint64()
        }
    }

    public struct AttestationRevoked: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "AttestationRevoked", parameters: [
            .init(name: "account", type: .address, indexed: true), .init(name: "issuer", type: .address, indexed: true),
        ])
        public let account: Address, issuer: Address
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            account = try r.address(); issuer = try r.address()
        }
    }

    public struct AttestationCleared: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "AttestationCleared", parameters: [
            .init(name: "account", type: .address, indexed: true), .init(name: "issuer", type: .address, indexed: true),
        ])
        public let account: Address, issuer: Address
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            account = try r.address(); issuer = try r.address()
        }
    }

    public struct StatusListAnchored: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "StatusListAnchored", parameters: [
            .init(name: "issuer", type: .address, indexed: true), .init(name: "listId", type: .uint256, indexed: true),
            .init(name: "digest", type: .b32, indexed: false), .init(name: "uri", type: .string, indexed: false),
        ])
        public let issuer: Address, listId: UInt256, digest: Hash32, uri: String
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            issuer = try r.address(); listId = try r.uint256(); digest = try r.bytes32(); uri = try r.string()
        }
    }

    /// Revert reasons of IdentityRegistry.vy.
    public enum Revert: String, Error, Hashable, Sendable, CaseIterable {
        case registryZeroAddress = "registry: zero address"
        case accountZeroAddress = "account: zero address"
        case commitmentZero = "commitment: zero"
        case predicatesZero = "predicates: zero"
        case predicatesAbove31Bits = "predicates: above 31 bits"
        case expiryNotInFuture = "expiry: not in the future"
        case issuerNotActive = "issuer: not an active MNO or KYC provider"
        case attestedByAnotherIssuer = "account: attested by another issuer"
        case attestationNone = "attestation: none"
        case attestationAlreadyRevoked = "attestation: already revoked"
        case notAttestingIssuer = "not the attesting issuer"
        case digestZero = "digest: zero"
        case uriEmpty = "uri: empty"
    }
}
