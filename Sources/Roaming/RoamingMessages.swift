// Roaming authorisation (issue 19 item 1, use case 1A): the home MNO signs, with one of its operator
// keys registered in the TrustRegistry, a short-lived authorisation for one subscriber pseudonym and
// one visited network; the visited network checks it and answers with a signed service confirmation.
// Both are EIP-712 messages (domain "OpenRSP Roaming", version "1", chain id, the TrustRegistry), so
// an operator key signs them as any Ethereum wallet would and anyone recovers the signer.
import EthereumCore

/// The EIP-712 domain of roaming messages: bound to one chain and one TrustRegistry.
public struct RoamingDomain: Sendable, Hashable {
    public let chainId: UInt64
    public let registry: Address

    public init(chainId: UInt64, registry: Address) {
        self.chainId = chainId
        self.registry = registry
    }

    static let typeHash = Keccak256.digest(Array(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)".utf8))

    /// keccak256(abi.encode(typeHash, keccak256("OpenRSP Roaming"), keccak256("1"), chainId, registry)).
    public var separator: Hash32 {
        Keccak256.hash(Self.typeHash + Keccak256.digest(Array("OpenRSP Roaming".utf8)) + Keccak256.digest(Array("1".utf8))
                       + word(chainId) + word(registry))
    }

    /// keccak256(0x19 0x01 ‖ separator ‖ structHash): what the operator key signs.
    func digest(_ structHash: Hash32) -> Hash32 {
        Keccak256.hash([0x19, 0x01] + separator.bytes + structHash.bytes)
    }
}

func word(_ value: UInt64) -> [UInt8] {
    [UInt8](repeating: 0, count: 24) + (0..<8).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
}

func word(_ address: Address) -> [UInt8] { [UInt8](repeating: 0, count: 12) + address.bytes }

/// RoamingAuthorization(address home,address visited,bytes32 subscriber,uint64 issuedAt,uint64 expiresAt,bytes32 nonce)
public struct RoamingAuthorization: Sendable, Hashable {
    public let home: Address          // the home MNO's TrustRegistry address
    public let visited: Address       // the audience: the visited MNO's TrustRegistry address
    public let subscriber: IMSIPseudonym
    public let issuedAt: UInt64       // unix seconds
    public let expiresAt: UInt64
    public let nonce: Hash32          // fresh randomness per authorisation

    public init(home: Address, visited: Address, subscriber: IMSIPseudonym, issuedAt: UInt64, expiresAt: UInt64,
                nonce: Hash32) {
        self.home = home
        self.visited = visited
        self.subscriber = subscriber
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.nonce = nonce
    }

    static let typeHash = Keccak256.digest(Array(
        "RoamingAuthorization(address home,address visited,bytes32 subscriber,uint64 issuedAt,uint64 expiresAt,bytes32 nonce)".utf8))

    public var structHash: Hash32 {
        Keccak256.hash(Self.typeHash + word(home) + word(visited) + subscriber.value.bytes + word(issuedAt)
                       + word(expiresAt) + nonce.bytes)
    }

    public func digest(in domain: RoamingDomain) -> Hash32 { domain.digest(structHash) }

    /// Signs with an operator key of `home`.
    public func sign(with key: PrivateKey, in domain: RoamingDomain) throws(Secp256k1Error) -> SignedRoamingAuthorization {
        SignedRoamingAuthorization(authorization: self, signature: try key.sign(digest: digest(in: domain)))
    }
}

public struct SignedRoamingAuthorization: Sendable, Hashable {
    public let authorization: RoamingAuthorization
    public let signature: Signature

    public init(authorization: RoamingAuthorization, signature: Signature) {
        self.authorization = authorization
        self.signature = signature
    }

    /// The key that signed (recovered from the signature).
    public func signer(in domain: RoamingDomain) throws(Secp256k1Error) -> Address {
        try signature.recoverAddress(digest: authorization.digest(in: domain))
    }
}

/// ServiceConfirmation(bytes32 authorization,address visited,uint64 confirmedAt): the visited network's
/// answer, bound to the authorisation's EIP-712 digest.
public struct ServiceConfirmation: Sendable, Hashable {
    public let authorization: Hash32
    public let visited: Address
    public let confirmedAt: UInt64

    public init(authorization: Hash32, visited: Address, confirmedAt: UInt64) {
        self.authorization = authorization
        self.visited = visited
        self.confirmedAt = confirmedAt
    }

    static let typeHash = Keccak256.digest(Array(
        "ServiceConfirmation(bytes32 authorization,address visited,uint64 confirmedAt)".utf8))

    public var structHash: Hash32 {
        Keccak256.hash(Self.typeHash + authorization.bytes + word(visited) + word(confirmedAt))
    }

    public func digest(in domain: RoamingDomain) -> Hash32 { domain.digest(structHash) }

    public func sign(with key: PrivateKey, in domain: RoamingDomain) throws(Secp256k1Error) -> SignedServiceConfirmation {
        SignedServiceConfirmation(confirmation: self, signature: try key.sign(digest: digest(in: domain)))
    }
}

public struct SignedServiceConfirmation: Sendable, Hashable {
    public let confirmation: ServiceConfirmation
    public let signature: Signature

    public init(confirmation: ServiceConfirmation, signature: Signature) {
        self.confirmation = confirmation
        self.signature = signature
    }

    public func signer(in domain: RoamingDomain) throws(Secp256k1Error) -> Address {
        try signature.recoverAddress(digest: confirmation.digest(in: domain))
    }
}
