# pragma version 0.4.3
# pragma evm-version cancun
# pragma optimize codesize
"""
@title RoamingClearing
@notice Wholesale roaming clearing between two MNOs (issue 19), after the GSMA TAP / clearing
        house process. Two MNOs registered and active in the TrustRegistry agree on per-service
        wholesale rates (data per MB, voice per minute, SMS per message) and a settlement period.
        After each period the visited network commits, per direction, a Merkle root over its
        roaming records of the other's subscribers with the totals per service (a TAP file, in
        one commitment whose gas does not depend on the number of records). The home network
        accepts it, lets the review window pass (deemed acceptance, as in TAP), voids it by proving
        one record contradicts the commitment, or takes it to the auditor court. Once both
        directions of a period are final, anyone nets them: ONE credit from the debtor's
        stablecoin deposit to the creditor (pull payments: the creditor withdraws).

        Directions: DIR_A_ON_B (0) = party A's subscribers on B's network (B commits, A reviews
        and pays); DIR_B_ON_A (1) = B's subscribers on A's network (A commits, B pays).

        Record leaf (positional Merkle tree, the conventions of contracts/merkle.py; record i of a
        commitment carries index i):
            leaf = keccak256(abi.encode(uint256 agreementId, uint8 direction, uint64 period,
                       uint64 index, bytes32 imsiPseudonym, uint8 service, uint64 startTime,
                       uint64 endTime, uint64 volume, uint24 location, uint256 charge))
            leafNode = keccak256(0x00 || leaf); node = keccak256(0x01 || left || right)
        A level with an odd number of nodes promotes its last node unchanged.

        Auditor court: auditors stake the stablecoin; a case draws a panel of 3 from the hash of a
        block fixed at opening (DRAW_DELAY blocks ahead) mixed with the drawing block's prevrandao;
        panelists commit, then reveal their votes; 2 matching votes decide; non-revealers and
        minority voters lose SLASH_BPS of a seat's stake to the majority (with the court fee); the
        verdict executes after an objection period in which the losing party may appeal (a new
        round, up to MAX_ROUNDS). This is not unbiasable randomness: see docs/ROAMING.md.

        Token conservation: balanceOf(this) == sum(deposits) + sum(stakes) + sum(owed) + sum(case
        pots); tokens enter only by deposit and stake and leave only by withdrawDeposit, unstake
        and withdraw.
"""

VERSION: public(constant(uint256)) = 2   # the OpenRSP contracts release


interface IERC20:
    def transfer(receiver: address, amount: uint256) -> bool: nonpayable
    def transferFrom(sender: address, receiver: address, amount: uint256) -> bool: nonpayable
    def balanceOf(owner: address) -> uint256: view

interface ITrustRegistry:
    def isActive(entity: address, role: uint8) -> bool: view
    def isOperatorKey(mno: address, key: address) -> bool: view


ROLE_MNO: constant(uint8) = 5

DIR_A_ON_B: constant(uint8) = 0
DIR_B_ON_A: constant(uint8) = 1

# Services and their charging units (the record's volume is in the unit, rounded per record
# by the visited network as TAP's chargeable units are).
SERVICE_DATA: constant(uint8) = 1    # megabytes (10^6 bytes)
SERVICE_VOICE: constant(uint8) = 2   # minutes
SERVICE_SMS: constant(uint8) = 3     # messages

AGREEMENT_PROPOSED: constant(uint8) = 1
AGREEMENT_ACTIVE: constant(uint8) = 2

# Commitment status per (agreement, direction, period).
C_NONE: constant(uint8) = 0
C_COMMITTED: constant(uint8) = 1   # in review until committedAt + REVIEW_WINDOW, deemed accepted after
C_ACCEPTED: constant(uint8) = 2    # by the home network, or upheld by the court
C_IN_COURT: constant(uint8) = 3
C_VOIDED: constant(uint8) = 4      # the visited network may commit again until `deadline`

# Contradiction codes (CommitmentVoided.reason).
WRONG_SLOT: constant(uint8) = 1        # record's agreement, direction or period is not the commitment's
WRONG_INDEX: constant(uint8) = 2       # record.index != its leaf index (rules out duplicates)
BAD_SERVICE: constant(uint8) = 3       # service not 1, 2 or 3
BAD_TIME: constant(uint8) = 4          # start > end, or outside the period
WRONG_LOCATION: constant(uint8) = 5    # location is not the visited network's PLMN
WRONG_CHARGE: constant(uint8) = 6      # charge != volume * the agreement's rate for the service
EXCEEDS_TOTAL: constant(uint8) = 7     # volume > the commitment's total for the service
VOIDED_BY_COURT: constant(uint8) = 8   # not a contradiction: the court's verdict

VOTE_UPHOLD: constant(uint8) = 1
VOTE_VOID: constant(uint8) = 2

CASE_DRAWING: constant(uint8) = 1
CASE_VOTING: constant(uint8) = 2
CASE_DECIDED: constant(uint8) = 3
CASE_CLOSED: constant(uint8) = 4

PANEL: constant(uint256) = 3
MAX_ROUNDS: public(constant(uint8)) = 3
MAX_DRAW_TRIES: constant(uint256) = 64
MAX_AUDITORS: public(constant(uint256)) = 4096
MAX_PROOF: constant(uint256) = 32
MAX_RECORDS: constant(uint64) = 4294967296   # 2**32: proofs have at most 32 levels
MIN_PERIOD: constant(uint64) = 3600
MAX_PERIOD: constant(uint64) = 31622400      # 366 days
NO_END: constant(uint64) = max_value(uint64)
U64: constant(uint256) = 2**64 - 1

struct Agreement:
    partyA: address
    partyB: address
    plmnA: uint24          # PLMN identity, the 3 octets of 3GPP TS 24.008 10.5.1.3, big-endian
    plmnB: uint24
    rateData: uint64       # token units per MB
    rateVoice: uint64      # per minute
    rateSms: uint64        # per message
    start: uint64
    periodSeconds: uint64
    endPeriod: uint64      # first period not covered (NO_END until terminated)
    status: uint8

