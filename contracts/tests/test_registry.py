"""TrustRegistry: two-step ownership, entity lifecycle, isTrusted, extra certificate keys, operator keys."""
import boa
import pytest

from system import ROLE_CI, ROLE_KYC, ROLE_MNO, ROLE_SMDP, ROLE_SMDS, SRC, sha

ZERO = "0x" + "00" * 20


@pytest.fixture
def r(world):
    return world.registry


def test_constructor_rejects_zero_owner():
    with boa.reverts("owner: zero address"):
        boa.load(str(SRC / "TrustRegistry.vy"), ZERO)


def test_two_step_ownership(world, r):
    new = boa.env.generate_address()
    with boa.env.prank(new), boa.reverts("not owner"):
        r.transferOwnership(new)
    with boa.env.prank(world.gov):
        r.transferOwnership(new)
    assert r.owner() == world.gov and r.pendingOwner() == new
    with boa.env.prank(world.mno), boa.reverts("not pending owner"):
        r.acceptOwnership()
    with boa.env.prank(new):
        r.acceptOwnership()
    assert r.owner() == new and r.pendingOwner() == ZERO
    with boa.env.prank(world.gov), boa.reverts("not owner"):
        r.suspend(world.mno, 1)


def test_register_and_is_trusted(world, r):
    smdp = boa.env.generate_address()
    with boa.env.prank(world.gov):
        r.register(smdp, ROLE_SMDP, "SM-DP+ A", sha("smdp-spki"), sha("smdp-cert"))
    (ev,) = r.get_logs()
    assert type(ev).__name__ == "EntityRegistered"
    assert (ev.entity, ev.role, ev.spkiHash, ev.name) == (smdp, ROLE_SMDP, sha("smdp-spki"), "SM-DP+ A")
    assert r.isTrusted(ROLE_SMDP, sha("smdp-spki"))
    assert not r.isTrusted(ROLE_CI, sha("smdp-spki"))
    assert not r.isTrusted(ROLE_SMDP, sha("unknown"))
    e = r.entities(smdp)
    assert (e.role, e.status, e.name, e.spkiHash, e.certHash) == (ROLE_SMDP, 1, "SM-DP+ A", sha("smdp-spki"), sha("smdp-cert"))
    assert r.isActive(smdp, ROLE_SMDP) and not r.isActive(smdp, ROLE_MNO)


@pytest.mark.parametrize("args,reason", [
    (lambda a: (a, 0, "x", sha("s"), sha("c")), "role: invalid"),
    (lambda a: (a, 8, "x", sha("s"), sha("c")), "role: invalid"),
    (lambda a: (a, 255, "x", sha("s"), sha("c")), "role: invalid"),
    (lambda a: (ZERO, ROLE_CI, "x", sha("s"), sha("c")), "entity: zero address"),
    (lambda a: (a, ROLE_CI, "", sha("s"), sha("c")), "name: empty"),
    (lambda a: (a, ROLE_CI, "x", b"\x00" * 32, sha("c")), "spki hash: zero"),
    (lambda a: (a, ROLE_CI, "x", sha("s"), b"\x00" * 32), "cert hash: zero"),
    (lambda a: (a, ROLE_MNO, "x", sha("mno-spki"), sha("c")), "spki hash: already registered for role"),
])
def test_register_reverts(world, r, args, reason):
    a = boa.env.generate_address()
    with boa.env.prank(world.gov), boa.reverts(reason):
        r.register(*args(a))


def test_register_access_and_duplicate(world, r):
    with boa.env.prank(world.mno), boa.reverts("not owner"):
        r.register(boa.env.generate_address(), ROLE_CI, "x", sha("s"), sha("c"))
    with boa.env.prank(world.gov), boa.reverts("entity: already registered"):
        r.register(world.mno, ROLE_CI, "x", sha("s2"), sha("c"))


