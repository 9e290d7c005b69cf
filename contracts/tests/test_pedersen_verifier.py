"""PedersenVerifier.vy against the Python reference (contracts/pedersen.py): the contract's
precompile arithmetic agrees with py_ecc, true statements verify, and every forgery we could think
of is refused on chain (forged totals, negative volumes, replayed or transplanted possession proofs,
points off the curve). Every revert reason has a test. Range proofs are 8 bits here except one full
32-bit case."""
import secrets
from dataclasses import replace

import boa
import pytest
from eth_hash.auto import keccak

import pedersen as z
from system import SRC
from test_pedersen import forged_range_proof

EID = bytes.fromhex("89049032123451234512345678901235")


@pytest.fixture
def zk(world):
    return boa.load(str(SRC / "PedersenVerifier.vy"), world.plans.address, name="PedersenVerifier")


def bits(proof):
    return [bp.as_tuple() for bp in proof]


def ctx_for(zk, ent, prover, nonce=None, chain_id=None):
    return z.PossessionContext(chain_id or boa.env.evm.patch.chain_id, zk.address, ent, nonce or secrets.token_bytes(32),
                               prover)


def bought(world, c, who=None):
    """An entitlement bought (and delivered) bound to the Pedersen commitment c."""
    return world.buy(who=who, commitment=z.commitment_hash(c))


# --- deployment, constants, the precompiles against py_ecc ----------------------------------------

def test_constructor_refuses_zero_address():
    with boa.reverts("entitlements: zero address"):
        boa.load(str(SRC / "PedersenVerifier.vy"), "0x" + "00" * 20)


def test_published_constants_match_the_reference(world, zk):
    assert zk.VERSION() == 2 and zk.ENTITLEMENTS() == world.plans.address
    assert (zk.FIELD_P(), zk.GROUP_N()) == (z.P, z.N)
    assert (zk.G_X(), zk.G_Y()) == z.G and (zk.H_X(), zk.H_Y()) == z.H
    assert zk.OPENING_TAG() == z.OPENING_TAG and zk.RANGE_TAG() == z.RANGE_TAG
    assert (zk.MAX_SUM(), zk.MAX_RANGE_BITS()) == (1024, z.RANGE_BITS)
    c = z.commit(z.eid_value(EID), 12345)
    assert zk.commitmentHash(c) == z.commitment_hash(c) == keccak(c[0].to_bytes(32, "big") + c[1].to_bytes(32, "big"))


def test_precompile_sums_agree_with_py_ecc(zk):
    # the contract adds with ecAdd and multiplies with ecMul; the reference with py_ecc
    two_g = z.add(z.G, z.G)
    assert zk.verifySum([z.G, z.G], 2, 0) and zk.verifySum([two_g], 2, 0)
    assert zk.verifySum([z.H, z.H, z.H], 0, 3) and zk.verifySum([z.neg(z.H), z.H], 0, 0)
    assert zk.verifySum([z.INFINITY], 0, 0)
    for _ in range(3):
        v, r = secrets.randbelow(z.N), secrets.randbelow(z.N)
        assert zk.verifySum([z.commit(v, r)], v, r)


# --- batch totals --------------------------------------------------------------------------------

def cdr_commitments(volumes):
    rs = [z.random_scalar() for _ in volumes]
    return [z.commit(v, r) for v, r in zip(volumes, rs)], sum(volumes), sum(rs) % z.N


def test_sum_of_commitments_opens_to_the_total(zk):
    for n in (1, 2, 9):
        cs, v, r = cdr_commitments([1000 * (i + 1) for i in range(n)])
        assert zk.verifySum(cs, v, r)


