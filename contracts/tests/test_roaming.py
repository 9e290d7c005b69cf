"""RoamingClearing: agreements, commitments, review, record disputes, netting, deposits and
payments, with every revert of those paths (the court is in test_roaming_court.py, attacks in
test_roaming_exploits.py, the state machine in test_roaming_stateful.py)."""
import re
from pathlib import Path

import boa
import pytest

import roaming
from roaming import (BAD_SERVICE, BAD_TIME, C_COMMITTED, C_VOIDED, DIR_A_ON_B, DIR_B_ON_A,
                     EXCEEDS_TOTAL, NO_END, WRONG_CHARGE, WRONG_INDEX, WRONG_LOCATION, WRONG_SLOT, Record, Tree)
from roaming_support import (COMMIT_WINDOW, DEPOSIT, DEPOSIT_NOTICE, PARAMS, PERIOD, PLMN_A, PLMN_B, RATES,
                             REVIEW_WINDOW, ZERO, clearing_deployer)
from system import DAY, SRC

HERE = Path(__file__).resolve().parent


def names(contract):
    return [type(e).__name__ for e in contract.get_logs()]


def event(contract, name):
    (ev,) = [e for e in contract.get_logs() if type(e).__name__ == name]
    return ev


def status(roam, aid, d, p):
    return roam.rc.commitment(aid, d, p)[5]


# ---------------------------------------------------------------- reference model

def test_plmn_encoding_is_ts_24_008():
    # MCC 310, MNC 260 -> 13 00 62; MCC 262, MNC 01 (2 digits: filler F) -> 62 F2 10
    assert roaming.plmn("310", "260") == 0x130062
    assert roaming.plmn("262", "01") == 0x62F210
    assert roaming.plmn("001", "01") != roaming.plmn("001", "010")
    with pytest.raises(ValueError):
        roaming.plmn("31", "260")


def test_invoice_and_net_reference():
    t = roaming.Totals(data=1000, voice=10, sms=3)
    assert roaming.invoice(RATES, t) == 1000 * 2000 + 10 * 15000 + 3 * 5000
    assert roaming.net(10, 3) == ("A", 7) and roaming.net(3, 10) == ("B", 7) and roaming.net(0, 0) == ("A", 0)


def test_record_tree_proofs_follow_merkle_py():
    recs = roaming.make_records(1, 0, 0, 1000, 2000, PLMN_B, RATES, [(1, 5), (2, 3), (3, 1)])
    tree = Tree(recs)
    for i, r in enumerate(recs):
        assert tree.verify(r, i, tree.proof(i))
        assert not tree.verify(r, (i + 1) % 3, tree.proof(i))
    # the same node hashing as usage batches: a single record's root is keccak(0x00 || leaf)
    from eth_hash.auto import keccak
    assert Tree(recs[:1]).root == keccak(b"\x00" + recs[0].leaf())


# ---------------------------------------------------------------- constructor

@pytest.mark.parametrize("index,value,reason", [
    (2, 0, "window: zero"), (3, 0, "window: zero"), (4, 0, "deposit notice: zero"), (5, 0, "min stake: zero"),
    (6, 10001, "slash: above 10000 bps"), (8, 0, "draw delay: out of range"), (8, 256, "draw delay: out of range"),
    (9, 0, "court period: zero"), (10, 0, "court period: zero"), (11, 0, "court period: zero"),
    (0, ZERO, "registry: zero address"), (1, ZERO, "token: zero address")])
def test_constructor_reverts(world, index, value, reason):
    args = [world.registry.address, world.token.address, *PARAMS]
    args[index] = value
    with boa.reverts(reason):
        clearing_deployer().deploy(*args)


def test_deployed_code_fits_eip_170(roam):
    # the runtime code plus the immutables Vyper appends to it at deployment (eth-tester enforces the
    # limit; boa does not)
    assert len(boa.env.get_code(roam.rc.address)) <= 24576


