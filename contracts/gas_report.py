#!/usr/bin/env python3
"""Gas per external function, from real transaction receipts (intrinsic gas, calldata and refunds
included): deploys with deploy.py to an in-process eth-tester chain behind the JSON-RPC shim and
runs one scenario through every state-changing function. Then gas per settled CDR: one batch of
1, 1,000 and 1,000,000 CDRs is posted and settled ((post + settle gas) / CDRs), each with a real
Merkle root over deterministic CDRs, and the issue-8 targets are checked. Then RoamingClearing
(issue 19): commitments of 1 and 1,000 records, a netted settlement and one court round.

    .venv/bin/python contracts/gas_report.py [--sizes 1,1000,1000000]
"""
import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

from eth_abi import decode, encode              # noqa: E402
from eth_account import Account                 # noqa: E402
from eth_hash.auto import keccak                # noqa: E402

import deploy                                   # noqa: E402
import ledger                                   # noqa: E402
import merkle                                   # noqa: E402
from ethtester_rpc import Chain, serve          # noqa: E402
from ledger import CDR_T, LEDGER_T              # noqa: E402

DAY = 86400
PRICE, DATA_MB, VALIDITY = 10_000_000, 5000, 30 * DAY
PLAN_SIG = "listPlan(address,uint256,uint256,uint256,uint256,uint256,bool,uint8,uint8,address,bytes32,uint256)"
PLAN_T = ["address", "uint256", "uint256", "uint256", "uint256", "uint256", "bool", "uint8", "uint8", "address",
          "bytes32", "uint256"]