def test_forged_totals_are_refused(zk):
    cs, v, r = cdr_commitments([1000, 2000, 3000])
    assert not zk.verifySum(cs, v + 1, r)               # more bytes than committed
    assert not zk.verifySum(cs, v - 1, r)               # fewer
    assert not zk.verifySum(cs, v, (r + 1) % z.N)
    assert not zk.verifySum(cs[:2], v, r)               # a CDR left out
    assert not zk.verifySum(cs + [cs[0]], v, r)         # a CDR counted twice
    # a total that wraps modulo n would open the same point: refused as a non-scalar
    with boa.reverts("proof: scalar out of range"):
        zk.verifySum(cs, v + z.N, r)


def test_negative_volume_passes_the_sum_but_not_the_range_proof(zk):
    # a commitment to -5 (n - 5) hides in a correct total: the sum check alone cannot see it ...
    r1, r2 = z.random_scalar(), z.random_scalar()
    good, negative = z.commit(10, r1), z.commit(z.N - 5, r2)
    assert zk.verifySum([good, negative], 5, (r1 + r2) % z.N)
    # ... the range proof can: the honest prover has none, a forged one is refused
    with pytest.raises(ValueError):
        z.prove_range(z.N - 5, r2, bits=8)
    c, forged = forged_range_proof(z.N - 1, r2, 8)
    assert not zk.verifyRange(c, bits(forged))
    # a valid proof of another value does not transfer to the negative commitment
    assert not zk.verifyRange(negative, bits(z.prove_range(251, r2, bits=8)))
    # "-1" is n - 1 (values live in the scalar field of order n); p - 1 (the coordinate field's -1)
    # is above n: not a scalar at all, refused as a total and by the reference
    assert z.P - 1 >= z.N
    with boa.reverts("proof: scalar out of range"):
        zk.verifySum([good], z.P - 1, r1)
    with pytest.raises(ValueError):
        z.commit(z.P - 1, r1)


def test_verify_sum_reverts(zk):
    with boa.reverts("sum: no commitments"):
        zk.verifySum([], 0, 0)
    with boa.reverts("proof: scalar out of range"):
        zk.verifySum([z.G], z.N, 0)
    with boa.reverts("proof: scalar out of range"):
        zk.verifySum([z.G], 1, z.N)
    for bad in [(1, 3), (z.P, 2), (z.G[0], z.G[1] + z.P), (0, 1)]:
        with boa.reverts("point: not on curve"):
            zk.verifySum([z.G, bad], 2, 0)
    # more than MAX_SUM commitments: refused by Vyper's ABI bound check (a revert without reason)
    with boa.reverts():
        zk.verifySum([z.G] * 1025, 1025, 0)


# --- range proofs ----------------------------------------------------------------------------------

@pytest.mark.parametrize("v", [0, 200])
def test_range_proof_verifies_on_chain(zk, v):
    r = z.random_scalar()
    assert zk.verifyRange(z.commit(v, r), bits(z.prove_range(v, r, bits=8)))


def test_full_32_bit_range_proof_verifies_on_chain(zk):
    v, r = 2**32 - 1, z.random_scalar()
    proof = z.prove_range(v, r)
    assert zk.verifyRange(z.commit(v, r), bits(proof))
    assert not zk.verifyRange(z.commit(v - 1, r), bits(proof))


def test_range_proofs_for_another_commitment_or_tampered_are_refused(zk):
    r = z.random_scalar()
    c, proof = z.commit(7, r), z.prove_range(7, r, bits=8)
    assert not zk.verifyRange(z.commit(8, r), bits(proof))
    assert not zk.verifyRange(c, bits(proof[:7]))                       # another bit count: another statement
    assert not zk.verifyRange(c, bits([proof[1], proof[0]] + proof[2:]))
    for field in ("e0", "e1", "z0", "z1"):
        t = replace(proof[3], **{field: (getattr(proof[3], field) + 1) % z.N})
        assert not zk.verifyRange(c, bits(proof[:3] + [t] + proof[4:]))
    # the contract agrees with the reference on every one of these
    assert z.verify_range(c, proof, bits=8) and not z.verify_range(z.commit(8, r), proof, bits=8)


