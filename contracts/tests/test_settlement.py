"""UsageSettlement: posting, settling, disputes, closing and escrow accounting."""
from pathlib import Path

import boa
import pytest
from eth_hash.auto import keccak

import merkle
from merkle import Cdr
from system import (DATA_MB, DISPUTE_WINDOW, MARGIN_BPS, MB, POSTER_MVNO, POSTING_GRACE, PRICE,
                    REFUND_AT_EXPIRY, REFUND_NONE, SRC, VALIDITY)
from usage import make_cdrs, post

ZERO = "0x" + "00" * 20
HERE = Path(__file__).resolve().parent
PLAN_BYTES = DATA_MB * MB


def ent_times(world, tid):
    _, _, start, end, _, _ = world.plans.entitlement(tid)
    return start, end


def one_batch(world, tid, sizes=(1000, 2000, 3000), first_seq=1, nonce=1, poster=None):
    start, end = ent_times(world, tid)
    return post(world, poster or world.mno, tid, make_cdrs(tid, first_seq, list(sizes), start, end), nonce)


def test_constructor_reverts(world):
    args = [world.registry.address, world.plans.address, world.token.address, DISPUTE_WINDOW, 0]
    for i, reason in ((0, "registry: zero address"), (1, "entitlements: zero address"), (2, "token: zero address")):
        bad = list(args)
        bad[i] = ZERO
        with boa.reverts(reason):
            boa.load(str(SRC / "UsageSettlement.vy"), *bad)
    with boa.reverts("dispute window: zero"):
        boa.load(str(SRC / "UsageSettlement.vy"), *args[:3], 0, 0)


def test_post_records_batch_and_event(world):
    tid = world.buy()
    pb = one_batch(world, tid)
    ev = world.settlement.get_logs()[-1]
    assert pb.batch_id == keccak(bytes(12) + bytes.fromhex(world.mno[2:]) + (1).to_bytes(32, "big"))
    assert pb.batch_id == world.settlement.batchId(world.mno, 1)
    assert (type(ev).__name__, ev.batchId, ev.entitlementId, ev.poster, ev.nonce, ev.root, ev.totalBytes,
            ev.firstSeq, ev.lastSeq, ev.postedAt) == ("BatchPosted", pb.batch_id, tid, world.mno, 1, pb.batch[1],
                                                      6000, 1, 3, pb.batch[5])
    assert world.settlement.usage(tid) == (0, 6000, 1, 3, False)
    assert world.settlement.lastNonce(world.mno) == 1


def test_post_reverts(world):
    tid = world.buy()
    s = world.settlement
    with boa.env.prank(world.mno):
        s.postUsage(tid, b"\x01" * 32, 10, 1, 1, 5)
        for args, reason in (
            ((tid, b"\x01" * 32, 10, 2, 2, 5), "nonce: not increasing"),
            ((tid, b"\x00" * 32, 10, 2, 2, 6), "root: zero"),
            ((tid, b"\x01" * 32, 0, 2, 2, 6), "usage: zero bytes"),
            ((tid, b"\x01" * 32, 10, 3, 2, 6), "sequence: empty range"),
            ((tid, b"\x01" * 32, 10, 2, 2 + 2**32, 6), "sequence: range too large"),
            ((tid, b"\x01" * 32, 10, 1, 1, 6), "sequence: not after last posted"),
            ((99, b"\x01" * 32, 10, 2, 2, 6), "entitlement: unknown"),
            ((tid, b"\x01" * 32, PLAN_BYTES - 9, 2, 2, 6), "usage: exceeds plan"),
        ):
            with boa.reverts(reason):
                s.postUsage(*args)
        s.postUsage(tid, b"\x01" * 32, PLAN_BYTES - 10, 2, 2, 6)  # exactly fills the plan
    with boa.env.prank(world.buyer.address), boa.reverts("poster: not authorized"):
        s.postUsage(tid, b"\x01" * 32, 1, 3, 3, 1)
    with boa.env.prank(world.mvno), boa.reverts("poster: not authorized"):
        s.postUsage(tid, b"\x01" * 32, 1, 3, 3, 1)


