"""Reference model of RoamingClearing.vy (issue 19): the roaming record leaf and tree, PLMN ids,
invoices, netting, the contradiction rules, vote commitments, and a state model of the whole
contract that the tests compare the contract with.

Record leaf (the tree is contracts/merkle.py's: leaf node = keccak256(0x00 || leaf), node =
keccak256(0x01 || left || right), positional, an odd level promotes its last node):

    leaf = keccak256(abi.encode(uint256 agreementId, uint8 direction, uint64 period, uint64 index,
                                bytes32 imsiPseudonym, uint8 service, uint64 startTime,
                                uint64 endTime, uint64 volume, uint24 location, uint256 charge))

Record i of a commitment carries index i. The fields follow what a GSMA TAP call event detail
carries that the clearing needs: the served subscriber (here a keyed hash of the IMSI, never the
IMSI), the service, the start and end, the chargeable volume (MB, minutes, messages), the location
(the PLMN where it was used) and the charge.
"""
from __future__ import annotations

import hmac
import hashlib
from dataclasses import dataclass, field, replace

from eth_abi import encode
from eth_hash.auto import keccak

import merkle

DIR_A_ON_B, DIR_B_ON_A = 0, 1
DATA, VOICE, SMS = 1, 2, 3
SERVICES = (DATA, VOICE, SMS)

C_NONE, C_COMMITTED, C_ACCEPTED, C_IN_COURT, C_VOIDED = 0, 1, 2, 3, 4
WRONG_SLOT, WRONG_INDEX, BAD_SERVICE, BAD_TIME, WRONG_LOCATION, WRONG_CHARGE, EXCEEDS_TOTAL, VOIDED_BY_COURT = range(1, 9)
UPHOLD, VOID = 1, 2
CASE_DRAWING, CASE_VOTING, CASE_DECIDED, CASE_CLOSED = 1, 2, 3, 4
MAX_ROUNDS = 3
NO_END = 2**64 - 1
RECORD_T = "(uint256,uint8,uint64,uint64,bytes32,uint8,uint64,uint64,uint64,uint24,uint256)"
RECORD_TYPES = ["uint256", "uint8", "uint64", "uint64", "bytes32", "uint8", "uint64", "uint64", "uint64", "uint24",
                "uint256"]


def plmn(mcc: str, mnc: str) -> int:
    """PLMN identity as the 3 octets of 3GPP TS 24.008 10.5.1.3 (MCC digit 2|1, MNC digit 3|MCC
    digit 3, MNC digit 2|1; a 2-digit MNC has F as its third digit), as a big-endian uint24."""
    if len(mcc) != 3 or len(mnc) not in (2, 3) or not (mcc + mnc).isdigit():
        raise ValueError("MCC is 3 digits, MNC 2 or 3")
    d = [int(c) for c in mcc]
    n = [int(c) for c in mnc] + ([0xF] if len(mnc) == 2 else [])
    return ((d[1] << 4 | d[0]) << 16) | ((n[2] << 4 | d[2]) << 8) | (n[1] << 4 | n[0])


def imsi_pseudonym(key: bytes, imsi: str) -> bytes:
    """The home network's keyed hash of an IMSI: HMAC-SHA-256 under a key the home network keeps
    (shared with the visited network off chain). The IMSI never appears on chain."""
    return hmac.new(key, imsi.encode(), hashlib.sha256).digest()


@dataclass(frozen=True)
class Rates:
    data: int      # token units per MB
    voice: int     # per minute
    sms: int       # per message

    def of(self, service: int) -> int:
        return {DATA: self.data, VOICE: self.voice, SMS: self.sms}[service]


@dataclass(frozen=True)
class Record:
    agreement_id: int
    direction: int
    period: int
    index: int
    imsi_pseudonym: bytes
    service: int
    start: int
    end: int
    volume: int
    location: int
    charge: int

    def as_tuple(self):
        return (self.agreement_id, self.direction, self.period, self.index, self.imsi_pseudonym, self.service,
                self.start, self.end, self.volume, self.location, self.charge)

    def leaf(self) -> bytes:
        return keccak(encode(RECORD_TYPES, list(self.as_tuple())))


@dataclass(frozen=True)
class Totals:
    data: int = 0
    voice: int = 0
    sms: int = 0

    def of(self, service: int) -> int:
        return {DATA: self.data, VOICE: self.voice, SMS: self.sms}[service]


def totals(records) -> Totals:
    t = {DATA: 0, VOICE: 0, SMS: 0}
    for r in records:
        if r.service in t:      # a record of no known service counts for nothing (and is a contradiction)
            t[r.service] += r.volume
    return Totals(t[DATA], t[VOICE], t[SMS])


def invoice(rates: Rates, t: Totals) -> int:
    """totals x rates (what the home network owes for one direction and period)."""
    return t.data * rates.data + t.voice * rates.voice + t.sms * rates.sms