def test_constructor_records_parameters(roam):
    rc = roam.rc
    assert rc.REGISTRY() == roam.w.registry.address and rc.TOKEN() == roam.token.address
    assert (rc.COMMIT_WINDOW(), rc.REVIEW_WINDOW(), rc.DEPOSIT_NOTICE()) == (COMMIT_WINDOW, REVIEW_WINDOW, DEPOSIT_NOTICE)
    assert rc.VERSION() == 2 and rc.MAX_ROUNDS() == 3 and rc.MAX_AUDITORS() == 4096


# ---------------------------------------------------------------- agreements

def test_agreement_lifecycle(roam):
    rc = roam.rc
    start = roam.now() + DAY
    with boa.env.prank(roam.a):
        aid = rc.proposeAgreement(roam.b, PLMN_A, PLMN_B, 1, 2, 3, start, PERIOD)
    assert aid == 1 and "AgreementProposed" in names(rc)
    ag = rc.agreements(aid)
    assert (ag[0], ag[1], ag[2], ag[3], ag[4], ag[5], ag[6], ag[7], ag[8], ag[9], ag[10]) == (
        roam.a, roam.b, PLMN_A, PLMN_B, 1, 2, 3, start, PERIOD, NO_END, 1)
    with boa.env.prank(roam.b):
        rc.acceptAgreement(aid)
    assert names(rc) == ["AgreementAccepted"] and rc.agreements(aid)[10] == 2
    assert rc.agreementCount() == 1


@pytest.mark.parametrize("case,reason", [
    ("stranger", "caller: not an active MNO"), ("self", "partner: self"),
    ("partner-stranger", "partner: not an active MNO"), ("plmn-zero", "plmn: zero"), ("plmn-zero-2", "plmn: zero"),
    ("plmn-same", "plmn: same network"), ("rates", "rates: all zero"), ("short", "period: out of range"),
    ("long", "period: out of range"), ("past", "start: in the past"), ("suspended", "caller: not an active MNO")])
def test_propose_reverts(roam, case, reason):
    args = dict(partner=roam.b, p1=PLMN_A, p2=PLMN_B, rates=(1, 1, 1), start=roam.now(), period=PERIOD)
    sender = roam.a
    if case == "stranger":
        sender = roam.stranger
    elif case == "self":
        args["partner"] = roam.a
    elif case == "partner-stranger":
        args["partner"] = roam.stranger
    elif case == "plmn-zero":
        args["p1"] = 0
    elif case == "plmn-zero-2":
        args["p2"] = 0
    elif case == "plmn-same":
        args["p2"] = PLMN_A
    elif case == "rates":
        args["rates"] = (0, 0, 0)
    elif case == "short":
        args["period"] = 3599
    elif case == "long":
        args["period"] = 366 * DAY + 1
    elif case == "past":
        args["start"] = roam.now() - 1
    elif case == "suspended":
        with boa.env.prank(roam.w.gov):
            roam.w.registry.suspend(roam.a, 1)
    with boa.env.prank(sender), boa.reverts(reason):
        roam.rc.proposeAgreement(args["partner"], args["p1"], args["p2"], *args["rates"], args["start"], args["period"])


def test_operator_key_cannot_propose(roam):
    # an agreement binds the MNO itself: only its registry address proposes and accepts
    with boa.env.prank(roam.key_a), boa.reverts("caller: not an active MNO"):
        roam.rc.proposeAgreement(roam.b, PLMN_A, PLMN_B, 1, 1, 1, roam.now(), PERIOD)


def test_accept_reverts(roam):
    rc = roam.rc
    with boa.env.prank(roam.b), boa.reverts("agreement: unknown"):
        rc.acceptAgreement(99)
    with boa.env.prank(roam.a):
        aid = rc.proposeAgreement(roam.b, PLMN_A, PLMN_B, 1, 1, 1, roam.now(), PERIOD)
    for who in (roam.a, roam.key_b, roam.stranger):
        with boa.env.prank(who), boa.reverts("caller: not the partner"):
            rc.acceptAgreement(aid)
    with boa.env.prank(roam.w.gov):
        roam.w.registry.suspend(roam.b, 1)
    with boa.env.prank(roam.b), boa.reverts("partner: not an active MNO"):
        rc.acceptAgreement(aid)
    with boa.env.prank(roam.w.gov):
        roam.w.registry.reinstate(roam.b)
        roam.w.registry.suspend(roam.a, 1)
    with boa.env.prank(roam.b), boa.reverts("proposer: not an active MNO"):
        rc.acceptAgreement(aid)
    with boa.env.prank(roam.w.gov):
        roam.w.registry.reinstate(roam.a)
    with boa.env.prank(roam.b):
        rc.acceptAgreement(aid)
    with boa.env.prank(roam.b), boa.reverts("agreement: not proposed"):
        rc.acceptAgreement(aid)