def test_posting_window_and_closed(world):
    tid = world.buy()
    boa.env.time_travel(seconds=VALIDITY + POSTING_GRACE - 1)
    with boa.env.prank(world.mno):
        world.settlement.postUsage(tid, b"\x01" * 32, 10, 1, 1, 1)
    boa.env.time_travel(seconds=1)
    with boa.env.prank(world.mno), boa.reverts("posting: window over"):
        world.settlement.postUsage(tid, b"\x01" * 32, 10, 2, 2, 2)
    boa.env.time_travel(seconds=DISPUTE_WINDOW)
    world.settlement.settle(world.settlement.batchId(world.mno, 1), (tid, b"\x01" * 32, 10, 1, 1, boa.env.timestamp - DISPUTE_WINDOW - 1))
    world.settlement.close(tid)
    with boa.env.prank(world.mno), boa.reverts("entitlement: closed"):
        world.settlement.postUsage(tid, b"\x01" * 32, 10, 2, 2, 2)


def test_poster_roles(world):
    tid = world.buy()
    # MNO operator keys may post; a revoked key or a suspended MNO may not
    one_batch(world, tid, poster=world.opkey.address)
    with boa.env.prank(world.mno):
        world.registry.revokeOperatorKey(world.opkey.address)
    with boa.env.prank(world.opkey.address), boa.reverts("poster: not authorized"):
        world.settlement.postUsage(tid, b"\x01" * 32, 1, 10, 10, 2)
    with boa.env.prank(world.gov):
        world.registry.suspend(world.mno, 1)
    with boa.env.prank(world.mno), boa.reverts("poster: not authorized"):
        world.settlement.postUsage(tid, b"\x01" * 32, 1, 10, 10, 1)
    # MVNO-posted plan: only the plan's active MVNO
    with boa.env.prank(world.gov):
        world.registry.reinstate(world.mno)
    pid = world.list_plan(usage_poster=POSTER_MVNO)
    t2 = world.buy(plan_id=pid)
    with boa.env.prank(world.mno), boa.reverts("poster: not authorized"):
        world.settlement.postUsage(t2, b"\x01" * 32, 1, 1, 1, 1)
    with boa.env.prank(world.mvno):
        world.settlement.postUsage(t2, b"\x01" * 32, 1, 1, 1, 1)
    with boa.env.prank(world.gov):
        world.registry.suspend(world.mvno, 1)
    with boa.env.prank(world.mvno), boa.reverts("poster: not authorized"):
        world.settlement.postUsage(t2, b"\x01" * 32, 1, 2, 2, 2)


def test_settle_pays_exact_shares(world):
    tid = world.buy()
    pb = one_batch(world, tid, sizes=(1_234_567, 7))
    s = world.settlement
    with boa.reverts("batch: dispute window open"):
        s.settle(pb.batch_id, pb.batch)
    boa.env.time_travel(seconds=DISPUTE_WINDOW - 1)
    with boa.reverts("batch: dispute window open"):
        s.settle(pb.batch_id, pb.batch)
    boa.env.time_travel(seconds=1)
    m0, v0 = world.token.balanceOf(world.mno), world.token.balanceOf(world.mvno)
    with boa.env.prank(world.relayer):  # anyone may settle
        s.settle(pb.batch_id, pb.batch)
    pay = PRICE * 1_234_574 // PLAN_BYTES
    to_mvno = pay * MARGIN_BPS // 10000
    assert world.token.balanceOf(world.mvno) - v0 == to_mvno
    assert world.token.balanceOf(world.mno) - m0 == pay - to_mvno
    assert s.usage(tid) == (1_234_574, 0, 0, 2, False)
    assert s.escrowOf(tid) == PRICE - pay
    assert s.batchState(pb.batch_id) == (1).to_bytes(32, "big")
    with boa.reverts("batch: already final"):
        s.settle(pb.batch_id, pb.batch)


