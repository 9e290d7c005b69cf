"""Reference implementation of OpenRSP's Pedersen commitments and sigma proofs on alt_bn128, as
contracts/src/PedersenVerifier.vy verifies them (statements, assumptions and limits: docs/PROOFS.md).

Group: G1 of alt_bn128 (BN254), y^2 = x^3 + 3 over F_p, prime order n, cofactor 1, G = (1, 2): the
group of the EVM precompiles 0x06 (ecAdd) and 0x07 (ecMul). The group arithmetic is py_ecc's
(`py_ecc.optimized_bn128`, PyPI); written here by hand is only what it lacks: the hash-to-curve
of H and the proofs. Points travel as affine (x, y) integers, the point at infinity as (0, 0),
as the precompiles encode them.

Second generator (nobody knows log_G H):
    H = hash_to_curve(b"OpenRSP/Pedersen/H/v1"), try-and-increment:
    for counter = 0, 1, 2, ...:
        x = int(keccak256(domain || counter as 4 bytes big-endian)) mod p
        if x^3 + 3 is a square mod p:  y = (x^3 + 3)^((p + 1) / 4) mod p   (p = 3 mod 4)
                                        if y is odd: y = p - y              (the even root)
                                        return (x, y)
    (every point of the curve is in G1: cofactor 1). H's discrete log is unknown because x is
    the output of a hash: finding log_G H is finding a discrete log.

Commitment  C = v*G + r*H, v and r in [0, n); r uniform: C reveals nothing about v (perfectly
hiding); opening it two ways gives log_G H (computationally binding).

Proof of knowledge of an opening (Schnorr/Okamoto sigma protocol, Fiat-Shamir):
    a, b random; A = a*G + b*H; e = challenge; z1 = a + e*v; z2 = b + e*r (mod n)
    proof = (e, z1, z2); the verifier recomputes A = z1*G + z2*H - e*C and the challenge.
    Possession challenge (binds chain, verifier contract, entitlement, nonce, prover, commitment):
    e = keccak256(abi.encode(OPENING_TAG, chainId, verifier, entitlementId, nonce, prover,
                             C.x, C.y, A.x, A.y)) mod n

Range proof (v in [0, 2^bits)): bit commitments C_i = b_i*G + r_i*H with sum 2^i*r_i = r, so
sum 2^i*C_i = C; each C_i carries a Cramer-Damgaard-Schoenmakers OR proof that it opens to 0
(C_i = r_i*H) or to 1 (C_i - G = r_i*H):
    bit proof = (C_i, e0, e1, z0, z1);  A0 = z0*H - e0*C_i;  A1 = z1*H - e1*(C_i - G)
    e0 + e1 = keccak256(abi.encode(RANGE_TAG, C.x, C.y, bits, i, C_i.x, C_i.y,
                                   A0.x, A0.y, A1.x, A1.y)) mod n
RANGE_BITS = 32 (see docs/PROOFS.md for the bound).
"""
import secrets
from dataclasses import dataclass

from eth_abi import encode
from eth_hash.auto import keccak
from py_ecc import optimized_bn128 as bn

P = bn.field_modulus          # the base field F_p
N = bn.curve_order            # the order n of G1 (and of the scalars)
INFINITY = (0, 0)
G = (1, 2)
H_DOMAIN = b"OpenRSP/Pedersen/H/v1"
OPENING_TAG = keccak(b"OpenRSP.PedersenOpening.v1")
RANGE_TAG = keccak(b"OpenRSP.PedersenRangeBit.v1")
RANGE_BITS = 32

Point = tuple[int, int]


# --- group: py_ecc's arithmetic on affine (x, y) with (0, 0) as infinity, as the precompiles -------

def is_on_curve(p: Point) -> bool:
    """What the precompiles accept: both coordinates below p, and (0, 0) or a point of y^2 = x^3 + 3."""
    x, y = p
    if not (0 <= x < P and 0 <= y < P):
        return False
    return p == INFINITY or bn.is_on_curve(_jac(p), bn.b)


