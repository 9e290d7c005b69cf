// Known answers from contracts/roaming.py (the reference model of RoamingClearing.vy): the PLMN
// encoding, the record leaf, the Merkle root and a proof over records, and the vote commitment.
// Recompute with: cd contracts && python -c "import roaming; ..." (the values below are its output).
import EthereumCore
import Settlement
import Testing

@Suite("RoamingClearing binding: known answers from contracts/roaming.py")
struct RoamingClearingBindingTests {
    typealias RC = RoamingClearing

    @Test("PLMN identities encode as TS 24.008 octets and print back")
    func plmn() throws {
        let de = try #require(RC.PLMN("262-01"))
        #expect(de.value == 0x62F210)
        #expect(de.description == "262-01")
        let us = try #require(RC.PLMN("310-410"))
        #expect(us.value == 0x130014)
        #expect(us.description == "310-410")
        for bad in ["26201", "26-201", "262-1", "262-0123", "2a2-01", "", "262-", "-01"] {
            #expect(RC.PLMN(bad) == nil, "\(bad)")
        }
    }

    func record(_ i: UInt64) throws -> RC.Record {
        RC.Record(agreementId: 7, direction: .bOnA, period: 3, index: i, imsiPseudonym: try Hash32([UInt8](repeating: UInt8(i), count: 32)),
                  service: try #require(RC.Service(rawValue: UInt8(1 + i % 3))), startTime: 1_700_000_000 + i, endTime: 1_700_000_300 + i,
                  volume: 5 + i, location: try #require(RC.PLMN("262-01")), charge: UInt256((5 + i) * 10))
    }

    @Test("the record leaf is roaming.Record.leaf()")
    func leaf() throws {
        let r = RC.Record(agreementId: 7, direction: .bOnA, period: 3, index: 2, imsiPseudonym: try Hash32(Array(0..<32)), service: .voice,
                          startTime: 1_700_000_000, endTime: 1_700_000_300, volume: 5, location: try #require(RC.PLMN("262-01")), charge: 200)
        #expect(r.leaf.hex == "0x382b4c4c68be0a378a9ae2a0af823972f9a7b7469d764af19b7370f8c6c94851")
        var changed = r
        changed.charge = 201
        #expect(changed.leaf != r.leaf)
    }

    @Test("the Merkle root and a proof over five records are roaming.Tree's")
    func tree() throws {
        let records = try (0..<5).map { try record(UInt64($0)) }
        let tree = try UsageMerkleTree(leaves: records.map(\.leaf))
        #expect(tree.root.hex == "0x96214a8e191b1654a7b3bb00ccd2125420374002ad57bb5e00f0068c10f0142c")
        let proof = try tree.proof(index: 4)
        #expect(proof.map(\.hex) == ["0x3af027d01729c3d1a379c78c7b8e3bf7a376fbd9bb5014bec55b44081c0dfae5"])
        #expect(UsageMerkleTree.verify(root: tree.root, leaf: records[4].leaf, index: 4, count: 5, proof: proof))
        #expect(!UsageMerkleTree.verify(root: tree.root, leaf: records[3].leaf, index: 4, count: 5, proof: proof))
    }

    @Test("the vote commitment is roaming.vote_commitment")
    func voteCommitment() throws {
        let h = RC.computeVoteCommitment(9, round: 2, auditor: try Address(hex: "0x00000000000000000000000000000000000000aa"),
                                         vote: .uphold, salt: try Hash32([UInt8](repeating: 7, count: 32)))
        #expect(h.hex == "0x000adf3a60be38d2bb24bb89af1b45ef0db867e6e50f15fe364b0fd15e3877e1")
    }

    @Test("invoices are totals times rates")
    func invoice() {
        let rates = RC.Rates(data: 3, voice: 40, sms: 7)
        #expect(rates.invoice(RC.ServiceTotals(dataMB: 10, voiceMinutes: 2, smsMessages: 1)) == UInt256(30 + 80 + 7))
        var t = RC.ServiceTotals()
        let first = t.add(.data, UInt64.max)
        let second = t.add(.data, 1)
        #expect(first && !second)
        #expect(t.dataMB == UInt64.max)
    }
}
