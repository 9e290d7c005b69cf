// Roaming authorisation (issue 19 item 1, use case 1A): the home MNO signs, with one of its operator
// keys registered in the TrustRegistry, a short-lived authorisation for one subscriber pseudonym and
// one visited network; the visited network checks it and answers with a signed service confirmation.
// Both are EIP-712 messages (domain "OpenRSP Roaming", version "1", chain id, the TrustRegistry), so
// an operator key signs them as any Ethereum wallet would and anyone recovers the signer.
import EthereumCore

/// The EIP-712 domain of roaming messages: bound to one chain and one TrustRegistry. Hashing and
/// the 0x19 0x01 digest are EthereumCore's `TypedData` (eth_signTypedData_v4).
public struct RoamingDomain: Sendable, Hashable {
    public let chainId: UInt64
    public let registry: Address

    public init(chainId: UInt64, registry: Address) {
        self.chainId = chainId
        self.registry = registry
    }

    /// `{name "OpenRSP Roaming", version "1", chainId, verifyingContract = the TrustRegistry}`.
    var fields: [String: TypedDataValue] {
        ["name": .string("OpenRSP Roaming"), "version": .string("1"), "chainId": .string(String(chainId)),
         "verifyingContract": .string(registry.checksummed)]
    }

    /// One message of `type` (declared by `fields`) in this domain.
    func typedData(_ type: String, _ fields: [TypedData.Field], _ message: [String: TypedDataValue]) -> TypedData {
        TypedData(types: [type: fields], primaryType: type, domain: self.fields, message: message)
    }

    /// hashStruct(EIP712Domain).
    public var separator: Hash32 {
        get throws(EIP712Error) { try TypedData(types: [:], primaryType: "EIP712Domain", domain: fields, message: [:]).domainSeparator() }
    }
}

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

    static let fields: [TypedData.Field] = [
        .init(name: "home", type: "address"), .init(name: "visited", type: "address"), .init(name: "subscriber", type: "bytes32"),
        .init(name: "issuedAt", type: "uint64"), .init(name: "expiresAt", type: "uint64"), .init(name: "nonce", type: "bytes32"),
    ]

    /// The message as eth_signTypedData_v4 typed data in `domain`.
    public func typedData(in domain: RoamingDomain) -> TypedData {
        domain.typedData("RoamingAuthorization", Self.fields, [
            "home": .string(home.checksummed), "visited": .string(visited.checksummed), "subscriber": .string(subscriber.value.hex),
            "issuedAt": .string(String(issuedAt)), "expiresAt": .string(String(expiresAt)), "nonce": .string(nonce.hex),
        ])
    }

    /// hashStruct of the message (the domain does not enter it).
    public var structHash: Hash32 {
        get throws(EIP712Error) {
            let data = typedData(in: RoamingDomain(chainId: 0, registry: home))
            return try data.hashStruct(data.primaryType, data.message)
        }
    }

    /// keccak256(0x19 0x01 ‖ domain separator ‖ structHash): what the operator key signs.
    public func digest(in domain: RoamingDomain) throws(EIP712Error) -> Hash32 { try typedData(in: domain).signingHash() }

    /// Signs with an operator key of `home`.
    public func sign(with key: PrivateKey, in domain: RoamingDomain) throws -> SignedRoamingAuthorization {
        SignedRoamingAuthorization(authorization: self, signature: try key.sign(digest: try digest(in: domain)))
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
    public func signer(in domain: RoamingDomain) throws -> Address {
        try signature.recoverAddress(digest: try authorization.digest(in: domain))
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

    static let fields: [TypedData.Field] = [
        .init(name: "authorization", type: "bytes32"), .init(name: "visited", type: "address"), .init(name: "confirmedAt", type: "uint64"),
    ]

    public func typedData(in domain: RoamingDomain) -> TypedData {
        domain.typedData("ServiceConfirmation", Self.fields, [
            "authorization": .string(authorization.hex), "visited": .string(visited.checksummed), "confirmedAt": .string(String(confirmedAt)),
        ])
    }

    public var structHash: Hash32 {
        get throws(EIP712Error) {
            let data = typedData(in: RoamingDomain(chainId: 0, registry: visited))
            return try data.hashStruct(data.primaryType, data.message)
        }
    }

    public func digest(in domain: RoamingDomain) throws(EIP712Error) -> Hash32 { try typedData(in: domain).signingHash() }

    public func sign(with key: PrivateKey, in domain: RoamingDomain) throws -> SignedServiceConfirmation {
        SignedServiceConfirmation(confirmation: self, signature: try key.sign(digest: try digest(in: domain)))
    }
}

public struct SignedServiceConfirmation: Sendable, Hashable {
    public let confirmation: ServiceConfirmation
    public let signature: Signature

    public init(confirmation: ServiceConfirmation, signature: Signature) {
        self.confirmation = confirmation
        self.signature = signature
    }

    public func signer(in domain: RoamingDomain) throws -> Address {
        try signature.recoverAddress(digest: try confirmation.digest(in: domain))
    }
}
