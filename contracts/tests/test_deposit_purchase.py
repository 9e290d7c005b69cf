"""The x402 plan purchase (issue 16 item 3): the buyer pays the plan price with a standard x402
`exact` payment (EIP-3009 TransferWithAuthorization, which anyone may submit) to a deposit address
derived from (buyer, plan, commitment, purchase nonce); `buyFromDeposit` mints from it. Each test
is an attack or a refusal that must hold: front-running the payment or the purchase, redirecting it
to another buyer, plan or commitment, buying twice, underpaying, stealing the deposit, and the
buyer's way back when the purchase cannot happen."""
import os

import boa
from eth_abi import encode
from eth_hash.auto import keccak

import sign712 as s712
from system import PRICE, SRC

SALT_TYPEHASH = keccak(b"OpenRSP.PlanEntitlements.deposit(address buyer,uint256 planId,bytes32 commitment,bytes32 purchaseNonce)")


def commitment_for(n: int) -> bytes:
    return keccak(bytes.fromhex("89049032000000000000000000000001") + n.to_bytes(32, "big"))


def create2_deposit(world, buyer: str, plan_id: int, commitment: bytes, nonce: bytes) -> str:
    """The deposit address computed here, independently of the contract: CREATE2 of the EIP-1167 proxy
    (as Vyper's create_minimal_proxy_to deploys it) to DEPOSIT_SWEEPER."""
    salt = keccak(encode(["bytes32", "address", "uint256", "bytes32", "bytes32"],
                         [SALT_TYPEHASH, buyer, plan_id, commitment, nonce]))
    sweeper = bytes.fromhex(world.plans.DEPOSIT_SWEEPER()[2:])
    init = bytes.fromhex("602d3d8160093d39f3363d3d373d3d3d363d73") + sweeper + bytes.fromhex("5af43d82803e903d91602b57fd5bf3")
    digest = keccak(b"\xff" + bytes.fromhex(world.plans.address[2:]) + salt + keccak(init))
    return "0x" + digest[12:].hex()


def pay(world, payer, to: str, amount: int, submitter: str) -> bytes:
    """The x402 `exact` payment: the payer signs TransferWithAuthorization(payer → to) with a random
    nonce, as x402 clients do; `submitter` (a facilitator, or anyone who saw it) sends it."""
    nonce = os.urandom(32)
    dom = s712.domain_separator(world.token.address, 31337)
    vb = boa.env.timestamp + 600
    v, r, s = s712.sign(payer, dom, s712.authorization_hash(s712.TWA_TYPEHASH, payer.address, to, amount, 0, vb, nonce))
    with boa.env.prank(submitter):
        world.token.transferWithAuthorization(payer.address, to, amount, 0, vb, nonce, v, r, s)
    return nonce


def deposit_of(world, buyer: str, commitment: bytes, nonce: bytes, plan_id=None) -> str:
    return world.plans.depositAddress(buyer, plan_id or world.plan_id, commitment, nonce)


def test_deposit_address_is_the_create2_address_computed_independently(world):
    commitment, nonce = commitment_for(1), os.urandom(32)
    expected = create2_deposit(world, world.buyer.address, world.plan_id, commitment, nonce)
    assert deposit_of(world, world.buyer.address, commitment, nonce).lower() == expected.lower()
    pay(world, world.buyer, expected, PRICE, world.relayer)
    with boa.env.prank(world.relayer):
        tid = world.plans.buyFromDeposit(world.buyer.address, world.plan_id, commitment, nonce)
    assert len(boa.env.get_code(expected)) == 45   # the EIP-1167 proxy now lives exactly there
    (log,) = [e for e in world.plans.get_logs() if type(e).__name__ == "DepositPurchase"]
    assert (log.id, log.deposit.lower()) == (tid, expected.lower())