class Scenario:
    def __init__(self):
        self.chain = Chain(chain_id=1337)   # a devnet id, where TestStablecoin mints
        self.server, self.url = serve(self.chain)
        self.rpc = deploy.Rpc(self.url)
        self.gas = {}     # label -> gasUsed
        t = self.chain.tester
        self.keys = {}
        for name in ("gov", "mno", "mvno", "opkey", "buyer", "other", "relayer", "smdp", "kyc"):
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

    def track(self, receipt):
        """Keeps self.ledgers up to date from the receipt's LedgerUpdated logs."""
        for log in receipt["logs"]:
            found = ledger.from_log([bytes.fromhex(t.removeprefix("0x")) for t in log["topics"]],
                                    bytes.fromhex(log["data"].removeprefix("0x")))
            if found:
                self.ledgers[found[0]] = found[1]

    def now(self):
        return int(self.rpc("eth_getBlockByNumber", "latest", False)["timestamp"], 16)

    def block_time(self, receipt):
        return int(self.rpc("eth_getBlockByNumber", receipt["blockNumber"], False)["timestamp"], 16)

    def travel(self, seconds):
        self.chain.tester.time_travel(self.now() + seconds)

    def run(self):
        cid = self.chain.tester.backend.chain.chain_id
        out = deploy.deploy_all(self.rpc, self.keys["gov"].key.hex())
        self.senders.clear()   # the deployer's nonce moved on outside this scenario's Deployer
        c = self.c = out["contracts"]
        reg, plans, st, tok = c["TrustRegistry"], c["PlanEntitlements"], c["UsageSettlement"], c["Token"]
        h = lambda s: keccak(s.encode())   # noqa: E731
        self.tx("gov", reg, "register(address,uint8,string,bytes32,bytes32)", ["address", "uint8", "string", "bytes32", "bytes32"],
                [self.addr("mno"), 5, "Example MNO", h("mno-spki"), h("mno-cert")], "TrustRegistry.register")
        self.tx("gov", reg, "register(address,uint8,string,bytes32,bytes32)", ["address", "uint8", "string", "bytes32", "bytes32"],
                [self.addr("mvno"), 6, "Example MVNO", h("mvno-spki"), h("mvno-cert")])
        self.tx("gov", reg, "register(address,uint8,string,bytes32,bytes32)", ["address", "uint8", "string", "bytes32", "bytes32"],
                [self.addr("smdp"), 3, "Plans SM-DP+", h("plans-smdp-spki"), h("plans-smdp-cert")])
        self.tx("mno", reg, "registerOperatorKey(address)", ["address"], [self.addr("opkey")], "TrustRegistry.registerOperatorKey")
        self.tx("opkey", reg, "acceptOperatorKey(address)", ["address"], [self.addr("mno")], "TrustRegistry.acceptOperatorKey")
        self.tx("mno", reg, "approveMvno(address,uint256)", ["address", "uint256"], [self.addr("mvno"), 5000],
                "TrustRegistry.approveMvno")
        self.tx("mvno", plans, PLAN_SIG, PLAN_T, self.plan_args(DATA_MB, PRICE, 2), "PlanEntitlements.listPlan")
        for who in ("buyer", "other"):
            self.tx("gov", tok, "mint(address,uint256)", ["address", "uint256"], [self.addr(who), 100 * PRICE], "TestStablecoin.mint")
            self.tx(who, tok, "approve(address,uint256)", ["address", "uint256"], [plans, 2**256 - 1], "TestStablecoin.approve")
        buy = lambda who, label=None: self.tx(who, plans, "buy(uint256,bytes32)", ["uint256", "bytes32"],  # noqa: E731
                                              [1, keccak(b"eid" + who.encode())], label)
        buy("buyer", "PlanEntitlements.buy (first purchase ever: escrow balance 0 -> >0)")
        buy("buyer", "PlanEntitlements.buy")
        buy("other")
        # gasless purchase; the purchase nonce is fresh randomness (fixed here for identical calldata
        # on every run), never the commitment's salt
        purchase_nonce = keccak(b"gas-report purchase nonce")
        (nonce,) = [keccak(encode(["bytes32", "address", "uint256", "bytes32", "bytes32"], [keccak(
            b"OpenRSP.PlanPurchase(address entitlements,uint256 planId,bytes32 commitment,bytes32 purchaseNonce)"),
            plans, 1, keccak(b"eid-gasless"), purchase_nonce]))]
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
                [1, keccak(b"eid-gasless"), purchase_nonce, self.addr("buyer"), 0, valid_before, sig.v,
                 sig.r.to_bytes(32, "big"), sig.s.to_bytes(32, "big")], "PlanEntitlements.buyWithAuthorization")
        # the SM-DP+ records each delivery (the hash of the eUICC-signed ProfileInstallationResult)
        for ent in (1, 2, 3, 4):
            self.tx("smdp", plans, "markDelivered(uint256,bytes32)", ["uint256", "bytes32"],
                    [ent, keccak(b"pir%d" % ent)], "PlanEntitlements.markDelivered" if ent == 1 else None)
        # a transferable plan: the transfer unbinds the seller's commitment, the new owner binds its own
        self.tx("mvno", plans, PLAN_SIG, PLAN_T, self.plan_args(DATA_MB, PRICE, 2, transferable=True))
        self.tx("buyer", plans, "buy(uint256,bytes32)", ["uint256", "bytes32"], [2, keccak(b"eid-transfer")])
        self.tx("buyer", plans, "safeTransferFrom(address,address,uint256,uint256,bytes)",
                ["address", "address", "uint256", "uint256", "bytes"], [self.addr("buyer"), self.addr("other"), 5, 1, b""],
                "PlanEntitlements.safeTransferFrom (transferable plan: unbinds the commitment)")
        self.tx("other", plans, "bindCommitment(uint256,bytes32)", ["uint256", "bytes32"], [5, keccak(b"eid-other")],
                "PlanEntitlements.bindCommitment")
        self.tx("buyer", plans, "setApprovalForAll(address,bool)", ["address", "bool"], [self.addr("relayer"), True],
                "PlanEntitlements.setApprovalForAll")

        # usage batches: each call passes the entitlement's current ledger (read back from LedgerUpdated)
        start = 1_700_000_000   # fixed CDR periods: identical roots and calldata on every run (not checked at posting)
        post_t = ["uint256", LEDGER_T, "bytes32", "uint64", "uint64", "uint64", "uint64"]
        post_sig = "postUsage(uint256,%s,bytes32,uint64,uint64,uint64,uint64)" % LEDGER_T
        self.ledgers = {}

        def ledger_call(who, sig, types, ent, extra, label=None):
            r = self.tx(who, st, sig, types, [ent, self.ledgers.get(ent, ledger.EMPTY).as_tuple(), *extra], label)
            self.track(r)
            return r

        def post(who, ent, n, first, label=None, bad=False):
            # 100 kB per CDR: every settlement pays both the MNO and the MVNO a non-zero share
            cdrs = [merkle.Cdr(ent, first + i, 100_000 + i, start, start + 1, keccak(b"cdr%d" % i)) for i in range(n)]
            if bad:
                cdrs[-1] = merkle.Cdr(ent + 100, *cdrs[-1].as_tuple()[1:])
            levels = merkle.build_levels([x.leaf() for x in cdrs])
            total = sum(x.bytes for x in cdrs)
            nonce = self.ledgers.get(ent, ledger.EMPTY).nonce + 1
            ledger_call(who, post_sig, post_t, ent, [levels[-1][0], total, first, first + n - 1, nonce], label)
            return cdrs, levels

        settle_sig, settle_t = f"settle(uint256,{LEDGER_T})", ["uint256", LEDGER_T]
        post("mno", 1, 1, 1, "UsageSettlement.postUsage (first batch of an entitlement, 1 CDR)")
        post("opkey", 4, 3, 1, "UsageSettlement.postUsage (operator key, first batch of an entitlement, 3 CDRs)")
        cdrs, levels = post("mno", 3, 5, 1, "UsageSettlement.postUsage (first batch of an entitlement, to be disputed)", bad=True)
        ledger_call("other", f"dispute(uint256,{LEDGER_T},{CDR_T},uint256,bytes32[])",
                    ["uint256", LEDGER_T, CDR_T, "uint256", "bytes32[]"], 3,
                    [cdrs[-1].as_tuple(), len(cdrs) - 1, merkle.proof(levels, len(cdrs) - 1)], "UsageSettlement.dispute (5 CDRs)")
        self.travel(DAY + 1)
        # entitlement 1's batch is the first payout to the MNO's and the MVNO's (empty) token balances
        ledger_call("relayer", settle_sig, settle_t, 1, [], "UsageSettlement.settle (first payout to MNO and MVNO)")
        ledger_call("relayer", settle_sig, settle_t, 4, [], "UsageSettlement.settle")
        post("mno", 1, 1, 2, "UsageSettlement.postUsage (1 CDR)")
        post("mno", 3, 1000, 6, "UsageSettlement.postUsage (1000 CDRs)")
        self.travel(DAY + 1)
        ledger_call("relayer", settle_sig, settle_t, 3, [], "UsageSettlement.settle (1000 CDRs)")
        ledger_call("relayer", settle_sig, settle_t, 1, [])
        # pull payments: each payee withdraws its credit
        self.tx("mvno", st, "withdraw(address)", ["address"], [self.addr("mvno")], "UsageSettlement.withdraw")
        # the MNO voids a batch its operator key posted (as after revoking a compromised key)
        post("opkey", 4, 1, 4)
        ledger_call("mno", f"voidBatch(uint256,{LEDGER_T})", ["uint256", LEDGER_T], 4, [], "UsageSettlement.voidBatch")
        self.tx("buyer", plans, "cancel(uint256)", ["uint256"], [2], "PlanEntitlements.cancel (frees the supply unit)")
        self.travel(deploy.POSTING_GRACE + 1)
        ledger_call("relayer", f"close(uint256,{LEDGER_T})", ["uint256", LEDGER_T], 2, [], "UsageSettlement.close (refund)")
        self.tx("buyer", st, "withdraw(address)", ["address"], [self.addr("buyer")])
        self.tx("mno", reg, "rotateOperatorKey(address,address)", ["address", "address"],
                [self.addr("opkey"), self.addr("relayer")], "TrustRegistry.rotateOperatorKey")
        self.tx("gov", reg, "suspend(address,uint16)", ["address", "uint16"], [self.addr("mvno"), 1], "TrustRegistry.suspend")
        self.tx("gov", reg, "reinstate(address)", ["address"], [self.addr("mvno")], "TrustRegistry.reinstate")
        self.tx("mvno", plans, "delistPlan(uint256)", ["uint256"], [1], "PlanEntitlements.delistPlan")
        self.tx("mvno", plans, "relistPlan(uint256)", ["uint256"], [1], "PlanEntitlements.relistPlan")
        # an SM-DP+ lists its CERT.DPtls key besides its CERT.DPauth (primary) key, then rotates it out
        smdp = Account.from_key(keccak(b"gas-report-smdp-2")).address
        self.tx("gov", reg, "register(address,uint8,string,bytes32,bytes32)", ["address", "uint8", "string", "bytes32", "bytes32"],
                [smdp, 3, "Example SM-DP+", h("smdp-auth-spki"), h("smdp-auth-cert")])
        self.tx("gov", reg, "addCertificate(address,bytes32,bytes32)", ["address", "bytes32", "bytes32"],
                [smdp, h("smdp-tls-spki"), h("smdp-tls-cert")], "TrustRegistry.addCertificate")
        self.tx("gov", reg, "removeCertificate(address,bytes32)", ["address", "bytes32"],
                [smdp, h("smdp-tls-spki")], "TrustRegistry.removeCertificate")
        # x402 plan purchase: an EIP-3009 TransferWithAuthorization to the deposit address, then buyFromDeposit
        x402_commitment, x402_nonce = keccak(b"eid-x402"), keccak(b"gas-report x402 purchase nonce")
        (deposit,) = self.view(plans, "depositAddress(address,uint256,bytes32,bytes32)", ["address", "uint256", "bytes32", "bytes32"],
                               [self.addr("buyer"), 1, x402_commitment, x402_nonce], ["address"])
        twa_nonce, twa_before = keccak(b"gas-report x402 payment nonce"), self.now() + 3600
        twa = keccak(encode(["bytes32", "address", "address", "uint256", "uint256", "uint256", "bytes32"], [
            keccak(b"TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"),
            self.addr("buyer"), deposit, PRICE, 0, twa_before, twa_nonce]))
        sig = Account.unsafe_sign_hash(keccak(b"\x19\x01" + dom + twa), self.keys["buyer"].key)
        self.tx("relayer", tok, "transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,uint8,bytes32,bytes32)",
                ["address", "address", "uint256", "uint256", "uint256", "bytes32", "uint8", "bytes32", "bytes32"],
                [self.addr("buyer"), deposit, PRICE, 0, twa_before, twa_nonce, sig.v, sig.r.to_bytes(32, "big"),
                 sig.s.to_bytes(32, "big")], "TestStablecoin.transferWithAuthorization (x402 payment to a deposit address)")
        self.tx("relayer", plans, "buyFromDeposit(address,uint256,bytes32,bytes32)", ["address", "uint256", "bytes32", "bytes32"],
                [self.addr("buyer"), 1, x402_commitment, x402_nonce], "PlanEntitlements.buyFromDeposit (x402 plan purchase)")
        self.identity(reg, plans, c["IdentityRegistry"])
        for label, g in out["gasUsed"].items():
            self.gas[label] = g
        return self.gas

    def identity(self, reg, plans, idr):
        """Issue 17: a KYC provider's DID, attestation and status list; a plan requiring predicates."""
        h = lambda s: keccak(s.encode())   # noqa: E731
        kyc = self.addr("kyc")             # registered as a KYC provider
        self.tx("gov", reg, "register(address,uint8,string,bytes32,bytes32)", ["address", "uint8", "string", "bytes32", "bytes32"],
                [kyc, 7, "Example KYC provider", h("kyc-spki"), h("kyc-cert")])
        self.tx("kyc", reg, "setDid(address,string)", ["address", "string"], [kyc, "did:web:kyc.example.com"],
                "TrustRegistry.setDid")
        self.tx("kyc", idr, "attest(address,bytes32,uint256,uint64)", ["address", "bytes32", "uint256", "uint64"],
                [self.addr("buyer"), h("sd-jwt"), 3, self.now() + 365 * DAY], "IdentityRegistry.attest")
        self.tx("kyc", idr, "anchorStatusList(uint256,bytes32,string)", ["uint256", "bytes32", "string"],
                [1, h("status-list-token"), "https://kyc.example.com/statuslists/1"], "IdentityRegistry.anchorStatusList")
        self.tx("mvno", plans, PLAN_SIG, PLAN_T, self.plan_args(DATA_MB, PRICE, 2))
        plan_id = self.view(plans, "planCount()", [], [], ["uint256"])[0]
        self.tx("mvno", plans, "setPlanRequirement(uint256,uint256)", ["uint256", "uint256"], [plan_id, 3],
                "PlanEntitlements.setPlanRequirement")
        self.tx("buyer", plans, "buy(uint256,bytes32)", ["uint256", "bytes32"], [plan_id, keccak(b"eid-identity")],
                "PlanEntitlements.buy (plan requiring identity predicates)")

    def per_settled_cdr(self, sizes, progress=None):
        """After run(): lists a 10 TB plan, buys it, posts and settles one warm-up batch (so the
        entitlement's ledger slot and the MNO's and MVNO's balances are all non-zero: steady-state
        figures), then per size posts one batch of n CDRs, waits out the dispute window and settles
        it (one batch of an entitlement is pending at a time); returns [(n, post gas, settle gas,
        (post + settle) / n)]. CDR i of a batch: sequence next + i, 1000 + i % 1000 bytes, a
        60-second period and a synthetic cdrHash (the sequence number as 32 bytes); leaves and
        tree are hashed for real. The price makes every settlement pay both the MNO and the MVNO
        a non-zero share."""
        c = self.c
        st, plans, tok = c["UsageSettlement"], c["PlanEntitlements"], c["Token"]
        price, data_mb = 10**12, 10_000_000
        self.tx("mvno", plans, PLAN_SIG, PLAN_T, self.plan_args(data_mb, price, 1))
        plan_id = self.view(plans, "planCount()", [], [], ["uint256"])[0]
        self.tx("gov", tok, "mint(address,uint256)", ["address", "uint256"], [self.addr("other"), price])
        self.tx("other", plans, "buy(uint256,bytes32)", ["uint256", "bytes32"], [plan_id, keccak(b"per-cdr")])
        ent = self.view(plans, "lastId()", [], [], ["uint256"])[0]
        self.tx("smdp", plans, "markDelivered(uint256,bytes32)", ["uint256", "bytes32"], [ent, keccak(b"pir-per-cdr")])
        post_sig = "postUsage(uint256,%s,bytes32,uint64,uint64,uint64,uint64)" % LEDGER_T
        post_t = ["uint256", LEDGER_T, "bytes32", "uint64", "uint64", "uint64", "uint64"]

        def post(root, total, first, last):
            now = self.ledgers.get(ent, ledger.EMPTY)
            r = self.tx("mno", st, post_sig, post_t, [ent, now.as_tuple(), root, total, first, last, now.nonce + 1])
            self.track(r)
            return int(r["gasUsed"], 16)

        def settle():
            self.travel(DAY + 1)
            r = self.tx("relayer", st, f"settle(uint256,{LEDGER_T})", ["uint256", LEDGER_T],
                        [ent, self.ledgers[ent].as_tuple()])
            self.track(r)
            return int(r["gasUsed"], 16)

        t0 = 1_700_000_000
        post(keccak(b"warm-up"), 1000, 1, 1)
        settle()
        seq, out = 2, []
        for n in sizes:
            started = time.monotonic()
            leaves = [keccak(merkle.encode_leaf(ent, seq + i, 1000 + i % 1000, t0 + 60 * i, t0 + 60 * i + 60,
                                                (seq + i).to_bytes(32, "big"))) for i in range(n)]
            levels = merkle.build_levels(leaves)
            total = sum(1000 + i % 1000 for i in range(n))
            post_gas = post(levels[-1][0], total, seq, seq + n - 1)
            # the contract's own verifier accepts a proof from this tree (the root is a real one)
            i = n * 7 // 9
            cdr = (ent, seq + i, 1000 + i % 1000, t0 + 60 * i, t0 + 60 * i + 60, (seq + i).to_bytes(32, "big"))
            ok = self.view(st, f"verifyCdr(bytes32,{CDR_T},uint256,uint256,bytes32[])",
                           ["bytes32", CDR_T, "uint256", "uint256", "bytes32[]"],
                           [levels[-1][0], cdr, i, n, merkle.proof(levels, i)], ["bool"])[0]
            if not ok:
                raise AssertionError(f"verifyCdr rejected leaf {i} of the {n}-CDR batch")
            if progress:
                progress(f"{n:,} CDRs: root built and posted in {time.monotonic() - started:.1f} s")
            settle_gas = settle()
            out.append((n, post_gas, settle_gas, (post_gas + settle_gas) / n))
            seq += n
        return out

    def roaming(self, sizes=(1, 1000)):
        """After run(): RoamingClearing (issue 19) on the same registry and stablecoin. A second MNO,
        deposits, three staked auditors, an agreement with one-day periods; period 0: one commitment
        per size (direction A-on-B with sizes[0] records, B-on-A with sizes[1], each a real Merkle
        root over roaming.make_records), both accepted, netted and settled, the credit withdrawn;
        period 1: a commitment taken to court for one full round (open, draw, 3 commits, 3 reveals,
        tally, execute). Adds its labels to self.gas and returns the commit gas per size."""
        import roaming
        t = self.chain.tester
        for name in ("mno-b", "aud0", "aud1", "aud2"):
            acct = Account.from_key(keccak(b"gas-report-" + name.encode()))
            t.send_transaction({"from": t.get_accounts()[0], "to": acct.address, "value": 10**21, "gas": 21000})
            self.keys[name] = acct
        c = self.c
        reg, tok = c["TrustRegistry"], c["Token"]
        h = lambda s: keccak(s.encode())   # noqa: E731
        self.tx("gov", reg, "register(address,uint8,string,bytes32,bytes32)", ["address", "uint8", "string", "bytes32", "bytes32"],
                [self.addr("mno-b"), 5, "Roaming partner MNO", h("mno-b-spki"), h("mno-b-cert")])
        d = deploy.Deployer(self.rpc, self.keys["gov"].key.hex())
        rc = c["RoamingClearing"] = d.deploy("RoamingClearing", [reg, tok, *ROAMING_PARAMS])
        self.gas["deploy RoamingClearing"] = int(d.receipts[-1][1]["gasUsed"], 16)
        self.senders.pop("gov", None)   # the deployer's nonce moved on outside this scenario's Deployer
        u = ["uint256"]
        for who in ("mno", "mno-b", "aud0", "aud1", "aud2"):
            self.tx("gov", tok, "mint(address,uint256)", ["address", "uint256"], [self.addr(who), 10**12])
            self.tx(who, tok, "approve(address,uint256)", ["address", "uint256"], [rc, 2**256 - 1])
        self.tx("mno", rc, "deposit(uint256)", u, [10**11], "RoamingClearing.deposit (first)")
        self.tx("mno-b", rc, "deposit(uint256)", u, [10**11])
        for i, who in enumerate(("aud0", "aud1", "aud2")):
            self.tx(who, rc, "stake(uint256)", u, [2 * ROAMING_PARAMS[3]], "RoamingClearing.stake (first: listed)" if i == 0 else None)
        rates = roaming.Rates(2_000, 15_000, 5_000)
        plmn_a, plmn_b = roaming.plmn("001", "01"), roaming.plmn("001", "002")
        start = self.now() + 60
        self.tx("mno", rc, "proposeAgreement(address,uint24,uint24,uint64,uint64,uint64,uint64,uint64)",
                ["address", "uint24", "uint24", "uint64", "uint64", "uint64", "uint64", "uint64"],
                [self.addr("mno-b"), plmn_a, plmn_b, rates.data, rates.voice, rates.sms, start, DAY],
                "RoamingClearing.proposeAgreement")
        self.tx("mno-b", rc, "acceptAgreement(uint256)", u, [1], "RoamingClearing.acceptAgreement")
        slot_t = ["uint256", "uint8", "uint64"]
        commit_sig = "commitRecords(uint256,uint8,uint64,bytes32,uint64,uint64,uint64,uint64)"
        commit_t = slot_t + ["bytes32", "uint64", "uint64", "uint64", "uint64"]

        def commit(direction, period, n, label):
            p0 = start + period * DAY
            visited, plmn = ("mno-b", plmn_b) if direction == 0 else ("mno", plmn_a)
            usage = [((i % 3) + 1, 1 + i % 50) for i in range(n)]
            tree = roaming.Tree(roaming.make_records(1, direction, period, p0, p0 + DAY, plmn, rates, usage))
            tot = roaming.totals(tree.records)
            r = self.tx(visited, rc, commit_sig, commit_t, [1, direction, period, tree.root, n, tot.data, tot.voice, tot.sms],
                        label)
            return int(r["gasUsed"], 16)

        self.travel(start + DAY + 60 - self.now())
        out = []
        for direction, n in enumerate(sizes):
            out.append((n, commit(direction, 0, n, f"RoamingClearing.commitRecords ({n:,} records)")))
        self.tx("mno", rc, "acceptCommitment(uint256,uint8,uint64)", slot_t, [1, 0, 0], "RoamingClearing.acceptCommitment")
        self.tx("mno-b", rc, "acceptCommitment(uint256,uint8,uint64)", slot_t, [1, 1, 0])
        self.tx("relayer", rc, "settle(uint256,uint64)", ["uint256", "uint64"], [1, 0],
                "RoamingClearing.settle (netted period: one credit)")
        for who in ("mno", "mno-b"):
            owed = self.view(rc, "owed(address)", ["address"], [self.addr(who)], ["uint256"])[0]
            if owed:
                self.tx(who, rc, "withdraw(address)", ["address"], [self.addr(who)], "RoamingClearing.withdraw")
        # one court round on period 1
        self.travel(DAY)
        commit(0, 1, 3, None)
        court = {}
        court["openCase"] = self.tx("mno", rc, "openCase(uint256,uint8,uint64)", slot_t, [1, 0, 1], "RoamingClearing.openCase")
        t.mine_blocks(ROAMING_PARAMS[6] + 1)
        r = court["drawPanel"] = self.tx("relayer", rc, "drawPanel(uint256)", u, [1], "RoamingClearing.drawPanel")
        (log,) = [x for x in r["logs"] if x["topics"][0] == "0x" + keccak(b"PanelDrawn(uint256,uint8,address[3],uint64,uint64)").hex()]
        _, panel, _, _ = decode(["uint8", "address[3]", "uint64", "uint64"], bytes.fromhex(log["data"].removeprefix("0x")))
        names = {self.addr(n).lower(): n for n in ("aud0", "aud1", "aud2")}
        panel = [names[x.lower()] for x in panel]
        salt = keccak(b"gas-report vote salt")
        for i, who in enumerate(panel):
            court[f"commitVote {i}"] = self.tx(who, rc, "commitVote(uint256,bytes32)", ["uint256", "bytes32"],
                                               [1, roaming.vote_commitment(1, 1, self.addr(who), 2, salt)],
                                               "RoamingClearing.commitVote" if i == 0 else None)
        self.travel(ROAMING_PARAMS[7])
        for i, who in enumerate(panel):
            court[f"revealVote {i}"] = self.tx(who, rc, "revealVote(uint256,uint8,bytes32)", ["uint256", "uint8", "bytes32"],
                                               [1, 2, salt], "RoamingClearing.revealVote" if i == 0 else None)
        self.travel(ROAMING_PARAMS[8])
        court["tally"] = self.tx("relayer", rc, "tally(uint256)", u, [1], "RoamingClearing.tally (3 void votes)")
        self.travel(ROAMING_PARAMS[9])
        court["execute"] = self.tx("relayer", rc, "execute(uint256)", u, [1], "RoamingClearing.execute (voided)")
        self.gas["RoamingClearing court round (open + draw + 3 commits + 3 reveals + tally + execute)"] = sum(
            int(x["gasUsed"], 16) for x in court.values())
        return out

    def plan_args(self, data_mb, price, refund_rule, transferable=False):
        """listPlan arguments: 15 % margin, 1000 units, the MNO posts, delivered by the SM-DP+ within 7 days."""
        return [self.addr("mno"), data_mb, VALIDITY, price, 1500, 1000, transferable, refund_rule, 0,
                self.addr("smdp"), keccak(b"OpenRSP Test Profile"), 7 * DAY]

    def view(self, to, sig, types, args, out_types):
        data = deploy.calldata(sig, types, args)
        raw = self.rpc("eth_call", {"from": self.addr("relayer"), "to": to, "data": "0x" + data.hex()}, "latest")
        return decode(out_types, bytes.fromhex(raw.removeprefix("0x")))


