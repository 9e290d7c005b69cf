"""Issue 20, findings on plans, keys and versions: each test reproduces the reviewed attack on the
v2 contracts and shows it now fails (3 the commitment salt in calldata, 4 sold-out griefing,
7 transferred entitlements keeping the seller's EID, 8 registry and plan griefing, 11 plan to
profile binding, 12 versions). Finding 9 is in test_stablecoin.py."""
import json
import os

import boa
from eth_abi import encode
from eth_hash.auto import keccak

import sign712 as s712
from system import PRICE, PROFILE_TYPE, ROLE_MNO, ROLE_MVNO, SRC, sha

ZERO = "0x" + "00" * 20
EUM_PREFIX = "8904903200000000000000000000"   # one EUM's EID range: the last 4 digits vary


def eid_bytes(n: int) -> bytes:
    return bytes.fromhex(EUM_PREFIX + f"{n:04d}")   # 16 BCD bytes, as in tag 5A


def search_eid(commitment: bytes, calldata: bytes):
    """The attacker: every 32-byte word of public calldata is tried as the salt against the EUM's range."""
    words = [calldata[4 + i:4 + i + 32] for i in range(0, len(calldata) - 4, 32)]
    for w in words:
        for n in range(10_000):
            if keccak(eid_bytes(n) + w) == commitment:
                return n
    return None


def signed_purchase(world, commitment, purchase_nonce, buyer):
    auth = world.plans.authorizationNonce(world.plan_id, commitment, purchase_nonce)
    dom = s712.domain_separator(world.token.address, 31337)
    vb = boa.env.timestamp + 600
    sig = s712.sign(buyer, dom, s712.authorization_hash(s712.RWA_TYPEHASH, buyer.address, world.plans.address,
                                                        PRICE, 0, vb, auth))
    args = (world.plan_id, commitment, purchase_nonce, buyer.address, 0, vb, *sig)
    types = ["uint256", "bytes32", "bytes32", "address", "uint256", "uint256", "uint8", "bytes32", "bytes32"]
    calldata = keccak(b"buyWithAuthorization(uint256,bytes32,bytes32,address,uint256,uint256,uint8,bytes32,bytes32)")[:4] \
        + encode(types, list(args))
    return args, calldata


def test_finding3_purchase_nonce_keeps_the_commitment_salt_off_chain(world):
    salt, eid = os.urandom(32), 4711
    commitment = keccak(eid_bytes(eid) + salt)
    # the attack: v1's callers (Swift devnet test, contract test) passed the commitment's salt as
    # `salt`; with it in calldata the EID falls to a search of one EUM's range
    _, leaked = signed_purchase(world, commitment, salt, world.buyer)
    assert search_eid(commitment, leaked) == eid
    # v2: the argument is a purchase nonce, fresh randomness independent of the commitment
    abi = json.loads((SRC.parent / "build" / "PlanEntitlements.json").read_text())["abi"]
    (fn,) = [i for i in abi if i.get("name") == "buyWithAuthorization"]
    assert [i["name"] for i in fn["inputs"]][2] == "purchase_nonce"
    assert not any("salt" in i["name"] for item in abi for i in item.get("inputs", []))
    args, calldata = signed_purchase(world, commitment, os.urandom(32), world.buyer)
    with boa.env.prank(world.relayer):
        tid = world.plans.buyWithAuthorization(*args)
    assert world.plans.entitlement(tid)[0] == commitment
    assert search_eid(commitment, calldata) is None


def test_finding4_cancel_frees_the_supply_unit(world):
    # v1: buy -> cancel -> close refunded 100 % but kept the unit: a capped plan sold out for gas
    pid = world.list_plan(supply_cap=1)
    grief = world.other.address
    for _ in range(3):
        tid = world.buy(who=grief, plan_id=pid)
        with boa.env.prank(grief):
            world.plans.cancel(tid)
        ev = world.plans.get_logs()[-1]
        assert (type(ev).__name__, ev.id) == ("Cancelled", tid)
        assert world.plans.plans(pid).sold == 0
    honest = world.buy(plan_id=pid)   # v1: "plan: sold out"
    assert world.plans.plans(pid).sold == 1 and world.plans.ownerOf(honest) == world.buyer.address
    with boa.reverts("plan: sold out"):
        world.buy(who=grief, plan_id=pid)


def test_finding7_plans_are_soulbound_unless_transferable(world):
    pid = world.list_plan()   # the default
    tid = world.buy(plan_id=pid)
    assert world.plans.plans(pid).soulbound
    with boa.env.prank(world.buyer.address), boa.reverts("soulbound"):
        world.plans.safeTransferFrom(world.buyer.address, world.other.address, tid, 1, b"")


