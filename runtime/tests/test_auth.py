"""Bearer tokens: who may call a staff API, and for which region, venue or organisation."""

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, FastAPI, HTTPException
from fastapi.testclient import TestClient
from pydantic import ValidationError

from leisure_runtime import auth
from leisure_runtime.auth import AuthSettings, Principal, Role, TokenVerifier, Unauthenticated, mint_token, require
from leisure_runtime.token_cli import main as leisure_token

SETTINGS = AuthSettings(jwt_secret="test-secret-that-is-at-least-32-bytes", issuer="leisure-test",
                        audience="leisure-staff")
VENUE_A, VENUE_B = str(uuid.uuid4()), str(uuid.uuid4())


def make_app(verifier: TokenVerifier) -> FastAPI:
    """A tiny staff API in the shape the services use."""
    app = FastAPI()
    app.state.token_verifier = verifier

    @app.post("/venues/{venue_id}/visits")
    def record_visit(venue_id: str, principal: Principal = Depends(require(Role.venue_staff))):
        principal.require_venue(venue_id, action="record visits")
        return {"recorded_by": principal.subject}

    @app.get("/regions/{region}/statistics")
    def statistics(region: str, principal: Principal = Depends(require(Role.coordinator, Role.stats_reader))):
        principal.require_region(region, action="read statistics")
        return {"region": region}

    return app


@pytest.fixture
def client() -> TestClient:
    return TestClient(make_app(TokenVerifier(SETTINGS)))


def settings_with(**changes) -> AuthSettings:
    return AuthSettings.model_validate(SETTINGS.model_dump() | changes)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def venue_staff_token(settings: AuthSettings = SETTINGS, **overrides) -> str:
    return mint_token(settings, **{"role": Role.venue_staff, "subject": "staff-7", "region": "uusimaa",
                                   "venues": [VENUE_A]} | overrides)


def test_correct_token_is_let_through(client):
    response = client.post(f"/venues/{VENUE_A}/visits", headers=bearer(venue_staff_token()))
    assert response.status_code == 200, response.text
    assert response.json() == {"recorded_by": "staff-7"}


def test_no_token_is_401_with_a_bearer_challenge(client):
    response = client.post(f"/venues/{VENUE_A}/visits")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "no bearer token" in response.json()["detail"]


