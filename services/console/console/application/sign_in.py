"""Signing in through the identity provider: OIDC authorization code with PKCE. The page does the
redirect and keeps the code verifier; the console finds the provider's endpoints and passes the
code exchange on, so the page still talks to its own origin only."""

from dataclasses import dataclass

import httpx

from console.application.forwarding import Unreachable
from leisure_runtime.errors import Refusal


class SignInRefused(Refusal):
    status = 400


@dataclass(frozen=True)
class Provider:
    client_id: str
    authorization_endpoint: str
    token_endpoint: str


async def discover(client: httpx.AsyncClient, issuer: str, client_id: str) -> Provider:
    """The provider's endpoints from its discovery document."""
    try:
        response = await client.get(f"{issuer.rstrip('/')}/.well-known/openid-configuration")
        response.raise_for_status()
        document = response.json()
        return Provider(client_id, document["authorization_endpoint"], document["token_endpoint"])
    except (httpx.HTTPError, ValueError, KeyError) as error:
        raise Unreachable("identity_provider_unreachable",
                          f"the identity provider {issuer} did not give its configuration "
                          f"({type(error).__name__}); try signing in again in a moment") from error


async def exchange_code(client: httpx.AsyncClient, provider: Provider, code: str, code_verifier: str,
                        redirect_uri: str) -> dict:
    """The access token for the code; the provider's refusal in its own words otherwise. Only the
    access token goes back to the page: a refresh or ID token has no use there."""
    try:
        response = await client.post(provider.token_endpoint, data={
            "grant_type": "authorization_code", "code": code, "code_verifier": code_verifier,
            "redirect_uri": redirect_uri, "client_id": provider.client_id})
        answer = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise Unreachable("identity_provider_unreachable",
                          f"the identity provider did not answer the sign-in ({type(error).__name__}); "
                          "sign in again") from error
    if response.status_code != 200 or "access_token" not in answer:
        reason = answer.get("error_description") or answer.get("error") or f"status {response.status_code}"
        raise SignInRefused("sign_in_refused", f"the identity provider refused the sign-in: {reason}; sign in again")
    return {"access_token": answer["access_token"], "expires_in": answer.get("expires_in")}
