"""Bearer-token (JWT) authentication for the staff APIs.

A token carries an opaque staff id (`sub`, never a name), a `role` and a scope: `region`,
`organisation`, `venues`, or `national: true` with `region: null`. Locally: HS256 with a shared
secret (`mint_token`, `leisure-token`); in production: RS256 from the identity provider's JWKS.

Wiring: the app factory sets `app.state.token_verifier = TokenVerifier(AuthSettings(...))` once;
routes declare `principal: Principal = Depends(require(Role.venue_staff))`; handlers check scope,
e.g. `principal.require_venue(venue_id, action="record visits")`, as only they know which venue,
region or organisation a request touches.
"""

import threading
import time
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Any

import jwt
from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from leisure_runtime.logging import get_logger

log = get_logger(__name__)


class Role(StrEnum):
    distributor = "distributor"
    venue_staff = "venue_staff"
    coordinator = "coordinator"
    stats_reader = "stats_reader"


class Unauthenticated(HTTPException):
    """401: no usable token; the client has to (re)authenticate."""

    def __init__(self, detail: str, error: str | None = "invalid_token"):
        challenge = f'Bearer error="{error}"' if error else "Bearer"  # RFC 6750 section 3
        super().__init__(401, detail, headers={"WWW-Authenticate": challenge})


class Forbidden(HTTPException):
    """403: a valid token whose role or scope does not cover the request."""

    def __init__(self, detail: str):
        super().__init__(403, detail)


class Principal(BaseModel):
    """Who is calling, built from verified claims."""

    # Field names are the claim names, except `sub`; unrelated claims (exp, iss...) are ignored.
    model_config = ConfigDict(frozen=True, validate_by_name=True, validate_by_alias=True)

    subject: str = Field(alias="sub", min_length=1, description="Opaque staff id")
    role: Role
    region: str | None = None
    organisation: str | None = None
    venues: tuple[str, ...] = ()
    national: bool = False

    @model_validator(mode="after")
    def _scope_fits_role(self) -> "Principal":
        # A token without the scope its role needs would fail every check confusingly later.
        if self.national and (self.role not in (Role.coordinator, Role.stats_reader) or self.region):
            raise ValueError("only coordinators and statistics readers can be national, with no region")
        if self.role is Role.distributor and not (self.organisation and self.region):
            raise ValueError("a distributor needs an organisation and a region")
        if self.role is Role.venue_staff and not self.venues:
            raise ValueError("venue staff need at least one venue")
        if self.role in (Role.coordinator, Role.stats_reader) and not (self.national or self.region):
            raise ValueError(f"a {self.role} needs a region or national scope")
        return self

    @property
    def scope(self) -> str:
        """The token's scope in words, for error messages."""
        if self.national:
            return "the whole country"
        if self.role is Role.venue_staff:
            return "venue " + ", ".join(self.venues)
        if self.role is Role.distributor:
            return f"organisation {self.organisation} in region {self.region}"
        return f"region {self.region}"

    def can_act_in_region(self, region: str | None) -> bool:
        return self.national or (region is not None and region == self.region)

    def can_act_for_venue(self, venue_id: object, region: str | None = None) -> bool:
        """Venue staff: their own venues. A coordinator: any venue in its region (the venue's)."""
        if self.role is Role.venue_staff:
            return str(venue_id) in self.venues
        return self.role is Role.coordinator and self.can_act_in_region(region)

    def can_act_for_organisation(self, organisation: object, region: str | None = None) -> bool:
        """A distributor: its own organisation. A coordinator: any organisation in its region."""
        if self.role is Role.distributor:
            return str(organisation) == self.organisation
        return self.role is Role.coordinator and self.can_act_in_region(region)

    def require_region(self, region: str, action: str = "act") -> None:
        if not self.can_act_in_region(region):
            raise Forbidden(f"this token is for {self.scope}; it cannot {action} in region {region}")

    def require_venue(self, venue_id: object, region: str | None = None, action: str = "act") -> None:
        if not self.can_act_for_venue(venue_id, region):
            raise Forbidden(f"this token is for {self.scope}; it cannot {action} at venue {venue_id}")

    def require_organisation(self, organisation: object, region: str | None = None,
                             action: str = "act") -> None:
        if not self.can_act_for_organisation(organisation, region):
            raise Forbidden(f"this token is for {self.scope}; "
                            f"it cannot {action} for organisation {organisation}")


