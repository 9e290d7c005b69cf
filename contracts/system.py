"""Deploys and wires the OpenRSP contracts inside titanoboa's in-process EVM, with named test
accounts (deterministic keys) and a listed plan. Used by the tests and by gas_report.py."""
from dataclasses import dataclass, field
from pathlib import Path

import boa
from eth_account import Account
from eth_hash.auto import keccak

SRC = Path(__file__).resolve().parent / "src"

ROLE_CI, ROLE_EUM, ROLE_SMDP, ROLE_SMDS, ROLE_MNO, ROLE_MVNO = 1, 2, 3, 4, 5, 6
REFUND_NONE, REFUND_AT_EXPIRY, REFUND_AT_EXPIRY_OR_CANCEL = 0, 1, 2
POSTER_MNO, POSTER_MVNO = 0, 1
DAY = 86400
DISPUTE_WINDOW = DAY
POSTING_GRACE = 3600
PRICE = 10_000_000          # 10.000000 tUSD
DATA_MB = 5000              # 5 GB
VALIDITY = 30 * DAY
MARGIN_BPS = 1500
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
    plan_id: int
    extra: dict = field(default_factory=dict)

    def list_plan(self, **kw) -> int:
        """Lists a plan as the MVNO; keyword arguments override the default terms."""
        args = dict(mno=self.mno, data_mb=DATA_MB, validity=VALIDITY, price=PRICE, margin_bps=MARGIN_BPS,
                    supply_cap=1000, soulbound=False, refund_rule=REFUND_AT_EXPIRY_OR_CANCEL,
                    usage_poster=POSTER_MNO)
        args.update(kw)
        with boa.env.prank(self.mvno):
            return self.plans.listPlan(args["mno"], args["data_mb"], args["validity"], args["price"],
                                       args["margin_bps"], args["supply_cap"], args["soulbound"],
                                       args["refund_rule"], args["usage_poster"])

    def fund(self, who: str, amount: int = 100 * PRICE):
        with boa.env.prank(self.gov):
            self.token.mint(who, amount)
        with boa.env.prank(who):
            self.token.approve(self.plans.address, 2**256 - 1)

    def buy(self, who: str | None = None, plan_id: int | None = None, commitment: bytes | None = None) -> int:
        who = who or self.buyer.address
        # test commitment: opaque to the contract (real ones hash the 16 BCD bytes of the EID and a salt)
        commitment = commitment or keccak(b"89049032000000000000000000000001" + b"salt")
        with boa.env.prank(who):
            return self.plans.buy(plan_id or self.plan_id, commitment)


def deploy_world(chain_ids=(1337, 31337)) -> World:
    gov = boa.env.generate_address("governance")
    mno = boa.env.generate_address("mno")
    mvno = boa.env.generate_address("mvno")
    relayer = boa.env.generate_address("relayer")
    buyer, other, opkey = key_for("buyer"), key_for("other"), key_for("operator-key")
    with boa.env.prank(gov):
        token = boa.load(str(SRC / "TestStablecoin.vy"), list(chain_ids), name="TestStablecoin")
        registry = boa.load(str(SRC / "TrustRegistry.vy"), gov, name="TrustRegistry")
        plans = boa.load(str(SRC / "PlanEntitlements.vy"), registry.address, token.address,
                         "https://openrsp.example/entitlement/{id}.json", name="PlanEntitlements")
        settlement = boa.load(str(SRC / "UsageSettlement.vy"), registry.address, plans.address, token.address,
                              DISPUTE_WINDOW, POSTING_GRACE, name="UsageSettlement")
        plans.setSettlement(settlement.address)
        registry.register(mno, ROLE_MNO, "Example MNO", sha("mno-spki"), sha("mno-cert"))
        registry.register(mvno, ROLE_MVNO, "Example MVNO", sha("mvno-spki"), sha("mvno-cert"))
    with boa.env.prank(mno):
        registry.registerOperatorKey(opkey.address)
    w = World(token, registry, plans, settlement, gov, mno, mvno, buyer, other, opkey, relayer, 0)
    w.plan_id = w.list_plan()
    for who in (buyer.address, other.address):
        w.fund(who)
    return w
