#!/usr/bin/env python3
"""Gas of PedersenVerifier.vy from real transaction receipts (intrinsic gas and calldata included),
on the same in-process eth-tester chain (py-evm, Prague rules) behind the JSON-RPC shim as
gas_report.py: verifySum over N commitments, one 32-bit range proof, one possession proof
(provePossession on an entitlement bought with a Pedersen commitment). The views are sent as
transactions so that their receipts carry the gas; each is checked with eth_call to return true
first. Also prints the Python reference prover's time per CDR (commitment and 32-bit range proof;
a measurement, not a test).

    .venv/bin/python contracts/proofs_gas_report.py [--sizes 1,8,64,256,1024]
"""
import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

from eth_hash.auto import keccak                # noqa: E402

import deploy                                   # noqa: E402
import gas_report                               # noqa: E402
import pedersen as z                            # noqa: E402

POINT_T = "(uint256,uint256)"
BIT_T = f"({POINT_T},uint256,uint256,uint256,uint256)"
SUM_SIG, SUM_T = f"verifySum({POINT_T}[],uint256,uint256)", [f"{POINT_T}[]", "uint256", "uint256"]
RANGE_SIG, RANGE_T = f"verifyRange({POINT_T},{BIT_T}[])", [POINT_T, f"{BIT_T}[]"]
POSSESS_SIG = f"provePossession(uint256,{POINT_T},bytes32,(uint256,uint256,uint256))"
POSSESS_T = ["uint256", POINT_T, "bytes32", "(uint256,uint256,uint256)"]
SIZES = (1, 8, 64, 256, 1024)


def batch(n: int):
    """n real commitments with known openings: C_0 = commit(1000, r0), C_i = C_{i-1} + commit(1, d)
    (volume 1000 + i, blinding r0 + i*d): one point addition per commitment instead of two scalar
    multiplications, so a 1,024-CDR batch is built in milliseconds. Returns (commitments, v, r)."""
    r0, d = z.random_scalar(), z.random_scalar()
    step, c = z.commit(1, d), z.commit(1000, r0)
    out = [c]
    for _ in range(n - 1):
        c = z.add(c, step)
        out.append(c)
    return out, sum(1000 + i for i in range(n)), sum(r0 + i * d for i in range(n)) % z.N