def test_proposed_agreement_takes_no_commitments_or_settlement(roam):
    with boa.env.prank(roam.a):
        aid = roam.rc.proposeAgreement(roam.b, PLMN_A, PLMN_B, 1, 1, 1, roam.now(), PERIOD)
    roam.to_period_end(aid, 0)
    with boa.reverts("agreement: not active"):
        roam.commit(aid, DIR_A_ON_B, 0)
    with boa.reverts("agreement: not active"):
        roam.settle(aid, 0)
    with boa.env.prank(roam.a), boa.reverts("agreement: not active"):
        roam.rc.terminateAgreement(aid)


def test_terminate(roam):
    rc = roam.rc
    aid = roam.agree()
    boa.env.time_travel(seconds=PERIOD + DAY)       # inside period 1
    with boa.env.prank(roam.stranger), boa.reverts("caller: not a party"):
        rc.terminateAgreement(aid)
    with boa.env.prank(roam.b):
        rc.terminateAgreement(aid)
    ev = event(rc, "AgreementTerminated")
    assert ev.endPeriod == 2 and rc.agreements(aid)[9] == 2
    with boa.env.prank(roam.a), boa.reverts("agreement: already terminated"):
        rc.terminateAgreement(aid)
    # periods 0 and 1 still clear
    roam.to_period_end(aid, 1)
    roam.commit(aid, DIR_A_ON_B, 1)
    roam.to_period_end(aid, 2)
    with boa.reverts("period: after termination"):
        roam.commit(aid, DIR_A_ON_B, 2)
    with boa.reverts("period: after termination"):
        roam.settle(aid, 2)


def test_terminate_before_start_covers_no_period(roam):
    aid = roam.agree(start=roam.now() + 10 * DAY)
    with boa.env.prank(roam.a):
        roam.rc.terminateAgreement(aid)
    assert roam.rc.agreements(aid)[9] == 0
    roam.to_period_end(aid, 0)
    with boa.reverts("period: after termination"):
        roam.commit(aid, DIR_A_ON_B, 0)


# ---------------------------------------------------------------- commitments

def test_full_period_nets_into_one_credit(roam):
    rc = roam.rc
    aid = roam.agree()
    roam.to_period_end(aid, 0)
    recs_ab = roam.records(aid, DIR_A_ON_B, 0, usage=[(1, 50_000), (2, 300), (3, 40)])
    recs_ba = roam.records(aid, DIR_B_ON_A, 0, usage=[(1, 10_000), (2, 100)])
    roam.commit(aid, DIR_A_ON_B, 0, recs_ab)
    ev = event(rc, "RecordsCommitted")
    inv_ab = roaming.invoice(RATES, roaming.totals(recs_ab))
    assert ev.invoice == inv_ab and ev.committer == roam.b and ev.version == 1
    roam.commit(aid, DIR_B_ON_A, 0, recs_ba, sender=roam.key_a)       # A's operator key commits for A
    inv_ba = roaming.invoice(RATES, roaming.totals(recs_ba))
    c = rc.commitment(aid, DIR_B_ON_A, 0)
    assert (c[1], c[2], c[3], c[4], c[5], c[6]) == (2, 10_000, 100, 0, C_COMMITTED, 1)
    with boa.reverts("period: not final"):
        roam.settle(aid, 0)
    roam.accept(aid, DIR_A_ON_B, 0)
    assert event(rc, "CommitmentAccepted").byCourt is False
    roam.accept(aid, DIR_B_ON_A, 0, sender=roam.key_b)
    held = roam.token.balanceOf(rc.address)
    roam.settle(aid, 0)
    ev = event(rc, "PeriodSettled")
    assert (ev.payer, ev.payee, ev.net, ev.invoiceAOnB, ev.invoiceBOnA) == (roam.a, roam.b, inv_ab - inv_ba, inv_ab, inv_ba)
    # ONE movement: the debtor's deposit down, the creditor's credit up, no token transfer
    assert names(rc) == ["PeriodSettled", "Credited"]
    assert rc.deposits(roam.a) == DEPOSIT - (inv_ab - inv_ba) and rc.deposits(roam.b) == DEPOSIT
    assert rc.owed(roam.b) == inv_ab - inv_ba and roam.token.balanceOf(rc.address) == held
    assert rc.settled(aid, 0)
    with boa.reverts("period: already settled"):
        roam.settle(aid, 0)
    with boa.env.prank(roam.b):
        rc.withdraw(roam.b)
    assert roam.token.balanceOf(roam.b) == inv_ab - inv_ba and rc.owed(roam.b) == 0


