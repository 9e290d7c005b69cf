"""Issue 20, findings on money: each test reproduces the reviewed attack on the v2 contracts and
shows it now fails (1 billing escape at cancel/expiry, 2 a payee freezing everyone's escrow,
5 future usage, 6 batches of revoked operator keys, 10 no refund on non-delivery)."""
from pathlib import Path

import boa
import pytest

import system
from merkle import Cdr
from settlement_support import PLAN_BYTES, ent_times, event, one_batch
from system import (ACTIVATION_WINDOW, DAY, DISPUTE_WINDOW, MARGIN_BPS, POSTER_MVNO, POSTING_GRACE, PRICE,
                    REFUND_NONE, VALIDITY)
from usage import Ledgers, make_cdrs

HERE = Path(__file__).resolve().parent
GB = 10**9


def owed(world, *who):
    return sum(world.settlement.owed(a) for a in who)


# ---------------------------------------------------------------- finding 1

def test_finding1_cancel_after_post_usage_stays_billable(world, led):
    # review: 5 GB used, the operator posts 0.5 GB, the user cancels right after; v1 closed posting
    # 1 h after the cancel while the 0.5 GB batch was pending for a day, so 4.5 GB were never billed
    tid = world.buy()
    boa.env.time_travel(seconds=DAY)
    one_batch(world, led, tid, sizes=(GB // 2,))
    boa.env.time_travel(seconds=60)
    with boa.env.prank(world.buyer.address):
        world.plans.cancel(tid)
    start, end = ent_times(world, tid)
    assert end == boa.env.timestamp
    boa.env.time_travel(seconds=DISPUTE_WINDOW)
    led.settle(tid)
    assert boa.env.timestamp >= end + 3600   # past v1's posting window: the final batch was refused here
    final = make_cdrs(tid, led[tid].last_seq + 1, [GB * 9 // 10] * 5, start, end)   # 4.5 GB up to the cancel
    led.post(world.mno, tid, final)
    boa.env.time_travel(seconds=DISPUTE_WINDOW)
    led.settle(tid)
    assert boa.env.timestamp >= end + POSTING_GRACE
    led.close(tid)
    assert led[tid].settled_bytes == 5 * GB == PLAN_BYTES
    assert owed(world, world.mno, world.mvno) == PRICE and owed(world, world.buyer.address) == 0


def test_finding1_batch_just_before_expiry_does_not_block_the_final_batch(world, led):
    tid = world.buy()
    start, end = ent_times(world, tid)
    boa.env.time_travel(seconds=end - 3600 - boa.env.timestamp)   # a batch an hour before expiry
    one_batch(world, led, tid, sizes=(GB,))
    boa.env.time_travel(seconds=DISPUTE_WINDOW)
    led.settle(tid)
    led.post(world.mno, tid, make_cdrs(tid, led[tid].last_seq + 1, [GB], end - 3600, end))   # the last hour
    assert boa.env.timestamp < end + POSTING_GRACE
    boa.env.time_travel(seconds=POSTING_GRACE)
    with boa.reverts("close: batch pending"):
        world.settlement.close(tid, led[tid].as_tuple())
    led.settle(tid)
    led.close(tid)
    assert led[tid].settled_bytes == 2 * GB


def test_finding1_posting_window_closes_after_the_grace(world, led):
    tid = world.buy()
    _, end = ent_times(world, tid)
    boa.env.time_travel(seconds=end + POSTING_GRACE - boa.env.timestamp)
    with boa.env.prank(world.mno), boa.reverts("posting: window over"):
        world.settlement.postUsage(tid, led[tid].as_tuple(), b"\x01" * 32, 1, 1, 1, 1)


# ---------------------------------------------------------------- finding 2

@pytest.fixture
def odd_world():
    """The whole system paying in tests/OddToken.vy, which can blacklist an address."""
    return system.deploy_world(token=boa.load(str(HERE / "OddToken.vy"), 0))


def test_finding2_blacklisted_payee_cannot_freeze_escrow(odd_world):
    w = odd_world
    led = Ledgers(w)
    tid = w.buy()
    one_batch(w, led, tid, sizes=(PLAN_BYTES // 2,))
    boa.env.time_travel(seconds=DISPUTE_WINDOW)
    w.token.setBlacklisted(w.mno, True)
    led.settle(tid)   # v1 pushed the MNO's share here and reverted for good ("payout: transfer failed")
    pay = PRICE // 2
    to_mvno = pay * MARGIN_BPS // 10000
    credits = [(e.payee, e.entitlementId, e.amount) for e in led.logs if type(e).__name__ == "Credited"]
    assert credits == [(w.mno, tid, pay - to_mvno), (w.mvno, tid, to_mvno)]
    # the MVNO takes its share although the MNO cannot receive
    with boa.env.prank(w.mvno):
        w.settlement.withdraw(w.mvno)
    ev = w.settlement.get_logs()[-1]
    assert (type(ev).__name__, ev.payee, ev.receiver, ev.amount) == ("Withdrawn", w.mvno, w.mvno, to_mvno)
    assert w.token.balanceOf(w.mvno) == to_mvno and w.settlement.owed(w.mvno) == 0
    # the buyer's refund is not blocked either (v1: close was stuck behind the unsettleable batch)
    boa.env.time_travel(seconds=VALIDITY + POSTING_GRACE)
    led.close(tid)
    b0 = w.token.balanceOf(w.buyer.address)
    with boa.env.prank(w.buyer.address):
        w.settlement.withdraw(w.buyer.address)
    assert w.token.balanceOf(w.buyer.address) - b0 == PRICE - pay
    # the blacklisted MNO keeps its credit and can take it to another address
    with boa.env.prank(w.mno):
        with boa.reverts("blacklisted"):
            w.settlement.withdraw(w.mno)
        assert w.settlement.owed(w.mno) == pay - to_mvno
        w.settlement.withdraw(w.relayer)
    assert w.token.balanceOf(w.relayer) == pay - to_mvno and w.token.balanceOf(w.settlement.address) == 0


def test_finding2_withdraw_reverts(odd_world):
    w = odd_world
    s = w.settlement
    with boa.env.prank(w.mno), boa.reverts("withdraw: nothing owed"):
        s.withdraw(w.mno)
    led = Ledgers(w)
    tid = w.buy()
    one_batch(w, led, tid, sizes=(GB,))
    boa.env.time_travel(seconds=DISPUTE_WINDOW)
    led.settle(tid)
    with boa.env.prank(w.mno):
        with boa.reverts("receiver: zero address"):
            s.withdraw("0x" + "00" * 20)
        w.token.setMode(1)   # a token that returns false
        with boa.reverts("withdraw: transfer failed"):
            s.withdraw(w.mno)
        w.token.setMode(0)
        s.withdraw(w.mno)
        with boa.reverts("withdraw: nothing owed"):   # credited once, withdrawn once
            s.withdraw(w.mno)


# ---------------------------------------------------------------- finding 5

def test_finding5_future_usage_is_a_contradiction(world, led):
    # v1: a CDR ending after the batch was posted (but before expiry) was no contradiction
    tid = world.buy()
    boa.env.time_travel(seconds=DAY)
    start, _ = ent_times(world, tid)
    now = boa.env.timestamp
    cdrs = [Cdr(tid, 1, 1000, start, now, b"\x01" * 32), Cdr(tid, 2, 1000, now, now + 5 * 3600, b"\x02" * 32)]
    pb = led.post(world.mno, tid, cdrs)
    with boa.env.prank(world.buyer.address), boa.reverts("dispute: no contradiction"):
        world.settlement.dispute(tid, led[tid].as_tuple(), cdrs[0].as_tuple(), 0, pb.proof(0))
    led.dispute(tid, cdrs[1], 1, pb.proof(1), world.buyer.address)
    assert event(led, "BatchVoided").reason == 5
    boa.env.time_travel(seconds=DISPUTE_WINDOW)
    with boa.reverts("batch: none pending"):
        world.settlement.settle(tid, led[tid].as_tuple())
    assert owed(world, world.mno, world.mvno) == 0


# ---------------------------------------------------------------- finding 6

def test_finding6_mno_voids_a_batch_posted_by_a_revoked_key(world, led):
    tid = world.buy()
    pb = one_batch(world, led, tid, poster=world.opkey.address)
    with boa.env.prank(world.mno):
        world.registry.revokeOperatorKey(world.opkey.address)
    s = world.settlement
    for who in (world.opkey.address, world.mvno, world.buyer.address, world.relayer):
        with boa.env.prank(who), boa.reverts("void: not the plan's poster"):
            s.voidBatch(tid, led[tid].as_tuple())
    boa.env.time_travel(seconds=DISPUTE_WINDOW)   # v1: the batch settled now, and nobody could stop it
    pending = led[tid]
    led.void(tid, world.mno)
    ev = event(led, "BatchVoided")
    assert (ev.batchId, ev.entitlementId, ev.reason) == (pb.batch_id, tid, 6)
    with boa.reverts("batch: none pending"):
        s.settle(tid, led[tid].as_tuple())
    with boa.env.prank(world.mno):
        with boa.reverts("batch: none pending"):
            s.voidBatch(tid, led[tid].as_tuple())
        with boa.reverts("ledger: stale"):
            s.voidBatch(tid, pending.as_tuple())
    assert owed(world, world.mno, world.mvno) == 0
    one_batch(world, led, tid, sizes=(5,))   # the MNO posts a corrected batch: new sequences and nonce
    assert (led[tid].pending_first_seq, led[tid].nonce) == (4, 2)


def test_finding6_mvno_posted_plans_are_voided_by_the_mvno(world, led):
    pid = world.list_plan(usage_poster=POSTER_MVNO)
    tid = world.buy(plan_id=pid)
    one_batch(world, led, tid, poster=world.mvno)
    with boa.env.prank(world.mno), boa.reverts("void: not the plan's poster"):
        world.settlement.voidBatch(tid, led[tid].as_tuple())
    led.void(tid, world.mvno)


# ---------------------------------------------------------------- finding 10

def test_finding10_undelivered_entitlement_refunds_in_full(world, led):
    # v1: a REFUND_NONE plan paid MNO and MVNO the whole price at close, profile delivered or not
    pid = world.list_plan(refund_rule=REFUND_NONE)
    tid = world.buy(plan_id=pid, deliver=False)
    c = world.plans.entitlement(tid)[0]
    smdp, ptype, deadline, pir = world.plans.deliveryTerms(tid)
    assert (smdp, ptype, deadline, pir) == (world.smdp, system.PROFILE_TYPE, ent_times(world, tid)[0] + ACTIVATION_WINDOW,
                                            b"\x00" * 32)
    assert world.plans.isLive(tid, c)   # the SM-DP+ may still deliver until the deadline
    with boa.env.prank(world.mno), boa.reverts("usage: not delivered"):
        world.settlement.postUsage(tid, led[tid].as_tuple(), b"\x01" * 32, 1, 1, 1, 1)
    with boa.reverts("close: posting window open"):
        world.settlement.close(tid, led[tid].as_tuple())
    boa.env.time_travel(seconds=deadline - boa.env.timestamp)
    assert not world.plans.isLive(tid, c)   # no profile is released after the deadline
    with boa.env.prank(world.smdp), boa.reverts("delivery: deadline passed"):
        world.plans.markDelivered(tid, b"\x07" * 32)
    led.close(tid)   # long before expiry + grace
    ev = event(led, "EntitlementClosed")
    assert (ev.refunded, ev.toMno, ev.toMvno, ev.receiver, ev.delivered) == (PRICE, 0, 0, world.buyer.address, False)
    assert owed(world, world.buyer.address) == PRICE and owed(world, world.mno, world.mvno) == 0


def test_finding10_delivered_refund_none_plan_still_pays_the_operators(world, led):
    pid = world.list_plan(refund_rule=REFUND_NONE)
    tid = world.buy(plan_id=pid)
    boa.env.time_travel(seconds=VALIDITY + POSTING_GRACE)
    led.close(tid)
    ev = event(led, "EntitlementClosed")
    assert (ev.refunded, ev.toMno + ev.toMvno, ev.delivered) == (0, PRICE, True)


def test_finding10_mark_delivered(world):
    p, tid = world.plans, world.buy(deliver=False)
    with boa.env.prank(world.smdp):
        with boa.reverts("entitlement: unknown"):
            p.markDelivered(99, b"\x01" * 32)
        with boa.reverts("install result: zero hash"):
            p.markDelivered(tid, b"\x00" * 32)
    for who in (world.mno, world.mvno, world.buyer.address):
        with boa.env.prank(who), boa.reverts("caller: not the plan's SM-DP+"):
            p.markDelivered(tid, b"\x01" * 32)
    with boa.env.prank(world.gov):
        world.registry.suspend(world.smdp, 1)
    with boa.env.prank(world.smdp), boa.reverts("smdp: not active"):
        p.markDelivered(tid, b"\x01" * 32)
    with boa.env.prank(world.gov):
        world.registry.reinstate(world.smdp)
    with boa.env.prank(world.smdp):
        p.markDelivered(tid, b"\x01" * 32)
        ev = p.get_logs()[-1]
        assert (type(ev).__name__, ev.id, ev.smdp, ev.installResultHash, ev.at) == (
            "Delivered", tid, world.smdp, b"\x01" * 32, boa.env.timestamp)
        assert p.installResultHash(tid) == b"\x01" * 32 == p.deliveryTerms(tid)[3]
        with boa.reverts("entitlement: already delivered"):
            p.markDelivered(tid, b"\x02" * 32)
    t2 = world.buy(deliver=False)
    with boa.env.prank(world.buyer.address):
        p.cancel(t2)
    with boa.env.prank(world.smdp), boa.reverts("entitlement: cancelled"):
        p.markDelivered(t2, b"\x01" * 32)
    assert p.deliveryTerms(99) == ("0x" + "00" * 20, b"\x00" * 32, 0, b"\x00" * 32)
