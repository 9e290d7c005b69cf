# pragma version 0.4.3
# pragma evm-version cancun
"""
@title UsageSettlement
@notice Escrow and usage settlement for PlanEntitlements. Every purchase's payment is held
        here. The plan's usage poster (the MNO, through its registry address or any of its
        active operator keys, or the MVNO, per plan) posts usage batches per entitlement: a
        Merkle root over CDRs, the total bytes used, the CDR sequence range and a strictly
        increasing per-poster nonce. After the dispute window anyone may settle a batch: the
        escrow pays the MNO and the MVNO for the bytes used. Within the window the entitlement
        owner can void a batch by proving one CDR in it contradicts the batch. After the
        entitlement ends (expiry or cancellation) plus the posting grace period, anyone may
        close it: the unused escrow is refunded to the owner or, for REFUND_NONE plans,
        released to the MNO and MVNO.

        CDR leaf (positional Merkle tree, leaf i carries sequence firstSeq + i):
            leaf = keccak256(abi.encode(uint256 entitlementId, uint64 sequence, uint64 bytes,
                                        uint64 periodStart, uint64 periodEnd, bytes32 cdrHash))
            leafNode = keccak256(0x00 || leaf)
            node     = keccak256(0x01 || left || right)
        A level with an odd number of nodes promotes its last node unchanged.
        Payments: paid(b) = price * b // planBytes over the cumulative settled bytes b; a batch
        pays paid(after) - paid(before); the MVNO gets pay * marginBps // 10000 and the MNO the
        rest (rounding remainders go to the MNO; the final sub-unit remainder stays in escrow
        until close). Token conservation: escrow + paid out + refunded == paid in.
"""

interface IERC20:
    def transfer(receiver: address, amount: uint256) -> bool: nonpayable

interface ITrustRegistry:
    def isActive(entity: address, role: uint8) -> bool: view
    def isOperatorKey(mno: address, key: address) -> bool: view

interface IPlanEntitlements:
    def settlementTerms(token_id: uint256) -> (address, uint256, uint256, address, address, uint256, uint256, uint256, uint8, uint8): view

ROLE_MNO: constant(uint8) = 5
ROLE_MVNO: constant(uint8) = 6
REFUND_NONE: constant(uint8) = 0
POSTER_MVNO: constant(uint8) = 1

# Contradiction codes for BatchVoided.
WRONG_ENTITLEMENT: constant(uint8) = 1   # leaf.entitlementId != batch.entitlementId
WRONG_SEQUENCE: constant(uint8) = 2      # leaf.sequence != batch.firstSeq + leafIndex
BAD_PERIOD: constant(uint8) = 3          # periodStart > periodEnd, or outside [start, end] of the entitlement
UNITS_EXCEED_BATCH: constant(uint8) = 4  # leaf.bytes > batch.totalBytes

SETTLED: constant(bytes32) = 0x0000000000000000000000000000000000000000000000000000000000000001
VOIDED: constant(bytes32) = 0x0000000000000000000000000000000000000000000000000000000000000002

MAX_PROOF: constant(uint256) = 32
MAX_LEAVES: constant(uint64) = 4294967296   # 2**32: proofs have at most 32 levels

MASK32: constant(uint256) = 2**32 - 1
MASK64: constant(uint256) = 2**64 - 1

struct Batch:
    entitlementId: uint256
    root: bytes32
    totalBytes: uint64
    firstSeq: uint64
    lastSeq: uint64
    postedAt: uint64

struct Cdr:
    entitlementId: uint256
    sequence: uint64
    bytes: uint64
    periodStart: uint64
    periodEnd: uint64
    cdrHash: bytes32

event BatchPosted:
    batchId: indexed(bytes32)
    entitlementId: indexed(uint256)
    poster: indexed(address)
    nonce: uint256
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

REGISTRY: public(immutable(address))
ENTITLEMENTS: public(immutable(address))
TOKEN: public(immutable(address))
DISPUTE_WINDOW: public(immutable(uint256))
POSTING_GRACE: public(immutable(uint256))

# batch id -> keccak256(abi.encode(Batch)) while pending; SETTLED or VOIDED once final.
batchState: public(HashMap[bytes32, bytes32])
lastNonce: public(HashMap[address, uint256])
# Per entitlement, packed: settled bytes (0..63) | pending bytes (64..127) | pending batches (128..159)
#                          | last posted sequence (160..223) | closed (224)
_acct: HashMap[uint256, uint256]


