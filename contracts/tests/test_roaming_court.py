"""RoamingClearing's auditor court: staking, the panel draw from a future block's hash, commit-reveal
votes, majority, slashing, the objection period and appeals, execution; with every revert."""
import boa
import pytest

import roaming
from roaming import C_ACCEPTED, C_COMMITTED, C_IN_COURT, C_VOIDED, CASE_CLOSED, CASE_DECIDED, CASE_DRAWING, \
    CASE_VOTING, DIR_A_ON_B, UPHOLD, VOID, VOIDED_BY_COURT
from roaming_support import (COMMIT_WINDOW, COURT_FEE, DEPOSIT, DRAW_DELAY, MIN_STAKE, OBJECTION_PERIOD,
                             REVEAL_PERIOD, REVIEW_WINDOW, SLASH_BPS, VOTE_PERIOD, make_roam)

SLASH = MIN_STAKE * SLASH_BPS // 10000
# Case fields (RoamingClearing.cases)
STATE, ROUND, SEED, COMMIT_END, REVEAL_END, PANEL, VOTE_HASH, VOTES, VERDICT, OBJECTION_END, POT = range(4, 15)


def names(contract):
    return [type(e).__name__ for e in contract.get_logs()]


def event(contract, name):
    (ev,) = [e for e in contract.get_logs() if type(e).__name__ == name]
    return ev


def committed(roam, d=DIR_A_ON_B, p=0):
    aid = roam.agree()
    roam.to_period_end(aid, p)
    tree = roam.commit(aid, d, p)
    return aid, tree


def opened(roam):
    aid, _ = committed(roam)
    cid = roam.open_case(aid, DIR_A_ON_B, 0)
    return aid, cid


# ---------------------------------------------------------------- staking

def test_stake_and_unstake(roam):
    rc, x = roam.rc, roam.auditors[0]
    assert rc.auditorCount() == 5 and rc.auditorAt(0) == x and rc.stakes(x) == 2 * MIN_STAKE
    with boa.env.prank(x):
        with boa.reverts("stake: zero"):
            rc.stake(0)
        with boa.reverts("unstake: zero"):
            rc.unstake(0)
        with boa.reverts("unstake: locked or insufficient"):
            rc.unstake(2 * MIN_STAKE + 1)
        rc.unstake(MIN_STAKE)
    assert roam.token.balanceOf(x) == MIN_STAKE and rc.stakes(x) == MIN_STAKE
    roam.mint(x, 5)
    with boa.env.prank(x):
        rc.stake(5)                      # staking again does not list the auditor twice
    assert rc.auditorCount() == 5 and rc.stakes(x) == MIN_STAKE + 5


def test_locked_stake_cannot_be_unstaked(roam):
    aid, cid = opened(roam)
    panel = roam.draw(cid)
    x = panel[0]
    assert roam.rc.lockedStake(x) == MIN_STAKE
    with boa.env.prank(x), boa.reverts("unstake: locked or insufficient"):
        roam.rc.unstake(MIN_STAKE + 1)
    with boa.env.prank(x):
        roam.rc.unstake(MIN_STAKE)


def test_auditor_list_is_bounded(roam):
    roam.rc.eval("self.auditorCount = 4096")
    newcomer = boa.env.generate_address("auditor-late")
    roam.mint(newcomer, MIN_STAKE)
    with boa.env.prank(newcomer), boa.reverts("auditors: list full"):
        roam.rc.stake(MIN_STAKE)
    with boa.env.prank(roam.auditors[0]):    # listed auditors may still add stake
        roam.mint(roam.auditors[0], 1)
        roam.rc.stake(1)


# ---------------------------------------------------------------- opening and drawing