def test_suspend_reinstate_revoke(world, r):
    spki = sha("mno-spki")
    for fn, args in (("suspend", (world.mno, 3)), ("reinstate", (world.mno,)), ("revoke", (world.mno, 9))):
        with boa.env.prank(world.mvno), boa.reverts("not owner"):
            getattr(r, fn)(*args)
    with boa.env.prank(world.gov):
        with boa.reverts("entity: not suspended"):
            r.reinstate(world.mno)
        r.suspend(world.mno, 3)
        assert not r.isTrusted(ROLE_MNO, spki) and r.entities(world.mno).reasonCode == 3
        assert not r.isOperatorKey(world.mno, world.opkey.address)
        with boa.reverts("entity: not active"):
            r.suspend(world.mno, 3)
        r.reinstate(world.mno)
        assert r.isTrusted(ROLE_MNO, spki) and r.isOperatorKey(world.mno, world.opkey.address)
        r.revoke(world.mno, 9)
        assert not r.isTrusted(ROLE_MNO, spki) and r.statusOf(world.mno) == 3
        with boa.reverts("entity: not registered or already revoked"):
            r.revoke(world.mno, 9)
        with boa.reverts("entity: not suspended"):
            r.reinstate(world.mno)
        with boa.reverts("entity: not active"):
            r.suspend(world.mno, 1)
        with boa.reverts("entity: already registered"):
            r.register(world.mno, ROLE_MNO, "again", sha("new"), sha("new"))
        with boa.reverts("entity: not registered or already revoked"):
            r.revoke(boa.env.generate_address(), 1)


def test_revoke_suspended_entity(world, r):
    with boa.env.prank(world.gov):
        r.suspend(world.mvno, 1)
        r.revoke(world.mvno, 2)
    assert r.statusOf(world.mvno) == 3


def accept(r, key, mno):
    with boa.env.prank(key):
        r.acceptOperatorKey(mno)


def test_operator_keys(world, r):
    k1, k2 = boa.env.generate_address(), boa.env.generate_address()
    assert r.isOperatorKey(world.mno, world.opkey.address)
    with boa.env.prank(world.mvno):
        with boa.reverts("caller: not an active MNO"):
            r.registerOperatorKey(k1)
        with boa.reverts("caller: not an MNO"):
            r.revokeOperatorKey(world.opkey.address)
        with boa.reverts("caller: not an active MNO"):
            r.rotateOperatorKey(world.opkey.address, k1)
    with boa.env.prank(world.mno):
        with boa.reverts("key: zero address"):
            r.registerOperatorKey(ZERO)
        with boa.reverts("key: already registered"):
            r.registerOperatorKey(world.opkey.address)
        r.rotateOperatorKey(world.opkey.address, k1)   # revokes the old key, offers the new one
    assert not r.isOperatorKey(world.mno, world.opkey.address) and not r.isOperatorKey(world.mno, k1)
    assert r.keyOffered(k1, world.mno)
    accept(r, k1, world.mno)
    assert r.isOperatorKey(world.mno, k1) and not r.keyOffered(k1, world.mno)
    with boa.env.prank(world.mno), boa.reverts("key: already registered"):   # a used key is never offered again
        r.rotateOperatorKey(k1, world.opkey.address)
    with boa.env.prank(world.mno):
        with boa.reverts("key: not active"):
            r.revokeOperatorKey(world.opkey.address)
        with boa.reverts("key: not this MNO's key"):
            r.revokeOperatorKey(k2)
        with boa.reverts("key: already registered"):  # a revoked key is never reused
            r.registerOperatorKey(world.opkey.address)
        r.registerOperatorKey(k2)
    accept(r, k2, world.mno)
    # another MNO cannot revoke or claim these keys
    mno2 = boa.env.generate_address()
    with boa.env.prank(world.gov):
        r.register(mno2, ROLE_MNO, "MNO 2", sha("mno2"), sha("mno2c"))
    with boa.env.prank(mno2):
        with boa.reverts("key: not this MNO's key"):
            r.revokeOperatorKey(k2)
        with boa.reverts("key: already registered"):
            r.registerOperatorKey(k2)
    assert not r.isOperatorKey(mno2, k2)
    # a suspended MNO may still revoke its keys, but not add or rotate
    with boa.env.prank(world.gov):
        r.suspend(world.mno, 1)
    with boa.env.prank(world.mno):
        with boa.reverts("caller: not an active MNO"):
            r.registerOperatorKey(boa.env.generate_address())
        r.revokeOperatorKey(k2)
    assert r.operatorKeyStatus(k2) == 2