def test_settle_and_dispute_check_batch_data(world):
    tid = world.buy()
    pb = one_batch(world, tid)
    bad = list(pb.batch)
    bad[2] += 1
    boa.env.time_travel(seconds=DISPUTE_WINDOW)
    with boa.reverts("batch: unknown"):
        world.settlement.settle(b"\x07" * 32, pb.batch)
    with boa.reverts("batch: data mismatch"):
        world.settlement.settle(pb.batch_id, tuple(bad))
    with boa.env.prank(world.buyer.address):
        with boa.reverts("batch: unknown"):
            world.settlement.dispute(b"\x07" * 32, pb.batch, pb.cdrs[0].as_tuple(), 0, pb.proof(0))
        with boa.reverts("batch: data mismatch"):
            world.settlement.dispute(pb.batch_id, tuple(bad), pb.cdrs[0].as_tuple(), 0, pb.proof(0))


def test_cumulative_rounding_never_overpays(world):
    pid = world.list_plan(price=7, data_mb=3)   # 7 units for 3e6 bytes: every batch rounds
    tid = world.buy(plan_id=pid)
    start, end = ent_times(world, tid)
    paid = 0
    for k in range(3):
        pb = post(world, world.mno, tid, make_cdrs(tid, k + 1, [1_000_000], start, end), k + 1)
        boa.env.time_travel(seconds=DISPUTE_WINDOW)
        before = world.token.balanceOf(world.mno) + world.token.balanceOf(world.mvno)
        world.settlement.settle(pb.batch_id, pb.batch)
        paid += world.token.balanceOf(world.mno) + world.token.balanceOf(world.mvno) - before
        assert paid == 7 * (k + 1) * 1_000_000 // 3_000_000
    assert paid == 7 and world.settlement.escrowOf(tid) == 0


def _dispute(world, pb, i, cdr=None, proof=None, sender=None):
    with boa.env.prank(sender or world.buyer.address):
        world.settlement.dispute(pb.batch_id, pb.batch, (cdr or pb.cdrs[i]).as_tuple(), i,
                                 pb.proof(i) if proof is None else proof)


def test_dispute_reverts(world):
    tid = world.buy()
    pb = one_batch(world, tid)
    with boa.reverts("dispute: not entitlement owner"):
        _dispute(world, pb, 0, sender=world.other.address)
    with boa.reverts("proof: index out of range"):
        _dispute(world, pb, 3, cdr=pb.cdrs[0], proof=[])
    with boa.reverts("proof: invalid"):
        _dispute(world, pb, 1, proof=pb.proof(0))
    with boa.reverts("proof: invalid"):
        _dispute(world, pb, 0, proof=pb.proof(0) + [b"\x00" * 32])
    with boa.reverts("dispute: no contradiction"):
        _dispute(world, pb, 2)
    boa.env.time_travel(seconds=DISPUTE_WINDOW)
    with boa.reverts("dispute: window closed"):
        _dispute(world, pb, 0)
    world.settlement.settle(pb.batch_id, pb.batch)
    with boa.reverts("batch: already final"):
        _dispute(world, pb, 0)


def _bad_batch(world, tid, mutate, nonce=1, first_seq=1):
    start, end = ent_times(world, tid)
    cdrs = make_cdrs(tid, first_seq, [1000, 2000, 3000, 4000, 5000], start, end)
    cdrs[3] = mutate(cdrs[3], start, end)
    return post(world, world.mno, tid, cdrs, nonce, total=15000, first_seq=first_seq, last_seq=first_seq + 4)


