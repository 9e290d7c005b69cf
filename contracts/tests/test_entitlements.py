"""PlanEntitlements: plan listing, purchase into escrow, gasless purchase, ERC-1155 behaviour."""
import os
from pathlib import Path

import boa
import pytest
from eth_abi import encode
from eth_hash.auto import keccak

from ledger import EMPTY as EMPTY_LEDGER
import sign712 as s712
from system import (ACTIVATION_WINDOW, DATA_MB, MARGIN_BPS, POSTER_MNO, POSTER_MVNO, PRICE, PROFILE_TYPE,
                    REFUND_AT_EXPIRY, REFUND_AT_EXPIRY_OR_CANCEL, REFUND_NONE, ROLE_MVNO, SRC, VALIDITY)

ZERO = "0x" + "00" * 20
HERE = Path(__file__).resolve().parent
C1 = keccak(b"eid-1" + b"salt-1")
C2 = keccak(b"eid-2" + b"salt-2")
RECEIVED, BATCH_RECEIVED = bytes.fromhex("f23a6e61"), bytes.fromhex("bc197c81")


def names(contract):
    return [type(e).__name__ for e in contract.get_logs()]


def list_args(world, mno=None, **kw):
    """listPlan's positional arguments: a tiny valid plan unless overridden."""
    a = dict(data_mb=1, validity=1, price=1, margin_bps=0, supply_cap=1, transferable=False, refund_rule=0,
             usage_poster=0, smdp=world.smdp, profile_type=PROFILE_TYPE, activation_window=1)
    a.update(kw)
    return [mno or world.mno, *a.values()]


def test_constructor_and_wiring_reverts(world):
    with boa.reverts("registry: zero address"):
        boa.load(str(SRC / "PlanEntitlements.vy"), ZERO, world.token.address, "u")
    with boa.reverts("token: zero address"):
        boa.load(str(SRC / "PlanEntitlements.vy"), world.registry.address, ZERO, "u")
    with boa.env.prank(world.gov):
        fresh = boa.load(str(SRC / "PlanEntitlements.vy"), world.registry.address, world.token.address, "u")
    with boa.env.prank(world.mvno), boa.reverts("not deployer"):
        fresh.setSettlement(world.settlement.address)
    with boa.env.prank(world.gov):
        with boa.reverts("settlement: zero address"):
            fresh.setSettlement(ZERO)
    with boa.env.prank(world.mvno):
        plan = fresh.listPlan(*list_args(world))
    with boa.env.prank(world.buyer.address), boa.reverts("settlement: not set"):
        fresh.buy(plan, C1)
    with boa.env.prank(world.gov):
        fresh.setSettlement(world.settlement.address)
        with boa.reverts("settlement: already set"):
            fresh.setSettlement(world.settlement.address)


def test_set_uri_governance_only(world):
    with boa.env.prank(world.mvno), boa.reverts("not governance"):
        world.plans.setURI("x")
    with boa.env.prank(world.gov):
        world.plans.setURI("ipfs://meta/{id}")
    (ev,) = world.plans.get_logs()
    assert world.plans.uri(5) == "ipfs://meta/{id}"
    assert (type(ev).__name__, ev.value, ev.id) == ("URI", "ipfs://meta/{id}", 0)


def test_list_plan_records_terms(world):
    p = world.plans.plans(world.plan_id)
    assert (p.mvno, p.mno, p.dataMB, p.validity, p.price, p.marginBps, p.supplyCap, p.sold, p.active,
            p.soulbound, p.refundRule, p.usagePoster, p.smdp, p.profileType, p.activationWindow) == (
        world.mvno, world.mno, DATA_MB, VALIDITY, PRICE, MARGIN_BPS, 1000, 0, True, False, REFUND_AT_EXPIRY_OR_CANCEL,
        POSTER_MNO, world.smdp, PROFILE_TYPE, ACTIVATION_WINDOW)
    pid = world.list_plan(refund_rule=REFUND_NONE, usage_poster=POSTER_MVNO, margin_bps=5000)
    ev = world.plans.get_logs()[-1]
    p = world.plans.plans(pid)
    assert (pid, p.soulbound, p.refundRule, p.usagePoster, p.marginBps) == (2, True, REFUND_NONE, POSTER_MVNO, 5000)
    assert (type(ev).__name__, ev.planId, ev.soulbound, ev.smdp, ev.profileType, ev.activationWindow) == (
        "PlanListed", 2, True, world.smdp, PROFILE_TYPE, ACTIVATION_WINDOW)
    assert world.plans.planCount() == 2


