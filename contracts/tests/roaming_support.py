"""Shared set-up of the RoamingClearing tests (test_roaming*.py): a second MNO beside the world's,
a clearing contract on the world's registry and stablecoin, funded deposits, staked auditors, and
helpers that drive an agreement through periods, commitments and court rounds."""
from dataclasses import dataclass

import boa
from eth_hash.auto import keccak

import roaming
from roaming import DIR_A_ON_B, Rates, Tree
from system import DAY, ROLE_MNO, SRC, key_for, sha

COMMIT_WINDOW = 2 * DAY       # TAP: files within 36 hours of the first call; here 2 days after the period
REVIEW_WINDOW = 5 * DAY
DEPOSIT_NOTICE = 30 * DAY
MIN_STAKE = 1_000_000_000     # 1,000 tUSD
SLASH_BPS = 2000              # 20 % of a seat: 200 tUSD
COURT_FEE = 300_000_000       # 300 tUSD
DRAW_DELAY = 5                # blocks
VOTE_PERIOD = 2 * DAY
REVEAL_PERIOD = DAY
OBJECTION_PERIOD = 2 * DAY
PERIOD = 7 * DAY
RATES = Rates(data=2_000, voice=15_000, sms=5_000)    # 0.002 tUSD/MB, 0.015/min, 0.005/SMS
PLMN_A = roaming.plmn("001", "01")
PLMN_B = roaming.plmn("001", "002")
DEPOSIT = 100_000_000_000     # 100,000 tUSD
PARAMS = (COMMIT_WINDOW, REVIEW_WINDOW, DEPOSIT_NOTICE, MIN_STAKE, SLASH_BPS, COURT_FEE, DRAW_DELAY, VOTE_PERIOD,
          REVEAL_PERIOD, OBJECTION_PERIOD)
ZERO = "0x" + "00" * 20

_partial = {}


def clearing_deployer():
    if "rc" not in _partial:
        _partial["rc"] = boa.load_partial(str(SRC / "RoamingClearing.vy"))
    return _partial["rc"]


