"""IdentityRegistry (issue 17 item 4): one attestation slot per account, issued by an active MNO or KYC
provider; `satisfies` for plans that require identity predicates (PlanEntitlements.setPlanRequirement);
Token Status List anchors (item 2). Every revert string is triggered here; each exploit test is an
attack that must fail."""
import os

import boa
import pytest
from eth_hash.auto import keccak
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sign712 as s712
from system import PRED_AGE_OVER_18, PRED_EU_RESIDENT, PRED_KYC, PRICE, ROLE_KYC, SRC, sha

ZERO = "0x" + "00" * 20
Z32 = b"\x00" * 32
YEAR = 365 * 86400
JWT = sha("issuer-signed JWT of an SD-JWT VC")   # the commitment: SHA-256 of the credential's JWT
ALL = PRED_KYC | PRED_AGE_OVER_18 | PRED_EU_RESIDENT


@pytest.fixture
def idr(world):
    return world.identity


@pytest.fixture
def kyc(world):
    """A KYC provider (role 7) registered and active."""
    k = boa.env.generate_address("kyc-provider")
    with boa.env.prank(world.gov):
        world.registry.register(k, ROLE_KYC, "Example KYC", sha("kyc-spki"), sha("kyc-cert"))
    return k


@pytest.fixture
def kyc2(world):
    k = boa.env.generate_address("kyc-provider-2")
    with boa.env.prank(world.gov):
        world.registry.register(k, ROLE_KYC, "Second KYC", sha("kyc2-spki"), sha("kyc2-cert"))
    return k


def attest(idr, issuer, account, predicates=ALL, expiry=None, commitment=JWT):
    with boa.env.prank(issuer):
        idr.attest(account, commitment, predicates, expiry or boa.env.timestamp + YEAR)


# ---------------------------------------------------------------- deployment

def test_constructor(world, idr):
    with boa.reverts("registry: zero address"):
        boa.load(str(SRC / "IdentityRegistry.vy"), ZERO)
    assert idr.REGISTRY() == world.registry.address and idr.VERSION() == 2
    assert world.plans.identityRegistry() == idr.address


# ---------------------------------------------------------------- attest

def test_attest_effects_and_event(world, idr, kyc):
    acct = world.buyer.address
    exp = boa.env.timestamp + YEAR
    attest(idr, kyc, acct, ALL, exp)
    (ev,) = idr.get_logs()
    assert type(ev).__name__ == "Attested"
    assert (ev.account, ev.issuer, ev.commitment, ev.predicates, ev.expiry) == (acct, kyc, JWT, ALL, exp)
    assert idr.attestationOf(acct) == (kyc, JWT, ALL, exp, False)
    assert idr.isValid(acct)
    assert idr.satisfies(acct, PRED_KYC) and idr.satisfies(acct, ALL) and idr.satisfies(acct, 0)


def test_an_mno_may_attest(world, idr):
    attest(idr, world.mno, world.buyer.address, PRED_KYC)
    assert idr.satisfies(world.buyer.address, PRED_KYC)


@pytest.mark.parametrize("args,reason", [
    (lambda a, t: (ZERO, JWT, 1, t + 1), "account: zero address"),
    (lambda a, t: (a, Z32, 1, t + 1), "commitment: zero"),
    (lambda a, t: (a, JWT, 0, t + 1), "predicates: zero"),
    (lambda a, t: (a, JWT, 2**31, t + 1), "predicates: above 31 bits"),
    (lambda a, t: (a, JWT, 2**256 - 1, t + 1), "predicates: above 31 bits"),
    (lambda a, t: (a, JWT, 1, t), "expiry: not in the future"),
    (lambda a, t: (a, JWT, 1, 0), "expiry: not in the future"),
])
def test_attest_reverts(world, idr, kyc, args, reason):
    with boa.env.prank(kyc), boa.reverts(reason):
        idr.attest(*args(world.buyer.address, boa.env.timestamp))


def test_attest_accepts_the_largest_mask_and_expiry(world, idr, kyc):
    attest(idr, kyc, world.buyer.address, 2**31 - 1, 2**64 - 1)
    assert idr.attestationOf(world.buyer.address)[2:] == (2**31 - 1, 2**64 - 1, False)
    assert idr.satisfies(world.buyer.address, 2**31 - 1) and not idr.satisfies(world.buyer.address, 2**31)