class AuthSettings(BaseModel):
    # RFC 7518: an HS256 secret shorter than the hash (32 bytes) can be brute-forced.
    jwt_secret: SecretStr | None = Field(default=None, min_length=32, description="HS256, local use")
    jwks_url: str | None = Field(default=None, description="Identity provider's JWKS; RS256 if set")
    issuer: str = "leisure-pass"
    audience: str = "leisure-pass"
    jwks_cache_seconds: float = Field(default=300, gt=0, description="Keys trusted this long, then fetched again")
    jwks_refetch_seconds: float = Field(
        default=10, ge=0, description="At most one fetch this often for key ids the key set did not have")
    algorithms: list[str] | None = Field(default=None, description="Default RS256 with JWKS, else HS256")
    leeway_seconds: float = Field(default=30, description="Clock skew tolerated on exp and iat")

    @model_validator(mode="after")
    def _has_a_key(self) -> "AuthSettings":
        if not (self.jwt_secret or self.jwks_url):
            raise ValueError("set jwt_secret (local HS256) or jwks_url (RS256)")
        return self


VERIFIED_TOKENS_KEPT = 1024


class TokenVerifier:
    def __init__(self, settings: AuthSettings):
        self.settings = settings
        # Our own cache below, with its expiry; PyJWKClient's would keep a key for as long as it is asked for.
        self._jwks = (jwt.PyJWKClient(settings.jwks_url, cache_keys=False, cache_jwk_set=False, timeout=10)
                      if settings.jwks_url else None)
        # Never HS256 when keys come from a JWKS: a public key must not double as an HMAC secret.
        self._algorithms = settings.algorithms or (["RS256"] if self._jwks else ["HS256"])
        self._keys: dict[str, Any] = {}
        """The JWKS's signing keys by key id, as last fetched: verifying with them needs no I/O."""
        self._keys_fetched_at = float("-inf")
        self._keys_lock = threading.Lock()  # one fetch at a time from the worker threads
        self._verified: dict[str, tuple[Principal, float]] = {}
        """Tokens verified already, with their expiry: staff send the same token with every request
        until it expires, and checking it again costs more than a visit's rules. Oldest out first."""
        self._verified_lock = threading.Lock()  # a JWKS fetch verifies in a worker thread

    def verify(self, token: str) -> Principal:
        """The principal a token names, or Unauthenticated saying why not. May block on the JWKS."""
        return self._verify(token, fetch=True)

    def verify_without_fetch(self, token: str) -> Principal | None:
        """As `verify`, without I/O: None when the token's signing key has to be fetched first."""
        return self._verify(token, fetch=False)

    def _verify(self, token: str, fetch: bool) -> Principal | None:
        s = self.settings
        if (verified := self._verified.get(token)) is not None:
            principal, expires = verified
            if time.time() > expires + s.leeway_seconds:
                raise Unauthenticated("token expired; get a new one")
            return principal
        try:
            key = self._signing_key(token, fetch)
            if key is None:
                return None
            claims = jwt.decode(token, key, algorithms=self._algorithms, issuer=s.issuer,
                                audience=s.audience, leeway=s.leeway_seconds,
                                options={"require": ["exp", "iss", "aud", "sub", "role"]})
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("token expired; get a new one") from None
        except jwt.PyJWKClientConnectionError as error:  # our outage, not the caller's fault
            raise HTTPException(503, "cannot fetch the token signing keys; retry shortly") from error
        except jwt.PyJWTError as error:
            raise Unauthenticated(f"invalid token: {error}") from None
        try:
            principal = Principal.model_validate(claims)
        except ValidationError as error:
            raise Unauthenticated(f"invalid token: {explain(error)}") from None
        with self._verified_lock:
            if len(self._verified) >= VERIFIED_TOKENS_KEPT:
                del self._verified[next(iter(self._verified))]
            self._verified[token] = (principal, claims["exp"])
        return principal

    def _signing_key(self, token: str, fetch: bool) -> Any:
        if self._jwks is None:
            return self.settings.jwt_secret.get_secret_value()
        kid = jwt.get_unverified_header(token).get("kid")
        if kid in self._keys and not self._keys_expired():
            return self._keys[kid]
        if not fetch:
            return None
        with self._keys_lock:
            self._fetch_keys(kid)
        if kid not in self._keys:
            raise jwt.PyJWKClientError(f"the identity provider has no signing key {kid!r}")
        return self._keys[kid]

    def _keys_expired(self) -> bool:
        return time.monotonic() - self._keys_fetched_at >= self.settings.jwks_cache_seconds

    def _fetch_keys(self, kid: str | None) -> None:
        """Fetch the key set when the keys are old, or when `kid` is new to them (a key rotated in),
        but not more often than `jwks_refetch_seconds` for unknown ids, which anyone can make up.
        Keys the identity provider dropped are dropped here too. If the provider cannot be reached,
        keys fetched before stay in use, so its outage is not ours."""
        recently = time.monotonic() - self._keys_fetched_at < self.settings.jwks_refetch_seconds
        if not self._keys_expired() and (kid in self._keys or recently):
            return  # fetched by another thread meanwhile, or too recently to ask again
        try:
            fetched = self._jwks.get_signing_keys(refresh=True)
        except jwt.PyJWKClientConnectionError:
            if kid in self._keys:
                log.warning("cannot fetch the token signing keys; using those fetched before")
                # Tried again after the refetch interval, not by every request meanwhile.
                self._keys_fetched_at = (time.monotonic() - self.settings.jwks_cache_seconds
                                         + self.settings.jwks_refetch_seconds)
                return
            raise
        self._keys = {key.key_id: key.key for key in fetched}
        self._keys_fetched_at = time.monotonic()


