// Proof of knowledge of an opening (v, r) of C = v·G + r·H (Schnorr/Okamoto sigma protocol,
// Fiat–Shamir), bound to what PedersenVerifier.provePossession binds (docs/PROOFS.md):
//   A = a·G + b·H
//   e = keccak256(abi.encode(OPENING_TAG, chainId, verifier, entitlementId, nonce, prover,
//                            C.x, C.y, A.x, A.y)) mod n
//   z1 = a + e·v, z2 = b + e·r (mod n); proof = (e, z1, z2)
import EthereumCore

/// Everything a possession proof is bound to.
public struct PossessionContext: Sendable, Equatable {
    public var chainId: UInt256
    /// The PedersenVerifier contract.
    public var verifier: Address
    public var entitlementId: UInt256
    /// 32 bytes of fresh randomness, consumed once per entitlement by the contract.
    public var nonce: [UInt8]
    /// The account that will send provePossession (msg.sender).
    public var prover: Address

    public init(chainId: UInt256, verifier: Address, entitlementId: UInt256, nonce: [UInt8], prover: Address) {
        self.chainId = chainId
        self.verifier = verifier
        self.entitlementId = entitlementId
        self.nonce = nonce
        self.prover = prover
    }
}

/// (e, z1, z2), as PedersenVerifier's OpeningProof struct.
public struct OpeningProof: Sendable, Equatable {
    public var e: Fr
    public var z1: Fr
    public var z2: Fr

    /// keccak256("OpenRSP.PedersenOpening.v1")
    public static let tag = Keccak256.digest(Array("OpenRSP.PedersenOpening.v1".utf8))

    public static func challenge(_ context: PossessionContext, commitment: G1Point, announcement: G1Point) -> Fr {
        func word(_ address: Address) -> [UInt8] { [UInt8](repeating: 0, count: 12) + address.bytes }
        let data = tag + context.chainId.bigEndianBytes + word(context.verifier) + context.entitlementId.bigEndianBytes
            + context.nonce + word(context.prover) + commitment.encoded + announcement.encoded
        return Fr(bigEndian: Keccak256.digest(data))!
    }

    /// The proof with the prover's nonces (a, b) given: for known-answer tests. They must be fresh
    /// uniform secrets; reusing them across two proofs reveals the opening.
    public static func prove(_ context: PossessionContext, value: Fr, blinding: Fr, nonces: (a: Fr, b: Fr)) -> OpeningProof {
        let commitment = Pedersen.commit(value: value, blinding: blinding)
        let announcement = Pedersen.commit(value: nonces.a, blinding: nonces.b)
        let e = challenge(context, commitment: commitment, announcement: announcement)
        return OpeningProof(e: e, z1: nonces.a + e * value, z2: nonces.b + e * blinding)
    }

    /// The proof with fresh random nonces.
    public static func prove(_ context: PossessionContext, value: Fr, blinding: Fr) -> OpeningProof {
        prove(context, value: value, blinding: blinding, nonces: (Pedersen.randomScalar(), Pedersen.randomScalar()))
    }

    /// What the contract checks: A = z1·G + z2·H − e·C and e == challenge(…, A).
    public func verifies(_ context: PossessionContext, commitment: G1Point) -> Bool {
        let announcement = Pedersen.commit(value: z1, blinding: z2) - commitment.multiplied(by: e)
        return OpeningProof.challenge(context, commitment: commitment, announcement: announcement) == e
    }

    public init(e: Fr, z1: Fr, z2: Fr) {
        self.e = e
        self.z1 = z1
        self.z2 = z2
    }
}
