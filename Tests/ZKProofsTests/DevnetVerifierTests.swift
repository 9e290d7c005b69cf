// Swift-made commitments and range proofs checked by the committed PedersenVerifier bytecode on the
// real devnet (Swift → JSON-RPC → tools/devnet, eth-tester/py-evm, whose ecAdd/ecMul precompiles
// are py_ecc's). Skips when .venv is missing (run scripts/setup).
import DevnetTestSupport
import EthereumCore
import EthereumRPC
import Foundation
import Settlement
import Testing
import ZKProofs

/// Only what deploying needs: the constructor (the PlanEntitlements address; none is needed for
/// the pure verifiers, so any non-zero address).
enum PedersenVerifierDeployment: ContractBinding {
    static let contractName = "PedersenVerifier"
    static let functions: [ABIFunction] = []
    static let events: [ABIEvent] = []
    static let constructor = ContractConstructor(inputs: [.address])
}

let pointType = ABIType.tuple([.uint256, .uint256])
let bitProofType = ABIType.tuple([pointType, .uint256, .uint256, .uint256, .uint256])
let verifySum = ABIFunction(name: "verifySum", inputs: [.array(pointType), .uint256, .uint256], outputs: [.bool])
let verifyRange = ABIFunction(name: "verifyRange", inputs: [pointType, .array(bitProofType)], outputs: [.bool])
let hX = ABIFunction(name: "H_X", inputs: [], outputs: [.uint256])
let hY = ABIFunction(name: "H_Y", inputs: [], outputs: [.uint256])

func abiPoint(_ p: G1Point) throws -> ABIValue {
    let e = p.encoded
    return .tuple([.uint(try UInt256(bigEndian: e[0..<32])), .uint(try UInt256(bigEndian: e[32..<64]))])
}

func abiScalar(_ s: Fr) throws -> ABIValue { .uint(try UInt256(bigEndian: s.bigEndianBytes)) }

func abiBits(_ proof: [BitProof]) throws -> ABIValue {
    .array(try proof.map { .tuple([try abiPoint($0.commitment), try abiScalar($0.e0), try abiScalar($0.e1),
                                   try abiScalar($0.z0), try abiScalar($0.z1)]) })
}

@Suite("ZKProofs against PedersenVerifier on the real devnet", .serialized,
       .enabled(if: DevnetProcess.isAvailable, "needs .venv (scripts/setup)"))
struct DevnetVerifierTests {
    @Test("H, sums and range proofs made in Swift verify on chain; forged ones do not; off-curve points revert")
    func swiftProofsOnChain() async throws {
        try await DevnetProcess.with(run)
    }

    func run(_ devnet: DevnetProcess) async throws {
        let deployer = try devnetKeys(devnet)[0]
        let artifactURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("contracts/build/PedersenVerifier.json")
        let artifact = try JSONSerialization.jsonObject(with: Data(contentsOf: artifactURL)) as! [String: Any]
        let chain = try await Chain.connect(devnet.client)
        let verifier = try await chain.deploy(PedersenVerifierDeployment.self, data: try PedersenVerifierDeployment.constructor
            .deploymentData(bytecode: try Hex.decode(artifact["bytecode"] as! String), arguments: [.address(try deployer.address())]),
            signer: deployer)

        func call(_ f: ABIFunction, _ args: [ABIValue]) async throws -> ABIValue {
            let out = try await devnet.client.call(CallRequest(to: verifier.address, data: try f.encodeCall(args)))
            return try f.decodeOutput(out)[0]
        }

        // the contract's H is the one Swift derives from the domain string
        let h = Pedersen.h.encoded
        #expect(try await call(hX, []) == .uint(try UInt256(bigEndian: h[0..<32])))
        #expect(try await call(hY, []) == .uint(try UInt256(bigEndian: h[32..<64])))

        // a batch of 5 CDR commitments opens to its total; a forged total does not
        let volumes: [UInt64] = [1_000, 20_000, 300_000, 4_000_000, 7]
        let blindings = volumes.map { _ in Pedersen.randomScalar() }
        let commitments = zip(volumes, blindings).map { Pedersen.commit(value: Fr($0), blinding: $1) }
        let rTotal = blindings.reduce(Fr.zero, +)
        let points = ABIValue.array(try commitments.map(abiPoint))
        let vTotal = volumes.reduce(0, +)
        #expect(try await call(verifySum, [points, .uint(UInt256(vTotal)), try abiScalar(rTotal)]) == .bool(true))
        #expect(try await call(verifySum, [points, .uint(UInt256(vTotal + 1)), try abiScalar(rTotal)]) == .bool(false))

        // a Swift range proof (8 bits, fresh randomness) verifies; for another commitment it does not
        let r = Pedersen.randomScalar()
        let proof = try RangeProof.prove(value: 200, blinding: r, bits: 8)
        let c = Pedersen.commit(value: Fr(200), blinding: r)
        #expect(try await call(verifyRange, [try abiPoint(c), try abiBits(proof)]) == .bool(true))
        #expect(try await call(verifyRange, [try abiPoint(c + .generator), try abiBits(proof)]) == .bool(false))

        // a point off the curve: the precompile fails and the contract reverts with its reason
        let offCurve = ABIValue.tuple([.uint(UInt256(1)), .uint(UInt256(3))])
        do {
            _ = try await call(verifySum, [.array([offCurve]), .uint(.zero), .uint(.zero)])
            Issue.record("verifySum accepted (1, 3)")
        } catch let EthereumRPCError.executionReverted(reverted) {
            let reason = try ABI.decode([.string], from: Array(reverted.data.dropFirst(4)))
            #expect(reason == [.string("point: not on curve")])
        }
    }
}