def explain(error: ValidationError) -> str:
    """A validation error in one line, e.g. "role: Input should be 'distributor', …"."""
    return "; ".join(": ".join([*map(str, e["loc"]), e["msg"].removeprefix("Value error, ")])
                     for e in error.errors())


_bearer = HTTPBearer(auto_error=False, description="JWT from the identity provider, or leisure-token")


def require(*roles: Role) -> Callable[..., Principal]:
    """A dependency yielding the caller's Principal if its role is one of `roles` (any role if none)."""
    allowed = tuple(roles) or tuple(Role)

    # Verified on the event loop when no I/O is needed (HS256, or a JWKS key already fetched):
    # a thread per request costs more than the check. Only a JWKS fetch, which blocks, goes to one.
    async def principal(request: Request,
                        credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Principal:
        if credentials is None:
            if request.headers.get("Authorization"):
                raise Unauthenticated("malformed Authorization header: expected 'Bearer <token>'", None)
            raise Unauthenticated("no bearer token: send 'Authorization: Bearer <token>'", None)
        verifier: TokenVerifier = request.app.state.token_verifier  # set by the app factory
        caller = verifier.verify_without_fetch(credentials.credentials)
        if caller is None:
            caller = await run_in_threadpool(verifier.verify, credentials.credentials)
        if caller.role not in allowed:
            raise Forbidden(f"this endpoint is for {' or '.join(allowed)}; "
                            f"the token's role is {caller.role}")
        return caller

    return principal


def mint_token(settings: AuthSettings, role: Role | str, subject: str, region: str | None = None,
               organisation: object | None = None, venues: Iterable[object] = (),
               national: bool = False, ttl_seconds: int = 3600) -> str:
    """An HS256 token for local use and tests; production tokens come from the identity provider."""
    if settings.jwt_secret is None:
        raise ValueError("minting a token needs jwt_secret")
    principal = Principal(subject=subject, role=role, region=region,
                          organisation=None if organisation is None else str(organisation),
                          venues=tuple(str(venue) for venue in venues), national=national)
    now = int(time.time())
    claims = principal.model_dump(mode="json", by_alias=True) | {
        "iss": settings.issuer, "aud": settings.audience, "iat": now, "exp": now + ttl_seconds}
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")