def test_open_case_takes_the_fee_and_fixes_the_seed_block(roam):
    rc = roam.rc
    aid, _ = committed(roam)
    block = boa.env.evm.patch.block_number
    cid = roam.open_case(aid, DIR_A_ON_B, 0, sender=roam.key_a)    # an operator key acts for its MNO
    ev = event(rc, "CaseOpened")
    assert (cid, ev.opener, ev.seedBlock, ev.fee) == (1, roam.a, block + DRAW_DELAY, COURT_FEE)
    c = rc.cases(cid)
    assert (c[0], c[1], c[2], c[3], c[STATE], c[ROUND], c[SEED], c[POT]) == (
        aid, DIR_A_ON_B, 0, roam.a, CASE_DRAWING, 1, block + DRAW_DELAY, COURT_FEE)
    assert rc.deposits(roam.a) == DEPOSIT - COURT_FEE
    com = rc.commitment(aid, DIR_A_ON_B, 0)
    assert (com[5], com[9]) == (C_IN_COURT, cid)
    # nothing moves the commitment while the case is open
    with boa.reverts("commitment: not in review"):
        roam.accept(aid, DIR_A_ON_B, 0)
    with boa.reverts("commitment: not in review"):
        roam.open_case(aid, DIR_A_ON_B, 0)
    boa.env.time_travel(seconds=REVIEW_WINDOW + COMMIT_WINDOW)
    with boa.reverts("period: not final"):
        roam.settle(aid, 0)


def test_open_case_reverts(roam):
    aid = roam.agree(deposit=False)
    roam.to_period_end(aid, 0)
    roam.commit(aid, DIR_A_ON_B, 0)
    with boa.reverts("caller: not the home network"):
        roam.open_case(aid, DIR_A_ON_B, 0, sender=roam.b)
    with boa.reverts("court: fee not deposited"):
        roam.open_case(aid, DIR_A_ON_B, 0)
    roam.deposit(roam.a, COURT_FEE - 1)
    with boa.reverts("court: fee not deposited"):
        roam.open_case(aid, DIR_A_ON_B, 0)
    boa.env.time_travel(seconds=REVIEW_WINDOW)
    roam.deposit(roam.a, 1)
    with boa.reverts("review: window closed"):
        roam.open_case(aid, DIR_A_ON_B, 0)


def test_draw_reverts_and_panel(roam):
    rc = roam.rc
    aid, cid = opened(roam)
    with boa.env.prank(roam.stranger):
        with boa.reverts("draw: seed block not mined"):
            rc.drawPanel(cid)
        boa.env.time_travel(blocks=DRAW_DELAY)
        with boa.reverts("draw: seed block not mined"):     # the seed block is the current one
            rc.drawPanel(cid)
        boa.env.time_travel(blocks=1)
        rc.drawPanel(cid)
        with boa.reverts("case: not drawing"):
            rc.drawPanel(cid)
        with boa.reverts("case: not drawing"):
            rc.drawPanel(99)
    c = rc.cases(cid)
    panel = list(c[PANEL])
    assert len(set(panel)) == 3 and set(panel) <= set(roam.auditors)
    assert c[STATE] == CASE_VOTING and c[COMMIT_END] == roam.now() + VOTE_PERIOD
    assert c[REVEAL_END] == c[COMMIT_END] + REVEAL_PERIOD
    assert all(rc.lockedStake(x) == MIN_STAKE for x in panel)


def test_seed_block_refixed_when_its_hash_is_gone(roam):
    rc = roam.rc
    aid, cid = opened(roam)
    boa.env.time_travel(blocks=DRAW_DELAY + 257)
    with boa.env.prank(roam.stranger):
        rc.drawPanel(cid)
    ev = event(rc, "SeedRefixed")
    assert ev.seedBlock == boa.env.evm.patch.block_number + DRAW_DELAY
    assert rc.cases(cid)[STATE] == CASE_DRAWING
    roam.draw(cid)
    assert rc.cases(cid)[STATE] == CASE_VOTING


def test_panel_excludes_parties_and_their_keys(world):
    r = make_roam(world, n_auditors=3)
    # the parties' addresses and operator keys stake as auditors too: never drawn for their own case
    for x in (r.a, r.b, r.key_a, r.key_b):
        r.mint(x, MIN_STAKE)
        with boa.env.prank(x):
            r.rc.stake(MIN_STAKE)
    aid, cid = opened(r)
    panel = r.draw(cid)
    assert set(panel) == set(r.auditors)


