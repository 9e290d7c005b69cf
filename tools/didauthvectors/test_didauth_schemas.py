"""Checks the Swift DID-Auth messages (Sources/Identity/DIDAuth*.swift) from outside Swift:
their payloads against the JSON Schemas in docs/schemas/didauth (jsonschema_rs, draft 2020-12), and their ES256
signatures with jwcrypto, the sender's key taken from its did:key (decoded here) or its did:web document.
The messages: Tests/IdentityTests/Fixtures/didauth-messages.json, written by the Swift tests."""
import base64
import copy
import json
import pathlib

import jsonschema_rs
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from jwcrypto import jwk, jws
from jwcrypto.common import JWException

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "docs" / "schemas" / "didauth"
FIXTURE = ROOT / "Tests" / "IdentityTests" / "Fixtures" / "didauth-messages.json"
FILES = {"RequestAttestation": "request-attestation", "DeliverAttestation": "deliver-attestation",
         "PresentAttestation": "present-attestation", "RevokeAttestation": "revoke-attestation",
         "RequestAccess": "request-access", "GrantAccess": "grant-access"}
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _b64decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _schema(type_):
    return json.loads((SCHEMAS / f"{FILES[type_]}.schema.json").read_text(encoding="utf-8"))


def _validator(type_):
    return jsonschema_rs.Draft202012Validator(_schema(type_))


def _fixture():
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def _parts(compact):
    header, payload, _ = compact.split(".")
    return json.loads(_b64decode(header)), json.loads(_b64decode(payload))


def _multikey(multibase):
    """A P-256 public key from a multibase `z` + base58btc(0x8024 ‖ compressed point)."""
    assert multibase[0] == "z"
    number = 0
    for character in multibase[1:]:
        number = number * 58 + BASE58.index(character)
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    assert raw[:2] == b"\x80\x24" and len(raw) == 35, "not a p256-pub multikey"
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw[2:])


def _sender_key(kid, documents):
    did, _, fragment = kid.partition("#")
    if did.startswith("did:key:"):
        assert fragment == did[len("did:key:"):]
        return jwk.JWK.from_pyca(_multikey(fragment))
    document = next(d for d in documents if d["id"] == did)
    method = next(m for m in document["verificationMethod"] if m["id"] in (kid, "#" + fragment))
    assert kid in document["assertionMethod"] or "#" + fragment in document["assertionMethod"]
    return jwk.JWK.from_pyca(_multikey(method["publicKeyMultibase"]))


def test_every_type_is_in_the_fixture_and_has_a_valid_schema():
    assert set(FILES) == {m["type"] for m in _fixture()["messages"]}
    for type_ in FILES:
        schema = _schema(type_)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert jsonschema_rs.meta.is_valid(schema)


def test_swift_messages_are_valid_under_their_schema_only():
    for message in _fixture()["messages"]:
        header, payload = _parts(message["jws"])
        assert payload["type"] == message["type"]
        assert header["alg"] == "ES256" and header["typ"] == f"openrsp-didauth-{message['type'].lower()}+jwt"
        errors = [e.message for e in _validator(message["type"]).iter_errors(payload)]
        assert errors == [], (message["type"], errors)
        for other in set(FILES) - {message["type"]}:
            assert not _validator(other).is_valid(payload), (message["type"], other)


def test_swift_signatures_verify_under_jwcrypto_with_the_senders_did_key():
    fixture = _fixture()
    for message in fixture["messages"]:
        header, payload = _parts(message["jws"])
        assert header["kid"].startswith(payload["iss"] + "#")
        token = jws.JWS()
        token.deserialize(message["jws"])
        token.verify(_sender_key(header["kid"], fixture["documents"]), alg="ES256")
        assert json.loads(token.payload) == payload


def test_jwcrypto_refuses_a_tampered_payload():
    fixture = _fixture()
    message = fixture["messages"][0]
    header_text, _, signature = message["jws"].split(".")
    header, payload = _parts(message["jws"])
    payload["claims"] = ["document_number"]
    tampered = ".".join([header_text, base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("="), signature])
    token = jws.JWS()
    token.deserialize(tampered)
    with pytest.raises(JWException):
        token.verify(_sender_key(header["kid"], fixture["documents"]), alg="ES256")


def _mutations(payload):
    """Payloads that break one rule each: a required claim missing, an unknown claim, a wrong type or shape."""
    schema_required = _schema(payload["type"])["required"]
    for name in schema_required:
        broken = copy.deepcopy(payload)
        del broken[name]
        yield f"without {name}", broken
    yield "unknown claim", {**payload, "extra": True}
    yield "short nonce", {**payload, "nonce": "abc"}
    yield "iat as text", {**payload, "iat": "now"}
    yield "negative exp", {**payload, "exp": -1}
    yield "aud not a DID", {**payload, "aud": "https://kyc.mno.example"}
    yield "jti with a dot", {**payload, "jti": "a.b" * 8}
    yield "unknown type", {**payload, "type": "StealAttestation"}


SPECIFIC = {
    "RequestAttestation": [{"claims": []}, {"claims": ["a", "a"]}, {"cnf": {"jwk": {"kty": "OKP", "crv": "Ed25519", "x": "AA"}}},
                           {"vct": ""}, {"ref": "A" * 22}],
    "DeliverAttestation": [{"credential": "not an sd-jwt"}, {"credential": "a.b.c~d~e.f.g"}],
    "PresentAttestation": [{"presentation": "a.b.c~d~"}],
    "RevokeAttestation": [{"credential_ref": {"digest": "AAAB"}}, {"credential_ref": {"status_list": {"uri": "x"}}},
                          {"credential_ref": {}}, {"reason": ""}],
    "RequestAccess": [{"values": {"age_over_18": {"gt": 18}}}, {"claims": "age_over_18"}, {"ref": "A" * 22}],
    "GrantAccess": [{"grant_exp": "tomorrow"}, {"resource": ""}],
}


def test_broken_payloads_fail_their_schema():
    for message in _fixture()["messages"]:
        _, payload = _parts(message["jws"])
        validator = _validator(message["type"])
        for name, broken in _mutations(payload):
            assert not validator.is_valid(broken), (message["type"], name)
        for change in SPECIFIC[message["type"]]:
            assert not validator.is_valid({**payload, **change}), (message["type"], change)