def test_b_pays_when_its_subscribers_used_more(roam):
    aid = roam.agree()
    roam.to_period_end(aid, 0)
    roam.commit(aid, DIR_A_ON_B, 0, roam.records(aid, DIR_A_ON_B, 0, usage=[(3, 1)]))
    roam.commit(aid, DIR_B_ON_A, 0, roam.records(aid, DIR_B_ON_A, 0, usage=[(2, 10)]))
    boa.env.time_travel(seconds=REVIEW_WINDOW)     # deemed accepted: silence past the review window
    roam.settle(aid, 0)
    ev = event(roam.rc, "PeriodSettled")
    assert (ev.payer, ev.payee, ev.net) == (roam.b, roam.a, 10 * 15_000 - 5_000)


def test_no_commitment_counts_zero_after_the_commit_window(roam):
    aid = roam.agree()
    roam.to_period_end(aid, 0)
    roam.commit(aid, DIR_B_ON_A, 0, roam.records(aid, DIR_B_ON_A, 0, usage=[(1, 100)]))
    roam.accept(aid, DIR_B_ON_A, 0)
    with boa.reverts("period: not final"):       # B may still commit direction A-on-B
        roam.settle(aid, 0)
    boa.env.time_travel(seconds=COMMIT_WINDOW)
    roam.settle(aid, 0)
    ev = event(roam.rc, "PeriodSettled")
    assert (ev.payer, ev.net, ev.invoiceAOnB) == (roam.b, 100 * 2000, 0)


def test_empty_period_settles_with_nothing_moved(roam):
    aid = roam.agree()
    roam.to_period_end(aid, 0)
    boa.env.time_travel(seconds=COMMIT_WINDOW)
    roam.settle(aid, 0)
    assert event(roam.rc, "PeriodSettled").net == 0 and names(roam.rc) == ["PeriodSettled"]


@pytest.mark.parametrize("case,reason", [
    ("direction", "direction: invalid"), ("home", "caller: not the visited network"),
    ("home-key", "caller: not the visited network"), ("stranger", "caller: not the visited network"),
    ("not-ended", "period: not ended"), ("late", "commit: window over"), ("root", "root: zero"),
    ("count0", "count: out of range"), ("count-big", "count: out of range"), ("totals", "totals: zero"),
    ("suspended", "caller: not the visited network"), ("suspended-key", "caller: not the visited network"),
    ("unknown", "agreement: not active")])