@pytest.mark.parametrize("kw,reason", [
    (dict(data_mb=0), "data: out of range"),
    (dict(data_mb=2**64 // 10**6 + 1), "data: out of range"),
    (dict(data_mb=2**255), "data: out of range"),
    (dict(validity=0), "validity: out of range"),
    (dict(validity=2**40), "validity: out of range"),
    (dict(price=0), "price: out of range"),
    (dict(price=2**128), "price: out of range"),
    (dict(margin_bps=10001), "margin: above 10000 bps"),
    (dict(supply_cap=0), "supply cap: out of range"),
    (dict(supply_cap=2**32), "supply cap: out of range"),
    (dict(refund_rule=3), "refund rule: invalid"),
    (dict(usage_poster=2), "usage poster: invalid"),
    (dict(margin_bps=5001), "margin: above the MNO's maximum"),
    (dict(profile_type=b"\x00" * 32), "profile type: zero"),
    (dict(activation_window=0), "activation window: out of range"),
    (dict(activation_window=VALIDITY + 1), "activation window: out of range"),
])
def test_list_plan_reverts(world, kw, reason):
    with boa.reverts(reason):
        world.list_plan(**kw)


def test_list_plan_roles(world):
    with boa.env.prank(world.mno), boa.reverts("caller: not an active MVNO"):
        world.plans.listPlan(*list_args(world))
    with boa.env.prank(world.mvno), boa.reverts("mno: not an active MNO"):
        world.plans.listPlan(*list_args(world, mno=world.mvno))
    with boa.env.prank(world.mvno), boa.reverts("smdp: not an active SM-DP+"):
        world.plans.listPlan(*list_args(world, smdp=world.mno))
    with boa.env.prank(world.gov):
        world.registry.suspend(world.mno, 1)
    with boa.env.prank(world.mvno), boa.reverts("mno: not an active MNO"):
        world.plans.listPlan(*list_args(world))
    with boa.env.prank(world.gov):
        world.registry.suspend(world.mvno, 1)
    with boa.env.prank(world.mvno), boa.reverts("caller: not an active MVNO"):
        world.plans.listPlan(*list_args(world))


def test_delist(world):
    with boa.env.prank(world.mvno), boa.reverts("plan: unknown"):
        world.plans.delistPlan(99)
    with boa.env.prank(world.mno), boa.reverts("caller: not the plan's MVNO"):
        world.plans.delistPlan(world.plan_id)
    tid = world.buy()
    with boa.env.prank(world.mvno):
        world.plans.delistPlan(world.plan_id)
        with boa.reverts("plan: not active"):
            world.plans.delistPlan(world.plan_id)
    with boa.reverts("plan: not active"):
        world.buy()
    assert world.plans.isLive(tid, keccak(b"89049032000000000000000000000001" + b"salt"))


def test_anyone_delists_a_plan_of_an_inactive_party(world):
    pid = world.list_plan()
    with boa.env.prank(world.gov):
        world.registry.suspend(world.mno, 7)
    with boa.env.prank(world.other.address):
        world.plans.delistPlan(pid)
    assert not world.plans.plans(pid).active
    with boa.env.prank(world.gov):
        world.registry.reinstate(world.mno)
        world.registry.revoke(world.mvno, 8)
    with boa.env.prank(world.other.address):
        world.plans.delistPlan(world.plan_id)
    with boa.reverts("plan: not active"):
        world.buy()


def test_buy_moves_price_into_escrow_and_mints(world):
    b, esc = world.buyer.address, world.settlement.address
    bal, ebal = world.token.balanceOf(b), world.token.balanceOf(esc)
    now = boa.env.timestamp
    with boa.env.prank(b):
        tid = world.plans.buy(world.plan_id, C1)
    logs = names(world.plans)
    assert tid == 1 and world.plans.lastId() == 1
    assert world.token.balanceOf(b) == bal - PRICE and world.token.balanceOf(esc) == ebal + PRICE
    assert world.plans.balanceOf(b, tid) == 1 and world.plans.ownerOf(tid) == b
    assert world.plans.entitlement(tid) == (C1, world.plan_id, now, now + VALIDITY, 1, b)
    assert world.plans.isLive(tid, C1) and not world.plans.isLive(tid, C2) and not world.plans.isLive(2, C1)
    assert world.plans.plans(world.plan_id).sold == 1
    assert logs == ["TransferSingle", "Purchased", "Transfer"]  # Transfer: the stablecoin into escrow
    assert world.settlement.escrowOf(tid, EMPTY_LEDGER.as_tuple()) == PRICE   # a ledger never changed: empty
    boa.env.time_travel(seconds=VALIDITY)
    assert not world.plans.isLive(tid, C1)
    assert world.plans.entitlement(tid)[4] == 2  # expired
    assert world.plans.entitlement(99) == (b"\x00" * 32, 0, 0, 0, 0, ZERO)


def test_buy_reverts(world):
    with boa.env.prank(world.buyer.address):
        with boa.reverts("commitment: zero"):
            world.plans.buy(world.plan_id, b"\x00" * 32)
        with boa.reverts("plan: unknown"):
            world.plans.buy(42, C1)
    poor = boa.env.generate_address()
    with boa.env.prank(poor), boa.reverts("insufficient allowance"):
        world.plans.buy(world.plan_id, C1)
    pid = world.list_plan(supply_cap=1)
    world.buy(plan_id=pid)
    with boa.reverts("plan: sold out"):
        world.buy(plan_id=pid)


def _odd_system(world, mode):
    odd = boa.load(str(HERE / "OddToken.vy"), mode)
    with boa.env.prank(world.gov):
        plans = boa.load(str(SRC / "PlanEntitlements.vy"), world.registry.address, odd.address, "u")
        plans.setSettlement(world.settlement.address)
    with boa.env.prank(world.mvno):
        pid = plans.listPlan(*list_args(world, price=100, supply_cap=5))
    odd.mint(world.buyer.address, 1000)
    return plans, pid


def test_buy_rejects_token_returning_false_or_short_paying(world):
    plans, pid = _odd_system(world, 1)
    with boa.env.prank(world.buyer.address), boa.reverts("payment: transfer failed"):
        plans.buy(pid, C1)
    plans, pid = _odd_system(world, 2)
    with boa.env.prank(world.buyer.address), boa.reverts("payment: amount not received"):
        plans.buy(pid, C1)


def _rwa(world, plan_id, commitment, purchase_nonce, valid_before, buyer=None):
    buyer = buyer or world.buyer
    nonce = world.plans.authorizationNonce(plan_id, commitment, purchase_nonce)
    want = keccak(encode(["bytes32", "address", "uint256", "bytes32", "bytes32"], [keccak(
        b"OpenRSP.PlanPurchase(address entitlements,uint256 planId,bytes32 commitment,bytes32 purchaseNonce)"),
        world.plans.address, plan_id, commitment, purchase_nonce]))
    assert nonce == want
    dom = s712.domain_separator(world.token.address, 31337)
    return s712.sign(buyer, dom, s712.authorization_hash(s712.RWA_TYPEHASH, buyer.address, world.plans.address,
                                                         PRICE, 0, valid_before, nonce))


def test_buy_with_authorization(world):
    b = world.buyer
    pn, vb = os.urandom(32), boa.env.timestamp + 600   # fresh randomness, not the commitment's salt
    sig = _rwa(world, world.plan_id, C1, pn, vb)
    bal, ebal = world.token.balanceOf(b.address), world.token.balanceOf(world.settlement.address)
    with boa.env.prank(world.relayer):
        with boa.reverts("buyer: zero address"):
            world.plans.buyWithAuthorization(world.plan_id, C1, pn, ZERO, 0, vb, *sig)
        # the signature binds plan and commitment: a relayer cannot redirect it
        with boa.reverts("authorization: wrong signer"):
            world.plans.buyWithAuthorization(world.plan_id, C2, pn, b.address, 0, vb, *sig)
        tid = world.plans.buyWithAuthorization(world.plan_id, C1, pn, b.address, 0, vb, *sig)
        with boa.reverts("authorization: used or canceled"):
            world.plans.buyWithAuthorization(world.plan_id, C1, pn, b.address, 0, vb, *sig)
    assert world.plans.ownerOf(tid) == b.address
    assert world.token.balanceOf(b.address) == bal - PRICE
    assert world.token.balanceOf(world.settlement.address) == ebal + PRICE
    assert world.token.balanceOf(world.plans.address) == 0
    assert world.plans.entitlement(tid)[0] == C1


def test_buy_with_authorization_odd_tokens(world):
    for mode, reason in ((1, "payment: transfer failed"), (2, "payment: amount not received")):
        plans, pid = _odd_system(world, mode)
        with boa.env.prank(world.relayer), boa.reverts(reason):
            plans.buyWithAuthorization(pid, C1, b"\x00" * 32, world.buyer.address, 0, 2**40, 27, b"\x01" * 32, b"\x01" * 32)


def test_cancel(world):
    tid = world.buy()
    with boa.env.prank(world.other.address), boa.reverts("caller: not owner"):
        world.plans.cancel(tid)
    with boa.env.prank(world.buyer.address):
        with boa.reverts("entitlement: unknown"):
            world.plans.cancel(77)
        boa.env.time_travel(seconds=100)
        world.plans.cancel(tid)
        with boa.reverts("entitlement: already cancelled"):
            world.plans.cancel(tid)
    now = boa.env.timestamp
    assert world.plans.cancelledAt(tid) == now
    c, pid, start, end, status, owner = world.plans.entitlement(tid)
    assert (end, status) == (now, 3) and not world.plans.isLive(tid, c)
    pid2 = world.list_plan(refund_rule=REFUND_AT_EXPIRY)
    t2 = world.buy(plan_id=pid2)
    with boa.env.prank(world.buyer.address), boa.reverts("plan: not cancellable"):
        world.plans.cancel(t2)
    t3 = world.buy()
    boa.env.time_travel(seconds=VALIDITY)
    with boa.env.prank(world.buyer.address), boa.reverts("entitlement: expired"):
        world.plans.cancel(t3)


def test_erc165(world):
    for iid, want in (("01ffc9a7", True), ("d9b67a26", True), ("0e89341c", True), ("ffffffff", False), ("80ac58cd", False)):
        assert world.plans.supportsInterface(bytes.fromhex(iid)) is want


def test_balances_and_approvals(world):
    b, o = world.buyer.address, world.other.address
    t1, t2 = world.buy(), world.buy(who=o)
    assert world.plans.balanceOfBatch([b, b, o, o], [t1, t2, t1, t2]) == [1, 0, 0, 1]
    with boa.reverts("length mismatch"):
        world.plans.balanceOfBatch([b], [t1, t2])
    with boa.reverts("balance query for zero address"):
        world.plans.balanceOfBatch([ZERO], [t1])
    with boa.reverts("balance query for zero address"):
        world.plans.balanceOf(ZERO, t1)
    with boa.env.prank(b):
        with boa.reverts("approval: self"):
            world.plans.setApprovalForAll(b, True)
        world.plans.setApprovalForAll(world.relayer, True)
    assert world.plans.isApprovedForAll(b, world.relayer)
    with boa.env.prank(world.relayer):
        world.plans.safeTransferFrom(b, o, t1, 1, b"")
    ev = world.plans.get_logs()[-1]
    assert world.plans.ownerOf(t1) == o and world.plans.balanceOf(b, t1) == 0
    assert (type(ev).__name__, ev.operator, ev.sender, ev.receiver, ev.id, ev.value) == ("TransferSingle", world.relayer, b, o, t1, 1)
    # a transfer unbinds the seller's commitment (finding 7: test_findings_plans.py)
    assert world.plans.entitlement(t1)[0] == b"\x00" * 32


def test_transfer_reverts(world):
    b, o = world.buyer.address, world.other.address
    tid = world.buy()
    with boa.env.prank(o):
        with boa.reverts("caller: not owner nor approved"):
            world.plans.safeTransferFrom(b, o, tid, 1, b"")
        with boa.reverts("caller: not owner nor approved"):
            world.plans.safeBatchTransferFrom(b, o, [tid], [1], b"")
        with boa.reverts("insufficient balance"):
            world.plans.safeTransferFrom(o, b, tid, 1, b"")
    with boa.env.prank(b):
        with boa.reverts("transfer to zero address"):
            world.plans.safeTransferFrom(b, ZERO, tid, 1, b"")
        with boa.reverts("transfer to zero address"):
            world.plans.safeBatchTransferFrom(b, ZERO, [tid], [1], b"")
        with boa.reverts("length mismatch"):
            world.plans.safeBatchTransferFrom(b, o, [tid], [1, 1], b"")
        with boa.reverts("insufficient balance"):
            world.plans.safeTransferFrom(b, o, tid, 2, b"")
        world.plans.safeTransferFrom(b, o, tid, 0, b"")  # a zero-value transfer moves nothing
    assert world.plans.ownerOf(tid) == b


def test_soulbound(world):
    pid = world.list_plan()   # soulbound unless listed transferable
    tid = world.buy(plan_id=pid)
    with boa.env.prank(world.buyer.address):
        with boa.reverts("soulbound"):
            world.plans.safeTransferFrom(world.buyer.address, world.other.address, tid, 1, b"")
        with boa.reverts("soulbound"):
            world.plans.safeBatchTransferFrom(world.buyer.address, world.other.address, [tid], [1], b"")


def test_batch_transfer_and_receiver_hooks(world):
    b = world.buyer.address
    good = boa.load(str(HERE / "Receiver1155.vy"), RECEIVED, BATCH_RECEIVED)
    bad = boa.load(str(HERE / "Receiver1155.vy"), b"\x00" * 4, b"\x00" * 4)
    t1, t2, t3 = world.buy(), world.buy(), world.buy()
    with boa.env.prank(b):
        with boa.reverts("receiver: rejected"):
            world.plans.safeTransferFrom(b, bad.address, t1, 1, b"")
        with boa.reverts("receiver: rejected"):
            world.plans.safeBatchTransferFrom(b, bad.address, [t1, t2], [1, 1], b"")
        with boa.reverts():  # a contract without the hook cannot receive
            world.plans.safeTransferFrom(b, world.token.address, t1, 1, b"")
        world.plans.safeBatchTransferFrom(b, good.address, [t1, t2], [1, 1], b"hi")
        ev = [e for e in world.plans.get_logs() if type(e).__name__ == "TransferBatch"][0]
        world.plans.safeTransferFrom(b, good.address, t3, 1, b"")
    assert good.received() == 3
    assert world.plans.balanceOfBatch([good.address] * 3, [t1, t2, t3]) == [1, 1, 1]
    assert (list(ev.ids), list(ev.values)) == ([t1, t2], [1, 1])


def test_mint_to_contract_checks_receiver(world):
    good = boa.load(str(HERE / "Receiver1155.vy"), RECEIVED, BATCH_RECEIVED)
    bad = boa.load(str(HERE / "Receiver1155.vy"), b"\x00" * 4, b"\x00" * 4)
    for c in (good, bad):
        with boa.env.prank(world.gov):
            world.token.mint(c.address, PRICE)
    tid = good.buy(world.plans.address, world.plan_id, C1, world.token.address, PRICE)
    assert world.plans.ownerOf(tid) == good.address and good.received() == 1
    with boa.reverts("receiver: rejected"):
        bad.buy(world.plans.address, world.plan_id, C1, world.token.address, PRICE)


def test_mvno_entity_role_constant(world):
    assert world.registry.roleOf(world.mvno) == ROLE_MVNO


def test_plan_metadata_hash_is_set_once_by_the_plans_mvno(world):
    """The catalog's anchor (issue 16): keccak256 of the plan's metadata document, set once by its MVNO."""
    doc_hash = keccak(b'{"countries":["DE"]}')
    assert world.plans.planMetadata(world.plan_id) == b"\x00" * 32
    with boa.env.prank(world.mvno), boa.reverts("plan: unknown"):
        world.plans.setPlanMetadata(99, doc_hash)
    for stranger in (world.mno, world.gov, boa.env.generate_address()):
        with boa.env.prank(stranger), boa.reverts("caller: not the plan's MVNO"):
            world.plans.setPlanMetadata(world.plan_id, doc_hash)
    with boa.env.prank(world.mvno), boa.reverts("metadata: zero hash"):
        world.plans.setPlanMetadata(world.plan_id, b"\x00" * 32)
    assert world.plans.planMetadata(world.plan_id) == b"\x00" * 32
    with boa.env.prank(world.mvno):
        world.plans.setPlanMetadata(world.plan_id, doc_hash)
    (ev,) = world.plans.get_logs()
    assert (type(ev).__name__, ev.planId, ev.metadataHash) == ("PlanMetadataSet", world.plan_id, doc_hash)
    assert world.plans.planMetadata(world.plan_id) == doc_hash
    # Exploit: the MVNO swaps the document after sales (a different coverage for the same plan).
    with boa.env.prank(world.mvno), boa.reverts("metadata: already set"):
        world.plans.setPlanMetadata(world.plan_id, keccak(b'{"countries":["FR"]}'))
    assert world.plans.planMetadata(world.plan_id) == doc_hash
