# pragma version 0.4.3
# pragma evm-version cancun
"""
@title PlanEntitlements
@notice ERC-1155 data-plan entitlements. An MVNO registered in the TrustRegistry lists
        plans that resell an MNO registered there. A buyer pays the plan price in the
        settlement stablecoin; the payment goes straight from the buyer to the
        UsageSettlement contract, which holds it in escrow. Each purchase mints a new token
        id (amount 1) bound to `commitment = keccak256(EID || salt)` -- the EID itself never
        appears on chain. The SM-DP+ asks `isLive(id, commitment)` before it releases a profile.
        A plan names what it delivers: the MNO's SM-DP+ (a registered entity) and a profile
        type id; that SM-DP+ records delivery (`markDelivered`, the hash of the eUICC-signed
        ProfileInstallationResult) before the plan's activation deadline, else the entitlement
        is refunded in full. Tokens are soulbound unless the plan is transferable; a transfer
        unbinds the EID commitment and the new owner binds a new one.
        Token ids start at 1; id 0 is never minted.
        A plan may require identity predicates (`setPlanRequirement`): then the buyer -- the
        beneficiary, on every purchase path -- and every later holder must satisfy them in the
        IdentityRegistry (`satisfies(account, predicates)`).
        No upgradeability. The settlement and identity registry addresses are wired once after
        deployment.
"""

VERSION: public(constant(uint256)) = 2   # the OpenRSP contracts release

interface IERC20:
    def transferFrom(sender: address, receiver: address, amount: uint256) -> bool: nonpayable
    def transfer(receiver: address, amount: uint256) -> bool: nonpayable
    def balanceOf(owner: address) -> uint256: view

interface IDepositSweeper:
    def pay(token: address, receiver: address, amount: uint256): nonpayable

interface IERC3009:
    def receiveWithAuthorization(sender: address, receiver: address, amount: uint256,
                                 valid_after: uint256, valid_before: uint256, nonce: bytes32,
                                 v: uint8, r: bytes32, s: bytes32): nonpayable

interface ITrustRegistry:
    def isActive(entity: address, role: uint8) -> bool: view
    def owner() -> address: view
    def mvnoApproval(mno: address, mvno: address) -> (bool, uint256): view

interface IIdentityRegistry:
    def satisfies(account: address, required: uint256) -> bool: view

interface IERC1155Receiver:
    def onERC1155Received(operator: address, sender: address, id: uint256, amount: uint256,
                          data: Bytes[1024]) -> bytes4: nonpayable
    def onERC1155BatchReceived(operator: address, sender: address, ids: DynArray[uint256, 128],
                               amounts: DynArray[uint256, 128], data: Bytes[1024]) -> bytes4: nonpayable

ROLE_SMDP: constant(uint8) = 3
ROLE_MNO: constant(uint8) = 5
ROLE_MVNO: constant(uint8) = 6

# Refund rules for unused escrow (see README "Refunds").
REFUND_NONE: constant(uint8) = 0                # unused balance released to MNO/MVNO at close
REFUND_AT_EXPIRY: constant(uint8) = 1           # unused balance refunded pro rata at close
REFUND_AT_EXPIRY_OR_CANCEL: constant(uint8) = 2 # as 1, and the owner may cancel early

# Who posts usage batches for a plan.
POSTER_MNO: constant(uint8) = 0
POSTER_MVNO: constant(uint8) = 1

# Entitlement status as returned by `entitlement()`.
STATUS_NONE: constant(uint8) = 0
STATUS_ACTIVE: constant(uint8) = 1
STATUS_EXPIRED: constant(uint8) = 2
STATUS_CANCELLED: constant(uint8) = 3

BYTES_PER_MB: constant(uint256) = 1000000
MAX_BATCH: constant(uint256) = 128

ERC1155_RECEIVED: constant(bytes4) = 0xf23a6e61
ERC1155_BATCH_RECEIVED: constant(bytes4) = 0xbc197c81

# `purchaseNonce` is fresh randomness per purchase, independent of the commitment's secret salt
# (the salt must never appear on chain: with it, keccak256(EID || salt) falls to a search of EIDs).
AUTHORIZATION_NONCE_TYPEHASH: constant(bytes32) = keccak256("OpenRSP.PlanPurchase(address entitlements,uint256 planId,bytes32 commitment,bytes32 purchaseNonce)")

struct Plan:
    mvno: address
    mno: address
    dataMB: uint256
    validity: uint256
    price: uint256
    marginBps: uint256
    supplyCap: uint256
    sold: uint256
    active: bool
    soulbound: bool
    refundRule: uint8
    usagePoster: uint8
    smdp: address
    profileType: bytes32
    activationWindow: uint256

event TransferSingle:
    operator: indexed(address)
    sender: indexed(address)
    receiver: indexed(address)
    id: uint256
    value: uint256

event TransferBatch:
    operator: indexed(address)
    sender: indexed(address)
    receiver: indexed(address)
    ids: DynArray[uint256, MAX_BATCH]
    values: DynArray[uint256, MAX_BATCH]

event ApprovalForAll:
    owner: indexed(address)
    operator: indexed(address)
    approved: bool

event URI:
    value: String[256]
    id: indexed(uint256)