@deploy
def __init__(registry: address, entitlements: address, token: address, dispute_window: uint256, posting_grace: uint256):
    assert registry != empty(address), "registry: zero address"
    assert entitlements != empty(address), "entitlements: zero address"
    assert token != empty(address), "token: zero address"
    assert dispute_window > 0, "dispute window: zero"
    REGISTRY = registry
    ENTITLEMENTS = entitlements
    TOKEN = token
    DISPUTE_WINDOW = dispute_window
    POSTING_GRACE = posting_grace


@pure
@external
def batchId(poster: address, nonce: uint256) -> bytes32:
    return keccak256(abi_encode(poster, nonce))


@pure
@external
def cdrLeaf(cdr: Cdr) -> bytes32:
    return self._leaf(cdr)


@pure
@internal
def _leaf(cdr: Cdr) -> bytes32:
    return keccak256(abi_encode(cdr.entitlementId, cdr.sequence, cdr.bytes, cdr.periodStart, cdr.periodEnd, cdr.cdrHash))


@view
@external
def usage(entitlement_id: uint256) -> (uint256, uint256, uint256, uint256, bool):
    """@notice (settledBytes, pendingBytes, pendingBatches, lastSequence, closed)."""
    a: uint256 = self._acct[entitlement_id]
    return a & MASK64, (a >> 64) & MASK64, (a >> 128) & MASK32, (a >> 160) & MASK64, (a >> 224) & 1 == 1


@view
@external
def escrowOf(entitlement_id: uint256) -> uint256:
    """@notice Tokens still held for this entitlement (0 once closed or for an unknown id)."""
    a: uint256 = self._acct[entitlement_id]
    if (a >> 224) & 1 == 1:
        return 0
    owner: address = empty(address)
    start: uint256 = 0
    end: uint256 = 0
    mno: address = empty(address)
    mvno: address = empty(address)
    margin: uint256 = 0
    price: uint256 = 0
    plan_bytes: uint256 = 0
    refund_rule: uint8 = 0
    poster_kind: uint8 = 0
    owner, start, end, mno, mvno, margin, price, plan_bytes, refund_rule, poster_kind = staticcall IPlanEntitlements(ENTITLEMENTS).settlementTerms(entitlement_id)
    if owner == empty(address):
        return 0
    return price - price * (a & MASK64) // plan_bytes


@external
def postUsage(entitlement_id: uint256, root: bytes32, total_bytes: uint64, first_seq: uint64,
              last_seq: uint64, nonce: uint256) -> bytes32:
    """
    @notice Post a usage batch for one entitlement. Gas does not depend on the number of CDRs.
            `nonce` must exceed the caller's previous nonce. Sequences start at 1 and each batch's
            range must start after the entitlement's last posted sequence (voided batches included).
    @return the batch id keccak256(abi.encode(poster, nonce))
    """
    assert nonce > self.lastNonce[msg.sender], "nonce: not increasing"
    assert root != empty(bytes32), "root: zero"
    assert total_bytes > 0, "usage: zero bytes"
    assert first_seq <= last_seq, "sequence: empty range"
    assert last_seq - first_seq < MAX_LEAVES, "sequence: range too large"
    a: uint256 = self._acct[entitlement_id]
    assert (a >> 224) & 1 == 0, "entitlement: closed"
    assert convert(first_seq, uint256) > (a >> 160) & MASK64, "sequence: not after last posted"
    owner: address = empty(address)
    start: uint256 = 0
    end: uint256 = 0
    mno: address = empty(address)
    mvno: address = empty(address)
    margin: uint256 = 0
    price: uint256 = 0
    plan_bytes: uint256 = 0
    refund_rule: uint8 = 0
    poster_kind: uint8 = 0
    owner, start, end, mno, mvno, margin, price, plan_bytes, refund_rule, poster_kind = staticcall IPlanEntitlements(ENTITLEMENTS).settlementTerms(entitlement_id)
    assert owner != empty(address), "entitlement: unknown"
    assert block.timestamp < end + POSTING_GRACE, "posting: window over"
    if poster_kind == POSTER_MVNO:
        assert msg.sender == mvno and staticcall ITrustRegistry(REGISTRY).isActive(mvno, ROLE_MVNO), "poster: not authorized"
    elif msg.sender == mno:
        assert staticcall ITrustRegistry(REGISTRY).isActive(mno, ROLE_MNO), "poster: not authorized"
    else:
        assert staticcall ITrustRegistry(REGISTRY).isOperatorKey(mno, msg.sender), "poster: not authorized"
    settled: uint256 = a & MASK64
    pending: uint256 = (a >> 64) & MASK64
    assert settled + pending + convert(total_bytes, uint256) <= plan_bytes, "usage: exceeds plan"

    batch_id: bytes32 = keccak256(abi_encode(msg.sender, nonce))
    posted_at: uint64 = convert(block.timestamp, uint64)
    self.lastNonce[msg.sender] = nonce
    self.batchState[batch_id] = keccak256(abi_encode(Batch(
        entitlementId=entitlement_id, root=root, totalBytes=total_bytes,
        firstSeq=first_seq, lastSeq=last_seq, postedAt=posted_at)))
    pending += convert(total_bytes, uint256)
    count: uint256 = ((a >> 128) & MASK32) + 1
    self._acct[entitlement_id] = settled | (pending << 64) | (count << 128) | (convert(last_seq, uint256) << 160)
    log BatchPosted(batchId=batch_id, entitlementId=entitlement_id, poster=msg.sender, nonce=nonce, root=root,
                    totalBytes=total_bytes, firstSeq=first_seq, lastSeq=last_seq, postedAt=posted_at)
    return batch_id