class ProofsScenario(gas_report.Scenario):
    def __init__(self):
        super().__init__()
        # verifySum of 1,024 commitments runs 1,024 ecMul and ecAdd precompiles in pure Python (py-ecc): one
        # eth_estimateGas takes tens of seconds, more on a loaded machine. A wait, not a timing assertion.
        self.rpc.timeout = 600

    def run_proofs(self, sizes=SIZES):
        out = deploy.deploy_all(self.rpc, self.keys["gov"].key.hex())
        self.senders.clear()
        c = self.c = out["contracts"]
        reg, plans, tok = c["TrustRegistry"], c["PlanEntitlements"], c["Token"]
        h = lambda s: keccak(s.encode())   # noqa: E731
        reg_sig, reg_t = "register(address,uint8,string,bytes32,bytes32)", ["address", "uint8", "string", "bytes32", "bytes32"]
        self.tx("gov", reg, reg_sig, reg_t, [self.addr("mno"), 5, "Example MNO", h("mno-spki"), h("mno-cert")])
        self.tx("gov", reg, reg_sig, reg_t, [self.addr("mvno"), 6, "Example MVNO", h("mvno-spki"), h("mvno-cert")])
        self.tx("gov", reg, reg_sig, reg_t, [self.addr("smdp"), 3, "Plans SM-DP+", h("smdp-spki"), h("smdp-cert")])
        self.tx("mno", reg, "approveMvno(address,uint256)", ["address", "uint256"], [self.addr("mvno"), 5000])
        self.tx("mvno", plans, gas_report.PLAN_SIG, gas_report.PLAN_T,
                self.plan_args(gas_report.DATA_MB, gas_report.PRICE, 2))
        self.tx("gov", tok, "mint(address,uint256)", ["address", "uint256"], [self.addr("buyer"), gas_report.PRICE])
        self.tx("buyer", tok, "approve(address,uint256)", ["address", "uint256"], [plans, 2**256 - 1])
        d = deploy.Deployer(self.rpc, self.keys["gov"].key.hex())
        zk = c["PedersenVerifier"] = d.deploy("PedersenVerifier", [plans])
        self.gas["deploy PedersenVerifier"] = int(d.receipts[-1][1]["gasUsed"], 16)

        for n in sizes:
            cs, v, r = batch(n)
            self.checked(zk, SUM_SIG, SUM_T, [cs, v, r], f"PedersenVerifier.verifySum ({n} commitments)")

        v, r = 2**32 - 1000, z.random_scalar()
        proof = z.prove_range(v, r)
        self.checked(zk, RANGE_SIG, RANGE_T, [z.commit(v, r), [bp.as_tuple() for bp in proof]],
                     f"PedersenVerifier.verifyRange ({z.RANGE_BITS} bits)")

        eid = z.eid_value(bytes.fromhex("89049032123451234512345678901235"))
        r = z.random_scalar()
        com = z.commit(eid, r)
        self.tx("buyer", plans, "buy(uint256,bytes32)", ["uint256", "bytes32"], [1, z.commitment_hash(com)])
        for label in ("PedersenVerifier.provePossession", "PedersenVerifier.provePossession (second proof, fresh nonce)"):
            nonce = keccak(label.encode())    # fixed for identical calldata on every run; fresh per proof
            ctx = z.PossessionContext(self.chain.tester.backend.chain.chain_id, zk, 1, nonce, self.addr("buyer"))
            pr = z.prove_opening(ctx, eid, r)
            self.tx("buyer", zk, POSSESS_SIG, POSSESS_T, [1, com, nonce, pr.as_tuple()], label)
        return self.gas

    def checked(self, to, sig, types, args, label):
        """eth_call must return true; then the same call as a transaction, for its receipt."""
        (ok,) = self.view(to, sig, types, args, ["bool"])
        if not ok:
            raise AssertionError(f"{label}: the verifier returned false")
        self.tx("relayer", to, sig, types, args, label)


def prover_seconds_per_cdr(samples=3) -> tuple[float, float]:
    """(seconds per commitment, seconds per 32-bit range proof) of the Python reference (py_ecc)."""
    t0 = time.perf_counter()
    for i in range(samples):
        z.commit(1000 + i, z.random_scalar())
    t1 = time.perf_counter()
    for i in range(samples):
        z.prove_range(1000 + i, z.random_scalar())
    t2 = time.perf_counter()
    return (t1 - t0) / samples, (t2 - t1) / samples


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)), help="commitments per verifySum (comma list, 1..1024)")
    args = ap.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    if any(n < 1 or n > 1024 for n in sizes):
        ap.error("--sizes: 1 to 1024 commitments (PedersenVerifier.MAX_SUM)")
    s = ProofsScenario()
    try:
        gas = s.run_proofs(sizes)
    finally:
        s.close()
    width = max(map(len, gas))
    for label, g in gas.items():
        print(f"{label:<{width}}  {g:>10,}")
    sums = [(n, gas[f"PedersenVerifier.verifySum ({n} commitments)"]) for n in sizes]
    if len(sums) > 1:
        (n0, g0), (n1, g1) = sums[0], sums[-1]
        print(f"\nverifySum marginal gas per commitment ({n0} -> {n1}): {(g1 - g0) / (n1 - n0):,.1f}")
    commit_s, range_s = prover_seconds_per_cdr()
    print(f"Python reference prover (py_ecc): commitment {commit_s * 1000:.1f} ms, 32-bit range proof "
          f"{range_s:.2f} s per CDR")
    return 0


if __name__ == "__main__":
    sys.exit(main())