def test_exploit_non_issuers_cannot_attest(world, idr, kyc):
    # an MVNO, an SM-DP+, an unregistered address, and a buyer attesting itself
    for who in (world.mvno, world.smdp, boa.env.generate_address(), world.buyer.address):
        with boa.env.prank(who), boa.reverts("issuer: not an active MNO or KYC provider"):
            idr.attest(world.buyer.address, JWT, ALL, boa.env.timestamp + YEAR)
    # a suspended or revoked KYC provider neither
    with boa.env.prank(world.gov):
        world.registry.suspend(kyc, 1)
    with boa.env.prank(kyc), boa.reverts("issuer: not an active MNO or KYC provider"):
        idr.attest(world.buyer.address, JWT, ALL, boa.env.timestamp + YEAR)
    with boa.env.prank(world.gov):
        world.registry.revoke(kyc, 2)
    with boa.env.prank(kyc), boa.reverts("issuer: not an active MNO or KYC provider"):
        idr.attest(world.buyer.address, JWT, ALL, boa.env.timestamp + YEAR)


def test_issuer_updates_its_own_attestation(world, idr, kyc):
    acct = world.buyer.address
    attest(idr, kyc, acct, PRED_KYC)
    attest(idr, kyc, acct, PRED_KYC | PRED_AGE_OVER_18, commitment=sha("renewed"))
    assert idr.attestationOf(acct)[1:3] == (sha("renewed"), PRED_KYC | PRED_AGE_OVER_18)
    # and re-attests after revoking it
    with boa.env.prank(kyc):
        idr.revokeAttestation(acct)
    attest(idr, kyc, acct, PRED_KYC)
    assert idr.attestationOf(acct)[4] is False and idr.satisfies(acct, PRED_KYC)


def test_exploit_issuer_cannot_overwrite_another_issuers_valid_attestation(world, idr, kyc, kyc2):
    acct = world.buyer.address
    attest(idr, kyc, acct, PRED_KYC)
    for who in (kyc2, world.mno):
        with boa.env.prank(who), boa.reverts("account: attested by another issuer"):
            idr.attest(acct, sha("forged"), ALL, boa.env.timestamp + YEAR)
    assert idr.attestationOf(acct)[:3] == (kyc, JWT, PRED_KYC)


@pytest.mark.parametrize("how", ["expired", "revoked", "issuer suspended", "issuer revoked"])
def test_another_issuer_replaces_an_attestation_no_longer_valid(world, idr, kyc, kyc2, how):
    acct = world.buyer.address
    attest(idr, kyc, acct, PRED_KYC, boa.env.timestamp + 100)
    if how == "expired":
        boa.env.time_travel(seconds=100)
    elif how == "revoked":
        with boa.env.prank(kyc):
            idr.revokeAttestation(acct)
    elif how == "issuer suspended":
        with boa.env.prank(world.gov):
            world.registry.suspend(kyc, 1)
    else:
        with boa.env.prank(world.gov):
            world.registry.revoke(kyc, 1)
    assert not idr.isValid(acct)
    attest(idr, kyc2, acct, PRED_AGE_OVER_18)
    assert idr.attestationOf(acct)[:3] == (kyc2, JWT, PRED_AGE_OVER_18)
    assert idr.satisfies(acct, PRED_AGE_OVER_18) and not idr.satisfies(acct, PRED_KYC)


# ---------------------------------------------------------------- validity at the moment of use

def test_exploit_suspended_or_revoked_issuers_attestations_stop_satisfying_at_once(world, idr, kyc):
    acct = world.buyer.address
    attest(idr, kyc, acct)
    with boa.env.prank(world.gov):
        world.registry.suspend(kyc, 7)
    assert not idr.satisfies(acct, PRED_KYC) and not idr.isValid(acct)
    with boa.env.prank(world.gov):
        world.registry.reinstate(kyc)
    assert idr.satisfies(acct, PRED_KYC)
    with boa.env.prank(world.gov):
        world.registry.revoke(kyc, 7)
    assert not idr.satisfies(acct, PRED_KYC) and not idr.satisfies(acct, ALL)
    assert idr.satisfies(acct, 0)   # asking for nothing is always satisfied


