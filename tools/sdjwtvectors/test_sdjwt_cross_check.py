"""Cross-checks the Swift SD-JWT VC layer (Sources/Identity) with the reference implementation, PyPI `sd-jwt`."""
import importlib.util
import json
import pathlib

import pytest

# Loaded under a unique module name: tools/*/generate.py share a basename.
_spec = importlib.util.spec_from_file_location("sdjwtvectors_generate", pathlib.Path(__file__).resolve().parent / "generate.py")
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_reference_verifies_the_swift_presentation():
    fixture = _load(generate.SWIFT_FIXTURE)
    disclosed = generate.verify(fixture["presentation"], fixture["issuerJWK"], fixture["audience"], fixture["nonce"])
    assert disclosed == fixture["disclosedClaims"]
    # Only the presented claims: the undisclosed ones stay hidden from the reference verifier too.
    assert "family_name" not in disclosed and "document_number" not in disclosed and "birthdate" not in disclosed


def test_reference_refuses_the_swift_presentation_for_another_nonce_or_audience():
    fixture = _load(generate.SWIFT_FIXTURE)
    with pytest.raises(ValueError, match="nonce"):
        generate.verify(fixture["presentation"], fixture["issuerJWK"], fixture["audience"], fixture["nonce"] + "x")
    with pytest.raises(ValueError, match="audience"):
        generate.verify(fixture["presentation"], fixture["issuerJWK"], fixture["audience"] + "/x", fixture["nonce"])


def test_reference_refuses_the_swift_presentation_under_another_issuer_key():
    fixture = _load(generate.SWIFT_FIXTURE)
    with pytest.raises(Exception):
        generate.verify(fixture["presentation"], generate.HOLDER_KEY.export_public(as_dict=True), fixture["audience"], fixture["nonce"])


def test_committed_python_fixture_verifies_under_the_reference():
    fixture = _load(generate.FIXTURE)
    assert fixture["issuerJWK"] == generate.ISSUER_KEY.export_public(as_dict=True)
    disclosed = generate.verify(fixture["presentation"], fixture["issuerJWK"], fixture["audience"], fixture["nonce"])
    assert disclosed == fixture["disclosedClaims"]


def test_fresh_reference_presentation_discloses_only_the_chosen_claims():
    fixture = generate.issue_and_present()
    assert set(fixture["disclosedClaims"]) == {"iss", "vct", "iat", "exp", "cnf", "given_name", "age_over_18",
                                               "address", "nationalities"}
    assert fixture["disclosedClaims"]["nationalities"] == ["DE"]
