"""UsageSettlement: posting, settling, disputes, closing, escrow accounting and the per-entitlement
ledger (its hash on chain, its value in calldata, LedgerUpdated on every change).

Every change below goes through usage.Ledgers, which asserts that the call logged exactly one
LedgerUpdated equal to ledger.py's predicted transition and that its hash is ledgerHash(id)."""
import json
from pathlib import Path

import boa
from eth_abi import encode
from eth_hash.auto import keccak

import ledger as L
import merkle
from ledger import EMPTY, LEDGER_FIELDS, LEDGER_T, Ledger
from merkle import Cdr
from settlement_support import PLAN_BYTES, ent_times, event, names, one_batch
from system import (DISPUTE_WINDOW, MARGIN_BPS, MB, POSTER_MVNO, POSTING_GRACE, PRICE,
                    REFUND_AT_EXPIRY, REFUND_NONE, SRC, VALIDITY)
from usage import make_cdrs

ZERO = "0x" + "00" * 20
ROOT = b"\x01" * 32
HERE = Path(__file__).resolve().parent


# ---------------------------------------------------------------- constructor, views, ledger hashing

def test_constructor_reverts(world):
    args = [world.registry.address, world.plans.address, world.token.address, DISPUTE_WINDOW, POSTING_GRACE]
    for i, reason in ((0, "registry: zero address"), (1, "entitlements: zero address"), (2, "token: zero address")):
        bad = list(args)
        bad[i] = ZERO
        with boa.reverts(reason):
            boa.load(str(SRC / "UsageSettlement.vy"), *bad)
    with boa.reverts("dispute window: zero"):
        boa.load(str(SRC / "UsageSettlement.vy"), *args[:3], 0, POSTING_GRACE)
    # finding 1: the grace must leave time to settle a pending batch and post the final one
    with boa.reverts("posting grace: must outlast the dispute window"):
        boa.load(str(SRC / "UsageSettlement.vy"), *args[:3], DISPUTE_WINDOW, DISPUTE_WINDOW + 3599)
    boa.load(str(SRC / "UsageSettlement.vy"), *args[:3], DISPUTE_WINDOW, DISPUTE_WINDOW + 3600)


def test_immutables_and_empty_ledger_hash(world):
    s = world.settlement
    assert (s.REGISTRY(), s.ENTITLEMENTS(), s.TOKEN(), s.DISPUTE_WINDOW(), s.POSTING_GRACE()) == (
        world.registry.address, world.plans.address, world.token.address, DISPUTE_WINDOW, POSTING_GRACE)
    # the empty ledger is eight zero words
    assert s.EMPTY_LEDGER_HASH() == s.hashLedger(EMPTY.as_tuple()) == EMPTY.hash() == keccak(bytes(8 * 32))
    # an entitlement never changed (bought or not) reports the empty ledger's hash
    tid = world.buy()
    assert s.ledgerHash(tid) == s.ledgerHash(99) == s.EMPTY_LEDGER_HASH()


def test_hash_ledger_is_keccak_of_abi_encode_and_covers_every_field(world):
    s = world.settlement
    full = Ledger(2**64 - 1, 17, 2**64 - 2, True, b"\xab" * 32, 5, 3, 1_700_000_000)
    assert s.hashLedger(full.as_tuple()) == keccak(encode([LEDGER_T], [full.as_tuple()])) == full.hash()
    seen = {full.hash()}
    for i, name in enumerate(LEDGER_FIELDS):
        t = list(full.as_tuple())
        t[i] = (not t[i]) if isinstance(t[i], bool) else (b"\xac" * 32 if isinstance(t[i], bytes) else t[i] - 1)
        h = s.hashLedger(tuple(t))
        assert h == Ledger.from_tuple(t).hash(), name
        seen.add(h)
    assert len(seen) == 1 + len(LEDGER_FIELDS)   # changing any one field changes the hash