def test_not_enough_auditors(world):
    r = make_roam(world, n_auditors=2)
    aid, cid = opened(r)
    boa.env.time_travel(blocks=DRAW_DELAY + 1)
    with boa.reverts("panel: not enough auditors"):
        r.rc.drawPanel(cid)
    # a third auditor with too little free stake is not eligible either
    x = boa.env.generate_address("auditor-poor")
    r.mint(x, MIN_STAKE - 1)
    with boa.env.prank(x):
        r.rc.stake(MIN_STAKE - 1)
    with boa.reverts("panel: not enough auditors"):
        r.rc.drawPanel(cid)
    r.mint(x, 1)
    with boa.env.prank(x):
        r.rc.stake(1)
    r.rc.drawPanel(cid)
    assert set(r.rc.cases(cid)[PANEL]) == {*r.auditors, x}


# ---------------------------------------------------------------- voting

def test_vote_reverts(roam):
    rc = roam.rc
    aid, cid = opened(roam)
    salt = b"\x07" * 32
    with boa.env.prank(roam.auditors[0]):
        with boa.reverts("case: not voting"):
            rc.commitVote(cid, b"\x01" * 32)
        with boa.reverts("case: not voting"):
            rc.revealVote(cid, UPHOLD, salt)
    with boa.reverts("case: not voting"):
        rc.tally(cid)
    panel = roam.draw(cid)
    outsider = [x for x in roam.auditors if x not in panel][0]
    x, y, z = panel
    h = lambda who, v, s=salt: roaming.vote_commitment(cid, 1, who, v, s)   # noqa: E731
    with boa.env.prank(outsider), boa.reverts("vote: not on the panel"):
        rc.commitVote(cid, h(outsider, UPHOLD))
    with boa.env.prank(x):
        with boa.reverts("vote: zero hash"):
            rc.commitVote(cid, b"\x00" * 32)
        rc.commitVote(cid, h(x, UPHOLD))
        assert names(rc) == ["VoteCommitted"]
        with boa.reverts("vote: already committed"):
            rc.commitVote(cid, h(x, VOID))
        with boa.reverts("vote: commit phase open"):
            rc.revealVote(cid, UPHOLD, salt)
    with boa.env.prank(y):
        rc.commitVote(cid, h(y, 3))          # a vote that is neither uphold nor void
    boa.env.time_travel(seconds=VOTE_PERIOD)
    with boa.env.prank(z), boa.reverts("vote: commit phase over"):
        rc.commitVote(cid, h(z, UPHOLD))
    with boa.env.prank(z), boa.reverts("vote: not committed"):
        rc.revealVote(cid, UPHOLD, salt)
    with boa.env.prank(outsider), boa.reverts("vote: not on the panel"):
        rc.revealVote(cid, UPHOLD, salt)
    with boa.env.prank(x):
        with boa.reverts("vote: reveal mismatch"):
            rc.revealVote(cid, VOID, salt)
        with boa.reverts("vote: reveal mismatch"):
            rc.revealVote(cid, UPHOLD, b"\x08" * 32)
        rc.revealVote(cid, UPHOLD, salt)
        assert event(rc, "VoteRevealed").vote == UPHOLD
        with boa.reverts("vote: already revealed"):
            rc.revealVote(cid, UPHOLD, salt)
    with boa.env.prank(y), boa.reverts("vote: invalid"):
        rc.revealVote(cid, 3, salt)
    with boa.reverts("vote: reveal phase open"):
        rc.tally(cid)
    boa.env.time_travel(seconds=REVEAL_PERIOD)
    with boa.env.prank(y), boa.reverts("vote: reveal phase over"):
        rc.revealVote(cid, UPHOLD, salt)
    rc.tally(cid)


