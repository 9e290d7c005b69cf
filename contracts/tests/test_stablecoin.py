"""TestStablecoin: ERC-20, EIP-2612 permit, EIP-3009 authorizations, devnet-only minting."""
import json

import boa
import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data

import sign712 as s712
from system import PRICE, SRC

CHAIN = 31337


@pytest.fixture
def t(world):
    return world.token


def dom(t):
    return s712.domain_separator(t.address, CHAIN)


def test_metadata_and_domain_separator_matches_eth_account(world, t):
    assert (t.name(), t.symbol(), t.decimals()) == ("OpenRSP Test USD", "tUSD", 6)
    assert t.DOMAIN_SEPARATOR() == dom(t)
    # Cross-check the whole permit digest against eth-account's EIP-712 encoder.
    owner, spender = world.buyer, world.relayer
    msg = {"owner": owner.address, "spender": spender, "value": 5, "nonce": 0, "deadline": 10**12}
    typed = encode_typed_data(full_message={
        "types": {"EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                                   {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
                  "Permit": [{"name": "owner", "type": "address"}, {"name": "spender", "type": "address"},
                             {"name": "value", "type": "uint256"}, {"name": "nonce", "type": "uint256"},
                             {"name": "deadline", "type": "uint256"}]},
        "primaryType": "Permit",
        "domain": {"name": "OpenRSP Test USD", "version": "1", "chainId": CHAIN, "verifyingContract": t.address},
        "message": msg})
    sig = Account.sign_message(typed, owner.key)
    t.permit(owner.address, spender, 5, 10**12, sig.v, sig.r.to_bytes(32, "big"), sig.s.to_bytes(32, "big"))
    assert t.allowance(owner.address, spender) == 5
    assert t.nonces(owner.address) == 1


def test_transfer_and_reverts(world, t):
    a, b = world.buyer.address, world.other.address
    bal = t.balanceOf(a)
    with boa.env.prank(a):
        assert t.transfer(b, 7)
        with boa.reverts("transfer to zero address"):
            t.transfer("0x" + "00" * 20, 1)
        with boa.reverts("insufficient balance"):
            t.transfer(b, bal)
    assert t.balanceOf(a) == bal - 7


def test_approve_transfer_from_and_reverts(world, t):
    a, spender = world.buyer.address, world.relayer
    with boa.env.prank(a):
        with boa.reverts("approve to zero address"):
            t.approve("0x" + "00" * 20, 1)
        t.approve(spender, 10)
    with boa.env.prank(spender):
        with boa.reverts("insufficient allowance"):
            t.transferFrom(a, spender, 11)
        t.transferFrom(a, spender, 4)
    assert t.allowance(a, spender) == 6
    assert t.balanceOf(spender) == 4


def test_permit_reverts(world, t):
    o, sp = world.buyer, world.relayer
    deadline = boa.env.timestamp + 100
    v, r, s = s712.sign(o, dom(t), s712.permit_hash(o.address, sp, 9, 0, deadline))
    with boa.reverts("permit: expired"):
        t.permit(o.address, sp, 9, boa.env.timestamp - 1, v, r, s)
    with boa.reverts("permit: zero owner"):
        t.permit("0x" + "00" * 20, sp, 9, deadline, v, r, s)
    with boa.reverts("permit: wrong signer"):
        t.permit(o.address, sp, 10, deadline, v, r, s)
    with boa.reverts("signature: high s"):
        t.permit(o.address, sp, 9, deadline, *s712.high_s(v, r, s))
    with boa.reverts("signature: bad v"):
        t.permit(o.address, sp, 9, deadline, 29, r, s)
    with boa.reverts("signature: invalid"):
        t.permit(o.address, sp, 9, deadline, v, b"\x00" * 32, s)
    t.permit(o.address, sp, 9, deadline, v, r, s)
    with boa.reverts("permit: wrong signer"):  # replay: nonce moved on
        t.permit(o.address, sp, 9, deadline, v, r, s)


def _auth(t, typehash, frm, to, value, after, before, nonce):
    return s712.sign(frm, dom(t), s712.authorization_hash(typehash, frm.address, to, value, after, before, nonce))


def test_authorization_digest_matches_eth_account(world, t):
    frm, to = world.buyer, world.other.address
    nonce = b"\x44" * 32
    typed = encode_typed_data(full_message={
        "types": {"EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                                   {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
                  "TransferWithAuthorization": [{"name": "from", "type": "address"}, {"name": "to", "type": "address"},
                                                {"name": "value", "type": "uint256"}, {"name": "validAfter", "type": "uint256"},
                                                {"name": "validBefore", "type": "uint256"}, {"name": "nonce", "type": "bytes32"}]},
        "primaryType": "TransferWithAuthorization",
        "domain": {"name": "OpenRSP Test USD", "version": "1", "chainId": CHAIN, "verifyingContract": t.address},
        "message": {"from": frm.address, "to": to, "value": 2, "validAfter": 0, "validBefore": 2**40, "nonce": nonce}})
    sig = Account.sign_message(typed, frm.key)
    before = t.balanceOf(to)
    t.transferWithAuthorization(frm.address, to, 2, 0, 2**40, nonce, sig.v, sig.r.to_bytes(32, "big"), sig.s.to_bytes(32, "big"))
    assert t.balanceOf(to) == before + 2