def test_batch_id_is_keccak_of_entitlement_and_nonce(world):
    s = world.settlement
    for ent, nonce in ((1, 1), (7, 2**64 - 1), (2**256 - 1, 0)):
        want = keccak(encode(["uint256", "uint64"], [ent, nonce]))
        assert s.batchId(ent, nonce) == want == L.batch_id(ent, nonce)
    assert len({s.batchId(1, 1), s.batchId(1, 2), s.batchId(2, 1)}) == 3


def test_ledger_py_matches_the_compiled_abi():
    abi = json.loads((HERE.parent / "build" / "UsageSettlement.json").read_text())["abi"]
    (ev,) = [e for e in abi if e["type"] == "event" and e["name"] == "LedgerUpdated"]
    (struct,) = [i for i in ev["inputs"] if i["name"] == "ledger"]
    assert tuple(c["name"] for c in struct["components"]) == LEDGER_FIELDS
    assert "(" + ",".join(c["type"] for c in struct["components"]) + ")" == LEDGER_T
    assert L.LEDGER_UPDATED_TOPIC == keccak(f"LedgerUpdated(uint256,{LEDGER_T})".encode())
    # from_log decodes a LedgerUpdated log and ignores any other
    x = Ledger(1, 2, 3, False, b"\x04" * 32, 5, 6, 7)
    assert L.from_log([L.LEDGER_UPDATED_TOPIC, (9).to_bytes(32, "big")], encode([LEDGER_T], [x.as_tuple()])) == (9, x)
    assert L.from_log([keccak(b"Other()")], b"") is None


# ---------------------------------------------------------------- posting

def test_post_logs_the_new_ledger_and_the_batch(world, led):
    tid = world.buy()
    pb = one_batch(world, led, tid)
    s = world.settlement
    assert names(led) == ["LedgerUpdated", "BatchPosted"]
    up = event(led, "LedgerUpdated")
    want = Ledger(settled_bytes=0, last_seq=3, nonce=1, closed=False, pending_root=pb.root, pending_bytes=6000,
                  pending_first_seq=1, pending_posted_at=boa.env.timestamp)
    assert up.entitlementId == tid and Ledger.from_tuple(tuple(up.ledger)) == want == led[tid]
    assert s.ledgerHash(tid) == want.hash() != s.EMPTY_LEDGER_HASH()
    assert pb.batch_id == keccak(encode(["uint256", "uint64"], [tid, 1])) == s.batchId(tid, 1)
    ev = event(led, "BatchPosted")
    assert (ev.batchId, ev.entitlementId, ev.poster, ev.nonce, ev.root, ev.totalBytes, ev.firstSeq, ev.lastSeq,
            ev.postedAt) == (pb.batch_id, tid, world.mno, 1, pb.root, 6000, 1, 3, boa.env.timestamp)
    assert led.escrow(tid) == PRICE   # pending bytes are not paid yet