struct Record:
    agreementId: uint256
    direction: uint8
    period: uint64
    index: uint64
    imsiPseudonym: bytes32   # the home network's keyed hash of the IMSI (never the IMSI)
    service: uint8
    startTime: uint64
    endTime: uint64
    volume: uint64
    location: uint24         # PLMN where the service was used
    charge: uint256          # volume * rate

# What `commitment()` returns (stored packed in three words).
struct Commitment:
    root: bytes32
    count: uint64
    dataMB: uint64
    voiceMinutes: uint64
    smsMessages: uint64
    status: uint8
    version: uint32          # commitments made for this slot (a voided one is replaced by the next)
    committedAt: uint64
    deadline: uint64         # VOIDED: the last moment to commit again
    caseId: uint64           # the court case, if any (the latest)

struct Case:
    agreementId: uint256
    direction: uint8
    period: uint64
    opener: address          # the home network (the party that opened the case)
    state: uint8
    round: uint8
    seedBlock: uint256
    commitEnd: uint64
    revealEnd: uint64
    panel: address[3]
    voteHash: bytes32[3]
    vote: uint8[3]
    verdict: uint8
    objectionEnd: uint64
    pot: uint256             # court fees and slashed stake not yet paid out

event AgreementProposed:
    agreementId: indexed(uint256)
    partyA: indexed(address)
    partyB: indexed(address)
    plmnA: uint24
    plmnB: uint24
    rateData: uint64
    rateVoice: uint64
    rateSms: uint64
    start: uint64
    periodSeconds: uint64

event AgreementAccepted:
    agreementId: indexed(uint256)

event AgreementTerminated:
    agreementId: indexed(uint256)
    by: indexed(address)
    endPeriod: uint64

event RecordsCommitted:
    agreementId: indexed(uint256)
    direction: indexed(uint8)
    period: indexed(uint64)
    committer: address
    root: bytes32
    count: uint64
    dataMB: uint64
    voiceMinutes: uint64
    smsMessages: uint64
    version: uint32
    invoice: uint256

event CommitmentAccepted:
    agreementId: indexed(uint256)
    direction: indexed(uint8)
    period: indexed(uint64)
    version: uint32
    byCourt: bool

event CommitmentVoided:
    agreementId: indexed(uint256)
    direction: indexed(uint8)
    period: indexed(uint64)
    version: uint32
    reason: uint8
    leafIndex: uint256
    recommitDeadline: uint64

event PeriodSettled:
    agreementId: indexed(uint256)
    period: indexed(uint64)
    payer: indexed(address)
    payee: address
    invoiceAOnB: uint256     # what A owes B for A's subscribers on B
    invoiceBOnA: uint256     # what B owes A
    net: uint256

event Deposited:
    account: indexed(address)
    amount: uint256

event WithdrawalAnnounced:
    account: indexed(address)
    amount: uint256
    availableAt: uint64

event DepositWithdrawn:
    account: indexed(address)
    receiver: indexed(address)
    amount: uint256

event Credited:
    payee: indexed(address)
    amount: uint256

event Withdrawn:
    payee: indexed(address)
    receiver: indexed(address)
    amount: uint256

event Staked:
    auditor: indexed(address)
    amount: uint256

event Unstaked:
    auditor: indexed(address)
    amount: uint256

event CaseOpened:
    caseId: indexed(uint256)
    agreementId: indexed(uint256)
    opener: indexed(address)
    direction: uint8
    period: uint64
    seedBlock: uint256
    fee: uint256

event SeedRefixed:
    caseId: indexed(uint256)
    seedBlock: uint256

event PanelDrawn:
    caseId: indexed(uint256)
    round: uint8
    panel: address[3]
    commitEnd: uint64
    revealEnd: uint64

event VoteCommitted:
    caseId: indexed(uint256)
    auditor: indexed(address)
    round: uint8

event VoteRevealed:
    caseId: indexed(uint256)
    auditor: indexed(address)
    round: uint8
    vote: uint8

event Slashed:
    caseId: indexed(uint256)
    auditor: indexed(address)
    amount: uint256

event RoundTallied:
    caseId: indexed(uint256)
    round: uint8
    upholds: uint256
    voids: uint256
    verdict: uint8           # 0: no majority, a new round is drawn (after MAX_ROUNDS: 1, the commitment stands)
    objectionEnd: uint64

event CaseAppealed:
    caseId: indexed(uint256)
    by: indexed(address)
    round: uint8
    seedBlock: uint256
    fee: uint256

event CaseExecuted:
    caseId: indexed(uint256)
    verdict: uint8

REGISTRY: public(immutable(address))
TOKEN: public(immutable(address))
COMMIT_WINDOW: public(immutable(uint256))     # after the period's end (or a void) to commit
REVIEW_WINDOW: public(immutable(uint256))     # after a commitment to accept, prove a contradiction or open a case
DEPOSIT_NOTICE: public(immutable(uint256))    # between announcing and withdrawing deposit
MIN_STAKE: public(immutable(uint256))         # what a panel seat locks
SLASH_BPS: public(immutable(uint256))         # share of a seat's stake lost by a non-revealer or minority voter
COURT_FEE: public(immutable(uint256))         # paid from the opener's (or appellant's) deposit to the panel's majority
DRAW_DELAY: public(immutable(uint256))        # blocks between opening and the seed block
VOTE_PERIOD: public(immutable(uint256))
REVEAL_PERIOD: public(immutable(uint256))
OBJECTION_PERIOD: public(immutable(uint256))

agreementCount: public(uint256)
_agreements: HashMap[uint256, Agreement]

# slot key (agreementId << 72 | direction << 64 | period) -> packed commitment
_root: HashMap[uint256, bytes32]
_totals: HashMap[uint256, uint256]   # count | dataMB << 64 | voice << 128 | sms << 192
_meta: HashMap[uint256, uint256]     # status | version << 8 | committedAt << 40 | deadline << 104 | caseId << 168
_settled: HashMap[uint256, bool]   # agreementId << 64 | period -> netted (see `settled`)

