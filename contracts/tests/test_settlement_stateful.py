"""Random sequences of buy / post usage / dispute / settle / cancel / close / transfer / time travel,
checked against a Python model after every step.

Invariants: token conservation (escrow + paid out + refunded == paid in, and the escrow equals the
model's per-entitlement balances), a batch settles at most once, nothing is paid before the
dispute window ends, and an entitlement's commitment never changes while its owner changes only
by transfer."""
import boa
import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test
from eth_hash.auto import keccak

from merkle import Cdr
from system import DATA_MB, DISPUTE_WINDOW, MARGIN_BPS, MB, POSTER_MVNO, POSTING_GRACE, PRICE, REFUND_NONE, VALIDITY
from usage import make_cdrs, post

PLAN_BYTES = DATA_MB * MB
W = None   # the session's deployed world, set by the test below


class SettlementMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self):
        self.anchor = boa.env.anchor()
        self.anchor.__enter__()
        w = W
        self.w = w
        self.plan_mno = w.plan_id
        self.plan_mvno = w.list_plan(refund_rule=REFUND_NONE, usage_poster=POSTER_MVNO, price=3_333_333)
        self.users = [w.buyer.address, w.other.address]
        self.parties = [w.mno, w.mvno]
        self.paid_in = 0
        self.refunded = 0
        self.start_bal = {a: w.token.balanceOf(a) for a in self.users + self.parties}
        self.esc0 = w.token.balanceOf(w.settlement.address)
        self.ents = {}      # id -> dict(owner, commitment, plan, price, settled, closed, next_seq, cancellable)
        self.batches = {}   # batch_id -> dict(pb, ent, bad, final)
        self.nonce = {w.mno: 0, w.mvno: 0}

    def teardown(self):
        if hasattr(self, "anchor"):
            self.anchor.__exit__(None, None, None)

    # ------------------------------------------------------------------ helpers
    def _poster(self, e):
        return self.w.mvno if e["plan"] == self.plan_mvno else self.w.mno

    def _payout_total(self):
        return sum(self.w.token.balanceOf(a) - self.start_bal[a] for a in self.parties)

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
        self.ents[tid] = dict(owner=who, commitment=commitment, plan=plan, price=price, settled=0,
                              pending=0, closed=False, next_seq=1)

    @precondition(lambda self: self.ents)
    @rule(data=st.data(), sizes=st.lists(st.integers(1, 300_000_000), min_size=1, max_size=4), bad=st.booleans())
    def post_usage(self, data, sizes, bad):
        tid = data.draw(st.sampled_from(sorted(self.ents)))
        e = self.ents[tid]
        _, _, start, end, _, _ = self.w.plans.entitlement(tid)
        if e["closed"] or boa.env.timestamp >= end + POSTING_GRACE:
            return
        if e["settled"] + e["pending"] + sum(sizes) > PLAN_BYTES:
            return
        # real CDRs describe the past: periods lie within [start, min(end, now)]
        cdrs = make_cdrs(tid, e["next_seq"], sizes, start, min(end, boa.env.timestamp))
        if bad:   # a CDR that belongs to another entitlement
            c = cdrs[-1]
            cdrs[-1] = Cdr(tid + 1000, c.sequence, c.bytes, c.period_start, c.period_end, c.cdr_hash)
        poster = self._poster(e)
        self.nonce[poster] += 1
        pb = post(self.w, poster, tid, cdrs, self.nonce[poster])
        e["next_seq"] += len(sizes)
        e["pending"] += sum(sizes)
        self.batches[pb.batch_id] = dict(pb=pb, ent=tid, bad=bad, final=None)

    @precondition(lambda self: self.batches)
    @rule(data=st.data())
    def settle(self, data):
        bid = data.draw(st.sampled_from(sorted(self.batches)))
        b = self.batches[bid]
        pb, e = b["pb"], self.ents[b["ent"]]
        before = self._payout_total()
        if b["final"] is not None:
            with boa.reverts("batch: already final"):
                self.w.settlement.settle(bid, pb.batch)
        elif boa.env.timestamp < pb.batch[5] + DISPUTE_WINDOW:
            with boa.reverts("batch: dispute window open"):
                self.w.settlement.settle(bid, pb.batch)
        else:
            self.w.settlement.settle(bid, pb.batch)
            b["final"] = "settled"
            total = pb.batch[2]
            want = e["price"] * (e["settled"] + total) // PLAN_BYTES - e["price"] * e["settled"] // PLAN_BYTES
            e["settled"] += total
            e["pending"] -= total
            assert self._payout_total() - before == want
            return
        assert self._payout_total() == before   # nothing paid by a refused settle

    @precondition(lambda self: self.batches)
    @rule()
    def wait_window_and_settle_due(self):
        boa.env.time_travel(seconds=DISPUTE_WINDOW)
        for bid in sorted(self.batches):
            b = self.batches[bid]
            if b["final"] is None and boa.env.timestamp >= b["pb"].batch[5] + DISPUTE_WINDOW:
                e = self.ents[b["ent"]]
                before = self._payout_total()
                self.w.settlement.settle(bid, b["pb"].batch)
                total = b["pb"].batch[2]
                want = e["price"] * (e["settled"] + total) // PLAN_BYTES - e["price"] * e["settled"] // PLAN_BYTES
                assert self._payout_total() - before == want
                b["final"] = "settled"
                e["settled"] += total
                e["pending"] -= total

    @precondition(lambda self: self.batches)
    @rule(data=st.data())
    def dispute(self, data):
        bid = data.draw(st.sampled_from(sorted(self.batches)))
        b = self.batches[bid]
        pb, e = b["pb"], self.ents[b["ent"]]
        i = len(pb.cdrs) - 1
        args = (bid, pb.batch, pb.cdrs[i].as_tuple(), i, pb.proof(i))
        with boa.env.prank(e["owner"]):
            if b["final"] is not None:
                with boa.reverts("batch: already final"):
                    self.w.settlement.dispute(*args)
            elif boa.env.timestamp >= pb.batch[5] + DISPUTE_WINDOW:
                with boa.reverts("dispute: window closed"):
                    self.w.settlement.dispute(*args)
            elif not b["bad"]:
                with boa.reverts("dispute: no contradiction"):
                    self.w.settlement.dispute(*args)
            else:
                self.w.settlement.dispute(*args)
                b["final"] = "voided"
                e["pending"] -= pb.batch[2]

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

    @precondition(lambda self: self.ents)
    @rule(data=st.data())
    def close(self, data):
        tid = data.draw(st.sampled_from(sorted(self.ents)))
        e = self.ents[tid]
        _, _, _, end, _, _ = self.w.plans.entitlement(tid)
        s = self.w.settlement
        if e["closed"]:
            with boa.reverts("entitlement: closed"):
                s.close(tid)
        elif boa.env.timestamp < end + POSTING_GRACE:
            with boa.reverts("close: posting window open"):
                s.close(tid)
        elif e["pending"] > 0:
            with boa.reverts("close: batches pending"):
                s.close(tid)
        else:
            owner_bal = self.w.token.balanceOf(e["owner"])
            s.close(tid)
            e["closed"] = True
            remaining = e["price"] - e["price"] * e["settled"] // PLAN_BYTES
            if e["plan"] == self.plan_mvno:   # REFUND_NONE: released to MNO/MVNO
                pass   # paid to MNO/MVNO: counted by _payout_total
            else:
                assert self.w.token.balanceOf(e["owner"]) - owner_bal == remaining
                self.refunded += remaining

    @rule(seconds=st.sampled_from([60, 3600, DISPUTE_WINDOW, VALIDITY // 2, VALIDITY]))
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
        model_escrow = sum(0 if e["closed"] else e["price"] - e["price"] * e["settled"] // PLAN_BYTES
                           for e in self.ents.values())
        assert escrow == model_escrow
        users_delta = sum(self.w.token.balanceOf(a) - self.start_bal[a] for a in self.users)
        assert users_delta == self.refunded - self.paid_in

    @invariant()
    def entitlements_match_model(self):
        if not hasattr(self, "w"):
            return
        for tid, e in self.ents.items():
            c, plan, _, _, _, owner = self.w.plans.entitlement(tid)
            assert (c, plan, owner) == (e["commitment"], e["plan"], e["owner"])
            settled, pending, _, _, closed = self.w.settlement.usage(tid)
            assert (settled, pending, closed) == (e["settled"], e["pending"], e["closed"])


def test_settlement_state_machine(world):
    global W
    W = world
    run_state_machine_as_test(SettlementMachine, settings=settings(
        max_examples=30, stateful_step_count=40, deadline=None, derandomize=True,
        suppress_health_check=list(HealthCheck)))