def test_post_reverts(world, led):
    tid = world.buy()
    s = world.settlement
    with boa.env.prank(world.mno), boa.reverts("sequence: not after last posted"):
        s.postUsage(tid, EMPTY.as_tuple(), ROOT, 10, 0, 0, 1)   # sequences start at 1
    one_batch(world, led, tid, sizes=(10,), nonce=5)
    with boa.env.prank(world.mno), boa.reverts("usage: batch pending"):
        s.postUsage(tid, led[tid].as_tuple(), ROOT, 10, 2, 2, 6)
    boa.env.time_travel(seconds=DISPUTE_WINDOW)
    led.settle(tid)
    idle = led[tid].as_tuple()
    assert led[tid] == Ledger(settled_bytes=10, last_seq=1, nonce=5)
    with boa.env.prank(world.mno):
        for args, reason in (
            ((tid, idle, ROOT, 10, 2, 2, 5), "nonce: not increasing"),
            ((tid, idle, ROOT, 10, 2, 2, 4), "nonce: not increasing"),
            ((tid, idle, b"\x00" * 32, 10, 2, 2, 6), "root: zero"),
            ((tid, idle, ROOT, 0, 2, 2, 6), "usage: zero bytes"),
            ((tid, idle, ROOT, 10, 3, 2, 6), "sequence: empty range"),
            ((tid, idle, ROOT, 10, 2, 2 + 2**32, 6), "sequence: range too large"),
            ((tid, idle, ROOT, 10, 1, 1, 6), "sequence: not after last posted"),
            ((tid, idle, ROOT, 10, 1, 3, 6), "sequence: not after last posted"),
            ((99, EMPTY.as_tuple(), ROOT, 10, 1, 1, 1), "entitlement: unknown"),
            ((world.buy(deliver=False), EMPTY.as_tuple(), ROOT, 10, 1, 1, 1), "usage: not delivered"),
            ((tid, idle, ROOT, PLAN_BYTES - 9, 2, 2, 6), "usage: exceeds plan"),
        ):
            with boa.reverts(reason):
                s.postUsage(*args)
    assert s.ledgerHash(tid) == led[tid].hash()   # no refused post changed anything
    # 2**32 leaves is the most a batch may cover; the remaining plan bytes exactly fill the plan
    led.post(world.mno, tid, [], nonce=6, total=PLAN_BYTES - 10, first_seq=2, last_seq=1 + 2**32, root=ROOT)
    boa.env.time_travel(seconds=DISPUTE_WINDOW)
    led.settle(tid)
    assert led[tid].settled_bytes == PLAN_BYTES
    with boa.env.prank(world.mno), boa.reverts("usage: exceeds plan"):   # settled bytes count against the plan
        s.postUsage(tid, led[tid].as_tuple(), ROOT, 1, 2 + 2**32, 2 + 2**32, 7)


def test_nonces_are_per_entitlement_and_may_skip(world, led):
    t1, t2 = world.buy(), world.buy()
    a = one_batch(world, led, t1, nonce=1)
    b = one_batch(world, led, t2, nonce=1)   # the same nonce on another entitlement: another batch id
    assert a.batch_id != b.batch_id and (a.batch_id, b.batch_id) == (L.batch_id(t1, 1), L.batch_id(t2, 1))
    boa.env.time_travel(seconds=DISPUTE_WINDOW)
    led.settle(t1)
    # the nonce belongs to the entitlement, not the poster: an operator key continues the MNO's count
    with boa.env.prank(world.opkey.address), boa.reverts("nonce: not increasing"):
        world.settlement.postUsage(t1, led[t1].as_tuple(), ROOT, 1, 4, 4, 1)
    c = one_batch(world, led, t1, nonce=2**64 - 1, poster=world.opkey.address)   # strictly increasing, not by one
    assert c.batch_id == L.batch_id(t1, 2**64 - 1) and led[t1].nonce == 2**64 - 1


def test_posting_window_and_closed(world, led):
    t1, t2 = world.buy(), world.buy()   # same block: same end
    assert ent_times(world, t1) == ent_times(world, t2)
    boa.env.time_travel(seconds=VALIDITY + POSTING_GRACE - 1)
    one_batch(world, led, t1, sizes=(10,))   # last second of the posting window
    boa.env.time_travel(seconds=1)
    with boa.env.prank(world.mno), boa.reverts("posting: window over"):
        world.settlement.postUsage(t2, EMPTY.as_tuple(), ROOT, 10, 1, 1, 1)
    boa.env.time_travel(seconds=DISPUTE_WINDOW)
    led.settle(t1)
    led.close(t1)
    s, closed = world.settlement, led[t1].as_tuple()
    assert led[t1] == Ledger(settled_bytes=10, last_seq=1, nonce=1, closed=True)
    with boa.env.prank(world.mno), boa.reverts("entitlement: closed"):
        s.postUsage(t1, closed, ROOT, 10, 2, 2, 2)
    with boa.reverts("batch: none pending"):
        s.settle(t1, closed)
    with boa.reverts("entitlement: closed"):
        s.close(t1, closed)
    assert s.escrowOf(t1, closed) == 0