deposits: public(HashMap[address, uint256])
withdrawalAmount: public(HashMap[address, uint256])
withdrawalAvailableAt: public(HashMap[address, uint256])
owed: public(HashMap[address, uint256])

stakes: public(HashMap[address, uint256])
lockedStake: public(HashMap[address, uint256])
auditorCount: public(uint256)
auditorAt: public(HashMap[uint256, address])
_listed: HashMap[address, bool]

caseCount: public(uint256)
_cases: HashMap[uint256, Case]


@deploy
def __init__(registry: address, token: address, commit_window: uint256, review_window: uint256,
             deposit_notice: uint256, min_stake: uint256, slash_bps: uint256, court_fee: uint256,
             draw_delay: uint256, vote_period: uint256, reveal_period: uint256, objection_period: uint256):
    assert registry != empty(address), "registry: zero address"
    assert token != empty(address), "token: zero address"
    assert commit_window > 0 and review_window > 0, "window: zero"
    assert deposit_notice > 0, "deposit notice: zero"
    assert min_stake > 0, "min stake: zero"
    assert slash_bps <= 10000, "slash: above 10000 bps"
    assert draw_delay > 0 and draw_delay < 256, "draw delay: out of range"
    assert vote_period > 0 and reveal_period > 0 and objection_period > 0, "court period: zero"
    REGISTRY = registry
    TOKEN = token
    COMMIT_WINDOW = commit_window
    REVIEW_WINDOW = review_window
    DEPOSIT_NOTICE = deposit_notice
    MIN_STAKE = min_stake
    SLASH_BPS = slash_bps
    COURT_FEE = court_fee
    DRAW_DELAY = draw_delay
    VOTE_PERIOD = vote_period
    REVEAL_PERIOD = reveal_period
    OBJECTION_PERIOD = objection_period


# ---------------------------------------------------------------- helpers

@view
@internal
def _is_active_mno(who: address) -> bool:
    return staticcall ITrustRegistry(REGISTRY).isActive(who, ROLE_MNO)


@view
@internal
def _acts_for(mno: address, sender: address) -> bool:
    """The MNO itself while active, or one of its active operator keys."""
    if sender == mno:
        return staticcall ITrustRegistry(REGISTRY).isActive(mno, ROLE_MNO)
    return staticcall ITrustRegistry(REGISTRY).isOperatorKey(mno, sender)


@pure
@internal
def _key(agreement_id: uint256, direction: uint8, period: uint64) -> uint256:
    return (agreement_id << 72) | (convert(direction, uint256) << 64) | convert(period, uint256)


@view
@internal
def _parties(a: Agreement, direction: uint8) -> (address, address, uint24):
    """(visited, home, visited PLMN) of a direction."""
    if direction == DIR_A_ON_B:
        return a.partyB, a.partyA, a.plmnB
    return a.partyA, a.partyB, a.plmnA


@pure
@internal
def _period_end(a: Agreement, period: uint64) -> uint256:
    return convert(a.start, uint256) + (convert(period, uint256) + 1) * convert(a.periodSeconds, uint256)


@view
@internal
def _active(agreement_id: uint256) -> Agreement:
    a: Agreement = self._agreements[agreement_id]
    assert a.status == AGREEMENT_ACTIVE, "agreement: not active"
    return a


@view
@internal
def _slot(agreement_id: uint256, direction: uint8, period: uint64) -> (Agreement, uint256, uint256):
    """The active agreement, the slot key and its meta word; checks direction and period."""
    a: Agreement = self._active(agreement_id)
    assert direction <= DIR_B_ON_A, "direction: invalid"
    assert period < a.endPeriod, "period: after termination"
    k: uint256 = self._key(agreement_id, direction, period)
    return a, k, self._meta[k]


@pure
@internal
def _pack_meta(status: uint8, version: uint256, committed_at: uint256, deadline: uint256, case_id: uint256) -> uint256:
    return (convert(status, uint256) | (version << 8) | (committed_at << 40) | (deadline << 104)
            | (case_id << 168))


@pure
@internal
def _status(meta: uint256) -> uint8:
    return convert(meta & 255, uint8)


@pure
@internal
def _with_status(meta: uint256, status: uint8) -> uint256:
    return (meta & ~convert(255, uint256)) | convert(status, uint256)


@pure
@internal
def _invoice(a: Agreement, totals: uint256) -> uint256:
    return (((totals >> 64) & U64) * convert(a.rateData, uint256) + ((totals >> 128) & U64) * convert(a.rateVoice, uint256)
            + (totals >> 192) * convert(a.rateSms, uint256))


@pure
@internal
def _rate(a: Agreement, service: uint8) -> uint256:
    if service == SERVICE_DATA:
        return convert(a.rateData, uint256)
    if service == SERVICE_VOICE:
        return convert(a.rateVoice, uint256)
    return convert(a.rateSms, uint256)


@internal
def _credit(payee: address, amount: uint256):
    if amount > 0:
        self.owed[payee] += amount
        log Credited(payee=payee, amount=amount)


@internal
def _pull(sender: address, amount: uint256):
    """transferFrom with a balance check (fee-on-transfer tokens are refused)."""
    before: uint256 = staticcall IERC20(TOKEN).balanceOf(self)
    assert extcall IERC20(TOKEN).transferFrom(sender, self, amount, default_return_value=True), "token: transfer failed"
    assert staticcall IERC20(TOKEN).balanceOf(self) == before + amount, "token: fee on transfer"


@internal
def _push(receiver: address, amount: uint256):
    assert extcall IERC20(TOKEN).transfer(receiver, amount, default_return_value=True), "token: transfer failed"


# ---------------------------------------------------------------- agreements