def test_majority_void_slashes_the_minority_and_pays_the_majority(roam):
    rc = roam.rc
    aid, cid = opened(roam)
    x, y, z = roam.draw(cid)
    roam.vote_round(cid, {x: VOID, y: VOID, z: UPHOLD})
    ev = event(rc, "RoundTallied")
    assert (ev.round, ev.upholds, ev.voids, ev.verdict) == (1, 1, 2, VOID)
    assert ev.objectionEnd == roam.now() + OBJECTION_PERIOD
    assert [e.auditor for e in rc.get_logs() if type(e).__name__ == "Slashed"] == [z]
    pot = COURT_FEE + SLASH
    assert rc.owed(x) == pot - pot // 2 and rc.owed(y) == pot // 2
    assert rc.stakes(z) == 2 * MIN_STAKE - SLASH and rc.stakes(x) == 2 * MIN_STAKE
    assert all(rc.lockedStake(a) == 0 for a in (x, y, z))
    c = rc.cases(cid)
    assert (c[STATE], c[VERDICT], c[POT]) == (CASE_DECIDED, VOID, 0)
    with boa.reverts("case: objection period open"):
        rc.execute(cid)
    boa.env.time_travel(seconds=OBJECTION_PERIOD)
    with boa.env.prank(roam.b), boa.reverts("appeal: objection period over"):
        rc.appeal(cid)
    rc.execute(cid)
    assert names(rc) == ["CaseExecuted", "CommitmentVoided"]
    assert event(rc, "CommitmentVoided").reason == VOIDED_BY_COURT
    assert rc.cases(cid)[STATE] == CASE_CLOSED and rc.commitment(aid, DIR_A_ON_B, 0)[5] == C_VOIDED
    with boa.reverts("case: not decided"):
        rc.execute(cid)
    # the visited network commits a corrected set; it is in review again (and could go to court again)
    roam.commit(aid, DIR_A_ON_B, 0, roam.records(aid, DIR_A_ON_B, 0, usage=[(1, 10)]))
    assert rc.commitment(aid, DIR_A_ON_B, 0)[5] == C_COMMITTED and rc.commitment(aid, DIR_A_ON_B, 0)[9] == cid
    assert roam.held() == roam.token.balanceOf(rc.address)


def test_unanimous_uphold_accepts_and_the_period_settles(roam):
    rc = roam.rc
    aid, cid = opened(roam)
    panel = roam.draw(cid)
    roam.vote_round(cid, {p: UPHOLD for p in panel})
    assert not [e for e in rc.get_logs() if type(e).__name__ == "Slashed"]
    share = COURT_FEE // 3
    assert [rc.owed(p) for p in panel] == [COURT_FEE - 2 * share, share, share]
    boa.env.time_travel(seconds=OBJECTION_PERIOD)
    rc.execute(cid)
    assert event(rc, "CommitmentAccepted").byCourt is True
    assert rc.commitment(aid, DIR_A_ON_B, 0)[5] == C_ACCEPTED
    boa.env.time_travel(seconds=COMMIT_WINDOW)
    roam.settle(aid, 0)
    assert roam.held() == roam.token.balanceOf(rc.address)


def test_non_revealers_lose_stake_even_in_the_majority_side(roam):
    rc = roam.rc
    aid, cid = opened(roam)
    x, y, z = roam.draw(cid)
    roam.vote_round(cid, {x: UPHOLD, y: UPHOLD, z: UPHOLD}, reveal={x: True, y: True})
    assert [e.auditor for e in rc.get_logs() if type(e).__name__ == "Slashed"] == [z]
    assert rc.cases(cid)[VERDICT] == UPHOLD
    pot = COURT_FEE + SLASH
    assert rc.owed(x) + rc.owed(y) == pot and rc.owed(z) == 0


