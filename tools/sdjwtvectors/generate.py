"""SD-JWT VC cross-check fixtures with the reference implementation (PyPI `sd-jwt`, pinned in requirements.txt).

    .venv/bin/python tools/sdjwtvectors/generate.py

writes Tests/IdentityTests/Fixtures/python-presentation.json: an SD-JWT VC issued and presented (with a
Key Binding JWT) by the `sd-jwt` library, with the public issuer key, audience, nonce, verification time
and the claims the library's own verifier disclosed. IdentityTests verifies it with the Swift verifier.
ECDSA signatures and the KB-JWT's `iat` differ on every run, so the file changes when regenerated.

The other direction: IdentityTests writes Tests/IdentityTests/Fixtures/swift-presentation.json when run as
`OPENRSP_WRITE_IDENTITY_FIXTURE=1 swift test --filter IdentityTests`, and test_sdjwt_cross_check.py verifies
it with this library.
"""
import json
import pathlib
import time

from cryptography.hazmat.primitives.asymmetric import ec
from jwcrypto.jwk import JWK
from sd_jwt.common import SDObj
from sd_jwt.holder import SDJWTHolder
from sd_jwt.issuer import SDJWTIssuer
from sd_jwt.verifier import SDJWTVerifier

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
FIXTURES = ROOT / "Tests" / "IdentityTests" / "Fixtures"
FIXTURE = FIXTURES / "python-presentation.json"
SWIFT_FIXTURE = FIXTURES / "swift-presentation.json"

ISSUER = "https://kyc.mno.example"
VCT = "https://openrsp.example/credentials/kyc/v1"
AUDIENCE = "https://smdp.openrsp.example"
NONCE = "n-0S6_WzA2Mj"


def key(scalar: int) -> JWK:
    """A fixed P-256 key: test material only."""
    return JWK.from_pyca(ec.derive_private_key(scalar, ec.SECP256R1()))


ISSUER_KEY = key(0x1D5A_11CE_0001)
HOLDER_KEY = key(0x1D5A_11CE_0002)


def issue_and_present() -> dict:
    now = int(time.time())
    claims = {
        "iss": ISSUER, "vct": VCT, "iat": now, "exp": now + 10 * 365 * 86400,
        SDObj("given_name"): "Erika", SDObj("family_name"): "Mustermann",
        SDObj("birthdate"): "1984-08-12", SDObj("age_over_18"): True,
        SDObj("document_number"): "T22000129",
        "address": {SDObj("country"): "DE"},
        "nationalities": [SDObj("DE"), SDObj("AT")],
    }
    issuer = SDJWTIssuer(claims, ISSUER_KEY, HOLDER_KEY, extra_header_parameters={"typ": "dc+sd-jwt"})
    holder = SDJWTHolder(issuer.sd_jwt_issuance)
    holder.create_presentation({"given_name": True, "age_over_18": True, "address": {"country": True},
                                "nationalities": [True, False]}, NONCE, AUDIENCE, HOLDER_KEY)
    presentation = holder.sd_jwt_presentation
    disclosed = verify(presentation, ISSUER_KEY.export_public(as_dict=True), AUDIENCE, NONCE)
    return {
        "generator": "tools/sdjwtvectors/generate.py (PyPI sd-jwt)",
        "issuer": ISSUER, "issuerJWK": ISSUER_KEY.export_public(as_dict=True), "vct": VCT,
        "audience": AUDIENCE, "nonce": NONCE, "now": holder.key_binding_jwt_payload["iat"],
        "presentation": presentation, "disclosedClaims": disclosed,
    }


def verify(presentation: str, issuer_jwk: dict, audience: str, nonce: str) -> dict:
    """The reference verifier: issuer signature, KB-JWT (signature by cnf.jwk, typ, aud, nonce, sd_hash), digests."""
    issuer_key = JWK(**issuer_jwk)
    verifier = SDJWTVerifier(presentation, lambda iss, header: issuer_key, expected_aud=audience, expected_nonce=nonce)
    return verifier.get_verified_payload()


def main():
    FIXTURE.write_text(json.dumps(issue_and_present(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {FIXTURE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