@external
def proposeAgreement(partner: address, plmn_self: uint24, plmn_partner: uint24, rate_data: uint64,
                     rate_voice: uint64, rate_sms: uint64, start: uint64, period_seconds: uint64) -> uint256:
    """
    @notice An active MNO (party A) proposes an agreement to another (party B): A's PLMN and B's,
            the wholesale rates in token units per MB, per minute and per SMS, the first period's
            start and the period length. Terms never change; B accepts them as they are.
    @return the agreement id (ids start at 1)
    """
    assert self._is_active_mno(msg.sender), "caller: not an active MNO"
    assert partner != msg.sender, "partner: self"
    assert self._is_active_mno(partner), "partner: not an active MNO"
    assert plmn_self != 0 and plmn_partner != 0, "plmn: zero"
    assert plmn_self != plmn_partner, "plmn: same network"
    assert rate_data != 0 or rate_voice != 0 or rate_sms != 0, "rates: all zero"
    assert period_seconds >= MIN_PERIOD and period_seconds <= MAX_PERIOD, "period: out of range"
    assert convert(start, uint256) >= block.timestamp, "start: in the past"
    agreement_id: uint256 = self.agreementCount + 1
    self.agreementCount = agreement_id
    self._agreements[agreement_id] = Agreement(
        partyA=msg.sender, partyB=partner, plmnA=plmn_self, plmnB=plmn_partner, rateData=rate_data,
        rateVoice=rate_voice, rateSms=rate_sms, start=start, periodSeconds=period_seconds, endPeriod=NO_END,
        status=AGREEMENT_PROPOSED)
    log AgreementProposed(agreementId=agreement_id, partyA=msg.sender, partyB=partner, plmnA=plmn_self,
                          plmnB=plmn_partner, rateData=rate_data, rateVoice=rate_voice, rateSms=rate_sms,
                          start=start, periodSeconds=period_seconds)
    return agreement_id


@external
def acceptAgreement(agreement_id: uint256):
    """@notice Party B accepts the proposed terms; both must be active MNOs."""
    a: Agreement = self._agreements[agreement_id]
    assert a.status != 0, "agreement: unknown"
    assert a.status == AGREEMENT_PROPOSED, "agreement: not proposed"
    assert msg.sender == a.partyB, "caller: not the partner"
    assert self._is_active_mno(a.partyB), "partner: not an active MNO"
    assert self._is_active_mno(a.partyA), "proposer: not an active MNO"
    self._agreements[agreement_id].status = AGREEMENT_ACTIVE
    log AgreementAccepted(agreementId=agreement_id)


