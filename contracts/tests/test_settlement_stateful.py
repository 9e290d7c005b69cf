"""Random sequences of buy / deliver / post usage / final batch after the end / dispute / settle /
withdraw / cancel / close / transfer and rebind / time travel / replayed (stale-ledger) calls, checked
against a Python model after every step.

The model keeps each entitlement's ledger by ledger.py's transitions (posted, settled, voided,
closed_now); the calls themselves pass the ledger the contract last logged (usage.Ledgers, which
checks every LedgerUpdated against the model's transition). At most one batch per entitlement is
pending.

Invariants: token conservation (the contract holds the open entitlements' escrow plus every credited
and not withdrawn balance; credited == withdrawn + owed for every party; what users hold plus what
they are owed == refunds - payments), a batch settles at most once, nothing is credited before its
dispute window ends, the usage up to cancel or expiry can always still be posted after the batch
pending then settles (issue 20 finding 1), an entitlement not delivered by its activation deadline
is refunded in full, isLive is exactly the model's liveness, the plan's sold counter counts
entitlements not cancelled, an owner changes only by transfer (which unbinds the commitment until the
new owner binds one), and the model's ledger hash is the contract's ledgerHash(id) for every
entitlement.

Steps: OPENRSP_STATEFUL_EXAMPLES (default 50) runs of up to OPENRSP_STATEFUL_STEPS (default 50)
steps; with OPENRSP_STATEFUL_MIN_STEPS the test also asserts that many steps ran in all (the
benchmark job, scripts/bench-contracts: 80 examples of up to 200 steps, minimum 10,000; Hypothesis ends an
example early when its data buffer is used up, so more examples, not longer ones, add steps)."""
import os

import boa
import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test
from eth_hash.auto import keccak

from ledger import EMPTY
from merkle import Cdr
from system import ACTIVATION_WINDOW, DISPUTE_WINDOW, MB, POSTER_MVNO, POSTING_GRACE, REFUND_NONE, VALIDITY
from usage import Ledgers, make_cdrs

EXAMPLES = int(os.environ.get("OPENRSP_STATEFUL_EXAMPLES", "50"))
STEPS = int(os.environ.get("OPENRSP_STATEFUL_STEPS", "50"))
MIN_STEPS = int(os.environ.get("OPENRSP_STATEFUL_MIN_STEPS", "0"))
ZERO32 = b"\x00" * 32

PLAN_MB = 1000
PLAN_BYTES = PLAN_MB * MB
ROOT = b"\x01" * 32
# small CDRs and large ones (hypothesis favours small integers: a single range would rarely fill a plan)
CDR_BYTES = st.one_of(st.integers(1, 10_000_000), st.integers(250_000_000, 600_000_000))
W = None   # the session's deployed world, set by the test below
STEP_COUNT = [0]   # steps run in all (every step is followed by the invariants)


class SettlementMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self):
        self.anchor = boa.env.anchor()
        self.anchor.__enter__()
        w = W
        self.w = w
        self.led = Ledgers(w)
        # 1 GB plans: batches of up to 2.4 GB make the plan cap bind often; the MNO-posted plan is
        # transferable and cancellable, the MVNO-posted one soulbound and REFUND_NONE
        self.plan_mno = w.list_plan(data_mb=PLAN_MB, transferable=True)
        self.plan_mvno = w.list_plan(refund_rule=REFUND_NONE, usage_poster=POSTER_MVNO, price=3_333_333, data_mb=PLAN_MB)
        self.users = [w.buyer.address, w.other.address]
        self.parties = [w.mno, w.mvno]
        self.paid_in = 0
        self.refunded = 0
        self.withdrawn = {a: 0 for a in self.users + self.parties}
        self.start_bal = {a: w.token.balanceOf(a) for a in self.users + self.parties}
        self.esc0 = w.token.balanceOf(w.settlement.address)
        # id -> dict(owner, commitment, plan, price, ledger (the model's), history (earlier ledgers),
        #            pending (PostedBatch and whether it holds a contradicting CDR))
        self.ents = {}
        self.settled_batches = set()   # batch ids seen in BatchSettled
        self.voided_batches = set()

    def teardown(self):
        if hasattr(self, "anchor"):
            self.anchor.__exit__(None, None, None)

    # ------------------------------------------------------------------ helpers
    def _poster(self, e):
        return self.w.mvno if e["plan"] == self.plan_mvno else self.w.mno

    def _payout_total(self):
        """Everything credited to the MNO and the MVNO so far (withdrawn or still owed)."""
        return sum(self.w.settlement.owed(a) + self.withdrawn[a] for a in self.parties)

    def _credited(self, who):
        return self.w.settlement.owed(who) + self.withdrawn[who]

    def _advance(self, e, new):
        e["history"].append(e["ledger"])
        e["ledger"] = new

    def _logged(self, name):
        return [ev for ev in self.led.logs if type(ev).__name__ == name]

    def _settle(self, tid, e):
        """Settles the pending batch (its window is over) and checks the payout."""
        pb, led = e["pending"]["pb"], e["ledger"]
        assert boa.env.timestamp >= pb.posted_at + DISPUTE_WINDOW
        before = self._payout_total()
        self.led.settle(tid)   # asserts LedgerUpdated == led.settled() and ledgerHash
        self._advance(e, led.settled())
        want = e["price"] * (led.settled_bytes + pb.total) // PLAN_BYTES - e["price"] * led.settled_bytes // PLAN_BYTES
        assert self._payout_total() - before == want
        (ev,) = self._logged("BatchSettled")
        assert (ev.batchId, ev.entitlementId, ev.totalBytes, ev.toMno + ev.toMvno) == (pb.batch_id, tid, pb.total, want)
        assert ev.batchId not in self.settled_batches and ev.batchId not in self.voided_batches   # once only
        self.settled_batches.add(ev.batchId)
        e["pending"] = None

    # ------------------------------------------------------------------ rules
    # at most 4 open entitlements at once (and 40 in all, to bound the invariants' cost)
    @precondition(lambda self: sum(not e["ledger"].closed for e in self.ents.values()) < 4 and len(self.ents) < 40)
    @rule(user=st.integers(0, 1), mvno_plan=st.booleans(), salt=st.binary(min_size=1, max_size=4))
    def buy(self, user, mvno_plan, salt):
        who = self.users[user]
        plan = self.plan_mvno if mvno_plan else self.plan_mno
        commitment = keccak(b"eid" + salt)
        with boa.env.prank(who):
            tid = self.w.plans.buy(plan, commitment)
        price = self.w.plans.plans(plan).price
        self.paid_in += price
        _, _, start, end, _, _ = self.w.plans.entitlement(tid)
        self.ents[tid] = dict(owner=who, buyer=who, commitment=commitment, plan=plan, price=price, end=end, ledger=EMPTY,
                              history=[], pending=None, cancelled=False, delivered=False,
                              deadline=start + ACTIVATION_WINDOW)

    @precondition(lambda self: self.ents)
    @rule(data=st.data())
    def deliver(self, data):
        """The plan's SM-DP+ records delivery (refused once delivered, cancelled, or past the deadline)."""
        tid = data.draw(st.sampled_from(sorted(self.ents)))
        e = self.ents[tid]
        reason = ("entitlement: already delivered" if e["delivered"] else
                  "entitlement: cancelled" if e["cancelled"] else
                  "delivery: deadline passed" if boa.env.timestamp >= e["deadline"] else None)
        with boa.env.prank(self.w.smdp):
            if reason:
                with boa.reverts(reason):
                    self.w.plans.markDelivered(tid, keccak(b"pir%d" % tid))
                return
            self.w.plans.markDelivered(tid, keccak(b"pir%d" % tid))
        e["delivered"] = True
        assert self.w.plans.installResultHash(tid) == keccak(b"pir%d" % tid)

    @precondition(lambda self: self.ents)
    @rule(data=st.data(), sizes=st.lists(CDR_BYTES, min_size=1, max_size=4), bad=st.booleans(),
          nonce_step=st.integers(1, 3))
    def post_usage(self, data, sizes, bad, nonce_step):
        tid = data.draw(st.sampled_from(sorted(self.ents)))
        e = self.ents[tid]
        led = e["ledger"]
        _, _, start, end, _, _ = self.w.plans.entitlement(tid)
        poster = self._poster(e)
        # real CDRs describe the past: periods lie within [start, min(end, now)]
        cdrs = make_cdrs(tid, led.last_seq + 1, sizes, start, min(end, boa.env.timestamp))
        if bad:   # a CDR that belongs to another entitlement
            c = cdrs[-1]
            cdrs[-1] = Cdr(tid + 1000, c.sequence, c.bytes, c.period_start, c.period_end, c.cdr_hash)
        nonce = led.nonce + nonce_step
        reason = ("entitlement: closed" if led.closed else
                  "usage: batch pending" if led.has_pending else
                  "usage: not delivered" if not e["delivered"] else
                  "posting: window over" if boa.env.timestamp >= end + POSTING_GRACE else
                  "usage: exceeds plan" if led.settled_bytes + sum(sizes) > PLAN_BYTES else None)
        if reason:
            with boa.env.prank(poster), boa.reverts(reason):
                self.w.settlement.postUsage(tid, led.as_tuple(), ROOT, sum(sizes), led.last_seq + 1,
                                            led.last_seq + len(sizes), nonce)
            return
        self._post(tid, e, cdrs, nonce, bad)

    def _post(self, tid, e, cdrs, nonce, bad=False):
        led = e["ledger"]
        pb = self.led.post(self._poster(e), tid, cdrs, nonce=nonce)   # asserts LedgerUpdated == the posted ledger
        total = sum(c.bytes for c in cdrs)
        self._advance(e, led.posted(pb.root, total, led.last_seq + 1, led.last_seq + len(cdrs), nonce,
                                    boa.env.timestamp))
        assert pb.batch_id == self.w.settlement.batchId(tid, nonce)
        e["pending"] = dict(pb=pb, bad=bad)

    def _ended_billable(self, e):
        """Ended (cancelled or expired), delivered, open, and any pending batch posted before the end."""
        return (e["delivered"] and not e["ledger"].closed and e["end"] <= boa.env.timestamp
                and boa.env.timestamp < e["end"] + POSTING_GRACE
                and (e["pending"] is None or e["pending"]["pb"].posted_at <= e["end"]))

    @precondition(lambda self: any(self._ended_billable(e) for e in self.ents.values()))
    @rule(data=st.data(), size=CDR_BYTES)
    def final_batch_after_end(self, data, size):
        """Issue 20 finding 1: whatever was pending at cancel or expiry, once it settles the final
        batch (usage up to the end) can still be posted."""
        tid = data.draw(st.sampled_from(sorted(t for t, e in self.ents.items() if self._ended_billable(e))))
        e = self.ents[tid]
        if e["pending"] is not None:
            due = e["pending"]["pb"].posted_at + DISPUTE_WINDOW
            if boa.env.timestamp < due:
                boa.env.time_travel(seconds=due - boa.env.timestamp)
            self._settle(tid, e)
        assert boa.env.timestamp < e["end"] + POSTING_GRACE   # the posting window is still open
        led = e["ledger"]
        size = min(size, PLAN_BYTES - led.settled_bytes)
        if size == 0:
            return   # the plan is used up: nothing left to bill
        start = self.w.plans.entitlement(tid)[2]
        self._post(tid, e, make_cdrs(tid, led.last_seq + 1, [size], start, e["end"]), led.nonce + 1)

    @precondition(lambda self: any(e["pending"] for e in self.ents.values()))
    @rule(data=st.data())
    def settle(self, data):
        tid = data.draw(st.sampled_from(sorted(self.ents)))
        e = self.ents[tid]
        before = self._payout_total()
        if e["pending"] is None:
            with boa.reverts("batch: none pending"):
                self.w.settlement.settle(tid, e["ledger"].as_tuple())
        elif boa.env.timestamp < e["pending"]["pb"].posted_at + DISPUTE_WINDOW:
            with boa.reverts("batch: dispute window open"):   # no payout before the window ends
                self.w.settlement.settle(tid, e["ledger"].as_tuple())
        else:
            self._settle(tid, e)
            return
        assert self._payout_total() == before   # nothing paid by a refused settle

    @precondition(lambda self: any(e["pending"] for e in self.ents.values()))
    @rule()
    def wait_window_and_settle_due(self):
        boa.env.time_travel(seconds=DISPUTE_WINDOW)
        for tid in sorted(self.ents):
            e = self.ents[tid]
            if e["pending"] is not None and boa.env.timestamp >= e["pending"]["pb"].posted_at + DISPUTE_WINDOW:
                self._settle(tid, e)

    @precondition(lambda self: any(e["pending"] for e in self.ents.values()))
    @rule(data=st.data())
    def dispute(self, data):
        # mostly an entitlement with a pending batch; sometimes any (none pending: refused)
        pool = sorted(t for t, e in self.ents.items() if e["pending"]) if data.draw(st.integers(0, 3)) else sorted(self.ents)
        tid = data.draw(st.sampled_from(pool))
        e = self.ents[tid]
        led, p = e["ledger"], e["pending"]
        if p is None:
            with boa.env.prank(e["owner"]), boa.reverts("batch: none pending"):
                self.w.settlement.dispute(tid, led.as_tuple(), (tid, 1, 1, 0, 0, ROOT), 0, [])
            return
        pb = p["pb"]
        i = len(pb.cdrs) - 1
        args = (tid, led.as_tuple(), pb.cdrs[i].as_tuple(), i, pb.proof(i))
        with boa.env.prank(e["owner"]):
            if boa.env.timestamp >= pb.posted_at + DISPUTE_WINDOW:
                with boa.reverts("dispute: window closed"):
                    self.w.settlement.dispute(*args)
            elif not p["bad"]:
                with boa.reverts("dispute: no contradiction"):
                    self.w.settlement.dispute(*args)
            else:
                before = self._payout_total()
                self.led.dispute(tid, pb.cdrs[i], i, pb.proof(i), e["owner"])
                self._advance(e, led.voided())
                (ev,) = self._logged("BatchVoided")
                assert (ev.batchId, ev.entitlementId, ev.reason) == (pb.batch_id, tid, 1)
                assert ev.batchId not in self.settled_batches
                self.voided_batches.add(ev.batchId)
                assert self._payout_total() == before
                e["pending"] = None

    @precondition(lambda self: any(e["pending"] for e in self.ents.values()))
    @rule(data=st.data())
    def void_by_poster(self, data):
        """Issue 20 finding 6: the plan's poster party (MNO or MVNO) voids its pending batch."""
        tid = data.draw(st.sampled_from(sorted(t for t, e in self.ents.items() if e["pending"])))
        e = self.ents[tid]
        before = self._payout_total()
        self.led.void(tid, self._poster(e))
        (ev,) = self._logged("BatchVoided")
        assert (ev.batchId, ev.reason) == (e["pending"]["pb"].batch_id, 6) and ev.batchId not in self.settled_batches
        self.voided_batches.add(ev.batchId)
        self._advance(e, e["ledger"].voided())
        e["pending"] = None
        assert self._payout_total() == before

    @precondition(lambda self: any(e["history"] for e in self.ents.values()))
    @rule(data=st.data(), fn=st.sampled_from(["postUsage", "settle", "dispute", "close", "escrowOf", "voidBatch"]))
    def replay_with_stale_ledger(self, data, fn):
        """Any earlier ledger of an entitlement (a replayed call's), or another entitlement's current one, is refused."""
        tid = data.draw(st.sampled_from(sorted(t for t, e in self.ents.items() if e["history"])))
        e = self.ents[tid]
        old = data.draw(st.sampled_from(e["history"] + [o["ledger"] for t, o in self.ents.items()
                                                        if t != tid and o["ledger"] != e["ledger"]]))
        assert old != e["ledger"]   # every transition changes the ledger (nonce, pending or closed)
        before, s, o = self._payout_total(), self.w.settlement, old.as_tuple()
        with boa.reverts("ledger: stale"):
            if fn == "postUsage":
                with boa.env.prank(self._poster(e)):
                    s.postUsage(tid, o, ROOT, 1, e["ledger"].last_seq + 1, e["ledger"].last_seq + 1, 2**64 - 1)
            elif fn == "settle":
                s.settle(tid, o)
            elif fn == "dispute":
                with boa.env.prank(e["owner"]):
                    s.dispute(tid, o, (tid, 1, 1, 0, 0, ROOT), 0, [])
            elif fn == "close":
                s.close(tid, o)
            elif fn == "voidBatch":
                with boa.env.prank(self._poster(e)):
                    s.voidBatch(tid, o)
            else:
                s.escrowOf(tid, o)
        assert self._payout_total() == before

    @precondition(lambda self: self.ents)
    @rule(data=st.data(), to=st.integers(0, 1))
    def transfer(self, data, to):
        tid = data.draw(st.sampled_from(sorted(self.ents)))
        e = self.ents[tid]
        dest = self.users[to]
        if dest == e["owner"]:
            return
        with boa.env.prank(e["owner"]):
            if e["plan"] == self.plan_mvno:
                with boa.reverts("soulbound"):
                    self.w.plans.safeTransferFrom(e["owner"], dest, tid, 1, b"")
                return
            self.w.plans.safeTransferFrom(e["owner"], dest, tid, 1, b"")
        e["owner"] = dest
        e["commitment"] = ZERO32   # the seller's EID stops being live

    @precondition(lambda self: self.ents)
    @rule(data=st.data(), salt=st.binary(min_size=1, max_size=4))
    def bind(self, data, salt):
        tid = data.draw(st.sampled_from(sorted(self.ents)))
        e = self.ents[tid]
        c = keccak(b"eid" + salt)
        with boa.env.prank(e["owner"]):
            if e["commitment"] != ZERO32:
                with boa.reverts("commitment: already bound"):
                    self.w.plans.bindCommitment(tid, c)
                return
            self.w.plans.bindCommitment(tid, c)
        e["commitment"] = c

    @rule(who=st.integers(0, 3))
    def withdraw(self, who):
        """Pull payments: any user or party takes what it is owed."""
        a = (self.users + self.parties)[who]
        owed, bal = self.w.settlement.owed(a), self.w.token.balanceOf(a)
        with boa.env.prank(a):
            if owed == 0:
                with boa.reverts("withdraw: nothing owed"):
                    self.w.settlement.withdraw(a)
                return
            self.w.settlement.withdraw(a)
        assert self.w.token.balanceOf(a) - bal == owed and self.w.settlement.owed(a) == 0
        self.withdrawn[a] += owed

    @precondition(lambda self: self.ents)
    @rule(data=st.data())
    def cancel(self, data):
        tid = data.draw(st.sampled_from(sorted(self.ents)))
        e = self.ents[tid]
        _, _, start, end, status, _ = self.w.plans.entitlement(tid)
        if e["plan"] != self.plan_mno or status != 1:
            return
        with boa.env.prank(e["owner"]):
            self.w.plans.cancel(tid)
        e["end"] = self.w.plans.entitlement(tid)[3]
        e["cancelled"] = True
        assert e["end"] == boa.env.timestamp

    # only once some entitlement has ended or passed its activation deadline (before that every
    # close is refused the same way)
    @precondition(lambda self: any(boa.env.timestamp >= min(e["end"], e["deadline"]) for e in self.ents.values()))
    @rule(data=st.data())
    def close(self, data):
        tid = data.draw(st.sampled_from(sorted(self.ents)))
        e = self.ents[tid]
        led = e["ledger"]
        _, _, _, end, _, _ = self.w.plans.entitlement(tid)
        assert end == e["end"]
        s = self.w.settlement
        now = boa.env.timestamp
        closable = now >= end + POSTING_GRACE or (not e["delivered"] and now >= e["deadline"])
        reason = ("entitlement: closed" if led.closed else
                  "close: posting window open" if not closable else
                  "close: batch pending" if led.has_pending else None)
        if reason:
            with boa.reverts(reason):
                s.close(tid, led.as_tuple())
            return
        owner_credit = self._credited(e["owner"])
        self.led.close(tid)
        self._advance(e, led.closed_now())
        remaining = e["price"] - e["price"] * led.settled_bytes // PLAN_BYTES
        if not e["delivered"]:
            assert remaining == e["price"]   # no usage without delivery: a full refund
        if e["plan"] == self.plan_mvno and e["delivered"]:   # REFUND_NONE: credited to the MNO and MVNO
            assert self._credited(e["owner"]) == owner_credit
        else:
            assert self._credited(e["owner"]) - owner_credit == remaining
            self.refunded += remaining

    # mostly short waits, so that many batches are posted, disputed and settled before entitlements end
    @rule(seconds=st.sampled_from([60, 3600, 3600, DISPUTE_WINDOW // 2, DISPUTE_WINDOW, VALIDITY // 4, VALIDITY]))
    def wait(self, seconds):
        boa.env.time_travel(seconds=seconds)

    # ------------------------------------------------------------------ invariants
    @invariant()
    def conservation(self):
        if not hasattr(self, "w"):
            return
        s, everyone = self.w.settlement, self.users + self.parties
        held = self.w.token.balanceOf(s.address) - self.esc0
        owed = sum(s.owed(a) for a in everyone)
        assert held + sum(self.withdrawn.values()) == self.paid_in   # nothing leaves but by withdraw
        assert (held - owed) + self._payout_total() + self.refunded == self.paid_in
        shares = {tid: 0 if e["ledger"].closed else e["price"] - e["price"] * e["ledger"].settled_bytes // PLAN_BYTES
                  for tid, e in self.ents.items()}
        assert held - owed == sum(shares.values())   # escrow of open entitlements, the rest is owed
        for tid, share in shares.items():
            assert s.escrowOf(tid, self.ents[tid]["ledger"].as_tuple()) == share
        for a in everyone:   # token balances move only by withdraw
            assert self.w.token.balanceOf(a) - self.start_bal[a] == self.withdrawn[a] - (
                0 if a in self.parties else self._paid_by(a))
        users = sum(self.w.token.balanceOf(a) - self.start_bal[a] + s.owed(a) for a in self.users)
        assert users == self.refunded - self.paid_in

    def _paid_by(self, user):
        return sum(e["price"] for e in self.ents.values() if e["buyer"] == user)

    @invariant()
    def entitlements_match_model(self):
        STEP_COUNT[0] += 1
        if not hasattr(self, "w"):
            return
        now = boa.env.timestamp
        for tid, e in self.ents.items():
            c, plan, _, _, _, owner = self.w.plans.entitlement(tid)
            assert (c, plan, owner) == (e["commitment"], e["plan"], e["owner"])
            live = (not e["cancelled"] and now < e["end"] and (e["delivered"] or now < e["deadline"])
                    and e["commitment"] != ZERO32)
            assert self.w.plans.isLive(tid, e["commitment"]) == live
        for plan in (self.plan_mno, self.plan_mvno):
            sold = sum(e["plan"] == plan and not e["cancelled"] for e in self.ents.values())
            assert self.w.plans.plans(plan).sold == sold

    @invariant()
    def ledger_hash_matches_model(self):
        if not hasattr(self, "w"):
            return
        for tid, e in self.ents.items():
            assert self.w.settlement.ledgerHash(tid) == e["ledger"].hash()
            assert self.led[tid] == e["ledger"]   # the ledger the contract last logged is the model's
            assert e["ledger"].has_pending == (e["pending"] is not None)
            assert e["ledger"].settled_bytes <= PLAN_BYTES

    @invariant()
    def batches_final_once(self):
        if not hasattr(self, "w"):
            return
        assert not (self.settled_batches & self.voided_batches)


def test_settlement_state_machine(world):
    global W
    W = world
    STEP_COUNT[0] = 0
    run_state_machine_as_test(SettlementMachine, settings=settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, derandomize=True,
        suppress_health_check=list(HealthCheck)))
    print(f"state machine: {STEP_COUNT[0]} steps in {EXAMPLES} examples of up to {STEPS}")
    assert STEP_COUNT[0] >= MIN_STEPS, f"{STEP_COUNT[0]} steps < OPENRSP_STATEFUL_MIN_STEPS={MIN_STEPS}"