@dataclass
class Roam:
    w: object
    rc: object
    a: str            # MNO A (the world's MNO)
    b: str            # MNO B
    key_a: str        # A's operator key (the world's)
    key_b: str        # B's operator key
    auditors: list
    stranger: str
    tok: object = None    # the stablecoin (the world's TestStablecoin unless make_roam got another)

    @property
    def token(self):
        return self.tok or self.w.token

    def now(self):
        return boa.env.timestamp

    def mint(self, who, amount):
        with boa.env.prank(self.w.gov):
            self.token.mint(who, amount)
        with boa.env.prank(who):
            self.token.approve(self.rc.address, 2**256 - 1)

    def deposit(self, who, amount=DEPOSIT):
        self.mint(who, amount)
        with boa.env.prank(who):
            self.rc.deposit(amount)

    def agree(self, rates=RATES, period=PERIOD, start=None, deposit=True) -> int:
        """A proposes, B accepts; the first period starts at `start` (default: now)."""
        start = self.now() if start is None else start
        with boa.env.prank(self.a):
            aid = self.rc.proposeAgreement(self.b, PLMN_A, PLMN_B, rates.data, rates.voice, rates.sms, start, period)
        with boa.env.prank(self.b):
            self.rc.acceptAgreement(aid)
        if deposit:
            for who in (self.a, self.b):
                if self.rc.deposits(who) == 0:
                    self.deposit(who)
        return aid

    def bounds(self, aid, period):
        ag = self.rc.agreements(aid)
        start, length = ag[7], ag[8]
        return start + period * length, start + (period + 1) * length

    def visited(self, direction):
        return (self.b, self.key_b) if direction == DIR_A_ON_B else (self.a, self.key_a)

    def home(self, direction):
        return (self.a, self.key_a) if direction == DIR_A_ON_B else (self.b, self.key_b)

    def records(self, aid, direction, period, usage=((1, 1500), (2, 30), (3, 4), (1, 250)), rates=RATES):
        p0, p1 = self.bounds(aid, period)
        plmn = PLMN_B if direction == DIR_A_ON_B else PLMN_A
        return roaming.make_records(aid, direction, period, p0, p1, plmn, rates, list(usage))

    def running_period(self, aid):
        """The period running now (or the first, before the agreement starts)."""
        ag = self.rc.agreements(aid)
        return max(0, self.now() - ag[7]) // ag[8]

    def to_period_end(self, aid, period):
        _, end = self.bounds(aid, period)
        if self.now() < end:
            boa.env.time_travel(seconds=end - self.now())

    def commit(self, aid, direction, period, records=None, totals=None, sender=None, count=None):
        """Commits `records` (default: well-formed ones) as the visited network; returns the Tree."""
        records = self.records(aid, direction, period) if records is None else records
        tree = Tree(records)
        t = totals or roaming.totals(records)
        with boa.env.prank(sender or self.visited(direction)[0]):
            self.rc.commitRecords(aid, direction, period, tree.root, count or tree.count, t.data, t.voice, t.sms)
        return tree

    def accept(self, aid, direction, period, sender=None):
        with boa.env.prank(sender or self.home(direction)[0]):
            self.rc.acceptCommitment(aid, direction, period)

    def dispute(self, aid, direction, period, tree, index, record=None, sender=None, proof=None):
        record = record or tree.records[index]
        with boa.env.prank(sender or self.home(direction)[0]):
            self.rc.disputeRecord(aid, direction, period, record.as_tuple(), index,
                                  tree.proof(index) if proof is None else proof)

    def settle(self, aid, period):
        with boa.env.prank(self.stranger):
            self.rc.settle(aid, period)

    # --- court
    def open_case(self, aid, direction, period, sender=None) -> int:
        with boa.env.prank(sender or self.home(direction)[0]):
            return self.rc.openCase(aid, direction, period)

    def draw(self, case_id) -> list:
        boa.env.time_travel(blocks=DRAW_DELAY + 1)
        with boa.env.prank(self.stranger):
            self.rc.drawPanel(case_id)
        return list(self.rc.cases(case_id)[9])

    def vote_round(self, case_id, votes: dict, reveal: dict | None = None, tally=True):
        """Each panelist in `votes` commits its vote; those in `reveal` (default: all who voted)
        reveal; then time passes to the end of the reveal phase and anyone tallies."""
        c = self.rc.cases(case_id)
        round_ = c[5]
        salts = {x: keccak(b"salt" + bytes.fromhex(x[2:]) + bytes([round_])) for x in votes}
        for x, v in votes.items():
            with boa.env.prank(x):
                self.rc.commitVote(case_id, roaming.vote_commitment(case_id, round_, x, v, salts[x]))
        boa.env.time_travel(seconds=VOTE_PERIOD)
        for x, v in votes.items():
            if reveal is None or reveal.get(x, False):
                with boa.env.prank(x):
                    self.rc.revealVote(case_id, v, salts[x])
        if tally:
            boa.env.time_travel(seconds=REVEAL_PERIOD)
            with boa.env.prank(self.stranger):
                self.rc.tally(case_id)
        return salts

    def held(self):
        """deposits + stakes + owed + pots over every account and case the tests use."""
        accounts = [self.a, self.b, self.key_a, self.key_b, self.stranger, *self.auditors]
        total = sum(self.rc.deposits(x) + self.rc.stakes(x) + self.rc.owed(x) for x in accounts)
        return total + sum(self.rc.cases(i)[14] for i in range(1, self.rc.caseCount() + 1))


def make_roam(w, token=None, n_auditors=5, stake=True) -> Roam:
    b = boa.env.generate_address("mno-b")
    key_b = key_for("mno-b-operator-key").address
    stranger = boa.env.generate_address("stranger")
    with boa.env.prank(w.gov):
        w.registry.register(b, ROLE_MNO, "Roaming partner MNO", sha("mno-b-spki"), sha("mno-b-cert"))
    with boa.env.prank(b):
        w.registry.registerOperatorKey(key_b)
    with boa.env.prank(key_b):
        w.registry.acceptOperatorKey(b)
    with boa.env.prank(w.gov):
        rc = clearing_deployer().deploy(w.registry.address, (token or w.token).address, *PARAMS)
    auditors = [boa.env.generate_address(f"auditor-{i}") for i in range(n_auditors)]
    r = Roam(w, rc, w.mno, b, w.opkey.address, key_b, auditors, stranger, token or w.token)
    if stake:
        for x in auditors:
            r.mint(x, 2 * MIN_STAKE)
            with boa.env.prank(x):
                rc.stake(2 * MIN_STAKE)
    return r