event PlanListed:
    planId: indexed(uint256)
    mvno: indexed(address)
    mno: indexed(address)
    dataMB: uint256
    validity: uint256
    price: uint256
    marginBps: uint256
    supplyCap: uint256
    soulbound: bool
    refundRule: uint8
    usagePoster: uint8
    smdp: address
    profileType: bytes32
    activationWindow: uint256

event PlanDelisted:
    planId: indexed(uint256)

event PlanMetadataSet:
    planId: indexed(uint256)
    metadataHash: bytes32

event PlanRelisted:
    planId: indexed(uint256)

event Purchased:
    id: indexed(uint256)
    planId: indexed(uint256)
    buyer: indexed(address)
    commitment: bytes32
    start: uint256
    expiry: uint256
    price: uint256

event Cancelled:
    id: indexed(uint256)
    at: uint256

event Delivered:
    id: indexed(uint256)
    smdp: indexed(address)
    installResultHash: bytes32
    at: uint256

event CommitmentBound:
    id: indexed(uint256)
    commitment: bytes32

event DepositPurchase:
    deposit: indexed(address)
    id: indexed(uint256)

event DepositWithdrawn:
    deposit: indexed(address)
    buyer: indexed(address)
    amount: uint256

event SettlementSet:
    settlement: indexed(address)

event IdentityRegistrySet:
    identity: indexed(address)

event PlanRequirementSet:
    planId: indexed(uint256)
    predicates: uint256

REGISTRY: public(immutable(address))
TOKEN: public(immutable(address))
DEPLOYER: public(immutable(address))
# The code behind every deposit address (an EIP-1167 proxy to it): created by this contract's
# constructor, so that only this contract can move what a deposit address holds.
DEPOSIT_SWEEPER: public(immutable(address))
# settlement address (bits 0..159) | last minted token id (160..255): one slot, which `buy` reads
# and writes anyway (see `settlement()` and `lastId()`).
_wiring: uint256

# Plans, packed. Plan ids start at 1.
#   core:    price (bits 0..127) | validity seconds (128..167) | supply cap (168..199) | sold (200..231)
#            | flags (232..239: bit0 active, bit1 soulbound, bit2 usage poster is MVNO, bit3 has an
#              identity requirement, so a plan without one never reads `planRequirement`)
#            | refund rule (240..247)
#   parties: MVNO address (0..159) | margin bps (160..175)
#   network: MNO address (0..159) | data MB (160..223) | activation window seconds (224..255)
#   profile: the SM-DP+ that delivers it; profileType: the profile type id it delivers
_planCore: HashMap[uint256, uint256]
_planParties: HashMap[uint256, uint256]
_planNetwork: HashMap[uint256, uint256]
_planSmdp: HashMap[uint256, address]
_planProfileType: HashMap[uint256, bytes32]
planCount: public(uint256)
# keccak256 of the plan's metadata document (coverage, names; docs/PORTAL.md), set once by the plan's MVNO
planMetadata: public(HashMap[uint256, bytes32])

# Entitlements, packed: owner (0..159) | plan id (160..191) | start (192..231) | cancelled (232..239)
#   | delivered (240..247)
_ent: HashMap[uint256, uint256]
_commitment: HashMap[uint256, bytes32]
cancelledAt: public(HashMap[uint256, uint256])
# hash of the eUICC-signed ProfileInstallationResult the SM-DP+ recorded (zero: not delivered)
installResultHash: public(HashMap[uint256, bytes32])

isApprovedForAll: public(HashMap[address, HashMap[address, bool]])
_uri: String[256]
# the IdentityRegistry (zero until `setIdentityRegistry`); read only for plans with a requirement
identityRegistry: public(address)
# plan -> identity predicates every buyer and holder must satisfy (0: none; see `setPlanRequirement`)
planRequirement: public(HashMap[uint256, uint256])

MASK32: constant(uint256) = 2**32 - 1
MASK40: constant(uint256) = 2**40 - 1
MASK64: constant(uint256) = 2**64 - 1
MASK128: constant(uint256) = 2**128 - 1
MASK160: constant(uint256) = 2**160 - 1
HAS_REQUIREMENT: constant(uint256) = 1 << 235   # flag bit 3 of a plan's core slot

# contracts/src/DepositSweeper.vy compiled (contracts/compile.py writes this line; --check fails if stale).
DEPOSIT_SWEEPER_INITCODE: constant(Bytes[1024]) = x"6101ac51503461002057336101ac526101ac610024610000396101cc610000f35b5f80fd5f3560e01c63b3d7618881186101a4576064361034176101a8576004358060a01c6101a8576040526024358060a01c6101a85760605260206101ac5f395f513318156100b65760208060e05260186080527f737765657065723a206e6f74207468652063726561746f72000000000000000060a05260808160e001603882825e8051806020830101601f825f03163682375050601f19601f8251602001011690509050810190506308c379a060c0528060040160dcfd5b60405163a9059cbb60805260605160a05260443560c052602060806044609c5f855af16100e5573d5f5f3e3d5ffd5b3d6100fb57803b156101a857600160e052610121565b3d602081183d60201002188060800160a0116101a8576080518060011c6101a85760e052505b60e09050516101a257602080610160526018610100527f737765657065723a207472616e73666572206661696c65640000000000000000610120526101008161016001603882825e8051806020830101601f825f03163682375050601f19601f8251602001011690509050810190506308c379a0610140528060040161015cfd5b005b5f5ffd5b5f80fd855820443c1b352ebf72c4a32ce46a4fbbd670e2a156c91fe5747b7a6ccfaa3c25c9831901ac801820a1657679706572830004030036"
DEPOSIT_SALT_TYPEHASH: constant(bytes32) = keccak256("OpenRSP.PlanEntitlements.deposit(address buyer,uint256 planId,bytes32 commitment,bytes32 purchaseNonce)")
# EIP-1167 minimal proxy init code as `create_minimal_proxy_to` deploys it, around the target address.
PROXY_INITCODE_HEAD: constant(Bytes[19]) = x"602d3d8160093d39f3363d3d373d3d3d363d73"
PROXY_INITCODE_TAIL: constant(Bytes[15]) = x"5af43d82803e903d91602b57fd5bf3"


