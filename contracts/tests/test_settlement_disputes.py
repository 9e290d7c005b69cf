"""UsageSettlement: stale ledgers and replays on every ledger function, and disputes (proofs,
contradiction codes, who may dispute). Shared helpers in settlement_support.py."""
import boa
import pytest

from ledger import EMPTY, LEDGER_FIELDS, Ledger
from merkle import Cdr
from settlement_support import PLAN_BYTES, ent_times, event, names, one_batch
from system import DISPUTE_WINDOW, POSTING_GRACE, PRICE, VALIDITY
from usage import make_cdrs

ROOT = b"\x01" * 32


# ---------------------------------------------------------------- stale ledgers and replays

def test_stale_ledger_reverts_on_every_function(world, led):
    s = world.settlement
    t1, t2 = world.buy(), world.buy()
    pb = one_batch(world, led, t1)
    cur = led[t1]
    cdr = (pb.cdrs[0].as_tuple(), 0, pb.proof(0))
    # an out-of-date ledger (the empty one t1 had), another entitlement's ledger, and the current
    # ledger with any one field changed are all refused, by every function that takes a ledger
    wrong = [(t1, EMPTY), (t2, cur)] + [
        (t1, Ledger.from_tuple([(not v) if isinstance(v, bool) else (b"\x02" * 32 if isinstance(v, bytes) else v + 1)
                                if j == i else v for j, v in enumerate(cur.as_tuple())]))
        for i in range(len(LEDGER_FIELDS))]
    boa.env.time_travel(seconds=VALIDITY + POSTING_GRACE)   # past every window: only the ledger is wrong
    for tid, bad in wrong:
        b = bad.as_tuple()
        with boa.env.prank(world.mno), boa.reverts("ledger: stale"):
            s.postUsage(tid, b, ROOT, 1, 100, 100, 100)
        with boa.reverts("ledger: stale"):
            s.settle(tid, b)
        with boa.env.prank(world.buyer.address), boa.reverts("ledger: stale"):
            s.dispute(tid, b, *cdr)
        with boa.reverts("ledger: stale"):
            s.close(tid, b)
        with boa.reverts("ledger: stale"):
            s.escrowOf(tid, b)
    assert (s.ledgerHash(t1), s.ledgerHash(t2)) == (cur.hash(), EMPTY.hash())
    led.settle(t1)   # the current ledger still works


def test_replayed_calls_revert(world, led):
    s = world.settlement
    tid = world.buy()
    start, end = ent_times(world, tid)
    pb = one_batch(world, led, tid)
    post_args = (tid, EMPTY.as_tuple(), pb.root, pb.total, pb.first_seq, pb.last_seq, pb.nonce)
    with boa.env.prank(world.mno), boa.reverts("ledger: stale"):   # the same post call again
        s.postUsage(*post_args)
    with boa.env.prank(world.mno), boa.reverts("usage: batch pending"):   # again, with the new ledger
        s.postUsage(tid, led[tid].as_tuple(), *post_args[2:])
    boa.env.time_travel(seconds=DISPUTE_WINDOW)
    pending = led[tid]
    led.settle(tid)
    bal = world.token.balanceOf(s.address)
    with boa.reverts("ledger: stale"):   # the same settle call again: the batch settles once
        s.settle(tid, pending.as_tuple())
    with boa.reverts("batch: none pending"):
        s.settle(tid, led[tid].as_tuple())
    assert world.token.balanceOf(s.address) == bal
    with boa.env.prank(world.mno), boa.reverts("nonce: not increasing"):   # the same batch after it settled
        s.postUsage(tid, led[tid].as_tuple(), *post_args[2:])
    with boa.env.prank(world.mno), boa.reverts("sequence: not after last posted"):
        s.postUsage(tid, led[tid].as_tuple(), *post_args[2:6], pb.nonce + 1)
    # a contradicted batch: the same dispute twice
    cdrs = make_cdrs(tid, 4, [10, 20], start, end)
    cdrs[1] = Cdr(tid + 1, *cdrs[1].as_tuple()[1:])
    bad = led.post(world.mno, tid, cdrs)
    pending = led[tid]
    led.dispute(tid, cdrs[1], 1, bad.proof(1), world.buyer.address)
    with boa.env.prank(world.buyer.address):
        with boa.reverts("ledger: stale"):
            s.dispute(tid, pending.as_tuple(), cdrs[1].as_tuple(), 1, bad.proof(1))
        with boa.reverts("batch: none pending"):
            s.dispute(tid, led[tid].as_tuple(), cdrs[1].as_tuple(), 1, bad.proof(1))
    # close twice
    boa.env.time_travel(seconds=VALIDITY + POSTING_GRACE)
    before_close = led[tid]
    led.close(tid)
    with boa.reverts("ledger: stale"):
        s.close(tid, before_close.as_tuple())
    with boa.reverts("entitlement: closed"):
        s.close(tid, led[tid].as_tuple())


# ---------------------------------------------------------------- disputes

def _dispute(world, led, pb, i, cdr=None, proof=None, sender=None):
    with boa.env.prank(sender or world.buyer.address):
        world.settlement.dispute(pb.ent_id, led[pb.ent_id].as_tuple(), (cdr or pb.cdrs[i]).as_tuple(), i,
                                 pb.proof(i) if proof is None else proof)