def test_finding7_transfer_rebinds_the_commitment(world):
    # v1: the buyer of a transferred entitlement got refund and dispute rights, but the token stayed
    # live for the seller's EID only. v2: the transfer unbinds it and the new owner binds its own EID.
    b, o, p = world.buyer.address, world.other.address, world.plans
    seller_c, buyer_c = keccak(b"seller-eid" + b"s1"), keccak(b"new-owner-eid" + b"s2")
    tid = world.buy(commitment=seller_c)
    assert p.isLive(tid, seller_c)
    with boa.env.prank(b):
        p.safeTransferFrom(b, b, tid, 1, b"")    # a transfer to oneself changes nothing
        assert p.isLive(tid, seller_c)
        p.safeTransferFrom(b, o, tid, 1, b"")
    (ev,) = [e for e in p.get_logs() if type(e).__name__ == "CommitmentBound"]
    assert (ev.id, ev.commitment) == (tid, b"\x00" * 32)
    assert not p.isLive(tid, seller_c) and p.entitlement(tid)[0] == b"\x00" * 32
    assert not p.isLive(tid, b"\x00" * 32)   # an unbound entitlement is live for no EID
    with boa.env.prank(b), boa.reverts("caller: not owner"):
        p.bindCommitment(tid, seller_c)
    with boa.env.prank(o):
        with boa.reverts("entitlement: unknown"):
            p.bindCommitment(99, buyer_c)
        with boa.reverts("commitment: zero"):
            p.bindCommitment(tid, b"\x00" * 32)
        p.bindCommitment(tid, buyer_c)
        ev = p.get_logs()[-1]
        assert (type(ev).__name__, ev.id, ev.commitment) == ("CommitmentBound", tid, buyer_c)
        with boa.reverts("commitment: already bound"):
            p.bindCommitment(tid, seller_c)
    assert p.isLive(tid, buyer_c) and not p.isLive(tid, seller_c)


def _rival_mno(world):
    rival = boa.env.generate_address()
    with boa.env.prank(world.gov):
        world.registry.register(rival, ROLE_MNO, "Rival MNO", sha("rival-spki"), sha("rival-cert"))
    return rival


def test_finding8_operator_key_needs_the_keys_consent(world):
    # v1: a rival MNO registered another MNO's intended key first, and the key holder was never asked
    r, key, rival = world.registry, boa.env.generate_address(), _rival_mno(world)
    with boa.env.prank(rival):
        r.registerOperatorKey(key)   # only an offer now
    ev = r.get_logs()[-1]
    assert (type(ev).__name__, ev.mno, ev.key, ev.offered) == ("OperatorKeyOffered", rival, key, True)
    assert not r.isOperatorKey(rival, key) and r.operatorKeyMno(key) == ZERO
    with boa.env.prank(world.mno):
        r.registerOperatorKey(key)   # the intended MNO can still offer it
    with boa.env.prank(key):
        with boa.reverts("key: not offered by this MNO"):
            r.acceptOperatorKey(world.mvno)
        r.acceptOperatorKey(world.mno)
        ev = r.get_logs()[-1]
        assert (type(ev).__name__, ev.mno, ev.key) == ("OperatorKeyRegistered", world.mno, key)
        with boa.reverts("key: already registered"):   # the rival's offer is worthless
            r.acceptOperatorKey(rival)
    assert r.isOperatorKey(world.mno, key) and not r.isOperatorKey(rival, key)
    # an offer can be withdrawn; an offer from an MNO suspended meanwhile cannot be accepted
    k2 = boa.env.generate_address()
    with boa.env.prank(rival):
        with boa.reverts("key: not offered by caller"):
            r.withdrawOperatorKeyOffer(k2)
        r.registerOperatorKey(k2)
        r.withdrawOperatorKeyOffer(k2)
        assert not r.keyOffered(k2, rival)
        r.registerOperatorKey(k2)
    with boa.env.prank(world.gov):
        r.suspend(rival, 1)
    with boa.env.prank(k2), boa.reverts("mno: not an active MNO"):
        r.acceptOperatorKey(rival)


