// Scheme `exact` on EVM: an EIP-3009 TransferWithAuthorization of exactly the asked amount to payTo,
// signed under the token's own EIP-712 domain.
import EthereumCore
import Foundation

/// x402's reason strings (the x402 reference implementation's names), so that any x402 client can tell them apart.
public enum X402Reason: String, Sendable, Hashable, CaseIterable {
    case unsupportedScheme = "unsupported_scheme"
    case networkMismatch = "network_mismatch"
    case invalidPayload = "invalid_payload"
    case noMatchingRequirements = "no_matching_payment_requirements"
    case assetMismatch = "invalid_exact_evm_payload_asset_mismatch"
    case missingDomain = "missing_eip712_domain"
    case tokenNameMismatch = "invalid_exact_evm_token_name_mismatch"
    case tokenVersionMismatch = "invalid_exact_evm_token_version_mismatch"
    case recipientMismatch = "invalid_exact_evm_payload_recipient_mismatch"
    case valueMismatch = "invalid_exact_evm_payload_authorization_value_mismatch"
    case expired = "invalid_exact_evm_payload_authorization_valid_before"
    case notYetValid = "invalid_exact_evm_payload_authorization_valid_after"
    case invalidSignature = "invalid_exact_evm_payload_signature"
    case nonceUsed = "invalid_exact_evm_nonce_already_used"
    case insufficientBalance = "invalid_exact_evm_insufficient_balance"
    case chainUnavailable = "invalid_exact_evm_failed_to_get_network_config"
    case transactionFailed = "transaction_failed"
}

/// A refusal: the x402 reason and what exactly was wrong.
public struct X402Refusal: Error, Sendable, Hashable, CustomStringConvertible {
    public let reason: X402Reason
    public let message: String
    public init(_ reason: X402Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }
    public var description: String { "\(reason.rawValue): \(message)" }
}

/// The typed content of an `exact` payload.
public struct X402ExactAuthorization: Sendable, Hashable {
    public let from: Address
    public let to: Address
    public let value: UInt256
    public let validAfter: UInt256
    public let validBefore: UInt256
    public let nonce: Hash32
    public let signature: Signature

    public init(from: Address, to: Address, value: UInt256, validAfter: UInt256, validBefore: UInt256, nonce: Hash32,
                signature: Signature) {
        self.from = from
        self.to = to
        self.value = value
        self.validAfter = validAfter
        self.validBefore = validBefore
        self.nonce = nonce
        self.signature = signature
    }

    /// Parses the wire strings; anything malformed is `invalid_payload` (a bad signature encoding too).
    public init(_ payload: X402ExactPayload) throws(X402Refusal) {
        let a = payload.authorization
        do {
            from = try Address(hex: a.from)
            to = try Address(hex: a.to)
        } catch { throw X402Refusal(.invalidPayload, "authorization from/to: \(error)") }
        do {
            value = try UInt256(decimal: a.value)
            validAfter = try UInt256(decimal: a.validAfter)
            validBefore = try UInt256(decimal: a.validBefore)
        } catch { throw X402Refusal(.invalidPayload, "authorization value/validAfter/validBefore must be decimal integers") }
        do { nonce = try Hash32(hex: a.nonce) } catch { throw X402Refusal(.invalidPayload, "authorization nonce must be 32 bytes of 0x-hex") }
        do { signature = try Signature(rsv: try Hex.decode(payload.signature, requirePrefix: true)) } catch {
            throw X402Refusal(.invalidSignature, "signature must be 65 bytes r‖s‖v of 0x-hex with low s")
        }
    }

    /// The EIP-712 typed data the payer signed, under `domain`.
    public func typedData(domain: X402TokenDomain) -> TypedData {
        Self.typedData(from: from, to: to, value: value, validAfter: validAfter, validBefore: validBefore, nonce: nonce, domain: domain)
    }

    /// EIP-3009's `TransferWithAuthorization` under the token's domain.
    public static func typedData(from: Address, to: Address, value: UInt256, validAfter: UInt256, validBefore: UInt256, nonce: Hash32,
                                 domain: X402TokenDomain) -> TypedData {
        TypedData(
            types: [
                "TransferWithAuthorization": [
                    .init(name: "from", type: "address"), .init(name: "to", type: "address"), .init(name: "value", type: "uint256"),
                    .init(name: "validAfter", type: "uint256"), .init(name: "validBefore", type: "uint256"),
                    .init(name: "nonce", type: "bytes32")],
            ],
            primaryType: "TransferWithAuthorization",
            domain: ["name": .string(domain.name), "version": .string(domain.version),
                     "chainId": .string(domain.chainId.description), "verifyingContract": .string(domain.verifyingContract.checksummed)],
            message: ["from": .string(from.checksummed), "to": .string(to.checksummed), "value": .string(value.description),
                      "validAfter": .string(validAfter.description), "validBefore": .string(validBefore.description),
                      "nonce": .string(nonce.hex)])
    }

    /// The address whose key made `signature` over this authorization.
    public func signer(domain: X402TokenDomain) throws(X402Refusal) -> Address {
        do { return try signature.recoverAddress(digest: try typedData(domain: domain).signingHash()) } catch {
            throw X402Refusal(.invalidSignature, "the signature does not recover: \(error)")
        }
    }
}

/// A token's EIP-712 domain (EIP-5267 `eip712Domain()`).
public struct X402TokenDomain: Sendable, Hashable {
    public let name: String
    public let version: String
    public let chainId: UInt256
    public let verifyingContract: Address

    public init(name: String, version: String, chainId: UInt256, verifyingContract: Address) {
        self.name = name
        self.version = version
        self.chainId = chainId
        self.verifyingContract = verifyingContract
    }
}

extension X402ExactPayload {
    /// An `exact` payment signed with `key`: what an x402 client sends for `value` to `to`.
    public static func sign(key: PrivateKey, to: Address, value: UInt256, validAfter: UInt256 = .zero, validBefore: UInt256,
                            nonce: Hash32, domain: X402TokenDomain) throws -> X402ExactPayload {
        let from = try key.address()
        let data = X402ExactAuthorization.typedData(from: from, to: to, value: value, validAfter: validAfter, validBefore: validBefore,
                                                    nonce: nonce, domain: domain)
        let signature = try data.sign(with: key)
        return X402ExactPayload(
            authorization: X402Authorization(from: from.checksummed, to: to.checksummed, value: value.description,
                                             validAfter: validAfter.description, validBefore: validBefore.description, nonce: nonce.hex),
            signature: Hex.encode(signature.rsv))
    }
}
