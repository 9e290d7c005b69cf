"""Random sequences of roaming clearing steps, checked against roaming.Model after every step:
commitments (well-formed, or with one record charged wrong) by the visited network or a stranger,
acceptance, record disputes, settlement attempts (early, late, twice), deposits, announced
withdrawals, withdrawals of credit, court cases (open, draw, a vote round with any mix of
uphold / void / silent / unrevealed panelists, appeal, execute), auditor top-ups and time travel.

Every call's outcome (success, or its revert reason) is predicted by the model first. Invariants:
funds conserved (the contract holds exactly deposits + stakes + credits + case pots, which is what
came in less what went out), every account's deposit, stake, locked stake and credit is the
model's, every slot's status and every period's settled flag are the model's, and each period is
netted at most once (one PeriodSettled per agreement and period).

Bounded: OPENRSP_ROAMING_EXAMPLES (default 25) runs of up to OPENRSP_ROAMING_STEPS (default 40)
steps (about 1,000 steps, under a minute on the 2-core machine). The run prints what happened
(commits, settlements, court rounds and verdicts, refusals by reason) and checks that each kind of
step happened at least once."""
import os

import boa
import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

import roaming
from roaming import (C_COMMITTED, C_IN_COURT, C_NONE, C_VOIDED, CASE_DECIDED, CASE_DRAWING, CASE_VOTING,
                     MAX_ROUNDS, UPHOLD, VOID, Model, Record, Tree)
from roaming_support import (COMMIT_WINDOW, COURT_FEE, DRAW_DELAY, MIN_STAKE, OBJECTION_PERIOD, PERIOD, PLMN_A,
                             PLMN_B, RATES, REVEAL_PERIOD, REVIEW_WINDOW, SLASH_BPS, VOTE_PERIOD, make_roam)
from system import DAY

EXAMPLES = int(os.environ.get("OPENRSP_ROAMING_EXAMPLES", "25"))
STEPS = int(os.environ.get("OPENRSP_ROAMING_STEPS", "40"))
W = None
STEP_COUNT = [0]
STATS = {}   # what happened, over all examples: name -> count


def seen(name):
    STATS[name] = STATS.get(name, 0) + 1
FIRST_DEPOSIT = 1_000_000_000      # 1,000 tUSD each: enough for some invoices and court fees, not all
USAGE = st.lists(st.tuples(st.sampled_from([1, 2, 3]), st.integers(1, 60_000)), min_size=1, max_size=5)
PERIODS = 40
SLOTS = st.tuples(st.sampled_from([0, 1]), st.integers(0, PERIODS - 1))     # (direction, period)
STRANGER = st.sampled_from([False, False, False, True])   # mostly the visited network
PATTERN = st.lists(st.sampled_from(["up", "void", "up", "void", "silent", "hide"]), min_size=3, max_size=3)


def reverts(fn, reason):
    """Calls fn expecting `reason` (None: success); returns fn's result."""
    if reason is None:
        return fn()
    with boa.reverts(reason):
        fn()
    return None


class RoamingMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self):
        self.anchor = boa.env.anchor()
        self.anchor.__enter__()
        self.r = r = make_roam(W)
        self.rc = r.rc
        self.m = Model(COMMIT_WINDOW, REVIEW_WINDOW, MIN_STAKE, SLASH_BPS, COURT_FEE)
        for x in r.auditors:
            self.m.stakes[x] = 2 * MIN_STAKE
        self.m.paid_in = 5 * 2 * MIN_STAKE
        self.aid = r.agree(deposit=False)
        self.m.agreements[self.aid] = roaming.Agreement(r.a, r.b, PLMN_A, PLMN_B, RATES, r.now(), PERIOD, active=True)
        for who in (r.a, r.b):
            self._deposit(who, FIRST_DEPOSIT)
        boa.env.time_travel(seconds=PERIOD + 3600)     # period 0 is over: both directions are due
        self.trees = {}            # (direction, period) -> (Tree, index of a wrong record or None)
        self.case_info = {}        # case id -> dict(seed, objection_end)
        self.settle_events = {}    # period -> PeriodSettled count
        self.announced = {}        # party -> (amount, available at)

    def teardown(self):
        if hasattr(self, "anchor"):
            self.anchor.__exit__(None, None, None)

    # ------------------------------------------------------------ helpers
    def now(self):
        return boa.env.timestamp

    def block(self):
        return boa.env.evm.patch.block_number

    def _deposit(self, who, amount):
        self.r.deposit(who, amount)
        self.m.deposits[who] = self.m.deposits.get(who, 0) + amount
        self.m.paid_in += amount

    def ag(self):
        return self.m.agreements[self.aid]

    def in_review(self, d, p):
        s = self.m.peek(self.aid, d, p)
        return s.status == C_COMMITTED and self.now() < s.committed_at + REVIEW_WINDOW

    # ------------------------------------------------------------ rules
    def committable(self):
        out = []
        for d in (0, 1):
            for p in range(PERIODS):
                a, s, now = self.ag(), self.m.peek(self.aid, d, p), self.now()
                if now >= a.period_end(p) and (
                        (s.status == C_NONE and now < a.period_end(p) + COMMIT_WINDOW)
                        or (s.status == C_VOIDED and now <= s.deadline)):
                    out.append((d, p))
        return out

    def settleable(self):
        """Periods not yet netted whose two directions are final (the model's view)."""
        ended = min(PERIODS, (self.now() - self.ag().start) // PERIOD)
        now = self.now()
        return [p for p in range(ended) if (self.aid, p) not in self.m.settled
                and all(self.m.final_invoice(self.aid, d, p, now) is not None for d in (0, 1))]

    def reviewable(self):
        return [(d, p) for d in (0, 1) for p in range(PERIODS) if self.in_review(d, p)]

    def any_slot(self, action, slot, usage):
        """An action on any slot, often one where the model predicts a revert."""
        if action == "commit":
            self.commit(slot, usage, False, False)
        else:
            getattr(self, action)(slot)

    def commit(self, slot, usage, wrong, stranger):
        d, p = slot
        a, s, now = self.ag(), self.m.peek(self.aid, d, p), self.now()
        visited = a.parties(d)[0]
        sender = self.r.stranger if stranger else visited
        recs = roaming.make_records(self.aid, d, p, a.period_end(p) - PERIOD, a.period_end(p),
                                    a.parties(d)[2], RATES, usage)
        bad = None
        if wrong:
            bad = len(recs) - 1
            recs[bad] = Record(*recs[bad].as_tuple()[:10], recs[bad].charge + 1)
        tree, t = Tree(recs), roaming.totals(recs)
        reason = None
        if sender != visited:
            reason = "caller: not the visited network"
        elif now < a.period_end(p):
            reason = "period: not ended"
        elif s.status == C_NONE:
            reason = None if now < a.period_end(p) + COMMIT_WINDOW else "commit: window over"
        elif s.status == C_VOIDED:
            reason = None if now <= s.deadline else "commit: window over"
        else:
            reason = "commit: already committed"
        with boa.env.prank(sender):
            reverts(lambda: self.rc.commitRecords(self.aid, d, p, tree.root, tree.count, t.data, t.voice, t.sms), reason)
        seen("commit" if reason is None else f"commit refused: {reason}")
        if reason is None:
            self.m.commit(self.aid, d, p, tree.root, tree.count, t, now)
            self.trees[(d, p)] = (tree, bad)

    def accept(self, slot):
        d, p = slot
        home = self.ag().parties(d)[1]
        s = self.m.peek(self.aid, d, p)
        reason = None if self.in_review(d, p) else (
            "commitment: not in review" if s.status != C_COMMITTED else "review: window closed")
        with boa.env.prank(home):
            reverts(lambda: self.rc.acceptCommitment(self.aid, d, p), reason)
        seen("accept" if reason is None else f"accept refused: {reason}")
        if reason is None:
            self.m.accept(self.aid, d, p)

    def dispute(self, slot):
        d, p = slot
        if (d, p) not in self.trees:
            return
        tree, bad = self.trees[(d, p)]
        s = self.m.peek(self.aid, d, p)
        if s.root != tree.root:
            return
        i = bad if bad is not None else 0
        if not self.in_review(d, p):
            reason = "commitment: not in review" if s.status != C_COMMITTED else "review: window closed"
        else:
            reason = None if bad is not None else "dispute: no contradiction"
        with boa.env.prank(self.ag().parties(d)[1]):
            reverts(lambda: self.rc.disputeRecord(self.aid, d, p, tree.records[i].as_tuple(), i, tree.proof(i)), reason)
        seen("dispute" if reason is None else f"dispute refused: {reason}")
        if reason is None:
            self.m.void(self.aid, d, p, self.now())

    def settle(self, p):
        try:
            expected = self.m.settle(self.aid, p, self.now())
            reason = None
        except ValueError as e:
            expected, reason = None, str(e)
        with boa.env.prank(self.r.stranger):
            reverts(lambda: self.rc.settle(self.aid, p), reason)
        seen("settle" if reason is None else f"settle refused: {reason}")
        if reason is None:
            (ev,) = [e for e in self.rc.get_logs() if type(e).__name__ == "PeriodSettled"]
            payer, payee, amount, inv_ab, inv_ba = expected
            assert (ev.payer, ev.payee, ev.net, ev.invoiceAOnB, ev.invoiceBOnA) == (payer, payee, amount, inv_ab, inv_ba)
            self.settle_events[p] = self.settle_events.get(p, 0) + 1

    def top_up(self, party, amount):
        self._deposit([self.r.a, self.r.b][party], amount)

    def announce_or_withdraw(self, party, share):
        """Announces a withdrawal of part of the deposit, or takes one announced before."""
        who = [self.r.a, self.r.b][party]
        dep = self.m.deposits.get(who, 0)
        if who not in self.announced:
            amount = max(1, dep // share)
            with boa.env.prank(who):
                reverts(lambda: self.rc.announceWithdrawal(amount), None if amount <= dep else "withdrawal: exceeds deposit")
            if amount <= dep:
                self.announced[who] = (amount, self.now() + self.rc.DEPOSIT_NOTICE())
            return
        amount, available_at = self.announced[who]
        amount = min(amount, dep)
        if self.now() < available_at:
            reason = "withdrawal: notice period open"
        else:
            reason = None if amount > 0 else "withdrawal: deposit spent"
        with boa.env.prank(who):
            reverts(lambda: self.rc.withdrawDeposit(who), reason)
        seen("deposit withdrawn" if reason is None else f"deposit withdrawal refused: {reason}")
        if reason is None:
            del self.announced[who]
            self.m.deposits[who] -= amount
            self.m.paid_out += amount

    def withdraw_credit(self, i):
        who = ([self.r.a, self.r.b] + self.r.auditors)[i]
        owed = self.m.owed.get(who, 0)
        with boa.env.prank(who):
            reverts(lambda: self.rc.withdraw(who), None if owed else "withdraw: nothing owed")
        if owed:
            self.m.owed[who] = 0
            self.m.paid_out += owed

    def auditor_tops_up(self, i):
        x = self.r.auditors[i]
        self.r.mint(x, MIN_STAKE)
        with boa.env.prank(x):
            self.rc.stake(MIN_STAKE)
        self.m.stakes[x] += MIN_STAKE
        self.m.paid_in += MIN_STAKE

    # --- court
    def open_case(self, slot):
        d, p = slot
        home = self.ag().parties(d)[1]
        s = self.m.peek(self.aid, d, p)
        if not self.in_review(d, p):
            reason = "commitment: not in review" if s.status != C_COMMITTED else "review: window closed"
        else:
            reason = None if self.m.deposits.get(home, 0) >= COURT_FEE else "court: fee not deposited"
        block = self.block()
        with boa.env.prank(home):
            cid = reverts(lambda: self.rc.openCase(self.aid, d, p), reason)
        seen("open case" if reason is None else f"open case refused: {reason}")
        if reason is None:
            self.m.open_case(cid, self.aid, d, p, home)
            self.case_info[cid] = dict(seed=block + DRAW_DELAY, objection_end=0)

    def _cases(self, state):
        return [cid for cid, c in self.m.cases.items() if c.state == state]

    def _draw(self, cid, blocks):
        boa.env.time_travel(blocks=blocks)
        info, c = self.case_info[cid], self.m.cases[cid]
        a = self.ag()
        eligible = [x for x in self.r.auditors if self.m.stakes[x] - self.m.locked.get(x, 0) >= MIN_STAKE]
        block = self.block()
        if block <= info["seed"]:
            reason = "draw: seed block not mined"
        elif block - info["seed"] > 256:
            reason = None
        else:
            reason = None if len(eligible) >= 3 else "panel: not enough auditors"
        reverts(lambda: self.rc.drawPanel(cid), reason)
        seen("draw" if reason is None else f"draw refused: {reason}")
        if reason is None:
            if block - info["seed"] > 256:
                info["seed"] = block + DRAW_DELAY
                assert self.rc.cases(cid)[6] == info["seed"]
                return
            panel = list(self.rc.cases(cid)[9])
            assert len(set(panel)) == 3 and set(panel) <= set(eligible)
            assert not set(panel) & {a.a, a.b}
            self.m.draw(cid, panel)
            info["commit_end"] = self.now() + VOTE_PERIOD

    def _vote(self, cid, pattern):
        c = self.m.cases[cid]
        commit_end = self.case_info[cid]["commit_end"]
        if self.now() >= commit_end:
            with boa.reverts("vote: commit phase over"):
                with boa.env.prank(c.panel[0]):
                    self.rc.commitVote(cid, b"\x01" * 32)
        else:
            salt = b"\x5a" * 32
            for x, k in zip(c.panel, pattern):
                if k != "silent":
                    v = UPHOLD if k in ("up", "hide") else VOID
                    with boa.env.prank(x):
                        self.rc.commitVote(cid, roaming.vote_commitment(cid, c.round, x, v, salt))
            boa.env.time_travel(seconds=commit_end - self.now())
            for x, k in zip(c.panel, pattern):
                if k in ("up", "void"):
                    v = UPHOLD if k == "up" else VOID
                    with boa.env.prank(x):
                        self.rc.revealVote(cid, v, salt)
                    c.votes[x] = v
        reveal_end = commit_end + REVEAL_PERIOD
        if self.now() < reveal_end:
            boa.env.time_travel(seconds=reveal_end - self.now())
        with boa.env.prank(self.r.stranger):
            self.rc.tally(cid)
        ev = [e for e in self.rc.get_logs() if type(e).__name__ == "RoundTallied"][0]
        round_ = c.round
        verdict = self.m.tally(cid)
        seen(f"tally verdict {verdict}")
        assert (ev.round, ev.verdict) == (round_, verdict)
        if c.state == CASE_DECIDED:
            self.case_info[cid]["objection_end"] = ev.objectionEnd
        else:
            self.case_info[cid]["seed"] = self.block() + DRAW_DELAY

    def court_round(self, slot, pattern):
        """A whole first round at once: open a case on a commitment in review, draw, vote, tally."""
        before = set(self.m.cases)
        self.open_case(slot)
        (cid,) = set(self.m.cases) - before or (None,)
        if cid is None:
            return
        self._draw(cid, DRAW_DELAY + 1)
        if self.m.cases[cid].state == CASE_VOTING:
            self._vote(cid, pattern)

    def appeal(self, cid):
        c = self.m.cases[cid]
        visited, home, _ = self.ag().parties(c.direction)
        loser = home if c.verdict == UPHOLD else visited
        if self.now() >= self.case_info[cid]["objection_end"]:
            reason = "appeal: objection period over"
        elif c.round >= MAX_ROUNDS:
            reason = "appeal: no rounds left"
        elif self.m.deposits.get(loser, 0) < COURT_FEE:
            reason = "court: fee not deposited"
        else:
            reason = None
        block = self.block()
        with boa.env.prank(loser):
            reverts(lambda: self.rc.appeal(cid), reason)
        seen("appeal" if reason is None else f"appeal refused: {reason}")
        if reason is None:
            self.m.appeal(cid, loser)
            self.case_info[cid]["seed"] = block + DRAW_DELAY

    def execute(self, cid, wait):
        if wait:
            boa.env.time_travel(seconds=OBJECTION_PERIOD)
        ok = self.now() >= self.case_info[cid]["objection_end"]
        reverts(lambda: self.rc.execute(cid), None if ok else "case: objection period open")
        seen("execute" if ok else "execute refused")
        if ok:
            self.m.execute(cid, self.now())

    # ------------------------------------------------------------ rules (four, each choosing an action:
    # few rules keep Hypothesis's swarm testing from switching off whole parts of the lifecycle)
    @rule(data=st.data(), action=st.sampled_from(["commit", "commit", "accept", "dispute", "open", "court", "any"]))
    def operators(self, data, action):
        seen(f"rule operators {action}")
        due, review = self.committable(), self.reviewable()
        if action == "commit" and due:
            self.commit(data.draw(st.sampled_from(due)), data.draw(USAGE), data.draw(st.booleans()), data.draw(STRANGER))
        elif action in ("accept", "dispute", "open") and review:
            slot = data.draw(st.sampled_from(review))
            {"accept": self.accept, "dispute": self.dispute, "open": self.open_case}[action](slot)
        elif action == "court" and review:
            self.court_round(data.draw(st.sampled_from(review)), data.draw(PATTERN))
        else:
            self.any_slot(data.draw(st.sampled_from(["commit", "accept", "dispute", "open_case"])), data.draw(SLOTS),
                          data.draw(USAGE))

    @rule(data=st.data(), action=st.sampled_from(["draw", "vote", "appeal", "execute"]))
    def court(self, data, action):
        seen(f"rule court {action}")
        if action == "draw" and self._cases(CASE_DRAWING):
            self._draw(data.draw(st.sampled_from(self._cases(CASE_DRAWING))),
                       data.draw(st.sampled_from([DRAW_DELAY + 1, DRAW_DELAY + 1, 0, 300])))
        elif action == "vote" and self._cases(CASE_VOTING):
            self._vote(data.draw(st.sampled_from(self._cases(CASE_VOTING))), data.draw(PATTERN))
        elif action == "appeal" and self._cases(CASE_DECIDED):
            self.appeal(data.draw(st.sampled_from(self._cases(CASE_DECIDED))))
        elif action == "execute" and self._cases(CASE_DECIDED):
            self.execute(data.draw(st.sampled_from(self._cases(CASE_DECIDED))), data.draw(st.booleans()))

    @rule(data=st.data(), action=st.sampled_from(["settle", "settle", "top_up", "withdraw", "credit", "stake"]))
    def money(self, data, action):
        seen(f"rule money {action}")
        if action == "settle":
            ready = self.settleable()
            if ready and data.draw(st.booleans()):
                self.settle(data.draw(st.sampled_from(ready)))
            else:
                ended = max(1, min(PERIODS, (self.now() - self.ag().start) // PERIOD))
                self.settle(data.draw(st.integers(0, ended - 1)) if data.draw(st.booleans())
                            else data.draw(st.integers(0, PERIODS - 1)))
        elif action == "top_up":
            self.top_up(data.draw(st.sampled_from([0, 1])), data.draw(st.sampled_from([1, 50_000_000, 400_000_000])))
        elif action == "withdraw":
            self.announce_or_withdraw(data.draw(st.sampled_from([0, 1])), data.draw(st.integers(1, 4)))
        elif action == "credit":
            self.withdraw_credit(data.draw(st.integers(0, 6)))
        else:
            self.auditor_tops_up(data.draw(st.integers(0, 4)))

    @rule(seconds=st.sampled_from([0, 3600, 3600, DAY]))
    def time_passes(self, seconds):
        """Some hours or days, or (0) to one hour after the end of the running period."""
        seen(f"rule time {seconds}")
        if seconds == 0:
            a = self.ag()
            p = (self.now() - a.start) // PERIOD
            seconds = a.period_end(p) + 3600 - self.now()
        boa.env.time_travel(seconds=seconds)

    # ------------------------------------------------------------ invariants
    @invariant()
    def funds_conserved(self):
        STEP_COUNT[0] += 1
        if not hasattr(self, "m"):
            return
        bal = self.r.token.balanceOf(self.rc.address)
        assert bal == self.m.held() == self.m.paid_in - self.m.paid_out

    @invariant()
    def accounts_match_model(self):
        if not hasattr(self, "m"):
            return
        for x in [self.r.a, self.r.b] + self.r.auditors:
            assert self.rc.deposits(x) == self.m.deposits.get(x, 0)
            assert self.rc.owed(x) == self.m.owed.get(x, 0)
            assert self.rc.stakes(x) == self.m.stakes.get(x, 0)
            assert self.rc.lockedStake(x) == self.m.locked.get(x, 0)

    @invariant()
    def slots_match_model(self):
        if not hasattr(self, "m"):
            return
        for (aid, d, p), s in self.m.slots.items():
            c = self.rc.commitment(aid, d, p)
            assert (c[0], c[1], c[5], c[6]) == (s.root, s.count, s.status, s.version)
            assert (c[2], c[3], c[4]) == (s.totals.data, s.totals.voice, s.totals.sms)
            if s.status == C_IN_COURT:
                assert self.m.cases[c[9]].state in (CASE_DRAWING, CASE_VOTING, CASE_DECIDED)
        ended = (self.now() - self.ag().start) // PERIOD
        for p in range(min(PERIODS, ended + 1)):
            assert self.rc.settled(self.aid, p) == ((self.aid, p) in self.m.settled)
            assert self.settle_events.get(p, 0) == int((self.aid, p) in self.m.settled)
        for cid, c in self.m.cases.items():
            on = self.rc.cases(cid)
            assert (on[4], on[5], on[14]) == (c.state, c.round, c.pot)


def test_roaming_state_machine(world):
    global W
    W = world
    STEP_COUNT[0] = 0
    STATS.clear()
    run_state_machine_as_test(RoamingMachine, settings=settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, derandomize=True,
        suppress_health_check=list(HealthCheck)))
    print(f"roaming state machine: {STEP_COUNT[0]} steps in {EXAMPLES} examples of up to {STEPS}; {sorted(STATS.items())}")
    assert STEP_COUNT[0] > EXAMPLES
    for kind in ("commit", "accept", "settle", "open case", "draw"):
        assert STATS.get(kind), f"the run never did a successful {kind}"
    assert any(k.startswith("tally") for k in STATS)
