"""The Python reference of the Pedersen commitments and sigma proofs (contracts/pedersen.py):
known answers for the curve and the hash-to-curve, cross-checked with py_ecc's plain affine
alt_bn128 (`py_ecc.bn128`, independent of the Jacobian `optimized_bn128` the module uses), and the
proofs accepting what is true and refusing what is not. Range proofs use 8 bits here except one
full 32-bit case (pure Python: ~1 s per 32-bit proof)."""
import secrets

import pytest
from eth_abi import encode
from eth_hash.auto import keccak
from py_ecc import bn128 as plain

import pedersen as z

CTX = z.PossessionContext(chain_id=31337, verifier="0x" + "11" * 20, entitlement_id=7, nonce=b"\x05" * 32,
                          prover="0x" + "22" * 20)


def plain_point(p):
    return (plain.FQ(p[0]), plain.FQ(p[1]))


def plain_commit(v, r):
    q = plain.add(plain.multiply(plain.G1, v), plain.multiply(plain_point(z.H), r))
    return (int(q[0]), int(q[1]))


# --- curve known answers -----------------------------------------------------------------------------

def test_curve_constants_are_alt_bn128():
    # EIP-196/197: p and n of alt_bn128, G1 generator (1, 2), curve y^2 = x^3 + 3
    assert z.P == 21888242871839275222246405745257275088696311157297823662689037894645226208583
    assert z.N == 21888242871839275222246405745257275088548364400416034343698204186575808495617
    assert z.P % 4 == 3
    assert z.is_on_curve(z.G) and (2 * 2 - 1 ** 3) == 3


def test_doubling_known_answer():
    # 2*G, the ecAdd(G, G) / ecMul(G, 2) vector of the Ethereum precompile tests
    two_g = (1368015179489954701390400359078579693043519447331113978918064868415326638035,
             9918110051302171585080402603319702774565515993150576347155970296011118125764)
    assert z.add(z.G, z.G) == two_g == z.mul(z.G, 2)
    assert tuple(int(c) for c in plain.multiply(plain.G1, 2)) == two_g


def test_group_order_and_infinity():
    assert z.mul(z.G, z.N) == z.INFINITY
    assert z.mul(z.G, z.N + 5) == z.mul(z.G, 5)
    assert z.add(z.G, z.neg(z.G)) == z.INFINITY
    assert z.add(z.INFINITY, z.G) == z.G
    assert z.neg(z.G) == (1, z.P - 2)


def test_points_off_the_curve_are_refused():
    for bad in [(1, 3), (0, 1), (z.P, 2), (1, z.P + 2), (z.H[0], z.H[1] + 1)]:
        assert not z.is_on_curve(bad)
        with pytest.raises(ValueError):
            z.add(bad, z.G)
        with pytest.raises(ValueError):
            z.mul(bad, 3)


@pytest.mark.parametrize("s", [0, 1, 2, 3, 12345, 2**128 + 7, z.N - 1])
def test_scalar_multiplication_matches_plain_py_ecc(s):
    got = z.mul(z.H, s)
    want = plain.multiply(plain_point(z.H), s)
    assert got == (z.INFINITY if want is None else (int(want[0]), int(want[1])))


# --- hash to curve -------------------------------------------------------------------------------------

H_KNOWN = (5537112998406338939401985809605442138970284242894847214317383968443963131085,
           1222812448736568866242335118853695869045138620410789908579782102730674345834)


def test_h_known_answer():
    # published in docs/PROOFS.md and as H_X/H_Y in PedersenVerifier.vy
    assert z.H_DOMAIN == b"OpenRSP/Pedersen/H/v1"
    assert (z.H, z.H_COUNTER) == (H_KNOWN, 3)