def test_transfer_with_authorization(world, t):
    frm, to, now = world.buyer, world.other.address, boa.env.timestamp
    nonce = b"\x11" * 32
    sig = _auth(t, s712.TWA_TYPEHASH, frm, to, 3, now - 10, now + 100, nonce)
    before = t.balanceOf(to)
    with boa.reverts("authorization: not yet valid"):
        t.transferWithAuthorization(frm.address, to, 3, now + 5, now + 100, nonce, *sig)
    with boa.reverts("authorization: expired"):
        t.transferWithAuthorization(frm.address, to, 3, now - 10, now, nonce, *sig)
    with boa.reverts("authorization: wrong signer"):
        t.transferWithAuthorization(frm.address, to, 4, now - 10, now + 100, nonce, *sig)
    with boa.env.prank(world.relayer):
        t.transferWithAuthorization(frm.address, to, 3, now - 10, now + 100, nonce, *sig)
    assert t.balanceOf(to) == before + 3
    assert t.authorizationState(frm.address, nonce)
    with boa.reverts("authorization: used or canceled"):
        t.transferWithAuthorization(frm.address, to, 3, now - 10, now + 100, nonce, *sig)


def test_receive_with_authorization(world, t):
    frm, to, now = world.buyer, world.other.address, boa.env.timestamp
    nonce = b"\x22" * 32
    sig = _auth(t, s712.RWA_TYPEHASH, frm, to, 3, 0, now + 100, nonce)
    with boa.env.prank(world.relayer), boa.reverts("authorization: caller must be the payee"):
        t.receiveWithAuthorization(frm.address, to, 3, 0, now + 100, nonce, *sig)
    # a TransferWithAuthorization signature is not a ReceiveWithAuthorization signature
    twa = _auth(t, s712.TWA_TYPEHASH, frm, to, 3, 0, now + 100, nonce)
    with boa.env.prank(to), boa.reverts("authorization: wrong signer"):
        t.receiveWithAuthorization(frm.address, to, 3, 0, now + 100, nonce, *twa)
    with boa.env.prank(to):
        t.receiveWithAuthorization(frm.address, to, 3, 0, now + 100, nonce, *sig)
    assert t.authorizationState(frm.address, nonce)


def test_cancel_authorization(world, t):
    frm, to, now = world.buyer, world.other.address, boa.env.timestamp
    nonce = b"\x33" * 32
    csig = s712.sign(frm, dom(t), s712.cancel_hash(frm.address, nonce))
    with boa.reverts("authorization: wrong signer"):
        t.cancelAuthorization(world.other.address, nonce, *csig)
    t.cancelAuthorization(frm.address, nonce, *csig)
    with boa.reverts("authorization: used or canceled"):
        t.cancelAuthorization(frm.address, nonce, *csig)
    sig = _auth(t, s712.TWA_TYPEHASH, frm, to, 1, 0, now + 100, nonce)
    with boa.reverts("authorization: used or canceled"):
        t.transferWithAuthorization(frm.address, to, 1, 0, now + 100, nonce, *sig)


def test_mint_only_minter_only_devnet(world, t):
    with boa.env.prank(world.other.address), boa.reverts("mint: not minter"):
        t.mint(world.other.address, 1)
    with boa.env.prank(world.gov):
        with boa.reverts("mint: zero address"):
            t.mint("0x" + "00" * 20, 1)
        supply = t.totalSupply()
        t.mint(world.relayer, 5)
        assert t.totalSupply() == supply + 5
        boa.env.evm.patch.chain_id = 1
        try:
            with boa.reverts("mint: not a devnet chain"):
                t.mint(world.relayer, 5)
        finally:
            boa.env.evm.patch.chain_id = CHAIN


def test_set_minter(world, t):
    with boa.env.prank(world.other.address), boa.reverts("setMinter: not minter"):
        t.setMinter(world.other.address)
    with boa.env.prank(world.gov):
        t.setMinter(world.relayer)
    assert t.minter() == world.relayer
    with boa.env.prank(world.relayer):
        t.mint(world.relayer, PRICE)


def test_finding9_mint_only_on_the_fixed_devnet_chain_ids():
    # v1 took the devnet chain ids from its deployer, so a deployer could declare mainnet (1) a devnet
    # and mint there. Now the ids are constants and the constructor takes no argument.
    abi = json.loads((SRC.parent / "build" / "TestStablecoin.json").read_text())["abi"]
    (ctor,) = [i for i in abi if i["type"] == "constructor"]
    assert ctor["inputs"] == []
    minter = boa.env.generate_address()
    try:
        for chain_id, allowed in ((1, False), (137, False), (1337, True), (31337, True)):
            boa.env.evm.patch.chain_id = chain_id
            with boa.env.prank(minter):
                tok = boa.load(str(SRC / "TestStablecoin.vy"))
                if allowed:
                    tok.mint(minter, 5)
                    assert tok.balanceOf(minter) == 5
                else:
                    with boa.reverts("mint: not a devnet chain"):
                        tok.mint(minter, 5)
    finally:
        boa.env.evm.patch.chain_id = CHAIN
    assert (tok.devnetChainIds(0), tok.devnetChainIds(1), tok.VERSION()) == (1337, 31337, 2)


def test_eip5267_domain(world, t):
    fields, name, version, chain_id, contract, salt, extensions = t.eip712Domain()
    assert (fields, name, version, chain_id, contract, salt, list(extensions)) == (
        b"\x0f", "OpenRSP Test USD", "1", CHAIN, t.address, b"\x00" * 32, [])
