"""Gas ceilings from real receipts (gas_report.py's scenario on eth-tester). Gas is deterministic,
so these are exact-behaviour assertions, not timing assertions."""
import pytest

import gas_report


@pytest.fixture(scope="module")
def gas():
    s = gas_report.Scenario()
    try:
        yield s.run()
    finally:
        s.close()


def test_targets(gas):
    assert gas["PlanEntitlements.buy"] <= 120_000
    assert gas["UsageSettlement.postUsage (1 CDR)"] <= 80_000
    assert gas["UsageSettlement.settle"] <= 80_000


def test_post_usage_gas_is_independent_of_cdr_count(gas):
    one, thousand = gas["UsageSettlement.postUsage (1 CDR)"], gas["UsageSettlement.postUsage (1000 CDRs)"]
    assert abs(one - thousand) <= 100   # only the calldata bytes of the root and the counts differ


def test_first_time_costs_stay_bounded(gas):
    # zero-to-nonzero storage writes that happen once per deployment, entitlement or recipient
    assert gas["PlanEntitlements.buy (first purchase ever: escrow balance 0 -> >0)"] <= 140_000
    assert gas["UsageSettlement.postUsage (first batch, to be disputed)"] <= 100_000
    assert gas["UsageSettlement.postUsage (first batch of an entitlement, 1 CDR)"] <= 115_000
    assert gas["UsageSettlement.settle (first payout to MNO and MVNO)"] <= 85_000
    assert gas["PlanEntitlements.buyWithAuthorization"] <= 145_000
    assert gas["UsageSettlement.dispute (5 CDRs)"] <= 60_000
    assert gas["UsageSettlement.close (refund)"] <= 80_000