@deploy
def __init__(registry: address, token: address, uri: String[256]):
    assert registry != empty(address), "registry: zero address"
    assert token != empty(address), "token: zero address"
    REGISTRY = registry
    TOKEN = token
    DEPLOYER = msg.sender
    DEPOSIT_SWEEPER = raw_create(DEPOSIT_SWEEPER_INITCODE)
    self._uri = uri
    log URI(value=uri, id=0)


@external
def setSettlement(settlement: address):
    """@notice One-time wiring by the deployer; the address can never change afterwards."""
    assert msg.sender == DEPLOYER, "not deployer"
    w: uint256 = self._wiring
    assert w & MASK160 == 0, "settlement: already set"
    assert settlement != empty(address), "settlement: zero address"
    self._wiring = w | convert(settlement, uint256)
    log SettlementSet(settlement=settlement)


@external
def setIdentityRegistry(identity: address):
    """@notice One-time wiring by the deployer; the address can never change afterwards."""
    assert msg.sender == DEPLOYER, "not deployer"
    assert self.identityRegistry == empty(address), "identity: already set"
    assert identity != empty(address), "identity: zero address"
    self.identityRegistry = identity
    log IdentityRegistrySet(identity=identity)


@external
def setURI(uri: String[256]):
    """@notice Governance (the TrustRegistry owner) sets the metadata URI template for every id.
       The URI event is emitted with id 0, which is never minted, meaning "all ids"."""
    assert msg.sender == staticcall ITrustRegistry(REGISTRY).owner(), "not governance"
    self._uri = uri
    log URI(value=uri, id=0)


@view
@external
def settlement() -> address:
    """@notice The UsageSettlement escrow (zero until `setSettlement`)."""
    return convert(self._wiring & MASK160, address)


@view
@external
def lastId() -> uint256:
    """@notice The last minted token id (0 before the first purchase)."""
    return self._wiring >> 160


# ---------------------------------------------------------------- plans

@view
@internal
def _check_resale(mvno: address, mno: address, margin_bps: uint256):
    """The MVNO and MNO are active and the MNO approved this MVNO for this margin."""
    assert staticcall ITrustRegistry(REGISTRY).isActive(mvno, ROLE_MVNO), "caller: not an active MVNO"
    assert staticcall ITrustRegistry(REGISTRY).isActive(mno, ROLE_MNO), "mno: not an active MNO"
    approved: bool = False
    max_margin: uint256 = 0
    approved, max_margin = staticcall ITrustRegistry(REGISTRY).mvnoApproval(mno, mvno)
    assert approved, "mno: has not approved this MVNO"
    assert margin_bps <= max_margin, "margin: above the MNO's maximum"


@external
def listPlan(mno: address, data_mb: uint256, validity: uint256, price: uint256, margin_bps: uint256,
             supply_cap: uint256, transferable: bool, refund_rule: uint8, usage_poster: uint8,
             smdp: address, profile_type: bytes32, activation_window: uint256) -> uint256:
    """@notice An active MVNO, approved by the MNO, lists a plan reselling it, delivered by the
       SM-DP+ `smdp` as profile type `profile_type` within `activation_window` seconds of each
       purchase. Plans are soulbound unless `transferable`. Plan terms never change."""
    assert margin_bps <= 10000, "margin: above 10000 bps"
    self._check_resale(msg.sender, mno, margin_bps)
    assert staticcall ITrustRegistry(REGISTRY).isActive(smdp, ROLE_SMDP), "smdp: not an active SM-DP+"
    assert profile_type != empty(bytes32), "profile type: zero"
    assert data_mb > 0 and data_mb <= MASK64 // BYTES_PER_MB, "data: out of range"
    assert validity > 0 and validity <= MASK40, "validity: out of range"
    assert activation_window > 0 and activation_window <= validity, "activation window: out of range"
    assert price > 0 and price <= MASK128, "price: out of range"
    assert supply_cap > 0 and supply_cap <= MASK32, "supply cap: out of range"
    assert refund_rule <= REFUND_AT_EXPIRY_OR_CANCEL, "refund rule: invalid"
    assert usage_poster <= POSTER_MVNO, "usage poster: invalid"
    plan_id: uint256 = self.planCount + 1
    self.planCount = plan_id
    flags: uint256 = 1
    if not transferable:
        flags |= 2
    if usage_poster == POSTER_MVNO:
        flags |= 4
    self._planCore[plan_id] = (price | (validity << 128) | (supply_cap << 168)
                               | (flags << 232) | (convert(refund_rule, uint256) << 240))
    self._planParties[plan_id] = convert(msg.sender, uint256) | (margin_bps << 160)
    self._planNetwork[plan_id] = convert(mno, uint256) | (data_mb << 160) | (activation_window << 224)
    self._planSmdp[plan_id] = smdp
    self._planProfileType[plan_id] = profile_type
    log PlanListed(planId=plan_id, mvno=msg.sender, mno=mno, dataMB=data_mb, validity=validity,
                   price=price, marginBps=margin_bps, supplyCap=supply_cap, soulbound=not transferable,
                   refundRule=refund_rule, usagePoster=usage_poster, smdp=smdp, profileType=profile_type,
                   activationWindow=activation_window)
    return plan_id