@pytest.mark.parametrize("mutate,reason", [
    (lambda c, s, e: Cdr(c.entitlement_id + 1, c.sequence, c.bytes, c.period_start, c.period_end, c.cdr_hash), 1),
    (lambda c, s, e: Cdr(c.entitlement_id, c.sequence - 1, c.bytes, c.period_start, c.period_end, c.cdr_hash), 2),
    (lambda c, s, e: Cdr(c.entitlement_id, c.sequence, c.bytes, c.period_end, c.period_start, c.cdr_hash), 3),
    (lambda c, s, e: Cdr(c.entitlement_id, c.sequence, c.bytes, s - 1, c.period_end, c.cdr_hash), 3),
    (lambda c, s, e: Cdr(c.entitlement_id, c.sequence, c.bytes, c.period_start, e + 1, c.cdr_hash), 3),
    (lambda c, s, e: Cdr(c.entitlement_id, c.sequence, 15001, c.period_start, c.period_end, c.cdr_hash), 4),
])
def test_dispute_voids_contradicted_batch(world, mutate, reason):
    tid = world.buy()
    pb = _bad_batch(world, tid, mutate)
    esc = world.token.balanceOf(world.settlement.address)
    _dispute(world, pb, 3)
    ev = world.settlement.get_logs()[-1]
    assert (type(ev).__name__, ev.batchId, ev.reason, ev.leafIndex) == ("BatchVoided", pb.batch_id, reason, 3)
    assert world.settlement.batchState(pb.batch_id) == (2).to_bytes(32, "big")
    assert world.settlement.usage(tid) == (0, 0, 0, 5, False)   # bytes freed, sequences stay used
    boa.env.time_travel(seconds=DISPUTE_WINDOW)
    with boa.reverts("batch: already final"):
        world.settlement.settle(pb.batch_id, pb.batch)
    assert world.token.balanceOf(world.settlement.address) == esc
    # the poster can post a corrected batch with fresh sequences
    one_batch(world, tid, first_seq=6, nonce=2)


def test_new_owner_disputes_after_transfer(world):
    tid = world.buy()
    with boa.env.prank(world.buyer.address):
        world.plans.safeTransferFrom(world.buyer.address, world.other.address, tid, 1, b"")
    pb = _bad_batch(world, tid, lambda c, s, e: Cdr(c.entitlement_id + 1, *c.as_tuple()[1:]))
    with boa.reverts("dispute: not entitlement owner"):
        _dispute(world, pb, 3)
    _dispute(world, pb, 3, sender=world.other.address)


