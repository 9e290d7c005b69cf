"""Generate the Swift UsageMerkleTree known-answer fixture from contracts/merkle.py (the reference).

For each batch size in SIZES, a deterministic batch of CDRs (seeded PRNG; one batch uses extreme
field values) with every leaf hash, the root and Merkle proofs (every index for small batches, a
spread of indices for the 1000-CDR batch). Integers are decimal strings so no JSON reader loses
precision; hashes are 0x-hex. Tests/SettlementTests/UsageMerkleTreeTests.swift reproduces every
entry; test_merkle_vectors.py asserts the committed file equals this script's output.

Usage: .venv/bin/python tools/merklevectors/generate.py  (rewrites the fixture)
"""
import json
import pathlib
import random
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "contracts"))

import merkle  # noqa: E402  (contracts/merkle.py)

FIXTURE = ROOT / "Tests" / "SettlementTests" / "Fixtures" / "merkle_vectors.json"
SIZES = [1, 2, 3, 4, 5, 7, 1000]
U64 = 2**64 - 1
U256 = 2**256 - 1


def make_batch(size: int, rng: random.Random, extreme: bool) -> list:
    entitlement_id = U256 if extreme else rng.randrange(1, 2**32)
    first_seq = (U64 - size + 1) if extreme else rng.randrange(1, 10**6)
    period = rng.randrange(1_700_000_000, 1_800_000_000)
    cdrs = []
    for i in range(size):
        start = U64 if extreme else period + 60 * i
        cdrs.append(merkle.Cdr(
            entitlement_id=entitlement_id,
            sequence=first_seq + i,
            bytes=U64 if extreme else rng.randrange(0, 50_000_000),
            period_start=start,
            period_end=U64 if extreme else start + rng.randrange(0, 3600),
            cdr_hash=bytes([0xFF] * 32) if extreme else rng.randbytes(32),
        ))
    return cdrs


def proof_indices(size: int) -> list:
    if size <= 16:
        return list(range(size))
    return sorted({0, 1, 2, size // 2 - 1, size // 2, size - 3, size - 2, size - 1, 511, 512, 767, 768, 991})


def batch_entry(name: str, cdrs: list) -> dict:
    leaves = [c.leaf() for c in cdrs]
    levels = merkle.build_levels(leaves)
    root = levels[-1][0]
    proofs = []
    for i in proof_indices(len(cdrs)):
        p = merkle.proof(levels, i)
        assert merkle.verify(root, leaves[i], i, len(leaves), p)
        proofs.append({"index": i, "proof": ["0x" + h.hex() for h in p]})
    return {
        "name": name,
        "count": len(cdrs),
        "cdrs": [{
            "entitlementId": str(c.entitlement_id), "sequence": str(c.sequence), "bytes": str(c.bytes),
            "periodStart": str(c.period_start), "periodEnd": str(c.period_end), "cdrHash": "0x" + c.cdr_hash.hex(),
            "leaf": "0x" + leaf.hex(),
        } for c, leaf in zip(cdrs, leaves)],
        "root": "0x" + root.hex(),
        "proofs": proofs,
    }


def build() -> dict:
    rng = random.Random(20261125)
    batches = [batch_entry(f"random-{n}", make_batch(n, rng, extreme=False)) for n in SIZES]
    batches.append(batch_entry("extreme-values-3", make_batch(3, rng, extreme=True)))
    return {
        "source": "contracts/merkle.py (reference) via tools/merklevectors/generate.py",
        "rule": "leaf = keccak256(abi.encode(uint256,uint64,uint64,uint64,uint64,bytes32)); "
                "leafNode = keccak256(0x00||leaf); node = keccak256(0x01||left||right); odd last node promoted",
        "batches": batches,
    }


def render() -> str:
    return json.dumps(build(), indent=1) + "\n"


if __name__ == "__main__":
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(render(), encoding="utf-8")
    print(f"wrote {FIXTURE.relative_to(ROOT)}")
