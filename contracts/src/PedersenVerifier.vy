# pragma version 0.4.3
# pragma evm-version cancun
"""
@title PedersenVerifier
@notice Verifies Pedersen commitments C = v*G + r*H on alt_bn128 (G1 of BN254) and sigma proofs
        about them, with the EVM precompiles 0x06 (ecAdd) and 0x07 (ecMul) only; the reference
        prover is contracts/pedersen.py, the statements and assumptions are in docs/PROOFS.md.

        G = (1, 2). H is the try-and-increment hash-to-curve of "OpenRSP/Pedersen/H/v1" (counter 3:
        x = keccak256(domain || uint32 counter) mod p, y the even root of x^3 + 3): nobody knows
        log_G H.

        verifySum: sum C_i == vTotal*G + rTotal*H (a batch total opens the homomorphic sum of
        its CDR commitments without opening any single one).
        verifyRange: C commits to a value in [0, 2^k), k = the number of bit proofs (1..32): bit
        commitments C_i with sum 2^i*C_i == C, each with a Cramer-Damgaard-Schoenmakers OR proof
        that it opens to 0 or 1.
        provePossession: a Schnorr (Okamoto) proof of knowledge of an opening of the Pedersen
        commitment an entitlement of PlanEntitlements is bound to (the entitlement's commitment is
        keccak256(abi.encode(C.x, C.y))), Fiat-Shamir bound to the chain id, this contract, the
        entitlement id, a fresh nonce (consumed once) and the caller. It proves knowledge of an
        opening, not that the committed EID is a genuine eUICC's.

        Malformed input reverts (a point not on the curve, a scalar >= n, a wrong proof length);
        a well-formed proof that does not verify makes the views return False and
        provePossession revert "proof: invalid".
"""

VERSION: public(constant(uint256)) = 2   # the OpenRSP contracts release

# alt_bn128: base field p, group order n
FIELD_P: public(constant(uint256)) = 21888242871839275222246405745257275088696311157297823662689037894645226208583
GROUP_N: public(constant(uint256)) = 21888242871839275222246405745257275088548364400416034343698204186575808495617
G_X: public(constant(uint256)) = 1
G_Y: public(constant(uint256)) = 2
H_X: public(constant(uint256)) = 5537112998406338939401985809605442138970284242894847214317383968443963131085
H_Y: public(constant(uint256)) = 1222812448736568866242335118853695869045138620410789908579782102730674345834

MAX_SUM: public(constant(uint256)) = 1024     # commitments per verifySum call
MAX_RANGE_BITS: public(constant(uint256)) = 32

ECADD: constant(address) = 0x0000000000000000000000000000000000000006
ECMUL: constant(address) = 0x0000000000000000000000000000000000000007

# keccak256("OpenRSP.PedersenOpening.v1"), keccak256("OpenRSP.PedersenRangeBit.v1")
OPENING_TAG: public(constant(bytes32)) = keccak256("OpenRSP.PedersenOpening.v1")
RANGE_TAG: public(constant(bytes32)) = keccak256("OpenRSP.PedersenRangeBit.v1")


struct Point:
    x: uint256
    y: uint256

# (e, z1, z2): A = z1*G + z2*H - e*C and e == the challenge over A
struct OpeningProof:
    e: uint256
    z1: uint256
    z2: uint256

# One bit of a range proof: A0 = z0*H - e0*c, A1 = z1*H - e1*(c - G), e0 + e1 == the challenge
struct BitProof:
    c: Point
    e0: uint256
    e1: uint256
    z0: uint256
    z1: uint256


interface IPlanEntitlements:
    def entitlement(token_id: uint256) -> (bytes32, uint256, uint256, uint256, uint8, address): view


event PossessionProven:
    entitlementId: indexed(uint256)
    prover: indexed(address)
    nonce: bytes32


ENTITLEMENTS: public(immutable(address))
# entitlement id -> nonce -> consumed by a possession proof
nonceUsed: public(HashMap[uint256, HashMap[bytes32, bool]])


@deploy
def __init__(entitlements: address):
    assert entitlements != empty(address), "entitlements: zero address"
    ENTITLEMENTS = entitlements


# --- group arithmetic through the precompiles -------------------------------------------------

@view
@internal
def _add(a: Point, b: Point) -> Point:
    ok: bool = False
    out: Bytes[64] = b""
    ok, out = raw_call(ECADD, abi_encode(a.x, a.y, b.x, b.y), max_outsize=64, is_static_call=True,
                       revert_on_failure=False)
    assert ok and len(out) == 64, "point: not on curve"
    return Point(x=convert(slice(out, 0, 32), uint256), y=convert(slice(out, 32, 32), uint256))


@view
@internal
def _mul(a: Point, s: uint256) -> Point:
    ok: bool = False
    out: Bytes[64] = b""
    ok, out = raw_call(ECMUL, abi_encode(a.x, a.y, s), max_outsize=64, is_static_call=True,
                       revert_on_failure=False)
    assert ok and len(out) == 64, "point: not on curve"
    return Point(x=convert(slice(out, 0, 32), uint256), y=convert(slice(out, 32, 32), uint256))


@pure
@internal
def _neg(a: Point) -> Point:
    # only called on outputs of the precompiles (so x, y < p)
    if a.x == 0 and a.y == 0:
        return a
    return Point(x=a.x, y=FIELD_P - a.y)


@pure
@internal
def _scalar(s: uint256):
    assert s < GROUP_N, "proof: scalar out of range"


