"""Fixtures of the contract tests in this folder (the deployed system is in ../conftest.py)."""
import pytest

from roaming_support import make_roam
from usage import Ledgers


@pytest.fixture
def led(world):
    """The entitlements' usage ledgers, each change checked against LedgerUpdated and ledgerHash."""
    return Ledgers(world)


@pytest.fixture
def roam(world):
    """RoamingClearing on the world's registry and stablecoin, with a second MNO and staked auditors."""
    return make_roam(world)