def test_poster_roles(world, led):
    s = world.settlement
    tid = world.buy()
    # neither the buyer nor the MVNO may post on an MNO-posted plan
    for who in (world.buyer.address, world.mvno, world.relayer):
        with boa.env.prank(who), boa.reverts("poster: not authorized"):
            s.postUsage(tid, EMPTY.as_tuple(), ROOT, 1, 1, 1, 1)
    # MNO operator keys may post; a revoked key or a suspended MNO may not
    one_batch(world, led, tid, poster=world.opkey.address)
    assert event(led, "BatchPosted").poster == world.opkey.address
    boa.env.time_travel(seconds=DISPUTE_WINDOW)
    led.settle(tid)
    idle = led[tid].as_tuple()
    with boa.env.prank(world.mno):
        world.registry.revokeOperatorKey(world.opkey.address)
    with boa.env.prank(world.opkey.address), boa.reverts("poster: not authorized"):
        s.postUsage(tid, idle, ROOT, 1, 10, 10, 2)
    with boa.env.prank(world.gov):
        world.registry.suspend(world.mno, 1)
    with boa.env.prank(world.mno), boa.reverts("poster: not authorized"):
        s.postUsage(tid, idle, ROOT, 1, 10, 10, 2)
    with boa.env.prank(world.gov):
        world.registry.reinstate(world.mno)
    one_batch(world, led, tid, poster=world.mno)
    # MVNO-posted plan: only the plan's active MVNO (not the MNO, nor its operator keys)
    key2 = boa.env.generate_address("operator-key-2")
    with boa.env.prank(world.mno):
        world.registry.registerOperatorKey(key2)
    pid = world.list_plan(usage_poster=POSTER_MVNO)
    t2 = world.buy(plan_id=pid)
    for who in (world.mno, key2, world.buyer.address):
        with boa.env.prank(who), boa.reverts("poster: not authorized"):
            s.postUsage(t2, EMPTY.as_tuple(), ROOT, 1, 1, 1, 1)
    one_batch(world, led, t2, poster=world.mvno)
    boa.env.time_travel(seconds=DISPUTE_WINDOW)
    led.settle(t2)
    with boa.env.prank(world.gov):
        world.registry.suspend(world.mvno, 1)
    with boa.env.prank(world.mvno), boa.reverts("poster: not authorized"):
        s.postUsage(t2, led[t2].as_tuple(), ROOT, 1, 4, 4, 2)


# ---------------------------------------------------------------- settling

def test_settle_pays_exact_shares(world, led):
    tid = world.buy()
    pb = one_batch(world, led, tid, sizes=(1_234_567, 7))
    s, cur = world.settlement, led[tid].as_tuple()
    with boa.reverts("batch: dispute window open"):
        s.settle(tid, cur)
    boa.env.time_travel(seconds=DISPUTE_WINDOW - 1)
    with boa.reverts("batch: dispute window open"):
        s.settle(tid, cur)
    boa.env.time_travel(seconds=1)
    m0, v0 = world.settlement.owed(world.mno), world.settlement.owed(world.mvno)
    led.settle(tid, sender=world.relayer)   # anyone may settle
    pay = PRICE * 1_234_574 // PLAN_BYTES
    to_mvno = pay * MARGIN_BPS // 10000
    assert world.settlement.owed(world.mvno) - v0 == to_mvno
    assert world.settlement.owed(world.mno) - m0 == pay - to_mvno
    ev = event(led, "BatchSettled")
    assert (ev.batchId, ev.entitlementId, ev.totalBytes, ev.toMno, ev.toMvno) == (
        pb.batch_id, tid, 1_234_574, pay - to_mvno, to_mvno)
    assert names(led)[:2] == ["LedgerUpdated", "BatchSettled"]
    assert led[tid] == Ledger(settled_bytes=1_234_574, last_seq=2, nonce=1)
    assert s.ledgerHash(tid) == led[tid].hash()
    assert led.escrow(tid) == PRICE - pay
    # the poster can post again after a settle: next nonce, next sequence
    one_batch(world, led, tid, sizes=(5,), nonce=2)
    assert (led[tid].pending_first_seq, led[tid].last_seq, led[tid].settled_bytes) == (3, 3, 1_234_574)


