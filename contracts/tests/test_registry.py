"""TrustRegistry: two-step ownership, entity lifecycle, isTrusted, operator keys."""
import boa
import pytest

from system import ROLE_CI, ROLE_MNO, ROLE_MVNO, ROLE_SMDP, SRC, sha

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
    (lambda a: (a, 7, "x", sha("s"), sha("c")), "role: invalid"),
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
        r.rotateOperatorKey(world.opkey.address, k1)
        assert not r.isOperatorKey(world.mno, world.opkey.address) and r.isOperatorKey(world.mno, k1)
        with boa.reverts("key: not active"):
            r.revokeOperatorKey(world.opkey.address)
        with boa.reverts("key: not this MNO's key"):
            r.revokeOperatorKey(k2)
        with boa.reverts("key: already registered"):  # a revoked key is never reused
            r.registerOperatorKey(world.opkey.address)
        r.registerOperatorKey(k2)
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
