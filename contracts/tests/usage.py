"""Builds CDR batches in the documented leaf format and posts them (test helper)."""
from dataclasses import dataclass

import boa
from eth_hash.auto import keccak

import merkle
from merkle import Cdr


@dataclass
class PostedBatch:
    batch_id: bytes
    batch: tuple          # (entitlementId, root, totalBytes, firstSeq, lastSeq, postedAt)
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


def post(world, poster, ent_id, cdrs, nonce, total=None, first_seq=None, last_seq=None):
    levels = merkle.build_levels([c.leaf() for c in cdrs])
    root = levels[-1][0]
    total = sum(c.bytes for c in cdrs) if total is None else total
    first_seq = cdrs[0].sequence if first_seq is None else first_seq
    last_seq = first_seq + len(cdrs) - 1 if last_seq is None else last_seq
    with boa.env.prank(poster):
        batch_id = world.settlement.postUsage(ent_id, root, total, first_seq, last_seq, nonce)
    batch = (ent_id, root, total, first_seq, last_seq, boa.env.timestamp)
    return PostedBatch(batch_id, batch, cdrs, levels)