def test_paid_deposit_mints_to_the_buyer_for_its_commitment_whoever_submits(world):
    commitment, nonce = commitment_for(2), os.urandom(32)
    deposit = deposit_of(world, world.buyer.address, commitment, nonce)
    escrow_before = world.token.balanceOf(world.settlement.address)
    buyer_before = world.token.balanceOf(world.buyer.address)
    stranger = boa.env.generate_address("front-runner")
    pay(world, world.buyer, deposit, PRICE, stranger)          # the payment front-run by a stranger: harmless
    with boa.env.prank(stranger):                               # and the purchase sent by the stranger too
        tid = world.plans.buyFromDeposit(world.buyer.address, world.plan_id, commitment, nonce)
    assert world.plans.ownerOf(tid) == world.buyer.address
    assert world.plans.isLive(tid, commitment)
    assert world.token.balanceOf(deposit) == 0
    assert world.token.balanceOf(world.settlement.address) == escrow_before + PRICE
    assert world.token.balanceOf(world.buyer.address) == buyer_before - PRICE
    assert world.token.balanceOf(stranger) == 0


def test_a_payment_cannot_be_redirected_to_another_buyer_commitment_or_plan(world):
    commitment, nonce = commitment_for(3), os.urandom(32)
    deposit = deposit_of(world, world.buyer.address, commitment, nonce)
    pay(world, world.buyer, deposit, PRICE, world.relayer)
    attacker = world.other.address
    other_plan = world.list_plan()
    for buyer, plan_id, c, n in [(attacker, world.plan_id, commitment, nonce),          # another buyer
                                 (world.buyer.address, world.plan_id, commitment_for(99), nonce),   # another EID
                                 (world.buyer.address, other_plan, commitment, nonce),  # another plan
                                 (world.buyer.address, world.plan_id, commitment, os.urandom(32))]:
        with boa.env.prank(attacker), boa.reverts("deposit: not paid"):
            world.plans.buyFromDeposit(buyer, plan_id, c, n)
    assert world.token.balanceOf(deposit) == PRICE      # untouched, still buys what it was paid for
    with boa.env.prank(attacker):
        tid = world.plans.buyFromDeposit(world.buyer.address, world.plan_id, commitment, nonce)
    assert world.plans.ownerOf(tid) == world.buyer.address


def test_a_deposit_buys_once(world):
    commitment, nonce = commitment_for(4), os.urandom(32)
    deposit = deposit_of(world, world.buyer.address, commitment, nonce)
    pay(world, world.buyer, deposit, PRICE, world.relayer)
    pay(world, world.buyer, deposit, PRICE, world.relayer)   # paid twice by mistake
    with boa.env.prank(world.relayer):
        tid = world.plans.buyFromDeposit(world.buyer.address, world.plan_id, commitment, nonce)
    with boa.env.prank(world.relayer), boa.reverts("deposit: already used"):
        world.plans.buyFromDeposit(world.buyer.address, world.plan_id, commitment, nonce)
    assert world.plans.ownerOf(tid) == world.buyer.address
    # the second payment is the buyer's to take back, and only the buyer's
    with boa.env.prank(world.other.address), boa.reverts("deposit: empty"):
        world.plans.withdrawDeposit(world.plan_id, commitment, nonce)
    before = world.token.balanceOf(world.buyer.address)
    with boa.env.prank(world.buyer.address):
        assert world.plans.withdrawDeposit(world.plan_id, commitment, nonce) == PRICE
    assert world.token.balanceOf(world.buyer.address) == before + PRICE
    assert world.token.balanceOf(deposit) == 0


def test_an_unpaid_or_underpaid_deposit_mints_nothing(world):
    commitment, nonce = commitment_for(5), os.urandom(32)
    deposit = deposit_of(world, world.buyer.address, commitment, nonce)
    with boa.env.prank(world.relayer), boa.reverts("deposit: not paid"):
        world.plans.buyFromDeposit(world.buyer.address, world.plan_id, commitment, nonce)
    pay(world, world.buyer, deposit, PRICE - 1, world.relayer)
    with boa.env.prank(world.relayer), boa.reverts("deposit: not paid"):
        world.plans.buyFromDeposit(world.buyer.address, world.plan_id, commitment, nonce)
    assert boa.env.get_code(deposit) == b""
    pay(world, world.buyer, deposit, 1, world.relayer)      # topped up: now it buys
    with boa.env.prank(world.relayer):
        world.plans.buyFromDeposit(world.buyer.address, world.plan_id, commitment, nonce)
    with boa.env.prank(world.relayer), boa.reverts("buyer: zero address"):
        world.plans.buyFromDeposit("0x" + "00" * 20, world.plan_id, commitment, nonce)


