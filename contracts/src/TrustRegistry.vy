# pragma version 0.4.3
# pragma evm-version cancun
"""
@title TrustRegistry
@notice Who is trusted in the OpenRSP ecosystem, by GSMA SGP.22 role. A governance owner
        (an EOA, a multisig or a DAO executor; ownership moves in two steps) registers
        entities. Each entity is one address with one role, a name, the SHA-256 of its
        certificate's SubjectPublicKeyInfo and the SHA-256 of the certificate DER (its
        primary key). Governance may list further certificate keys of an entity (e.g. an
        SM-DP+'s CERT.DPtls besides its CERT.DPauth); they are trusted exactly while the
        entity is active.
        Entities can be suspended and reinstated; revocation is final. An active MNO
        manages its own roaming/usage signing keys (operator keys; each key consents by
        accepting) and approves the MVNOs that may resell it, with a maximum margin.
        Governance, or an entity itself while it is not revoked, names the entity's DID
        (`setDid`; `didOf`, and `entityByDid(keccak256(did))` back): one DID names one entity.
        No upgradeability: the code is fixed at deployment. A new version is a new
        deployment; governance points `deployment()` at the current one.
"""

VERSION: public(constant(uint256)) = 2   # the OpenRSP contracts release

# Roles (GSMA SGP.21/22 naming). 0 is "no role".
ROLE_CI: constant(uint8) = 1
ROLE_EUM: constant(uint8) = 2
ROLE_SMDP: constant(uint8) = 3
ROLE_SMDS: constant(uint8) = 4
ROLE_MNO: constant(uint8) = 5
ROLE_MVNO: constant(uint8) = 6
ROLE_KYC: constant(uint8) = 7    # a KYC provider: issues identity attestations (IdentityRegistry)

# Entity status. 0 is "not registered".
STATUS_ACTIVE: constant(uint8) = 1
STATUS_SUSPENDED: constant(uint8) = 2
STATUS_REVOKED: constant(uint8) = 3

# Operator key status. 0 is "never registered".
KEY_ACTIVE: constant(uint8) = 1
KEY_REVOKED: constant(uint8) = 2

MAX_MARGIN_BPS: constant(uint256) = 10000

struct Entity:
    role: uint8
    status: uint8
    reasonCode: uint16
    name: String[64]
    spkiHash: bytes32
    certHash: bytes32

# What `entities()` returns besides the packed state (Vyper gives every struct member its own
# slot, so the members read on every trust check live packed in `_state` instead).
struct EntityInfo:
    name: String[64]
    spkiHash: bytes32
    certHash: bytes32

event OwnershipTransferStarted:
    previousOwner: indexed(address)
    newOwner: indexed(address)

event OwnershipTransferred:
    previousOwner: indexed(address)
    newOwner: indexed(address)

event EntityRegistered:
    entity: indexed(address)
    role: indexed(uint8)
    spkiHash: indexed(bytes32)
    certHash: bytes32
    name: String[64]

event EntitySuspended:
    entity: indexed(address)
    reasonCode: uint16

event EntityReinstated:
    entity: indexed(address)

event EntityRevoked:
    entity: indexed(address)
    reasonCode: uint16

event CertificateAdded:
    entity: indexed(address)
    role: indexed(uint8)
    spkiHash: indexed(bytes32)
    certHash: bytes32

event CertificateRemoved:
    entity: indexed(address)
    role: indexed(uint8)
    spkiHash: indexed(bytes32)

event OperatorKeyRegistered:
    mno: indexed(address)
    key: indexed(address)

event OperatorKeyRevoked:
    mno: indexed(address)
    key: indexed(address)

event OperatorKeyOffered:
    mno: indexed(address)
    key: indexed(address)
    offered: bool

event MvnoApproved:
    mno: indexed(address)
    mvno: indexed(address)
    maxMarginBps: uint256

event MvnoApprovalRevoked:
    mno: indexed(address)
    mvno: indexed(address)

event EntityDidSet:
    entity: indexed(address)
    didHash: indexed(bytes32)
    did: String[128]

