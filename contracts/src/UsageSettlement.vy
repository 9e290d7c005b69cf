# pragma version 0.4.3
# pragma evm-version cancun
"""
@title UsageSettlement
@notice Escrow and usage settlement for PlanEntitlements. Every purchase's payment is held
        here. The plan's usage poster (the MNO, through its registry address or any of its
        active operator keys, or the MVNO, per plan) posts usage batches per entitlement: a
        Merkle root over CDRs, the total bytes used, the CDR sequence range and a strictly
        increasing per-entitlement nonce. After the dispute window anyone may settle the batch:
        the escrow pays the MNO and the MVNO for the bytes used. Within the window the
        entitlement owner can void the batch by proving one CDR in it contradicts the batch.
        After the entitlement ends (expiry or cancellation) plus the posting grace period, anyone
        may close it: the unused escrow is refunded to the owner or, for REFUND_NONE plans,
        released to the MNO and MVNO. An entitlement whose profile the SM-DP+ did not record as
        delivered by the activation deadline is refunded in full (and takes no usage).
        The posting grace outlasts the dispute window (checked at deployment), so a batch
        pending at cancellation or expiry can settle and the final batch still be posted.

        Pull payments: settle and close only credit `owed`; each payee (MNO, MVNO, owner)
        withdraws its own credit, so no payee that cannot receive blocks anyone else's money.

        Per-entitlement ledger: the contract stores one word per entitlement,
        keccak256(abi.encode(Ledger)); every call that reads or changes the ledger takes its
        current value as an argument (the preimage), checked against that word, and every change
        logs the new value in LedgerUpdated. A call with an out-of-date ledger reverts
        "ledger: stale". At most one batch per entitlement is pending at a time. This keeps a
        post to one storage write, so an entitlement's first batch costs what a later one does.

        CDR leaf (positional Merkle tree, leaf i carries sequence firstSeq + i):
            leaf = keccak256(abi.encode(uint256 entitlementId, uint64 sequence, uint64 bytes,
                                        uint64 periodStart, uint64 periodEnd, bytes32 cdrHash))
            leafNode = keccak256(0x00 || leaf)
            node     = keccak256(0x01 || left || right)
        A level with an odd number of nodes promotes its last node unchanged.
        Payments: paid(b) = price * b // planBytes over the cumulative settled bytes b; a batch
        pays paid(after) - paid(before); the MVNO gets pay * marginBps // 10000 and the MNO the
        rest (rounding remainders go to the MNO; the final sub-unit remainder stays in escrow
        until close). Token conservation: escrow == sum of open entitlements' escrow + sum of `owed`.
"""

VERSION: public(constant(uint256)) = 2   # the OpenRSP contracts release
# the final batch's posting time: the posting grace is at least the dispute window plus this
MIN_FINAL_POST_TIME: public(constant(uint256)) = 3600


interface IERC20:
    def transfer(receiver: address, amount: uint256) -> bool: nonpayable

interface ITrustRegistry:
    def isActive(entity: address, role: uint8) -> bool: view
    def isOperatorKey(mno: address, key: address) -> bool: view

interface IPlanEntitlements:
    def settlementTerms(token_id: uint256) -> (address, uint256, uint256, address, address, uint256, uint256, uint256, uint8, uint8, bool, uint256): view

ROLE_MNO: constant(uint8) = 5
ROLE_MVNO: constant(uint8) = 6
REFUND_NONE: constant(uint8) = 0
POSTER_MVNO: constant(uint8) = 1

# Contradiction codes for BatchVoided.
WRONG_ENTITLEMENT: constant(uint8) = 1   # cdr.entitlementId != the entitlement disputed
WRONG_SEQUENCE: constant(uint8) = 2      # cdr.sequence != pendingFirstSeq + leafIndex
BAD_PERIOD: constant(uint8) = 3          # periodStart > periodEnd, or outside [start, end] of the entitlement
UNITS_EXCEED_BATCH: constant(uint8) = 4  # cdr.bytes > pendingBytes
AFTER_POSTING: constant(uint8) = 5       # cdr.periodEnd > the batch's posting time (future usage)
# Not a contradiction: BatchVoided's reason when the plan's poster party voids its own batch.
VOIDED_BY_POSTER: constant(uint8) = 6