@view
@internal
def _pending_batch(batch_id: bytes32, batch: Batch):
    state: bytes32 = self.batchState[batch_id]
    assert state != empty(bytes32), "batch: unknown"
    assert state != SETTLED and state != VOIDED, "batch: already final"
    assert state == keccak256(abi_encode(batch)), "batch: data mismatch"


@internal
def _release_pending(entitlement_id: uint256, total_bytes: uint64, settle: bool) -> (uint256, uint256):
    """Removes a pending batch from the entitlement's account; returns (settled before, settled after)."""
    a: uint256 = self._acct[entitlement_id]
    settled: uint256 = a & MASK64
    b: uint256 = convert(total_bytes, uint256)
    after: uint256 = settled
    if settle:
        after = settled + b
    pending: uint256 = ((a >> 64) & MASK64) - b
    count: uint256 = ((a >> 128) & MASK32) - 1
    self._acct[entitlement_id] = (a & ~(2**160 - 1)) | after | (pending << 64) | (count << 128)
    return settled, after


@external
@nonreentrant
def settle(batch_id: bytes32, batch: Batch):
    """@notice Anyone, after the dispute window: pay the MNO and the MVNO for the batch's bytes."""
    self._pending_batch(batch_id, batch)
    assert block.timestamp >= convert(batch.postedAt, uint256) + DISPUTE_WINDOW, "batch: dispute window open"
    owner: address = empty(address)
    start: uint256 = 0
    end: uint256 = 0
    mno: address = empty(address)
    mvno: address = empty(address)
    margin: uint256 = 0
    price: uint256 = 0
    plan_bytes: uint256 = 0
    refund_rule: uint8 = 0
    poster_kind: uint8 = 0
    owner, start, end, mno, mvno, margin, price, plan_bytes, refund_rule, poster_kind = staticcall IPlanEntitlements(ENTITLEMENTS).settlementTerms(batch.entitlementId)
    self.batchState[batch_id] = SETTLED
    before: uint256 = 0
    after: uint256 = 0
    before, after = self._release_pending(batch.entitlementId, batch.totalBytes, True)
    pay: uint256 = price * after // plan_bytes - price * before // plan_bytes
    to_mvno: uint256 = pay * margin // 10000
    to_mno: uint256 = pay - to_mvno
    log BatchSettled(batchId=batch_id, entitlementId=batch.entitlementId, totalBytes=batch.totalBytes,
                     toMno=to_mno, toMvno=to_mvno)
    self._pay(mno, to_mno)
    self._pay(mvno, to_mvno)