# RoamingClearing constructor (after registry and token): commit window 2 d, review window 5 d, deposit
# notice 30 d, min stake 1,000 tUSD, slash 20 %, court fee 300 tUSD, draw delay 5 blocks, vote 2 d,
# reveal 1 d, objection 2 d
ROAMING_PARAMS = [2 * DAY, 5 * DAY, 30 * DAY, 10**9, 2000, 3 * 10**8, 5, 2 * DAY, DAY, 2 * DAY]

# Targets (issue 8; settle raised to 110k in issue 20 for pull payments), asserted by
# tests/test_gas_ceilings.py as well (exit status 1 here if exceeded).
TARGETS = {
    "PlanEntitlements.buy": 120_000,
    "PlanEntitlements.buy (first purchase ever: escrow balance 0 -> >0)": 120_000,
    "UsageSettlement.postUsage (first batch of an entitlement, 1 CDR)": 80_000,
    "UsageSettlement.postUsage (operator key, first batch of an entitlement, 3 CDRs)": 80_000,
    "UsageSettlement.postUsage (first batch of an entitlement, to be disputed)": 80_000,
    "UsageSettlement.postUsage (1 CDR)": 80_000,
    "UsageSettlement.postUsage (1000 CDRs)": 80_000,
    "UsageSettlement.settle": 110_000,
    "UsageSettlement.settle (1000 CDRs)": 110_000,
    "UsageSettlement.settle (first payout to MNO and MVNO)": 110_000,
}