def test_commit_reverts(roam, case, reason):
    aid = roam.agree()
    if case != "not-ended":
        roam.to_period_end(aid, 0)
    tree = Tree(roam.records(aid, DIR_A_ON_B, 0))
    d, sender, root, count, totals = DIR_A_ON_B, roam.b, tree.root, tree.count, (1, 1, 1)
    if case == "direction":
        d = 2
    elif case == "home":
        sender = roam.a
    elif case == "home-key":
        sender = roam.key_a
    elif case == "stranger":
        sender = roam.stranger
    elif case == "late":
        boa.env.time_travel(seconds=COMMIT_WINDOW)
    elif case == "root":
        root = b"\x00" * 32
    elif case == "count0":
        count = 0
    elif case == "count-big":
        count = 2**32 + 1
    elif case == "totals":
        totals = (0, 0, 0)
    elif case in ("suspended", "suspended-key"):
        with boa.env.prank(roam.w.gov):
            roam.w.registry.suspend(roam.b, 7)
        sender = roam.b if case == "suspended" else roam.key_b
    elif case == "unknown":
        aid = 42
    with boa.env.prank(sender), boa.reverts(reason):
        roam.rc.commitRecords(aid, d, 0, root, count, *totals)


def test_commit_at_the_window_edges(roam):
    aid = roam.agree()
    _, end = roam.bounds(aid, 0)
    boa.env.timestamp = end - 1
    with boa.reverts("period: not ended"):
        roam.commit(aid, DIR_A_ON_B, 0)
    boa.env.timestamp = end + COMMIT_WINDOW - 1
    roam.commit(aid, DIR_A_ON_B, 0)
    with boa.reverts("commit: already committed"):
        roam.commit(aid, DIR_A_ON_B, 0)
    boa.env.timestamp = end + COMMIT_WINDOW
    with boa.reverts("commit: window over"):
        roam.commit(aid, DIR_B_ON_A, 0)
    # a revoked operator key can no longer commit
    roam.to_period_end(aid, 1)
    with boa.env.prank(roam.b):
        roam.w.registry.revokeOperatorKey(roam.key_b)
    with boa.reverts("caller: not the visited network"):
        roam.commit(aid, DIR_A_ON_B, 1, sender=roam.key_b)


@pytest.mark.parametrize("case,reason", [
    ("stranger", "caller: not the home network"), ("visited", "caller: not the home network"),
    ("visited-key", "caller: not the home network"), ("none", "commitment: not in review"),
    ("accepted", "commitment: not in review"), ("late", "review: window closed"),
    ("after-termination", "period: after termination")])
def test_accept_commitment_reverts(roam, case, reason):
    aid = roam.agree()
    roam.to_period_end(aid, 0)
    sender = roam.a
    if case != "none":
        roam.commit(aid, DIR_A_ON_B, 0)
    if case == "stranger":
        sender = roam.stranger
    elif case == "visited":
        sender = roam.b
    elif case == "visited-key":
        sender = roam.key_b
    elif case == "accepted":
        roam.accept(aid, DIR_A_ON_B, 0)
    elif case == "late":
        boa.env.time_travel(seconds=REVIEW_WINDOW)
    elif case == "after-termination":
        with boa.env.prank(roam.a):
            roam.rc.terminateAgreement(aid)    # in period 1: the last period is 1
        with boa.env.prank(sender), boa.reverts(reason):
            roam.rc.acceptCommitment(aid, DIR_A_ON_B, 2)
        return
    with boa.env.prank(sender), boa.reverts(reason):
        roam.rc.acceptCommitment(aid, DIR_A_ON_B, 0)


# ---------------------------------------------------------------- record disputes