def test_no_majority_draws_again_and_after_three_rounds_the_commitment_stands(roam):
    rc = roam.rc
    aid, cid = opened(roam)
    pot = COURT_FEE
    for round_ in (1, 2, 3):
        x, y, z = roam.draw(cid)
        # one uphold, one void, one silent panelist: no majority; the silent one is slashed
        roam.vote_round(cid, {x: UPHOLD, y: VOID, z: UPHOLD}, reveal={x: True, y: True})
        ev = event(rc, "RoundTallied")
        assert (ev.round, ev.verdict if round_ < 3 else 0) == (round_, 0)
        pot += SLASH
        c = rc.cases(cid)
        if round_ < 3:
            assert (c[STATE], c[ROUND], c[POT]) == (CASE_DRAWING, round_ + 1, pot)
            assert c[SEED] == boa.env.evm.patch.block_number + DRAW_DELAY
    c = rc.cases(cid)
    assert (c[STATE], c[VERDICT], c[POT], c[OBJECTION_END]) == (CASE_DECIDED, UPHOLD, 0, roam.now())
    assert rc.owed(roam.a) == pot       # the opener gets the pot back
    with boa.env.prank(roam.a), boa.reverts("appeal: objection period over"):
        rc.appeal(cid)
    rc.execute(cid)
    assert rc.commitment(aid, DIR_A_ON_B, 0)[5] == C_ACCEPTED
    assert roam.held() == roam.token.balanceOf(rc.address)


def test_nobody_reveals(roam):
    rc = roam.rc
    aid, cid = opened(roam)
    panel = roam.draw(cid)
    roam.vote_round(cid, {})
    assert len([e for e in rc.get_logs() if type(e).__name__ == "Slashed"]) == 3
    assert rc.cases(cid)[POT] == COURT_FEE + 3 * SLASH and rc.cases(cid)[STATE] == CASE_DRAWING
    assert all(rc.stakes(p) == 2 * MIN_STAKE - SLASH for p in panel)


# ---------------------------------------------------------------- objection period and appeal

def test_appeal_by_the_losing_party(roam):
    rc = roam.rc
    aid, cid = opened(roam)
    x, y, z = roam.draw(cid)
    roam.vote_round(cid, {x: VOID, y: VOID, z: VOID})            # B (visited) loses
    for who in (roam.a, roam.key_a, roam.stranger):
        with boa.env.prank(who), boa.reverts("appeal: not the losing party"):
            rc.appeal(cid)
    with boa.env.prank(roam.key_b):                              # B's operator key appeals for B
        rc.appeal(cid)
    ev = event(rc, "CaseAppealed")
    assert (ev.by, ev.round, ev.fee) == (roam.b, 2, COURT_FEE)
    assert rc.deposits(roam.b) == DEPOSIT - COURT_FEE
    c = rc.cases(cid)
    assert (c[STATE], c[ROUND], c[VERDICT], c[POT]) == (CASE_DRAWING, 2, 0, COURT_FEE)
    with boa.reverts("case: not decided"):
        rc.appeal(cid)
    # round 2 upholds: now A (home) has lost and may appeal once more (round 3), then no more
    panel = roam.draw(cid)
    roam.vote_round(cid, {p: UPHOLD for p in panel})
    with boa.env.prank(roam.a):
        rc.appeal(cid)
    panel = roam.draw(cid)
    roam.vote_round(cid, {p: VOID for p in panel})
    with boa.env.prank(roam.b), boa.reverts("appeal: no rounds left"):
        rc.appeal(cid)
    boa.env.time_travel(seconds=OBJECTION_PERIOD)
    rc.execute(cid)
    assert rc.commitment(aid, DIR_A_ON_B, 0)[5] == C_VOIDED
    assert roam.held() == roam.token.balanceOf(rc.address)


def test_appeal_fee_not_deposited(world):
    r = make_roam(world)
    aid = r.agree(deposit=False)
    r.deposit(r.a)
    r.to_period_end(aid, 0)
    r.commit(aid, DIR_A_ON_B, 0)
    cid = r.open_case(aid, DIR_A_ON_B, 0)
    panel = r.draw(cid)
    r.vote_round(cid, {p: VOID for p in panel})
    with boa.env.prank(r.b), boa.reverts("court: fee not deposited"):
        r.rc.appeal(cid)


@pytest.mark.parametrize("when", ["drawing", "voting"])
def test_execute_and_appeal_only_when_decided(roam, when):
    aid, cid = opened(roam)
    if when == "voting":
        roam.draw(cid)
    with boa.reverts("case: not decided"):
        roam.rc.execute(cid)
    with boa.env.prank(roam.b), boa.reverts("case: not decided"):
        roam.rc.appeal(cid)
