#!/usr/bin/env python3
"""Gas per external function, from real transaction receipts (intrinsic gas, calldata and refunds
included): deploys with deploy.py to an in-process eth-tester chain behind the JSON-RPC shim and
runs one scenario through every state-changing function.

    .venv/bin/python contracts/gas_report.py
"""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

from eth_abi import encode                      # noqa: E402
from eth_account import Account                 # noqa: E402
from eth_hash.auto import keccak                # noqa: E402

import deploy                                   # noqa: E402
import merkle                                   # noqa: E402
from ethtester_rpc import Chain, serve          # noqa: E402

BATCH_T = "(uint256,bytes32,uint64,uint64,uint64,uint64)"
CDR_T = "(uint256,uint64,uint64,uint64,uint64,bytes32)"
DAY = 86400
PRICE, DATA_MB, VALIDITY = 10_000_000, 5000, 30 * DAY


class Scenario:
    def __init__(self):
        self.chain = Chain()
        self.server, self.url = serve(self.chain)
        self.rpc = deploy.Rpc(self.url)
        self.gas = {}     # label -> gasUsed
        t = self.chain.tester
        self.keys = {}
        for name in ("gov", "mno", "mvno", "opkey", "buyer", "other", "relayer"):
            acct = Account.from_key(keccak(b"gas-report-" + name.encode()))
            t.send_transaction({"from": t.get_accounts()[0], "to": acct.address, "value": 10**21, "gas": 21000})
            self.keys[name] = acct
        self.senders = {}

    def close(self):
        self.server.shutdown()

    def addr(self, name):
        return self.keys[name].address

    def tx(self, who, to, sig, types, args, label=None):
        d = self.senders.get(who) or self.senders.setdefault(who, deploy.Deployer(self.rpc, self.keys[who].key.hex()))
        receipt = d.call(to, sig, types, args)
        if label:
            self.gas[label] = int(receipt["gasUsed"], 16)
        return receipt

    def now(self):
        return int(self.rpc("eth_getBlockByNumber", "latest", False)["timestamp"], 16)

    def block_time(self, receipt):
        return int(self.rpc("eth_getBlockByNumber", receipt["blockNumber"], False)["timestamp"], 16)

    def travel(self, seconds):
        self.chain.tester.time_travel(self.now() + seconds)

    def run(self):
        cid = self.chain.tester.backend.chain.chain_id
        out = deploy.deploy_all(self.rpc, self.keys["gov"].key.hex(), devnet_chain_ids=(1337, 31337, cid))
        self.senders.clear()   # the deployer's nonce moved on outside this scenario's Deployer
        c = self.c = out["contracts"]
        reg, plans, st, tok = c["TrustRegistry"], c["PlanEntitlements"], c["UsageSettlement"], c["Token"]
        h = lambda s: keccak(s.encode())   # noqa: E731
        self.tx("gov", reg, "register(address,uint8,string,bytes32,bytes32)", ["address", "uint8", "string", "bytes32", "bytes32"],
                [self.addr("mno"), 5, "Example MNO", h("mno-spki"), h("mno-cert")], "TrustRegistry.register")
        self.tx("gov", reg, "register(address,uint8,string,bytes32,bytes32)", ["address", "uint8", "string", "bytes32", "bytes32"],
                [self.addr("mvno"), 6, "Example MVNO", h("mvno-spki"), h("mvno-cert")])
        self.tx("mno", reg, "registerOperatorKey(address)", ["address"], [self.addr("opkey")], "TrustRegistry.registerOperatorKey")
        plan_sig = "listPlan(address,uint256,uint256,uint256,uint256,uint256,bool,uint8,uint8)"
        plan_t = ["address", "uint256", "uint256", "uint256", "uint256", "uint256", "bool", "uint8", "uint8"]
        self.tx("mvno", plans, plan_sig, plan_t, [self.addr("mno"), DATA_MB, VALIDITY, PRICE, 1500, 1000, False, 2, 0],
                "PlanEntitlements.listPlan")
        for who in ("buyer", "other"):
            self.tx("gov", tok, "mint(address,uint256)", ["address", "uint256"], [self.addr(who), 100 * PRICE], "TestStablecoin.mint")
            self.tx(who, tok, "approve(address,uint256)", ["address", "uint256"], [plans, 2**256 - 1], "TestStablecoin.approve")
        buy = lambda who, label=None: self.tx(who, plans, "buy(uint256,bytes32)", ["uint256", "bytes32"],  # noqa: E731
                                              [1, keccak(b"eid" + who.encode())], label)
        buy("buyer", "PlanEntitlements.buy (first purchase ever: escrow balance 0 -> >0)")
        buy("buyer", "PlanEntitlements.buy")
        buy("other")
        # gasless purchase
        salt = b"\x05" * 32
        (nonce,) = [keccak(encode(["bytes32", "address", "uint256", "bytes32", "bytes32"], [keccak(
            b"OpenRSP.PlanPurchase(address entitlements,uint256 planId,bytes32 commitment,bytes32 salt)"),
            plans, 1, keccak(b"eid-gasless"), salt]))]
        dom = keccak(encode(["bytes32", "bytes32", "bytes32", "uint256", "address"], [
            keccak(b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
            keccak(b"OpenRSP Test USD"), keccak(b"1"), cid, tok]))
        valid_before = self.now() + 3600
        sh = keccak(encode(["bytes32", "address", "address", "uint256", "uint256", "uint256", "bytes32"], [
            keccak(b"ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"),
            self.addr("buyer"), plans, PRICE, 0, valid_before, nonce]))
        sig = Account.unsafe_sign_hash(keccak(b"\x19\x01" + dom + sh), self.keys["buyer"].key)
        self.tx("relayer", plans, "buyWithAuthorization(uint256,bytes32,bytes32,address,uint256,uint256,uint8,bytes32,bytes32)",
                ["uint256", "bytes32", "bytes32", "address", "uint256", "uint256", "uint8", "bytes32", "bytes32"],
                [1, keccak(b"eid-gasless"), salt, self.addr("buyer"), 0, valid_before, sig.v,
                 sig.r.to_bytes(32, "big"), sig.s.to_bytes(32, "big")], "PlanEntitlements.buyWithAuthorization")
        self.tx("buyer", plans, "safeTransferFrom(address,address,uint256,uint256,bytes)",
                ["address", "address", "uint256", "uint256", "bytes"], [self.addr("buyer"), self.addr("other"), 2, 1, b""],
                "PlanEntitlements.safeTransferFrom")
        self.tx("other", plans, "safeTransferFrom(address,address,uint256,uint256,bytes)",
                ["address", "address", "uint256", "uint256", "bytes"], [self.addr("other"), self.addr("buyer"), 2, 1, b""])
        self.tx("buyer", plans, "setApprovalForAll(address,bool)", ["address", "bool"], [self.addr("relayer"), True],
                "PlanEntitlements.setApprovalForAll")

        # usage batches
        start = 1_700_000_000   # fixed CDR periods: identical roots and calldata on every run (not checked at posting)
        post_sig = "postUsage(uint256,bytes32,uint64,uint64,uint64,uint256)"
        post_t = ["uint256", "bytes32", "uint64", "uint64", "uint64", "uint256"]
        self.batches = {}

        def post(who, ent, n, first, nonce, label=None, bad=False):
            cdrs = [merkle.Cdr(ent, first + i, 1000 + i, start, start + 1, keccak(b"cdr%d" % i)) for i in range(n)]
            if bad:
                cdrs[-1] = merkle.Cdr(ent + 100, *cdrs[-1].as_tuple()[1:])
            levels = merkle.build_levels([x.leaf() for x in cdrs])
            total = sum(x.bytes for x in cdrs)
            r = self.tx(who, st, post_sig, post_t, [ent, levels[-1][0], total, first, first + n - 1, nonce], label)
            bid = keccak(encode(["address", "uint256"], [self.addr(who), nonce]))
            batch = (ent, levels[-1][0], total, first, first + n - 1, self.block_time(r))
            self.batches[label or bid] = (bid, batch, cdrs, levels)
            return bid, batch, cdrs, levels

        post("mno", 1, 1, 1, 1, "UsageSettlement.postUsage (first batch of an entitlement, 1 CDR)")
        post("mno", 1, 1, 2, 2, "UsageSettlement.postUsage (1 CDR)")
        post("mno", 1, 1000, 3, 3, "UsageSettlement.postUsage (1000 CDRs)")
        post("opkey", 1, 3, 1003, 1, "UsageSettlement.postUsage (operator key, 3 CDRs)")
        bad = post("mno", 3, 5, 1, 4, "UsageSettlement.postUsage (first batch, to be disputed)", bad=True)
        bid, batch, cdrs, levels = bad
        self.tx("other", st, f"dispute(bytes32,{BATCH_T},{CDR_T},uint256,bytes32[])",
                ["bytes32", BATCH_T, CDR_T, "uint256", "bytes32[]"],
                [bid, batch, cdrs[-1].as_tuple(), len(cdrs) - 1, merkle.proof(levels, len(cdrs) - 1)], "UsageSettlement.dispute (5 CDRs)")
        self.travel(DAY + 1)
        settle_sig = f"settle(bytes32,{BATCH_T})"
        for i, key in enumerate(["UsageSettlement.postUsage (first batch of an entitlement, 1 CDR)",
                                 "UsageSettlement.postUsage (1 CDR)", "UsageSettlement.postUsage (1000 CDRs)"]):
            bid, batch, _, _ = self.batches[key]
            label = "UsageSettlement.settle (first payout to MNO and MVNO)" if i == 0 else (
                "UsageSettlement.settle" if i == 1 else None)
            self.tx("relayer", st, settle_sig, ["bytes32", BATCH_T], [bid, batch], label)
        self.tx("buyer", plans, "cancel(uint256)", ["uint256"], [2], "PlanEntitlements.cancel")
        self.travel(3601)
        self.tx("relayer", st, "close(uint256)", ["uint256"], [2], "UsageSettlement.close (refund)")
        self.tx("mno", reg, "rotateOperatorKey(address,address)", ["address", "address"],
                [self.addr("opkey"), self.addr("relayer")], "TrustRegistry.rotateOperatorKey")
        self.tx("gov", reg, "suspend(address,uint16)", ["address", "uint16"], [self.addr("mvno"), 1], "TrustRegistry.suspend")
        self.tx("gov", reg, "reinstate(address)", ["address"], [self.addr("mvno")], "TrustRegistry.reinstate")
        self.tx("mvno", plans, "delistPlan(uint256)", ["uint256"], [1], "PlanEntitlements.delistPlan")
        for label, g in out["gasUsed"].items():
            self.gas[label] = g
        return self.gas


def main() -> int:
    s = Scenario()
    try:
        gas = s.run()
    finally:
        s.close()
    width = max(map(len, gas))
    for label, g in gas.items():
        print(f"{label:<{width}}  {g:>9,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