def net(invoice_a_on_b: int, invoice_b_on_a: int) -> tuple[str, int]:
    """('A' or 'B': who pays, amount): the two directions netted into one payment. A pays on a tie
    (of zero)."""
    if invoice_a_on_b >= invoice_b_on_a:
        return "A", invoice_a_on_b - invoice_b_on_a
    return "B", invoice_b_on_a - invoice_a_on_b


class Tree:
    """The records of one commitment, their Merkle levels and proofs (merkle.py's tree)."""

    def __init__(self, records):
        self.records = list(records)
        self.levels = merkle.build_levels([r.leaf() for r in self.records])

    @property
    def root(self) -> bytes:
        return self.levels[-1][0]

    @property
    def count(self) -> int:
        return len(self.records)

    def proof(self, index: int) -> list[bytes]:
        return merkle.proof(self.levels, index)

    def verify(self, record: Record, index: int, proof: list[bytes]) -> bool:
        return merkle.verify(self.root, record.leaf(), index, self.count, proof)


def contradiction(record: Record, leaf_index: int, agreement_id: int, direction: int, period: int,
                  period_start: int, period_end: int, visited_plmn: int, rates: Rates, t: Totals) -> int:
    """The contract's contradiction code for a proven record (0: none), checked in this order."""
    if (record.agreement_id, record.direction, record.period) != (agreement_id, direction, period):
        return WRONG_SLOT
    if record.index != leaf_index:
        return WRONG_INDEX
    if record.service not in SERVICES:
        return BAD_SERVICE
    if record.start > record.end or record.start < period_start or record.end > period_end:
        return BAD_TIME
    if record.location != visited_plmn:
        return WRONG_LOCATION
    if record.charge != record.volume * rates.of(record.service):
        return WRONG_CHARGE
    if record.volume > t.of(record.service):
        return EXCEEDS_TOTAL
    return 0


def vote_commitment(case_id: int, round_: int, auditor: str, vote: int, salt: bytes) -> bytes:
    """keccak256(abi.encode(uint256 caseId, uint8 round, address auditor, uint8 vote, bytes32 salt))."""
    return keccak(encode(["uint256", "uint8", "address", "uint8", "bytes32"], [case_id, round_, auditor, vote, salt]))


