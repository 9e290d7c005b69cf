"""Reference implementation of the OpenRSP usage-batch Merkle tree (see contracts/README.md).

leaf      = keccak256(abi.encode(uint256 entitlementId, uint64 sequence, uint64 bytes,
                                 uint64 periodStart, uint64 periodEnd, bytes32 cdrHash))
leaf node = keccak256(0x00 || leaf)
node      = keccak256(0x01 || left || right)

Positional tree: leaf i of a batch carries sequence firstSeq + i. A level with an odd number
of nodes promotes its last node unchanged to the next level. The 0x00/0x01 prefixes keep
leaves and inner nodes in separate domains (no second-preimage by presenting a node as a leaf).
"""
from dataclasses import dataclass

from eth_abi import encode
from eth_hash.auto import keccak


@dataclass(frozen=True)
class Cdr:
    entitlement_id: int
    sequence: int
    bytes: int
    period_start: int
    period_end: int
    cdr_hash: bytes

    def as_tuple(self):
        return (self.entitlement_id, self.sequence, self.bytes, self.period_start, self.period_end, self.cdr_hash)

    def leaf(self) -> bytes:
        return keccak(encode(["uint256", "uint64", "uint64", "uint64", "uint64", "bytes32"], list(self.as_tuple())))


_U64 = 2**64


def encode_leaf(entitlement_id: int, sequence: int, nbytes: int, period_start: int, period_end: int,
                cdr_hash: bytes) -> bytes:
    """The leaf's abi.encode as six 32-byte words, built by hand (the same bytes as eth_abi's
    encode, without its per-call type dispatch, for million-leaf trees); range-checked like the
    ABI types."""
    if not 0 <= entitlement_id < 2**256:
        raise ValueError("entitlementId outside uint256")
    for name, v in (("sequence", sequence), ("bytes", nbytes), ("periodStart", period_start), ("periodEnd", period_end)):
        if not 0 <= v < _U64:
            raise ValueError(f"{name} outside uint64")
    if len(cdr_hash) != 32:
        raise ValueError("cdrHash is not 32 bytes")
    return (entitlement_id.to_bytes(32, "big") + sequence.to_bytes(32, "big") + nbytes.to_bytes(32, "big")
            + period_start.to_bytes(32, "big") + period_end.to_bytes(32, "big") + cdr_hash)


def leaf_node(leaf: bytes) -> bytes:
    return keccak(b"\x00" + leaf)


def inner_node(left: bytes, right: bytes) -> bytes:
    return keccak(b"\x01" + left + right)


def build_levels(leaves: list[bytes]) -> list[list[bytes]]:
    """All levels, from the hashed leaf nodes up to [root]."""
    if not leaves:
        raise ValueError("a batch has at least one CDR")
    level = [leaf_node(x) for x in leaves]
    levels = [level]
    while len(level) > 1:
        nxt = [inner_node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2 == 1:
            nxt.append(level[-1])
        level = nxt
        levels.append(level)
    return levels


def root(leaves: list[bytes]) -> bytes:
    return build_levels(leaves)[-1][0]


def proof(levels: list[list[bytes]], index: int) -> list[bytes]:
    out = []
    for level in levels[:-1]:
        if index % 2 == 1:
            out.append(level[index - 1])
        elif index + 1 < len(level):
            out.append(level[index + 1])
        index //= 2
    return out


def verify(root_: bytes, leaf: bytes, index: int, count: int, proof_: list[bytes]) -> bool:
    if count == 0 or index >= count:
        return False
    node, n, p = leaf_node(leaf), count, 0
    while n > 1:
        if index % 2 == 1:
            if p >= len(proof_):
                return False
            node, p = inner_node(proof_[p], node), p + 1
        elif index + 1 < n:
            if p >= len(proof_):
                return False
            node, p = inner_node(node, proof_[p]), p + 1
        index, n = index // 2, (n + 1) // 2
    return p == len(proof_) and node == root_