def test_close_refunds_unused_to_owner(world):
    tid = world.buy()
    pb = one_batch(world, tid, sizes=(PLAN_BYTES // 4,))
    s = world.settlement
    with boa.reverts("entitlement: unknown"):
        s.close(99)
    with boa.reverts("close: posting window open"):
        s.close(tid)
    boa.env.time_travel(seconds=VALIDITY + POSTING_GRACE)
    with boa.reverts("close: batches pending"):
        s.close(tid)
    s.settle(pb.batch_id, pb.batch)
    with boa.env.prank(world.buyer.address):   # the owner at close time gets the refund
        world.plans.safeTransferFrom(world.buyer.address, world.other.address, tid, 1, b"")
    o0 = world.token.balanceOf(world.other.address)
    s.close(tid)
    (ev,) = [e for e in s.get_logs() if type(e).__name__ == "EntitlementClosed"]
    assert (ev.refunded, ev.toMno, ev.toMvno, ev.receiver) == (PRICE - PRICE // 4, 0, 0, world.other.address)
    assert world.token.balanceOf(world.other.address) - o0 == PRICE - PRICE // 4
    assert s.usage(tid)[4] is True and s.escrowOf(tid) == 0
    with boa.reverts("entitlement: closed"):
        s.close(tid)


def test_close_after_cancel_refunds_early(world):
    tid = world.buy()
    boa.env.time_travel(seconds=3600)
    with boa.env.prank(world.buyer.address):
        world.plans.cancel(tid)
    start, end = ent_times(world, tid)
    late = [Cdr(tid, 1, 10, end - 10, end + 1, b"\x01" * 32)]
    pb = post(world, world.mno, tid, late, 1)
    _dispute(world, pb, 0)   # usage after cancellation is a contradiction
    boa.env.time_travel(seconds=POSTING_GRACE)
    b0 = world.token.balanceOf(world.buyer.address)
    world.settlement.close(tid)
    assert world.token.balanceOf(world.buyer.address) - b0 == PRICE


def test_close_refund_none_releases_to_operators(world):
    pid = world.list_plan(refund_rule=REFUND_NONE)
    tid = world.buy(plan_id=pid)
    boa.env.time_travel(seconds=VALIDITY + POSTING_GRACE)
    m0, v0, b0 = (world.token.balanceOf(a) for a in (world.mno, world.mvno, world.buyer.address))
    world.settlement.close(tid)
    to_mvno = PRICE * MARGIN_BPS // 10000
    assert world.token.balanceOf(world.mvno) - v0 == to_mvno
    assert world.token.balanceOf(world.mno) - m0 == PRICE - to_mvno
    assert world.token.balanceOf(world.buyer.address) == b0


def test_close_refund_at_expiry_plan(world):
    pid = world.list_plan(refund_rule=REFUND_AT_EXPIRY)
    tid = world.buy(plan_id=pid)
    boa.env.time_travel(seconds=VALIDITY + POSTING_GRACE)
    b0 = world.token.balanceOf(world.buyer.address)
    world.settlement.close(tid)
    assert world.token.balanceOf(world.buyer.address) - b0 == PRICE


def test_payout_transfer_failure_reverts(world):
    odd = boa.load(str(HERE / "OddToken.vy"), 0)
    with boa.env.prank(world.gov):
        plans = boa.load(str(SRC / "PlanEntitlements.vy"), world.registry.address, odd.address, "u")
        s = boa.load(str(SRC / "UsageSettlement.vy"), world.registry.address, plans.address, odd.address, DISPUTE_WINDOW, 0)
        plans.setSettlement(s.address)
    with boa.env.prank(world.mvno):
        pid = plans.listPlan(world.mno, 1, 1, 100, 0, 5, False, 1, 0)
    odd.mint(world.buyer.address, 1000)
    with boa.env.prank(world.buyer.address):
        tid = plans.buy(pid, keccak(b"x"))
    with boa.env.prank(world.mno):
        bid = s.postUsage(tid, b"\x01" * 32, 1_000_000, 1, 1, 1)
    batch = (tid, b"\x01" * 32, 1_000_000, 1, 1, boa.env.timestamp)
    boa.env.time_travel(seconds=DISPUTE_WINDOW)
    odd.setMode(1)
    with boa.reverts("payout: transfer failed"):
        s.settle(bid, batch)


def test_verify_cdr_view(world):
    cdrs = make_cdrs(1, 1, [5, 6, 7], 0, 100)
    levels = merkle.build_levels([c.leaf() for c in cdrs])
    root = levels[-1][0]
    s = world.settlement
    assert s.cdrLeaf(cdrs[0].as_tuple()) == cdrs[0].leaf()
    assert all(s.verifyCdr(root, c.as_tuple(), i, 3, merkle.proof(levels, i)) for i, c in enumerate(cdrs))
    assert not s.verifyCdr(root, cdrs[0].as_tuple(), 0, 0, [])
    assert not s.verifyCdr(root, cdrs[0].as_tuple(), 3, 3, merkle.proof(levels, 0))
    assert not s.verifyCdr(root, cdrs[0].as_tuple(), 1, 3, merkle.proof(levels, 0))
    assert not s.verifyCdr(root, cdrs[1].as_tuple(), 0, 3, merkle.proof(levels, 0))