MAX_PROOF: constant(uint256) = 32
MAX_LEAVES: constant(uint64) = 4294967296   # 2**32: proofs have at most 32 levels

struct Ledger:
    settledBytes: uint64     # bytes of all settled batches
    lastSeq: uint64          # last CDR sequence posted (voided batches included)
    nonce: uint64            # nonce of the last batch posted (0: none yet)
    closed: bool
    # The pending batch, if pendingPostedAt != 0 (all four zero otherwise). Its CDR range is
    # pendingFirstSeq..lastSeq and its nonce is `nonce`.
    pendingRoot: bytes32
    pendingBytes: uint64
    pendingFirstSeq: uint64
    pendingPostedAt: uint64

struct Cdr:
    entitlementId: uint256
    sequence: uint64
    bytes: uint64
    periodStart: uint64
    periodEnd: uint64
    cdrHash: bytes32

# PlanEntitlements.settlementTerms, named.
struct Terms:
    owner: address
    start: uint256
    end: uint256
    mno: address
    mvno: address
    marginBps: uint256
    price: uint256
    planBytes: uint256
    refundRule: uint8
    posterKind: uint8
    delivered: bool
    activationDeadline: uint256

event LedgerUpdated:
    entitlementId: indexed(uint256)
    ledger: Ledger

event BatchPosted:
    batchId: indexed(bytes32)
    entitlementId: indexed(uint256)
    poster: indexed(address)
    nonce: uint64
    root: bytes32
    totalBytes: uint64
    firstSeq: uint64
    lastSeq: uint64
    postedAt: uint64

event BatchSettled:
    batchId: indexed(bytes32)
    entitlementId: indexed(uint256)
    totalBytes: uint64
    toMno: uint256
    toMvno: uint256

event BatchVoided:
    batchId: indexed(bytes32)
    entitlementId: indexed(uint256)
    reason: uint8
    leafIndex: uint256

event EntitlementClosed:
    entitlementId: indexed(uint256)
    refunded: uint256
    toMno: uint256
    toMvno: uint256
    receiver: address
    delivered: bool

event Credited:
    payee: indexed(address)
    entitlementId: indexed(uint256)
    amount: uint256

event Withdrawn:
    payee: indexed(address)
    receiver: indexed(address)
    amount: uint256

REGISTRY: public(immutable(address))
ENTITLEMENTS: public(immutable(address))
TOKEN: public(immutable(address))
DISPUTE_WINDOW: public(immutable(uint256))
POSTING_GRACE: public(immutable(uint256))
# keccak256(abi.encode(empty Ledger)): the ledger of an entitlement never touched.
EMPTY_LEDGER_HASH: public(immutable(bytes32))

# entitlement id -> keccak256(abi.encode(Ledger)); 0 until the first change.
_ledgerHash: HashMap[uint256, bytes32]
# payee -> tokens credited by settle/close and not yet withdrawn
owed: public(HashMap[address, uint256])


@deploy
def __init__(registry: address, entitlements: address, token: address, dispute_window: uint256, posting_grace: uint256):
    assert registry != empty(address), "registry: zero address"
    assert entitlements != empty(address), "entitlements: zero address"
    assert token != empty(address), "token: zero address"
    assert dispute_window > 0, "dispute window: zero"
    assert posting_grace >= dispute_window + MIN_FINAL_POST_TIME, "posting grace: must outlast the dispute window"
    REGISTRY = registry
    ENTITLEMENTS = entitlements
    TOKEN = token
    DISPUTE_WINDOW = dispute_window
    POSTING_GRACE = posting_grace
    EMPTY_LEDGER_HASH = keccak256(abi_encode(empty(Ledger)))


@pure
@external
def batchId(entitlement_id: uint256, nonce: uint64) -> bytes32:
    return keccak256(abi_encode(entitlement_id, nonce))


@pure
@external
def cdrLeaf(cdr: Cdr) -> bytes32:
    return self._leaf(cdr)


@pure
@internal
def _leaf(cdr: Cdr) -> bytes32:
    return keccak256(abi_encode(cdr.entitlementId, cdr.sequence, cdr.bytes, cdr.periodStart, cdr.periodEnd, cdr.cdrHash))


@pure
@external
def hashLedger(ledger: Ledger) -> bytes32:
    return keccak256(abi_encode(ledger))


