#!/usr/bin/env python3
"""Known-answer vectors for the Swift ZKProofs target (BN254 field and group arithmetic, H's
hash-to-curve, Pedersen commitments, an opening proof and an 8-bit range proof with fixed prover
randomness), produced by the
Python reference (contracts/pedersen.py, group arithmetic by py_ecc) and committed as
Tests/ZKProofsTests/Fixtures/bn254-vectors.json. Deterministic: every input derives from keccak256
of a label, so a rerun writes the same file (tests/test_zk_vectors.py checks it).

    .venv/bin/python contracts/zk_vectors.py            # write the fixture
    .venv/bin/python contracts/zk_vectors.py --check    # exit 1 if the committed fixture differs
"""
import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

from eth_hash.auto import keccak   # noqa: E402

import pedersen as z               # noqa: E402

OUT = HERE.parent / "Tests" / "ZKProofsTests" / "Fixtures" / "bn254-vectors.json"


def h(x: int) -> str:
    return "0x" + x.to_bytes(32, "big").hex()


def pt(p) -> list[str]:
    return [h(p[0]), h(p[1])]


def seeded(label: str, modulus: int) -> int:
    return int.from_bytes(keccak(b"OpenRSP zk vectors/" + label.encode()), "big") % modulus


def vectors() -> dict:
    field = []
    for i in range(6):
        a, b = seeded(f"fa{i}", z.P), seeded(f"fb{i}", z.P)
        if i == 0:
            a, b = z.P - 1, z.P - 1          # edge: the largest element
        field.append({"a": h(a), "b": h(b), "sum": h((a + b) % z.P), "difference": h((a - b) % z.P),
                      "product": h(a * b % z.P), "inverseA": h(pow(a, -1, z.P))})
    scalar_field = []
    for i in range(4):
        a, b = seeded(f"sa{i}", z.N), seeded(f"sb{i}", z.N)
        scalar_field.append({"a": h(a), "b": h(b), "sum": h((a + b) % z.N), "product": h(a * b % z.N)})
    wide = [seeded(f"wide{i}", 2**256) for i in range(3)] + [2**256 - 1]
    reductions = [{"value": h(w), "modN": h(w % z.N), "modP": h(w % z.P)} for w in wide]
    scalars = [0, 1, 2, 3, z.N - 1, z.N - 2, 2**128 + 1] + [seeded(f"k{i}", z.N) for i in range(4)]
    multiples = [{"k": h(k), "kG": pt(z.mul(z.G, k)), "kH": pt(z.mul(z.H, k))} for k in scalars]
    additions = []
    for i in range(3):
        p, q = z.mul(z.G, seeded(f"p{i}", z.N)), z.mul(z.H, seeded(f"q{i}", z.N))
        additions.append({"p": pt(p), "q": pt(q), "sum": pt(z.add(p, q)), "doubleP": pt(z.add(p, p))})
    eid = bytes.fromhex("89049032123451234512345678901235")
    commitments = []
    for v, label in [(0, "c0"), (1000, "c1"), (2**32 - 1, "c2"), (z.eid_value(eid), "eid")]:
        r = seeded(label, z.N)
        commitments.append({"v": h(v), "r": h(r), "commitment": pt(z.commit(v, r))})
    ctx = z.PossessionContext(chain_id=31337, verifier="0x" + keccak(b"verifier")[:20].hex(), entitlement_id=7,
                              nonce=keccak(b"OpenRSP zk vectors/nonce"), prover="0x" + keccak(b"prover")[:20].hex())
    v, r = z.eid_value(eid), seeded("opening r", z.N)
    a, b = seeded("opening a", z.N), seeded("opening b", z.N)
    fixed = iter([a, b])
    proof = z.prove_opening(ctx, v, r, rng=lambda: next(fixed))
    assert z.verify_opening(ctx, z.commit(v, r), proof)
    opening = {"chainId": ctx.chain_id, "verifier": ctx.verifier, "entitlementId": ctx.entitlement_id,
               "nonce": "0x" + ctx.nonce.hex(), "prover": ctx.prover, "v": h(v), "r": h(r), "a": h(a), "b": h(b),
               "commitment": pt(z.commit(v, r)), "e": h(proof.e), "z1": h(proof.z1), "z2": h(proof.z2)}
    # an 8-bit range proof whose randomness is the sequence seeded("range 0"), seeded("range 1"), ...
    # consumed in the reference's order (the Swift prover takes the same order)
    counter = iter(range(10**6))
    rv, rr = 0xA5, seeded("range r", z.N)
    rproof = z.prove_range(rv, rr, bits=8, rng=lambda: seeded(f"range {next(counter)}", z.N))
    assert z.verify_range(z.commit(rv, rr), rproof, bits=8)
    range_proof = {"v": rv, "r": h(rr), "bits": 8, "seedLabel": "range {i}", "commitment": pt(z.commit(rv, rr)),
                   "proof": [{"c": pt(bp.c), "e0": h(bp.e0), "e1": h(bp.e1), "z0": h(bp.z0), "z1": h(bp.z1)}
                             for bp in rproof]}
    return {
        "source": "contracts/zk_vectors.py (contracts/pedersen.py, py_ecc " + _py_ecc_version() + ")",
        "p": h(z.P), "n": h(z.N), "G": pt(z.G),
        "H": {"domain": z.H_DOMAIN.decode(), "counter": z.H_COUNTER, "point": pt(z.H)},
        "field": field, "scalarField": scalar_field, "reductions": reductions, "multiples": multiples,
        "additions": additions, "commitments": commitments, "opening": opening, "rangeProof": range_proof,
    }


def _py_ecc_version() -> str:
    from importlib.metadata import version
    return version("py-ecc")


def render() -> str:
    return json.dumps(vectors(), indent=1) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the committed fixture, write nothing")
    args = ap.parse_args(argv)
    text = render()
    if args.check:
        if not OUT.exists() or OUT.read_text() != text:
            print(f"stale fixture (run contracts/zk_vectors.py): {OUT}", file=sys.stderr)
            return 1
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