@external
def delistPlan(plan_id: uint256):
    """
    @notice Stops new sales; existing entitlements are unaffected. The plan's MVNO may always
            delist; anyone may delist a plan whose MVNO or MNO is no longer active in the registry
            or whose MNO withdrew its approval of the MVNO. The MVNO may `relistPlan` later.
    """
    core: uint256 = self._planCore[plan_id]
    assert core != 0, "plan: unknown"
    mvno: address = convert(self._planParties[plan_id] & MASK160, address)
    if msg.sender != mvno:
        mno: address = convert(self._planNetwork[plan_id] & MASK160, address)
        approved: bool = False
        max_margin: uint256 = 0
        approved, max_margin = staticcall ITrustRegistry(REGISTRY).mvnoApproval(mno, mvno)
        assert not (staticcall ITrustRegistry(REGISTRY).isActive(mvno, ROLE_MVNO)
                    and staticcall ITrustRegistry(REGISTRY).isActive(mno, ROLE_MNO) and approved), "caller: not the plan's MVNO"
    assert (core >> 232) & 1 == 1, "plan: not active"
    self._planCore[plan_id] = core & ~(1 << 232)
    log PlanDelisted(planId=plan_id)


@external
def relistPlan(plan_id: uint256):
    """@notice The plan's MVNO resumes sales of a delisted plan (same terms) once it and the MNO
       are active again and the MNO still approves it at the plan's margin."""
    core: uint256 = self._planCore[plan_id]
    assert core != 0, "plan: unknown"
    parties: uint256 = self._planParties[plan_id]
    assert msg.sender == convert(parties & MASK160, address), "caller: not the plan's MVNO"
    assert (core >> 232) & 1 == 0, "plan: already active"
    self._check_resale(msg.sender, convert(self._planNetwork[plan_id] & MASK160, address), (parties >> 160) & 65535)
    self._planCore[plan_id] = core | (1 << 232)
    log PlanRelisted(planId=plan_id)


@external
def setPlanMetadata(plan_id: uint256, metadata_hash: bytes32):
    """@notice The plan's MVNO records, once, keccak256 of the plan's metadata document (the
       countries and networks it covers, its name): the portal serves the document and anyone
       checks it against this hash. Like the terms, it never changes afterwards."""
    assert self._planCore[plan_id] != 0, "plan: unknown"
    assert msg.sender == convert(self._planParties[plan_id] & MASK160, address), "caller: not the plan's MVNO"
    assert metadata_hash != empty(bytes32), "metadata: zero hash"
    assert self.planMetadata[plan_id] == empty(bytes32), "metadata: already set"
    self.planMetadata[plan_id] = metadata_hash
    log PlanMetadataSet(planId=plan_id, metadataHash=metadata_hash)


@external
def setPlanRequirement(plan_id: uint256, predicates: uint256):
    """@notice The plan's MVNO sets the identity predicates (IdentityRegistry bits: 1 KYC verified,
       2 age over 18, 4 EU/EEA resident) that a buyer, and the receiver of a transfer, must
       satisfy from then on; 0 removes the requirement. Entitlements already sold are unaffected."""
    core: uint256 = self._planCore[plan_id]
    assert core != 0, "plan: unknown"
    assert msg.sender == convert(self._planParties[plan_id] & MASK160, address), "caller: not the plan's MVNO"
    if predicates == 0:
        core &= ~HAS_REQUIREMENT
    else:
        core |= HAS_REQUIREMENT
    self._planCore[plan_id] = core
    self.planRequirement[plan_id] = predicates
    log PlanRequirementSet(planId=plan_id, predicates=predicates)


@view
@internal
def _check_identity(plan_id: uint256, account: address):
    """`account` satisfies the plan's identity requirement (called only when the plan has one)."""
    identity: address = self.identityRegistry
    assert identity != empty(address), "identity: registry not set"
    assert staticcall IIdentityRegistry(identity).satisfies(account, self.planRequirement[plan_id]), "identity: predicate not met"


@view
@external
def plans(plan_id: uint256) -> Plan:
    core: uint256 = self._planCore[plan_id]
    parties: uint256 = self._planParties[plan_id]
    network: uint256 = self._planNetwork[plan_id]
    flags: uint256 = (core >> 232) & 255
    return Plan(
        mvno=convert(parties & MASK160, address),
        mno=convert(network & MASK160, address),
        dataMB=(network >> 160) & MASK64,
        validity=(core >> 128) & MASK40,
        price=core & MASK128,
        marginBps=(parties >> 160) & 65535,
        supplyCap=(core >> 168) & MASK32,
        sold=(core >> 200) & MASK32,
        active=flags & 1 == 1,
        soulbound=flags & 2 == 2,
        refundRule=convert((core >> 240) & 255, uint8),
        usagePoster=convert((flags >> 2) & 1, uint8),
        smdp=self._planSmdp[plan_id],
        profileType=self._planProfileType[plan_id],
        activationWindow=network >> 224,
    )