def _jac(p: Point):
    if p == INFINITY:
        return bn.Z1
    return (bn.FQ(p[0]), bn.FQ(p[1]), bn.FQ.one())


def _affine(q) -> Point:
    if bn.is_inf(q):
        return INFINITY
    x, y = bn.normalize(q)
    return (int(x), int(y))


def _checked(p: Point):
    if not is_on_curve(p):
        raise ValueError(f"point not on alt_bn128: {p}")
    return _jac(p)


def add(p: Point, q: Point) -> Point:
    return _affine(bn.add(_checked(p), _checked(q)))


def neg(p: Point) -> Point:
    return _affine(bn.neg(_checked(p)))


def mul(p: Point, s: int) -> Point:
    """s*P for any s >= 0 (as ecMul: the full integer, so s and s + n give the same point)."""
    if s < 0:
        raise ValueError("negative scalar")
    return _affine(bn.multiply(_checked(p), s % N))


def sub(p: Point, q: Point) -> Point:
    return add(p, neg(q))


def msm(pairs) -> Point:
    acc = bn.Z1
    for p, s in pairs:
        acc = bn.add(acc, bn.multiply(_checked(p), s % N))
    return _affine(acc)


# --- hash to curve ---------------------------------------------------------------------------------

def sqrt_fp(t: int) -> int | None:
    """A square root of t mod p, or None (p = 3 mod 4: t^((p+1)/4))."""
    y = pow(t, (P + 1) // 4, P)
    return y if y * y % P == t % P else None


def hash_to_curve(domain: bytes) -> tuple[Point, int]:
    """(point, counter): the try-and-increment map of the module docstring."""
    for counter in range(2**32):
        x = int.from_bytes(keccak(domain + counter.to_bytes(4, "big")), "big") % P
        y = sqrt_fp((x * x * x + 3) % P)
        if y is not None:
            if y % 2 == 1:
                y = P - y
            return (x, y), counter
    raise ValueError("no point found")   # about half of all x are on the curve: never reached


H, H_COUNTER = hash_to_curve(H_DOMAIN)


# --- commitments -----------------------------------------------------------------------------------

def random_scalar() -> int:
    return secrets.randbelow(N - 1) + 1


def commit(v: int, r: int) -> Point:
    if not (0 <= v < N and 0 <= r < N):
        raise ValueError("value and blinding must be scalars in [0, n)")
    return msm([(G, v), (H, r)])


def opens(c: Point, v: int, r: int) -> bool:
    return is_on_curve(c) and commit(v % N, r % N) == c


def sum_points(points) -> Point:
    acc = bn.Z1
    for p in points:
        acc = bn.add(acc, _checked(p))
    return _affine(acc)


def verify_sum(commitments: list[Point], v_total: int, r_total: int) -> bool:
    """sum C_i == v_total*G + r_total*H: the batch total opens the homomorphic sum."""
    return sum_points(commitments) == msm([(G, v_total), (H, r_total)])


def commitment_hash(c: Point) -> bytes:
    """What an entitlement is bought with: keccak256(abi.encode(C.x, C.y))."""
    return keccak(encode(["uint256", "uint256"], list(c)))


def eid_value(eid_bcd: bytes) -> int:
    """The committed value of an EID: its 16 BCD bytes (as in tag 5A) as a big-endian integer (< 2^128)."""
    if len(eid_bcd) != 16:
        raise ValueError("an EID is 16 BCD bytes")
    return int.from_bytes(eid_bcd, "big")


# --- proof of knowledge of an opening, bound to a possession context --------------------------------

@dataclass(frozen=True)
class PossessionContext:
    chain_id: int
    verifier: str           # the PedersenVerifier contract address
    entitlement_id: int
    nonce: bytes            # 32 bytes of fresh randomness, consumed once by the contract
    prover: str             # msg.sender of provePossession (a front-runner cannot reuse the proof)


@dataclass(frozen=True)
class OpeningProof:
    e: int
    z1: int
    z2: int

    def as_tuple(self):
        return (self.e, self.z1, self.z2)


def opening_challenge(ctx: PossessionContext, c: Point, a: Point) -> int:
    data = encode(["bytes32", "uint256", "address", "uint256", "bytes32", "address", "uint256", "uint256", "uint256",
                   "uint256"], [OPENING_TAG, ctx.chain_id, ctx.verifier, ctx.entitlement_id, ctx.nonce, ctx.prover,
                                c[0], c[1], a[0], a[1]])
    return int.from_bytes(keccak(data), "big") % N


def prove_opening(ctx: PossessionContext, v: int, r: int, rng=random_scalar) -> OpeningProof:
    c = commit(v, r)
    a, b = rng(), rng()
    big_a = commit(a, b)
    e = opening_challenge(ctx, c, big_a)
    return OpeningProof(e, (a + e * v) % N, (b + e * r) % N)


def verify_opening(ctx: PossessionContext, c: Point, proof: OpeningProof) -> bool:
    if not all(0 <= s < N for s in proof.as_tuple()) or not is_on_curve(c):
        return False
    a = msm([(G, proof.z1), (H, proof.z2), (c, N - proof.e)])
    return opening_challenge(ctx, c, a) == proof.e


# --- range proof: bit decomposition with OR proofs ---------------------------------------------------

@dataclass(frozen=True)
class BitProof:
    c: Point
    e0: int
    e1: int
    z0: int
    z1: int

    def as_tuple(self):
        return (self.c, self.e0, self.e1, self.z0, self.z1)


def bit_challenge(c: Point, bits: int, i: int, ci: Point, a0: Point, a1: Point) -> int:
    data = encode(["bytes32"] + ["uint256"] * 10, [RANGE_TAG, c[0], c[1], bits, i, ci[0], ci[1], a0[0], a0[1],
                                                   a1[0], a1[1]])
    return int.from_bytes(keccak(data), "big") % N


def prove_range(v: int, r: int, bits: int = RANGE_BITS, rng=random_scalar) -> list[BitProof]:
    """Proof that commit(v, r) opens to a value in [0, 2^bits). Refuses v outside that range: a
    'negative' v (n - k) has no such proof."""
    if not 1 <= bits <= 64:
        raise ValueError("bits: 1 to 64")
    if not 0 <= v < 2**bits:
        raise ValueError(f"value outside [0, 2^{bits})")
    c = commit(v, r)
    rs = [rng() for _ in range(bits - 1)]
    partial = sum(ri << i for i, ri in enumerate(rs)) % N
    rs.append((r - partial) * pow(2**(bits - 1), -1, N) % N)
    out = []
    for i in range(bits):
        b, ri = (v >> i) & 1, rs[i]
        ci = commit(b, ri)
        d = (ci, sub(ci, G))                 # the bit is 0 iff d[0] = ri*H, 1 iff d[1] = ri*H
        e_sim, z_sim, w = rng(), rng(), rng()
        a_sim = msm([(H, z_sim), (d[1 - b], N - e_sim)])
        a_real = mul(H, w)
        a0, a1 = (a_real, a_sim) if b == 0 else (a_sim, a_real)
        e = bit_challenge(c, bits, i, ci, a0, a1)
        e_real = (e - e_sim) % N
        z_real = (w + e_real * ri) % N
        if b == 0:
            out.append(BitProof(ci, e_real, e_sim, z_real, z_sim))
        else:
            out.append(BitProof(ci, e_sim, e_real, z_sim, z_real))
    return out


def verify_range(c: Point, proof: list[BitProof], bits: int = RANGE_BITS) -> bool:
    if len(proof) != bits or not is_on_curve(c):
        return False
    acc = INFINITY
    for i in reversed(range(bits)):
        bp = proof[i]
        if not is_on_curve(bp.c) or not all(0 <= s < N for s in (bp.e0, bp.e1, bp.z0, bp.z1)):
            return False
        acc = add(add(acc, acc), bp.c)
        a0 = msm([(H, bp.z0), (bp.c, N - bp.e0)])
        a1 = msm([(H, bp.z1), (sub(bp.c, G), N - bp.e1)])
        if (bp.e0 + bp.e1) % N != bit_challenge(c, bits, i, bp.c, a0, a1):
            return False
    return acc == c