def test_exploit_suspended_mno_issuers_attestations_stop_satisfying(world, idr):
    attest(idr, world.mno, world.buyer.address, PRED_KYC)
    with boa.env.prank(world.gov):
        world.registry.suspend(world.mno, 1)
    assert not idr.satisfies(world.buyer.address, PRED_KYC)


def test_exploit_expired_attestation_stops_satisfying(world, idr, kyc):
    acct = world.buyer.address
    attest(idr, kyc, acct, ALL, boa.env.timestamp + 1000)
    boa.env.time_travel(seconds=999)
    assert idr.satisfies(acct, PRED_KYC)
    boa.env.time_travel(seconds=1)          # expiry is exclusive: at the expiry second it is no longer valid
    assert not idr.satisfies(acct, PRED_KYC) and not idr.isValid(acct)


def test_no_attestation_satisfies_nothing_but_the_empty_requirement(world, idr):
    a = boa.env.generate_address()
    assert idr.attestationOf(a) == (ZERO, Z32, 0, 0, False)
    assert not idr.isValid(a) and not idr.satisfies(a, PRED_KYC) and idr.satisfies(a, 0)


# ---------------------------------------------------------------- revoke and clear

def test_revoke_attestation(world, idr, kyc):
    acct = world.buyer.address
    attest(idr, kyc, acct)
    with boa.env.prank(kyc):
        idr.revokeAttestation(acct)
    (ev,) = idr.get_logs()
    assert type(ev).__name__ == "AttestationRevoked" and (ev.account, ev.issuer) == (acct, kyc)
    assert idr.attestationOf(acct) == (kyc, JWT, ALL, idr.attestationOf(acct)[3], True)
    assert not idr.satisfies(acct, PRED_KYC)
    with boa.env.prank(kyc), boa.reverts("attestation: already revoked"):
        idr.revokeAttestation(acct)


def test_exploit_only_the_attesting_issuer_revokes(world, idr, kyc, kyc2):
    acct = world.buyer.address
    with boa.env.prank(kyc), boa.reverts("not the attesting issuer"):
        idr.revokeAttestation(acct)              # nothing attested
    attest(idr, kyc, acct)
    for who in (kyc2, world.mno, world.gov, acct, ZERO):
        with boa.env.prank(who), boa.reverts("not the attesting issuer"):
            idr.revokeAttestation(acct)
    assert idr.satisfies(acct, ALL)


def test_a_suspended_issuer_may_still_revoke(world, idr, kyc):
    attest(idr, kyc, world.buyer.address)
    with boa.env.prank(world.gov):
        world.registry.suspend(kyc, 1)
    with boa.env.prank(kyc):
        idr.revokeAttestation(world.buyer.address)
    with boa.env.prank(world.gov):
        world.registry.reinstate(kyc)
    assert not idr.satisfies(world.buyer.address, PRED_KYC)   # stays revoked after reinstatement


def test_clear_attestation(world, idr, kyc):
    acct = world.buyer.address
    with boa.env.prank(acct), boa.reverts("attestation: none"):
        idr.clearAttestation()
    attest(idr, kyc, acct)
    with boa.env.prank(acct):
        idr.clearAttestation()
    (ev,) = idr.get_logs()
    assert type(ev).__name__ == "AttestationCleared" and (ev.account, ev.issuer) == (acct, kyc)
    assert idr.attestationOf(acct) == (ZERO, Z32, 0, 0, False) and not idr.satisfies(acct, PRED_KYC)
    with boa.env.prank(kyc), boa.reverts("not the attesting issuer"):
        idr.revokeAttestation(acct)
    # the slot is free: any active issuer may attest it again
    attest(idr, world.mno, acct, PRED_KYC)
    assert idr.satisfies(acct, PRED_KYC)


def test_exploit_clear_removes_only_the_callers_own_slot(world, idr, kyc):
    attest(idr, kyc, world.buyer.address)
    with boa.env.prank(world.other.address), boa.reverts("attestation: none"):
        idr.clearAttestation()
    assert idr.satisfies(world.buyer.address, ALL)


# ---------------------------------------------------------------- status lists