# ---------------------------------------------------------------- purchase

@internal
def _mint_entitlement(plan_id: uint256, commitment: bytes32, buyer: address) -> (uint256, uint256, address):
    """Checks and effects of a purchase; returns (token id, price, escrow). No external calls but,
    for a plan with an identity requirement, the IdentityRegistry's view `satisfies(buyer, ...)`."""
    w: uint256 = self._wiring
    escrow: address = convert(w & MASK160, address)
    assert escrow != empty(address), "settlement: not set"
    assert commitment != empty(bytes32), "commitment: zero"
    core: uint256 = self._planCore[plan_id]
    assert core != 0, "plan: unknown"
    assert (core >> 232) & 1 == 1, "plan: not active"
    sold: uint256 = (core >> 200) & MASK32
    assert sold < (core >> 168) & MASK32, "plan: sold out"
    if core & HAS_REQUIREMENT != 0:
        self._check_identity(plan_id, buyer)
    self._planCore[plan_id] = core + (1 << 200)
    token_id: uint256 = (w >> 160) + 1
    self._wiring = convert(escrow, uint256) | token_id * 2**160   # checked: ids stay below 2**96
    self._ent[token_id] = convert(buyer, uint256) | (plan_id << 160) | (block.timestamp << 192)
    self._commitment[token_id] = commitment
    price: uint256 = core & MASK128
    log TransferSingle(operator=msg.sender, sender=empty(address), receiver=buyer, id=token_id, value=1)
    log Purchased(id=token_id, planId=plan_id, buyer=buyer, commitment=commitment,
                  start=block.timestamp, expiry=block.timestamp + ((core >> 128) & MASK40), price=price)
    return token_id, price, escrow


@external
@nonreentrant
def buy(plan_id: uint256, commitment: bytes32) -> uint256:
    """
    @notice Buy a plan for `commitment = keccak256(EID || salt)`. The caller must have approved
            this contract for the plan price; the price moves from the caller to the escrow
            (the UsageSettlement contract) and the caller receives the new entitlement token.
    """
    token_id: uint256 = 0
    price: uint256 = 0
    escrow: address = empty(address)
    token_id, price, escrow = self._mint_entitlement(plan_id, commitment, msg.sender)
    before: uint256 = staticcall IERC20(TOKEN).balanceOf(escrow)
    assert extcall IERC20(TOKEN).transferFrom(msg.sender, escrow, price, default_return_value=True), "payment: transfer failed"
    assert staticcall IERC20(TOKEN).balanceOf(escrow) == before + price, "payment: amount not received"
    self._check_receiver(msg.sender, empty(address), msg.sender, token_id, 1, b"")
    return token_id


@external
@nonreentrant
def buyWithAuthorization(plan_id: uint256, commitment: bytes32, purchase_nonce: bytes32, buyer: address,
                         valid_after: uint256, valid_before: uint256, v: uint8, r: bytes32, s: bytes32) -> uint256:
    """
    @notice Gasless purchase: `buyer` signs an EIP-3009 ReceiveWithAuthorization paying the plan
            price to this contract, and any relayer submits it. The authorization nonce MUST be
            `authorizationNonce(plan_id, commitment, purchase_nonce)`, so the signature binds the plan
            and the EID commitment and a relayer cannot redirect the purchase. `purchase_nonce` is
            public calldata: it MUST be fresh randomness, independent of the commitment's salt
            (never the salt itself). ReceiveWithAuthorization (not TransferWithAuthorization) is
            used because only the payee may submit it: nobody can front-run the signature into a
            bare transfer that mints nothing.
    """
    assert buyer != empty(address), "buyer: zero address"
    token_id: uint256 = 0
    price: uint256 = 0
    escrow: address = empty(address)
    token_id, price, escrow = self._mint_entitlement(plan_id, commitment, buyer)
    nonce: bytes32 = self._authorization_nonce(plan_id, commitment, purchase_nonce)
    before: uint256 = staticcall IERC20(TOKEN).balanceOf(self)
    extcall IERC3009(TOKEN).receiveWithAuthorization(buyer, self, price, valid_after, valid_before, nonce, v, r, s)
    assert staticcall IERC20(TOKEN).balanceOf(self) == before + price, "payment: amount not received"
    assert extcall IERC20(TOKEN).transfer(escrow, price, default_return_value=True), "payment: transfer failed"
    self._check_receiver(msg.sender, empty(address), buyer, token_id, 1, b"")
    return token_id