@pytest.mark.parametrize("header", ["Basic c3RhZmY6cHc=", "Bearer", "Bearer  ", "Token abc", "abc"])
def test_malformed_authorization_header_is_401(client, header):
    response = client.post(f"/venues/{VENUE_A}/visits", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "malformed Authorization header" in response.json()["detail"]


def test_garbage_token_is_401(client):
    response = client.post(f"/venues/{VENUE_A}/visits", headers=bearer("not.a.jwt"))
    assert response.status_code == 401
    assert response.json()["detail"].startswith("invalid token")


def test_expired_token_is_401_saying_expired(client):
    token = venue_staff_token(ttl_seconds=-120)  # beyond the 30 s leeway
    response = client.post(f"/venues/{VENUE_A}/visits", headers=bearer(token))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert "expired" in response.json()["detail"]


def test_expiry_within_the_clock_skew_leeway_is_accepted(client):
    response = client.post(f"/venues/{VENUE_A}/visits", headers=bearer(venue_staff_token(ttl_seconds=-5)))
    assert response.status_code == 200, response.text


def test_token_signed_with_another_secret_is_401_saying_invalid(client):
    forged = settings_with(jwt_secret="an-attacker-secret-of-32-bytes-or-more")
    response = client.post(f"/venues/{VENUE_A}/visits", headers=bearer(venue_staff_token(forged)))
    assert response.status_code == 401
    detail = response.json()["detail"]
    assert detail.startswith("invalid token") and "Signature" in detail and "expired" not in detail


@pytest.mark.parametrize(("update", "reason"), [({"issuer": "someone-else"}, "issuer"),
                                                ({"audience": "another-api"}, "Audience")])
def test_token_for_another_issuer_or_audience_is_401(client, update, reason):
    response = client.post(f"/venues/{VENUE_A}/visits",
                           headers=bearer(venue_staff_token(settings_with(**update))))
    assert response.status_code == 401
    assert reason in response.json()["detail"]


def test_token_without_role_is_401():
    now = int(time.time())
    token = jwt.encode({"sub": "staff-7", "iss": SETTINGS.issuer, "aud": SETTINGS.audience, "exp": now + 60},
                       SETTINGS.jwt_secret.get_secret_value(), algorithm="HS256")
    response = TestClient(make_app(TokenVerifier(SETTINGS))).post(f"/venues/{VENUE_A}/visits",
                                                                    headers=bearer(token))
    assert response.status_code == 401
    assert "role" in response.json()["detail"]


def test_signed_token_whose_scope_does_not_fit_its_role_is_401(client):
    now = int(time.time())
    token = jwt.encode({"sub": "staff-7", "role": "venue_staff", "venues": [], "iss": SETTINGS.issuer,
                        "aud": SETTINGS.audience, "exp": now + 60},
                       SETTINGS.jwt_secret.get_secret_value(), algorithm="HS256")
    response = client.post(f"/venues/{VENUE_A}/visits", headers=bearer(token))
    assert response.status_code == 401
    assert "venue staff need at least one venue" in response.json()["detail"]


def test_wrong_role_is_403_naming_the_roles_allowed(client):
    token = mint_token(SETTINGS, Role.distributor, "staff-3", region="uusimaa", organisation="org-1")
    response = client.get("/regions/uusimaa/statistics", headers=bearer(token))
    assert response.status_code == 403
    assert response.json()["detail"] == ("this endpoint is for coordinator or stats_reader; "
                                         "the token's role is distributor")


def test_venue_a_token_cannot_record_a_visit_at_venue_b(client):
    response = client.post(f"/venues/{VENUE_B}/visits", headers=bearer(venue_staff_token()))
    assert response.status_code == 403
    assert response.json()["detail"] == (f"this token is for venue {VENUE_A}; "
                                         f"it cannot record visits at venue {VENUE_B}")


def test_regional_coordinator_is_held_to_its_region_and_a_national_one_is_not(client):
    regional = mint_token(SETTINGS, Role.coordinator, "staff-9", region="uusimaa")
    national = mint_token(SETTINGS, Role.coordinator, "staff-10", national=True)
    assert client.get("/regions/uusimaa/statistics", headers=bearer(regional)).status_code == 200
    refused = client.get("/regions/pirkanmaa/statistics", headers=bearer(regional))
    assert refused.status_code == 403
    assert "region uusimaa; it cannot read statistics in region pirkanmaa" in refused.json()["detail"]
    assert client.get("/regions/pirkanmaa/statistics", headers=bearer(national)).status_code == 200


def test_scope_rules_per_role():
    staff = Principal(subject="s1", role=Role.venue_staff, region="uusimaa", venues=(VENUE_A,))
    coordinator = Principal(subject="s2", role=Role.coordinator, region="uusimaa")
    distributor = Principal(subject="s3", role=Role.distributor, region="uusimaa", organisation="org-1")
    assert staff.can_act_for_venue(uuid.UUID(VENUE_A)) and not staff.can_act_for_venue(VENUE_B)
    assert coordinator.can_act_for_venue(VENUE_B, region="uusimaa")
    assert not coordinator.can_act_for_venue(VENUE_B, region="lappi")
    assert not coordinator.can_act_for_venue(VENUE_B)  # region of the venue unknown: refuse
    assert not distributor.can_act_for_venue(VENUE_A, region="uusimaa")
    assert distributor.can_act_for_organisation("org-1") and not distributor.can_act_for_organisation("org-2")
    assert coordinator.can_act_for_organisation("org-2", region="uusimaa")
    assert not staff.can_act_for_organisation("org-1", region="uusimaa")
    assert not Principal(subject="s4", role=Role.venue_staff, venues=(VENUE_A,)).can_act_in_region(None)


@pytest.mark.parametrize("scope", [
    {"role": Role.venue_staff},
    {"role": Role.distributor, "region": "uusimaa"},
    {"role": Role.coordinator},
    {"role": Role.venue_staff, "venues": (VENUE_A,), "national": True},
    {"role": Role.coordinator, "region": "uusimaa", "national": True},
])
def test_scope_must_fit_the_role(scope):
    with pytest.raises(ValidationError):
        Principal(subject="s1", **scope)


def test_settings_need_a_key_and_refuse_a_short_secret():
    with pytest.raises(ValidationError):
        AuthSettings()
    with pytest.raises(ValidationError):
        AuthSettings(jwt_secret="too-short")


def test_cli_mints_a_token_that_verifies(capsys):
    leisure_token(["--role", "venue_staff", "--venue", VENUE_A, "--venue", VENUE_B, "--region", "uusimaa",
                   "--subject", "staff-7", "--secret", SETTINGS.jwt_secret.get_secret_value(),
                   "--issuer", SETTINGS.issuer, "--audience", SETTINGS.audience, "--ttl", "60"])
    token = capsys.readouterr().out.strip()
    principal = TokenVerifier(SETTINGS).verify(token)
    assert principal == Principal(subject="staff-7", role=Role.venue_staff, region="uusimaa",
                                  venues=(VENUE_A, VENUE_B))
    assert jwt.decode(token, options={"verify_signature": False})["exp"] <= time.time() + 60


def test_cli_takes_the_secret_from_the_environment_and_defaults_to_the_services_settings(capsys, monkeypatch):
    secret = "secret-from-the-environment-32-bytes!"
    monkeypatch.setenv("LEISURE_JWT_SECRET", secret)
    leisure_token(["--role", "coordinator", "--national"])
    principal = TokenVerifier(AuthSettings(jwt_secret=secret)).verify(capsys.readouterr().out.strip())
    assert principal.role is Role.coordinator and principal.national and principal.region is None


def test_cli_refuses_a_scope_that_does_not_fit_the_role(capsys):
    with pytest.raises(SystemExit) as exit_:
        leisure_token(["--role", "venue_staff", "--region", "uusimaa"])
    assert exit_.value.code == 2
    assert "venue staff need at least one venue" in capsys.readouterr().err


# RS256 in production: keys come from the identity provider's JWKS, served here on 127.0.0.1.

class LocalIdentityProvider:
    """A local HTTP server publishing the public halves of `keys` (by key id) as a JWKS."""

    def __init__(self):
        self.keys = {"key-1": rsa.generate_private_key(public_exponent=65537, key_size=2048)}
        self.fetches = 0
        provider = self

        class Jwks(BaseHTTPRequestHandler):
            def do_GET(self):
                provider.fetches += 1
                body = json.dumps({"keys": [
                    jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True) | {"kid": kid, "use": "sig"}
                    for kid, key in provider.keys.items()]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
        self.url = f"http://127.0.0.1:{self.server.server_port}/.well-known/jwks.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider():
    provider = LocalIdentityProvider()
    yield provider
    provider.stop()


@pytest.fixture
def identity_provider(provider):
    """An RSA key and the URL of a local JWKS publishing its public half."""
    return provider.keys["key-1"], provider.url


def provider_token(key, kid="key-1", algorithm="RS256", **overrides) -> str:
    now = int(time.time())
    claims = {"sub": "staff-7", "role": "venue_staff", "venues": [VENUE_A], "region": "uusimaa",
              "iss": "https://idp.example", "aud": "leisure-staff", "iat": now, "exp": now + 60} | overrides
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid})