def test_nobody_but_the_contract_moves_a_deposit(world):
    commitment, nonce = commitment_for(6), os.urandom(32)
    deposit = deposit_of(world, world.buyer.address, commitment, nonce)
    pay(world, world.buyer, deposit, 2 * PRICE, world.relayer)
    with boa.env.prank(world.relayer):
        world.plans.buyFromDeposit(world.buyer.address, world.plan_id, commitment, nonce)
    sweeper_code = (SRC / "DepositSweeper.vy")
    attacker = world.other.address
    deployer = boa.loads_partial(sweeper_code.read_text(), name="DepositSweeper")
    for target in (deposit, world.plans.DEPOSIT_SWEEPER()):
        with boa.env.prank(attacker), boa.reverts("sweeper: not the creator"):
            deployer.at(target).pay(world.token.address, attacker, PRICE)
    assert world.token.balanceOf(deposit) == PRICE


def test_a_payment_that_cannot_buy_goes_back_to_the_buyer_and_closes_the_deposit(world):
    plan_id = world.list_plan(supply_cap=1)
    commitment, nonce = commitment_for(7), os.urandom(32)
    deposit = deposit_of(world, world.buyer.address, commitment, nonce, plan_id)
    pay(world, world.buyer, deposit, PRICE, world.relayer)
    world.buy(who=world.other.address, plan_id=plan_id)        # the last unit sold meanwhile
    with boa.env.prank(world.relayer), boa.reverts("plan: sold out"):
        world.plans.buyFromDeposit(world.buyer.address, plan_id, commitment, nonce)
    before = world.token.balanceOf(world.buyer.address)
    with boa.env.prank(world.buyer.address):
        world.plans.withdrawDeposit(plan_id, commitment, nonce)
    assert world.token.balanceOf(world.buyer.address) == before + PRICE
    with boa.env.prank(world.buyer.address), boa.reverts("deposit: empty"):
        world.plans.withdrawDeposit(plan_id, commitment, nonce)
    # closed: paying it again and buying is refused, the payment stays withdrawable
    pay(world, world.buyer, deposit, PRICE, world.relayer)
    with boa.env.prank(world.relayer), boa.reverts("deposit: already used"):
        world.plans.buyFromDeposit(world.buyer.address, plan_id, commitment, nonce)
    with boa.env.prank(world.buyer.address):
        assert world.plans.withdrawDeposit(plan_id, commitment, nonce) == PRICE


def test_withdrawing_an_empty_deposit_changes_nothing(world):
    commitment, nonce = commitment_for(8), os.urandom(32)
    deposit = deposit_of(world, world.buyer.address, commitment, nonce)
    with boa.env.prank(world.buyer.address), boa.reverts("deposit: empty"):
        world.plans.withdrawDeposit(world.plan_id, commitment, nonce)
    assert boa.env.get_code(deposit) == b""      # the revert undid the deposit's creation: it still buys
    pay(world, world.buyer, deposit, PRICE, world.relayer)
    with boa.env.prank(world.relayer):
        world.plans.buyFromDeposit(world.buyer.address, world.plan_id, commitment, nonce)


def test_the_sweeper_code_is_the_committed_source():
    import json
    artifact = json.loads((SRC.parent / "build" / "DepositSweeper.json").read_text())
    source = (SRC / "PlanEntitlements.vy").read_text()
    assert f'x"{artifact["bytecode"][2:]}"' in source