event DeploymentSet:
    version: indexed(uint256)
    entitlements: indexed(address)
    settlement: indexed(address)

owner: public(address)
pendingOwner: public(address)
# Per entity, packed into one slot so `isActive` is one storage read:
#   role (bits 0..7) | status (8..15) | reason code (16..31)
_state: HashMap[address, uint256]
_info: HashMap[address, EntityInfo]
# (role, spkiHash) -> entity address: the primary key given at `register` (bound forever) and
# any extra certificate key added with `addCertificate` (bound until `removeCertificate`).
entityBySpki: public(HashMap[uint8, HashMap[bytes32, address]])
# operator key -> MNO that registered it (bits 0..159) | the key's status (160..167), one slot
_opKey: HashMap[address, uint256]
# key -> MNO -> offered: an MNO's offer waiting for the key's consent (`acceptOperatorKey`)
keyOffered: public(HashMap[address, HashMap[address, bool]])
# MNO -> MVNO -> 1 << 16 | max margin bps (0: not approved); see `mvnoApproval`
_resale: HashMap[address, HashMap[address, uint256]]
# the current deployment (governance): version | PlanEntitlements | UsageSettlement
deploymentVersion: public(uint256)
deploymentEntitlements: public(address)
deploymentSettlement: public(address)
# entity -> its DID (`setDid`); keccak256 of a DID's bytes -> the entity it names (one each way)
didOf: public(HashMap[address, String[128]])
entityByDid: public(HashMap[bytes32, address])

MASK160: constant(uint256) = 2**160 - 1
DID_SCHEME: constant(String[4]) = "did:"


@deploy
def __init__(owner: address):
    assert owner != empty(address), "owner: zero address"
    self.owner = owner
    log OwnershipTransferred(previousOwner=empty(address), newOwner=owner)


# ---------------------------------------------------------------- governance

@external
def transferOwnership(new_owner: address):
    """@notice Step 1: the owner nominates a new owner (zero address cancels a nomination)."""
    assert msg.sender == self.owner, "not owner"
    self.pendingOwner = new_owner
    log OwnershipTransferStarted(previousOwner=msg.sender, newOwner=new_owner)


@external
def acceptOwnership():
    """@notice Step 2: the nominee accepts."""
    assert msg.sender == self.pendingOwner, "not pending owner"
    previous: address = self.owner
    self.owner = msg.sender
    self.pendingOwner = empty(address)
    log OwnershipTransferred(previousOwner=previous, newOwner=msg.sender)


@external
def register(entity: address, role: uint8, name: String[64], spki_hash: bytes32, cert_hash: bytes32):
    assert msg.sender == self.owner, "not owner"
    assert entity != empty(address), "entity: zero address"
    assert role >= ROLE_CI and role <= ROLE_KYC, "role: invalid"
    assert len(name) > 0, "name: empty"
    assert spki_hash != empty(bytes32), "spki hash: zero"
    assert cert_hash != empty(bytes32), "cert hash: zero"
    assert self._status(entity) == 0, "entity: already registered"
    assert self.entityBySpki[role][spki_hash] == empty(address), "spki hash: already registered for role"
    self._state[entity] = self._pack(role, STATUS_ACTIVE, 0)
    self._info[entity] = EntityInfo(name=name, spkiHash=spki_hash, certHash=cert_hash)
    self.entityBySpki[role][spki_hash] = entity
    log EntityRegistered(entity=entity, role=role, spkiHash=spki_hash, certHash=cert_hash, name=name)


@external
def suspend(entity: address, reason_code: uint16):
    assert msg.sender == self.owner, "not owner"
    state: uint256 = self._state[entity]
    assert (state >> 8) & 255 == convert(STATUS_ACTIVE, uint256), "entity: not active"
    self._state[entity] = self._pack(convert(state & 255, uint8), STATUS_SUSPENDED, reason_code)
    log EntitySuspended(entity=entity, reasonCode=reason_code)