# ---------------------------------------------------------------- extra certificate keys (CERT.DPtls)

ZERO32 = b"\x00" * 32
TLS = sha("smdp-tls-spki")


@pytest.fixture
def smdp(world, r):
    """An active SM-DP+ whose primary key is its CERT.DPauth SPKI hash."""
    a = boa.env.generate_address()
    with boa.env.prank(world.gov):
        r.register(a, ROLE_SMDP, "SM-DP+ A", sha("smdp-auth-spki"), sha("smdp-auth-cert"))
    return a


def add_cert(world, r, entity, spki=TLS, cert=sha("smdp-tls-cert")):
    with boa.env.prank(world.gov):
        r.addCertificate(entity, spki, cert)


def test_add_certificate_effects_and_event(world, r, smdp):
    assert not r.isTrusted(ROLE_SMDP, TLS)
    add_cert(world, r, smdp)
    (ev,) = r.get_logs()
    assert type(ev).__name__ == "CertificateAdded"
    assert (ev.entity, ev.role, ev.spkiHash, ev.certHash) == (smdp, ROLE_SMDP, TLS, sha("smdp-tls-cert"))
    assert r.entityBySpki(ROLE_SMDP, TLS) == smdp
    assert r.isTrusted(ROLE_SMDP, TLS) and r.isTrusted(ROLE_SMDP, sha("smdp-auth-spki"))
    assert not r.isTrusted(ROLE_SMDS, TLS) and not r.isTrusted(ROLE_MNO, TLS)
    # the entity record (primary key, certificate hash) is unchanged
    e = r.entities(smdp)
    assert (e.role, e.status, e.spkiHash, e.certHash) == (ROLE_SMDP, 1, sha("smdp-auth-spki"), sha("smdp-auth-cert"))
    # the role of the key is the entity's own: an MNO's extra key is trusted for MNO only
    add_cert(world, r, world.mno, sha("mno-tls"))
    (ev,) = r.get_logs()
    assert (ev.entity, ev.role, ev.spkiHash) == (world.mno, ROLE_MNO, sha("mno-tls"))
    assert r.isTrusted(ROLE_MNO, sha("mno-tls")) and not r.isTrusted(ROLE_SMDP, sha("mno-tls"))


