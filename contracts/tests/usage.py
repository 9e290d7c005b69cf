"""Builds CDR batches in the documented leaf format and drives UsageSettlement with each
entitlement's ledger (test helper).

UsageSettlement keeps only keccak256(abi.encode(Ledger)) per entitlement, so a client keeps the
ledger itself from the LedgerUpdated logs. `Ledgers` does that for the tests: every call it makes
must log exactly one LedgerUpdated for the entitlement, equal to the transition ledger.py predicts,
whose hash is what the contract now reports as ledgerHash(id). The ledgers the tests pass are thus
always the ones the contract emitted, never ones the tests made up."""
from dataclasses import dataclass

import boa
from eth_hash.auto import keccak

import merkle
from ledger import EMPTY, Ledger
from merkle import Cdr


@dataclass
class PostedBatch:
    batch_id: bytes
    ent_id: int
    nonce: int
    root: bytes
    total: int
    first_seq: int
    last_seq: int
    posted_at: int
    cdrs: list
    levels: list

    def proof(self, i):
        return merkle.proof(self.levels, i)


def make_cdrs(ent_id, first_seq, sizes, start, end):
    span = max(1, (end - start) // max(1, len(sizes)))
    out = []
    for i, n in enumerate(sizes):
        ps = min(end, start + i * span)
        out.append(Cdr(ent_id, first_seq + i, n, ps, min(end, ps + span), keccak(b"cdr-%d-%d" % (ent_id, first_seq + i))))
    return out


def ledger_updates(logs):
    """The LedgerUpdated logs among decoded logs, as (entitlement id, Ledger)."""
    return [(e.entitlementId, Ledger.from_tuple(tuple(e.ledger))) for e in logs if type(e).__name__ == "LedgerUpdated"]


class Ledgers:
    """Each entitlement's ledger as UsageSettlement last logged it (EMPTY if never changed).
    `logs` holds the decoded logs of the last call made through this object (its own checks make
    view calls afterwards, which replace the contract's get_logs())."""

    def __init__(self, world, settlement=None):
        self.world = world
        self.s = settlement or world.settlement
        self._by_id = {}
        self.logs = []

    def __getitem__(self, ent_id) -> Ledger:
        return self._by_id.get(ent_id, EMPTY)

    def _updated(self, ent_id, expected: Ledger) -> Ledger:
        self.logs = self.s.get_logs()
        updates = ledger_updates(self.logs)
        assert [i for i, _ in updates] == [ent_id], f"LedgerUpdated logs {updates}"
        got = updates[0][1]
        assert got == expected, f"logged {got}, expected {expected}"
        assert self.s.ledgerHash(ent_id) == got.hash() == self.s.hashLedger(got.as_tuple())
        self._by_id[ent_id] = got
        return got

    def post(self, poster, ent_id, cdrs, nonce=None, total=None, first_seq=None, last_seq=None,
             root=None) -> PostedBatch:
        """Posts the CDRs' tree (or, with `root`, an arbitrary root; pass total, first_seq and last_seq then)."""
        levels = merkle.build_levels([c.leaf() for c in cdrs]) if root is None else []
        root = levels[-1][0] if root is None else root
        before = self[ent_id]
        nonce = before.nonce + 1 if nonce is None else nonce
        total = sum(c.bytes for c in cdrs) if total is None else total
        first_seq = cdrs[0].sequence if first_seq is None else first_seq
        last_seq = first_seq + len(cdrs) - 1 if last_seq is None else last_seq
        with boa.env.prank(poster):
            batch_id = self.s.postUsage(ent_id, before.as_tuple(), root, total, first_seq, last_seq, nonce)
        posted_at = boa.env.timestamp
        self._updated(ent_id, before.posted(root, total, first_seq, last_seq, nonce, posted_at))
        assert batch_id == self.s.batchId(ent_id, nonce)
        return PostedBatch(batch_id, ent_id, nonce, root, total, first_seq, last_seq, posted_at, cdrs, levels)

    def settle(self, ent_id, sender=None):
        before = self[ent_id]
        with boa.env.prank(sender or self.world.relayer):
            self.s.settle(ent_id, before.as_tuple())
        return self._updated(ent_id, before.settled())

    def dispute(self, ent_id, cdr, leaf_index, proof, sender):
        before = self[ent_id]
        with boa.env.prank(sender):
            self.s.dispute(ent_id, before.as_tuple(), cdr.as_tuple(), leaf_index, proof)
        return self._updated(ent_id, before.voided())

    def void(self, ent_id, sender):
        """The plan's poster party voids the pending batch (voidBatch)."""
        before = self[ent_id]
        with boa.env.prank(sender):
            self.s.voidBatch(ent_id, before.as_tuple())
        return self._updated(ent_id, before.voided())

    def close(self, ent_id, sender=None):
        before = self[ent_id]
        with boa.env.prank(sender or self.world.relayer):
            self.s.close(ent_id, before.as_tuple())
        return self._updated(ent_id, before.closed_now())

    def escrow(self, ent_id) -> int:
        return self.s.escrowOf(ent_id, self[ent_id].as_tuple())