def test_verify_range_reverts(zk):
    r = z.random_scalar()
    c, proof = z.commit(3, r), z.prove_range(3, r, bits=4)
    with boa.reverts("range: no bits"):
        zk.verifyRange(c, [])
    # more than MAX_RANGE_BITS bit proofs: refused by Vyper's ABI bound check (a revert without reason)
    with boa.reverts():
        zk.verifyRange(c, bits(proof) * 9)
    with boa.reverts("point: not on curve"):
        zk.verifyRange((1, 3), bits(proof))
    with boa.reverts("point: not on curve"):
        zk.verifyRange(c, bits(proof[:2] + [replace(proof[2], c=(proof[2].c[0], proof[2].c[1] + 1))] + proof[3:]))
    for field in ("e0", "e1", "z0", "z1"):
        with boa.reverts("proof: scalar out of range"):
            zk.verifyRange(c, bits([replace(proof[0], **{field: getattr(proof[0], field) + z.N})] + proof[1:]))


# --- possession of an entitlement's EID commitment -------------------------------------------------

def test_possession_proof_verifies_and_consumes_its_nonce(world, zk):
    r = z.random_scalar()
    c = z.commit(z.eid_value(EID), r)
    ent = bought(world, c)
    me = world.buyer.address
    ctx = ctx_for(zk, ent, me)
    proof = z.prove_opening(ctx, z.eid_value(EID), r)
    assert not zk.nonceUsed(ent, ctx.nonce)
    with boa.env.prank(me):
        zk.provePossession(ent, c, ctx.nonce, proof.as_tuple())
    (ev,) = zk.get_logs()
    assert (type(ev).__name__, ev.entitlementId, ev.prover, ev.nonce) == ("PossessionProven", ent, me, ctx.nonce)
    assert zk.nonceUsed(ent, ctx.nonce)
    # a fresh nonce, a fresh proof: proven again
    ctx2 = ctx_for(zk, ent, me)
    with boa.env.prank(me):
        zk.provePossession(ent, c, ctx2.nonce, z.prove_opening(ctx2, z.eid_value(EID), r).as_tuple())


def possession_setup(world, zk):
    r = z.random_scalar()
    c = z.commit(z.eid_value(EID), r)
    return c, r, bought(world, c), world.buyer.address


def test_replayed_nonce_is_refused(world, zk):
    c, r, ent, me = possession_setup(world, zk)
    ctx = ctx_for(zk, ent, me)
    proof = z.prove_opening(ctx, z.eid_value(EID), r).as_tuple()
    with boa.env.prank(me):
        zk.provePossession(ent, c, ctx.nonce, proof)
        with boa.reverts("nonce: already used"):
            zk.provePossession(ent, c, ctx.nonce, proof)


def test_proof_for_another_nonce_is_refused(world, zk):
    c, r, ent, me = possession_setup(world, zk)
    ctx = ctx_for(zk, ent, me)
    proof = z.prove_opening(ctx, z.eid_value(EID), r).as_tuple()
    with boa.env.prank(me), boa.reverts("proof: invalid"):
        zk.provePossession(ent, c, secrets.token_bytes(32), proof)


def test_proof_for_another_chain_is_refused(world, zk):
    c, r, ent, me = possession_setup(world, zk)
    ctx = ctx_for(zk, ent, me, chain_id=1)
    proof = z.prove_opening(ctx, z.eid_value(EID), r).as_tuple()
    with boa.env.prank(me), boa.reverts("proof: invalid"):
        zk.provePossession(ent, c, ctx.nonce, proof)
    # and a proof made for this chain does not verify where chain.id is another
    here = ctx_for(zk, ent, me)
    proof = z.prove_opening(here, z.eid_value(EID), r).as_tuple()
    saved = boa.env.evm.patch.chain_id
    try:
        boa.env.evm.patch.chain_id = 1
        with boa.env.prank(me), boa.reverts("proof: invalid"):
            zk.provePossession(ent, c, here.nonce, proof)
    finally:
        boa.env.evm.patch.chain_id = saved
    with boa.env.prank(me):
        zk.provePossession(ent, c, here.nonce, proof)