@external
def reinstate(entity: address):
    assert msg.sender == self.owner, "not owner"
    state: uint256 = self._state[entity]
    assert (state >> 8) & 255 == convert(STATUS_SUSPENDED, uint256), "entity: not suspended"
    self._state[entity] = self._pack(convert(state & 255, uint8), STATUS_ACTIVE, 0)
    log EntityReinstated(entity=entity)


@external
def revoke(entity: address, reason_code: uint16):
    """@notice Final: a revoked entity can never be reinstated or registered again."""
    assert msg.sender == self.owner, "not owner"
    state: uint256 = self._state[entity]
    status: uint8 = convert((state >> 8) & 255, uint8)
    assert status == STATUS_ACTIVE or status == STATUS_SUSPENDED, "entity: not registered or already revoked"
    self._state[entity] = self._pack(convert(state & 255, uint8), STATUS_REVOKED, reason_code)
    log EntityRevoked(entity=entity, reasonCode=reason_code)


@external
def addCertificate(entity: address, spki_hash: bytes32, cert_hash: bytes32):
    """@notice Lists one more certificate key of `entity` under the entity's role (e.g. the
       SHA-256 of an SM-DP+'s CERT.DPtls SubjectPublicKeyInfo, which the LPA checks with
       `isTrusted`). The key follows the entity's status; allowed while suspended."""
    assert msg.sender == self.owner, "not owner"
    assert spki_hash != empty(bytes32), "spki hash: zero"
    assert cert_hash != empty(bytes32), "cert hash: zero"
    state: uint256 = self._state[entity]
    status: uint256 = (state >> 8) & 255
    assert status != 0, "entity: not registered"
    assert status != convert(STATUS_REVOKED, uint256), "entity: revoked"
    role: uint8 = convert(state & 255, uint8)
    assert self.entityBySpki[role][spki_hash] == empty(address), "spki hash: already registered for role"
    self.entityBySpki[role][spki_hash] = entity
    log CertificateAdded(entity=entity, role=role, spkiHash=spki_hash, certHash=cert_hash)


@external
def removeCertificate(entity: address, spki_hash: bytes32):
    """@notice Unlists a certificate key added with `addCertificate` (TLS certificate rotation).
       The primary key given at `register` is never removed: revoke the entity instead. A revoked
       entity's keys stay bound to it, like its primary key, so none is ever trusted again."""
    assert msg.sender == self.owner, "not owner"
    state: uint256 = self._state[entity]
    status: uint256 = (state >> 8) & 255
    assert status != 0, "entity: not registered"
    assert status != convert(STATUS_REVOKED, uint256), "entity: revoked"
    role: uint8 = convert(state & 255, uint8)
    assert self.entityBySpki[role][spki_hash] == entity, "spki hash: not this entity's"
    assert self._info[entity].spkiHash != spki_hash, "spki hash: primary"
    self.entityBySpki[role][spki_hash] = empty(address)
    log CertificateRemoved(entity=entity, role=role, spkiHash=spki_hash)


@external
def setDid(entity: address, did: String[128]):
    """@notice Names `entity`'s DID (e.g. did:web:smdp.example.com, or a did:key/did:pkh), by
       governance or by the entity itself, while the entity is registered and not revoked (a
       revoked entity keeps its last DID: nobody can name another entity with it). A DID names one
       entity: `entityByDid(keccak256(did))`. Setting a new DID releases the entity's old one."""
    assert msg.sender == self.owner or msg.sender == entity, "not owner or entity"
    status: uint256 = (self._state[entity] >> 8) & 255
    assert status != 0, "entity: not registered"
    assert status != convert(STATUS_REVOKED, uint256), "entity: revoked"
    assert len(did) > 0, "did: empty"
    assert len(did) > 4 and slice(did, 0, 4) == DID_SCHEME, "did: not a did: URI"
    did_hash: bytes32 = keccak256(did)
    holder: address = self.entityByDid[did_hash]
    assert holder == empty(address) or holder == entity, "did: already named"
    old: String[128] = self.didOf[entity]
    if len(old) > 0:
        self.entityByDid[keccak256(old)] = empty(address)
    self.entityByDid[did_hash] = entity
    self.didOf[entity] = did
    log EntityDidSet(entity=entity, didHash=did_hash, did=did)


