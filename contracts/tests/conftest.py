"""Fixtures of the contract tests in this folder (the deployed system is in ../conftest.py)."""
import pytest

from usage import Ledgers


@pytest.fixture
def led(world):
    """The entitlements' usage ledgers, each change checked against LedgerUpdated and ledgerHash."""
    return Ledgers(world)