def make_records(agreement_id: int, direction: int, period: int, p_start: int, p_end: int, visited_plmn: int,
                 rates: Rates, usage: list[tuple[int, int]], key: bytes = b"home-network-key") -> list[Record]:
    """Well-formed records: `usage` is [(service, volume)]; record i is subscriber i % 7 of the home
    network, inside the period, at the visited PLMN, charged at the agreement's rate."""
    out = []
    span = max(1, (p_end - p_start) // max(1, len(usage)))
    for i, (service, volume) in enumerate(usage):
        s = p_start + (i * span) % max(1, p_end - p_start)
        e = min(p_end, s + 60)
        out.append(Record(agreement_id, direction, period, i, imsi_pseudonym(key, f"00101{i % 7:010d}"), service, s, e,
                          volume, visited_plmn, volume * rates.of(service)))
    return out


# ---------------------------------------------------------------- state model of the contract

@dataclass
class Agreement:
    a: str
    b: str
    plmn_a: int
    plmn_b: int
    rates: Rates
    start: int
    period_seconds: int
    end_period: int = NO_END
    active: bool = False

    def period_end(self, period: int) -> int:
        return self.start + (period + 1) * self.period_seconds

    def parties(self, direction: int) -> tuple[str, str, int]:
        """(visited, home, visited PLMN)."""
        if direction == DIR_A_ON_B:
            return self.b, self.a, self.plmn_b
        return self.a, self.b, self.plmn_a


@dataclass
class Slot:
    status: int = C_NONE
    totals: Totals = field(default_factory=Totals)
    count: int = 0
    root: bytes = b"\x00" * 32
    version: int = 0
    committed_at: int = 0
    deadline: int = 0
    case_id: int = 0


@dataclass
class Case:
    agreement_id: int
    direction: int
    period: int
    opener: str
    state: int = CASE_DRAWING
    round: int = 1
    panel: tuple = ()
    votes: dict = field(default_factory=dict)   # auditor -> vote revealed
    committed: set = field(default_factory=set)
    verdict: int = 0
    pot: int = 0


@dataclass
class Model:
    """What the contract should hold. Times are passed in by the caller (the chain's timestamp)."""
    commit_window: int
    review_window: int
    min_stake: int
    slash_bps: int
    court_fee: int
    agreements: dict = field(default_factory=dict)
    slots: dict = field(default_factory=dict)       # (agreement, direction, period) -> Slot
    settled: set = field(default_factory=set)        # (agreement, period)
    deposits: dict = field(default_factory=dict)
    owed: dict = field(default_factory=dict)
    stakes: dict = field(default_factory=dict)
    locked: dict = field(default_factory=dict)
    cases: dict = field(default_factory=dict)
    paid_in: int = 0
    paid_out: int = 0

    def slot(self, aid, d, p) -> Slot:
        return self.slots.setdefault((aid, d, p), Slot())

    def peek(self, aid, d, p) -> Slot:
        """The slot without recording it (a fresh Slot if never touched)."""
        return self.slots.get((aid, d, p)) or Slot()

    def held(self) -> int:
        """What the contract must hold: deposits + stakes + credits + case pots."""
        return (sum(self.deposits.values()) + sum(self.stakes.values()) + sum(self.owed.values())
                + sum(c.pot for c in self.cases.values()))

    def credit(self, who, amount):
        if amount:
            self.owed[who] = self.owed.get(who, 0) + amount

    # --- transitions (each mirrors a successful contract call)
    def commit(self, aid, d, p, tree_or_root, count, t: Totals, now):
        s = self.slot(aid, d, p)
        self.slots[(aid, d, p)] = replace(s, status=C_COMMITTED, totals=t, count=count,
                                          root=tree_or_root, version=s.version + 1, committed_at=now, deadline=0)

    def accept(self, aid, d, p):
        self.slot(aid, d, p).status = C_ACCEPTED

    def void(self, aid, d, p, now):
        s = self.slot(aid, d, p)
        s.status, s.deadline = C_VOIDED, now + self.commit_window

    def final_invoice(self, aid, d, p, now) -> int | None:
        """The slot's invoice if final, None otherwise (the contract's _final_invoice)."""
        a, s = self.agreements[aid], self.peek(aid, d, p)
        if s.status == C_ACCEPTED:
            return invoice(a.rates, s.totals)
        if s.status == C_COMMITTED:
            return invoice(a.rates, s.totals) if now >= s.committed_at + self.review_window else None
        if s.status == C_NONE:
            return 0 if now >= a.period_end(p) + self.commit_window else None
        if s.status == C_VOIDED:
            return 0 if now > s.deadline else None
        return None

    def settle(self, aid, p, now):
        """Returns (payer, payee, net, inv_ab, inv_ba), or raises ValueError with the revert reason."""
        a = self.agreements[aid]
        if (aid, p) in self.settled:
            raise ValueError("period: already settled")
        inv_ab, inv_ba = self.final_invoice(aid, DIR_A_ON_B, p, now), self.final_invoice(aid, DIR_B_ON_A, p, now)
        if inv_ab is None or inv_ba is None:
            raise ValueError("period: not final")
        who, amount = net(inv_ab, inv_ba)
        payer, payee = (a.a, a.b) if who == "A" else (a.b, a.a)
        if amount and self.deposits.get(payer, 0) < amount:
            raise ValueError("settle: deposit insufficient")
        self.settled.add((aid, p))
        self.deposits[payer] = self.deposits.get(payer, 0) - amount
        self.credit(payee, amount)
        return payer, payee, amount, inv_ab, inv_ba

    def open_case(self, case_id, aid, d, p, home):
        self.deposits[home] -= self.court_fee
        self.cases[case_id] = Case(aid, d, p, home, pot=self.court_fee)
        s = self.slot(aid, d, p)
        s.status, s.case_id = C_IN_COURT, case_id

    def draw(self, case_id, panel):
        c = self.cases[case_id]
        c.panel, c.votes, c.committed, c.state = tuple(panel), {}, set(), CASE_VOTING
        for x in panel:
            self.locked[x] = self.locked.get(x, 0) + self.min_stake

    def tally(self, case_id):
        """Returns the verdict of the round (0: none)."""
        c = self.cases[case_id]
        votes = [c.votes.get(x, 0) for x in c.panel]
        ups, voids = votes.count(UPHOLD), votes.count(VOID)
        verdict = UPHOLD if ups >= 2 else VOID if voids >= 2 else 0
        slash = self.min_stake * self.slash_bps // 10000
        for x, v in zip(c.panel, votes):
            self.locked[x] -= self.min_stake
            if v == 0 or (verdict and v != verdict):
                self.stakes[x] -= slash
                c.pot += slash
        if verdict:
            winners = [x for x, v in zip(c.panel, votes) if v == verdict]
            share = c.pot // len(winners)
            for i, x in enumerate(winners):
                self.credit(x, share + (c.pot - share * len(winners) if i == 0 else 0))
            c.pot, c.verdict, c.state = 0, verdict, CASE_DECIDED
        elif c.round < MAX_ROUNDS:
            c.round += 1
            c.state = CASE_DRAWING
        else:
            self.credit(c.opener, c.pot)
            c.pot, c.verdict, c.state = 0, UPHOLD, CASE_DECIDED
            verdict = UPHOLD
        return verdict

    def appeal(self, case_id, loser):
        c = self.cases[case_id]
        self.deposits[loser] -= self.court_fee
        c.pot += self.court_fee
        c.round += 1
        c.verdict, c.state = 0, CASE_DRAWING

    def execute(self, case_id, now):
        c = self.cases[case_id]
        c.state = CASE_CLOSED
        if c.verdict == UPHOLD:
            self.accept(c.agreement_id, c.direction, c.period)
        else:
            self.void(c.agreement_id, c.direction, c.period, now)