def test_settle_and_dispute_need_a_pending_batch(world, led):
    s = world.settlement
    tid = world.buy()
    start, end = ent_times(world, tid)
    cdr = make_cdrs(tid, 1, [5], start, end)[0]
    with boa.reverts("batch: none pending"):
        s.settle(tid, EMPTY.as_tuple())
    with boa.env.prank(world.buyer.address), boa.reverts("batch: none pending"):
        s.dispute(tid, EMPTY.as_tuple(), cdr.as_tuple(), 0, [])
    assert s.ledgerHash(tid) == s.EMPTY_LEDGER_HASH()   # a refused call stores nothing


def test_cumulative_rounding_never_overpays(world, led):
    pid = world.list_plan(price=7, data_mb=3)   # 7 units for 3e6 bytes: every batch rounds
    tid = world.buy(plan_id=pid)
    start, end = ent_times(world, tid)
    paid = 0
    for k in range(3):
        led.post(world.mno, tid, make_cdrs(tid, k + 1, [1_000_000], start, end))
        boa.env.time_travel(seconds=DISPUTE_WINDOW)
        before = world.settlement.owed(world.mno) + world.settlement.owed(world.mvno)
        led.settle(tid)
        paid += world.settlement.owed(world.mno) + world.settlement.owed(world.mvno) - before
        assert paid == 7 * (k + 1) * 1_000_000 // 3_000_000
        assert led.escrow(tid) == 7 - paid
    assert paid == 7 and led.escrow(tid) == 0


# ---------------------------------------------------------------- closing and escrow