@view
@external
def ledgerHash(entitlement_id: uint256) -> bytes32:
    """@notice The hash of the entitlement's current ledger (EMPTY_LEDGER_HASH if never changed)."""
    h: bytes32 = self._ledgerHash[entitlement_id]
    if h == empty(bytes32):
        return EMPTY_LEDGER_HASH
    return h


@view
@internal
def _check(entitlement_id: uint256, ledger: Ledger):
    h: bytes32 = self._ledgerHash[entitlement_id]
    if h == empty(bytes32):
        h = EMPTY_LEDGER_HASH
    assert keccak256(abi_encode(ledger)) == h, "ledger: stale"


@internal
def _store(entitlement_id: uint256, ledger: Ledger):
    self._ledgerHash[entitlement_id] = keccak256(abi_encode(ledger))
    log LedgerUpdated(entitlementId=entitlement_id, ledger=ledger)


@view
@internal
def _terms(entitlement_id: uint256) -> Terms:
    t: Terms = empty(Terms)
    t.owner, t.start, t.end, t.mno, t.mvno, t.marginBps, t.price, t.planBytes, t.refundRule, t.posterKind, t.delivered, t.activationDeadline = staticcall IPlanEntitlements(ENTITLEMENTS).settlementTerms(entitlement_id)
    return t


@view
@external
def escrowOf(entitlement_id: uint256, ledger: Ledger) -> uint256:
    """@notice Tokens still held for this entitlement (0 once closed or for an unknown id)."""
    self._check(entitlement_id, ledger)
    if ledger.closed:
        return 0
    t: Terms = self._terms(entitlement_id)
    if t.owner == empty(address):
        return 0
    return t.price - t.price * convert(ledger.settledBytes, uint256) // t.planBytes


@external
def postUsage(entitlement_id: uint256, ledger: Ledger, root: bytes32, total_bytes: uint64, first_seq: uint64,
              last_seq: uint64, nonce: uint64) -> bytes32:
    """
    @notice Post a usage batch for one entitlement whose current ledger is `ledger`. Gas does not
            depend on the number of CDRs. `nonce` must exceed the entitlement's last batch nonce.
            Sequences start at 1 and each batch's range must start after the entitlement's last
            posted sequence (voided batches included). No batch of the entitlement may be pending.
    @return the batch id keccak256(abi.encode(entitlementId, nonce))
    """
    self._check(entitlement_id, ledger)
    assert not ledger.closed, "entitlement: closed"
    assert ledger.pendingPostedAt == 0, "usage: batch pending"
    assert nonce > ledger.nonce, "nonce: not increasing"
    assert root != empty(bytes32), "root: zero"
    assert total_bytes > 0, "usage: zero bytes"
    assert first_seq <= last_seq, "sequence: empty range"
    assert last_seq - first_seq < MAX_LEAVES, "sequence: range too large"
    assert first_seq > ledger.lastSeq, "sequence: not after last posted"
    t: Terms = self._terms(entitlement_id)
    assert t.owner != empty(address), "entitlement: unknown"
    assert t.delivered, "usage: not delivered"
    assert block.timestamp < t.end + POSTING_GRACE, "posting: window over"
    if t.posterKind == POSTER_MVNO:
        assert msg.sender == t.mvno and staticcall ITrustRegistry(REGISTRY).isActive(t.mvno, ROLE_MVNO), "poster: not authorized"
    elif msg.sender == t.mno:
        assert staticcall ITrustRegistry(REGISTRY).isActive(t.mno, ROLE_MNO), "poster: not authorized"
    else:
        assert staticcall ITrustRegistry(REGISTRY).isOperatorKey(t.mno, msg.sender), "poster: not authorized"
    assert convert(ledger.settledBytes, uint256) + convert(total_bytes, uint256) <= t.planBytes, "usage: exceeds plan"

    posted_at: uint64 = convert(block.timestamp, uint64)
    batch_id: bytes32 = keccak256(abi_encode(entitlement_id, nonce))
    self._store(entitlement_id, Ledger(
        settledBytes=ledger.settledBytes, lastSeq=last_seq, nonce=nonce, closed=False,
        pendingRoot=root, pendingBytes=total_bytes, pendingFirstSeq=first_seq, pendingPostedAt=posted_at))
    log BatchPosted(batchId=batch_id, entitlementId=entitlement_id, poster=msg.sender, nonce=nonce, root=root,
                    totalBytes=total_bytes, firstSeq=first_seq, lastSeq=last_seq, postedAt=posted_at)
    return batch_id