def test_anchor_status_list(world, idr, kyc):
    d1, d2 = sha("status list token v1"), sha("status list token v2")
    with boa.env.prank(kyc):
        idr.anchorStatusList(1, d1, "https://kyc.example.com/statuslists/1")
    (ev,) = idr.get_logs()
    assert type(ev).__name__ == "StatusListAnchored"
    assert (ev.issuer, ev.listId, ev.digest, ev.uri) == (kyc, 1, d1, "https://kyc.example.com/statuslists/1")
    t1 = boa.env.timestamp
    assert idr.statusListDigest(kyc, 1) == d1 and idr.statusListAnchoredAt(kyc, 1) == t1
    boa.env.time_travel(seconds=60)
    with boa.env.prank(kyc):
        idr.anchorStatusList(1, d2, "https://kyc.example.com/statuslists/1")
    assert idr.statusListDigest(kyc, 1) == d2 and idr.statusListAnchoredAt(kyc, 1) == t1 + 60
    # lists are per issuer: the MNO's list 1 is another list
    with boa.env.prank(world.mno):
        idr.anchorStatusList(1, d1, "https://mno.example.com/sl/1")
    assert idr.statusListDigest(world.mno, 1) == d1 and idr.statusListDigest(kyc, 1) == d2
    assert idr.statusListDigest(kyc, 2) == Z32 and idr.statusListAnchoredAt(kyc, 2) == 0


def test_anchor_status_list_reverts(world, idr, kyc):
    with boa.env.prank(kyc):
        with boa.reverts("digest: zero"):
            idr.anchorStatusList(1, Z32, "https://kyc.example.com/sl/1")
        with boa.reverts("uri: empty"):
            idr.anchorStatusList(1, sha("x"), "")
    for who in (world.mvno, world.buyer.address):
        with boa.env.prank(who), boa.reverts("issuer: not an active MNO or KYC provider"):
            idr.anchorStatusList(1, sha("x"), "https://evil.example/sl")
    with boa.env.prank(world.gov):
        world.registry.suspend(kyc, 1)
    with boa.env.prank(kyc), boa.reverts("issuer: not an active MNO or KYC provider"):
        idr.anchorStatusList(1, sha("x"), "https://kyc.example.com/sl/1")


# ---------------------------------------------------------------- satisfies: bit logic

@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(predicates=st.integers(1, 2**31 - 1), required=st.integers(0, 2**256 - 1))
def test_property_satisfies_is_the_subset_test(world, idr, kyc, predicates, required):
    acct = world.other.address
    with boa.env.anchor():
        attest(idr, kyc, acct, predicates)
        assert idr.satisfies(acct, required) == (predicates & required == required)
        with boa.env.prank(kyc):
            idr.revokeAttestation(acct)
        assert idr.satisfies(acct, required) == (required == 0)


# ---------------------------------------------------------------- plans that require predicates

@pytest.fixture
def gated(world):
    """A plan requiring KYC and age over 18."""
    pid = world.list_plan(transferable=True)
    with boa.env.prank(world.mvno):
        world.plans.setPlanRequirement(pid, PRED_KYC | PRED_AGE_OVER_18)
    return pid


def test_set_plan_requirement(world, gated):
    (ev,) = world.plans.get_logs()
    assert type(ev).__name__ == "PlanRequirementSet" and (ev.planId, ev.predicates) == (gated, 3)
    assert world.plans.planRequirement(gated) == 3 and world.plans.planRequirement(world.plan_id) == 0
    p = world.plans.plans(gated)
    assert p.active and not p.soulbound and p.usagePoster == 0   # the flag bit changes none of the terms
    with boa.env.prank(world.other.address), boa.reverts("caller: not the plan's MVNO"):
        world.plans.setPlanRequirement(gated, 0)
    with boa.env.prank(world.mvno), boa.reverts("plan: unknown"):
        world.plans.setPlanRequirement(999, 1)
    # 0 removes it: anyone may buy again
    with boa.env.prank(world.mvno):
        world.plans.setPlanRequirement(gated, 0)
    assert world.plans.planRequirement(gated) == 0
    world.buy(plan_id=gated, deliver=False)


