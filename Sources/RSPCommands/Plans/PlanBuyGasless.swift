// `plan buy --gasless`: the relayer account (another local keystore; no HTTP relayer protocol) and the
// buyer's EIP-3009 ReceiveWithAuthorization that PlanEntitlements.buyWithAuthorization takes.
import ArgumentParser
import EthereumCore
import Foundation
import Settlement

/// `--gasless --relayer-account NAME` and the relayer's password source.
struct RelayerOptions: ParsableArguments {
    @Flag(name: .long, help: "Gasless purchase: --account only signs an EIP-3009 authorization; the relayer account sends and pays the gas.")
    var gasless = false

    @Option(name: .long, help: ArgumentHelp("With --gasless: the relayer's keystore name or address in $OPENRSP_HOME/keystore.",
                                            valueName: "name|address"))
    var relayerAccount: String?

    @Option(name: .long, help: ArgumentHelp("File whose first line is the relayer keystore's password.", valueName: "file"))
    var relayerPasswordFile: String?

    @Option(name: .long, help: ArgumentHelp("Environment variable holding the relayer keystore's password.", valueName: "name"))
    var relayerPasswordEnv: String?

    @Option(name: .long, help: ArgumentHelp("With --gasless: seconds the authorization stays valid (validBefore = now + this).",
                                            valueName: "seconds"))
    var authorizationValidFor: Int = 3600

    init() {}

    func validate() throws {
        if gasless {
            guard relayerAccount != nil else { throw ValidationError("--gasless needs --relayer-account NAME|ADDRESS") }
            guard authorizationValidFor > 0 else { throw ValidationError("--authorization-valid-for must be positive") }
        } else if relayerAccount != nil || relayerPasswordFile != nil || relayerPasswordEnv != nil {
            throw ValidationError("--relayer-account and its password options need --gasless")
        }
    }

    /// The relayer as a transaction signer (nil without --gasless).
    func signer(home: DataDirectory) throws(ChainCommandError) -> (any TransactionSigner)? {
        guard gasless, let relayerAccount else { return nil }
        let key = try AccountOptions.unlock(relayerAccount, home: home) { prompt throws(ChainCommandError) in
            try PasswordOptions.password(file: relayerPasswordFile, env: relayerPasswordEnv, prompt: "Relayer: " + prompt,
                                         options: "--relayer-password-file or --relayer-password-env")
        }
        do { return try LocalKeySigner(key) } catch { throw ChainCommandError(.signing, "\(error)") }
    }
}

/// The buyer's signed ReceiveWithAuthorization as the pending file keeps it (all public once sent).
struct GaslessAuthorization: Codable {
    var purchaseNonce: String
    var validAfter: String
    var validBefore: String
    var r: String
    var s: String
    var yParity: UInt8

    static let receiveTypeHash = Keccak256.hash(Array(
        "ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)".utf8))
    static let domainTypeHash = Keccak256.hash(Array("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)".utf8))

    /// The EIP-712 digest the buyer signs: the token's domain (EIP-5267, checked against its DOMAIN_SEPARATOR and the chain id).
    static func digest(session: PlanChain, from: Address, to: Address, value: UInt256, validAfter: UInt256, validBefore: UInt256,
                       nonce: Hash32) async throws -> Hash32 {
        let domain = try await session.call(session.token, TestStablecoin.eip712Domain())
        let onChain = try await session.call(session.token, TestStablecoin.DOMAIN_SEPARATOR())
        do {
            let separator = Keccak256.hash(try ABI.encode(
                [.fixedBytes(32), .fixedBytes(32), .fixedBytes(32), .uint(256), .address],
                [.fixedBytes(domainTypeHash.bytes), .fixedBytes(Keccak256.hash(Array(domain.name.utf8)).bytes),
                 .fixedBytes(Keccak256.hash(Array(domain.version.utf8)).bytes), .uint(domain.chainId), .address(domain.verifyingContract)]))
            guard separator == onChain, domain.verifyingContract == session.token.address,
                  domain.chainId == UInt256(session.chain.chainId) else {
                throw PlanCommandError.chain("the token \(session.token.address) reports an EIP-712 domain that does not match its DOMAIN_SEPARATOR or chain")
            }
            let structHash = Keccak256.hash(try ABI.encode(
                [.fixedBytes(32), .address, .address, .uint(256), .uint(256), .uint(256), .fixedBytes(32)],
                [.fixedBytes(receiveTypeHash.bytes), .address(from), .address(to), .uint(value), .uint(validAfter),
                 .uint(validBefore), .fixedBytes(nonce.bytes)]))
            return Keccak256.hash([0x19, 0x01] + separator.bytes + structHash.bytes)
        } catch let error as PlanCommandError { throw error } catch {
            throw PlanCommandError.input("authorization encoding: \(error)")
        }
    }

    /// buyWithAuthorization with this authorization.
    func call(planId: UInt256, commitment: Hash32, buyer: Address) throws -> ContractCall<UInt256> {
        do {
            let signature = try Signature(r: try Hex.decode(r), s: try Hex.decode(s), yParity: yParity)
            return PlanEntitlements.buyWithAuthorization(
                planId: planId, commitment: commitment, purchaseNonce: try Hash32(hex: purchaseNonce), buyer: buyer,
                validAfter: try UInt256(decimal: validAfter), validBefore: try UInt256(decimal: validBefore), signature: signature)
        } catch {
            throw PlanCommandError.secret("the pending purchase's authorization is unreadable: \(error)")
        }
    }
}