def _bad_records(roam, aid, code):
    """Well-formed records of period 0, A-on-B, with record 1 made to contradict by `code`."""
    recs = roam.records(aid, DIR_A_ON_B, 0, usage=[(1, 100), (2, 10), (3, 2), (1, 50)])
    r = recs[1]
    p0, p1 = roam.bounds(aid, 0)
    bad = {
        WRONG_SLOT: lambda: Record(aid + 1, *r.as_tuple()[1:]),
        "slot-direction": lambda: Record(aid, DIR_B_ON_A, *r.as_tuple()[2:]),
        "slot-period": lambda: Record(aid, DIR_A_ON_B, 1, *r.as_tuple()[3:]),
        WRONG_INDEX: lambda: Record(*r.as_tuple()[:3], 0, *r.as_tuple()[4:]),
        BAD_SERVICE: lambda: Record(*r.as_tuple()[:5], 4, *r.as_tuple()[6:]),
        "service-zero": lambda: Record(*r.as_tuple()[:5], 0, *r.as_tuple()[6:]),
        BAD_TIME: lambda: Record(*r.as_tuple()[:6], r.end + 1, r.end, *r.as_tuple()[8:]),
        "time-before": lambda: Record(*r.as_tuple()[:6], p0 - 1, r.end, *r.as_tuple()[8:]),
        "time-after": lambda: Record(*r.as_tuple()[:6], r.start, p1 + 1, *r.as_tuple()[8:]),
        WRONG_LOCATION: lambda: Record(*r.as_tuple()[:9], PLMN_A, r.charge),
        WRONG_CHARGE: lambda: Record(*r.as_tuple()[:10], r.charge + 1),
    }
    if code == EXCEEDS_TOTAL:
        # the committed voice total (5) is below this record's 10 minutes
        return recs, roaming.Totals(150, 5, 2)
    recs[1] = bad[code]()
    return recs, None


@pytest.mark.parametrize("code,expected", [
    (WRONG_SLOT, WRONG_SLOT), ("slot-direction", WRONG_SLOT), ("slot-period", WRONG_SLOT), (WRONG_INDEX, WRONG_INDEX),
    (BAD_SERVICE, BAD_SERVICE), ("service-zero", BAD_SERVICE), (BAD_TIME, BAD_TIME), ("time-before", BAD_TIME),
    ("time-after", BAD_TIME), (WRONG_LOCATION, WRONG_LOCATION), (WRONG_CHARGE, WRONG_CHARGE),
    (EXCEEDS_TOTAL, EXCEEDS_TOTAL)])
def test_dispute_voids_on_each_contradiction(roam, code, expected):
    aid = roam.agree()
    roam.to_period_end(aid, 0)
    recs, totals = _bad_records(roam, aid, code)
    tree = roam.commit(aid, DIR_A_ON_B, 0, recs, totals=totals)
    p0, p1 = roam.bounds(aid, 0)
    t = totals or roaming.totals(recs)
    assert roaming.contradiction(recs[1], 1, aid, DIR_A_ON_B, 0, p0, p1, PLMN_B, RATES, t) == expected
    roam.dispute(aid, DIR_A_ON_B, 0, tree, 1, sender=roam.key_a)
    ev = event(roam.rc, "CommitmentVoided")
    assert (ev.reason, ev.leafIndex, ev.version) == (expected, 1, 1)
    assert ev.recommitDeadline == roam.now() + COMMIT_WINDOW
    assert status(roam, aid, DIR_A_ON_B, 0) == C_VOIDED
    # the visited network commits a corrected set until the deadline; then it is in review again
    good = roam.commit(aid, DIR_A_ON_B, 0)
    c = roam.rc.commitment(aid, DIR_A_ON_B, 0)
    assert (c[0], c[5], c[6]) == (good.root, C_COMMITTED, 2)


def test_dispute_reverts(roam):
    aid = roam.agree()
    roam.to_period_end(aid, 0)
    tree = roam.commit(aid, DIR_A_ON_B, 0)
    with boa.reverts("dispute: no contradiction"):
        roam.dispute(aid, DIR_A_ON_B, 0, tree, 2)
    with boa.reverts("proof: index out of range"):
        roam.dispute(aid, DIR_A_ON_B, 0, tree, tree.count, record=tree.records[0], proof=tree.proof(0))
    with boa.reverts("proof: invalid"):
        roam.dispute(aid, DIR_A_ON_B, 0, tree, 1, proof=tree.proof(2))
    with boa.reverts("proof: invalid"):     # a record that is not in the tree
        roam.dispute(aid, DIR_A_ON_B, 0, tree, 1, record=Record(*tree.records[1].as_tuple()[:10], 1))
    with boa.reverts("proof: invalid"):     # a proof with one sibling too many
        roam.dispute(aid, DIR_A_ON_B, 0, tree, 1, proof=tree.proof(1) + [b"\x00" * 32])
    with boa.reverts("caller: not the home network"):
        roam.dispute(aid, DIR_A_ON_B, 0, tree, 1, sender=roam.b)
    boa.env.time_travel(seconds=REVIEW_WINDOW)
    with boa.reverts("review: window closed"):
        roam.dispute(aid, DIR_A_ON_B, 0, tree, 1)


