"""Issue 17 on a real devnet, with the openrsp CLI only: a KYC provider listed in the TrustRegistry issues an SD-JWT
VC with a status-list entry; its portal serves the status list over HTTPS; the holder presents chosen claims; the
verifier checks signatures, key binding, the issuer in the TrustRegistry and the entry in the list whose SHA-256 is
anchored in the IdentityRegistry. A plan that requires predicates cannot be bought until the issuer attests the
buyer's account on chain; revocation and a suspended issuer are refused."""

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from world import ROOT, World, free_port

CLAIMS = {"given_name": "Erika", "family_name": "Mustermann", "birthdate": "1984-08-12", "age_over_18": True,
          "nationalities": ["DE"], "residence_country": "DE", "document_number": "T22000129"}


@pytest.fixture(scope="module")
def idw(tmp_path_factory):
    catalog = tmp_path_factory.mktemp("catalog")
    world = World()
    try:
        world.build(catalog)
        gov, kyc = world.signer("gov", "deployer"), world.home("kyc")
        # The KYC provider: an ES256 key (its did:key is the credentials' iss), a certificate over that key for the
        # TrustRegistry entry (sha256 of its SPKI is what verifiers look up), and an Ethereum account that anchors.
        world.issuer_key = str(kyc / "issuer.key")
        world.issuer_did = world.rsp("kyc", "identity", "did", "new", "--out", world.issuer_key)["did"]
        subprocess.run(["openssl", "req", "-x509", "-key", world.issuer_key, "-subj", "/CN=Test KYC", "-days", "30",
                        "-out", str(kyc / "issuer.pem")], check=True, capture_output=True)
        world.kyc = world.rsp("kyc", "account", "new", "kyc", "--password-file", str(kyc / "password"), "--light-kdf")["address"]
        world.rsp("gov", "account", "transfer", world.kyc, "--wei", str(10**17), *gov)
        (kyc / "contracts.json").write_bytes((world.home("gov") / "contracts.json").read_bytes())
        world.rsp("gov", "registry", "register", world.kyc, "--role", "kyc", "--name", "Test KYC", "--cert", str(kyc / "issuer.pem"), *gov)
        # Its portal serves the status lists from kyc/status over HTTPS, and takes DID-Auth messages to its did:web.
        home, status = world.home("portal"), kyc / "status"
        status.mkdir()
        cert, key = world.portal_tls()
        port = free_port()
        world.portal_did = f"did:web:127.0.0.1%3A{port}"
        world.rsp("portal", "identity", "did", "new", "--out", str(home / "did.key"))
        world.inbox = kyc / "inbox"
        world.start_portal(port, cert, key, catalog, "--status-dir", str(status), "--did-web", world.portal_did,
                           "--did-key", str(home / "did.key"), "--didauth-inbox", str(world.inbox))
        world.list_uri = f"{world.url}/status/kyc-1"
        world.list_file = str(status / "kyc-1.json")
        world.rsp("kyc", "identity", "status-list", "new", "--uri", world.list_uri, "--key", world.issuer_key, "--out", world.list_file)
        # The holder: a P-256 did:key for key binding, and the devnet account the world funded for purchases.
        user = world.home("user")
        world.holder_key = str(user / "holder.key")
        world.holder_did = world.rsp("user", "identity", "did", "new", "--out", world.holder_key)["did"]
        (user / "claims.json").write_text(json.dumps(CLAIMS))
        world.rsp("user", "account", "import", "buyer", "--private-key-env", "BUYER_KEY", "--password-file", str(user / "password"),
                  "--light-kdf", env={"BUYER_KEY": world.devnet_accounts[7]["privateKey"]})
        yield world
    finally:
        world.stop()