@pytest.mark.parametrize("args,reason", [
    (lambda w, e, u, v: (e, ZERO32, sha("c")), "spki hash: zero"),
    (lambda w, e, u, v: (u, ZERO32, sha("c")), "spki hash: zero"),        # checked before the entity
    (lambda w, e, u, v: (e, TLS, ZERO32), "cert hash: zero"),
    (lambda w, e, u, v: (u, TLS, ZERO32), "cert hash: zero"),
    (lambda w, e, u, v: (u, TLS, sha("c")), "entity: not registered"),
    (lambda w, e, u, v: (ZERO, TLS, sha("c")), "entity: not registered"),
    (lambda w, e, u, v: (v, TLS, sha("c")), "entity: revoked"),
    (lambda w, e, u, v: (v, sha("mvno-spki"), sha("c")), "entity: revoked"),  # checked before the mapping
    (lambda w, e, u, v: (e, sha("smdp-auth-spki"), sha("c")), "spki hash: already registered for role"),
    (lambda w, e, u, v: (e, sha("smdp-b-spki"), sha("c")), "spki hash: already registered for role"),
    (lambda w, e, u, v: (e, sha("smdp-b-tls"), sha("c")), "spki hash: already registered for role"),
    (lambda w, e, u, v: (e, sha("smdp-a-tls"), sha("c")), "spki hash: already registered for role"),
])
def test_add_certificate_reverts(world, r, smdp, args, reason):
    other = boa.env.generate_address()      # a second SM-DP+ with a primary and an extra key
    with boa.env.prank(world.gov):
        r.register(other, ROLE_SMDP, "SM-DP+ B", sha("smdp-b-spki"), sha("smdp-b-cert"))
        r.addCertificate(other, sha("smdp-b-tls"), sha("c"))
        r.addCertificate(smdp, sha("smdp-a-tls"), sha("c"))
        r.revoke(world.mvno, 1)
    unregistered = boa.env.generate_address()
    call = args(world, smdp, unregistered, world.mvno)
    with boa.env.prank(world.gov), boa.reverts(reason):
        r.addCertificate(*call)
    assert r.entityBySpki(ROLE_SMDP, TLS) == ZERO


def test_certificate_functions_are_owner_only(world, r, smdp):
    add_cert(world, r, smdp)
    for who in (smdp, world.mno, boa.env.generate_address()):   # the entity itself included
        with boa.env.prank(who):
            with boa.reverts("not owner"):
                r.addCertificate(smdp, sha("other-tls"), sha("c"))
            with boa.reverts("not owner"):
                r.addCertificate(smdp, ZERO32, ZERO32)           # access is checked first
            with boa.reverts("not owner"):
                r.removeCertificate(smdp, TLS)
            with boa.reverts("not owner"):
                r.removeCertificate(boa.env.generate_address(), TLS)
    assert r.entityBySpki(ROLE_SMDP, sha("other-tls")) == ZERO and r.isTrusted(ROLE_SMDP, TLS)
    # a former owner loses both after a hand-over
    new = boa.env.generate_address()
    with boa.env.prank(world.gov):
        r.transferOwnership(new)
    with boa.env.prank(new):
        r.acceptOwnership()
        r.removeCertificate(smdp, TLS)
    with boa.env.prank(world.gov), boa.reverts("not owner"):
        r.addCertificate(smdp, TLS, sha("c"))


def test_remove_certificate_effects_and_event(world, r, smdp):
    add_cert(world, r, smdp)
    add_cert(world, r, smdp, sha("smdp-tls-2"))
    with boa.env.prank(world.gov):
        r.removeCertificate(smdp, TLS)
    (ev,) = r.get_logs()
    assert type(ev).__name__ == "CertificateRemoved"
    assert (ev.entity, ev.role, ev.spkiHash) == (smdp, ROLE_SMDP, TLS)
    assert r.entityBySpki(ROLE_SMDP, TLS) == ZERO and not r.isTrusted(ROLE_SMDP, TLS)
    # the primary and the other extra key stay trusted; the entity record is unchanged
    assert r.isTrusted(ROLE_SMDP, sha("smdp-auth-spki")) and r.isTrusted(ROLE_SMDP, sha("smdp-tls-2"))
    assert r.entities(smdp).spkiHash == sha("smdp-auth-spki")
    with boa.env.prank(world.gov), boa.reverts("spki hash: not this entity's"):
        r.removeCertificate(smdp, TLS)                           # already removed