def test_dispute_reverts(world, led):
    tid = world.buy()
    pb = one_batch(world, led, tid)
    for who in (world.other.address, world.mno, world.relayer):
        with boa.reverts("dispute: not entitlement owner"):
            _dispute(world, led, pb, 0, sender=who)
    with boa.reverts("proof: index out of range"):
        _dispute(world, led, pb, 3, cdr=pb.cdrs[0], proof=[])
    with boa.reverts("proof: invalid"):
        _dispute(world, led, pb, 1, proof=pb.proof(0))
    with boa.reverts("proof: invalid"):
        _dispute(world, led, pb, 0, proof=pb.proof(0) + [b"\x00" * 32])
    with boa.reverts("dispute: no contradiction"):
        _dispute(world, led, pb, 2)
    boa.env.time_travel(seconds=DISPUTE_WINDOW)
    with boa.reverts("dispute: window closed"):
        _dispute(world, led, pb, 0)
    assert world.settlement.ledgerHash(tid) == led[tid].hash()
    led.settle(tid)
    with boa.reverts("batch: none pending"):
        _dispute(world, led, pb, 0)


def _bad_batch(world, led, tid, mutate, first_seq=1):
    boa.env.time_travel(seconds=3600)   # an hour of usage: CDR periods of non-zero length, all before posting
    start, end = ent_times(world, tid)
    cdrs = make_cdrs(tid, first_seq, [1000, 2000, 3000, 4000, 5000], start, boa.env.timestamp)
    cdrs[3] = mutate(cdrs[3], start, end)
    return led.post(world.mno, tid, cdrs, total=15000, first_seq=first_seq, last_seq=first_seq + 4)


@pytest.mark.parametrize("mutate,reason", [
    (lambda c, s, e: Cdr(c.entitlement_id + 1, c.sequence, c.bytes, c.period_start, c.period_end, c.cdr_hash), 1),
    (lambda c, s, e: Cdr(c.entitlement_id, c.sequence - 1, c.bytes, c.period_start, c.period_end, c.cdr_hash), 2),
    (lambda c, s, e: Cdr(c.entitlement_id, c.sequence, c.bytes, c.period_end, c.period_start, c.cdr_hash), 3),
    (lambda c, s, e: Cdr(c.entitlement_id, c.sequence, c.bytes, s - 1, c.period_end, c.cdr_hash), 3),
    (lambda c, s, e: Cdr(c.entitlement_id, c.sequence, c.bytes, c.period_start, e + 1, c.cdr_hash), 3),
    (lambda c, s, e: Cdr(c.entitlement_id, c.sequence, 15001, c.period_start, c.period_end, c.cdr_hash), 4),
    # finding 5: usage ending after the batch was posted (inside the entitlement's period)
    (lambda c, s, e: Cdr(c.entitlement_id, c.sequence, c.bytes, c.period_start, boa.env.timestamp + 1, c.cdr_hash), 5),
])
def test_dispute_voids_contradicted_batch(world, led, mutate, reason):
    tid = world.buy()
    pb = _bad_batch(world, led, tid, mutate)
    s = world.settlement
    esc = world.token.balanceOf(s.address)
    led.dispute(tid, pb.cdrs[3], 3, pb.proof(3), world.buyer.address)
    assert names(led) == ["LedgerUpdated", "BatchVoided"]
    ev = event(led, "BatchVoided")
    assert (ev.batchId, ev.entitlementId, ev.reason, ev.leafIndex) == (pb.batch_id, tid, reason, 3)
    # bytes freed, the pending batch gone; its nonce and its sequences stay used
    assert led[tid] == Ledger(settled_bytes=0, last_seq=5, nonce=1)
    boa.env.time_travel(seconds=DISPUTE_WINDOW)
    with boa.reverts("batch: none pending"):
        s.settle(tid, led[tid].as_tuple())
    assert world.token.balanceOf(s.address) == esc and led.escrow(tid) == PRICE
    # the poster can post a corrected batch after the void: a fresh nonce and fresh sequences
    # (the voided batch's bytes no longer count: the whole plan fits)
    voided = led[tid].as_tuple()
    with boa.env.prank(world.mno):
        with boa.reverts("nonce: not increasing"):
            s.postUsage(tid, voided, ROOT, PLAN_BYTES, 6, 6, 1)
        with boa.reverts("sequence: not after last posted"):
            s.postUsage(tid, voided, ROOT, PLAN_BYTES, 5, 6, 2)
    again = one_batch(world, led, tid, sizes=(PLAN_BYTES,), nonce=2)
    assert (again.first_seq, again.batch_id) == (6, s.batchId(tid, 2))


def test_new_owner_disputes_after_transfer(world, led):
    tid = world.buy()
    with boa.env.prank(world.buyer.address):
        world.plans.safeTransferFrom(world.buyer.address, world.other.address, tid, 1, b"")
    pb = _bad_batch(world, led, tid, lambda c, s, e: Cdr(c.entitlement_id + 1, *c.as_tuple()[1:]))
    with boa.reverts("dispute: not entitlement owner"):
        _dispute(world, led, pb, 3)
    led.dispute(tid, pb.cdrs[3], 3, pb.proof(3), world.other.address)