# Ceilings of issue 19 (RoamingClearing; figures at its first version in the comments), asserted by
# tests/test_gas_ceilings.py as well. A commitment writes three new words (root, totals, meta) whatever
# the record count; settle reads the agreement (11 words) and both slots and writes one credit.
ROAMING_TARGETS = {
    "RoamingClearing.commitRecords (1 records)": 130_000,                 # 125,154
    "RoamingClearing.commitRecords (1,000 records)": 130_000,             # 125,228
    "RoamingClearing.settle (netted period: one credit)": 115_000,        # 110,847 (first credit of the payee)
    "RoamingClearing.openCase": 280_000,                                  # 275,513
    # the draw's gas varies from run to run (eth-tester's block hashes follow the wall clock): each repeated
    # candidate costs a few hundred gas more, at most 64 tries
    "RoamingClearing.drawPanel": 310_000,                                 # 269,815
    "RoamingClearing.commitVote": 60_000,                                 # 55,100
    "RoamingClearing.revealVote": 65_000,                                 # 60,240
    "RoamingClearing.tally (3 void votes)": 170_000,                      # 165,934
    "RoamingClearing court round (open + draw + 3 commits + 3 reveals + tally + execute)": 1_190_000,   # 1,118,669
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1,1000,1000000", help="CDRs per batch for gas per settled CDR (comma list)")
    args = ap.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    if any(n < 1 or n > 2**32 for n in sizes):
        ap.error("--sizes: each batch holds 1 to 2^32 CDRs")
    s = Scenario()
    try:
        gas = s.run()
        width = max(map(len, gas))
        for label, g in gas.items():
            print(f"{label:<{width}}  {g:>9,}")
        per_cdr = s.per_settled_cdr(sizes, progress=lambda m: print(f"  ({m})", file=sys.stderr))
        roaming_gas = s.roaming()
    finally:
        s.close()
    print("\nGas per settled CDR ((postUsage + settle) / CDRs in the batch, steady state):")
    print(f"{'CDRs':>11}  {'postUsage':>9}  {'settle':>7}  {'per CDR':>12}")
    for n, post_gas, settle_gas, each in per_cdr:
        print(f"{n:>11,}  {post_gas:>9,}  {settle_gas:>7,}  {each:>12,.3f}")
    print("\nRoamingClearing (issue 19):")
    for label, g in gas.items():
        if "RoamingClearing" in label:
            print(f"  {label:<{width}}  {g:>9,}")
    print("  commitRecords per record count (gas does not read the records):")
    for n, g in roaming_gas:
        print(f"  {n:>11,} records  {g:>9,}")
    print("\nIssue 8 and issue 19 targets:")
    failed = 0
    for label, limit in {**TARGETS, **ROAMING_TARGETS}.items():
        ok = gas[label] <= limit
        failed += not ok
        print(f"  {'ok  ' if ok else 'OVER'} {label:<{width}} {gas[label]:>9,} <= {limit:,}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