@pytest.mark.parametrize("args,reason", [
    (lambda w, e, u: (u, TLS), "entity: not registered"),
    (lambda w, e, u: (ZERO, sha("never")), "entity: not registered"),  # zero entity vs an empty mapping
    (lambda w, e, u: (u, sha("smdp-auth-spki")), "entity: not registered"),
    (lambda w, e, u: (e, sha("never")), "spki hash: not this entity's"),
    (lambda w, e, u: (e, sha("smdp-b-spki")), "spki hash: not this entity's"),   # another SM-DP+'s primary
    (lambda w, e, u: (e, sha("smdp-b-tls")), "spki hash: not this entity's"),    # another SM-DP+'s extra key
    (lambda w, e, u: (w.mno, TLS), "spki hash: not this entity's"),   # the SM-DP+'s key, looked up as MNO
    (lambda w, e, u: (w.mno, sha("mno-tls")), "spki hash: not this entity's"),   # held for a role not its own
    (lambda w, e, u: (e, sha("smdp-auth-spki")), "spki hash: primary"),
    (lambda w, e, u: (w.mno, sha("mno-spki")), "spki hash: primary"),
])
def test_remove_certificate_reverts(world, r, smdp, args, reason):
    other, smds = boa.env.generate_address(), boa.env.generate_address()
    with boa.env.prank(world.gov):
        r.register(other, ROLE_SMDP, "SM-DP+ B", sha("smdp-b-spki"), sha("smdp-b-cert"))
        r.addCertificate(other, sha("smdp-b-tls"), sha("c"))
        r.register(smds, ROLE_SMDS, "SM-DS", sha("smds-spki"), sha("smds-cert"))
        r.addCertificate(smds, sha("mno-tls"), sha("c"))
        r.addCertificate(smdp, TLS, sha("c"))
    call = args(world, smdp, boa.env.generate_address())
    with boa.env.prank(world.gov), boa.reverts(reason):
        r.removeCertificate(*call)
    assert r.isTrusted(ROLE_SMDP, TLS) and r.isTrusted(ROLE_SMDP, sha("smdp-b-tls"))


def test_primary_key_is_never_removed(world, r, smdp):
    with boa.env.prank(world.gov):
        with boa.reverts("spki hash: primary"):
            r.removeCertificate(smdp, sha("smdp-auth-spki"))
        r.suspend(smdp, 4)
        with boa.reverts("spki hash: primary"):
            r.removeCertificate(smdp, sha("smdp-auth-spki"))
        r.revoke(smdp, 5)
        with boa.reverts("entity: revoked"):
            r.removeCertificate(smdp, sha("smdp-auth-spki"))
    assert r.entityBySpki(ROLE_SMDP, sha("smdp-auth-spki")) == smdp


def test_extra_key_follows_entity_status(world, r, smdp):
    add_cert(world, r, smdp)
    with boa.env.prank(world.gov):
        r.suspend(smdp, 7)
        assert not r.isTrusted(ROLE_SMDP, TLS) and not r.isTrusted(ROLE_SMDP, sha("smdp-auth-spki"))
        # allowed while suspended; trusted once reinstated
        r.addCertificate(smdp, sha("smdp-tls-2"), sha("c2"))
        assert r.entityBySpki(ROLE_SMDP, sha("smdp-tls-2")) == smdp
        assert not r.isTrusted(ROLE_SMDP, sha("smdp-tls-2"))
        r.reinstate(smdp)
        assert r.isTrusted(ROLE_SMDP, TLS) and r.isTrusted(ROLE_SMDP, sha("smdp-tls-2"))
        r.revoke(smdp, 8)
        assert not r.isTrusted(ROLE_SMDP, TLS) and not r.isTrusted(ROLE_SMDP, sha("smdp-tls-2"))
        assert not r.isTrusted(ROLE_SMDP, sha("smdp-auth-spki"))
        with boa.reverts("entity: revoked"):
            r.addCertificate(smdp, sha("smdp-tls-3"), sha("c3"))
        # a revoked entity's keys stay bound to it: not removable, nobody else takes them under the role
        with boa.reverts("entity: revoked"):
            r.removeCertificate(smdp, TLS)
        assert r.entityBySpki(ROLE_SMDP, TLS) == smdp
        with boa.reverts("spki hash: already registered for role"):
            r.register(boa.env.generate_address(), ROLE_SMDP, "SM-DP+ C", TLS, sha("c"))
        other = boa.env.generate_address()
        r.register(other, ROLE_SMDP, "SM-DP+ D", sha("smdp-d-spki"), sha("smdp-d-cert"))
        with boa.reverts("spki hash: already registered for role"):
            r.addCertificate(other, TLS, sha("c"))


