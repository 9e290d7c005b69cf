"""Gas targets and ceilings from real receipts (gas_report.py's scenario on eth-tester). Gas is
deterministic, so these are exact-behaviour assertions, not timing assertions."""
import pytest

import gas_report


@pytest.fixture(scope="module")
def report():
    s = gas_report.Scenario()
    try:
        gas = s.run()
        per_cdr = s.per_settled_cdr([1, 1000])
        s.roaming((1, 1000))     # adds the RoamingClearing labels to gas
        st = s.c["UsageSettlement"]
        ledgers = {ent: (s.view(st, "ledgerHash(uint256)", ["uint256"], [ent], ["bytes32"])[0], led)
                   for ent, led in s.ledgers.items()}
        yield gas, per_cdr, ledgers
    finally:
        s.close()


def test_issue_8_targets(report):
    gas = report[0]
    for label, limit in gas_report.TARGETS.items():
        assert gas[label] <= limit, f"{label}: {gas[label]:,} gas > target {limit:,}"
    assert gas["PlanEntitlements.buy"] <= 120_000
    assert gas["UsageSettlement.postUsage (1 CDR)"] <= 80_000
    assert gas["UsageSettlement.settle"] <= 110_000
    # pull payments made settle cheaper (two credits instead of two token transfers): 62,397 at v2
    assert gas["UsageSettlement.settle"] <= 80_000


def test_every_post_stays_under_80k_the_first_of_an_entitlement_included(report):
    # the point of the hashed ledger: one storage word per entitlement, so a first post is no dearer than
    # the 80k target (it pays one zero-to-nonzero write; later posts a nonzero-to-nonzero one)
    gas = report[0]
    posts = {label: g for label, g in gas.items() if label.startswith("UsageSettlement.postUsage")}
    assert len(posts) == 5 and all(label in gas_report.TARGETS for label in posts)
    assert max(posts.values()) <= 80_000
    assert gas["UsageSettlement.postUsage (1 CDR)"] < gas["UsageSettlement.postUsage (first batch of an entitlement, 1 CDR)"]


def test_post_usage_gas_is_independent_of_cdr_count(report):
    gas, per_cdr, _ = report
    one, thousand = gas["UsageSettlement.postUsage (1 CDR)"], gas["UsageSettlement.postUsage (1000 CDRs)"]
    assert abs(one - thousand) <= 100   # only the calldata bytes of the root and the counts differ
    assert abs(gas["UsageSettlement.settle"] - gas["UsageSettlement.settle (1000 CDRs)"]) <= 100
    (n1, post1, settle1, _), (n2, post2, settle2, _) = per_cdr
    assert (n1, n2) == (1, 1000)
    assert abs(post1 - post2) <= 100 and abs(settle1 - settle2) <= 100


def test_gas_per_settled_cdr_falls_with_batch_size(report):
    _, per_cdr, _ = report
    (_, post1, settle1, each1), (_, post2, settle2, each2) = per_cdr
    assert each1 == post1 + settle1 and each2 == (post2 + settle2) / 1000
    assert each2 < each1 / 900     # (post + settle) is flat, so the per-CDR figure falls as 1/n
    assert post1 <= 80_000 and settle1 <= 80_000 and post2 <= 80_000 and settle2 <= 80_000


def test_first_time_costs_stay_bounded(report):
    gas = report[0]
    # zero-to-nonzero storage writes that happen once per deployment, entitlement or recipient
    assert gas["PlanEntitlements.buy (first purchase ever: escrow balance 0 -> >0)"] <= 120_000
    assert gas["UsageSettlement.postUsage (first batch of an entitlement, 1 CDR)"] <= 80_000
    assert gas["UsageSettlement.postUsage (first batch of an entitlement, to be disputed)"] <= 80_000
    assert gas["UsageSettlement.settle (first payout to MNO and MVNO)"] <= 110_000    # 106,125 at 2aa1007
    assert gas["PlanEntitlements.buyWithAuthorization"] <= 140_000
    # the x402 purchase creates the deposit address's 45-byte proxy (32,000 + 9,000) and calls it
    assert gas["PlanEntitlements.buyFromDeposit (x402 plan purchase)"] <= 155_000
    # a payment to a fresh address: its balance slot and the payer's nonce slot are new (2 × 22,100)
    assert gas["TestStablecoin.transferWithAuthorization (x402 payment to a deposit address)"] <= 85_000
    assert gas["UsageSettlement.dispute (5 CDRs)"] <= 55_000                         # 52,086 at 2aa1007
    # 91,041 at v2: the refund is credited (the owner's first credit creates its `owed` slot, 22,100)
    assert gas["UsageSettlement.close (refund)"] <= 95_000