@external
@nonreentrant
def buyFromDeposit(buyer: address, plan_id: uint256, commitment: bytes32, purchase_nonce: bytes32) -> uint256:
    """
    @notice x402 plan purchase. The buyer paid the plan price to
            `depositAddress(buyer, plan_id, commitment, purchase_nonce)` (an x402 `exact` payment:
            an EIP-3009 TransferWithAuthorization that anyone may submit); anyone may then call
            this to mint the entitlement to `buyer` for `commitment`. The deposit address is
            derived from all four, and only this contract can move what it holds, so a payment to
            it buys that plan for that buyer and commitment or nothing: a relayer or front-runner
            can submit the payment or this call, never redirect either. Once per deposit address
            (`DepositPurchase` logs which entitlement it bought); what it holds beyond the price
            stays there for `withdrawDeposit`.
    """
    assert buyer != empty(address), "buyer: zero address"
    salt: bytes32 = self._deposit_salt(buyer, plan_id, commitment, purchase_nonce)
    deposit: address = self._deposit_address(salt)
    assert not deposit.is_contract, "deposit: already used"
    token_id: uint256 = 0
    price: uint256 = 0
    escrow: address = empty(address)
    token_id, price, escrow = self._mint_entitlement(plan_id, commitment, buyer)
    assert staticcall IERC20(TOKEN).balanceOf(deposit) >= price, "deposit: not paid"
    assert create_minimal_proxy_to(DEPOSIT_SWEEPER, salt=salt) == deposit, "deposit: address mismatch"
    before: uint256 = staticcall IERC20(TOKEN).balanceOf(escrow)
    extcall IDepositSweeper(deposit).pay(TOKEN, escrow, price)
    assert staticcall IERC20(TOKEN).balanceOf(escrow) == before + price, "payment: amount not received"
    log DepositPurchase(deposit=deposit, id=token_id)
    self._check_receiver(msg.sender, empty(address), buyer, token_id, 1, b"")
    return token_id


@external
@nonreentrant
def withdrawDeposit(plan_id: uint256, commitment: bytes32, purchase_nonce: bytes32) -> uint256:
    """
    @notice The buyer (the caller) takes everything its deposit address holds: a payment that
            bought nothing (plan sold out or delisted), or more than the price. Before a purchase
            this closes the deposit: it can no longer buy.
    """
    salt: bytes32 = self._deposit_salt(msg.sender, plan_id, commitment, purchase_nonce)
    deposit: address = self._deposit_address(salt)
    if not deposit.is_contract:
        assert create_minimal_proxy_to(DEPOSIT_SWEEPER, salt=salt) == deposit, "deposit: address mismatch"
    amount: uint256 = staticcall IERC20(TOKEN).balanceOf(deposit)
    assert amount != 0, "deposit: empty"
    extcall IDepositSweeper(deposit).pay(TOKEN, msg.sender, amount)
    log DepositWithdrawn(deposit=deposit, buyer=msg.sender, amount=amount)
    return amount


@view
@internal
def _deposit_salt(buyer: address, plan_id: uint256, commitment: bytes32, purchase_nonce: bytes32) -> bytes32:
    return keccak256(abi_encode(DEPOSIT_SALT_TYPEHASH, buyer, plan_id, commitment, purchase_nonce))


@view
@internal
def _deposit_address(salt: bytes32) -> address:
    """The CREATE2 address of this contract's minimal proxy to DEPOSIT_SWEEPER with `salt`."""
    code_hash: bytes32 = keccak256(concat(PROXY_INITCODE_HEAD, convert(DEPOSIT_SWEEPER, bytes20), PROXY_INITCODE_TAIL))
    digest: bytes32 = keccak256(concat(x"ff", convert(self, bytes20), salt, code_hash))
    return convert(convert(digest, uint256) & MASK160, address)


@view
@external
def depositAddress(buyer: address, plan_id: uint256, commitment: bytes32, purchase_nonce: bytes32) -> address:
    """@notice Where a buyer pays for `buyFromDeposit` (x402 `payTo`). `purchase_nonce`: fresh randomness."""
    return self._deposit_address(self._deposit_salt(buyer, plan_id, commitment, purchase_nonce))


@view
@internal
def _authorization_nonce(plan_id: uint256, commitment: bytes32, purchase_nonce: bytes32) -> bytes32:
    return keccak256(abi_encode(AUTHORIZATION_NONCE_TYPEHASH, self, plan_id, commitment, purchase_nonce))


@view
@external
def authorizationNonce(plan_id: uint256, commitment: bytes32, purchase_nonce: bytes32) -> bytes32:
    """@notice The EIP-3009 nonce a buyer signs for `buyWithAuthorization`."""
    return self._authorization_nonce(plan_id, commitment, purchase_nonce)


@external
def cancel(token_id: uint256):
    """@notice The owner ends an entitlement early (plans with REFUND_AT_EXPIRY_OR_CANCEL only).
       The unused escrow is refunded when UsageSettlement closes the entitlement, and the supply
       unit is free again at once (the cap counts entitlements sold and not cancelled)."""
    ent: uint256 = self._ent[token_id]
    assert ent != 0, "entitlement: unknown"
    assert msg.sender == convert(ent & MASK160, address), "caller: not owner"
    assert (ent >> 232) & 255 == 0, "entitlement: already cancelled"
    plan_id: uint256 = (ent >> 160) & MASK32
    core: uint256 = self._planCore[plan_id]
    assert convert((core >> 240) & 255, uint8) == REFUND_AT_EXPIRY_OR_CANCEL, "plan: not cancellable"
    assert block.timestamp < ((ent >> 192) & MASK40) + ((core >> 128) & MASK40), "entitlement: expired"
    self._ent[token_id] = ent | (1 << 232)
    self._planCore[plan_id] = core - (1 << 200)
    self.cancelledAt[token_id] = block.timestamp
    log Cancelled(id=token_id, at=block.timestamp)