def test_recommit_after_a_void_closes_at_the_deadline(roam):
    aid = roam.agree()
    roam.to_period_end(aid, 0)
    recs, _ = _bad_records(roam, aid, WRONG_CHARGE)
    tree = roam.commit(aid, DIR_A_ON_B, 0, recs)
    roam.dispute(aid, DIR_A_ON_B, 0, tree, 1)
    deadline = roam.rc.commitment(aid, DIR_A_ON_B, 0)[8]
    boa.env.timestamp = deadline
    with boa.reverts("period: not final"):     # the visited network may still commit
        roam.settle(aid, 0)
    boa.env.timestamp = deadline + 1
    with boa.reverts("commit: window over"):
        roam.commit(aid, DIR_A_ON_B, 0)
    with boa.reverts("commitment: not in review"):
        roam.accept(aid, DIR_A_ON_B, 0)
    roam.settle(aid, 0)                         # the voided direction counts zero
    assert event(roam.rc, "PeriodSettled").invoiceAOnB == 0


# ---------------------------------------------------------------- settlement

def test_settle_reverts(roam):
    with boa.reverts("agreement: not active"):
        roam.settle(7, 0)
    aid = roam.agree(deposit=False)
    roam.to_period_end(aid, 0)
    with boa.reverts("period: not final"):              # nothing committed, commit window open
        roam.settle(aid, 0)
    roam.commit(aid, DIR_A_ON_B, 0)
    boa.env.time_travel(seconds=COMMIT_WINDOW)
    with boa.reverts("period: not final"):              # A-on-B in review
        roam.settle(aid, 0)
    roam.accept(aid, DIR_A_ON_B, 0)
    with boa.reverts("settle: deposit insufficient"):   # A deposited nothing
        roam.settle(aid, 0)
    roam.deposit(roam.a, 1)
    with boa.reverts("settle: deposit insufficient"):
        roam.settle(aid, 0)
    roam.deposit(roam.a)
    roam.settle(aid, 0)


# ---------------------------------------------------------------- deposits and withdrawals

def test_deposit_withdrawal_with_notice(roam):
    rc = roam.rc
    with boa.env.prank(roam.a), boa.reverts("deposit: zero"):
        rc.deposit(0)
    roam.deposit(roam.a, 1000)
    assert names(rc)[-1] == "Deposited" and rc.deposits(roam.a) == 1000
    with boa.env.prank(roam.a):
        with boa.reverts("withdrawal: none announced"):
            rc.withdrawDeposit(roam.a)
        with boa.reverts("withdrawal: zero"):
            rc.announceWithdrawal(0)
        with boa.reverts("withdrawal: exceeds deposit"):
            rc.announceWithdrawal(1001)
        rc.announceWithdrawal(600)
        assert rc.withdrawalAvailableAt(roam.a) == roam.now() + DEPOSIT_NOTICE
        with boa.reverts("withdrawal: notice period open"):
            rc.withdrawDeposit(roam.a)
    boa.env.time_travel(seconds=DEPOSIT_NOTICE)
    with boa.env.prank(roam.a):
        with boa.reverts("receiver: zero address"):
            rc.withdrawDeposit(ZERO)
        rc.withdrawDeposit(roam.stranger)
    assert roam.token.balanceOf(roam.stranger) == 600 and rc.deposits(roam.a) == 400
    assert rc.withdrawalAmount(roam.a) == 0


