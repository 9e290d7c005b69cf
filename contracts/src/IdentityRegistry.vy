# pragma version 0.4.3
# pragma evm-version cancun
"""
@title IdentityRegistry
@notice Identity attestations of user accounts (issue 17 item 4), for plans that require
        identity predicates (PlanEntitlements.setPlanRequirement). An issuer is an entity
        active in the TrustRegistry with role MNO (5) or KYC provider (7). Each account has
        ONE attestation slot: (issuer, commitment, predicates, expiry, revoked).
        The commitment is the SHA-256 of the issuer-signed JWT of the credential (an SD-JWT
        VC); personal data never appears on chain. Predicates are a public bit convention:
            bit 0 (1): KYC verified by the issuer
            bit 1 (2): age over 18
            bit 2 (4): resident in the EU/EEA
        (bits 3..30 are reserved; a predicate mask has at most 31 bits).
        An attestation is valid while it is not revoked, its expiry is in the future and its
        issuer is active in the TrustRegistry (checked at every use: suspending or revoking an
        issuer invalidates all its attestations at once). The issuer may revoke it; the account
        may clear it; another issuer may replace it only once it is no longer valid.
        Issuers also anchor IETF Token Status Lists (revocation of the credentials themselves):
        `anchorStatusList` records the SHA-256 of a status list token and where it is served.
        No upgradeability: the code is fixed at deployment.
"""

VERSION: public(constant(uint256)) = 2   # the OpenRSP contracts release

interface ITrustRegistry:
    def isActive(entity: address, role: uint8) -> bool: view

ROLE_MNO: constant(uint8) = 5
ROLE_KYC: constant(uint8) = 7

MASK160: constant(uint256) = 2**160 - 1
MASK64: constant(uint256) = 2**64 - 1
REVOKED_BIT: constant(uint256) = 1 << 224
MAX_PREDICATES: constant(uint256) = 2**31 - 1

event Attested:
    account: indexed(address)
    issuer: indexed(address)
    commitment: bytes32
    predicates: uint256
    expiry: uint64

event AttestationRevoked:
    account: indexed(address)
    issuer: indexed(address)

event AttestationCleared:
    account: indexed(address)
    issuer: indexed(address)

event StatusListAnchored:
    issuer: indexed(address)
    listId: indexed(uint256)
    digest: bytes32
    uri: String[256]

REGISTRY: public(immutable(address))
# Per account, packed into one slot so `satisfies` is one storage read:
#   issuer (bits 0..159) | expiry (160..223) | revoked (224) | predicates (225..255)
_slot: HashMap[address, uint256]
# the SHA-256 of the credential's issuer-signed JWT (read only by `attestationOf`)
_commitment: HashMap[address, bytes32]
# issuer -> status list id -> SHA-256 of the status list token, and when it was anchored
statusListDigest: public(HashMap[address, HashMap[uint256, bytes32]])
statusListAnchoredAt: public(HashMap[address, HashMap[uint256, uint256]])


@deploy
def __init__(registry: address):
    assert registry != empty(address), "registry: zero address"
    REGISTRY = registry


@view
@internal
def _is_issuer(who: address) -> bool:
    return (staticcall ITrustRegistry(REGISTRY).isActive(who, ROLE_KYC)
            or staticcall ITrustRegistry(REGISTRY).isActive(who, ROLE_MNO))


@view
@internal
def _valid(slot: uint256) -> bool:
    """Not revoked, not expired, and the issuer active now (an empty slot is not valid)."""
    if slot == 0 or slot & REVOKED_BIT != 0 or (slot >> 160) & MASK64 <= block.timestamp:
        return False
    return self._is_issuer(convert(slot & MASK160, address))


@external
def attest(account: address, commitment: bytes32, predicates: uint256, expiry: uint64):
    """@notice An active MNO or KYC provider attests `account`'s `predicates` until `expiry`, for
       the credential whose issuer-signed JWT hashes (SHA-256) to `commitment`. Replaces the
       account's attestation if it is the caller's own, or no longer valid (expired, revoked, or
       its issuer no longer active); never another issuer's valid one."""
    assert self._is_issuer(msg.sender), "issuer: not an active MNO or KYC provider"
    assert account != empty(address), "account: zero address"
    assert commitment != empty(bytes32), "commitment: zero"
    assert predicates != 0, "predicates: zero"
    assert predicates <= MAX_PREDICATES, "predicates: above 31 bits"
    assert convert(expiry, uint256) > block.timestamp, "expiry: not in the future"
    slot: uint256 = self._slot[account]
    if slot != 0 and convert(slot & MASK160, address) != msg.sender:
        assert not self._valid(slot), "account: attested by another issuer"
    self._slot[account] = convert(msg.sender, uint256) | (convert(expiry, uint256) << 160) | (predicates << 225)
    self._commitment[account] = commitment
    log Attested(account=account, issuer=msg.sender, commitment=commitment, predicates=predicates, expiry=expiry)


@external
def revokeAttestation(account: address):
    """@notice The attesting issuer revokes `account`'s attestation (also while the issuer is
       suspended or revoked in the TrustRegistry)."""
    slot: uint256 = self._slot[account]
    assert slot != 0 and convert(slot & MASK160, address) == msg.sender, "not the attesting issuer"
    assert slot & REVOKED_BIT == 0, "attestation: already revoked"
    self._slot[account] = slot | REVOKED_BIT
    log AttestationRevoked(account=account, issuer=msg.sender)


@external
def clearAttestation():
    """@notice The account (msg.sender) removes its own attestation."""
    slot: uint256 = self._slot[msg.sender]
    assert slot != 0, "attestation: none"
    self._slot[msg.sender] = 0
    self._commitment[msg.sender] = empty(bytes32)
    log AttestationCleared(account=msg.sender, issuer=convert(slot & MASK160, address))


@external
def anchorStatusList(list_id: uint256, digest: bytes32, uri: String[256]):
    """@notice An active MNO or KYC provider anchors its status list `list_id` (IETF Token Status
       List): `digest` is the SHA-256 of the status list token's bytes, served at `uri`; a
       verifier fetches the token and compares. A new anchor of the same list replaces the old."""
    assert self._is_issuer(msg.sender), "issuer: not an active MNO or KYC provider"
    assert digest != empty(bytes32), "digest: zero"
    assert len(uri) > 0, "uri: empty"
    self.statusListDigest[msg.sender][list_id] = digest
    self.statusListAnchoredAt[msg.sender][list_id] = block.timestamp
    log StatusListAnchored(issuer=msg.sender, listId=list_id, digest=digest, uri=uri)


# ---------------------------------------------------------------- views

@view
@external
def satisfies(account: address, required: uint256) -> bool:
    """@notice True iff `required` is 0, or `account`'s attestation is valid now (not revoked, not
       expired, its issuer an active MNO or KYC provider) and has every predicate bit of `required`."""
    if required == 0:
        return True
    slot: uint256 = self._slot[account]
    if (slot >> 225) & required != required:
        return False
    return self._valid(slot)


@view
@external
def isValid(account: address) -> bool:
    """@notice True iff `account` has an attestation valid now (see `satisfies`)."""
    return self._valid(self._slot[account])


@view
@external
def attestationOf(account: address) -> (address, bytes32, uint256, uint64, bool):
    """@notice (issuer, commitment, predicates, expiry, revoked) of `account`'s attestation, as
       stored (all zero if none); validity now: `isValid`."""
    slot: uint256 = self._slot[account]
    return (convert(slot & MASK160, address), self._commitment[account], slot >> 225,
            convert((slot >> 160) & MASK64, uint64), slot & REVOKED_BIT != 0)