def refused(world, role, *args):
    """Runs a command that must fail; returns (code, message) of its JSON envelope."""
    env = dict(os.environ, OPENRSP_HOME=str(world.home(role)))
    done = subprocess.run([world.bin, *args, "--json"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode != 0, done.stdout
    envelope = json.loads([l for l in done.stdout.splitlines() if l.startswith("{")][-1])
    return envelope["payload"]["code"], envelope["payload"]["message"]


def issue(world, name):
    out = str(world.home("user") / f"{name}.sdjwt")
    world.rsp("kyc", "identity", "credential", "issue", "--key", world.issuer_key, "--holder", world.holder_did,
              "--claims", str(world.home("user") / "claims.json"), "--status-list", world.list_file, "--out", out)
    return out


def present(world, credential, nonce, *disclose):
    return world.rsp("user", "identity", "credential", "present", "--credential", credential, "--holder-key", world.holder_key,
                     "--disclose", *disclose, "--audience", "did:web:shop.example", "--nonce", nonce)["presentation"]


def verify(world, presentation, nonce="n-1", expect=None):
    path = world.work / f"presentation-{time.monotonic_ns()}.txt"
    path.write_text(presentation)
    args = ("identity", "credential", "verify", "--presentation", str(path), "--audience", "did:web:shop.example",
            "--nonce", nonce, "--tls-ca", world.ca, *world.chain())
    if expect is None:
        return world.rsp("user", *args)
    code, message = refused(world, "user", *args)
    assert code == 425 and message.startswith(expect), message
    return message


def anchor(world):
    return world.rsp("kyc", "identity", "status-list", "anchor", "--status-list", world.list_file, *world.signer("kyc", "kyc"))


def test_issue_present_verify_revoke(idw):
    credential = issue(idw, "kyc")
    assert oct(os.stat(credential).st_mode & 0o777) == "0o600"
    presentation = present(idw, credential, "n-1", "age_over_18", "country")
    # The list is served, but nothing is anchored yet: refused.
    verify(idw, presentation, expect="status.not_anchored")
    anchored = anchor(idw)
    assert len(anchored["list"]["listId"]) == 66 and len(anchored["list"]["digest"]) == 66 and anchored["transaction"]["gasUsed"] > 0
    verified = verify(idw, presentation)
    assert verified["trustChecked"] and verified["issuer"] == idw.issuer_did
    assert verified["issuerEntity"].lower() == idw.kyc.lower() and verified["issuerRole"] == 7
    claims = verified["claims"]
    assert claims["age_over_18"] is True and claims["address"] == {"country": "DE"}
    assert "family_name" not in claims and "birthdate" not in claims and "document_number" not in claims
    assert verified["holder"] == idw.holder_did
    # Another nonce, and a presentation whose disclosure was swapped, are refused by the verifier's codes.
    verify(idw, presentation, nonce="n-2", expect="kb.nonce")
    # Revoked and published, but not anchored: the served list is not the anchored one.
    idw.rsp("kyc", "identity", "credential", "revoke", "--status-list", idw.list_file, "--key", idw.issuer_key, "--credential", credential)
    verify(idw, presentation, expect="status.anchor_mismatch")
    anchor(idw)
    verify(idw, presentation, expect="status.revoked")
    shown = idw.rsp("kyc", "identity", "status-list", "show", idw.list_file)
    assert shown["counts"]["revoked"] == 1 and shown["capacity"] == 131072
    # Revocation is final.
    code, _ = refused(idw, "kyc", "identity", "credential", "revoke", "--status-list", idw.list_file, "--key", idw.issuer_key,
                      "--credential", credential)
    assert code == 426


def test_a_plan_requiring_predicates_is_bought_only_after_the_issuer_attests(idw):
    plan = idw.plans["France 1 GB"]
    idw.rsp("mvno", "plan", "require", plan, "--predicates", "kyc,over18,eu", *idw.signer("mvno", "mvno"))
    buyer = idw.signer("user", "buyer")
    code, message = refused(idw, "user", "plan", "buy", plan, "--eid", idw.eid, *buyer)
    assert "identity: predicate not met" in message, (code, message)
    credential = issue(idw, "kyc-attested")
    anchor(idw)   # the list as it is now (the test does not depend on another test having anchored it)
    # The holder presents to the issuer, binding the presentation to its account (the nonce); the issuer verifies it
    # and attests what was disclosed. A presentation bound to another account is refused.
    account = idw.buyer.lower()
    def presentation(nonce, *disclose):
        path = idw.work / f"attest-{time.monotonic_ns()}.txt"
        path.write_text(idw.rsp("user", "identity", "credential", "present", "--credential", credential, "--holder-key", idw.holder_key,
                                "--disclose", *disclose, "--audience", idw.issuer_did, "--nonce", nonce)["presentation"])
        return str(path)
    attest = ("identity", "credential", "attest", "--for", idw.buyer, "--audience", idw.issuer_did, "--tls-ca", idw.ca)
    code, message = refused(idw, "kyc", *attest, "--presentation", presentation("0x" + "11" * 20, "age_over_18", "country"),
                            *idw.signer("kyc", "kyc"))
    assert code == 425 and message.startswith("kb.nonce"), message
    # Only age disclosed: kyc and over18, not eu; the plan still refuses.
    partial = idw.rsp("kyc", *attest, "--presentation", presentation(account, "age_over_18"), *idw.signer("kyc", "kyc"))
    assert partial["predicates"] == "kyc,over18"
    code, message = refused(idw, "user", "plan", "buy", plan, "--eid", idw.eid, *buyer)
    assert "identity: predicate not met" in message, (code, message)
    attested = idw.rsp("kyc", *attest, "--presentation", presentation(account, "age_over_18", "country"), *idw.signer("kyc", "kyc"))
    assert attested["predicates"] == "kyc,over18,eu"
    bought = idw.rsp("user", "plan", "buy", plan, "--eid", idw.eid, *buyer)
    assert int(bought["entitlementId"]) > 0
    # Governance suspends the KYC provider: its attestations stop satisfying at once, and its credentials stop verifying.
    idw.rsp("gov", "registry", "suspend", idw.kyc, *idw.signer("gov", "deployer"))
    try:
        code, message = refused(idw, "user", "plan", "buy", plan, "--eid", idw.eid, *buyer)
        assert "identity: predicate not met" in message, (code, message)
        verify(idw, present(idw, credential, "n-3", "age_over_18"), nonce="n-3", expect="issuer.untrusted")
    finally:
        idw.rsp("gov", "registry", "reinstate", idw.kyc, *idw.signer("gov", "deployer"))


def message(world, role, kind, out, *args):
    return world.rsp(role, "identity", "message", "create", kind, "--out", str(world.home(role) / out), *args)


def test_didauth_request_deliver_present_and_the_portal_inbox(idw):
    user, kyc = idw.home("user"), idw.home("kyc")
    # Holder asks the issuer for a credential; the issuer delivers one bound to the holder's key; the holder presents
    # it back, answering the request's nonce, to the issuer's DID.
    request = message(idw, "user", "request-attestation", "req.jwt", "--key", idw.holder_key, "--to", idw.issuer_did,
                      "--claims", "age_over_18,country")
    credential = issue(idw, "delivered")
    (kyc / "req.jwt").write_bytes((user / "req.jwt").read_bytes())
    message(idw, "kyc", "deliver-attestation", "del.jwt", "--key", idw.issuer_key, "--reply-to", str(kyc / "req.jwt"),
            "--credential", credential)
    presented = idw.rsp("user", "identity", "credential", "present", "--credential", credential, "--holder-key", idw.holder_key,
                        "--disclose", "age_over_18", "--audience", idw.issuer_did, "--nonce", request["nonce"],
                        "--out", str(user / "pres.txt"))
    assert presented["disclosed"] == ["age_over_18"]
    (user / "del.jwt").write_bytes((kyc / "del.jwt").read_bytes())
    message(idw, "user", "present-attestation", "pres.jwt", "--key", idw.holder_key, "--reply-to", str(user / "del.jwt"),
            "--presentation", str(user / "pres.txt"))
    files = [str(user / "req.jwt"), str(user / "del.jwt"), str(user / "pres.jwt")]
    chain = idw.rsp("user", "identity", "message", "verify", *files)
    assert chain["chainChecked"] and [m["type"] for m in chain["messages"]] == ["RequestAttestation", "DeliverAttestation", "PresentAttestation"]
    assert chain["credentialClaims"]["age_over_18"] is True
    code, text = refused(idw, "user", "identity", "message", "verify", files[0], files[2], files[1])
    assert code == 425 and text.startswith("didauth.chain"), text
    # The delivery is addressed to the holder: it verifies for the holder's DID and is refused for anyone else's.
    single = idw.rsp("user", "identity", "message", "verify", files[1], "--audience", idw.holder_did)
    assert single["messages"][0]["to"] == idw.holder_did and not single["chainChecked"]
    code, text = refused(idw, "user", "identity", "message", "verify", files[1], "--audience", idw.issuer_did)
    assert code == 425 and text.startswith("didauth.aud"), text

    # The portal's inbox: a message to its did:web is verified and kept; a replay, and a message to someone else, are refused.
    message(idw, "user", "request-attestation", "to-portal.jwt", "--key", idw.holder_key, "--to", idw.portal_did, "--claims", "age_over_18")
    accepted = idw.rsp("user", "identity", "message", "send", str(user / "to-portal.jwt"), "--portal", idw.url, "--tls-ca", idw.ca)
    assert accepted["accepted"] is True and accepted["type"] == "RequestAttestation"
    kept = list(idw.inbox.iterdir())
    assert len(kept) == 1 and oct(kept[0].stat().st_mode & 0o777) == "0o600"
    code, text = refused(idw, "user", "identity", "message", "send", str(user / "to-portal.jwt"), "--portal", idw.url, "--tls-ca", idw.ca)
    assert code == 425 and text.startswith("didauth.replay"), text
    code, text = refused(idw, "user", "identity", "message", "send", files[0], "--portal", idw.url, "--tls-ca", idw.ca)
    assert code == 425 and text.startswith("didauth.aud"), text
    assert len(list(idw.inbox.iterdir())) == 1


def test_the_registry_names_the_issuers_did(idw):
    # The entity names its own DID; registry show reports it; another entity cannot take the same DID.
    idw.rsp("kyc", "registry", "set-did", idw.kyc, idw.issuer_did, *idw.signer("kyc", "kyc"))
    shown = idw.rsp("kyc", "registry", "show", idw.kyc, *idw.chain())
    assert shown["did"] == idw.issuer_did and shown["role"] == "kyc"
    code, message = refused(idw, "mno", "registry", "set-did", idw.addresses["mno"], idw.issuer_did, *idw.signer("mno", "mno"))
    assert "did: already named" in message, (code, message)
    code, message = refused(idw, "mno", "registry", "set-did", idw.kyc, "did:web:mno.example", *idw.signer("mno", "mno"))
    assert "not owner or entity" in message, (code, message)


def test_a_credential_whose_issuer_did_cannot_be_resolved_is_refused(idw):
    # iss is a did:web whose document does not exist (the portal answers 404 for /nobody/did.json): 422, nothing verified.
    out = str(idw.home("user") / "unknown-issuer.sdjwt")
    unknown = idw.portal_did + ":nobody"
    idw.rsp("kyc", "identity", "credential", "issue", "--key", idw.issuer_key, "--issuer", unknown, "--holder", idw.holder_did,
            "--claims", str(idw.home("user") / "claims.json"), "--status-list", idw.list_file, "--out", out)
    path = idw.work / "unknown-issuer.txt"
    path.write_text(present(idw, out, "n-9", "age_over_18"))
    code, message = refused(idw, "user", "identity", "credential", "verify", "--presentation", str(path), "--audience",
                            "did:web:shop.example", "--nonce", "n-9", "--tls-ca", idw.ca, *idw.chain())
    assert code == 422 and "HTTP 404" in message, (code, message)
