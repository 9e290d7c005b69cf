"""The documented CDR Merkle tree: Python reference vs the contract's verifier, sizes 1, 2, 3, 1000."""
import pytest
from eth_abi import encode
from eth_hash.auto import keccak

import merkle
from usage import make_cdrs


def test_leaf_encoding_is_abi_encode_of_the_six_fields():
    c = merkle.Cdr(7, 3, 4096, 100, 200, b"\xaa" * 32)
    raw = (7).to_bytes(32, "big") + (3).to_bytes(32, "big") + (4096).to_bytes(32, "big") \
        + (100).to_bytes(32, "big") + (200).to_bytes(32, "big") + b"\xaa" * 32
    assert encode(["uint256", "uint64", "uint64", "uint64", "uint64", "bytes32"], list(c.as_tuple())) == raw
    assert c.leaf() == keccak(raw)


@pytest.mark.parametrize("fields", [(7, 3, 4096, 100, 200, b"\xaa" * 32),
                                    (2**256 - 1, 2**64 - 1, 2**64 - 1, 2**64 - 1, 2**64 - 1, b"\xff" * 32),
                                    (0, 0, 0, 0, 0, b"\x00" * 32)])
def test_hand_encoder_matches_eth_abi(fields):
    assert merkle.encode_leaf(*fields) == encode(["uint256", "uint64", "uint64", "uint64", "uint64", "bytes32"], list(fields))
    assert keccak(merkle.encode_leaf(*fields)) == merkle.Cdr(*fields).leaf()


@pytest.mark.parametrize("bad", [(-1, 1, 1, 1, 1, b"\x00" * 32), (1, 2**64, 1, 1, 1, b"\x00" * 32),
                                 (1, 1, 1, 1, -1, b"\x00" * 32), (1, 1, 1, 1, 1, b"\x00" * 31)])
def test_hand_encoder_rejects_out_of_range_fields(bad):
    with pytest.raises(ValueError):
        merkle.encode_leaf(*bad)


def test_small_trees_by_hand():
    a, b, c = (keccak(bytes([i])) for i in range(3))
    la, lb, lc = (merkle.leaf_node(x) for x in (a, b, c))
    assert merkle.root([a]) == la
    assert merkle.root([a, b]) == keccak(b"\x01" + la + lb)
    assert merkle.root([a, b, c]) == keccak(b"\x01" + keccak(b"\x01" + la + lb) + lc)  # odd node promoted
    assert merkle.proof(merkle.build_levels([a, b, c]), 2) == [keccak(b"\x01" + la + lb)]


def test_inner_node_is_not_a_valid_leaf():
    leaves = [keccak(bytes([i])) for i in range(4)]
    levels = merkle.build_levels(leaves)
    inner = levels[1][0]
    # presenting an inner node's children as a "leaf" fails because leaves are 0x00-prefixed
    assert not merkle.verify(levels[-1][0], inner, 0, 2, [levels[1][1]])


@pytest.mark.parametrize("n", [1, 2, 3, 1000])
def test_proofs_for_batch_size(world, n):
    cdrs = make_cdrs(5, 1, [100 + i for i in range(n)], 0, 10**6)
    levels = merkle.build_levels([c.leaf() for c in cdrs])
    root = levels[-1][0]
    s = world.settlement
    indices = range(n) if n <= 3 else [0, 1, 2, 511, 512, 998, 999]
    for i in indices:
        p = merkle.proof(levels, i)
        assert merkle.verify(root, cdrs[i].leaf(), i, n, p)
        assert s.verifyCdr(root, cdrs[i].as_tuple(), i, n, p)
        if n > 1:  # a proof is bound to its position and to its leaf
            j = (i + 1) % n
            assert not s.verifyCdr(root, cdrs[i].as_tuple(), j, n, p)
            assert not s.verifyCdr(root, cdrs[j].as_tuple(), i, n, p)
            assert not merkle.verify(root, cdrs[j].leaf(), i, n, p)
    assert len(merkle.proof(levels, 0)) == (n - 1).bit_length()


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=30, deadline=None, derandomize=True)
@given(n=st.integers(1, 70), data=st.data())
def test_random_trees_agree_with_contract(world, n, data):
    i = data.draw(st.integers(0, n - 1))
    cdrs = make_cdrs(9, 1, [1 + k for k in range(n)], 0, 10**6)
    levels = merkle.build_levels([c.leaf() for c in cdrs])
    root = levels[-1][0]
    p = merkle.proof(levels, i)
    assert world.settlement.verifyCdr(root, cdrs[i].as_tuple(), i, n, p)
    if p:   # flipping any proof element breaks it
        k = data.draw(st.integers(0, len(p) - 1))
        bad = list(p)
        bad[k] = bytes([bad[k][0] ^ 1]) + bad[k][1:]
        assert not world.settlement.verifyCdr(root, cdrs[i].as_tuple(), i, n, bad)
        assert not merkle.verify(root, cdrs[i].leaf(), i, n, bad)