@external
def markDelivered(token_id: uint256, install_result_hash: bytes32):
    """@notice The plan's SM-DP+, active in the registry, records that the profile was installed:
       `install_result_hash` is the SHA-256 of the eUICC-signed ProfileInstallationResult it
       received at HandleNotification. Only before the activation deadline and while live."""
    ent: uint256 = self._ent[token_id]
    assert ent != 0, "entitlement: unknown"
    plan_id: uint256 = (ent >> 160) & MASK32
    smdp: address = self._planSmdp[plan_id]
    assert msg.sender == smdp, "caller: not the plan's SM-DP+"
    assert staticcall ITrustRegistry(REGISTRY).isActive(smdp, ROLE_SMDP), "smdp: not active"
    assert install_result_hash != empty(bytes32), "install result: zero hash"
    assert (ent >> 240) & 255 == 0, "entitlement: already delivered"
    assert (ent >> 232) & 255 == 0, "entitlement: cancelled"
    assert block.timestamp < self._deadline(ent, self._planNetwork[plan_id]), "delivery: deadline passed"
    self._ent[token_id] = ent | (1 << 240)
    self.installResultHash[token_id] = install_result_hash
    log Delivered(id=token_id, smdp=smdp, installResultHash=install_result_hash, at=block.timestamp)


@external
def bindCommitment(token_id: uint256, commitment: bytes32):
    """@notice The owner of a transferred entitlement (a transfer unbinds it) binds it to its own
       `commitment = keccak256(EID || salt)`."""
    ent: uint256 = self._ent[token_id]
    assert ent != 0, "entitlement: unknown"
    assert msg.sender == convert(ent & MASK160, address), "caller: not owner"
    assert commitment != empty(bytes32), "commitment: zero"
    assert self._commitment[token_id] == empty(bytes32), "commitment: already bound"
    self._commitment[token_id] = commitment
    log CommitmentBound(id=token_id, commitment=commitment)


# ---------------------------------------------------------------- entitlement views

@pure
@internal
def _deadline(ent: uint256, network: uint256) -> uint256:
    """Activation deadline: start + the plan's activation window."""
    return ((ent >> 192) & MASK40) + (network >> 224)


@view
@internal
def _end(token_id: uint256, ent: uint256, core: uint256) -> uint256:
    if (ent >> 232) & 255 != 0:
        return self.cancelledAt[token_id]
    return ((ent >> 192) & MASK40) + ((core >> 128) & MASK40)


@view
@external
def entitlement(token_id: uint256) -> (bytes32, uint256, uint256, uint256, uint8, address):
    """
    @notice (commitment, planId, start, end, status, owner). `end` is the expiry, or the
            cancellation time for a cancelled entitlement. status: 0 none, 1 active,
            2 expired, 3 cancelled.
    """
    ent: uint256 = self._ent[token_id]
    if ent == 0:
        return empty(bytes32), 0, 0, 0, STATUS_NONE, empty(address)
    plan_id: uint256 = (ent >> 160) & MASK32
    end: uint256 = self._end(token_id, ent, self._planCore[plan_id])
    status: uint8 = STATUS_ACTIVE
    if (ent >> 232) & 255 != 0:
        status = STATUS_CANCELLED
    elif block.timestamp >= end:
        status = STATUS_EXPIRED
    return self._commitment[token_id], plan_id, (ent >> 192) & MASK40, end, status, convert(ent & MASK160, address)


@view
@external
def isLive(token_id: uint256, commitment: bytes32) -> bool:
    """@notice True iff the entitlement exists, is neither expired nor cancelled nor undelivered past
       its activation deadline, and is bound to `commitment`."""
    ent: uint256 = self._ent[token_id]
    if ent == 0 or (ent >> 232) & 255 != 0:
        return False
    plan_id: uint256 = (ent >> 160) & MASK32
    if block.timestamp >= self._end(token_id, ent, self._planCore[plan_id]):
        return False
    if (ent >> 240) & 255 == 0 and block.timestamp >= self._deadline(ent, self._planNetwork[plan_id]):
        return False
    return commitment != empty(bytes32) and self._commitment[token_id] == commitment   # unbound: never live


@view
@external
def deliveryTerms(token_id: uint256) -> (address, bytes32, uint256, bytes32):
    """@notice What the SM-DP+ gate needs: (smdp, profileType, activationDeadline,
       installResultHash (zero until delivered)). All zero for an unknown id."""
    ent: uint256 = self._ent[token_id]
    if ent == 0:
        return empty(address), empty(bytes32), 0, empty(bytes32)
    plan_id: uint256 = (ent >> 160) & MASK32
    return (self._planSmdp[plan_id], self._planProfileType[plan_id],
            self._deadline(ent, self._planNetwork[plan_id]), self.installResultHash[token_id])