def test_rs256_token_from_the_identity_provider_verifies_against_its_jwks(identity_provider):
    key, jwks_url = identity_provider
    client = TestClient(make_app(TokenVerifier(AuthSettings(jwks_url=jwks_url, issuer="https://idp.example",
                                                            audience="leisure-staff"))))
    accepted = client.post(f"/venues/{VENUE_A}/visits", headers=bearer(provider_token(key)))
    assert accepted.status_code == 200, accepted.text
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = client.post(f"/venues/{VENUE_A}/visits", headers=bearer(provider_token(other_key)))
    assert forged.status_code == 401 and "Signature" in forged.json()["detail"]
    unknown_kid = client.post(f"/venues/{VENUE_A}/visits", headers=bearer(provider_token(key, kid="key-2")))
    assert unknown_kid.status_code == 401
    expired = client.post(f"/venues/{VENUE_A}/visits", headers=bearer(provider_token(key, exp=1)))
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]


def test_rs256_verifier_refuses_hs256_tokens_even_with_the_shared_secret(identity_provider):
    _, jwks_url = identity_provider
    settings = AuthSettings(jwks_url=jwks_url, jwt_secret=SETTINGS.jwt_secret, issuer="https://idp.example",
                            audience="leisure-staff")
    token = provider_token(SETTINGS.jwt_secret.get_secret_value(), algorithm="HS256")
    response = TestClient(make_app(TokenVerifier(settings))).post(f"/venues/{VENUE_A}/visits",
                                                                  headers=bearer(token))
    assert response.status_code == 401