@external
def terminateAgreement(agreement_id: uint256):
    """@notice Either party ends the agreement: the running period is its last (none if it has
       not started). Periods before that are still committed, reviewed and settled."""
    a: Agreement = self._active(agreement_id)
    assert msg.sender == a.partyA or msg.sender == a.partyB, "caller: not a party"
    assert a.endPeriod == NO_END, "agreement: already terminated"
    end: uint64 = 0
    if block.timestamp >= convert(a.start, uint256):
        end = convert((block.timestamp - convert(a.start, uint256)) // convert(a.periodSeconds, uint256), uint64) + 1
    self._agreements[agreement_id].endPeriod = end
    log AgreementTerminated(agreementId=agreement_id, by=msg.sender, endPeriod=end)


@view
@external
def agreements(agreement_id: uint256) -> Agreement:
    return self._agreements[agreement_id]


# ---------------------------------------------------------------- records

@pure
@internal
def _leaf(r: Record) -> bytes32:
    return keccak256(abi_encode(r.agreementId, r.direction, r.period, r.index, r.imsiPseudonym, r.service,
                                r.startTime, r.endTime, r.volume, r.location, r.charge))


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


@view
@external
def commitment(agreement_id: uint256, direction: uint8, period: uint64) -> Commitment:
    k: uint256 = self._key(agreement_id, direction, period)
    t: uint256 = self._totals[k]
    m: uint256 = self._meta[k]
    return Commitment(root=self._root[k], count=convert(t & U64, uint64), dataMB=convert((t >> 64) & U64, uint64),
                      voiceMinutes=convert((t >> 128) & U64, uint64), smsMessages=convert(t >> 192, uint64),
                      status=self._status(m), version=convert((m >> 8) & 4294967295, uint32),
                      committedAt=convert((m >> 40) & U64, uint64), deadline=convert((m >> 104) & U64, uint64),
                      caseId=convert(m >> 168, uint64))


@external
def commitRecords(agreement_id: uint256, direction: uint8, period: uint64, root: bytes32, count: uint64,
                  data_mb: uint64, voice_minutes: uint64, sms_messages: uint64):
    """
    @notice The visited network (its MNO address or an active operator key) commits its records
            of the other party's subscribers for one ended period: the Merkle root over `count`
            records and the totals per service. Within COMMIT_WINDOW of the period's end, or of a
            void of the previous commitment. Gas does not depend on `count`.
    """
    a: Agreement = empty(Agreement)
    k: uint256 = 0
    m: uint256 = 0
    a, k, m = self._slot(agreement_id, direction, period)
    visited: address = empty(address)
    home: address = empty(address)
    plmn: uint24 = 0
    visited, home, plmn = self._parties(a, direction)
    assert self._acts_for(visited, msg.sender), "caller: not the visited network"
    period_end: uint256 = self._period_end(a, period)
    assert block.timestamp >= period_end, "period: not ended"
    status: uint8 = self._status(m)
    if status == C_NONE:
        assert block.timestamp < period_end + COMMIT_WINDOW, "commit: window over"
    else:
        assert status == C_VOIDED, "commit: already committed"
        assert block.timestamp <= (m >> 104) & U64, "commit: window over"
    assert root != empty(bytes32), "root: zero"
    assert count > 0 and count <= MAX_RECORDS, "count: out of range"
    assert data_mb != 0 or voice_minutes != 0 or sms_messages != 0, "totals: zero"
    version: uint256 = ((m >> 8) & 4294967295) + 1
    totals: uint256 = (convert(count, uint256) | (convert(data_mb, uint256) << 64)
                       | (convert(voice_minutes, uint256) << 128) | (convert(sms_messages, uint256) << 192))
    self._root[k] = root
    self._totals[k] = totals
    self._meta[k] = self._pack_meta(C_COMMITTED, version, block.timestamp, 0, m >> 168)
    log RecordsCommitted(agreementId=agreement_id, direction=direction, period=period, committer=msg.sender,
                         root=root, count=count, dataMB=data_mb, voiceMinutes=voice_minutes,
                         smsMessages=sms_messages, version=convert(version, uint32), invoice=self._invoice(a, totals))


@view
@internal
def _in_review(agreement_id: uint256, direction: uint8, period: uint64) -> (Agreement, uint256, uint256, address, address):
    """Checks the caller acts for the home network and the slot's commitment is in review."""
    a: Agreement = empty(Agreement)
    k: uint256 = 0
    m: uint256 = 0
    a, k, m = self._slot(agreement_id, direction, period)
    visited: address = empty(address)
    home: address = empty(address)
    plmn: uint24 = 0
    visited, home, plmn = self._parties(a, direction)
    assert self._acts_for(home, msg.sender), "caller: not the home network"
    assert self._status(m) == C_COMMITTED, "commitment: not in review"
    assert block.timestamp < ((m >> 40) & U64) + REVIEW_WINDOW, "review: window closed"
    return a, k, m, visited, home


@external
def acceptCommitment(agreement_id: uint256, direction: uint8, period: uint64):
    """@notice The home network accepts the commitment within the review window (silence after
       the window is acceptance too)."""
    a: Agreement = empty(Agreement)
    k: uint256 = 0
    m: uint256 = 0
    visited: address = empty(address)
    home: address = empty(address)
    a, k, m, visited, home = self._in_review(agreement_id, direction, period)
    self._meta[k] = self._with_status(m, C_ACCEPTED)
    log CommitmentAccepted(agreementId=agreement_id, direction=direction, period=period,
                           version=convert((m >> 8) & 4294967295, uint32), byCourt=False)


@external
def disputeRecord(agreement_id: uint256, direction: uint8, period: uint64, r: Record, leaf_index: uint256,
                  proof: DynArray[bytes32, MAX_PROOF]):
    """
    @notice The home network voids the commitment within the review window by proving that record
            `leaf_index` of it contradicts it (see the contradiction codes). The visited network
            may commit a corrected one within COMMIT_WINDOW from now.
    """
    a: Agreement = empty(Agreement)
    k: uint256 = 0
    m: uint256 = 0
    visited: address = empty(address)
    home: address = empty(address)
    a, k, m, visited, home = self._in_review(agreement_id, direction, period)
    totals: uint256 = self._totals[k]
    count: uint256 = totals & U64
    assert leaf_index < count, "proof: index out of range"
    assert self._verify(self._root[k], self._leaf(r), leaf_index, count, proof), "proof: invalid"
    period_end: uint256 = self._period_end(a, period)
    plmn: uint24 = a.plmnB
    if direction == DIR_B_ON_A:
        plmn = a.plmnA
    reason: uint8 = 0
    if r.agreementId != agreement_id or r.direction != direction or r.period != period:
        reason = WRONG_SLOT
    elif convert(r.index, uint256) != leaf_index:
        reason = WRONG_INDEX
    elif r.service < SERVICE_DATA or r.service > SERVICE_SMS:
        reason = BAD_SERVICE
    elif (r.startTime > r.endTime or convert(r.startTime, uint256) < period_end - convert(a.periodSeconds, uint256)
          or convert(r.endTime, uint256) > period_end):
        reason = BAD_TIME
    elif r.location != plmn:
        reason = WRONG_LOCATION
    elif r.charge != convert(r.volume, uint256) * self._rate(a, r.service):
        reason = WRONG_CHARGE
    elif convert(r.volume, uint256) > (totals >> (64 * convert(r.service, uint256))) & U64:
        reason = EXCEEDS_TOTAL
    assert reason != 0, "dispute: no contradiction"
    self._void(agreement_id, direction, period, k, m, reason, leaf_index)


@internal
def _void(agreement_id: uint256, direction: uint8, period: uint64, k: uint256, m: uint256, reason: uint8, leaf_index: uint256):
    deadline: uint256 = block.timestamp + COMMIT_WINDOW
    self._meta[k] = self._pack_meta(C_VOIDED, (m >> 8) & 4294967295, (m >> 40) & U64, deadline, m >> 168)
    log CommitmentVoided(agreementId=agreement_id, direction=direction, period=period,
                         version=convert((m >> 8) & 4294967295, uint32), reason=reason, leafIndex=leaf_index,
                         recommitDeadline=convert(deadline, uint64))


# ---------------------------------------------------------------- netting

@view
@internal
def _final_invoice(a: Agreement, k: uint256, period_end: uint256) -> uint256:
    """The slot's invoice once final: accepted (explicitly, by the court, or by silence past the
       review window) or, with no commitment standing and the window to commit over, zero."""
    m: uint256 = self._meta[k]
    status: uint8 = self._status(m)
    if status == C_ACCEPTED:
        return self._invoice(a, self._totals[k])
    if status == C_COMMITTED:
        assert block.timestamp >= ((m >> 40) & U64) + REVIEW_WINDOW, "period: not final"
        return self._invoice(a, self._totals[k])
    if status == C_NONE:
        assert block.timestamp >= period_end + COMMIT_WINDOW, "period: not final"
        return 0
    assert status == C_VOIDED, "period: not final"   # C_IN_COURT: the case must be executed first
    assert block.timestamp > (m >> 104) & U64, "period: not final"
    return 0


@external
def settle(agreement_id: uint256, period: uint64):
    """
    @notice Anyone, once both directions of the period are final: nets the two invoices into ONE
            credit from the debtor's deposit to the creditor (`owed`). Each period settles once.
    """
    a: Agreement = self._active(agreement_id)
    assert period < a.endPeriod, "period: after termination"
    assert not self._settled[(agreement_id << 64) | convert(period, uint256)], "period: already settled"
    period_end: uint256 = self._period_end(a, period)
    inv_ab: uint256 = self._final_invoice(a, self._key(agreement_id, DIR_A_ON_B, period), period_end)
    inv_ba: uint256 = self._final_invoice(a, self._key(agreement_id, DIR_B_ON_A, period), period_end)
    self._settled[(agreement_id << 64) | convert(period, uint256)] = True
    payer: address = a.partyA
    payee: address = a.partyB
    net: uint256 = 0
    if inv_ab >= inv_ba:
        net = inv_ab - inv_ba
    else:
        payer = a.partyB
        payee = a.partyA
        net = inv_ba - inv_ab
    if net > 0:
        assert self.deposits[payer] >= net, "settle: deposit insufficient"
        self.deposits[payer] -= net
    log PeriodSettled(agreementId=agreement_id, period=period, payer=payer, payee=payee, invoiceAOnB=inv_ab,
                      invoiceBOnA=inv_ba, net=net)
    self._credit(payee, net)


@view
@external
def settled(agreement_id: uint256, period: uint64) -> bool:
    """@notice True once the period of the agreement is netted."""
    return self._settled[(agreement_id << 64) | convert(period, uint256)]


# ---------------------------------------------------------------- deposits and payments

@external
@nonreentrant
def deposit(amount: uint256):
    """@notice The caller adds to its deposit (what its settlements and court fees are paid from)."""
    assert amount > 0, "deposit: zero"
    self._pull(msg.sender, amount)
    self.deposits[msg.sender] += amount
    log Deposited(account=msg.sender, amount=amount)


@external
def announceWithdrawal(amount: uint256):
    """@notice Starts the notice period for taking `amount` of the deposit out (replaces an earlier
       announcement). The deposit stays available to settlements until it is withdrawn."""
    assert amount > 0, "withdrawal: zero"
    assert amount <= self.deposits[msg.sender], "withdrawal: exceeds deposit"
    available_at: uint256 = block.timestamp + DEPOSIT_NOTICE
    self.withdrawalAmount[msg.sender] = amount
    self.withdrawalAvailableAt[msg.sender] = available_at
    log WithdrawalAnnounced(account=msg.sender, amount=amount, availableAt=convert(available_at, uint64))


@external
@nonreentrant
def withdrawDeposit(receiver: address):
    """@notice After the notice period: takes the announced amount, or what is left of the deposit
       if settlements spent part of it."""
    amount: uint256 = self.withdrawalAmount[msg.sender]
    assert amount > 0, "withdrawal: none announced"
    assert block.timestamp >= self.withdrawalAvailableAt[msg.sender], "withdrawal: notice period open"
    assert receiver != empty(address), "receiver: zero address"
    amount = min(amount, self.deposits[msg.sender])
    assert amount > 0, "withdrawal: deposit spent"
    self.withdrawalAmount[msg.sender] = 0
    self.withdrawalAvailableAt[msg.sender] = 0
    self.deposits[msg.sender] -= amount
    log DepositWithdrawn(account=msg.sender, receiver=receiver, amount=amount)
    self._push(receiver, amount)


@external
@nonreentrant
def withdraw(receiver: address):
    """@notice The caller takes all its credit (settlements, court rewards, refunds) to `receiver`."""
    amount: uint256 = self.owed[msg.sender]
    assert amount > 0, "withdraw: nothing owed"
    assert receiver != empty(address), "receiver: zero address"
    self.owed[msg.sender] = 0
    log Withdrawn(payee=msg.sender, receiver=receiver, amount=amount)
    self._push(receiver, amount)


# ---------------------------------------------------------------- auditors

@external
@nonreentrant
def stake(amount: uint256):
    """@notice An auditor stakes the stablecoin; with at least MIN_STAKE free it can be drawn."""
    assert amount > 0, "stake: zero"
    if not self._listed[msg.sender]:
        n: uint256 = self.auditorCount
        assert n < MAX_AUDITORS, "auditors: list full"
        self.auditorAt[n] = msg.sender
        self.auditorCount = n + 1
        self._listed[msg.sender] = True
    self._pull(msg.sender, amount)
    self.stakes[msg.sender] += amount
    log Staked(auditor=msg.sender, amount=amount)


@external
@nonreentrant
def unstake(amount: uint256):
    """@notice Takes back stake not locked in a panel seat."""
    assert amount > 0, "unstake: zero"
    assert amount <= self.stakes[msg.sender] - self.lockedStake[msg.sender], "unstake: locked or insufficient"
    self.stakes[msg.sender] -= amount
    log Unstaked(auditor=msg.sender, amount=amount)
    self._push(msg.sender, amount)


# ---------------------------------------------------------------- court

@external
def openCase(agreement_id: uint256, direction: uint8, period: uint64) -> uint256:
    """
    @notice The home network takes a commitment in review to the auditor court (for what no single
            record proves: missing or invented records, totals that are not the records' sum).
            COURT_FEE is taken from the home network's deposit. The panel's seed block is fixed now:
            DRAW_DELAY blocks ahead.
    @return the case id (ids start at 1)
    """
    a: Agreement = empty(Agreement)
    k: uint256 = 0
    m: uint256 = 0
    visited: address = empty(address)
    home: address = empty(address)
    a, k, m, visited, home = self._in_review(agreement_id, direction, period)
    assert self.deposits[home] >= COURT_FEE, "court: fee not deposited"
    self.deposits[home] -= COURT_FEE
    case_id: uint256 = self.caseCount + 1
    self.caseCount = case_id
    seed_block: uint256 = block.number + DRAW_DELAY
    c: Case = empty(Case)
    c.agreementId = agreement_id
    c.direction = direction
    c.period = period
    c.opener = home
    c.state = CASE_DRAWING
    c.round = 1
    c.seedBlock = seed_block
    c.pot = COURT_FEE
    self._cases[case_id] = c
    self._meta[k] = self._pack_meta(C_IN_COURT, (m >> 8) & 4294967295, (m >> 40) & U64, 0, case_id)
    log CaseOpened(caseId=case_id, agreementId=agreement_id, opener=home, direction=direction, period=period,
                   seedBlock=seed_block, fee=COURT_FEE)
    return case_id


@view
@external
def cases(case_id: uint256) -> Case:
    return self._cases[case_id]


@view
@internal
def _eligible(cand: address, a: Agreement, p0: address, p1: address) -> bool:
    if cand == p0 or cand == p1 or cand == a.partyA or cand == a.partyB:
        return False
    if self.stakes[cand] - self.lockedStake[cand] < MIN_STAKE:
        return False
    # an operator key of either party is the party itself
    if staticcall ITrustRegistry(REGISTRY).isOperatorKey(a.partyA, cand):
        return False
    return not staticcall ITrustRegistry(REGISTRY).isOperatorKey(a.partyB, cand)


@external
def drawPanel(case_id: uint256):
    """
    @notice Anyone, once the seed block is mined: draws 3 distinct auditors with MIN_STAKE free, none
            a party or a party's operator key, from keccak256(blockhash(seedBlock), prevrandao, caseId,
            round) (the drawing block's prevrandao),
            locks MIN_STAKE of each and opens the vote. If the seed block is more than 256 blocks
            old (its hash is no longer available) a new seed block is fixed instead.
    """
    c_state: uint8 = self._cases[case_id].state
    assert c_state == CASE_DRAWING, "case: not drawing"
    seed_block: uint256 = self._cases[case_id].seedBlock
    assert block.number > seed_block, "draw: seed block not mined"
    if block.number - seed_block > 256:
        seed_block = block.number + DRAW_DELAY
        self._cases[case_id].seedBlock = seed_block
        log SeedRefixed(caseId=case_id, seedBlock=seed_block)
        return
    round: uint8 = self._cases[case_id].round
    # the seed block's hash (fixed at opening, unknown then) mixed with the drawing block's RANDAO
    # value (unknown until that block exists): see docs/ROAMING.md for what each can and cannot bias
    seed: bytes32 = keccak256(abi_encode(blockhash(seed_block), block.prevrandao, case_id, round))
    a: Agreement = self._agreements[self._cases[case_id].agreementId]
    n: uint256 = self.auditorCount
    assert n >= PANEL, "panel: not enough auditors"
    panel: address[3] = empty(address[3])
    picked: uint256 = 0
    for i: uint256 in range(MAX_DRAW_TRIES):
        if picked == PANEL:
            break
        cand: address = self.auditorAt[convert(keccak256(abi_encode(seed, i)), uint256) % n]
        if self._eligible(cand, a, panel[0], panel[1]):
            panel[picked] = cand
            picked += 1
    assert picked == PANEL, "panel: not enough auditors"
    for j: uint256 in range(PANEL):
        self.lockedStake[panel[j]] += MIN_STAKE
    commit_end: uint256 = block.timestamp + VOTE_PERIOD
    reveal_end: uint256 = commit_end + REVEAL_PERIOD
    self._cases[case_id].panel = panel
    if round > 1:   # clear the previous round's votes (a first round's are zero)
        self._cases[case_id].voteHash = empty(bytes32[3])
        self._cases[case_id].vote = empty(uint8[3])
    self._cases[case_id].commitEnd = convert(commit_end, uint64)
    self._cases[case_id].revealEnd = convert(reveal_end, uint64)
    self._cases[case_id].state = CASE_VOTING
    log PanelDrawn(caseId=case_id, round=round, panel=panel, commitEnd=convert(commit_end, uint64),
                   revealEnd=convert(reveal_end, uint64))


@view
@internal
def _seat(case_id: uint256, who: address) -> uint256:
    for j: uint256 in range(PANEL):
        if self._cases[case_id].panel[j] == who:
            return j
    raise "vote: not on the panel"


@pure
@external
def voteCommitment(case_id: uint256, round: uint8, auditor: address, vote: uint8, salt: bytes32) -> bytes32:
    """@notice keccak256(abi.encode(caseId, round, auditor, vote, salt)): what commitVote takes. The
       case, round and auditor in it make a commitment or a reveal useless anywhere else."""
    return keccak256(abi_encode(case_id, round, auditor, vote, salt))


@external
def commitVote(case_id: uint256, vote_hash: bytes32):
    """@notice A panelist commits to its vote before commitEnd (see voteCommitment)."""
    assert self._cases[case_id].state == CASE_VOTING, "case: not voting"
    assert block.timestamp < convert(self._cases[case_id].commitEnd, uint256), "vote: commit phase over"
    seat: uint256 = self._seat(case_id, msg.sender)
    assert vote_hash != empty(bytes32), "vote: zero hash"
    assert self._cases[case_id].voteHash[seat] == empty(bytes32), "vote: already committed"
    self._cases[case_id].voteHash[seat] = vote_hash
    log VoteCommitted(caseId=case_id, auditor=msg.sender, round=self._cases[case_id].round)


@external
def revealVote(case_id: uint256, vote: uint8, salt: bytes32):
    """@notice A panelist reveals its committed vote (1 uphold, 2 void) between commitEnd and revealEnd."""
    assert self._cases[case_id].state == CASE_VOTING, "case: not voting"
    assert block.timestamp >= convert(self._cases[case_id].commitEnd, uint256), "vote: commit phase open"
    assert block.timestamp < convert(self._cases[case_id].revealEnd, uint256), "vote: reveal phase over"
    seat: uint256 = self._seat(case_id, msg.sender)
    h: bytes32 = self._cases[case_id].voteHash[seat]
    assert h != empty(bytes32), "vote: not committed"
    assert self._cases[case_id].vote[seat] == 0, "vote: already revealed"
    round: uint8 = self._cases[case_id].round
    assert keccak256(abi_encode(case_id, round, msg.sender, vote, salt)) == h, "vote: reveal mismatch"
    assert vote == VOTE_UPHOLD or vote == VOTE_VOID, "vote: invalid"
    self._cases[case_id].vote[seat] = vote
    log VoteRevealed(caseId=case_id, auditor=msg.sender, round=round, vote=vote)


@external
def tally(case_id: uint256):
    """
    @notice Anyone, after revealEnd. Two matching votes decide; non-revealers (and, with a decision,
            the minority voter) lose MIN_STAKE * SLASH_BPS / 10000 to the pot, and the pot (court
            fees and slashes) is credited to the majority in equal shares. Without a majority a new
            panel is drawn (the pot carries over); after MAX_ROUNDS rounds without one the
            commitment stands and the pot is credited back to the opener. A decision opens the
            objection period.
    """
    assert self._cases[case_id].state == CASE_VOTING, "case: not voting"
    assert block.timestamp >= convert(self._cases[case_id].revealEnd, uint256), "vote: reveal phase open"
    panel: address[3] = self._cases[case_id].panel
    votes: uint8[3] = self._cases[case_id].vote
    upholds: uint256 = 0
    voids: uint256 = 0
    for j: uint256 in range(PANEL):
        if votes[j] == VOTE_UPHOLD:
            upholds += 1
        elif votes[j] == VOTE_VOID:
            voids += 1
    verdict: uint8 = 0
    if upholds >= 2:
        verdict = VOTE_UPHOLD
    elif voids >= 2:
        verdict = VOTE_VOID
    pot: uint256 = self._cases[case_id].pot
    slash: uint256 = MIN_STAKE * SLASH_BPS // 10000
    for j: uint256 in range(PANEL):
        self.lockedStake[panel[j]] -= MIN_STAKE
        if votes[j] == 0 or (verdict != 0 and votes[j] != verdict):
            if slash > 0:
                self.stakes[panel[j]] -= slash
                pot += slash
                log Slashed(caseId=case_id, auditor=panel[j], amount=slash)
    round: uint8 = self._cases[case_id].round
    objection_end: uint256 = 0
    if verdict != 0:
        winners: uint256 = max(upholds, voids)
        share: uint256 = pot // winners
        first: bool = True
        for j: uint256 in range(PANEL):
            if votes[j] == verdict:
                amount: uint256 = share
                if first:
                    amount += pot - share * winners   # the division's remainder
                    first = False
                self._credit(panel[j], amount)
        pot = 0
        objection_end = block.timestamp + OBJECTION_PERIOD
        self._cases[case_id].state = CASE_DECIDED
    elif round < MAX_ROUNDS:
        self._cases[case_id].round = round + 1
        self._cases[case_id].seedBlock = block.number + DRAW_DELAY
        self._cases[case_id].state = CASE_DRAWING
    else:
        # no majority in any round: the commitment stands, the opener gets the pot back
        self._credit(self._cases[case_id].opener, pot)
        pot = 0
        verdict = VOTE_UPHOLD
        objection_end = block.timestamp
        self._cases[case_id].state = CASE_DECIDED
    self._cases[case_id].pot = pot
    self._cases[case_id].verdict = verdict
    self._cases[case_id].objectionEnd = convert(objection_end, uint64)
    log RoundTallied(caseId=case_id, round=round, upholds=upholds, voids=voids, verdict=verdict,
                     objectionEnd=convert(objection_end, uint64))


@external
def appeal(case_id: uint256):
    """@notice The losing party (the home network if upheld, the visited network if voided) objects
       within the objection period: COURT_FEE more from its deposit, a new round with a new panel."""
    assert self._cases[case_id].state == CASE_DECIDED, "case: not decided"
    assert block.timestamp < convert(self._cases[case_id].objectionEnd, uint256), "appeal: objection period over"
    round: uint8 = self._cases[case_id].round
    assert round < MAX_ROUNDS, "appeal: no rounds left"
    a: Agreement = self._agreements[self._cases[case_id].agreementId]
    visited: address = empty(address)
    home: address = empty(address)
    plmn: uint24 = 0
    visited, home, plmn = self._parties(a, self._cases[case_id].direction)
    loser: address = home
    if self._cases[case_id].verdict == VOTE_VOID:
        loser = visited
    assert self._acts_for(loser, msg.sender), "appeal: not the losing party"
    assert self.deposits[loser] >= COURT_FEE, "court: fee not deposited"
    self.deposits[loser] -= COURT_FEE
    seed_block: uint256 = block.number + DRAW_DELAY
    self._cases[case_id].pot += COURT_FEE
    self._cases[case_id].round = round + 1
    self._cases[case_id].seedBlock = seed_block
    self._cases[case_id].verdict = 0
    self._cases[case_id].objectionEnd = 0
    self._cases[case_id].state = CASE_DRAWING
    log CaseAppealed(caseId=case_id, by=loser, round=round + 1, seedBlock=seed_block, fee=COURT_FEE)


@external
def execute(case_id: uint256):
    """@notice Anyone, after the objection period: an upheld commitment is accepted, a voided one
       is void (the visited network may commit again within COMMIT_WINDOW)."""
    assert self._cases[case_id].state == CASE_DECIDED, "case: not decided"
    assert block.timestamp >= convert(self._cases[case_id].objectionEnd, uint256), "case: objection period open"
    self._cases[case_id].state = CASE_CLOSED
    verdict: uint8 = self._cases[case_id].verdict
    agreement_id: uint256 = self._cases[case_id].agreementId
    direction: uint8 = self._cases[case_id].direction
    period: uint64 = self._cases[case_id].period
    k: uint256 = self._key(agreement_id, direction, period)
    m: uint256 = self._meta[k]
    log CaseExecuted(caseId=case_id, verdict=verdict)
    if verdict == VOTE_UPHOLD:
        self._meta[k] = self._with_status(m, C_ACCEPTED)
        log CommitmentAccepted(agreementId=agreement_id, direction=direction, period=period,
                               version=convert((m >> 8) & 4294967295, uint32), byCourt=True)
    else:
        self._void(agreement_id, direction, period, k, m, VOIDED_BY_COURT, 0)