def test_set_identity_registry_once_by_the_deployer(world):
    with boa.env.prank(world.gov):
        plans = boa.load(str(SRC / "PlanEntitlements.vy"), world.registry.address, world.token.address, "u")
    assert plans.identityRegistry() == ZERO
    with boa.env.prank(world.mvno), boa.reverts("not deployer"):
        plans.setIdentityRegistry(world.identity.address)
    with boa.env.prank(world.gov):
        with boa.reverts("identity: zero address"):
            plans.setIdentityRegistry(ZERO)
        plans.setIdentityRegistry(world.identity.address)
        assert [type(e).__name__ for e in plans.get_logs()] == ["IdentityRegistrySet"]
        with boa.reverts("identity: already set"):
            plans.setIdentityRegistry(boa.env.generate_address())
    with boa.env.prank(world.gov), boa.reverts("identity: already set"):
        world.plans.setIdentityRegistry(world.identity.address)


def test_a_requirement_without_an_identity_registry_refuses_to_sell(world):
    with boa.env.prank(world.gov):
        plans = boa.load(str(SRC / "PlanEntitlements.vy"), world.registry.address, world.token.address, "u")
        plans.setSettlement(world.settlement.address)
    args = dict(mno=world.mno, data_mb=5000, validity=30 * 86400, price=PRICE, margin_bps=1500, supply_cap=10,
                transferable=False, refund_rule=2, usage_poster=0, smdp=world.smdp,
                profile_type=keccak(b"OpenRSP Test Profile"), activation_window=7 * 86400)
    with boa.env.prank(world.mvno):
        pid = plans.listPlan(*args.values())
        plans.setPlanRequirement(pid, PRED_KYC)
    with boa.env.prank(world.buyer.address):
        world.token.approve(plans.address, 2**256 - 1)
        with boa.reverts("identity: registry not set"):
            plans.buy(pid, sha("c"))


def test_buy_needs_a_satisfying_attestation(world, idr, kyc, gated):
    b = world.buyer.address
    with boa.env.prank(b), boa.reverts("identity: predicate not met"):
        world.plans.buy(gated, sha("c1"))
    attest(idr, kyc, b, PRED_KYC)                     # KYC but not the age predicate
    with boa.env.prank(b), boa.reverts("identity: predicate not met"):
        world.plans.buy(gated, sha("c1"))
    attest(idr, kyc, b, PRED_KYC | PRED_AGE_OVER_18 | PRED_EU_RESIDENT)
    with boa.env.prank(b):
        tid = world.plans.buy(gated, sha("c1"))
    assert world.plans.ownerOf(tid) == b
    # the issuer's suspension stops further purchases at once; the entitlement sold stays
    with boa.env.prank(world.gov):
        world.registry.suspend(kyc, 1)
    with boa.env.prank(b), boa.reverts("identity: predicate not met"):
        world.plans.buy(gated, sha("c2"))
    assert world.plans.ownerOf(tid) == b


def test_plans_without_a_requirement_are_unaffected(world, gated):
    # nobody is attested, the registry is wired: the ordinary plan sells as before
    tid = world.buy(who=world.other.address)
    assert world.plans.ownerOf(tid) == world.other.address


def _rwa(world, plan_id, commitment, purchase_nonce, valid_before, buyer):
    nonce = world.plans.authorizationNonce(plan_id, commitment, purchase_nonce)
    dom = s712.domain_separator(world.token.address, 31337)
    return s712.sign(buyer, dom, s712.authorization_hash(s712.RWA_TYPEHASH, buyer.address, world.plans.address,
                                                         PRICE, 0, valid_before, nonce))


def test_buy_with_authorization_checks_the_buyer_not_the_relayer(world, idr, kyc, gated):
    pn, vb = os.urandom(32), boa.env.timestamp + 600
    sig = _rwa(world, gated, sha("c"), pn, vb, world.other)
    # exploit: the relayer is attested, the buyer (beneficiary) is not
    attest(idr, kyc, world.relayer, ALL)
    with boa.env.prank(world.relayer), boa.reverts("identity: predicate not met"):
        world.plans.buyWithAuthorization(gated, sha("c"), pn, world.other.address, 0, vb, *sig)
    attest(idr, kyc, world.other.address, ALL)
    with boa.env.prank(world.relayer):
        tid = world.plans.buyWithAuthorization(gated, sha("c"), pn, world.other.address, 0, vb, *sig)
    assert world.plans.ownerOf(tid) == world.other.address