def test_unreachable_jwks_is_503_not_the_callers_fault():
    settings = AuthSettings(jwks_url="http://127.0.0.1:9/jwks.json", issuer="x", audience="y")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    response = TestClient(make_app(TokenVerifier(settings))).post(f"/venues/{VENUE_A}/visits",
                                                                  headers=bearer(provider_token(key)))
    assert response.status_code == 503


class CountingVerifier(TokenVerifier):
    """Counts the verifications that may block (a JWKS fetch): those run in a worker thread."""

    def __init__(self, settings: AuthSettings):
        super().__init__(settings)
        self.blocking = 0

    def verify(self, token: str) -> Principal:
        self.blocking += 1
        return super().verify(token)


def test_hs256_tokens_are_verified_without_a_thread():
    verifier = CountingVerifier(SETTINGS)
    client = TestClient(make_app(verifier))
    for _ in range(3):
        assert client.post(f"/venues/{VENUE_A}/visits", headers=bearer(venue_staff_token())).status_code == 200
    refused = client.post(f"/venues/{VENUE_A}/visits", headers=bearer(venue_staff_token(ttl_seconds=-120)))
    assert refused.status_code == 401 and "expired" in refused.json()["detail"]
    assert verifier.blocking == 0


def test_jwks_keys_are_fetched_once_in_a_thread_then_tokens_verify_without_one(identity_provider):
    key, jwks_url = identity_provider
    verifier = CountingVerifier(AuthSettings(jwks_url=jwks_url, issuer="https://idp.example",
                                             audience="leisure-staff"))
    assert verifier.verify_without_fetch(provider_token(key)) is None  # the key is not known yet
    client = TestClient(make_app(verifier))
    for _ in range(3):
        assert client.post(f"/venues/{VENUE_A}/visits", headers=bearer(provider_token(key))).status_code == 200
    assert verifier.blocking == 1
    assert verifier.verify_without_fetch(provider_token(key)).subject == "staff-7"
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = client.post(f"/venues/{VENUE_A}/visits", headers=bearer(provider_token(other_key)))
    assert forged.status_code == 401 and verifier.blocking == 1  # a known key id: checked on the loop


def provider_settings(provider, **changes) -> AuthSettings:
    return AuthSettings(jwks_url=provider.url, issuer="https://idp.example", audience="leisure-staff", **changes)


