"""The per-entitlement usage ledger of UsageSettlement.vy, as clients keep it.

The contract stores only keccak256(abi.encode(Ledger)) per entitlement; every call that reads or
changes the ledger takes the current value and every change logs the new one in LedgerUpdated.
This module mirrors the struct and the contract's transitions so tests, the gas report and tools
can pass the right preimage (and predict the next one).
"""
from dataclasses import dataclass, replace

from eth_abi import decode, encode
from eth_hash.auto import keccak

LEDGER_T = "(uint64,uint64,uint64,bool,bytes32,uint64,uint64,uint64)"
CDR_T = "(uint256,uint64,uint64,uint64,uint64,bytes32)"
LEDGER_FIELDS = ("settledBytes", "lastSeq", "nonce", "closed", "pendingRoot", "pendingBytes", "pendingFirstSeq",
                 "pendingPostedAt")


@dataclass(frozen=True)
class Ledger:
    settled_bytes: int = 0
    last_seq: int = 0
    nonce: int = 0
    closed: bool = False
    pending_root: bytes = b"\x00" * 32
    pending_bytes: int = 0
    pending_first_seq: int = 0
    pending_posted_at: int = 0

    def as_tuple(self):
        return (self.settled_bytes, self.last_seq, self.nonce, self.closed, self.pending_root, self.pending_bytes,
                self.pending_first_seq, self.pending_posted_at)

    @classmethod
    def from_tuple(cls, t):
        return cls(*t)

    def hash(self) -> bytes:
        return keccak(encode([LEDGER_T], [self.as_tuple()]))

    @property
    def has_pending(self) -> bool:
        return self.pending_posted_at != 0

    # The contract's transitions (what LedgerUpdated will carry).
    def posted(self, root, total_bytes, first_seq, last_seq, nonce, posted_at) -> "Ledger":
        return replace(self, last_seq=last_seq, nonce=nonce, pending_root=root, pending_bytes=total_bytes,
                       pending_first_seq=first_seq, pending_posted_at=posted_at)

    def settled(self) -> "Ledger":
        return replace(self, settled_bytes=self.settled_bytes + self.pending_bytes, **_NO_PENDING)

    def voided(self) -> "Ledger":
        return replace(self, **_NO_PENDING)

    def closed_now(self) -> "Ledger":
        return replace(self, closed=True)


_NO_PENDING = dict(pending_root=b"\x00" * 32, pending_bytes=0, pending_first_seq=0, pending_posted_at=0)

EMPTY = Ledger()


def batch_id(entitlement_id: int, nonce: int) -> bytes:
    return keccak(encode(["uint256", "uint64"], [entitlement_id, nonce]))


LEDGER_UPDATED_TOPIC = keccak(b"LedgerUpdated(uint256," + LEDGER_T.encode() + b")")


def from_log(topics, data) -> tuple[int, "Ledger"] | None:
    """(entitlement id, ledger) of a LedgerUpdated log given as raw topics (bytes) and data; None
    for any other log."""
    if not topics or bytes(topics[0]) != LEDGER_UPDATED_TOPIC:
        return None
    (t,) = decode([LEDGER_T], bytes(data))
    return int.from_bytes(bytes(topics[1]), "big"), Ledger.from_tuple(t)