def test_settlement_spends_an_announced_withdrawal_first(roam):
    # the deposit stays collateral during the notice: a debtor cannot outrun a settlement by announcing
    rc = roam.rc
    aid = roam.agree(deposit=False)
    roam.deposit(roam.a, 100)
    with boa.env.prank(roam.a):
        rc.announceWithdrawal(100)
    roam.to_period_end(aid, 0)
    roam.commit(aid, DIR_A_ON_B, 0, roam.records(aid, DIR_A_ON_B, 0, usage=[(3, 1)]))   # 5,000 owed
    roam.deposit(roam.a, 4_950)
    roam.accept(aid, DIR_A_ON_B, 0)
    boa.env.time_travel(seconds=COMMIT_WINDOW)
    roam.settle(aid, 0)
    boa.env.time_travel(seconds=DEPOSIT_NOTICE)
    assert rc.deposits(roam.a) == 50
    with boa.env.prank(roam.a):
        rc.withdrawDeposit(roam.a)            # only what is left
    assert event(rc, "DepositWithdrawn").amount == 50
    # a deposit spent in full before the withdrawal: nothing to take
    roam.deposit(roam.a, 5_000)
    with boa.env.prank(roam.a):
        rc.announceWithdrawal(5_000)
    p = roam.running_period(aid)
    roam.to_period_end(aid, p)
    roam.commit(aid, DIR_A_ON_B, p, roam.records(aid, DIR_A_ON_B, p, usage=[(3, 1)]))
    roam.accept(aid, DIR_A_ON_B, p)
    boa.env.time_travel(seconds=COMMIT_WINDOW)
    roam.settle(aid, p)
    boa.env.time_travel(seconds=DEPOSIT_NOTICE)
    with boa.env.prank(roam.a), boa.reverts("withdrawal: deposit spent"):
        rc.withdrawDeposit(roam.a)


def test_withdraw_reverts(roam):
    with boa.env.prank(roam.b):
        with boa.reverts("withdraw: nothing owed"):
            roam.rc.withdraw(roam.b)
    aid = roam.agree()
    roam.to_period_end(aid, 0)
    roam.commit(aid, DIR_A_ON_B, 0)
    roam.accept(aid, DIR_A_ON_B, 0)
    boa.env.time_travel(seconds=COMMIT_WINDOW)
    roam.settle(aid, 0)
    with boa.env.prank(roam.b), boa.reverts("receiver: zero address"):
        roam.rc.withdraw(ZERO)


@pytest.mark.parametrize("mode,reason", [(1, "token: transfer failed"), (2, "token: fee on transfer")])
def test_odd_tokens_are_refused_on_deposit(world, mode, reason):
    from roaming_support import make_roam
    odd = boa.load(str(Path(__file__).parent / "OddToken.vy"), mode)
    r = make_roam(world, token=odd, stake=False)
    odd.mint(r.a, 1000)
    with boa.env.prank(r.a), boa.reverts(reason):
        r.rc.deposit(1000)
    with boa.env.prank(r.a), boa.reverts(reason):
        r.rc.stake(1000)


def test_a_token_that_returns_false_on_transfer_fails_the_withdrawal(world):
    from roaming_support import make_roam
    odd = boa.load(str(Path(__file__).parent / "OddToken.vy"), 0)
    r = make_roam(world, token=odd, stake=False)
    odd.mint(r.a, 1000)
    with boa.env.prank(r.a):
        r.rc.deposit(1000)
        r.rc.announceWithdrawal(1000)
    boa.env.time_travel(seconds=DEPOSIT_NOTICE)
    odd.setMode(1)
    with boa.env.prank(r.a), boa.reverts("token: transfer failed"):
        r.rc.withdrawDeposit(r.a)
    assert r.rc.deposits(r.a) == 1000


# ---------------------------------------------------------------- every revert is tested

def test_every_revert_reason_is_exercised_by_a_roaming_test():
    src = (SRC / "RoamingClearing.vy").read_text()
    reasons = set(re.findall(r'(?:assert [^\n]*?|raise) "([^"]+)"', src))
    assert len(reasons) > 60
    tests = "".join(p.read_text() for p in HERE.glob("test_roaming*.py"))
    missing = sorted(r for r in reasons if f'"{r}"' not in tests)
    assert not missing, f"revert reasons no test_roaming*.py names: {missing}"