@pure
@internal
def _without_pending(ledger: Ledger, settled_bytes: uint64) -> Ledger:
    return Ledger(settledBytes=settled_bytes, lastSeq=ledger.lastSeq, nonce=ledger.nonce, closed=ledger.closed,
                  pendingRoot=empty(bytes32), pendingBytes=0, pendingFirstSeq=0, pendingPostedAt=0)


@external
def settle(entitlement_id: uint256, ledger: Ledger):
    """@notice Anyone, after the dispute window: credit the MNO and the MVNO for the pending batch's bytes."""
    self._check(entitlement_id, ledger)
    assert ledger.pendingPostedAt != 0, "batch: none pending"
    assert block.timestamp >= convert(ledger.pendingPostedAt, uint256) + DISPUTE_WINDOW, "batch: dispute window open"
    t: Terms = self._terms(entitlement_id)
    after: uint64 = ledger.settledBytes + ledger.pendingBytes
    self._store(entitlement_id, self._without_pending(ledger, after))
    pay: uint256 = t.price * convert(after, uint256) // t.planBytes - t.price * convert(ledger.settledBytes, uint256) // t.planBytes
    to_mvno: uint256 = pay * t.marginBps // 10000
    to_mno: uint256 = pay - to_mvno
    log BatchSettled(batchId=keccak256(abi_encode(entitlement_id, ledger.nonce)), entitlementId=entitlement_id,
                     totalBytes=ledger.pendingBytes, toMno=to_mno, toMvno=to_mvno)
    self._credit(t.mno, entitlement_id, to_mno)
    self._credit(t.mvno, entitlement_id, to_mvno)


@internal
def _credit(payee: address, entitlement_id: uint256, amount: uint256):
    if amount > 0:
        self.owed[payee] += amount
        log Credited(payee=payee, entitlementId=entitlement_id, amount=amount)


@external
@nonreentrant
def withdraw(receiver: address):
    """@notice The caller takes all its credited tokens, sent to `receiver` (itself, or another
       address if its own cannot receive, e.g. blacklisted by the token)."""
    amount: uint256 = self.owed[msg.sender]
    assert amount > 0, "withdraw: nothing owed"
    assert receiver != empty(address), "receiver: zero address"
    self.owed[msg.sender] = 0
    log Withdrawn(payee=msg.sender, receiver=receiver, amount=amount)
    assert extcall IERC20(TOKEN).transfer(receiver, amount, default_return_value=True), "withdraw: transfer failed"


@pure
@internal
def _verify(root: bytes32, leaf: bytes32, index: uint256, count: uint256, proof: DynArray[bytes32, MAX_PROOF]) -> bool:
    node: bytes32 = keccak256(concat(b"\x00", leaf))
    idx: uint256 = index
    n: uint256 = count
    p: uint256 = 0
    for level: uint256 in range(MAX_PROOF):
        if n == 1:
            break
        if idx % 2 == 1:
            if p >= len(proof):
                return False
            node = keccak256(concat(b"\x01", proof[p], node))
            p += 1
        elif idx + 1 < n:
            if p >= len(proof):
                return False
            node = keccak256(concat(b"\x01", node, proof[p]))
            p += 1
        idx = idx // 2
        n = (n + 1) // 2
    return n == 1 and p == len(proof) and node == root


@pure
@external
def verifyCdr(root: bytes32, cdr: Cdr, index: uint256, count: uint256, proof: DynArray[bytes32, MAX_PROOF]) -> bool:
    """@notice True iff `cdr` is leaf `index` of a tree with `count` leaves and this `root`."""
    return count > 0 and index < count and self._verify(root, self._leaf(cdr), index, count, proof)


