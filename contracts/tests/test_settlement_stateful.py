"""Random sequences of buy / post usage / dispute / settle / cancel / close / transfer / time travel /
replayed (stale-ledger) calls, checked against a Python model after every step.

The model keeps each entitlement's ledger by ledger.py's transitions (posted, settled, voided,
closed_now); the calls themselves pass the ledger the contract last logged (usage.Ledgers, which
checks every LedgerUpdated against the model's transition). At most one batch per entitlement is
pending.

Invariants: token conservation (escrow + paid out + refunded == paid in, the escrow equals the sum
over open entitlements of price - paid(settled), and escrowOf(id, ledger) is each one's share), a
batch settles at most once, nothing is paid before its dispute window ends, an entitlement's
commitment never changes while its owner changes only by transfer, and the model's ledger hash is
the contract's ledgerHash(id) for every entitlement."""
import boa
import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test
from eth_hash.auto import keccak

from ledger import EMPTY
from merkle import Cdr
from system import DISPUTE_WINDOW, MB, POSTER_MVNO, POSTING_GRACE, REFUND_NONE, VALIDITY
from usage import Ledgers, make_cdrs

PLAN_MB = 1000
PLAN_BYTES = PLAN_MB * MB
ROOT = b"\x01" * 32
# small CDRs and large ones (hypothesis favours small integers: a single range would rarely fill a plan)
CDR_BYTES = st.one_of(st.integers(1, 10_000_000), st.integers(250_000_000, 600_000_000))
W = None   # the session's deployed world, set by the test below


class SettlementMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self):
        self.anchor = boa.env.anchor()
        self.anchor.__enter__()
        w = W
        self.w = w
        self.led = Ledgers(w)
        # 1 GB plans: batches of up to 2.4 GB make the plan cap bind often
        self.plan_mno = w.list_plan(data_mb=PLAN_MB)
        self.plan_mvno = w.list_plan(refund_rule=REFUND_NONE, usage_poster=POSTER_MVNO, price=3_333_333, data_mb=PLAN_MB)
        self.users = [w.buyer.address, w.other.address]
        self.parties = [w.mno, w.mvno]
        self.paid_in = 0
        self.refunded = 0
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
        return sum(self.w.token.balanceOf(a) - self.start_bal[a] for a in self.parties)

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
    @precondition(lambda self: len(self.ents) < 4)
    @rule(user=st.integers(0, 1), mvno_plan=st.booleans(), salt=st.binary(min_size=1, max_size=4))
    def buy(self, user, mvno_plan, salt):
        who = self.users[user]
        plan = self.plan_mvno if mvno_plan else self.plan_mno
        commitment = keccak(b"eid" + salt)
        with boa.env.prank(who):
            tid = self.w.plans.buy(plan, commitment)
        price = self.w.plans.plans(plan).price
        self.paid_in += price
        end = self.w.plans.entitlement(tid)[3]
        self.ents[tid] = dict(owner=who, commitment=commitment, plan=plan, price=price, end=end, ledger=EMPTY,
                              history=[], pending=None)

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
                  "posting: window over" if boa.env.timestamp >= end + POSTING_GRACE else
                  "usage: exceeds plan" if led.settled_bytes + sum(sizes) > PLAN_BYTES else None)
        if reason:
            with boa.env.prank(poster), boa.reverts(reason):
                self.w.settlement.postUsage(tid, led.as_tuple(), ROOT, sum(sizes), led.last_seq + 1,
                                            led.last_seq + len(sizes), nonce)
            return
        pb = self.led.post(poster, tid, cdrs, nonce=nonce)   # asserts LedgerUpdated == the posted ledger
        self._advance(e, led.posted(pb.root, sum(sizes), led.last_seq + 1, led.last_seq + len(sizes), nonce,
                                    boa.env.timestamp))
        assert pb.batch_id == self.w.settlement.batchId(tid, nonce)
        e["pending"] = dict(pb=pb, bad=bad)

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

    @precondition(lambda self: any(e["history"] for e in self.ents.values()))
    @rule(data=st.data(), fn=st.sampled_from(["postUsage", "settle", "dispute", "close", "escrowOf"]))
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
            self.w.plans.safeTransferFrom(e["owner"], dest, tid, 1, b"")
        e["owner"] = dest

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
        assert e["end"] == boa.env.timestamp

    # only once some entitlement has ended (before that every close is refused the same way)
    @precondition(lambda self: any(boa.env.timestamp >= e["end"] for e in self.ents.values()))
    @rule(data=st.data())
    def close(self, data):
        tid = data.draw(st.sampled_from(sorted(self.ents)))
        e = self.ents[tid]
        led = e["ledger"]
        _, _, _, end, _, _ = self.w.plans.entitlement(tid)
        assert end == e["end"]
        s = self.w.settlement
        reason = ("entitlement: closed" if led.closed else
                  "close: posting window open" if boa.env.timestamp < end + POSTING_GRACE else
                  "close: batch pending" if led.has_pending else None)
        if reason:
            with boa.reverts(reason):
                s.close(tid, led.as_tuple())
            return
        owner_bal = self.w.token.balanceOf(e["owner"])
        self.led.close(tid)
        self._advance(e, led.closed_now())
        remaining = e["price"] - e["price"] * led.settled_bytes // PLAN_BYTES
        if e["plan"] == self.plan_mvno:   # REFUND_NONE: released to the MNO and MVNO (counted by _payout_total)
            assert self.w.token.balanceOf(e["owner"]) == owner_bal
        else:
            assert self.w.token.balanceOf(e["owner"]) - owner_bal == remaining
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
        escrow = self.w.token.balanceOf(self.w.settlement.address) - self.esc0
        paid_out = self._payout_total()
        assert escrow + paid_out + self.refunded == self.paid_in
        shares = {tid: 0 if e["ledger"].closed else e["price"] - e["price"] * e["ledger"].settled_bytes // PLAN_BYTES
                  for tid, e in self.ents.items()}
        assert escrow == sum(shares.values())
        for tid, share in shares.items():
            assert self.w.settlement.escrowOf(tid, self.ents[tid]["ledger"].as_tuple()) == share
        users_delta = sum(self.w.token.balanceOf(a) - self.start_bal[a] for a in self.users)
        assert users_delta == self.refunded - self.paid_in

    @invariant()
    def entitlements_match_model(self):
        if not hasattr(self, "w"):
            return
        for tid, e in self.ents.items():
            c, plan, _, _, _, owner = self.w.plans.entitlement(tid)
            assert (c, plan, owner) == (e["commitment"], e["plan"], e["owner"])

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
    run_state_machine_as_test(SettlementMachine, settings=settings(
        max_examples=50, stateful_step_count=50, deadline=None, derandomize=True,
        suppress_health_check=list(HealthCheck)))