def test_trust_checks_read_one_slot(report):
    # TrustRegistry keeps role | status | reason packed, and an operator key's MNO | status packed,
    # so registering a key or posting by key costs what these ceilings allow (one cold read each)
    gas = report[0]
    # v2: registering is an offer (one new slot) and the key's acceptance writes its packed slot
    assert gas["TrustRegistry.registerOperatorKey"] <= 51_000
    assert gas["TrustRegistry.acceptOperatorKey"] <= 50_000
    # 74,375 at 2aa1007: the operator-key check is one more cold call than an MNO's own post
    assert gas["UsageSettlement.postUsage (operator key, first batch of an entitlement, 3 CDRs)"] <= 80_000


def test_certificate_key_calls_stay_bounded(report):
    # addCertificate: three cold reads (owner, the entity's packed state, the (role, spkiHash) slot)
    # and one new slot; removeCertificate: four cold reads (those and the primary key hash), one
    # slot cleared (refund). Extra reads or writes would exceed these.
    gas = report[0]
    assert gas["TrustRegistry.addCertificate"] <= 52_000
    assert gas["TrustRegistry.removeCertificate"] <= 32_000


def test_report_passes_the_ledgers_the_contract_logged(report):
    # the scenario reads each entitlement's ledger back from LedgerUpdated in the receipts; at the end
    # every one it holds hashes to the contract's ledgerHash (entitlements 1-4 and the per-CDR one)
    _, _, ledgers = report
    assert len(ledgers) == 5
    for ent, (on_chain, led) in ledgers.items():
        assert on_chain == led.hash(), ent
    assert ledgers[2][1].closed and ledgers[3][1].settled_bytes > 0 and not ledgers[1][1].has_pending


def test_v2_calls_stay_bounded(report):
    # issue 20: pull payments, the poster's void, delivery records, supply freed on cancel
    gas = report[0]
    assert gas["UsageSettlement.withdraw"] <= 60_000                                    # 56,494 at v2
    assert gas["UsageSettlement.voidBatch"] <= 50_000                                   # 47,667 at v2
    assert gas["PlanEntitlements.markDelivered"] <= 65_000                              # 61,155 at v2
    assert gas["PlanEntitlements.cancel (frees the supply unit)"] <= 60_000             # 55,531 at v2
    assert gas["PlanEntitlements.bindCommitment"] <= 50_000                             # 47,793 at v2


def test_roaming_ceilings(report):
    # issue 19: commit per period, a netted settlement, one court round (real receipts)
    gas = report[0]
    for label, limit in gas_report.ROAMING_TARGETS.items():
        assert gas[label] <= limit, f"{label}: {gas[label]:,} gas > ceiling {limit:,}"
    court = [label for label in gas if label.startswith("RoamingClearing court round")]
    assert len(court) == 1
    parts = ("openCase", "drawPanel", "commitVote", "revealVote", "tally (3 void votes)", "execute (voided)")
    assert all(f"RoamingClearing.{p}" in gas for p in parts)
    # the round is at least its parts (3 commits and 3 reveals, of which one each is labelled)
    assert gas[court[0]] >= sum(gas[f"RoamingClearing.{p}"] for p in parts)


def test_roaming_commit_gas_is_constant_in_record_count(report):
    gas = report[0]
    g1, g2 = gas["RoamingClearing.commitRecords (1 records)"], gas["RoamingClearing.commitRecords (1,000 records)"]
    assert abs(g1 - g2) <= 100     # only the count and totals in calldata differ: the records are never read


def test_identity_calls_stay_bounded(report):
    # issue 17: figures at their first version in the comments (real receipts)
    gas = report[0]
    # two new slots (the packed attestation and the JWT commitment) and the issuer check (TrustRegistry.isActive)
    assert gas["IdentityRegistry.attest"] <= 80_000                                     # 74,721
    # two new slots (digest, anchoredAt) and the URI in the event
    assert gas["IdentityRegistry.anchorStatusList"] <= 80_000                           # 75,745
    # a 23-character DID: its length and data slots and the reverse lookup are three new slots
    assert gas["TrustRegistry.setDid"] <= 100_000                                       # 96,590
    assert gas["PlanEntitlements.setPlanRequirement"] <= 55_000                         # 52,467


def test_identity_requirement_costs_only_the_plans_that_have_one(report):
    gas = report[0]
    # a plan without a requirement tests one bit of the plan slot `buy` reads anyway: `buy` is unchanged
    # but for that test (101,970 before issue 17, 101,993 after)
    assert gas["PlanEntitlements.buy"] <= 102_100
    # a plan with one (117,044: +15,051): the requirement slot, the IdentityRegistry address slot and one staticcall to
    # `satisfies` (the attestation slot and TrustRegistry.isActive of its issuer, all cold)
    extra = gas["PlanEntitlements.buy (plan requiring identity predicates)"] - gas["PlanEntitlements.buy"]
    assert extra <= 16_000
    assert gas["PlanEntitlements.buy (plan requiring identity predicates)"] <= 120_000