@external
def dispute(entitlement_id: uint256, ledger: Ledger, cdr: Cdr, leaf_index: uint256, proof: DynArray[bytes32, MAX_PROOF]):
    """
    @notice The entitlement owner voids the pending batch within the dispute window by proving
            that CDR number `leaf_index` of the batch contradicts it (see the contradiction codes).
            A voided batch pays nothing and frees its bytes; its sequence numbers stay used.
    """
    self._check(entitlement_id, ledger)
    assert ledger.pendingPostedAt != 0, "batch: none pending"
    assert block.timestamp < convert(ledger.pendingPostedAt, uint256) + DISPUTE_WINDOW, "dispute: window closed"
    t: Terms = self._terms(entitlement_id)
    assert msg.sender == t.owner, "dispute: not entitlement owner"
    count: uint256 = convert(ledger.lastSeq - ledger.pendingFirstSeq, uint256) + 1
    assert leaf_index < count, "proof: index out of range"
    assert self._verify(ledger.pendingRoot, self._leaf(cdr), leaf_index, count, proof), "proof: invalid"
    reason: uint8 = 0
    if cdr.entitlementId != entitlement_id:
        reason = WRONG_ENTITLEMENT
    elif convert(cdr.sequence, uint256) != convert(ledger.pendingFirstSeq, uint256) + leaf_index:
        reason = WRONG_SEQUENCE
    elif (cdr.periodStart > cdr.periodEnd or convert(cdr.periodStart, uint256) < t.start
          or convert(cdr.periodEnd, uint256) > t.end):
        reason = BAD_PERIOD
    elif cdr.bytes > ledger.pendingBytes:
        reason = UNITS_EXCEED_BATCH
    elif cdr.periodEnd > ledger.pendingPostedAt:
        reason = AFTER_POSTING
    assert reason != 0, "dispute: no contradiction"
    self._store(entitlement_id, self._without_pending(ledger, ledger.settledBytes))
    log BatchVoided(batchId=keccak256(abi_encode(entitlement_id, ledger.nonce)), entitlementId=entitlement_id,
                    reason=reason, leafIndex=leaf_index)


@external
def voidBatch(entitlement_id: uint256, ledger: Ledger):
    """
    @notice The plan's poster party (the MNO's registry address for MNO-posted plans, e.g. after
            revoking the operator key that posted; the MVNO for MVNO-posted plans) voids the
            pending batch before it settles. It pays nothing; its sequences stay used.
    """
    self._check(entitlement_id, ledger)
    assert ledger.pendingPostedAt != 0, "batch: none pending"
    t: Terms = self._terms(entitlement_id)
    party: address = t.mno
    if t.posterKind == POSTER_MVNO:
        party = t.mvno
    assert msg.sender == party, "void: not the plan's poster"
    self._store(entitlement_id, self._without_pending(ledger, ledger.settledBytes))
    log BatchVoided(batchId=keccak256(abi_encode(entitlement_id, ledger.nonce)), entitlementId=entitlement_id,
                    reason=VOIDED_BY_POSTER, leafIndex=0)


@external
def close(entitlement_id: uint256, ledger: Ledger):
    """
    @notice Anyone, once the entitlement has ended and the posting grace period has passed, with no
            batch pending: credit the rest of the escrow. REFUND_NONE plans pay it to the MNO and
            MVNO (margin split); other plans refund it to the entitlement's current owner. An
            entitlement not delivered by its activation deadline closes from then on with a full
            refund to the owner, whatever the refund rule.
    """
    self._check(entitlement_id, ledger)
    assert not ledger.closed, "entitlement: closed"
    t: Terms = self._terms(entitlement_id)
    assert t.owner != empty(address), "entitlement: unknown"
    assert (block.timestamp >= t.end + POSTING_GRACE
            or (not t.delivered and block.timestamp >= t.activationDeadline)), "close: posting window open"
    assert ledger.pendingPostedAt == 0, "close: batch pending"
    remaining: uint256 = t.price - t.price * convert(ledger.settledBytes, uint256) // t.planBytes
    closed: Ledger = ledger
    closed.closed = True
    self._store(entitlement_id, closed)
    refunded: uint256 = 0
    to_mno: uint256 = 0
    to_mvno: uint256 = 0
    if t.refundRule == REFUND_NONE and t.delivered:
        to_mvno = remaining * t.marginBps // 10000
        to_mno = remaining - to_mvno
    else:
        refunded = remaining
    log EntitlementClosed(entitlementId=entitlement_id, refunded=refunded, toMno=to_mno, toMvno=to_mvno,
                          receiver=t.owner, delivered=t.delivered)
    self._credit(t.owner, entitlement_id, refunded)
    self._credit(t.mno, entitlement_id, to_mno)
    self._credit(t.mvno, entitlement_id, to_mvno)