def test_h_is_the_first_counter_on_the_curve_recomputed_independently():
    # recomputed with Euler's criterion and py_ecc's plain curve, not with the module's sqrt
    for counter in range(4):
        x = int.from_bytes(keccak(b"OpenRSP/Pedersen/H/v1" + counter.to_bytes(4, "big")), "big") % z.P
        t = (x ** 3 + 3) % z.P
        square = pow(t, (z.P - 1) // 2, z.P) == 1
        assert square == (counter == 3)
    assert x == H_KNOWN[0] and H_KNOWN[1] % 2 == 0
    assert plain.is_on_curve(plain_point(H_KNOWN), plain.b)
    assert plain.multiply(plain_point(H_KNOWN), z.N) is None      # in G1 (cofactor 1)
    assert H_KNOWN not in (z.G, z.neg(z.G)) and z.H != z.INFINITY


def test_hash_to_curve_picks_the_even_root_and_is_deterministic():
    for domain in (b"", b"a", b"OpenRSP/other"):
        (x, y), counter = z.hash_to_curve(domain)
        assert y % 2 == 0 and z.is_on_curve((x, y))
        assert z.hash_to_curve(domain) == ((x, y), counter)
    assert z.hash_to_curve(b"OpenRSP/Pedersen/H/v2")[0] != z.H


# --- commitments -----------------------------------------------------------------------------------

def test_commit_matches_plain_py_ecc_and_opens():
    for v, r in [(0, 1), (1, 0), (5, 7), (2**32 - 1, z.N - 1), (z.eid_value(bytes.fromhex("89049032" + "00" * 9 + "123456")), 99)]:
        c = z.commit(v, r)
        assert c == plain_commit(v, r)
        assert z.opens(c, v, r) and not z.opens(c, v + 1, r) and not z.opens(c, v, r + 1)


def test_commitments_add_homomorphically():
    vs = [1000, 2000, 3000, 17]
    rs = [z.random_scalar() for _ in vs]
    cs = [z.commit(v, r) for v, r in zip(vs, rs)]
    assert z.verify_sum(cs, sum(vs), sum(rs) % z.N)
    assert not z.verify_sum(cs, sum(vs) + 1, sum(rs) % z.N)       # a forged total
    assert not z.verify_sum(cs, sum(vs), (sum(rs) + 1) % z.N)
    assert not z.verify_sum(cs[:-1], sum(vs), sum(rs) % z.N)


def test_a_negative_volume_passes_the_sum_check_alone():
    # why each commitment needs a range proof: -5 (n - 5) hides in a correct-looking total
    r1, r2 = z.random_scalar(), z.random_scalar()
    cs = [z.commit(10, r1), z.commit(z.N - 5, r2)]
    assert z.verify_sum(cs, 5, (r1 + r2) % z.N)


def test_commit_refuses_non_scalars():
    for v, r in [(-1, 1), (z.N, 1), (1, z.N)]:
        with pytest.raises(ValueError):
            z.commit(v, r)


def test_eid_value_and_commitment_hash():
    eid = bytes.fromhex("89049032123451234512345678901235")
    assert z.eid_value(eid) == int("89049032123451234512345678901235", 16) < 2**128
    with pytest.raises(ValueError):
        z.eid_value(eid[:15])
    c = z.commit(z.eid_value(eid), 42)
    assert z.commitment_hash(c) == keccak(c[0].to_bytes(32, "big") + c[1].to_bytes(32, "big"))


# --- proof of knowledge of an opening -------------------------------------------------------------

def test_opening_proof_verifies():
    v, r = 123456789, z.random_scalar()
    proof = z.prove_opening(CTX, v, r)
    assert z.verify_opening(CTX, z.commit(v, r), proof)


def test_opening_challenge_is_the_documented_abi_encoding():
    c, a = z.commit(1, 2), z.commit(3, 4)
    data = encode(["bytes32", "uint256", "address", "uint256", "bytes32", "address", "uint256", "uint256", "uint256",
                   "uint256"], [keccak(b"OpenRSP.PedersenOpening.v1"), 31337, CTX.verifier, 7, b"\x05" * 32,
                                CTX.prover, *c, *a])
    assert z.opening_challenge(CTX, c, a) == int.from_bytes(keccak(data), "big") % z.N


@pytest.mark.parametrize("field,value", [("chain_id", 1), ("verifier", "0x" + "33" * 20), ("entitlement_id", 8),
                                         ("nonce", b"\x06" * 32), ("prover", "0x" + "44" * 20)])
def test_opening_proof_is_bound_to_its_context(field, value):
    from dataclasses import replace
    v, r = 5, z.random_scalar()
    proof = z.prove_opening(CTX, v, r)
    assert not z.verify_opening(replace(CTX, **{field: value}), z.commit(v, r), proof)


def test_opening_proof_for_another_commitment_or_tampered_is_refused():
    v, r = 5, z.random_scalar()
    proof = z.prove_opening(CTX, v, r)
    assert not z.verify_opening(CTX, z.commit(v, r + 1), proof)
    assert not z.verify_opening(CTX, z.commit(v + 1, r), proof)
    for t in [(proof.e, proof.z1 + 1, proof.z2), (proof.e, proof.z1, proof.z2 + 1), ((proof.e + 1) % z.N, proof.z1, proof.z2),
              (proof.e, proof.z1 + z.N, proof.z2)]:
        assert not z.verify_opening(CTX, z.commit(v, r), z.OpeningProof(*t))


def test_opening_proof_without_the_opening_cannot_be_made_by_simulation():
    # the simulator picks (e, z1, z2) first and computes A; it then needs e == H(..., A), which it
    # does not control: the verifier refuses
    c = z.commit(5, z.random_scalar())
    e, z1, z2 = (secrets.randbelow(z.N) for _ in range(3))
    assert not z.verify_opening(CTX, c, z.OpeningProof(e, z1, z2))


# --- range proofs ---------------------------------------------------------------------------------

@pytest.mark.parametrize("v", [0, 1, 170, 255])
def test_range_proof_8_bits_verifies(v):
    r = z.random_scalar()
    proof = z.prove_range(v, r, bits=8)
    assert len(proof) == 8 and z.verify_range(z.commit(v, r), proof, bits=8)
    # the bit commitments add up (Horner) to the commitment
    assert z.msm([(bp.c, 2**i) for i, bp in enumerate(proof)]) == z.commit(v, r)


def test_range_proof_full_32_bits():
    v, r = 2**32 - 1, z.random_scalar()
    proof = z.prove_range(v, r)
    assert len(proof) == z.RANGE_BITS == 32 and z.verify_range(z.commit(v, r), proof)


@pytest.mark.parametrize("v", [256, z.N - 1, z.N - 5])
def test_range_prover_refuses_out_of_range_values(v):
    with pytest.raises(ValueError):
        z.prove_range(v, 1, bits=8)


def test_range_proof_for_another_commitment_is_refused():
    r = z.random_scalar()
    proof = z.prove_range(7, r, bits=8)
    assert not z.verify_range(z.commit(8, r), proof, bits=8)
    assert not z.verify_range(z.commit(7, r + 1), proof, bits=8)
    assert not z.verify_range(z.commit(7, r), proof[:7], bits=8)


def forged_range_proof(v, r, bits):
    """A cheating prover for a value outside [0, 2^bits): bits 0..bits-2 honest (v's low bits), the
    top 'bit' commitment fixed so the commitments still add up to C (it opens to a non-bit), its
    OR proof simulated on both branches (the prover knows neither branch's witness)."""
    c = z.commit(v % z.N, r)
    honest = z.prove_range(v % 2**(bits - 1), z.random_scalar(), bits=bits)[: bits - 1]
    low = z.msm([(bp.c, 2**i) for i, bp in enumerate(honest)])
    top = z.mul(z.sub(c, low), pow(2**(bits - 1), -1, z.N))
    e0, e1, z0, z1 = (secrets.randbelow(z.N) for _ in range(4))
    return c, honest + [z.BitProof(top, e0, e1, z0, z1)]


def test_forged_range_proof_of_a_negative_volume_is_refused():
    c, proof = forged_range_proof(z.N - 1, z.random_scalar(), 8)
    assert z.msm([(bp.c, 2**i) for i, bp in enumerate(proof)]) == c    # the sum check alone passes
    assert not z.verify_range(c, proof, bits=8)                          # the top bit's OR proof fails


def test_bit_proofs_are_bound_to_their_position_and_commitment():
    r = z.random_scalar()
    proof = z.prove_range(3, r, bits=8)
    swapped = [proof[1], proof[0]] + proof[2:]
    assert not z.verify_range(z.commit(3, r), swapped, bits=8)
    other = z.prove_range(3, z.random_scalar(), bits=8)
    assert not z.verify_range(z.commit(3, r), proof[:7] + other[7:], bits=8)