def test_close_refunds_unused_to_owner(world, led):
    tid = world.buy()
    one_batch(world, led, tid, sizes=(PLAN_BYTES // 4,))
    s = world.settlement
    with boa.reverts("entitlement: unknown"):
        s.close(99, EMPTY.as_tuple())
    with boa.reverts("close: posting window open"):
        s.close(tid, led[tid].as_tuple())
    boa.env.time_travel(seconds=VALIDITY + POSTING_GRACE)
    with boa.reverts("close: batch pending"):
        s.close(tid, led[tid].as_tuple())
    led.settle(tid)
    with boa.env.prank(world.buyer.address):   # the owner at close time gets the refund
        world.plans.safeTransferFrom(world.buyer.address, world.other.address, tid, 1, b"")
    o0 = world.settlement.owed(world.other.address)
    led.close(tid)
    assert names(led)[:2] == ["LedgerUpdated", "EntitlementClosed"]
    ev = event(led, "EntitlementClosed")
    assert (ev.entitlementId, ev.refunded, ev.toMno, ev.toMvno, ev.receiver) == (
        tid, PRICE - PRICE // 4, 0, 0, world.other.address)
    assert world.settlement.owed(world.other.address) - o0 == PRICE - PRICE // 4
    assert led[tid] == Ledger(settled_bytes=PLAN_BYTES // 4, last_seq=1, nonce=1, closed=True)
    assert led.escrow(tid) == 0
    with boa.reverts("entitlement: closed"):
        s.close(tid, led[tid].as_tuple())


def test_close_after_cancel_refunds_early(world, led):
    tid = world.buy()
    boa.env.time_travel(seconds=3600)
    with boa.env.prank(world.buyer.address):
        world.plans.cancel(tid)
    start, end = ent_times(world, tid)
    late = [Cdr(tid, 1, 10, end - 10, end + 1, b"\x01" * 32)]
    pb = led.post(world.mno, tid, late)
    led.dispute(tid, late[0], 0, pb.proof(0), world.buyer.address)   # usage after cancellation is a contradiction
    assert event(led, "BatchVoided").reason == 3
    boa.env.time_travel(seconds=POSTING_GRACE)
    b0 = world.settlement.owed(world.buyer.address)
    led.close(tid)
    assert world.settlement.owed(world.buyer.address) - b0 == PRICE


def test_close_refund_none_releases_to_operators(world, led):
    pid = world.list_plan(refund_rule=REFUND_NONE)
    tid = world.buy(plan_id=pid)
    boa.env.time_travel(seconds=VALIDITY + POSTING_GRACE)
    m0, v0, b0 = (world.settlement.owed(a) for a in (world.mno, world.mvno, world.buyer.address))
    led.close(tid)
    to_mvno = PRICE * MARGIN_BPS // 10000
    assert world.settlement.owed(world.mvno) - v0 == to_mvno
    assert world.settlement.owed(world.mno) - m0 == PRICE - to_mvno
    assert world.settlement.owed(world.buyer.address) == b0
    ev = event(led, "EntitlementClosed")
    assert (ev.refunded, ev.toMno, ev.toMvno, ev.receiver) == (0, PRICE - to_mvno, to_mvno, world.buyer.address)


def test_close_refund_at_expiry_plan(world, led):
    pid = world.list_plan(refund_rule=REFUND_AT_EXPIRY)
    tid = world.buy(plan_id=pid)
    boa.env.time_travel(seconds=VALIDITY + POSTING_GRACE)
    b0 = world.settlement.owed(world.buyer.address)
    led.close(tid)
    assert world.settlement.owed(world.buyer.address) - b0 == PRICE


def test_escrow_of_follows_the_ledger(world, led):
    s = world.settlement
    assert s.escrowOf(99, EMPTY.as_tuple()) == 0   # unknown entitlement
    tid = world.buy()
    assert led.escrow(tid) == PRICE
    one_batch(world, led, tid, sizes=(PLAN_BYTES // 5,))
    assert led.escrow(tid) == PRICE
    boa.env.time_travel(seconds=DISPUTE_WINDOW)
    led.settle(tid)
    # the contract holds the open escrow plus what it credited and nobody withdrew yet
    held = lambda: world.token.balanceOf(s.address) - sum(s.owed(a) for a in (world.mno, world.mvno, world.buyer.address))  # noqa: E731
    assert led.escrow(tid) == PRICE - PRICE // 5 == held()
    boa.env.time_travel(seconds=VALIDITY + POSTING_GRACE)
    led.close(tid)
    assert led.escrow(tid) == 0 == held()


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


def test_largest_plan_settles_without_uint64_overflow(world, led):
    # the ledger's byte counts are uint64: the largest plan PlanEntitlements lists is under 2**64
    # bytes, so settledBytes + pendingBytes cannot overflow when a batch fills it
    data_mb = (2**64 - 1) // MB
    pid = world.list_plan(data_mb=data_mb)
    tid = world.buy(plan_id=pid)
    plan_bytes = data_mb * MB
    assert 2**64 - MB < plan_bytes < 2**64
    with boa.env.prank(world.mno), boa.reverts("usage: exceeds plan"):
        world.settlement.postUsage(tid, EMPTY.as_tuple(), ROOT, 2**64 - 1, 1, 1, 1)
    led.post(world.mno, tid, [], total=plan_bytes - 1, first_seq=1, last_seq=1, root=ROOT)
    boa.env.time_travel(seconds=DISPUTE_WINDOW)
    led.settle(tid)
    led.post(world.mno, tid, [], total=1, first_seq=2, last_seq=2, root=ROOT)
    boa.env.time_travel(seconds=DISPUTE_WINDOW)
    m0, v0 = world.settlement.owed(world.mno), world.settlement.owed(world.mvno)
    led.settle(tid)
    assert led[tid].settled_bytes == plan_bytes and led.escrow(tid) == 0
    paid_last = PRICE - PRICE * (plan_bytes - 1) // plan_bytes
    assert world.settlement.owed(world.mno) - m0 + world.settlement.owed(world.mvno) - v0 == paid_last