@view
@internal
def _commit(v: uint256, r: uint256) -> Point:
    return self._add(self._mul(Point(x=G_X, y=G_Y), v), self._mul(Point(x=H_X, y=H_Y), r))


# --- batch totals ------------------------------------------------------------------------------

@view
@external
def verifySum(commitments: DynArray[Point, MAX_SUM], vTotal: uint256, rTotal: uint256) -> bool:
    """
    @notice True iff sum(commitments) == vTotal*G + rTotal*H. Reverts "sum: no commitments",
            "point: not on curve" (any commitment), "proof: scalar out of range" (vTotal or
            rTotal >= n).
    """
    assert len(commitments) > 0, "sum: no commitments"
    self._scalar(vTotal)
    self._scalar(rTotal)
    acc: Point = empty(Point)
    for c: Point in commitments:
        acc = self._add(acc, c)
    opened: Point = self._commit(vTotal, rTotal)
    return acc.x == opened.x and acc.y == opened.y


# --- range proofs ------------------------------------------------------------------------------

@view
@external
def verifyRange(commitment: Point, proof: DynArray[BitProof, MAX_RANGE_BITS]) -> bool:
    """
    @notice True iff `proof` shows that `commitment` opens to a value in [0, 2^len(proof)).
            Reverts "range: no bits", "point: not on curve", "proof: scalar out of range".
    """
    bits: uint256 = len(proof)
    assert bits > 0, "range: no bits"
    h: Point = Point(x=H_X, y=H_Y)
    minus_g: Point = Point(x=G_X, y=FIELD_P - G_Y)
    ok: bool = True
    acc: Point = empty(Point)
    i: uint256 = bits
    for _: uint256 in range(MAX_RANGE_BITS):
        if i == 0:
            break
        i -= 1
        bp: BitProof = proof[i]
        self._scalar(bp.e0)
        self._scalar(bp.e1)
        self._scalar(bp.z0)
        self._scalar(bp.z1)
        # Horner: acc = 2*acc + C_i, so acc == sum 2^i*C_i at the end
        acc = self._add(self._add(acc, acc), bp.c)
        a0: Point = self._add(self._mul(h, bp.z0), self._mul(bp.c, GROUP_N - bp.e0))
        a1: Point = self._add(self._mul(h, bp.z1), self._mul(self._add(bp.c, minus_g), GROUP_N - bp.e1))
        e: uint256 = convert(keccak256(abi_encode(RANGE_TAG, commitment.x, commitment.y, bits, i, bp.c.x, bp.c.y,
                                                  a0.x, a0.y, a1.x, a1.y)), uint256) % GROUP_N
        if uint256_addmod(bp.e0, bp.e1, GROUP_N) != e:
            ok = False
    # the commitment itself goes through the precompile (on-curve check) in the comparison
    c: Point = self._add(commitment, empty(Point))
    return ok and acc.x == c.x and acc.y == c.y


# --- possession of an entitlement's EID commitment ---------------------------------------------

@pure
@external
def commitmentHash(commitment: Point) -> bytes32:
    """@notice What an entitlement is bound to for a Pedersen commitment: keccak256(abi.encode(C.x, C.y))."""
    return keccak256(abi_encode(commitment.x, commitment.y))


@view
@internal
def _openingChallenge(entitlement_id: uint256, nonce: bytes32, prover: address, c: Point, a: Point) -> uint256:
    return convert(keccak256(abi_encode(OPENING_TAG, chain.id, self, entitlement_id, nonce, prover, c.x, c.y,
                                        a.x, a.y)), uint256) % GROUP_N


@external
def provePossession(entitlementId: uint256, commitment: Point, nonce: bytes32, proof: OpeningProof):
    """
    @notice The caller proves knowledge of (v, r) with commitment == v*G + r*H, where the
            entitlement is bound to keccak256(abi.encode(commitment)); the challenge binds
            chain.id, this contract, the entitlement id, `nonce` and msg.sender. Each nonce is
            consumed once per entitlement. Reverts "entitlement: unknown", "entitlement: no
            commitment bound", "commitment: not the entitlement's", "nonce: already used",
            "proof: scalar out of range", "point: not on curve", "proof: invalid".
    """
    bound: bytes32 = empty(bytes32)
    plan_id: uint256 = 0
    start: uint256 = 0
    end: uint256 = 0
    status: uint8 = 0
    owner: address = empty(address)
    bound, plan_id, start, end, status, owner = staticcall IPlanEntitlements(ENTITLEMENTS).entitlement(entitlementId)
    assert status != 0, "entitlement: unknown"
    assert bound != empty(bytes32), "entitlement: no commitment bound"
    assert keccak256(abi_encode(commitment.x, commitment.y)) == bound, "commitment: not the entitlement's"
    assert not self.nonceUsed[entitlementId][nonce], "nonce: already used"
    self._scalar(proof.e)
    self._scalar(proof.z1)
    self._scalar(proof.z2)
    # A = z1*G + z2*H - e*C
    a: Point = self._add(self._commit(proof.z1, proof.z2), self._mul(commitment, GROUP_N - proof.e))
    assert self._openingChallenge(entitlementId, nonce, msg.sender, commitment, a) == proof.e, "proof: invalid"
    self.nonceUsed[entitlementId][nonce] = True
    log PossessionProven(entitlementId=entitlementId, prover=msg.sender, nonce=nonce)