# ---------------------------------------------------------------- operator keys (MNO self-service)

@internal
def _register_key(mno: address, key: address):
    assert key != empty(address), "key: zero address"
    assert self._opKey[key] == 0, "key: already registered"
    self._opKey[key] = convert(mno, uint256) | (convert(KEY_ACTIVE, uint256) << 160)
    log OperatorKeyRegistered(mno=mno, key=key)


@internal
def _revoke_key(mno: address, key: address):
    k: uint256 = self._opKey[key]
    assert convert(k & MASK160, address) == mno, "key: not this MNO's key"
    assert k >> 160 == convert(KEY_ACTIVE, uint256), "key: not active"
    self._opKey[key] = convert(mno, uint256) | (convert(KEY_REVOKED, uint256) << 160)
    log OperatorKeyRevoked(mno=mno, key=key)


@pure
@internal
def _pack(role: uint8, status: uint8, reason_code: uint16) -> uint256:
    return convert(role, uint256) | (convert(status, uint256) << 8) | (convert(reason_code, uint256) << 16)


@view
@internal
def _status(entity: address) -> uint8:
    return convert((self._state[entity] >> 8) & 255, uint8)


@view
@internal
def _is_active(entity: address, role: uint8) -> bool:
    # role and status in one read: the low 16 bits are exactly role | ACTIVE << 8
    return self._state[entity] & 65535 == convert(role, uint256) | (convert(STATUS_ACTIVE, uint256) << 8)


@internal
def _offer_key(mno: address, key: address, offered: bool):
    assert key != empty(address), "key: zero address"
    assert self._opKey[key] == 0, "key: already registered"
    self.keyOffered[key][mno] = offered
    log OperatorKeyOffered(mno=mno, key=key, offered=offered)


@external
def registerOperatorKey(key: address):
    """@notice An active MNO offers a signing key; it becomes the MNO's key only when the key's
       holder calls `acceptOperatorKey(mno)` (so no MNO can claim another's key first). A key
       address is usable once, by one MNO."""
    assert self._is_active(msg.sender, ROLE_MNO), "caller: not an active MNO"
    self._offer_key(msg.sender, key, True)


@external
def withdrawOperatorKeyOffer(key: address):
    """@notice The MNO withdraws an offer the key has not accepted."""
    assert self.keyOffered[key][msg.sender], "key: not offered by caller"
    self._offer_key(msg.sender, key, False)


@external
def acceptOperatorKey(mno: address):
    """@notice The key's holder (msg.sender) consents to be `mno`'s operator key."""
    assert self.keyOffered[msg.sender][mno], "key: not offered by this MNO"
    assert self._is_active(mno, ROLE_MNO), "mno: not an active MNO"
    self.keyOffered[msg.sender][mno] = False
    self._register_key(mno, msg.sender)


@external
def revokeOperatorKey(key: address):
    """@notice The MNO revokes one of its keys (also allowed while the MNO is suspended)."""
    assert self._state[msg.sender] & 255 == convert(ROLE_MNO, uint256), "caller: not an MNO"
    self._revoke_key(msg.sender, key)


@external
def rotateOperatorKey(old_key: address, new_key: address):
    """@notice Revoke `old_key` and offer `new_key` in one transaction (the new key is active
       once it accepts: offer it ahead with `registerOperatorKey` to rotate without a gap)."""
    assert self._is_active(msg.sender, ROLE_MNO), "caller: not an active MNO"
    self._revoke_key(msg.sender, old_key)
    self._offer_key(msg.sender, new_key, True)


# ---------------------------------------------------------------- MVNO approval (MNO self-service)