def test_proof_for_another_contract_is_refused(world, zk):
    c, r, ent, me = possession_setup(world, zk)
    twin = boa.load(str(SRC / "PedersenVerifier.vy"), world.plans.address)
    ctx = ctx_for(twin, ent, me)
    proof = z.prove_opening(ctx, z.eid_value(EID), r).as_tuple()
    with boa.env.prank(me), boa.reverts("proof: invalid"):
        zk.provePossession(ent, c, ctx.nonce, proof)
    with boa.env.prank(me):
        twin.provePossession(ent, c, ctx.nonce, proof)


def test_proof_for_another_entitlement_is_refused(world, zk):
    # two entitlements bound to the same commitment: a proof names one of them
    c, r, ent, me = possession_setup(world, zk)
    ent2 = bought(world, c)
    ctx = ctx_for(zk, ent, me)
    proof = z.prove_opening(ctx, z.eid_value(EID), r).as_tuple()
    with boa.env.prank(me), boa.reverts("proof: invalid"):
        zk.provePossession(ent2, c, ctx.nonce, proof)


def test_front_runner_cannot_submit_the_proof_as_its_own(world, zk):
    c, r, ent, me = possession_setup(world, zk)
    ctx = ctx_for(zk, ent, me)
    proof = z.prove_opening(ctx, z.eid_value(EID), r).as_tuple()
    with boa.env.prank(world.other.address), boa.reverts("proof: invalid"):
        zk.provePossession(ent, c, ctx.nonce, proof)
    assert not zk.nonceUsed(ent, ctx.nonce)


def test_proof_for_another_commitment_is_refused(world, zk):
    c, r, ent, me = possession_setup(world, zk)
    # a proof of an opening the prover does know (another EID), presented for this entitlement
    r2 = z.random_scalar()
    c2 = z.commit(z.eid_value(EID) + 1, r2)
    ctx = ctx_for(zk, ent, me)
    proof = z.prove_opening(ctx, z.eid_value(EID) + 1, r2).as_tuple()
    with boa.env.prank(me), boa.reverts("commitment: not the entitlement's"):
        zk.provePossession(ent, c2, ctx.nonce, proof)
    with boa.env.prank(me), boa.reverts("proof: invalid"):
        zk.provePossession(ent, c, ctx.nonce, proof)
    # nor does a simulated proof (chosen responses, no opening) pass
    with boa.env.prank(me), boa.reverts("proof: invalid"):
        zk.provePossession(ent, c, ctx.nonce, tuple(secrets.randbelow(z.N) for _ in range(3)))


def test_possession_reverts(world, zk):
    c, r, ent, me = possession_setup(world, zk)
    ctx = ctx_for(zk, ent, me)
    proof = z.prove_opening(ctx, z.eid_value(EID), r)
    with boa.env.prank(me):
        with boa.reverts("entitlement: unknown"):
            zk.provePossession(999, c, ctx.nonce, proof.as_tuple())
        for bad in [(proof.e + z.N, proof.z1, proof.z2), (proof.e, z.N, proof.z2), (proof.e, proof.z1, 2**256 - 1)]:
            with boa.reverts("proof: scalar out of range"):
                zk.provePossession(ent, c, ctx.nonce, bad)
    # an entitlement bound to the hash of a point off the curve
    off = (1, 3)
    ent_off = world.buy(commitment=z.commitment_hash(off))
    with boa.env.prank(me), boa.reverts("point: not on curve"):
        zk.provePossession(ent_off, off, ctx.nonce, proof.as_tuple())
    # a transfer unbinds the commitment (PlanEntitlements, finding 7): nothing to prove until re-bound
    with boa.env.prank(me):
        world.plans.safeTransferFrom(me, world.other.address, ent, 1, b"")
    with boa.env.prank(me), boa.reverts("entitlement: no commitment bound"):
        zk.provePossession(ent, c, ctx.nonce, proof.as_tuple())