@internal
def _pay(receiver: address, amount: uint256):
    if amount > 0:
        assert extcall IERC20(TOKEN).transfer(receiver, amount, default_return_value=True), "payout: transfer failed"


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
def dispute(batch_id: bytes32, batch: Batch, cdr: Cdr, leaf_index: uint256, proof: DynArray[bytes32, MAX_PROOF]):
    """
    @notice The entitlement owner voids a pending batch within the dispute window by proving that
            CDR number `leaf_index` of the batch contradicts it (see the contradiction codes).
            A voided batch pays nothing and frees its bytes; its sequence numbers stay used.
    """
    self._pending_batch(batch_id, batch)
    assert block.timestamp < convert(batch.postedAt, uint256) + DISPUTE_WINDOW, "dispute: window closed"
    owner: address = empty(address)
    start: uint256 = 0
    end: uint256 = 0
    mno: address = empty(address)
    mvno: address = empty(address)
    margin: uint256 = 0
    price: uint256 = 0
    plan_bytes: uint256 = 0
    refund_rule: uint8 = 0
    poster_kind: uint8 = 0
    owner, start, end, mno, mvno, margin, price, plan_bytes, refund_rule, poster_kind = staticcall IPlanEntitlements(ENTITLEMENTS).settlementTerms(batch.entitlementId)
    assert msg.sender == owner, "dispute: not entitlement owner"
    count: uint256 = convert(batch.lastSeq - batch.firstSeq, uint256) + 1
    assert leaf_index < count, "proof: index out of range"
    assert self._verify(batch.root, self._leaf(cdr), leaf_index, count, proof), "proof: invalid"
    reason: uint8 = 0
    if cdr.entitlementId != batch.entitlementId:
        reason = WRONG_ENTITLEMENT
    elif convert(cdr.sequence, uint256) != convert(batch.firstSeq, uint256) + leaf_index:
        reason = WRONG_SEQUENCE
    elif (cdr.periodStart > cdr.periodEnd or convert(cdr.periodStart, uint256) < start
          or convert(cdr.periodEnd, uint256) > end):
        reason = BAD_PERIOD
    elif cdr.bytes > batch.totalBytes:
        reason = UNITS_EXCEED_BATCH
    assert reason != 0, "dispute: no contradiction"
    self.batchState[batch_id] = VOIDED
    self._release_pending(batch.entitlementId, batch.totalBytes, False)
    log BatchVoided(batchId=batch_id, entitlementId=batch.entitlementId, reason=reason, leafIndex=leaf_index)


@external
@nonreentrant
def close(entitlement_id: uint256):
    """
    @notice Anyone, once the entitlement has ended and the posting grace period has passed, with no
            batch pending: release the rest of the escrow. REFUND_NONE plans pay it to the MNO and
            MVNO (margin split); other plans refund it to the entitlement's current owner.
    """
    a: uint256 = self._acct[entitlement_id]
    assert (a >> 224) & 1 == 0, "entitlement: closed"
    owner: address = empty(address)
    start: uint256 = 0
    end: uint256 = 0
    mno: address = empty(address)
    mvno: address = empty(address)
    margin: uint256 = 0
    price: uint256 = 0
    plan_bytes: uint256 = 0
    refund_rule: uint8 = 0
    poster_kind: uint8 = 0
    owner, start, end, mno, mvno, margin, price, plan_bytes, refund_rule, poster_kind = staticcall IPlanEntitlements(ENTITLEMENTS).settlementTerms(entitlement_id)
    assert owner != empty(address), "entitlement: unknown"
    assert block.timestamp >= end + POSTING_GRACE, "close: posting window open"
    assert (a >> 128) & MASK32 == 0, "close: batches pending"
    remaining: uint256 = price - price * (a & MASK64) // plan_bytes
    self._acct[entitlement_id] = a | (1 << 224)
    refunded: uint256 = 0
    to_mno: uint256 = 0
    to_mvno: uint256 = 0
    if refund_rule == REFUND_NONE:
        to_mvno = remaining * margin // 10000
        to_mno = remaining - to_mvno
    else:
        refunded = remaining
    log EntitlementClosed(entitlementId=entitlement_id, refunded=refunded, toMno=to_mno, toMvno=to_mvno, receiver=owner)
    self._pay(owner, refunded)
    self._pay(mno, to_mno)
    self._pay(mvno, to_mvno)