def test_tls_rotation(world, r, smdp):
    """Rotating CERT.DPtls: add the new key, then remove the old one; both trusted in between."""
    add_cert(world, r, smdp)
    add_cert(world, r, smdp, sha("smdp-tls-next"))
    assert r.isTrusted(ROLE_SMDP, TLS) and r.isTrusted(ROLE_SMDP, sha("smdp-tls-next"))
    with boa.env.prank(world.gov):
        r.removeCertificate(smdp, TLS)
    assert not r.isTrusted(ROLE_SMDP, TLS) and r.isTrusted(ROLE_SMDP, sha("smdp-tls-next"))
    # a removed key is unbound: it may be listed again
    add_cert(world, r, smdp)
    assert r.entityBySpki(ROLE_SMDP, TLS) == smdp and r.isTrusted(ROLE_SMDP, TLS)


def test_extra_key_is_unique_per_role(world, r, smdp):
    other = boa.env.generate_address()
    with boa.env.prank(world.gov):
        r.register(other, ROLE_SMDP, "SM-DP+ B", sha("smdp-b-spki"), sha("smdp-b-cert"))
        r.addCertificate(smdp, TLS, sha("c"))
        with boa.reverts("spki hash: already registered for role"):
            r.addCertificate(other, TLS, sha("c"))
        with boa.reverts("spki hash: already registered for role"):   # nor as another entity's primary
            r.register(boa.env.generate_address(), ROLE_SMDP, "SM-DP+ C", TLS, sha("c"))
        # a different role may hold the same key hash: an MNO's extra key and a new CI's primary
        r.addCertificate(world.mno, TLS, sha("c"))
        ci = boa.env.generate_address()
        r.register(ci, ROLE_CI, "CI", TLS, sha("ci-cert"))
    assert r.entityBySpki(ROLE_SMDP, TLS) == smdp and r.entityBySpki(ROLE_MNO, TLS) == world.mno
    assert r.entityBySpki(ROLE_CI, TLS) == ci and r.entityBySpki(ROLE_SMDP, sha("smdp-b-spki")) == other
    # each binding follows its own entity
    with boa.env.prank(world.gov):
        r.suspend(world.mno, 1)
    assert r.isTrusted(ROLE_SMDP, TLS) and r.isTrusted(ROLE_CI, TLS) and not r.isTrusted(ROLE_MNO, TLS)


# ---------------------------------------------------------------- KYC providers (issue 17 item 4)

def test_kyc_provider_role(world, r):
    k = boa.env.generate_address()
    with boa.env.prank(world.gov):
        r.register(k, ROLE_KYC, "Example KYC", sha("kyc-spki"), sha("kyc-cert"))
    assert ROLE_KYC == 7 and r.roleOf(k) == 7 and r.isActive(k, ROLE_KYC) and r.isTrusted(ROLE_KYC, sha("kyc-spki"))
    assert not r.isActive(k, ROLE_MNO)
    with boa.env.prank(world.gov):
        r.suspend(k, 1)
    assert not r.isActive(k, ROLE_KYC)
    # a KYC provider is not an MNO: no operator keys, no MVNO approvals
    with boa.env.prank(world.gov):
        r.reinstate(k)
    with boa.env.prank(k), boa.reverts("caller: not an active MNO"):
        r.registerOperatorKey(boa.env.generate_address())


# ---------------------------------------------------------------- DIDs (issue 17 item 3)

DID = "did:web:mno.example.com"


def set_did(r, who, entity, did):
    with boa.env.prank(who):
        r.setDid(entity, did)