def _deposit_buy(world, buyer, plan_id, commitment, submitter):
    nonce = os.urandom(32)
    deposit = world.plans.depositAddress(buyer.address, plan_id, commitment, nonce)
    pay_nonce, vb = os.urandom(32), boa.env.timestamp + 600
    dom = s712.domain_separator(world.token.address, 31337)
    v, r, s = s712.sign(buyer, dom, s712.authorization_hash(s712.TWA_TYPEHASH, buyer.address, deposit, PRICE, 0, vb,
                                                            pay_nonce))
    with boa.env.prank(submitter):
        world.token.transferWithAuthorization(buyer.address, deposit, PRICE, 0, vb, pay_nonce, v, r, s)
    return nonce, deposit


def test_buy_from_deposit_checks_the_beneficiary(world, idr, kyc, gated):
    # exploit: an attested submitter buys from a deposit for a beneficiary without an attestation
    attest(idr, kyc, world.relayer, ALL)
    nonce, deposit = _deposit_buy(world, world.other, gated, sha("c"), world.relayer)
    with boa.env.prank(world.relayer), boa.reverts("identity: predicate not met"):
        world.plans.buyFromDeposit(world.other.address, gated, sha("c"), nonce)
    # the payment is not lost: the buyer withdraws it
    with boa.env.prank(world.other.address):
        assert world.plans.withdrawDeposit(gated, sha("c"), nonce) == PRICE
    # once the beneficiary is attested, the deposit purchase goes through
    attest(idr, kyc, world.other.address, PRED_KYC | PRED_AGE_OVER_18)
    nonce, _ = _deposit_buy(world, world.other, gated, sha("c"), world.relayer)
    with boa.env.prank(world.relayer):
        tid = world.plans.buyFromDeposit(world.other.address, gated, sha("c"), nonce)
    assert world.plans.ownerOf(tid) == world.other.address


def test_exploit_transfer_to_an_unattested_account_is_refused(world, idr, kyc, gated):
    # an attested buyer cannot pass a gated (transferable) entitlement to an account that is not
    b, o = world.buyer.address, world.other.address
    attest(idr, kyc, b, ALL)
    with boa.env.prank(b):
        tid = world.plans.buy(gated, sha("c"))
        with boa.reverts("identity: predicate not met"):
            world.plans.safeTransferFrom(b, o, tid, 1, b"")
        with boa.reverts("identity: predicate not met"):
            world.plans.safeBatchTransferFrom(b, o, [tid], [1], b"")
    attest(idr, kyc, o, PRED_KYC | PRED_AGE_OVER_18)
    with boa.env.prank(b):
        world.plans.safeTransferFrom(b, o, tid, 1, b"")
    assert world.plans.ownerOf(tid) == o


def test_exploit_an_expired_or_revoked_attestation_cannot_buy(world, idr, kyc, gated):
    b = world.buyer.address
    attest(idr, kyc, b, ALL, boa.env.timestamp + 50)
    boa.env.time_travel(seconds=50)
    with boa.env.prank(b), boa.reverts("identity: predicate not met"):
        world.plans.buy(gated, sha("c"))
    attest(idr, kyc, b, ALL)
    with boa.env.prank(kyc):
        idr.revokeAttestation(b)
    with boa.env.prank(b), boa.reverts("identity: predicate not met"):
        world.plans.buy(gated, sha("c"))


def test_exploit_an_issuer_squatting_an_account_is_undone_by_the_account(world, idr, kyc, kyc2):
    # issuer A attests an account unasked (say with no useful predicate) to keep issuer B out for a year:
    # B cannot overwrite it, but the account clears it and B attests
    acct = world.buyer.address
    attest(idr, kyc, acct, PRED_EU_RESIDENT)
    with boa.env.prank(kyc2), boa.reverts("account: attested by another issuer"):
        idr.attest(acct, JWT, ALL, boa.env.timestamp + YEAR)
    with boa.env.prank(acct):
        idr.clearAttestation()
    attest(idr, kyc2, acct, ALL)
    assert idr.attestationOf(acct)[0] == kyc2 and idr.satisfies(acct, ALL)