def test_an_unknown_key_id_is_never_kept_and_looked_up_at_most_once_an_interval(provider):
    key = provider.keys["key-1"]
    verifier = CountingVerifier(provider_settings(provider))
    client = TestClient(make_app(verifier))
    for _ in range(3):
        response = client.post(f"/venues/{VENUE_A}/visits", headers=bearer(provider_token(key, kid="made-up")))
        assert response.status_code == 401
        assert "no signing key 'made-up'" in response.json()["detail"]
    assert verifier.blocking == 3
    assert provider.fetches == 1  # made-up key ids cannot make us hammer the identity provider
    assert verifier.verify_without_fetch(provider_token(key, kid="made-up")) is None


def test_a_key_rotated_in_is_fetched_when_its_first_token_arrives(provider):
    verifier = TokenVerifier(provider_settings(provider, jwks_refetch_seconds=0))
    assert verifier.verify(provider_token(provider.keys["key-1"])).subject == "staff-7"
    provider.keys["key-2"] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert verifier.verify(provider_token(provider.keys["key-2"], kid="key-2", sub="staff-8")).subject == "staff-8"
    assert provider.fetches == 2


def later_by(monkeypatch, seconds: float) -> None:
    now = time.monotonic() + seconds
    monkeypatch.setattr(time, "monotonic", lambda: now)


def test_keys_are_trusted_for_the_cache_time_then_a_key_dropped_by_the_provider_is_refused(provider, monkeypatch):
    verifier = TokenVerifier(provider_settings(provider, jwks_cache_seconds=300))
    old_key = provider.keys["key-1"]
    assert verifier.verify(provider_token(old_key, sub="staff-1")).subject == "staff-1"
    provider.keys = {"key-2": rsa.generate_private_key(public_exponent=65537, key_size=2048)}  # key-1 revoked
    later_by(monkeypatch, 200)
    assert verifier.verify_without_fetch(provider_token(old_key, sub="staff-2")).subject == "staff-2"
    assert provider.fetches == 1
    later_by(monkeypatch, 301)
    assert verifier.verify_without_fetch(provider_token(old_key, sub="staff-3")) is None  # keys are stale
    with pytest.raises(Unauthenticated, match="no signing key 'key-1'"):
        verifier.verify(provider_token(old_key, sub="staff-3"))
    assert provider.fetches == 2


def test_known_keys_stay_in_use_while_the_provider_cannot_be_reached(provider, monkeypatch):
    verifier = TokenVerifier(provider_settings(provider, jwks_cache_seconds=300))
    key = provider.keys["key-1"]
    assert verifier.verify(provider_token(key, sub="staff-1")).subject == "staff-1"
    provider.stop()
    later_by(monkeypatch, 301)
    assert verifier.verify(provider_token(key, sub="staff-2")).subject == "staff-2"
    never_seen = provider_token(rsa.generate_private_key(public_exponent=65537, key_size=2048), kid="key-9")
    with pytest.raises(HTTPException) as outage:
        verifier.verify(never_seen)
    assert outage.value.status_code == 503


def test_a_token_verified_once_is_not_checked_again_until_it_expires(monkeypatch):
    verifier = TokenVerifier(settings_with(leeway_seconds=0))
    decoded = []
    real_decode = jwt.decode
    monkeypatch.setattr(jwt, "decode", lambda *args, **kwargs: decoded.append(1) or real_decode(*args, **kwargs))
    token = venue_staff_token(ttl_seconds=60)
    assert verifier.verify(token) == verifier.verify(token) == verifier.verify_without_fetch(token)
    assert len(decoded) == 1
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(Unauthenticated, match="expired"):
        verifier.verify(token)


def test_tokens_kept_as_verified_are_bounded(monkeypatch):
    monkeypatch.setattr(auth, "VERIFIED_TOKENS_KEPT", 3)
    verifier = TokenVerifier(SETTINGS)
    tokens = [venue_staff_token(subject=f"staff-{n}") for n in range(5)]
    for token in tokens:
        verifier.verify(token)
    assert list(verifier._verified) == tokens[2:]
