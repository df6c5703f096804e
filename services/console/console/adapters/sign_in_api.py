"""Signing in through the identity provider (OIDC authorization code with PKCE): the routes the
sign-in page calls."""

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from console.application import sign_in

router = APIRouter(tags=["console"])


@router.get("/console/oidc/provider",
            summary="Where the sign-in page sends the browser: the identity provider's authorization endpoint")
async def oidc_provider(request: Request) -> dict:
    provider = await _provider(request)
    return {"authorization_endpoint": provider.authorization_endpoint, "client_id": provider.client_id}


class CodeExchange(BaseModel):
    code: str = Field(min_length=1, max_length=2000)
    code_verifier: str = Field(min_length=43, max_length=128, description="PKCE (RFC 7636)")
    redirect_uri: str = Field(min_length=1, max_length=2000)


@router.post("/console/oidc/token",
             summary="The code from the identity provider exchanged for an access token (PKCE)")
async def oidc_token(exchange: CodeExchange, request: Request) -> dict:
    provider = await _provider(request)
    return await sign_in.exchange_code(request.app.state.client, provider, exchange.code, exchange.code_verifier,
                                       exchange.redirect_uri)


async def _provider(request: Request) -> sign_in.Provider:
    """The provider's endpoints, found once and kept for the process's life."""
    state, settings = request.app.state, request.app.state.settings
    if not settings.sign_in_configured:
        raise sign_in.SignInRefused("sign_in_not_configured",
                                    "this console has no identity provider: sign in with a token")
    if getattr(state, "provider", None) is None:
        state.provider = await sign_in.discover(state.client, settings.oidc_issuer, settings.oidc_client_id)
    return state.provider