def test_finding8_delisted_plan_can_be_relisted(world):
    # v1: anyone could delist during a temporary suspension, and the plan could never sell again
    p, pid = world.plans, world.list_plan()
    with boa.env.prank(world.gov):
        world.registry.suspend(world.mno, 1)
    with boa.env.prank(world.other.address):
        p.delistPlan(pid)
    with boa.env.prank(world.mvno), boa.reverts("mno: not an active MNO"):
        p.relistPlan(pid)
    with boa.env.prank(world.gov):
        world.registry.reinstate(world.mno)
    with boa.env.prank(world.other.address), boa.reverts("caller: not the plan's MVNO"):
        p.relistPlan(pid)
    with boa.env.prank(world.mvno):
        with boa.reverts("plan: unknown"):
            p.relistPlan(99)
        p.relistPlan(pid)
        ev = p.get_logs()[-1]
        assert (type(ev).__name__, ev.planId) == ("PlanRelisted", pid)
        with boa.reverts("plan: already active"):
            p.relistPlan(pid)
    world.buy(plan_id=pid)
    # once the MNO withdraws its approval, anyone may delist and the MVNO cannot relist
    with boa.env.prank(world.mno):
        world.registry.revokeMvnoApproval(world.mvno)
    with boa.env.prank(world.other.address):
        p.delistPlan(pid)
    with boa.env.prank(world.mvno), boa.reverts("mno: has not approved this MVNO"):
        p.relistPlan(pid)


def test_finding8_mno_approves_each_mvno_with_a_max_margin(world):
    # v1: an MVNO could resell any MNO at up to 100 % margin without its consent
    r, mno2 = world.registry, _rival_mno(world)
    with boa.reverts("mno: has not approved this MVNO"):
        world.list_plan(mno=mno2)
    with boa.env.prank(world.mvno), boa.reverts("caller: not an active MNO"):
        r.approveMvno(world.mvno, 100)
    with boa.env.prank(mno2):
        with boa.reverts("mvno: not an MVNO"):
            r.approveMvno(world.mno, 100)
        with boa.reverts("margin: above 10000 bps"):
            r.approveMvno(world.mvno, 10001)
        with boa.reverts("mvno: not approved"):
            r.revokeMvnoApproval(world.mvno)
        r.approveMvno(world.mvno, 1000)
        ev = r.get_logs()[-1]
        assert (type(ev).__name__, ev.mno, ev.mvno, ev.maxMarginBps) == ("MvnoApproved", mno2, world.mvno, 1000)
    assert r.mvnoApproval(mno2, world.mvno) == (True, 1000) and r.roleOf(world.mvno) == ROLE_MVNO
    with boa.reverts("margin: above the MNO's maximum"):
        world.list_plan(mno=mno2, margin_bps=1001)
    pid = world.list_plan(mno=mno2, margin_bps=1000)
    with boa.env.prank(mno2):
        r.revokeMvnoApproval(world.mvno)
        ev = r.get_logs()[-1]
        assert (type(ev).__name__, ev.mno, ev.mvno) == ("MvnoApprovalRevoked", mno2, world.mvno)
    assert r.mvnoApproval(mno2, world.mvno) == (False, 0)
    with boa.reverts("mno: has not approved this MVNO"):
        world.list_plan(mno=mno2, margin_bps=1000)
    assert world.plans.plans(pid).active   # listed plans keep selling until delisted


def test_finding11_plan_names_its_smdp_and_profile_type(world):
    # v1: any live entitlement released any profile type; v2 plans name the SM-DP+ and the type, and
    # deliveryTerms is what the SM-DP+'s gate (Swift ChainEntitlementGate) checks an order against
    other_type = keccak(b"Another Profile")
    pid = world.list_plan(profile_type=other_type)
    t1, t2 = world.buy(deliver=False), world.buy(plan_id=pid, deliver=False)
    assert world.plans.deliveryTerms(t1)[:2] == (world.smdp, PROFILE_TYPE)
    assert world.plans.deliveryTerms(t2)[:2] == (world.smdp, other_type)
    assert world.plans.plans(pid).profileType == other_type


def test_finding12_versions_and_the_current_deployment(world):
    r = world.registry
    for c in (world.token, r, world.plans, world.settlement):
        assert c.VERSION() == 2
    with boa.env.prank(world.mno), boa.reverts("not owner"):
        r.setDeployment(2, world.plans.address, world.settlement.address)
    with boa.env.prank(world.gov):
        with boa.reverts("deployment: zero address"):
            r.setDeployment(2, ZERO, world.settlement.address)
        with boa.reverts("deployment: zero address"):
            r.setDeployment(2, world.plans.address, ZERO)
        r.setDeployment(2, world.plans.address, world.settlement.address)
        ev = r.get_logs()[-1]
        assert (type(ev).__name__, ev.version, ev.entitlements, ev.settlement) == (
            "DeploymentSet", 2, world.plans.address, world.settlement.address)
        r.setDeployment(3, world.relayer, world.relayer)   # a later version takes over
        with boa.reverts("deployment: older version"):
            r.setDeployment(2, world.plans.address, world.settlement.address)
    assert (r.deploymentVersion(), r.deploymentEntitlements(), r.deploymentSettlement()) == (3, world.relayer, world.relayer)
