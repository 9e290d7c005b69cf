"""deploy.py against an in-process eth-tester chain behind a JSON-RPC shim on 127.0.0.1."""
import json
import os

import pytest
from eth_abi import decode
from eth_account import Account
from eth_hash.auto import keccak

import deploy
import ledger
from ethtester_rpc import Chain, serve


@pytest.fixture(scope="module")
def rpc_chain():
    """A devnet: chain id 1337, one of TestStablecoin's fixed devnet ids."""
    chain = Chain(chain_id=1337)
    server, url = serve(chain)
    yield chain, url
    server.shutdown()


@pytest.fixture(scope="module")
def public_chain():
    """eth-tester's default chain id (131277322940537): not a devnet."""
    chain = Chain()
    server, url = serve(chain)
    yield chain, url
    server.shutdown()


def funded_key(chain, seed: bytes) -> str:
    acct = Account.from_key(keccak(seed))
    t = chain.tester
    t.send_transaction({"from": t.get_accounts()[0], "to": acct.address, "value": 10**20, "gas": 21000})
    return acct.key.hex()


FUNDED = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"   # eth-tester's first default account


def call(rpc, to, sig, out_types, types=(), args=()):
    res = rpc("eth_call", {"from": FUNDED, "to": to, "data": "0x" + deploy.calldata(sig, list(types), list(args)).hex()}, "latest")
    return decode(out_types, bytes.fromhex(res[2:]))


def test_deploy_writes_addresses_and_wires_contracts(rpc_chain, tmp_path, capsys):
    chain, url = rpc_chain
    key = funded_key(chain, b"deployer-1")
    keyfile = tmp_path / "deployer.key"
    keyfile.write_text(key)
    os.chmod(keyfile, 0o600)
    out = tmp_path / "home" / "contracts.json"
    assert deploy.main(["--rpc-url", url, "--key-file", str(keyfile), "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    c = data["contracts"]
    assert set(c) == {"TestStablecoin", "Token", "TrustRegistry", "IdentityRegistry", "PlanEntitlements", "UsageSettlement",
                      "RoamingClearing"}
    assert data["chainId"] == 1337 and data["deployer"] == Account.from_key(key).address
    assert "UsageSettlement" in capsys.readouterr().out
    rpc = deploy.Rpc(url)
    (settlement,) = call(rpc, c["PlanEntitlements"], "settlement()", ["address"])
    assert settlement.lower() == c["UsageSettlement"].lower()
    (owner,) = call(rpc, c["TrustRegistry"], "owner()", ["address"])
    assert owner.lower() == data["deployer"].lower()
    (ents,) = call(rpc, c["UsageSettlement"], "ENTITLEMENTS()", ["address"])
    assert ents.lower() == c["PlanEntitlements"].lower()
    (window,) = call(rpc, c["UsageSettlement"], "DISPUTE_WINDOW()", ["uint256"])
    assert window == 86400
    # the deployed settlement's empty-ledger hash (set in its constructor) is ledger.py's
    (empty,) = call(rpc, c["UsageSettlement"], "EMPTY_LEDGER_HASH()", ["bytes32"])
    assert empty == ledger.EMPTY.hash()
    (fresh,) = call(rpc, c["UsageSettlement"], "ledgerHash(uint256)", ["bytes32"], ["uint256"], [1])
    assert fresh == empty
    # finding 12: every contract carries the version deploy.py records, and the registry names this
    # deployment as the current one
    assert data["version"] == deploy.VERSION == 2 and data["registryPointsHere"]
    for name in ("TestStablecoin", "TrustRegistry", "IdentityRegistry", "PlanEntitlements", "UsageSettlement", "RoamingClearing"):
        assert call(rpc, c[name], "VERSION()", ["uint256"]) == (deploy.VERSION,)
    assert call(rpc, c["TrustRegistry"], "deploymentVersion()", ["uint256"]) == (2,)
    (current,) = call(rpc, c["TrustRegistry"], "deploymentEntitlements()", ["address"])
    assert current.lower() == c["PlanEntitlements"].lower()
    # issue 17: the IdentityRegistry reads the same TrustRegistry and is wired into PlanEntitlements
    (reg,) = call(rpc, c["IdentityRegistry"], "REGISTRY()", ["address"])
    assert reg.lower() == c["TrustRegistry"].lower()
    (identity,) = call(rpc, c["PlanEntitlements"], "identityRegistry()", ["address"])
    assert identity.lower() == c["IdentityRegistry"].lower()
    assert {"deploy IdentityRegistry", "setIdentityRegistry(address)"} <= set(data["gasUsed"])
    (grace,) = call(rpc, c["UsageSettlement"], "POSTING_GRACE()", ["uint256"])
    assert grace == deploy.POSTING_GRACE >= window + 3600
    # RoamingClearing is wired to the same registry and token, with deploy.py's parameters
    for getter, expected in (("REGISTRY()", c["TrustRegistry"]), ("TOKEN()", c["Token"])):
        (got,) = call(rpc, c["RoamingClearing"], getter, ["address"])
        assert got.lower() == expected.lower()
    (review,) = call(rpc, c["RoamingClearing"], "REVIEW_WINDOW()", ["uint256"])
    assert review == deploy.ROAMING_WINDOW and data["roamingWindow"] == deploy.ROAMING_WINDOW
    (objection,) = call(rpc, c["RoamingClearing"], "OBJECTION_PERIOD()", ["uint256"])
    assert objection == deploy.COURT_PERIOD


def test_deploy_with_env_key_and_existing_token_on_non_devnet(public_chain, tmp_path, monkeypatch):
    chain, url = public_chain
    monkeypatch.setenv("OPENRSP_TEST_KEY", funded_key(chain, b"deployer-2"))
    monkeypatch.setenv("OPENRSP_HOME", str(tmp_path))
    # not a devnet and no --token: refuses to deploy the test-only stablecoin
    with pytest.raises(SystemExit, match="not a devnet"):
        deploy.main(["--rpc-url", url, "--private-key-env", "OPENRSP_TEST_KEY"])
    token = "0x" + "ab" * 20
    assert deploy.main(["--rpc-url", url, "--private-key-env", "OPENRSP_TEST_KEY", "--token", token]) == 0
    data = json.loads((tmp_path / "contracts.json").read_text())
    assert data["contracts"]["Token"].lower() == token and "TestStablecoin" not in data["contracts"]


def test_missing_env_key_is_an_error(monkeypatch):
    monkeypatch.delenv("OPENRSP_UNSET_KEY", raising=False)
    with pytest.raises(SystemExit, match="empty or unset"):
        deploy.main(["--private-key-env", "OPENRSP_UNSET_KEY"])
