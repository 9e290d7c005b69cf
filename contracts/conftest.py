"""Shared fixtures for the contract tests: one deployed, wired system per session, and a
state snapshot (boa anchor) around every test so tests never see each other's changes."""
import sys
from pathlib import Path

import boa
import pytest

CONTRACTS = Path(__file__).resolve().parent
sys.path.insert(0, str(CONTRACTS))

import system  # noqa: E402  (contracts/system.py: titanoboa deployment of the whole system)

DEVNET_CHAIN_ID = 31337


@pytest.fixture(scope="session")
def world():
    boa.env.evm.patch.chain_id = DEVNET_CHAIN_ID
    return system.deploy_world()


@pytest.fixture(autouse=True)
def _isolate(request):
    if "world" in request.fixturenames:
        with boa.env.anchor():
            yield
    else:
        yield
