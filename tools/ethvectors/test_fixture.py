"""The committed EthereumCore fixture must be exactly what eth-account produces today."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import generate  # noqa: E402


def test_committed_fixture_is_eth_account_output():
    committed = generate.FIXTURE.read_text(encoding="utf-8")
    assert committed == generate.render()


def test_fixture_covers_every_transaction_kind():
    kinds = {tx["kind"] for tx in generate.build()["transactions"]}
    assert kinds == {"legacy", "eip2930", "eip1559"}
