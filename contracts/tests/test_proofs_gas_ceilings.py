"""Gas ceilings of PedersenVerifier.vy from real receipts (proofs_gas_report.py's scenario on
eth-tester). Gas is deterministic up to the calldata's zero bytes (random blindings), so these are
exact-behaviour assertions with a small margin, not timing assertions. Figures of the run that set
them are in the comments and in contracts/README.md."""
import pytest

import proofs_gas_report as report_mod


@pytest.fixture(scope="module")
def gas():
    s = report_mod.ProofsScenario()
    try:
        yield s.run_proofs()
    finally:
        s.close()


def test_sum_of_commitments(gas):
    ceilings = {1: 55_000, 8: 70_000, 64: 195_000, 256: 700_000, 1024: 2_700_000}
    # measured: 53,209 / 66,314 / 186,730 / 676,750 / 2,636,410
    for n, limit in ceilings.items():
        g = gas[f"PedersenVerifier.verifySum ({n} commitments)"]
        assert g <= limit, f"verifySum({n}): {g:,} > {limit:,}"
    # linear in N: 2,525 per commitment measured, the EIP-7623 calldata floor (64 bytes x 4 tokens x 10 gas);
    # the execution per commitment (ecAdd 150, the call, the ABI copy: 855 in titanoboa) is below that floor
    one, most = gas["PedersenVerifier.verifySum (1 commitments)"], gas["PedersenVerifier.verifySum (1024 commitments)"]
    assert 2_000 <= (most - one) / 1023 <= 2_600
    # the fixed part is the opening: two ecMul (6,000 each) and one ecAdd on top of the intrinsic 21,000
    assert one >= 21_000 + 2 * 6_000


def test_range_proof(gas):
    g = gas["PedersenVerifier.verifyRange (32 bits)"]
    # 32 bits x (4 ecMul + 4 ecAdd + keccak) and ~6 kB of calldata: 1,118,348 measured
    assert 32 * 4 * 6_000 < g <= 1_150_000


def test_possession_proof(gas):
    # 3 ecMul, a cold PlanEntitlements read, the nonce slot (zero -> non-zero, 22,100) and a log: 80,861 measured
    assert gas["PedersenVerifier.provePossession"] <= 85_000
    assert gas["PedersenVerifier.provePossession (second proof, fresh nonce)"] <= 85_000


def test_deployment(gas):
    assert gas["deploy PedersenVerifier"] <= 1_100_000     # 1,077,887 measured