@external
def approveMvno(mvno: address, max_margin_bps: uint256):
    """@notice An active MNO lets `mvno` list plans reselling it, at margins up to `max_margin_bps`
       (replaces an earlier approval). Plans already listed keep their terms."""
    assert self._is_active(msg.sender, ROLE_MNO), "caller: not an active MNO"
    assert self._state[mvno] & 255 == convert(ROLE_MVNO, uint256), "mvno: not an MVNO"
    assert max_margin_bps <= MAX_MARGIN_BPS, "margin: above 10000 bps"
    self._resale[msg.sender][mvno] = (1 << 16) | max_margin_bps
    log MvnoApproved(mno=msg.sender, mvno=mvno, maxMarginBps=max_margin_bps)


@external
def revokeMvnoApproval(mvno: address):
    """@notice The MNO stops new listings (and relistings) by `mvno`; also while suspended."""
    assert self._resale[msg.sender][mvno] != 0, "mvno: not approved"
    self._resale[msg.sender][mvno] = 0
    log MvnoApprovalRevoked(mno=msg.sender, mvno=mvno)


@view
@external
def mvnoApproval(mno: address, mvno: address) -> (bool, uint256):
    """@notice (approved, max margin bps) of `mvno` reselling `mno`."""
    r: uint256 = self._resale[mno][mvno]
    return r != 0, r & 65535


# ---------------------------------------------------------------- versions

@external
def setDeployment(version: uint256, entitlements: address, settlement: address):
    """@notice Governance names the current PlanEntitlements/UsageSettlement deployment. Earlier
       deployments keep working on their own until their entitlements end (docs/TRUST-MODEL.md)."""
    assert msg.sender == self.owner, "not owner"
    assert entitlements != empty(address) and settlement != empty(address), "deployment: zero address"
    assert version >= self.deploymentVersion, "deployment: older version"
    self.deploymentVersion = version
    self.deploymentEntitlements = entitlements
    self.deploymentSettlement = settlement
    log DeploymentSet(version=version, entitlements=entitlements, settlement=settlement)


# ---------------------------------------------------------------- views

@view
@external
def isTrusted(role: uint8, spki_hash: bytes32) -> bool:
    """@notice True iff an entity with this role and SubjectPublicKeyInfo hash is active."""
    entity: address = self.entityBySpki[role][spki_hash]
    if entity == empty(address):
        return False
    return self._status(entity) == STATUS_ACTIVE


@view
@external
def isActive(entity: address, role: uint8) -> bool:
    """@notice True iff `entity` is registered with `role` and neither suspended nor revoked."""
    return self._is_active(entity, role)


@view
@external
def isOperatorKey(mno: address, key: address) -> bool:
    """@notice True iff `key` is an active key of `mno` and `mno` is an active MNO."""
    return (self._opKey[key] == convert(mno, uint256) | (convert(KEY_ACTIVE, uint256) << 160)
            and self._is_active(mno, ROLE_MNO))


@view
@external
def roleOf(entity: address) -> uint8:
    return convert(self._state[entity] & 255, uint8)


@view
@external
def statusOf(entity: address) -> uint8:
    return self._status(entity)


@view
@external
def entities(arg0: address) -> Entity:
    """@notice (role, status, reasonCode, name, spkiHash, certHash) of entity `arg0`; all zero if
       never registered. (Parameter named as the former public getter's, so the ABI is unchanged.)"""
    state: uint256 = self._state[arg0]
    info: EntityInfo = self._info[arg0]
    return Entity(role=convert(state & 255, uint8), status=convert((state >> 8) & 255, uint8),
                  reasonCode=convert(state >> 16, uint16), name=info.name, spkiHash=info.spkiHash,
                  certHash=info.certHash)


@view
@external
def operatorKeyMno(arg0: address) -> address:
    """@notice The MNO that registered key `arg0` (zero if never registered)."""
    return convert(self._opKey[arg0] & MASK160, address)


@view
@external
def operatorKeyStatus(arg0: address) -> uint8:
    """@notice Status of key `arg0`: 0 never registered, 1 active, 2 revoked."""
    return convert(self._opKey[arg0] >> 160, uint8)