@view
@external
def settlementTerms(token_id: uint256) -> (address, uint256, uint256, address, address, uint256, uint256, uint256, uint8, uint8, bool, uint256):
    """
    @notice What UsageSettlement needs in one call: (owner, start, end, mno, mvno, marginBps,
            price, planBytes, refundRule, usagePoster, delivered, activationDeadline).
            All zero for an unknown id.
    """
    ent: uint256 = self._ent[token_id]
    if ent == 0:
        return empty(address), 0, 0, empty(address), empty(address), 0, 0, 0, 0, 0, False, 0
    plan_id: uint256 = (ent >> 160) & MASK32
    core: uint256 = self._planCore[plan_id]
    parties: uint256 = self._planParties[plan_id]
    network: uint256 = self._planNetwork[plan_id]
    return (convert(ent & MASK160, address), (ent >> 192) & MASK40, self._end(token_id, ent, core),
            convert(network & MASK160, address), convert(parties & MASK160, address),
            (parties >> 160) & 65535, core & MASK128, ((network >> 160) & MASK64) * BYTES_PER_MB,
            convert((core >> 240) & 255, uint8), convert((core >> 234) & 1, uint8),
            (ent >> 240) & 255 != 0, self._deadline(ent, network))


@view
@external
def ownerOf(token_id: uint256) -> address:
    return convert(self._ent[token_id] & MASK160, address)


# ---------------------------------------------------------------- ERC-1155

@view
@external
def supportsInterface(interface_id: bytes4) -> bool:
    return interface_id in [0x01ffc9a7, 0xd9b67a26, 0x0e89341c]


@view
@external
def uri(token_id: uint256) -> String[256]:
    return self._uri


@view
@internal
def _balance(owner: address, token_id: uint256) -> uint256:
    ent: uint256 = self._ent[token_id]
    if ent != 0 and convert(ent & MASK160, address) == owner:
        return 1
    return 0


@view
@external
def balanceOf(owner: address, token_id: uint256) -> uint256:
    assert owner != empty(address), "balance query for zero address"
    return self._balance(owner, token_id)


@view
@external
def balanceOfBatch(owners: DynArray[address, MAX_BATCH], ids: DynArray[uint256, MAX_BATCH]) -> DynArray[uint256, MAX_BATCH]:
    assert len(owners) == len(ids), "length mismatch"
    out: DynArray[uint256, MAX_BATCH] = []
    for i: uint256 in range(len(owners), bound=MAX_BATCH):
        assert owners[i] != empty(address), "balance query for zero address"
        out.append(self._balance(owners[i], ids[i]))
    return out


@external
def setApprovalForAll(operator: address, approved: bool):
    assert operator != msg.sender, "approval: self"
    self.isApprovedForAll[msg.sender][operator] = approved
    log ApprovalForAll(owner=msg.sender, operator=operator, approved=approved)


@internal
def _move(sender: address, receiver: address, token_id: uint256, amount: uint256):
    assert amount <= self._balance(sender, token_id), "insufficient balance"
    if amount == 0:
        return
    ent: uint256 = self._ent[token_id]
    plan_id: uint256 = (ent >> 160) & MASK32
    core: uint256 = self._planCore[plan_id]
    assert (core >> 233) & 1 == 0, "soulbound"
    if core & HAS_REQUIREMENT != 0 and sender != receiver:
        self._check_identity(plan_id, receiver)
    self._ent[token_id] = (ent & ~MASK160) | convert(receiver, uint256)
    # the seller's EID commitment stops being live; the new owner binds its own (bindCommitment)
    if sender != receiver and self._commitment[token_id] != empty(bytes32):
        self._commitment[token_id] = empty(bytes32)
        log CommitmentBound(id=token_id, commitment=empty(bytes32))


@internal
def _check_receiver(operator: address, sender: address, receiver: address, token_id: uint256,
                    amount: uint256, data: Bytes[1024]):
    if receiver.is_contract:
        ret: bytes4 = extcall IERC1155Receiver(receiver).onERC1155Received(operator, sender, token_id, amount, data)
        assert ret == ERC1155_RECEIVED, "receiver: rejected"


@external
@nonreentrant
def safeTransferFrom(sender: address, receiver: address, id: uint256, amount: uint256, data: Bytes[1024]):
    assert receiver != empty(address), "transfer to zero address"
    assert sender == msg.sender or self.isApprovedForAll[sender][msg.sender], "caller: not owner nor approved"
    self._move(sender, receiver, id, amount)
    log TransferSingle(operator=msg.sender, sender=sender, receiver=receiver, id=id, value=amount)
    self._check_receiver(msg.sender, sender, receiver, id, amount, data)


@external
@nonreentrant
def safeBatchTransferFrom(sender: address, receiver: address, ids: DynArray[uint256, MAX_BATCH],
                          amounts: DynArray[uint256, MAX_BATCH], data: Bytes[1024]):
    assert receiver != empty(address), "transfer to zero address"
    assert len(ids) == len(amounts), "length mismatch"
    assert sender == msg.sender or self.isApprovedForAll[sender][msg.sender], "caller: not owner nor approved"
    for i: uint256 in range(len(ids), bound=MAX_BATCH):
        self._move(sender, receiver, ids[i], amounts[i])
    log TransferBatch(operator=msg.sender, sender=sender, receiver=receiver, ids=ids, values=amounts)
    if receiver.is_contract:
        ret: bytes4 = extcall IERC1155Receiver(receiver).onERC1155BatchReceived(msg.sender, sender, ids, amounts, data)
        assert ret == ERC1155_BATCH_RECEIVED, "receiver: rejected"
