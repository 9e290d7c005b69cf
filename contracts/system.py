"""Deploys and wires the OpenRSP contracts inside titanoboa's in-process EVM, with named test
accounts (deterministic keys) and a listed plan. Used by the tests and by gas_report.py."""
from dataclasses import dataclass, field
from pathlib import Path

import boa
from eth_account import Account
from eth_hash.auto import keccak

SRC = Path(__file__).resolve().parent / "src"

ROLE_CI, ROLE_EUM, ROLE_SMDP, ROLE_SMDS, ROLE_MNO, ROLE_MVNO, ROLE_KYC = 1, 2, 3, 4, 5, 6, 7
# IdentityRegistry predicate bits (a public convention)
PRED_KYC, PRED_AGE_OVER_18, PRED_EU_RESIDENT = 1, 2, 4
REFUND_NONE, REFUND_AT_EXPIRY, REFUND_AT_EXPIRY_OR_CANCEL = 0, 1, 2
POSTER_MNO, POSTER_MVNO = 0, 1
DAY = 86400
DISPUTE_WINDOW = DAY
POSTING_GRACE = 2 * DAY     # at least DISPUTE_WINDOW + 1 h (UsageSettlement.MIN_FINAL_POST_TIME)
PRICE = 10_000_000          # 10.000000 tUSD
DATA_MB = 5000              # 5 GB
VALIDITY = 30 * DAY
MARGIN_BPS = 1500
MAX_MARGIN_BPS = 5000       # what the MNO approves the MVNO for
ACTIVATION_WINDOW = 7 * DAY
PROFILE_TYPE = keccak(b"OpenRSP Test Profile")   # a profile type id: keccak256 of the type name
MB = 1_000_000


def key_for(name: str):
    return Account.from_key(keccak(b"openrsp-test-" + name.encode()))


def sha(name: str) -> bytes:
    import hashlib
    return hashlib.sha256(name.encode()).digest()


@dataclass
class World:
    token: object
    registry: object
    plans: object
    settlement: object
    gov: str
    mno: str
    mvno: str
    buyer: object     # eth_account LocalAccount (has a key, signs EIP-712)
    other: object
    opkey: object     # an MNO operator key
    relayer: str
    smdp: str         # the plans' SM-DP+ (registered SMDP entity)
    plan_id: int
    extra: dict = field(default_factory=dict)
    identity: object = None   # IdentityRegistry (wired into plans with setIdentityRegistry)

    def list_plan(self, **kw) -> int:
        """Lists a plan as the MVNO; keyword arguments override the default terms (soulbound, as
        the contract's default, unless transferable=True)."""
        args = dict(mno=self.mno, data_mb=DATA_MB, validity=VALIDITY, price=PRICE, margin_bps=MARGIN_BPS,
                    supply_cap=1000, transferable=False, refund_rule=REFUND_AT_EXPIRY_OR_CANCEL,
                    usage_poster=POSTER_MNO, smdp=self.smdp, profile_type=PROFILE_TYPE,
                    activation_window=ACTIVATION_WINDOW)
        args.update(kw)
        with boa.env.prank(self.mvno):
            return self.plans.listPlan(args["mno"], args["data_mb"], args["validity"], args["price"],
                                       args["margin_bps"], args["supply_cap"], args["transferable"],
                                       args["refund_rule"], args["usage_poster"], args["smdp"],
                                       args["profile_type"], args["activation_window"])

    def deliver(self, tid: int, install_result: bytes = b"ProfileInstallationResult"):
        """The plan's SM-DP+ records delivery with the hash of a (test) install result."""
        import hashlib
        with boa.env.prank(self.smdp):
            self.plans.markDelivered(tid, hashlib.sha256(install_result + tid.to_bytes(8, "big")).digest())

    def fund(self, who: str, amount: int = 100 * PRICE):
        with boa.env.prank(self.gov):
            self.token.mint(who, amount)
        with boa.env.prank(who):
            self.token.approve(self.plans.address, 2**256 - 1)

    def buy(self, who: str | None = None, plan_id: int | None = None, commitment: bytes | None = None,
            deliver: bool = True) -> int:
        """Buys a plan; with `deliver` (default) the SM-DP+ then records the profile delivered."""
        who = who or self.buyer.address
        # test commitment: opaque to the contract (real ones hash the 16 BCD bytes of the EID and a salt)
        commitment = commitment or keccak(b"89049032000000000000000000000001" + b"salt")
        with boa.env.prank(who):
            tid = self.plans.buy(plan_id or self.plan_id, commitment)
        if deliver:
            self.deliver(tid)
        return tid


def deploy_world(token=None) -> World:
    """The whole system; `token` replaces TestStablecoin (e.g. tests/OddToken.vy, minted by anyone)."""
    gov = boa.env.generate_address("governance")
    mno = boa.env.generate_address("mno")
    mvno = boa.env.generate_address("mvno")
    smdp = boa.env.generate_address("smdp")
    relayer = boa.env.generate_address("relayer")
    buyer, other, opkey = key_for("buyer"), key_for("other"), key_for("operator-key")
    with boa.env.prank(gov):
        token = token or boa.load(str(SRC / "TestStablecoin.vy"), name="TestStablecoin")
        registry = boa.load(str(SRC / "TrustRegistry.vy"), gov, name="TrustRegistry")
        plans = boa.load(str(SRC / "PlanEntitlements.vy"), registry.address, token.address,
                         "https://openrsp.example/entitlement/{id}.json", name="PlanEntitlements")
        settlement = boa.load(str(SRC / "UsageSettlement.vy"), registry.address, plans.address, token.address,
                              DISPUTE_WINDOW, POSTING_GRACE, name="UsageSettlement")
        plans.setSettlement(settlement.address)
        identity = boa.load(str(SRC / "IdentityRegistry.vy"), registry.address, name="IdentityRegistry")
        plans.setIdentityRegistry(identity.address)
        registry.register(mno, ROLE_MNO, "Example MNO", sha("mno-spki"), sha("mno-cert"))
        registry.register(mvno, ROLE_MVNO, "Example MVNO", sha("mvno-spki"), sha("mvno-cert"))
        registry.register(smdp, ROLE_SMDP, "Plans SM-DP+", sha("plans-smdp-spki"), sha("plans-smdp-cert"))
    with boa.env.prank(mno):
        registry.registerOperatorKey(opkey.address)
        registry.approveMvno(mvno, MAX_MARGIN_BPS)
    with boa.env.prank(opkey.address):
        registry.acceptOperatorKey(mno)
    w = World(token, registry, plans, settlement, gov, mno, mvno, buyer, other, opkey, relayer, smdp, 0,
              identity=identity)
    w.plan_id = w.list_plan(transferable=True)   # the main plan is transferable, for the transfer tests
    for who in (buyer.address, other.address):
        w.fund(who)
    return w