def test_set_did_by_governance_and_by_the_entity(world, r):
    from eth_hash.auto import keccak
    assert r.didOf(world.mno) == "" and r.entityByDid(keccak(DID.encode())) == ZERO
    set_did(r, world.gov, world.mno, DID)
    (ev,) = r.get_logs()
    assert type(ev).__name__ == "EntityDidSet"
    assert (ev.entity, ev.didHash, ev.did) == (world.mno, keccak(DID.encode()), DID)
    assert r.didOf(world.mno) == DID and r.entityByDid(keccak(DID.encode())) == world.mno
    # the entity renames itself: the old DID is released, anyone may be named by it now
    new = "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169"
    set_did(r, world.mno, world.mno, new)
    assert r.didOf(world.mno) == new and r.entityByDid(keccak(new.encode())) == world.mno
    assert r.entityByDid(keccak(DID.encode())) == ZERO
    set_did(r, world.gov, world.mvno, DID)
    assert r.entityByDid(keccak(DID.encode())) == world.mvno
    # setting the same DID again is allowed (idempotent)
    set_did(r, world.mvno, world.mvno, DID)
    assert r.didOf(world.mvno) == DID and r.entityByDid(keccak(DID.encode())) == world.mvno
    # the longest DID that fits
    long = "did:web:" + "a" * 120
    set_did(r, world.smdp, world.smdp, long)
    assert r.didOf(world.smdp) == long and r.entityByDid(keccak(long.encode())) == world.smdp


def test_a_suspended_entity_may_name_its_did(world, r):
    with boa.env.prank(world.gov):
        r.suspend(world.mno, 1)
    set_did(r, world.mno, world.mno, DID)
    assert r.didOf(world.mno) == DID


@pytest.mark.parametrize("did,reason", [
    ("", "did: empty"),
    ("did:", "did: not a did: URI"),
    ("web:mno.example.com", "did: not a did: URI"),
    ("DID:web:mno.example.com", "did: not a did: URI"),
])
def test_set_did_rejects_malformed(world, r, did, reason):
    with boa.env.prank(world.gov), boa.reverts(reason):
        r.setDid(world.mno, did)


def test_set_did_access(world, r):
    for who in (world.mvno, world.buyer.address, boa.env.generate_address()):
        with boa.env.prank(who), boa.reverts("not owner or entity"):
            r.setDid(world.mno, DID)
    stranger = boa.env.generate_address()
    with boa.env.prank(world.gov), boa.reverts("entity: not registered"):
        r.setDid(stranger, DID)
    with boa.env.prank(stranger), boa.reverts("entity: not registered"):
        r.setDid(stranger, DID)          # an unregistered address naming itself


def test_exploit_did_squatting(world, r):
    # an entity cannot take the DID another entity holds, nor can governance give it to a second one
    set_did(r, world.gov, world.mno, DID)
    with boa.env.prank(world.mvno), boa.reverts("did: already named"):
        r.setDid(world.mvno, DID)
    with boa.env.prank(world.gov), boa.reverts("did: already named"):
        r.setDid(world.mvno, DID)
    assert r.didOf(world.mvno) == "" and r.didOf(world.mno) == DID


def test_exploit_revoked_entity_cannot_set_a_did_and_keeps_its_own(world, r):
    from eth_hash.auto import keccak
    set_did(r, world.gov, world.mno, DID)
    with boa.env.prank(world.gov):
        r.revoke(world.mno, 9)
    for who in (world.mno, world.gov):
        with boa.env.prank(who), boa.reverts("entity: revoked"):
            r.setDid(world.mno, "did:web:new.example.com")
    # the revoked entity's DID stays bound to it: nobody else can be named by it
    with boa.env.prank(world.gov), boa.reverts("did: already named"):
        r.setDid(world.mvno, DID)
    assert r.entityByDid(keccak(DID.encode())) == world.mno and r.statusOf(world.mno) == 3
